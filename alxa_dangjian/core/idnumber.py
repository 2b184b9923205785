"""Chinese resident identity card numbers (公民身份号码, GB 11643-1999).

An 18-character number is laid out as::

    RRRRRR YYYYMMDD SSS C
    region birth    seq check

The 17th character (last digit of the sequence) is odd for men and even for women; the check
character is the ISO 7064 MOD 11-2 checksum of the first 17 digits.  Only 18-character numbers
are accepted (the old 15-digit numbers were withdrawn in 2013).

Pure Python, no Django imports: usable from forms, imports, demo data and test factories.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "IdNumberInfo",
    "InvalidIdNumber",
    "check_consistency",
    "compute_check_char",
    "make_id_number",
    "mask_id_number",
    "normalize_id_number",
    "parse_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_FORMAT_RE = re.compile(r"[0-9]{17}[0-9X]")
_REGION_RE = re.compile(r"[0-9]{6}")
_WHITESPACE_RE = re.compile(r"\s+")
_MIN_YEAR = 1900

MALE = "male"
FEMALE = "female"
_GENDER_ALIASES = {MALE: MALE, FEMALE: FEMALE, "男": MALE, "女": FEMALE}
_GENDER_LABELS = {MALE: "男", FEMALE: "女"}

MSG_FORMAT = "身份证号码应为18位（17位数字加1位数字或X）。"
MSG_BIRTH_DATE = "身份证号码中的出生日期无效。"
MSG_CHECKSUM = "身份证号码校验位错误，请核对。"


class InvalidIdNumber(ValueError):
    """The value is not a valid 18-character resident ID number.

    ``str(exc)`` is a Simplified Chinese message suitable for showing to users; ``code`` is one
    of ``"format"``, ``"birth_date"`` or ``"checksum"``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class IdNumberInfo:
    birth_date: dt.date
    gender: str  # "male" | "female"

    @property
    def gender_label(self) -> str:
        """ "男" or "女"."""
        return _GENDER_LABELS[self.gender]


def normalize_id_number(value: str | None) -> str:
    """Remove whitespace, convert full-width characters and upper-case a trailing ``x``."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", str(value))
    return _WHITESPACE_RE.sub("", value).upper()


def compute_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date_of(number: str, today: dt.date) -> dt.date:
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(MSG_BIRTH_DATE, "birth_date") from None
    if birth.year < _MIN_YEAR or birth > today:
        raise InvalidIdNumber(MSG_BIRTH_DATE, "birth_date")
    return birth


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate ``value`` and return the birth date and gender it encodes.

    Raises :class:`InvalidIdNumber` (a ``ValueError``) with a Chinese message on a bad format,
    an impossible or future birth date (or one before 1900), or a wrong check character.
    ``today`` defaults to the current local date.
    """
    number = normalize_id_number(value)
    if not _FORMAT_RE.fullmatch(number):
        raise InvalidIdNumber(MSG_FORMAT, "format")
    birth = _birth_date_of(number, today or dt.date.today())
    if compute_check_char(number[:17]) != number[17]:
        raise InvalidIdNumber(MSG_CHECKSUM, "checksum")
    gender = MALE if int(number[16]) % 2 else FEMALE
    return IdNumberInfo(birth_date=birth, gender=gender)


def _normalize_gender(gender: str) -> str:
    try:
        return _GENDER_ALIASES[gender]
    except KeyError:
        raise ValueError(f"gender must be 'male' or 'female', got {gender!r}") from None


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def check_consistency(
    value: str,
    *,
    birth_date: dt.date | None = None,
    gender: str | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """Return Chinese messages for every way ``birth_date``/``gender`` disagree with ``value``.

    ``gender`` is ``"male"``/``"female"`` (``"男"``/``"女"`` also accepted); ``None`` or an empty
    value skips that check.  If the number itself is invalid, its validation message is the only
    item returned.  An empty list means everything is consistent.
    """
    try:
        info = parse_id_number(value, today=today)
    except InvalidIdNumber as exc:
        return [exc.message]

    messages = []
    if birth_date is not None and _as_date(birth_date) != info.birth_date:
        shown = f"{info.birth_date.year}年{info.birth_date.month:02d}月{info.birth_date.day:02d}日"
        messages.append(f"出生日期与身份证号码不一致（号码显示为{shown}）。")
    if gender and _normalize_gender(gender) != info.gender:
        messages.append(f"性别与身份证号码不一致（号码显示为{info.gender_label}）。")
    return messages


def mask_id_number(value: str | None) -> str:
    """Keep the first 6 and last 4 characters and mask the rest: ``150221********123X``.

    Values of 10 characters or fewer are masked entirely; empty or ``None`` gives ``""``.
    """
    number = normalize_id_number(value)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def make_id_number(*, region: str, birth_date: dt.date, sequence: int, gender: str) -> str:
    """Build a valid 18-character number (for demo data and test factories).

    ``region`` is the 6-digit administrative division code, ``sequence`` an integer 0–999
    written as the 3-digit sequence code.  If its last digit's parity does not match ``gender``
    (odd = male, even = female) the last bit is flipped, e.g. ``sequence=122, gender="male"``
    gives ``123``; pass ``sequence=2 * n`` to get distinct numbers for consecutive ``n``.
    """
    if not _REGION_RE.fullmatch(region or ""):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be between 0 and 999, got {sequence!r}")
    birth_date = _as_date(birth_date)
    if birth_date.year < _MIN_YEAR:
        raise ValueError(f"birth_date must not be before {_MIN_YEAR}")
    wanted_parity = 1 if _normalize_gender(gender) == MALE else 0
    if sequence % 2 != wanted_parity:
        sequence ^= 1
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + compute_check_char(first17)
