"""Month arithmetic shared by every app.

`add_months` moves a calendar day, kept within the month (8-31 minus six months is 2-28).
The rest counts months as the ledgers do: a month is the date of its first day, and in SQL its
index `year * 12 + month - 1`, so month arithmetic is integer arithmetic on every database."""

import datetime

from django.db.models import ExpressionWrapper, IntegerField
from django.db.models.functions import ExtractMonth, ExtractYear


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def from_index(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def shift_month(month: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before) `month`'s."""
    return from_index(month_index(month) + months)


def _days_in_month(year: int, month: int) -> int:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later (or earlier), kept within the month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, _days_in_month(year, month)))


def month_label(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月"


def months_of_year(year: int) -> list[datetime.date]:
    return [datetime.date(year, month, 1) for month in range(1, 13)]


class _NativePart:
    """A date part as an integer in the database's own SQL. PostgreSQL's EXTRACT returns
    numeric, slower to group by than date_part's integer; on SQLite Django extracts through a
    Python function called per row (tens of thousands of rows in a league-wide GROUP BY),
    where strftime is native. Other databases keep Django's SQL."""

    part = ""
    sqlite_format = ""

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"date_part('{self.part}', {sql})::integer", params

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        # '%%' reaches SQLite as '%' (the query passes through the parameter formatting).
        return f"CAST(strftime('%%{self.sqlite_format}', {sql}) AS INTEGER)", params


class Year(_NativePart, ExtractYear):
    """The year of a date column as an integer (see _NativePart)."""

    part, sqlite_format = "year", "Y"


class Month(_NativePart, ExtractMonth):
    """The month (1–12) of a date column as an integer (see _NativePart)."""

    part, sqlite_format = "month", "m"


def index_of(field: str) -> ExpressionWrapper:
    """SQL for the month index of a date column."""
    return ExpressionWrapper(Year(field) * 12 + Month(field) - 1, output_field=IntegerField())
