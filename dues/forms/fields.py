"""The fields the dues forms share: a month as YYYY-MM, an amount of money in yuan, and a grid
cell's amount."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
MONEY_FIELD = {"max_digits": 12, "decimal_places": 2}
MONEY_ERRORS = {
    "invalid": "请填写金额（数字，最多两位小数）。",
    "max_digits": "金额位数过多，请核对。",
    "max_decimal_places": "金额最多保留两位小数（精确到分）。",
    "max_whole_digits": "金额位数过多，请核对。",
}


def parse_month(value: str) -> datetime.date:
    match = MONTH_PATTERN.match((value or "").strip())
    if not match:
        raise ValidationError("月份格式应为 2026-03。")
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError("月份不存在，请核对。")
    return datetime.date(year, month, 1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (the phone's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value:%Y-%m}"
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return parse_month(value) if value else None


def money(label, **kwargs):
    return forms.DecimalField(label=label, error_messages=MONEY_ERRORS, **MONEY_FIELD, **kwargs)


def decimal_or_none(raw: str):
    """A grid cell's amount: blank means "the assessed due"."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise ValidationError(f"金额“{raw}”不是数字。") from None
    if not value.is_finite():
        raise ValidationError(f"金额“{raw}”不是数字。")
    return value
