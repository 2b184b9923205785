"""Member development (发展党员工作细则, 2014): the writes that move a case along — open it,
record each step (the 支部大会 steps by a recorded vote; admission creates the member record,
confirmation makes it full), set the sponsors, close it. The timing rules themselves are
branches/rules/development.py.
"""

import datetime
import logging

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alxa_dangjian.core import caching, history
from alxa_dangjian.core.idnumber import check_consistency, normalize_id_number

from ..models import (
    STAGE_AFTER_STEP,
    STEP_ORDER,
    DevelopmentCase,
    DevelopmentStep,
    Member,
    Organization,
    Stage,
    Step,
)
from ..rules.development import (
    SPONSOR_COUNT,
    TEMPORARY_BRANCH_MESSAGE,
    VOTED_STEPS,
    active_rules,
    check_steps,
    chinese_day,
)
from ..rules.votes import check_vote

logger = logging.getLogger("branches.development")


@transaction.atomic
def open_case(
    *,
    organization: Organization,
    name: str,
    gender: str,
    birth_date: datetime.date,
    id_number: str,
    ethnicity: str = "汉族",
    education: str,
    unit: str = "",
    applied_on: datetime.date,
    note: str = "",
    by,
) -> DevelopmentCase:
    """Open a case for an applicant: the case and its first step, 递交入党申请书."""
    caching.changed(caching.DEVELOPMENT)
    errors: dict[str, list[str]] = {}
    if organization.is_temporary:
        errors["organization"] = [TEMPORARY_BRANCH_MESSAGE]
    elif not organization.is_branch:
        errors["organization"] = ["发展党员须在党支部（含联合党支部）进行。"]
    elif not organization.is_active:
        errors["organization"] = ["该党组织已撤销，不能发展党员。"]
    number = normalize_id_number(id_number)
    problems = check_consistency(number, birth_date=birth_date, gender=gender)
    if problems:
        errors["id_number"] = problems
    elif Member.objects.filter(id_number=number).exists():
        errors["id_number"] = ["该公民身份号码已登记为党员，不能再建立发展党员档案。"]
    elif DevelopmentCase.objects.filter(id_number=number, is_closed=False).exists():
        errors["id_number"] = ["该公民身份号码已有一份未终止的发展党员档案，不能重复建立。"]
    hard, _ = check_steps(
        {Step.APPLICATION: applied_on}, birth_date, active_rules(), step=Step.APPLICATION
    )
    if hard:
        errors["applied_on"] = hard
    if errors:
        raise ValidationError(errors)
    case = DevelopmentCase(
        organization=organization,
        name=name.strip(),
        gender=gender,
        birth_date=birth_date,
        id_number=number,
        ethnicity=ethnicity,
        education=education,
        unit=unit.strip(),
        stage=Stage.APPLICANT,
    )
    # The one-open-case rule was checked above; the constraint is re-checked by the insert.
    case.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise ValidationError(
            {"id_number": ["该公民身份号码已有一份未终止的发展党员档案，不能重复建立。"]}
        ) from None
    DevelopmentStep.objects.create(
        case=case, step=Step.APPLICATION, done_on=applied_on, note=note.strip(), recorded_by=by
    )
    logger.info("development case %s opened by %s", case.pk, by.username)
    return case


@transaction.atomic
def record_step(
    case: DevelopmentCase,
    *,
    step: str,
    done_on: datetime.date,
    note: str = "",
    by,
    present_voters: int | None = None,
    votes_for: int | None = None,
) -> DevelopmentStep:
    """Record the next dated step of a case.

    The two 支部大会 steps (接收, 转正) need a passing vote, the number entitled read from the
    roster of the meeting day (`votes.check_vote`). 接收 also needs two sponsors and creates
    the probationary member (入党日期 = the meeting's date); 转正 is not discussed before
    the (possibly extended) probation has ended; 上级党委审批转正 makes them a full member.
    The returned step carries the soft rules it broke in `.warnings`.
    """
    caching.changed(caching.DEVELOPMENT, caching.MEMBERS)
    # Lock the case row only: PostgreSQL cannot lock the nullable side of the member join.
    case = (
        DevelopmentCase.objects.select_for_update(of=("self",))
        .select_related("organization", "member")
        .get(pk=case.pk)
    )
    if case.is_closed:
        raise ValidationError("该发展党员档案已终止，不能再登记步骤。")
    if case.organization.is_temporary:
        raise ValidationError(TEMPORARY_BRANCH_MESSAGE)
    if step not in STEP_ORDER:
        raise ValidationError("未知的发展步骤。")
    step = Step(step)
    dates = dict(case.steps.values_list("step", "done_on"))
    if step in dates:
        raise ValidationError(
            "“{step}”已于{date}登记，不能重复登记。".format(
                step=step.label, date=chinese_day(dates[step])
            )
        )
    if step not in VOTED_STEPS and (present_voters is not None or votes_for is not None):
        raise ValidationError("只有支部大会讨论接收预备党员、预备党员转正需要登记表决结果。")
    dates[step] = done_on
    hard, soft = check_steps(dates, case.birth_date, active_rules(), step=step)
    if step == Step.CONFIRMATION_MEETING:
        # The calendar-year reading first: the seeded 365-day rule misses leap years.
        hard = _probation_problems(case, held_on=done_on) + hard
    if hard:
        raise ValidationError(hard)
    entitled = None
    if step == Step.ADMISSION_MEETING:
        _check_sponsors(case)
    if step in VOTED_STEPS:
        entitled = check_vote(
            case.organization,
            held_on=done_on,
            present_voters=present_voters,
            votes_for=votes_for,
            decision=VOTED_STEPS[step],
        )
    if step == Step.ADMISSION_MEETING:
        case.member = _admit(case, joined_on=done_on, by=by)
    elif step == Step.CONFIRMATION_APPROVAL:
        _confirm(case, by=by)
    record = DevelopmentStep.objects.create(
        case=case,
        step=step,
        done_on=done_on,
        note=note.strip(),
        entitled_voters=entitled,
        present_voters=present_voters,
        votes_for=votes_for,
        recorded_by=by,
    )
    case.stage = STAGE_AFTER_STEP[step]
    case.save(update_fields=["stage", "member", "updated_at"])
    record.warnings = soft
    logger.info("development case %s: %s recorded by %s", case.pk, step, by.username)
    return record


def _check_sponsors(case):
    sponsors = [
        sponsor
        for sponsor in case.sponsors.all()
        if sponsor.organization_id == case.organization_id
        and sponsor.status == Member.Status.FULL
        and sponsor.standing == Member.Standing.NORMAL
    ]
    if len(sponsors) < SPONSOR_COUNT:
        raise ValidationError(
            "接收预备党员前须确定两名本支部正式党员作为入党介绍人（目前符合条件的有{n}名）。".format(
                n=len(sponsors)
            )
        )


def _probation_problems(case, *, held_on) -> list[str]:
    """转正 is discussed once the probation (one calendar year, plus any extension) is over."""
    member = case.member
    if member is None:
        return ["该档案没有对应的党员档案，无法讨论转正。"]
    if member.standing != Member.Standing.NORMAL:
        message = "党员档案的党籍状态为“{standing}”，不能讨论转正。"
        return [message.format(standing=member.get_standing_display())]
    if held_on < member.probation_end:
        return [
            "预备期至{end}期满，期满前不能讨论转正。".format(end=chinese_day(member.probation_end))
        ]
    return []


def _admit(case, *, joined_on, by) -> Member:
    member = Member(
        organization=case.organization,
        name=case.name,
        gender=case.gender,
        ethnicity=case.ethnicity,
        birth_date=case.birth_date,
        id_number=case.id_number,
        education=case.education,
        joined_on=joined_on,
        status=Member.Status.PROBATIONARY,
    )
    clean_member(member, "无法建立党员档案")
    history.attribute(member, by=by, reason="支部大会讨论接收预备党员")
    member.save()
    return member


def _confirm(case, *, by):
    member = case.member
    if member is None:
        raise ValidationError("该档案没有对应的党员档案，无法登记转正。")
    if member.standing != Member.Standing.NORMAL:
        raise ValidationError(
            "党员档案的党籍状态为“{standing}”，不能登记转正。".format(
                standing=member.get_standing_display()
            )
        )
    # 党龄 counts from the day the probation year ends (预备期满之日), not the approval date.
    member.status = Member.Status.FULL
    member.confirmed_on = member.probation_end
    clean_member(member, "无法更新党员档案")
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="预备党员转正")
    member.save(update_fields=["status", "confirmed_on", "updated_at"])


def clean_member(member: Member, prefix: str) -> None:
    """The members model's own validation, its messages naming the field they are about."""
    try:
        member.full_clean()
    except ValidationError as error:
        messages = []
        for name, problems in error.message_dict.items():
            where = (
                ""
                if name == NON_FIELD_ERRORS
                else f"（{Member._meta.get_field(name).verbose_name}）"
            )
            messages += [f"{prefix}{where}：{problem}" for problem in problems]
        raise ValidationError(messages) from None


@transaction.atomic
def set_sponsors(case: DevelopmentCase, members, *, by) -> DevelopmentCase:
    """Name the two sponsors (入党介绍人): full members in good standing of the case's branch."""
    caching.changed(caching.DEVELOPMENT)
    case = DevelopmentCase.objects.select_for_update().get(pk=case.pk)
    if case.is_closed:
        raise ValidationError("该发展党员档案已终止，不能更改入党介绍人。")
    if case.member_id or case.steps.filter(step=Step.ADMISSION_MEETING).exists():
        raise ValidationError("支部大会已讨论接收，不能再更改入党介绍人。")
    members = list({member.pk: member for member in members}.values())
    if len(members) != SPONSOR_COUNT:
        raise ValidationError("入党介绍人须为两名正式党员（已选择{n}名）。".format(n=len(members)))
    problems = []
    for member in members:
        if member.organization_id != case.organization_id:
            problems.append(f"{member.name}不是本支部党员，不能担任入党介绍人。")
        elif member.standing != Member.Standing.NORMAL:
            problems.append(
                "{name}的党籍状态为“{standing}”，不能担任入党介绍人。".format(
                    name=member.name, standing=member.get_standing_display()
                )
            )
        elif member.status != Member.Status.FULL:
            problems.append(f"{member.name}是预备党员，不能担任入党介绍人。")
    if problems:
        raise ValidationError(problems)
    case.sponsors.set(members)
    case.save(update_fields=["updated_at"])
    logger.info("development case %s: sponsors set by %s", case.pk, by.username)
    return case


@transaction.atomic
def close_case(case: DevelopmentCase, *, reason: str, by) -> DevelopmentCase:
    """Stop developing a person (e.g. 不再培养); the case is kept, read-only."""
    caching.changed(caching.DEVELOPMENT)
    case = DevelopmentCase.objects.select_for_update().get(pk=case.pk)
    reason = (reason or "").strip()
    if case.is_closed:
        raise ValidationError("该发展党员档案已终止。")
    if case.member_id:
        raise ValidationError(
            "已接收为预备党员，不能终止发展档案；如需取消预备党员资格，请在党员档案中办理。"
        )
    if not reason:
        raise ValidationError({"reason": ["请填写终止原因。"]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["终止原因不能超过200个字。"]})
    case.is_closed = True
    case.closed_reason = reason
    case.closed_at = timezone.now()
    case.save(update_fields=["is_closed", "closed_reason", "closed_at", "updated_at"])
    logger.info("development case %s closed by %s", case.pk, by.username)
    return case


# --- Probation decisions (延长预备期, 取消预备党员资格) -------------------------------------------
