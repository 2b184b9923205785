"""Turning attendance into 学时 (DOMAIN.md §7: a full day 8, a half day 4, otherwise 1 per hour
— the numbers come from the HourCounting row in force)."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from .models import ClassSession, HourCounting

WHOLE_CLASS = {"", "全程", "全勤"}
_DAYS = re.compile(r"^(?P<days>\d+)\s*天(?P<half>半)?$")
_HOURS = re.compile(r"^(?P<n>\d+(?:\.\d)?)\s*(?P<unit>小时|学时)?$")

DURATION_HELP = (
    "留空或“全程”表示参加了全部课程；也可填写“1天”“2天”“半天”“1天半”“3小时”，"
    "或直接填写学时数（如 6）。"
)


def hours_text(hours: Decimal) -> str:
    """学时 as people write them: 16, 4, 2.5 (never 16.0)."""
    return f"{hours:f}".rstrip("0").rstrip(".") if "." in f"{hours:f}" else f"{hours:f}"


def session_credit(duration: str, clock_hours: Decimal | None, counting: HourCounting) -> Decimal:
    if duration == ClassSession.Duration.FULL_DAY:
        return counting.full_day
    if duration == ClassSession.Duration.HALF_DAY:
        return counting.half_day
    return counting.per_hour * Decimal(clock_hours or 0)


def parse_duration(text: str | None, counting: HourCounting) -> Decimal | None:
    """学时 credited for an attendance written as people write it; None means the whole class.

    Raises ValidationError (Chinese) for anything else."""
    text = (text or "").strip().replace("　", "")
    if text in WHOLE_CLASS:
        return None
    if text == "全天":
        return counting.full_day
    if text == "半天":
        return counting.half_day
    if match := _DAYS.match(text):
        hours = counting.full_day * int(match["days"])
        return hours + (counting.half_day if match["half"] else 0)
    if match := _HOURS.match(text):
        number = Decimal(match["n"])
        if number > 0:
            return counting.per_hour * number if match["unit"] == "小时" else number
    raise ValidationError(f"无法识别参训时长“{text}”：{DURATION_HELP}")
