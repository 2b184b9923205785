"""Demo members, terms, committees, party groups and development cases for the demo league.

Deterministic (each organisation draws from its own seeded generator) and idempotent (an
organisation that already has members, terms or cases is left alone). Dates are anchored on
`today` so that some terms expire this year and a few are overdue whenever the demo is loaded.
"""

import datetime
import random
import zlib

from django.db import transaction
from django.db.models import Count, Q

from alxa_dangjian.core.idnumber import make_id_number

from .models import (
    CommitteeSeat,
    DevelopmentCase,
    DevelopmentStep,
    Member,
    MemberTransfer,
    Organization,
    PartyGroup,
    Stage,
    Step,
    Term,
    TermLengthRule,
    add_years,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉建国志红海燕晓东亮宁凯雪梅琳斌浩然子涵思远欣怡佳宇博文俊峰丹"  # noqa: E501
MONGOLIAN = [
    "巴特尔", "其其格", "乌云", "苏和", "额尔敦", "阿拉坦", "图雅", "萨仁", "斯琴", "宝音",
    "朝鲁", "敖登", "格日勒", "那仁", "满都拉", "哈斯", "娜仁", "孟和", "吉日嘎拉", "乌兰",
    "包力高", "达来", "呼和", "额日和", "塔娜", "阿如汉", "赛音", "布仁", "都兰", "苏日娜",
]  # fmt: skip
REGIONS = ["152921", "152922", "152923", "152901", "150102", "150203", "152502", "640104"]
ETHNIC_MIX = [("汉族", 66), ("蒙古族", 28), ("回族", 3), ("满族", 2), ("达斡尔族", 1)]
EDUCATION_MIX = [
    (Member.Education.POSTGRADUATE, 10),
    (Member.Education.BACHELOR, 62),
    (Member.Education.COLLEGE, 18),
    (Member.Education.SECONDARY, 4),
    (Member.Education.HIGH_SCHOOL, 3),
    (Member.Education.JUNIOR, 3),
]
DEGREE_FOR = {
    Member.Education.POSTGRADUATE: Member.Degree.MASTER,
    Member.Education.BACHELOR: Member.Degree.BACHELOR,
}
NATIVE_PLACES = [
    "内蒙古阿拉善左旗", "内蒙古阿拉善右旗", "内蒙古额济纳旗", "内蒙古呼和浩特", "内蒙古巴彦淖尔",
    "内蒙古鄂尔多斯", "宁夏银川", "甘肃武威", "甘肃民勤", "陕西榆林",
]  # fmt: skip


def _rng(name: str, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{salt}:{name}".encode()))


def _weighted(rng, mix):
    return rng.choices([value for value, _ in mix], weights=[w for _, w in mix])[0]


class _IdAllocator:
    """Hands out valid, unique ID numbers (region + birth date + sequence)."""

    def __init__(self, taken):
        self.taken = set(taken)

    def make(self, rng, birth_date, gender):
        for _ in range(1000):
            number = make_id_number(
                region=rng.choice(REGIONS),
                birth_date=birth_date,
                sequence=rng.randrange(2, 998),
                gender=gender,
            )
            if number not in self.taken:
                self.taken.add(number)
                return number
        raise RuntimeError("ID numbers exhausted")


def _person(rng, ids, *, born_from=1960, born_to=2001):
    ethnicity = _weighted(rng, ETHNIC_MIX)
    gender = rng.choice([Member.Gender.MALE, Member.Gender.FEMALE])
    if ethnicity == "蒙古族" and rng.random() < 0.7:
        name = rng.choice(MONGOLIAN) + ("" if rng.random() < 0.6 else rng.choice(GIVEN))
    else:
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
    birth = datetime.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    return {
        "name": name,
        "gender": gender,
        "ethnicity": ethnicity,
        "birth_date": birth,
        "id_number": ids.make(rng, birth, gender),
    }


def _branch_size(rng, organization) -> int:
    roll = rng.random()
    if organization.type == Organization.Type.JOINT_BRANCH:
        return rng.randint(8, 14)
    if roll < 0.04:
        return rng.randint(1, 2)  # below the minimum of 3 full members: a warning
    if roll < 0.07:
        return rng.randint(52, 60)  # above the normal maximum of 50: a warning
    return rng.randint(8, 32)


def _member(rng, ids, organization, today):
    person = _person(rng, ids)
    education = _weighted(rng, EDUCATION_MIX)
    adult = add_years(person["birth_date"], 18)
    earliest = max(adult, datetime.date(1980, 1, 1))
    probationary = rng.random() < 0.05
    if probationary:
        joined = today - datetime.timedelta(days=rng.randint(30, 330))
    else:
        span = (today - datetime.timedelta(days=400) - earliest).days
        joined = earliest + datetime.timedelta(days=rng.randint(0, max(span, 0)))
    retired = person["birth_date"].year < 1964 and rng.random() < 0.6
    if "学校" in organization.name or "医院" in organization.name or "学院" in organization.name:
        category = Member.Category.PROFESSIONAL
    elif organization.category == Organization.Category.STATE_OWNED:
        category = rng.choice([Member.Category.MANAGER, Member.Category.WORKER])
    else:
        category = Member.Category.CIVIL_SERVANT
    roll = rng.random()
    standing = Member.Standing.NORMAL
    if roll < 0.01:
        standing = Member.Standing.TRANSFERRED_OUT
    return Member(
        organization=organization,
        **person,
        native_place=rng.choice(NATIVE_PLACES),
        education=education,
        degree=DEGREE_FOR.get(education, Member.Degree.NONE),
        work_started_on=add_years(person["birth_date"], rng.randint(19, 25)),
        phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        category=Member.Category.RETIRED if retired else category,
        joined_on=joined,
        status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
        confirmed_on=None if probationary else add_years(joined, 1),
        standing=standing,
        is_floating=rng.random() < 0.01,
        lost_contact_since=today - datetime.timedelta(days=rng.randint(190, 500))
        if rng.random() < 0.004
        else None,
    )


# Demo accounts that are party members themselves: username → (their branch, the post they hold
# there, gender, birth date). The name is the account's, so the secretary's home, her branch's
# roster and its committee name the same person. The party-committee admin is a member of his
# committee's 政治部 branch and holds no seat there: the demo's committees have no seats.
DEMO_PERSONS = {
    "shuji": (
        "盟公安局治安管理支队党支部",
        CommitteeSeat.Post.SECRETARY,
        Member.Gender.FEMALE,
        datetime.date(1983, 4, 17),
    ),
    "dangwei": ("盟公安局政治部党支部", None, Member.Gender.MALE, datetime.date(1976, 9, 8)),
}


def _demo_persons() -> dict[str, tuple[str, str, str | None, str, datetime.date]]:
    """Branch name → (username, name, post, gender, birth date) of the demo accounts."""
    from alxa_dangjian.accounts.demo import DEMO_USERS

    names = {username: name for username, name, _, _ in DEMO_USERS}
    return {
        branch: (username, names[username], post, gender, born)
        for username, (branch, post, gender, born) in DEMO_PERSONS.items()
    }


def _as_demo_person(member: Member, person, ids) -> Member:
    """The demo account's own member record, in place of one drawn for the branch: a full
    member of long standing, on the roster in good standing."""
    username, name, _, gender, born = person
    rng = _rng(username, "person")
    member.name, member.gender, member.birth_date = name, gender, born
    member.ethnicity = "蒙古族"
    member.id_number = ids.make(rng, born, gender)
    member.education, member.degree = Member.Education.BACHELOR, Member.Degree.BACHELOR
    member.category = Member.Category.CIVIL_SERVANT
    member.work_started_on = add_years(born, 22)
    member.joined_on = add_years(born, 24)
    member.status, member.confirmed_on = Member.Status.FULL, add_years(member.joined_on, 1)
    member.standing, member.is_floating, member.lost_contact_since = (
        Member.Standing.NORMAL,
        False,
        None,
    )
    return member


@transaction.atomic
def seed_people(today: datetime.date | None = None) -> dict[str, int]:
    today = today or datetime.date.today()
    ids = _IdAllocator(Member.objects.values_list("id_number", flat=True))
    ids.taken.update(DevelopmentCase.objects.values_list("id_number", flat=True))
    organizations = list(Organization.objects.exclude(type=Organization.Type.TEMPORARY_BRANCH))
    populated = set(Member.objects.values_list("organization_id", flat=True).distinct())
    persons = _demo_persons()
    new_members = []
    for organization in organizations:
        if organization.is_branch and organization.pk not in populated:
            rng = _rng(organization.name, "members")
            size = _branch_size(rng, organization)
            drawn = [_member(rng, ids, organization, today) for _ in range(size)]
            if organization.name in persons:
                drawn[0] = _as_demo_person(drawn[0], persons[organization.name], ids)
            new_members += drawn
    Member.objects.bulk_create(new_members, batch_size=2000)
    created = {"members": len(new_members)}
    created["terms"] = _seed_terms(organizations, today)
    created.update(_seed_committees_and_groups(today))
    created["cases"] = _seed_cases(ids, today)
    _record_transfers_out(today)
    return created


def _record_transfers_out(today):
    """Members seeded as 转出 get the transfer that explains it."""
    from alxa_dangjian.accounts.models import User

    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    if recorder is None:
        return
    departed = Member.objects.filter(
        standing=Member.Standing.TRANSFERRED_OUT, transfers__isnull=True
    ).order_by("pk")
    MemberTransfer.objects.bulk_create(
        [
            MemberTransfer(
                member=member,
                kind=MemberTransfer.Kind.OUT,
                from_organization_id=member.organization_id,
                external_organization="中共银川市直属机关工作委员会",
                transferred_on=today - datetime.timedelta(days=30 + member.pk % 300),
                letter_number=f"阿机工转字〔{today.year}〕{member.pk % 97 + 1}号",
                recorded_by=recorder,
            )
            for member in departed
        ]
    )


def _term_end_and_years(readings: list, end: datetime.date) -> tuple[datetime.date, int]:
    """A term that ends on or nearest `end` and was elected under the reading in force on its
    election day (党章 2022: a branch elected before 2022-10-22 serves 3 years, after it 5, so
    no branch term ends between those two windows). `readings` are (effective_from, years)."""
    readings = sorted(readings)
    best = None
    for index, (effective_from, years) in enumerate(readings):
        first = add_years(effective_from, years)
        if index + 1 < len(readings):
            last = add_years(readings[index + 1][0] - datetime.timedelta(days=1), years)
        else:
            last = datetime.date.max
        candidate = min(max(end, first), last)
        if best is None or abs((candidate - end).days) < abs((best[0] - end).days):
            best = (candidate, years)
    return best


def _seed_terms(organizations, today) -> int:
    rules_by_type: dict[str, list] = {}
    for organization_type, effective_from, years in TermLengthRule.objects.values_list(
        "organization_type", "effective_from", "years"
    ):
        rules_by_type.setdefault(organization_type, []).append((effective_from, years))
    with_terms = set(Term.objects.values_list("organization_id", flat=True).distinct())
    terms = []
    for organization in organizations:
        if organization.pk in with_terms or not organization.holds_elections:
            continue
        if organization.type not in rules_by_type:
            continue
        rng = _rng(organization.name, "terms")
        roll = rng.random()
        if roll < 0.15:  # ends later this year
            end = datetime.date(today.year, 12, rng.randint(1, 28))
            end = max(end, today + datetime.timedelta(days=1))
        elif roll < 0.19:  # overdue: ended months ago, no election recorded
            end = today - datetime.timedelta(days=rng.randint(30, 300))
        else:
            end = today + datetime.timedelta(days=rng.randint(40, 5 * 365 - 40))
        readings = rules_by_type[organization.type]
        end, years = _term_end_and_years(readings, end)
        elected = add_years(end, -years)
        # The previous term is closed by this election (a late one when its due end, snapped
        # to its own reading, falls before).
        previous_end, previous_years = _term_end_and_years(readings, elected)
        number = rng.randint(2, 9)
        previous = Term(
            organization=organization,
            number=number - 1,
            elected_on=add_years(min(previous_end, elected), -previous_years),
            length_years=previous_years,
            actual_end=elected,
        )
        current = Term(
            organization=organization, number=number, elected_on=elected, length_years=years
        )
        for term in (previous, current):
            term.planned_end = add_years(term.elected_on, term.length_years)
            term.due_end = term.planned_end
        terms += [previous, current]
    Term.objects.bulk_create(terms, batch_size=2000)
    return len(terms)


def _seed_committees_and_groups(today) -> dict[str, int]:
    staffed = set(CommitteeSeat.objects.values_list("organization_id", flat=True).distinct())
    # A committee is elected with its term: no seat starts before the current term did.
    term_starts = dict(Term.objects.current().values_list("organization_id", "elected_on"))
    # Branch pk → (name, post) of the demo account who sits on its committee.
    persons = _demo_persons()
    seated = {
        pk: persons[name][1:3]
        for pk, name in Organization.objects.filter(name__in=persons).values_list("pk", "name")
        if persons[name][2]
    }
    members_by_branch: dict[int, list[Member]] = {}
    for member in Member.objects.filter(standing=Member.Standing.NORMAL).order_by("pk"):
        members_by_branch.setdefault(member.organization_id, []).append(member)
    seats, groups = [], []
    for organization_id, members in members_by_branch.items():
        if organization_id in staffed:
            continue
        full = [m for m in members if m.status == Member.Status.FULL]
        if not full:
            continue
        rng = _rng(str(organization_id), "committee")
        started = today - datetime.timedelta(days=rng.randint(60, 900))
        if organization_id in term_starts:
            started = max(started, term_starts[organization_id])
        posts = [CommitteeSeat.Post.SECRETARY]
        # Branches of 7+ full members elect a committee; a few have not (a warning).
        if len(full) >= 7 and rng.random() > 0.08:
            posts += [
                CommitteeSeat.Post.ORGANIZATION,
                CommitteeSeat.Post.PUBLICITY,
                CommitteeSeat.Post.DISCIPLINE,
            ]
            if rng.random() < 0.3:
                posts.append(CommitteeSeat.Post.DEPUTY_SECRETARY)
        holders = rng.sample(full, min(len(posts), len(full)))
        if organization_id in seated:
            holders = _seat_demo_person(holders, full, posts, *seated[organization_id])
        for post, member in zip(posts, holders, strict=False):
            seats.append(
                CommitteeSeat(
                    organization_id=organization_id, member=member, post=post, started_on=started
                )
            )
        if len(members) > 24:
            for n in range(1, 3 + (len(members) > 40)):
                groups.append(
                    PartyGroup(organization_id=organization_id, name=f"第{'一二三'[n - 1]}党小组")
                )
    CommitteeSeat.objects.bulk_create(seats, batch_size=2000)
    PartyGroup.objects.bulk_create(groups, batch_size=2000)
    _assign_groups(members_by_branch)
    return {"seats": len(seats), "party_groups": len(groups)}


def _seat_demo_person(holders, full, posts, name, post):
    """The drawn holders with the demo account's member in `post` (whoever drew it swaps).
    Her record is the branch's first (`_as_demo_person`), so a namesake cannot take it."""
    person = next(m for m in full if m.name == name)
    index = posts.index(post)
    holders = list(holders)
    if person in holders:
        other = holders.index(person)
        holders[index], holders[other] = holders[other], holders[index]
    else:
        holders[index] = person
    return holders


def _assign_groups(members_by_branch):
    groups_by_branch: dict[int, list[PartyGroup]] = {}
    for group in PartyGroup.objects.filter(leader__isnull=True).order_by("pk"):
        groups_by_branch.setdefault(group.organization_id, []).append(group)
    changed_members, changed_groups = [], []
    for organization_id, groups in groups_by_branch.items():
        members = members_by_branch.get(organization_id, [])
        for index, member in enumerate(members):
            member.party_group = groups[index % len(groups)]
            changed_members.append(member)
        for group in groups:
            leader = next((m for m in members if m.party_group_id == group.pk), None)
            if leader:
                group.leader = leader
                changed_groups.append(group)
    Member.objects.bulk_update(changed_members, ["party_group"], batch_size=2000)
    PartyGroup.objects.bulk_update(changed_groups, ["leader"], batch_size=2000)


# Step offsets (days after the previous step) for a case that keeps every rule.
ON_TIME = {
    Step.TALK: 20,
    Step.ACTIVIST: 90,
    Step.CANDIDATE: 400,
    Step.TRAINING: 30,
    Step.PRE_REVIEW: 20,
    Step.ADMISSION_MEETING: 20,
    Step.ADMISSION_APPROVAL: 60,
    Step.OATH: 10,
    Step.CONFIRMATION_MEETING: 370,
    Step.CONFIRMATION_APPROVAL: 40,
}
# Late steps that break a soft rule in some demo cases.
LATE = {Step.TALK: 55, Step.ADMISSION_APPROVAL: 120}
STAGE_TARGETS = [
    (Step.APPLICATION, 40),
    (Step.TALK, 40),
    (Step.ACTIVIST, 70),
    (Step.PRE_REVIEW, 45),
    (Step.OATH, 30),
    (Step.CONFIRMATION_APPROVAL, 25),
]


def _seed_cases(ids, today) -> int:
    from alxa_dangjian.accounts.models import User

    if DevelopmentCase.objects.exists():
        return 0
    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    # Cases sit in branches with enough full members to sponsor them.
    branches = list(
        Organization.objects.filter(type=Organization.Type.BRANCH, is_active=True)
        .annotate(full=Count("members", filter=Q(members__status=Member.Status.FULL)))
        .filter(full__gte=5)
        .order_by("path")
    )
    if recorder is None or not branches:
        return 0
    rng = random.Random(4_2014)
    order = list(ON_TIME)
    cases, steps = [], []
    for last_step, count in STAGE_TARGETS:
        for _ in range(count):
            person = _person(rng, ids, born_from=1990, born_to=2004)
            plan = [Step.APPLICATION]
            if last_step != Step.APPLICATION:
                plan += order[: order.index(last_step) + 1]
            late = rng.random() < 0.12
            offsets = [ON_TIME.get(s, 0) for s in plan]
            if late:
                offsets = [LATE.get(s, o) for s, o in zip(plan, offsets, strict=True)]
            total = sum(offsets) + rng.randint(5, 120)
            day = today - datetime.timedelta(days=total)
            if add_years(person["birth_date"], 18) > day:
                continue
            case = DevelopmentCase(
                organization=rng.choice(branches),
                **person,
                education=_weighted(rng, EDUCATION_MIX),
                stage=Stage.APPLICANT,
            )
            dated = []
            for step, offset in zip(plan, offsets, strict=True):
                day = day + datetime.timedelta(days=offset)
                dated.append((step, day))
            cases.append((case, dated))
    DevelopmentCase.objects.bulk_create([c for c, _ in cases], batch_size=1000)
    from .models import STAGE_AFTER_STEP

    for case, dated in cases:
        case.stage = STAGE_AFTER_STEP[dated[-1][0]]
        steps += [
            DevelopmentStep(case=case, step=step, done_on=day, recorded_by=recorder)
            for step, day in dated
        ]
    DevelopmentStep.objects.bulk_create(steps, batch_size=2000)
    _admit(cases, rng)
    DevelopmentCase.objects.bulk_update([c for c, _ in cases], ["stage", "member"], batch_size=1000)
    return len(cases)


def _admit(cases, rng):
    """Cases past the admission meeting have sponsors and a probationary member record."""
    admitted = [(c, dict(d)) for c, d in cases if Step.ADMISSION_MEETING in dict(d)]
    full_members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(
        status=Member.Status.FULL, standing=Member.Standing.NORMAL
    ).only("pk", "organization_id"):
        full_members.setdefault(member.organization_id, []).append(member)
    new_members = []
    for case, dates in admitted:
        new_members.append(
            Member(
                organization_id=case.organization_id,
                name=case.name,
                gender=case.gender,
                ethnicity=case.ethnicity,
                birth_date=case.birth_date,
                id_number=case.id_number,
                education=case.education,
                joined_on=dates[Step.ADMISSION_MEETING],
                status=Member.Status.FULL
                if Step.CONFIRMATION_APPROVAL in dates
                else Member.Status.PROBATIONARY,
                # 转正时间 is the day the probation year ends, not the approval date.
                confirmed_on=add_years(dates[Step.ADMISSION_MEETING], 1)
                if Step.CONFIRMATION_APPROVAL in dates
                else None,
            )
        )
    Member.objects.bulk_create(new_members, batch_size=1000)
    Sponsor = DevelopmentCase.sponsors.through
    sponsors = []
    for (case, _), member in zip(admitted, new_members, strict=True):
        case.member = member
        candidates = full_members.get(case.organization_id, [])
        for sponsor in rng.sample(candidates, min(2, len(candidates))):
            sponsors.append(Sponsor(developmentcase_id=case.pk, member_id=sponsor.pk))
    Sponsor.objects.bulk_create(sponsors, batch_size=2000)
