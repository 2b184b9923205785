"""`{{ value|score }}`: every score, total and point on a page in two decimals."""

from django import template

from alxa_dangjian.core.numbers import format_score

register = template.Library()


@register.filter
def score(value) -> str:
    return format_score(value)
