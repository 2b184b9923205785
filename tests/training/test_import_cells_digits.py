"""Cells read as numbers take ASCII digits only: "²".isdigit() is true but int("²") raises,
which would turn a typo in an uploaded sheet into a server error instead of a cell message."""

import pytest

from alxa_dangjian.ledgers.imports import cells
from branches.imports import rating_standards
from training.imports import sign_ins as imports
from training.imports import xuexi as imports_xuexi


@pytest.mark.parametrize("raw", ["²", "١٢", "9" * 40])
def test_class_number_refuses_non_ascii_and_huge_digits(raw):
    with pytest.raises(cells.CellError):
        imports._class_number(raw)


@pytest.mark.parametrize("reader", [imports_xuexi._year, imports_xuexi._score])
@pytest.mark.parametrize("raw", ["²", "١٢", "9" * 40])
def test_xuexi_numbers_refuse_non_ascii_digits(reader, raw):
    with pytest.raises(cells.CellError):
        reader(raw)


def test_numbers_in_ascii_digits_are_read():
    assert imports._class_number("12") == 12
    assert imports_xuexi._score("300") == 300


@pytest.mark.parametrize("raw", ["²", "١٢", "9" * 40])
def test_rating_standard_year_refuses_non_ascii_digits(raw):
    with pytest.raises(cells.CellError):
        rating_standards._year(raw)
