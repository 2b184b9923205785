"""Demo 最强党支部 data: past rounds (2021–2023) whose titles reproduce the seed report's
figures at the end of 2023 exactly, a round of this year open for applications, and a few
三期护航 notes. Deterministic and idempotent: titles are keyed by their unique fields.

The report: "评定基层党委‘最强党支部’37个，盟直机关‘最强党支部’75个，盟直机关‘最强党支部’示范点
9个，示范基地2个，‘最强党支部’总数112个，占比达55.72%。获评全盟‘最强党支部’15个，示范点1个，
示范基地2个。" Mapped onto the demo league (branches/demo/organizations.py, 201 active branches
and joint branches plus 3 临时党支部, which are not counted):

- 基层党委 = branches under the 12 党委 of type `committee` (公安局, 教体局, 卫健委, the two
  enterprises, the college …; 105 branches): 37 hold an active 盟直机关 title at the end of 2023
  (38 were named; one 2022 title was withdrawn in August 2023 and no longer counts);
- 盟直机关 = every other branch (under a 机关党委 or 党总支, or directly under the work
  committee; 96 branches): 75 hold one. 37 + 75 = 112 of 201 = 55.72 %;
- of the 112, 9 reached 示范点 as their highest level and 2 示范基地 (their 示范点 dates
  from 2022, as the ladder requires);
- at 全盟 scope 15 branches hold a title: 12 最强党支部 only, 1 示范点, 2 示范基地
  (the figures are read as in branches/rating_stats.py: the higher rungs are subsets).

Every title comes from an application of its round (level and scope as named, status 已命名),
so a round's 申报 and 已命名 counts are what it produced; each round also has a few applications
that were returned and never named (some of those branches were named in a later round). The
applications carry no item scores: the sample standards exist for this year and the last only.

The demo secretary's branch holds no title and made no application, so the browser test can walk
it from 申报 to 命名.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.models import User

from ..models import (
    Level,
    Organization,
    RatingApplication,
    RatingRound,
    RatingTitle,
    Scope,
    SupervisionNote,
)

T = Organization.Type
PAST_YEARS = (2021, 2022, 2023)
SEED_YEAR = 2023
DEMO_BRANCH = "盟公安局治安管理支队党支部"  # the demo secretary's: left without a title
WITHDRAWAL_REASON = "年度复核发现“三会一课”记录不全、整改不到位，予以摘牌（演示数据）"
# Applications of each past round that were returned and not named, per scope.
RETURNED_PER_ROUND = {Scope.ORGAN: 8, Scope.LEAGUE: 3}
RETURN_REASONS = [
    "“三会一课”记录不完整，部分月份支部委员会会议缺记录，请补齐后下年度再申报。",
    "党费收缴台账与交纳记录不一致，请核实整改。",
    "自评材料佐证不足，“党建+”项目成效未体现。",
    "组织生活会整改清单未落实到位。",
    "党员学时未达标人数较多，请加强教育培训。",
]
Status = RatingApplication.Status


def _past_round(year: int, scope: str) -> dict:
    return {
        "title": f"{year}年度{Scope(scope).label}“最强党支部”评定",
        "apply_opens_on": datetime.date(year, 4, 20),
        "apply_closes_on": datetime.date(year, 5, 31),
        "recommend_closes_on": datetime.date(year, 6, 15),
        "review_closes_on": datetime.date(year, 7, 10),
        "publicity_starts_on": datetime.date(year, 7, 15),
        "publicity_ends_on": datetime.date(year, 7, 21),
        "target_share": Decimal("50.00") if scope == Scope.ORGAN else Decimal("5.00"),
        "status": RatingRound.Status.CLOSED,
    }


def _awarded_on(year: int) -> datetime.date:
    return datetime.date(year, 7, 28)


def _counted_demo_branches() -> tuple[list, list]:
    """The league's own (scale 1) counted branches, split 基层党委 / 盟直机关, by name."""
    grassroots_paths = list(
        Organization.objects.filter(type=T.COMMITTEE, depth=1).values_list("path", flat=True)
    )
    branches = (
        Organization.objects.filter(is_active=True, type__in=(T.BRANCH, T.JOINT_BRANCH))
        .exclude(name__contains="（扩展")
        .exclude(name=DEMO_BRANCH)
        .order_by("name")
        .values_list("pk", "path")
    )
    grassroots, organ = [], []
    for pk, path in branches:
        (
            grassroots if any(scoping.in_subtree(path, p) for p in grassroots_paths) else organ
        ).append(pk)
    return grassroots, organ


def planned_titles() -> list[dict]:
    """Every demo title as field values (the same list on every run)."""
    rng = random.Random(SEED_YEAR)
    grassroots, organ = _counted_demo_branches()
    chosen_grassroots = rng.sample(grassroots, 38)
    chosen_organ = rng.sample(organ, 75)
    titles = []

    def add(pk, level, scope, year, **extra):
        titles.append(
            {
                "organization_id": pk,
                "level": level,
                "scope": scope,
                "year": year,
                "awarded_on": _awarded_on(year),
                **extra,
            }
        )

    strongest_year = {}
    for index, pk in enumerate(chosen_grassroots + chosen_organ):
        strongest_year[pk] = PAST_YEARS[index % 3]
    withdrawn = next(pk for pk in chosen_grassroots if strongest_year[pk] == 2022)
    for pk, year in strongest_year.items():
        extra = {}
        if pk == withdrawn:
            extra = {
                "withdrawn_on": datetime.date(SEED_YEAR, 8, 15),
                "withdrawal_reason": WITHDRAWAL_REASON,
            }
        add(pk, Level.STRONGEST, Scope.ORGAN, year, **extra)
    # The higher rungs go to branches named 最强党支部 in 2021 (the ladder: lower level first).
    senior = [pk for pk in chosen_grassroots + chosen_organ if strongest_year[pk] == 2021]
    bases, points = senior[:2], senior[2:11]
    for pk in bases:
        add(pk, Level.MODEL_POINT, Scope.ORGAN, 2022)
        add(pk, Level.MODEL_BASE, Scope.ORGAN, SEED_YEAR)
    for pk in points:
        add(pk, Level.MODEL_POINT, Scope.ORGAN, SEED_YEAR)
    # 全盟: two bases (最强 2021 → 示范点 2022 → 示范基地 2023), one 示范点 (最强 2022 →
    # 示范点 2023) and twelve 最强党支部 named in 2023, all among the organ-level holders.
    league = [pk for pk in senior if pk not in bases][:15]
    for pk in league[:2]:
        add(pk, Level.STRONGEST, Scope.LEAGUE, 2021)
        add(pk, Level.MODEL_POINT, Scope.LEAGUE, 2022)
        add(pk, Level.MODEL_BASE, Scope.LEAGUE, SEED_YEAR)
    add(league[2], Level.STRONGEST, Scope.LEAGUE, 2022)
    add(league[2], Level.MODEL_POINT, Scope.LEAGUE, SEED_YEAR)
    for pk in league[3:]:
        add(pk, Level.STRONGEST, Scope.LEAGUE, SEED_YEAR)
    return titles


def planned_applications(titles: list[dict]) -> list[dict]:
    """Every demo application of the past rounds as field values: the named one behind each
    title, and per round a few returned ones from branches without that title (the same list on
    every run). Rounds are given by year and scope."""
    applications = [
        {
            "year": title["year"],
            "scope": title["scope"],
            "organization_id": title["organization_id"],
            "level": title["level"],
            "status": Status.NAMED,
            "committee_opinion": "同意推荐。",
            "review_opinion": "审核通过，予以公示。",
        }
        for title in titles
    ]
    rng = random.Random(SEED_YEAR + 1)
    grassroots, organ = _counted_demo_branches()
    counted = sorted(grassroots + organ)
    strongest = {
        (title["scope"], title["organization_id"]): title["year"]
        for title in titles
        if title["level"] == Level.STRONGEST
    }
    for year in PAST_YEARS:
        for scope in Scope.values:
            # A branch applies for 最强党支部 until it holds it; 全盟 applicants hold it already
            # at 盟直机关 level.
            candidates = [
                pk
                for pk in counted
                if strongest.get((scope, pk), year + 1) > year
                and (scope == Scope.ORGAN or strongest.get((Scope.ORGAN, pk), year + 1) <= year)
            ]
            for pk in rng.sample(candidates, RETURNED_PER_ROUND[scope]):
                applications.append(
                    {
                        "year": year,
                        "scope": scope,
                        "organization_id": pk,
                        "level": Level.STRONGEST,
                        "status": Status.RETURNED,
                        "return_reason": rng.choice(RETURN_REASONS),
                    }
                )
    return applications


def _seed_applications(rounds: dict, titles: list[dict], recorder: User | None) -> int:
    """Create the missing past applications; return how many were created."""
    if recorder is None:
        return 0
    existing = set(
        RatingApplication.objects.filter(round__in=rounds.values()).values_list(
            "round_id", "organization_id", "level"
        )
    )
    missing = []
    for fields in planned_applications(titles):
        round = rounds[fields.pop("year"), fields.pop("scope")]
        if (round.pk, fields["organization_id"], fields["level"]) in existing:
            continue
        submitted = datetime.datetime.combine(round.apply_opens_on, datetime.time(10))
        missing.append(
            RatingApplication(
                round=round,
                created_by=recorder,
                submitted_at=timezone.make_aware(submitted + datetime.timedelta(days=14)),
                **fields,
            )
        )
    RatingApplication.objects.bulk_create(missing)
    return len(missing)


def _seed_titles(rounds: dict, titles: list[dict]) -> int:
    """Create the missing titles, each linked to its named application; link the titles an
    earlier seeding left without one. Return how many titles were created."""
    named = {
        (round_id, organization_id, level): pk
        for pk, round_id, organization_id, level in RatingApplication.objects.filter(
            round__in=rounds.values(), status=Status.NAMED
        ).values_list("pk", "round_id", "organization_id", "level")
    }

    def application_of(fields):
        round = rounds[fields["year"], fields["scope"]]
        return named.get((round.pk, fields["organization_id"], fields["level"]))

    existing = {
        (title.organization_id, title.level, title.scope, title.year): title
        for title in RatingTitle.objects.filter(year__in=PAST_YEARS)
    }
    missing, unlinked = [], []
    for fields in titles:
        title = existing.get(
            (fields["organization_id"], fields["level"], fields["scope"], fields["year"])
        )
        if title is None:
            missing.append(RatingTitle(**fields, application_id=application_of(fields)))
        elif title.application_id is None and application_of(fields):
            title.application_id = application_of(fields)
            unlinked.append(title)
    RatingTitle.objects.bulk_create(missing)
    RatingTitle.objects.bulk_update(unlinked, ["application"])
    return len(missing)


def _current_round(today: datetime.date) -> RatingRound:
    """This year's 盟直机关 round, open for applications from three weeks ago for two weeks."""
    round, _ = RatingRound.objects.get_or_create(
        year=today.year,
        scope=Scope.ORGAN,
        defaults={
            "title": f"{today.year}年度盟直机关“最强党支部”评定",
            "apply_opens_on": today - datetime.timedelta(days=21),
            "apply_closes_on": today + datetime.timedelta(days=14),
            "recommend_closes_on": today + datetime.timedelta(days=21),
            "review_closes_on": today + datetime.timedelta(days=28),
            "publicity_starts_on": today + datetime.timedelta(days=29),
            "publicity_ends_on": today + datetime.timedelta(days=35),
            "target_share": Decimal("55.00"),
        },
    )
    return round


NOTES = [
    (
        SupervisionNote.Phase.GUIDE,
        "dangwei",
        "对照评定标准逐项自查，补齐“三会一课”会议记录和党课讲稿。",
        7,
    ),
    (
        SupervisionNote.Phase.ESCORT,
        "dangwei",
        "党委派员列席支部委员会，指导完善“党建+”项目成效材料。",
        21,
    ),
    (
        SupervisionNote.Phase.CORRECT,
        "gongwei",
        "针对上年度审核指出的党费收缴台账问题，跟踪整改到位。",
        35,
    ),
]
NOTE_BRANCHES = [DEMO_BRANCH, "盟公安局刑事侦查支队党支部", "盟公安局交通管理支队党支部"]


def _seed_notes(round: RatingRound, today: datetime.date) -> int:
    if SupervisionNote.objects.filter(round=round).exists():
        return 0
    users = dict(
        User.objects.filter(username__in=("dangwei", "gongwei")).values_list("username", "pk")
    )
    branches = dict(Organization.objects.filter(name__in=NOTE_BRANCHES).values_list("name", "pk"))
    notes = [
        SupervisionNote(
            organization_id=branches[name],
            round=round,
            phase=phase,
            text=text,
            owner_id=users[owner],
            follow_up=SupervisionNote.FollowUp.IN_PROGRESS
            if days < 14
            else SupervisionNote.FollowUp.OPEN,
            due_on=today + datetime.timedelta(days=days),
        )
        for name in NOTE_BRANCHES
        if name in branches
        for phase, owner, text, days in NOTES
        if owner in users
    ]
    SupervisionNote.objects.bulk_create(notes)
    return len(notes)


@transaction.atomic
def seed_ratings(today: datetime.date | None = None) -> dict[str, int]:
    """Create whatever part of the demo ratings is missing; return how many were created."""
    today = today or timezone.localdate()
    rounds, created_rounds = {}, 0
    for year in PAST_YEARS:
        for scope in Scope.values:
            round, created = RatingRound.objects.get_or_create(
                year=year, scope=scope, defaults=_past_round(year, scope)
            )
            rounds[year, scope] = round
            created_rounds += created
    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    titles = planned_titles()
    applications = _seed_applications(rounds, titles, recorder)
    created_titles = _seed_titles(rounds, titles)
    current_exists = RatingRound.objects.filter(year=today.year, scope=Scope.ORGAN).exists()
    current = _current_round(today)
    notes = _seed_notes(current, today)
    return {
        "rounds": created_rounds + (not current_exists),
        "applications": applications,
        "titles": created_titles,
        "notes": notes,
    }
