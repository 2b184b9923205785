"""Members and organisations as they stood on a past day ("as of D"), from their history.

Why here (the base) and not in the statistics app: the cockpit's "same day last year" figures
need the same answer, and the base may not import a feature app.

Where each fact as of D comes from, and why:

* **The recorded state** — the member's or organisation's latest historical row
  (django-simple-history) written by the end of D (Asia/Shanghai), one set-based query per
  model: a window ranks each object's rows newest first and the first is kept; a deletion
  ("-") written by then removes the object. Gender, 民族, birth date, education, category,
  an organisation's type, parent and 有效 come from there.
* **Before the first row** — an object whose first row was written after D (a roster keyed
  in later, a seeded record first changed later: `core.history.baseline` writes the stored
  state with the date of that first change, not of the state) is taken as its first row says:
  the best known state for the time before history was kept. An object with no row at all
  (created before history was kept and never changed) is taken as it stands today. So no
  backfill is needed to answer; a backfill only makes the pre-history state explicit (it
  would write `baseline` rows dated by `created_at`, which changes no answer here).
* **Dated facts beat recording dates**, because they are often keyed in late:
  - 入党日期 (`joined_on`): not a member before it;
  - 转正日期 (`confirmed_on`): 正式 from that day, 预备 before (`full_on`'s rule: 正式 without
    a date counts as confirmed);
  - transfers (`MemberTransfer.transferred_on`): the organisation on D is where the latest
    transfer by D took the member, else where the first later transfer took them from; a
    member whose first later transfer is a 转入 from outside the system was not on the roll
    on D, one whose latest transfer by D is a 转出 had left it (standing 转出).
  These dates are read from the member as recorded now (a corrected date is the truth), and
  so are the facts of a person that do not change (姓名, 性别, 民族, 出生日期): a later edit of
  them is a correction, while 学历, 人员类别 and the rest change over time and are read as
  recorded by the day.
* **Standings without a date** (停止党籍, 出党, 死亡) and an organisation's 撤销 (`is_active`)
  count from the day they were recorded: the model keeps no effective date for them.
* **The tree** — historical organisation rows keep the parent, not the materialised path, so
  the subtree of a place on D is walked in Python over the organisations as of D (a few
  thousand rows at most), never from today's paths.

Each function runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from .models import Member, MemberTransfer, Organization

MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "category",
    "status",
    "standing",
    "organization_id",
)
ORGANIZATION_FIELDS = ("name", "type", "category", "parent_id", "is_active")
# Read from the member as recorded now: dates (often keyed in late) and the facts of a person
# (a later edit is a correction).
CURRENT_FIELDS = (
    "joined_on",
    "confirmed_on",
    "status",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
)


def end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the portal's time zone (history dates are aware)."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


def _ranked(history, *, newest_first: bool):
    order = [F("history_date").desc(), F("history_id").desc()]
    if not newest_first:
        order = [F("history_date").asc(), F("history_id").asc()]
    return history.annotate(
        rank=Window(RowNumber(), partition_by=[F("id")], order_by=order)
    ).filter(rank=1)


def recorded_states(model, day: datetime.date, fields: Iterable[str]) -> dict[int, dict]:
    """Each object's recorded state on `day` (see the module notes), by id: two queries on
    the historical table and one on the live one. Objects deleted by then are left out."""
    fields = list(fields)
    wanted = ["id", "history_type", *fields]
    history = model.history.order_by()
    written_by = history.filter(history_date__lt=end_of(day))
    states: dict[int, dict] = {}
    for row in _ranked(written_by, newest_first=True).values(*wanted):
        states[row["id"]] = row
    later = history.exclude(id__in=written_by.values("id"))
    for row in _ranked(later, newest_first=False).values(*wanted):
        states[row["id"]] = row
    untracked = model._default_manager.order_by().exclude(pk__in=history.values("id"))
    for row in untracked.values("id", *fields):
        states[row["id"]] = {**row, "history_type": "+"}
    return {pk: row for pk, row in states.items() if row["history_type"] != "-"}


@dataclass(frozen=True, slots=True)
class OrganizationState:
    id: int
    name: str
    type: str
    category: str
    parent_id: int | None
    is_active: bool
    established_on: datetime.date | None

    @property
    def exists(self) -> bool:
        """Founded by the day and not yet 撤销 (what the statistics count)."""
        return self.is_active

    @property
    def is_branch(self) -> bool:
        return self.type in Organization.BRANCH_TYPES

    def get_type_display(self) -> str:
        return Organization.Type(self.type).label


@dataclass(frozen=True, slots=True)
class MemberState:
    id: int
    name: str
    gender: str
    ethnicity: str
    birth_date: datetime.date
    education: str
    category: str
    joined_on: datetime.date
    confirmed_on: datetime.date | None
    status: str  # 预备/正式 on the day
    standing: str  # 党籍状态 on the day
    organization_id: int

    @property
    def on_roll(self) -> bool:
        """Counted as a party member of their organisation on the day (党籍正常)."""
        return self.standing == Member.Standing.NORMAL

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


def organizations_on(day: datetime.date) -> dict[int, OrganizationState]:
    """Every organisation known on `day` (founded by then; 撤销 ones kept with is_active
    False so a report can name a dissolution), by id. Four queries."""
    states = recorded_states(Organization, day, ORGANIZATION_FIELDS)
    founded = dict(Organization.objects.order_by().values_list("id", "established_on"))
    result = {}
    for pk, row in states.items():
        established_on = founded.get(pk)
        if established_on is not None and established_on > day:
            continue
        result[pk] = OrganizationState(
            id=pk,
            name=row["name"],
            type=row["type"],
            category=row["category"],
            parent_id=row["parent_id"],
            is_active=row["is_active"],
            established_on=established_on,
        )
    return result


def subtree_ids(organizations: dict[int, OrganizationState], place_id: int) -> set[int]:
    """`place_id` and every organisation below it in the tree of that day (parents as of the
    day), dissolved ones included: their members on the day still count for the place."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for state in organizations.values():
        children[state.parent_id].append(state.id)
    found, pending = set(), [place_id] if place_id in organizations else []
    while pending:
        pk = pending.pop()
        if pk not in found:
            found.add(pk)
            pending.extend(children.get(pk, ()))
    return found


def members_on(day: datetime.date) -> dict[int, MemberState]:
    """Every member known to the system on `day`, in whatever standing (normal, 转出, 停止党籍,
    出党, 死亡), by id; those not yet admitted or not yet transferred in are absent. Five
    queries."""
    states = recorded_states(Member, day, MEMBER_FIELDS)
    dated = {row["id"]: row for row in Member.objects.order_by().values("id", *CURRENT_FIELDS)}
    recorded_dates = {}
    missing = [pk for pk in states if pk not in dated]
    if missing:  # deleted since: their own last row has the dates
        last = _ranked(Member.history.order_by().filter(id__in=missing), newest_first=True)
        recorded_dates = {r["id"]: r for r in last.values("id", *CURRENT_FIELDS)}
    transfers = _transfers_by_member()
    result = {}
    for pk, row in states.items():
        dates = dated.get(pk) or recorded_dates.get(pk)
        if dates is None or dates["joined_on"] > day:
            continue
        organization_id, standing = row["organization_id"], row["standing"]
        moves = transfers.get(pk, ())
        before = [t for t in moves if t[0] <= day]
        after = [t for t in moves if t[0] > day]
        if before:
            _on, kind, source, target = before[-1]
            if kind == MemberTransfer.Kind.OUT:
                organization_id, standing = (
                    source or organization_id,
                    Member.Standing.TRANSFERRED_OUT,
                )
            else:
                organization_id = target or organization_id
                if standing == Member.Standing.TRANSFERRED_OUT:
                    standing = Member.Standing.NORMAL
        elif after:
            _on, kind, source, _target = after[0]
            if kind == MemberTransfer.Kind.IN:
                continue  # outside the system on the day
            organization_id = source or organization_id
            if standing == Member.Standing.TRANSFERRED_OUT:
                standing = Member.Standing.NORMAL
        confirmed_on = dates["confirmed_on"]
        full = dates["status"] == Member.Status.FULL and (
            confirmed_on is None or confirmed_on <= day
        )
        result[pk] = MemberState(
            id=pk,
            name=dates["name"],
            gender=dates["gender"],
            ethnicity=dates["ethnicity"],
            birth_date=dates["birth_date"],
            education=row["education"],
            category=row["category"],
            joined_on=dates["joined_on"],
            confirmed_on=confirmed_on if full else None,
            status=Member.Status.FULL if full else Member.Status.PROBATIONARY,
            standing=standing,
            organization_id=organization_id,
        )
    return result


def _transfers_by_member() -> dict[int, list[tuple]]:
    moves: dict[int, list[tuple]] = defaultdict(list)
    rows = MemberTransfer.objects.order_by("transferred_on", "recorded_at", "pk").values_list(
        "member_id", "transferred_on", "kind", "from_organization_id", "to_organization_id"
    )
    for member_id, on, kind, source, target in rows:
        moves[member_id].append((on, kind, source, target))
    return moves


@dataclass(frozen=True)
class Snapshot:
    """A place's subtree on a day: its organisations and the members on its roll."""

    day: datetime.date
    organizations: dict[int, OrganizationState]
    members: dict[int, MemberState]  # every member known on the day, any standing
    scope: frozenset[int]  # organisation ids of the place's subtree on the day

    def roll(self) -> list[MemberState]:
        """Members in good standing whose organisation lies in the subtree on the day."""
        return [m for m in self.members.values() if m.on_roll and m.organization_id in self.scope]

    def scoped_organizations(self) -> list[OrganizationState]:
        """Organisations of the subtree existing (not 撤销) on the day."""
        return [self.organizations[pk] for pk in self.scope if self.organizations[pk].exists]


def snapshot(place: Organization, day: datetime.date, *, visible: Iterable[int] | None = None):
    """The place's subtree on `day`. `visible`, when given, limits the subtree to those
    organisation ids (today's access rule: a branch moved out of the user's subtree since
    stays hidden)."""
    organizations = organizations_on(day)
    scope = subtree_ids(organizations, place.pk)
    if visible is not None:
        scope &= set(visible)
    return Snapshot(
        day=day, organizations=organizations, members=members_on(day), scope=frozenset(scope)
    )


@dataclass(frozen=True, slots=True)
class SecretaryState:
    """A 书记 seat held on the day, with its holder's particulars as of the day."""

    id: int  # the seat
    member_id: int
    name: str
    gender: str
    ethnicity: str
    birth_date: datetime.date
    education: str
    organization_id: int
    started_on: datetime.date

    def age_on(self, day: datetime.date) -> int:
        return _years_between(self.birth_date, day)

    def tenure_on(self, day: datetime.date) -> int:
        """Whole years in the post on the day."""
        return _years_between(self.started_on, day)


def secretaries_on(day: datetime.date, members: dict[int, MemberState]) -> list[SecretaryState]:
    """书记 seats held on `day` (dated by 任职日期 and 离任日期): one query; the holder's
    particulars come from `members` (as of the day) when known there."""
    from .models import CommitteeSeat

    seats = (
        CommitteeSeat.objects.order_by()
        .filter(post=CommitteeSeat.Post.SECRETARY, started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .values(
            "id",
            "member_id",
            "organization_id",
            "started_on",
            *(f"member__{name}" for name in PERSON_FIELDS),
        )
    )
    result = []
    for seat in seats:
        known = members.get(seat["member_id"])
        person = {
            name: getattr(known, name) if known else seat[f"member__{name}"]
            for name in PERSON_FIELDS
        }
        result.append(
            SecretaryState(
                id=seat["id"],
                member_id=seat["member_id"],
                organization_id=seat["organization_id"],
                started_on=seat["started_on"],
                **person,
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class CaseState:
    """A 发展党员 case on the day: the stage its dated steps had reached."""

    id: int
    name: str
    gender: str
    ethnicity: str
    birth_date: datetime.date
    education: str
    organization_id: int
    stage: str
    admitted_on: datetime.date | None  # 上级党委审批 (admission), if by the day

    def age_on(self, day: datetime.date) -> int:
        return _years_between(self.birth_date, day)


def development_on(day: datetime.date) -> list[CaseState]:
    """Cases with a step dated by `day` and not closed by then (终止), at the stage of their
    latest step by then. Two queries. A case's organisation is today's (cases rarely move)."""
    from .models import DevelopmentCase, DevelopmentStep
    from .models.development import STAGE_AFTER_STEP, STEP_ORDER, Step

    latest: dict[int, tuple] = {}
    admitted: dict[int, datetime.date] = {}
    steps = DevelopmentStep.objects.order_by().filter(done_on__lte=day)
    for case_id, step, done_on in steps.values_list("case_id", "step", "done_on"):
        key = (done_on, STEP_ORDER.index(step))
        if case_id not in latest or key > latest[case_id][0]:
            latest[case_id] = (key, step)
        if step == Step.ADMISSION_APPROVAL:
            admitted[case_id] = done_on
    cases = (
        DevelopmentCase.objects.order_by()
        .filter(pk__in=steps.values("case_id"))
        .exclude(is_closed=True, closed_at__lt=end_of(day))
        .values("id", "organization_id", *PERSON_FIELDS)
    )
    return [
        CaseState(
            **case,
            stage=STAGE_AFTER_STEP[latest[case["id"]][1]],
            admitted_on=admitted.get(case["id"]),
        )
        for case in cases
    ]


PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education")


def _years_between(start: datetime.date, day: datetime.date) -> int:
    years = day.year - start.year
    return years - ((day.month, day.day) < (start.month, start.day))
