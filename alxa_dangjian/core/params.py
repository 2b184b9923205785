"""The one validated path for GET parameters that are not list filters (those go through a
FilterSet or a filter form). Each reader returns a clean value or the default, never raises:
a bad value in a URL is ignored, not a 500.

Why not `str.isdigit()` and `int()`: `isdigit()` accepts '²' and '١', which `int()` refuses
or reads as another number; a NUL byte is refused by PostgreSQL in any text comparison; and
a year or month far from today overflows date arithmetic."""

from __future__ import annotations

import datetime
import re

FIRST_YEAR, LAST_YEAR = 2000, 2100
# ASCII digits only: str.isdigit() also accepts "²" and other Unicode digits.
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A primary key fits a signed 64-bit integer: 19 digits at most.
_PK_DIGITS = 18


def text(request, name: str, *, max_length: int = 100, default: str = "") -> str:
    """A free-text parameter (a search): NUL bytes dropped, trimmed, cut to max_length."""
    raw = request.GET.get(name)
    if raw is None:
        return default
    return raw.replace("\x00", "").strip()[:max_length]


def integer(request, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """An integer between low and high written in ASCII digits, else the default."""
    return parse_integer(request.GET.get(name), low=low, high=high, default=default)


def parse_integer(raw, *, low: int, high: int, default: int | None = None) -> int | None:
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)):
        return default
    value = int(raw)
    return value if low <= value <= high else default


def year(request, name: str = "year", *, default: int | None = None) -> int | None:
    return integer(request, name, low=FIRST_YEAR, high=LAST_YEAR, default=default)


def pk(request, name: str) -> int | None:
    """An object id (the object itself is still fetched through `visible_to`)."""
    return integer(request, name, low=1, high=10**_PK_DIGITS - 1)


def month(request, name: str = "month") -> tuple[int, int] | None:
    """A "YYYY-MM" month within FIRST_YEAR..LAST_YEAR, as (year, month)."""
    raw = text(request, name, max_length=7)
    head, _, tail = raw.partition("-")
    year_value = parse_integer(head, low=FIRST_YEAR, high=LAST_YEAR)
    month_value = parse_integer(tail, low=1, high=12)
    if year_value is None or month_value is None or len(tail) != 2:
        return None
    return year_value, month_value


def year_param(request, name: str = "year") -> int | None:
    return year(request, name)


def date_param(request, name: str) -> datetime.date | None:
    """A "YYYY-MM-DD" day within FIRST_YEAR..LAST_YEAR (`?as_of=2026-02-30` is None)."""
    raw = text(request, name, max_length=10)
    if not DATE.fullmatch(raw):
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def flag_param(request, name: str) -> bool:
    """A checkbox-like switch: only "1" turns it on."""
    return request.GET.get(name, "") == "1"
