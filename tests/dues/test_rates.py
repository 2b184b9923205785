"""The 2008 standard as seeded rows: every bracket edge, fixed amounts, rounding settings."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dues.models import DuesBracket, DuesRateTable, DuesSetting
from dues.services import assessments as services

MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def setting(db):
    return DuesSetting.load()


@pytest.mark.parametrize(
    ("base", "due"),
    [
        ("0.01", "0.00"),
        ("2000.00", "10.00"),
        ("3000.00", "15.00"),  # upper bound inclusive: still 0.5 %
        ("3000.01", "30.00"),  # flat 1 % on the whole base, not marginal
        ("5000.00", "50.00"),
        ("5000.01", "75.00"),  # 1.5 % of 5000.01 = 75.00015
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),  # 2 % of 10000.01 = 200.0002
        ("25000.00", "500.00"),
    ],
)
def test_salary_brackets_at_every_edge(setting, base, due):
    _, computed = services.compute_due("salary", Decimal(base), MARCH)
    assert computed == Decimal(due)


@pytest.mark.parametrize(
    ("base", "due"),
    [("4000.00", "20.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("8000", "80.00")],
)
def test_retiree_brackets(setting, base, due):
    _, computed = services.compute_due("pension", Decimal(base), MARCH)
    assert computed == Decimal(due)


@pytest.mark.parametrize("kind", ["student", "unemployed", "relief", "farmer"])
def test_fixed_amounts_ignore_the_base(setting, kind):
    _, computed = services.compute_due(kind, Decimal("0"), MARCH)
    assert computed == Decimal("0.20")


def test_farmer_amount_is_a_labelled_configurable_row(db):
    bracket = DuesBracket.objects.get(base_kind="farmer")
    assert "示例，请按工委文件调整" in bracket.note
    bracket.fixed_amount = Decimal("1.00")
    bracket.save()
    assert services.compute_due("farmer", Decimal("0"), MARCH)[1] == Decimal("1.00")


def test_rounding_to_fen_and_to_jiao(setting):
    # 3456.78 × 1 % = 34.5678
    assert services.compute_due("salary", Decimal("3456.78"), MARCH)[1] == Decimal("34.57")
    setting.rounding = DuesSetting.Rounding.JIAO
    setting.save()
    assert services.compute_due("salary", Decimal("3456.78"), MARCH)[1] == Decimal("34.60")
    # Half up: 3445.00 × 1 % = 34.45 → 34.5 (banker's rounding would give 34.4)
    assert services.compute_due("salary", Decimal("3445.00"), MARCH)[1] == Decimal("34.50")
    # Fixed amounts are not rounded away.
    assert services.compute_due("student", Decimal("0"), MARCH)[1] == Decimal("0.20")


def test_half_up_at_the_fen(setting):
    # 2001.00 × 0.5 % = 10.005 → 10.01
    assert services.compute_due("salary", Decimal("2001.00"), MARCH)[1] == Decimal("10.01")


def test_a_later_version_takes_over_from_its_effective_date(setting):
    old = DuesRateTable.objects.get()
    new = DuesRateTable.objects.create(name="新标准", effective_from=datetime.date(2026, 7, 1))
    for bracket in old.brackets.all():
        bracket.pk = None
        bracket.table = new
        if bracket.base_kind == "student":
            bracket.fixed_amount = Decimal("0.50")
        bracket.save()
    assert services.compute_due("student", 0, datetime.date(2026, 6, 1)) == (old, Decimal("0.20"))
    assert services.compute_due("student", 0, datetime.date(2026, 7, 1)) == (new, Decimal("0.50"))


def test_no_table_in_force_is_a_chinese_error(setting):
    with pytest.raises(ValidationError, match="尚无生效的党费标准"):
        services.compute_due("salary", Decimal("3000"), datetime.date(2007, 1, 1))


def test_bracket_clean_refuses_rate_and_fixed_together(db):
    bracket = DuesBracket(
        table=DuesRateTable.objects.get(),
        base_kind="salary",
        rate_percent=Decimal("1"),
        fixed_amount=Decimal("1"),
    )
    with pytest.raises(ValidationError, match="只填写其中一项"):
        bracket.clean()
