"""Months as the dues ledger counts them: a month is the date of its first day, and in SQL
its index `year * 12 + month - 1`, so month arithmetic is integer arithmetic on every
database."""

import datetime

from django.db.models import ExpressionWrapper, IntegerField
from django.db.models.functions import ExtractMonth, ExtractYear


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def from_index(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    return from_index(month_index(day) + months)


def month_label(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月"


def months_of_year(year: int) -> list[datetime.date]:
    return [datetime.date(year, month, 1) for month in range(1, 13)]


def index_of(field: str) -> ExpressionWrapper:
    """SQL for the month index of a date column (ExtractYear/Month exist on every backend)."""
    return ExpressionWrapper(
        ExtractYear(field) * 12 + ExtractMonth(field) - 1, output_field=IntegerField()
    )
