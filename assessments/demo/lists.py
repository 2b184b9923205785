"""Responsibility lists for the demo league.

Every active party committee and branch gets a 主体责任清单 for last year and this year; each
committee also a 第一责任人清单 in its current secretary's name. Last year's lists are complete
(plans and mid-year reports confirmed, year-end reports confirmed: mostly done on time, some
late, a few unfinished — candidates for the carry-over). This year's plans are confirmed;
once the mid-year window has opened most mid-year reports are confirmed and some wait for
review; the year-end reports are still to come.

Deterministic (each organisation draws from its own seeded generator) and idempotent (an
owner that already has a list of the year is left alone). Written with bulk inserts (history
rows included) in one transaction per year.
"""

import datetime
import random

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from alxa_dangjian.accounts.models import User
from branches.models import CommitteeSeat, Organization

from ..models import (
    CheckpointEntry,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityList,
    ResponsibilityListType,
    Stage,
)

Progress = CheckpointEntry.Progress
Review = CheckpointEntry.Review

COMMITTEE_ITEMS = [
    ("研究制定年度党建工作要点，召开党建工作专题会议不少于2次", (3, 31)),
    ("督促指导所属党支部按期换届，规范落实“三会一课”制度", (6, 30)),
    ("落实意识形态工作责任制，每半年分析研判一次", (7, 15)),
    ("推进“党建+”特色品牌创建，每个党支部至少形成1项特色做法", (10, 31)),
    ("组织开展党组织书记抓基层党建述职评议考核", (12, 20)),
]
BRANCH_ITEMS = [
    ("按月开展主题党日，全年不少于12次", (12, 20)),
    ("每季度召开党员大会、上党课，会议记录规范完整", (12, 15)),
    ("做好发展党员和党员教育管理工作，按时完成积极分子培养考察", (9, 30)),
    ("开展“我为群众办实事”实践活动，完成年初承诺事项", (11, 30)),
    ("按规定收缴党费，每季度公示一次", (6, 30)),
]
SECRETARY_ITEMS = [
    ("亲自研究部署党建工作，每年带头讲党课不少于1次", (6, 30)),
    ("每半年听取所属党支部工作汇报，解决突出问题", (7, 31)),
    ("带头落实双重组织生活制度，以普通党员身份参加所在支部组织生活", (12, 15)),
]


def seed_lists(today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo lists where they are missing; returns the numbers created."""
    today = today or datetime.date.today()
    by = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    counts = {"lists": 0, "items": 0}
    types = {t.code: t for t in ResponsibilityListType.objects.all()}
    if by is None or not {"principal", "first-responsible"} <= types.keys():
        return counts
    owners = list(
        Organization.objects.filter(is_active=True)
        .filter(type__in=(*Organization.COMMITTEE_TYPES, *Organization.BRANCH_TYPES))
        .order_by("path")
    )
    secretaries = dict(
        CommitteeSeat.objects.current()
        .filter(post=CommitteeSeat.Post.SECRETARY)
        .order_by("organization_id", "pk")
        .values_list("organization_id", "member__name")
    )
    for year in (today.year - 1, today.year):
        created = _seed_year(year, today, owners, secretaries, types, by)
        counts["lists"] += created[0]
        counts["items"] += created[1]
    return counts


@transaction.atomic
def _seed_year(year, today, owners, secretaries, types, by) -> tuple[int, int]:
    existing = set(
        ResponsibilityList.objects.filter(year=year).values_list("owner_organization_id", "type_id")
    )
    plans = []  # (list, item texts)
    for owner in owners:
        is_committee = owner.type in Organization.COMMITTEE_TYPES
        principal = types["principal"]
        if (owner.pk, principal.pk) not in existing:
            items = COMMITTEE_ITEMS if is_committee else BRANCH_ITEMS
            plans.append((_list(year, principal, owner, "", "", by), items, owner))
        person = secretaries.get(owner.pk)
        first = types["first-responsible"]
        if is_committee and person and (owner.pk, first.pk) not in existing:
            plans.append((_list(year, first, owner, person, "书记", by), SECRETARY_ITEMS, owner))
    if not plans:
        return 0, 0
    made = ResponsibilityList.objects.bulk_create([p[0] for p in plans], batch_size=1000)
    items, rngs = [], []
    for made_list, (_, texts, owner) in zip(made, plans, strict=True):
        rng = random.Random(f"lists-{year}-{owner.name}-{made_list.type_id}")
        for order, (content, (month, day)) in enumerate(texts, 1):
            deadline = datetime.date(year, month, day)
            items.append(
                ResponsibilityItem(list=made_list, order=order, content=content, deadline=deadline)
            )
            rngs.append(rng)
    items = bulk_create_with_history(
        items, ResponsibilityItem, batch_size=1000, default_user=by,
        default_change_reason="演示数据", default_date=_moment(year, 1, 15),
    )  # fmt: skip
    if items and items[0].pk is None:  # a database that does not return primary keys
        items = list(ResponsibilityItem.objects.filter(list__in=made).order_by("list_id", "order"))
    entries = []
    window = CheckpointWindow.for_year(year)
    for item, rng in zip(items, rngs, strict=True):
        entries.extend(_entries(item, rng, window, today, by))
    bulk_create_with_history(
        entries, CheckpointEntry, batch_size=1000, default_user=by,
        default_change_reason="演示数据", default_date=_moment(year, 1, 20),
    )  # fmt: skip
    return len(made), len(items)


def _moment(year, month, day):
    return datetime.datetime(year, month, day, 9, 0, tzinfo=datetime.UTC)


def _list(year, list_type, owner, person, post, by) -> ResponsibilityList:
    return ResponsibilityList(
        year=year,
        type=list_type,
        owner_organization=owner,
        owner_person=person,
        owner_post=post,
        created_by=by,
    )


def _entry(item, stage, by, review, progress="", completed_on=None, note=""):
    reviewed = review in (Review.CONFIRMED, Review.RETURNED)
    return CheckpointEntry(
        item=item,
        stage=stage,
        progress=progress,
        completed_on=completed_on,
        note=note,
        review=review,
        submitted_by=by,
        submitted_at=_moment(item.list.year, 1, 20),
        reviewed_by=by if reviewed else None,
        reviewed_at=_moment(item.list.year, 1, 25) if reviewed else None,
    )


def _entries(item, rng, window, today, by) -> list[CheckpointEntry]:
    entries = [_entry(item, Stage.PLAN, by, Review.CONFIRMED)]
    mid_opens, _ = window.dates(Stage.MID)
    if today < mid_opens:
        return entries
    mid_done = item.deadline <= datetime.date(item.list.year, 6, 30) and rng.random() < 0.9
    if mid_done:
        done_on = min(item.deadline - datetime.timedelta(days=rng.randint(0, 20)), today)
        progress = Progress.DONE
    else:
        progress, done_on = Progress.IN_PROGRESS, None
    final_opens, _ = window.dates(Stage.FINAL)
    this_year = item.list.year == today.year
    draw = rng.random()
    if this_year and draw < 0.15:
        mid_review = Review.SUBMITTED
    elif this_year and draw < 0.2:
        return entries  # not reported yet
    else:
        mid_review = Review.CONFIRMED
    note = "已按计划完成。" if mid_done else "正在按计划推进，下半年完成。"
    entries.append(_entry(item, Stage.MID, by, mid_review, progress, done_on, note))
    if this_year or today < final_opens:
        return entries  # the year-end report is still to come
    draw = rng.random()
    if draw < 0.8:
        done_on = done_on or item.deadline - datetime.timedelta(days=rng.randint(0, 25))
        final = (Progress.DONE, done_on, "已完成，佐证材料已归档。")
    elif draw < 0.9:
        late = min(item.deadline + datetime.timedelta(days=rng.randint(5, 30)), today)
        final = (Progress.DONE, late, "已完成，但晚于完成时限。")
    else:
        final = (Progress.IN_PROGRESS, None, "受客观条件影响未能完成，拟结转下一年度。")
    entries.append(_entry(item, Stage.FINAL, by, Review.CONFIRMED, *final))
    return entries
