"""The one validated helper for GET parameters: a bad value is the default, never an error."""

from django.test import RequestFactory

from alxa_dangjian.core import params


def get(**query):
    return RequestFactory().get("/", query)


def test_integers_take_ascii_digits_within_bounds_only():
    for raw in ("²", "١٢", "12a", "-3", "", " ", "9" * 40, "0"):
        assert params.integer(get(n=raw), "n", low=1, high=100, default=7) == 7, raw
    assert params.integer(get(n=" 42 "), "n", low=1, high=100) == 42
    assert params.integer(get(), "n", low=1, high=100) is None


def test_years_months_and_ids():
    assert params.year(get(year="2025")) == 2025
    assert params.year(get(year="1999"), default=2026) == 2026
    assert params.month(get(month="2025-03")) == (2025, 3)
    for raw in ("9999-12", "2025-13", "2025-3", "２０２５-03", "²"):
        assert params.month(get(month=raw)) is None, raw
    assert params.pk(get(organization="12"), "organization") == 12
    assert params.pk(get(organization=str(2**70)), "organization") is None


def test_text_drops_nul_bytes_and_is_cut():
    assert params.text(get(q=" 甲\x00局 "), "q") == "甲局"
    assert params.text(get(q="x" * 500), "q") == "x" * 100
    assert params.text(get(), "q") == ""
