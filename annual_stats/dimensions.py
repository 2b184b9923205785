"""What a table row may count by. A row names a dimension and a value (StatRow); the value
is parsed here once into a predicate over one member or organisation as of the day.

Values: a choice key or several joined by "," (`education` "postgraduate,bachelor"); a group
name, or 少数民族 for every group but 汉族; an age range "low-high" in whole years on the day,
either side open ("-30", "61-70", "81-"); a 入党日期 range "yyyy-mm-dd/yyyy-mm-dd", either
side open. A value that cannot be read counts nothing and is listed by the checks."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from alxa_dangjian.core.periods import add_months
from branches.models import Member, Organization
from branches.models.development import Stage
from branches.models.members import ETHNIC_GROUPS

MINORITIES = "少数民族"
HAN = "汉族"


class BadValue(ValueError):
    pass


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    kinds: frozenset[str]  # the StatTable.Kinds whose records it reads
    parse: Callable[[str], Callable]  # value → predicate(record, day) -> bool


def _choices(field: str, allowed) -> Callable[[str], Callable]:
    def parse(value: str):
        keys = {part.strip() for part in value.split(",") if part.strip()}
        if not keys or not keys <= set(allowed):
            raise BadValue(value)
        return lambda record, day: getattr(record, field) in keys

    return parse


def _everything(value: str):
    if value:
        raise BadValue(value)
    return lambda record, day: True


def _ethnicity(value: str):
    if value == MINORITIES:
        return lambda record, day: record.ethnicity != HAN
    return _choices("ethnicity", ETHNIC_GROUPS)(value)


def _bounds(value: str, separator: str, read):
    low, sep, high = value.partition(separator)
    if not sep:
        raise BadValue(value)
    try:
        low = read(low) if low.strip() else None
        high = read(high) if high.strip() else None
    except ValueError as error:
        raise BadValue(value) from error
    if low is None and high is None or (low is not None and high is not None and low > high):
        raise BadValue(value)
    return low, high


def _within(low, high, point) -> bool:
    return (low is None or point >= low) and (high is None or point <= high)


def _age(value: str):
    low, high = _bounds(value, "-", lambda text: int(text.strip()))
    return lambda record, day: _within(low, high, record.age_on(day))


def _joined(value: str):
    low, high = _bounds(value, "/", lambda text: datetime.date.fromisoformat(text.strip()))
    return lambda record, day: _within(low, high, record.joined_on)


def _tenure(value: str):
    """Whole years in the post on the day (a secretary since 1 March 2020 has 5 on 31 Dec 2025)."""
    low, high = _bounds(value, "-", lambda text: int(text.strip()))
    return lambda record, day: _within(low, high, record.tenure_on(day))


def _admitted_in_year(value: str):
    """Cases whose 上级党委审批 falls in the year ending on the day (本年发展党员)."""
    if value:
        raise BadValue(value)
    return lambda record, day: (
        record.admitted_on is not None and _within(_year_before(day), day, record.admitted_on)
    )


def _year_before(day: datetime.date) -> datetime.date:
    return add_months(day, -12) + datetime.timedelta(days=1)


MEMBERS, ORGANIZATIONS = "members", "organizations"
SECRETARIES, DEVELOPMENT = "secretaries", "development"
PEOPLE = frozenset({MEMBERS, SECRETARIES, DEVELOPMENT})
ONLY = frozenset

DIMENSIONS = {
    d.code: d
    for d in [
        Dimension("all", "全部", PEOPLE, _everything),
        Dimension("gender", "性别", PEOPLE, _choices("gender", Member.Gender.values)),
        Dimension("ethnicity", "民族", PEOPLE, _ethnicity),
        Dimension("age", "年龄（周岁，截止日）", PEOPLE, _age),
        Dimension("education", "学历", PEOPLE, _choices("education", Member.Education.values)),
        Dimension(
            "category", "人员类别", ONLY({MEMBERS}), _choices("category", Member.Category.values)
        ),
        Dimension("joined", "入党时间", ONLY({MEMBERS}), _joined),
        Dimension("status", "预备/正式", ONLY({MEMBERS}), _choices("status", Member.Status.values)),
        Dimension("tenure", "任职年限", ONLY({SECRETARIES}), _tenure),
        Dimension("stage", "所处阶段", ONLY({DEVELOPMENT}), _choices("stage", Stage.values)),
        Dimension("admitted_in_year", "本年发展党员", ONLY({DEVELOPMENT}), _admitted_in_year),
        Dimension("org_all", "全部党组织", ONLY({ORGANIZATIONS}), _everything),
        Dimension(
            "org_type",
            "组织类型",
            ONLY({ORGANIZATIONS}),
            _choices("type", Organization.Type.values),
        ),
        Dimension(
            "org_category",
            "分类指导类别",
            ONLY({ORGANIZATIONS}),
            _choices("category", Organization.Category.values),
        ),
    ]
}


def predicate(dimension: str, value: str, kind: str):
    """The row's predicate, or None when it cannot be read for a table of this kind. Several
    conditions are joined by "&" in both the dimension and the value, in the same order
    ("admitted_in_year&gender" with "&female": 本年发展党员中的女性)."""
    dimensions, values = dimension.split("&"), value.split("&")
    if len(dimensions) != len(values):
        return None
    parts = []
    for code, text in zip(dimensions, values, strict=True):
        found = DIMENSIONS.get(code.strip())
        if found is None or kind not in found.kinds:
            return None
        try:
            parts.append(found.parse(text.strip()))
        except BadValue:
            return None
    if len(parts) == 1:
        return parts[0]
    return lambda record, day: all(part(record, day) for part in parts)
