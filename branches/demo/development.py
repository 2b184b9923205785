"""Demo development cases: most keep every timing rule, a few are late, and those past the
admission meeting have sponsors and a member record."""

import datetime
import random

from django.db.models import Count, Q

from ..models import (
    DevelopmentCase,
    DevelopmentStep,
    Member,
    Organization,
    Stage,
    Step,
    add_years,
)
from .persons import EDUCATION_MIX, _person, _weighted

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
    from ..models import STAGE_AFTER_STEP

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
