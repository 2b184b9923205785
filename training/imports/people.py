"""Who a row of a training import means: a name plus an ID number, full or its last 4–6
characters (what sign-in sheets and 学习强国 exports usually carry). Shared by the sign-in
sheet import (`sign_ins`) and the 学习强国 score import (`xuexi`)."""

from __future__ import annotations

import re

from alxa_dangjian.core.idnumber import normalize_id_number
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import ImportColumn
from branches.models import Member

_TAIL = re.compile(r"^[0-9]{3,17}[0-9X]$")


def id_or_tail(value):
    """A full ID number, or its last 4 to 6 characters."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    text = normalize_id_number(cells.text(18)(value))
    if "*" in text:
        text = text.rsplit("*", 1)[1]  # a masked number still carries its tail
    if len(text) == 18:
        return cells.id_number(text)
    if 4 <= len(text) <= 6 and _TAIL.match(text):
        return text
    raise cells.CellError("请填写完整的18位公民身份号码，或号码的后4至6位")


ID_NUMBER_COLUMN = ImportColumn(
    "身份证号码",
    "id_number",
    id_or_tail,
    required=True,
    help="完整的18位号码，或号码的后4至6位（与姓名一起识别本人）；请将该列设为文本格式。",
    example="0012",
    width=21,
    text_format=True,
)


def member_candidates(user, rows, *related: str) -> dict[str, list[Member]]:
    """The members in `user`'s subtree bearing the rows' names, by name (one query)."""
    members = Member.objects.visible_to(user).filter(name__in={row.values["name"] for row in rows})
    if related:
        members = members.select_related(*related)
    candidates: dict[str, list[Member]] = {}
    for member in members.order_by("pk"):
        candidates.setdefault(member.name, []).append(member)
    return candidates


def match_member(row, candidates: dict[str, list[Member]], errors) -> Member | None:
    """The one member the row's name and ID number (or tail) point at; else an error."""
    given = row.values["id_number"]
    full = len(given) == 18
    name = row.values["name"]
    matches = [
        m
        for m in candidates.get(name, [])
        if (m.id_number == given if full else m.id_number.endswith(given))
    ]
    if not matches:
        errors.add(
            row.number,
            "姓名",
            f"未找到姓名为“{name}”、身份证号码{'为' if full else '尾号为'}“{given}”的党员，"
            "或该党员不在您的管理范围内",
        )
        return None
    if len(matches) > 1:
        errors.add(
            row.number,
            "身份证号码",
            f"有{len(matches)}名“{name}”的身份证号码尾号都是“{given}”，请填写完整号码",
        )
        return None
    return matches[0]
