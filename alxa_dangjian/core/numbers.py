"""How the portal writes a score: two decimals, rounded half up, whatever the database gave
back (SQLite returns subquery decimals as floats, e.g. 75.8400000000000)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# Excel number format of every score cell: two decimals, no thousands separator.
SCORE_FORMAT = "0.00"


def as_score(value) -> Decimal | None:
    """The value as a Decimal of two places, or None when it is not a number."""
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite():
        return None
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def format_score(value) -> str:
    """ "75.84", "80.00"; an empty string when there is no number (templates add "—")."""
    number = as_score(value)
    return "" if number is None else f"{number:f}"
