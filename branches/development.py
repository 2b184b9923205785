"""Member development (发展党员工作细则, 2014): the writes that move a case along, and the
evaluation of the timing rules over many cases at once.

Every step of `STEP_ORDER` is required and recorded in order (谈话, 集中培训 and 入党宣誓
included, as the 细则 requires them of every applicant), each dated no earlier than the step
before it and never in the future. The timing rules are `TimingRule` rows: a violated hard rule
refuses the entry, a violated soft rule is recorded and shown as a broken rule. `check_steps`
is the pure form of that check, shared with the importer.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alxa_dangjian.core import caching, history
from alxa_dangjian.core.idnumber import check_consistency, normalize_id_number

from .models import (
    STAGE_AFTER_STEP,
    STEP_ORDER,
    DevelopmentCase,
    DevelopmentStep,
    Member,
    Organization,
    ProbationDecision,
    Stage,
    Step,
    TimingRule,
)
from .services import _release_posts
from .votes import check_vote, vote_passes

logger = logging.getLogger("branches.development")

__all__ = [
    "BrokenRule",
    "CaseStatus",
    "ValidationError",
    "active_rules",
    "check_steps",
    "close_case",
    "cancel_probation",
    "confirm_probation",
    "evaluate",
    "extend_probation",
    "open_case",
    "record_step",
    "rule_report",
    "set_sponsors",
    "vote_passes",
]

TEMPORARY_BRANCH_MESSAGE = "临时党支部不能发展党员，请在申请人所在的正式党支部办理。"
SPONSOR_COUNT = 2
# The 支部大会 steps that decide by a recorded vote, and what the vote decides.
VOTED_STEPS = {Step.ADMISSION_MEETING: "接收", Step.CONFIRMATION_MEETING: "转正"}


def _day(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _label(step: str) -> str:
    return str(Step(step).label)


def active_rules() -> list[TimingRule]:
    """The rules in force: one query, evaluated once per request or import."""
    return list(TimingRule.objects.filter(is_active=True))


# --- Checking dates against the rules (pure: no queries) -------------------------------------


def check_steps(
    dates: dict,
    birth_date: datetime.date | None,
    rules,
    *,
    today: datetime.date | None = None,
    step: str | None = None,
) -> tuple[list[str], list[str]]:
    """Check a person's step dates ({step: date}) against the order and the timing rules.

    Returns (hard_errors, soft_warnings) as Chinese messages: a hard error must refuse the
    entry or import row, a soft warning is accepted and shown as a broken rule. With `step`,
    only the problems of that one step are reported (the entry being made), so an old record
    that a later rule change has made irregular does not block new entries.
    """
    today = today or timezone.localdate()
    hard: list[str] = []
    soft: list[str] = []
    unknown = [str(code) for code in dates if code not in STEP_ORDER]
    if unknown:
        hard.append("未知的发展步骤：{codes}。".format(codes="、".join(unknown)))
    latest: tuple[str, datetime.date] | None = None
    missing: str | None = None
    for code in STEP_ORDER:
        day = dates.get(code)
        if day is None:
            missing = missing or code
            continue
        concerned = step is None or step == code
        if concerned and missing is not None:
            hard.append(
                "登记“{step}”前须先登记“{missing}”。".format(
                    step=_label(code), missing=_label(missing)
                )
            )
        if concerned and latest is not None and day < latest[1]:
            hard.append(
                "“{step}”的日期不能早于“{previous}”（{date}）。".format(
                    step=_label(code), previous=_label(latest[0]), date=_day(latest[1])
                )
            )
        if concerned and day > today:
            hard.append("“{step}”的日期不能晚于今天。".format(step=_label(code)))
        if latest is None or day >= latest[1]:
            latest = (code, day)
    for rule in rules:
        if not rule.is_active or (step is not None and rule.step != step):
            continue
        message = rule.violation(dates, birth_date)
        if message:
            (hard if rule.is_hard else soft).append(message)
    return hard, soft


# --- Evaluating many cases --------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenRule:
    rule: TimingRule
    message: str
    overdue: bool = False  # the step is not done yet and its latest allowed date has passed

    @property
    def is_hard(self) -> bool:
        return self.rule.is_hard


@dataclass
class CaseStatus:
    case: DevelopmentCase
    dates: dict
    done: list  # [(Step, date)] in STEP_ORDER
    next_step: Step | None
    due_on: datetime.date | None  # the latest date the rules allow for the next step
    not_before: datetime.date | None  # the earliest date the rules allow for the next step
    today: datetime.date
    broken: list[BrokenRule] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < self.today

    @property
    def waiting(self) -> bool:
        """The next step may not be taken yet (e.g. the activist year is not over)."""
        return self.not_before is not None and self.not_before > self.today


def evaluate(cases, rules, *, today: datetime.date | None = None) -> list[CaseStatus]:
    """Each case's done steps, next step, its due date and its broken rules.

    Reads `case.steps.all()`, so pass cases fetched with `DevelopmentCase.objects.with_steps()`
    and `rules` from `active_rules()`: the whole evaluation then costs two queries whatever
    the number of cases.
    """
    today = today or timezone.localdate()
    rules = [rule for rule in rules if rule.is_active]
    statuses = []
    for case in cases:
        dates = {record.step: record.done_on for record in case.steps.all()}
        done = [(Step(code), dates[code]) for code in STEP_ORDER if code in dates]
        finished = case.is_closed or case.stage == Stage.FULL
        next_step = None
        if not finished:
            next_step = next((Step(code) for code in STEP_ORDER if code not in dates), None)
        broken = []
        due_on = not_before = None
        for rule in rules:
            message = rule.violation(dates, case.birth_date)
            if message:
                broken.append(BrokenRule(rule, message))
            if finished:
                continue
            due = rule.due_date(dates)
            if due is not None and due < today:
                message = "{rule}（应于{due}前完成，已逾期{days}天）".format(
                    rule=rule.description, due=_day(due), days=(today - due).days
                )
                broken.append(BrokenRule(rule, message, overdue=True))
            if rule.step != next_step:
                continue
            if due is not None:
                due_on = min(due_on or due, due)
            start = dates.get(rule.after_step)
            if rule.min_days is not None and start is not None:
                earliest = start + datetime.timedelta(days=rule.min_days)
                not_before = max(not_before or earliest, earliest)
        if next_step == Step.CONFIRMATION_MEETING and case.member is not None:
            # The calendar year, plus any extension, not the 365 days of the seeded rule.
            end = case.member.probation_end
            not_before = max(not_before or end, end)
        statuses.append(
            CaseStatus(
                case=case,
                dates=dates,
                done=done,
                next_step=next_step,
                due_on=due_on,
                not_before=not_before,
                today=today,
                broken=broken,
            )
        )
    return statuses


def rule_report(status: CaseStatus, rules) -> list[tuple[TimingRule, str, str]]:
    """For a case page: each active rule, in step order, with its state ("ok", "broken",
    "pending") and text."""
    broken = {item.rule.pk: item.message for item in status.broken}
    report = []
    for rule in sorted(rules, key=lambda rule: (STEP_ORDER.index(rule.step), rule.code)):
        if not rule.is_active:
            continue
        if rule.pk in broken:
            report.append((rule, "broken", broken[rule.pk]))
        elif rule.step in status.dates:
            report.append((rule, "ok", "符合"))
        else:
            report.append((rule, "pending", "尚未办理"))
    return report


# --- Writes -----------------------------------------------------------------------------------


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
            "“{step}”已于{date}登记，不能重复登记。".format(step=step.label, date=_day(dates[step]))
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
        return ["预备期至{end}期满，期满前不能讨论转正。".format(end=_day(member.probation_end))]
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
    _clean_member(member, "无法建立党员档案")
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
    _clean_member(member, "无法更新党员档案")
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="预备党员转正")
    member.save(update_fields=["status", "confirmed_on", "updated_at"])


def _clean_member(member: Member, prefix: str) -> None:
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


def _check_probation_decision(member: Member, *, held_on: datetime.date) -> None:
    if member.status != Member.Status.PROBATIONARY:
        raise ValidationError("只能对预备党员作出转正、延长预备期或取消预备党员资格的决定。")
    if member.standing != Member.Standing.NORMAL:
        message = "该党员党籍状态为“{standing}”，不能作出此决定。"
        raise ValidationError(message.format(standing=member.get_standing_display()))
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "支部大会日期不能晚于今天。"})
    if held_on <= member.joined_on:
        raise ValidationError({"held_on": "支部大会日期须晚于入党日期。"})
    case = DevelopmentCase.objects.filter(member=member).first()
    if case is not None and case.steps.filter(step=Step.CONFIRMATION_MEETING).exists():
        raise ValidationError("支部大会已讨论通过其转正，不能再作此决定。")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写理由。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "理由不能超过200个字。"})
    return reason


def _vote(member: Member, kind: str, *, held_on, present_voters, votes_for) -> dict:
    """The 支部大会's vote on a probation decision, checked against the roster of the day
    (refused with a Chinese message when it fails): the decision row's fields."""
    entitled = check_vote(
        member.organization,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
        decision=ProbationDecision.Kind(kind).label,
    )
    return {
        "member": member,
        "kind": kind,
        "held_on": held_on,
        "entitled_voters": entitled,
        "present_voters": present_voters,
        "votes_for": votes_for,
    }


@transaction.atomic
def extend_probation(
    member: Member,
    *,
    held_on: datetime.date,
    months: int,
    reason: str,
    present_voters: int | None,
    votes_for: int | None,
    by,
) -> ProbationDecision:
    """延长预备期 by a 支部大会 vote: 6 to 12 months, once (党章第七条).
    转正 then waits for the extended end (`Member.probation_end`)."""
    caching.changed(caching.MEMBERS, caching.DEVELOPMENT)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    _check_probation_decision(member, held_on=held_on)
    if (
        member.probation_extension_months
        or member.probation_decisions.filter(kind=ProbationDecision.Kind.EXTEND).exists()
    ):
        raise ValidationError("预备期只能延长一次，该党员的预备期已经延长过。")
    if not 6 <= months <= 12:
        raise ValidationError({"months": "延长预备期为6至12个月。"})
    reason = _clean_reason(reason)
    vote = _vote(
        member,
        ProbationDecision.Kind.EXTEND,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
    )
    member.probation_extension_months = months
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason=f"支部大会决定延长预备期：{reason}")
    member.save(update_fields=["probation_extension_months", "updated_at"])
    decision = ProbationDecision.objects.create(
        **vote,
        months=months,
        reason=reason,
        recorded_by=by,
    )
    logger.info("member %s: probation extended by %s", member.pk, by.username)
    return decision


@transaction.atomic
def cancel_probation(
    member: Member,
    *,
    held_on: datetime.date,
    reason: str,
    present_voters: int | None,
    votes_for: int | None,
    by,
) -> ProbationDecision:
    """取消预备党员资格 by a 支部大会 vote: the member leaves the party (standing 出党) and
    every post; the development case, if any, is closed with the decision as its reason."""
    caching.changed(caching.MEMBERS, caching.DEVELOPMENT, caching.ORGANIZATIONS)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    _check_probation_decision(member, held_on=held_on)
    reason = _clean_reason(reason)
    vote = _vote(
        member,
        ProbationDecision.Kind.CANCEL,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
    )
    member.standing = Member.Standing.EXPELLED
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason=f"支部大会决定取消预备党员资格：{reason}")
    member.save(update_fields=["standing", "updated_at"])
    _release_posts(member, on=held_on)
    DevelopmentCase.objects.filter(member=member, is_closed=False).update(
        is_closed=True,
        closed_reason=f"支部大会决定取消预备党员资格：{reason}"[:200],
        closed_at=timezone.now(),
    )
    decision = ProbationDecision.objects.create(
        **vote,
        reason=reason,
        recorded_by=by,
    )
    logger.info("member %s: probationary membership cancelled by %s", member.pk, by.username)
    return decision


@transaction.atomic
def confirm_probation(
    member: Member,
    *,
    held_on: datetime.date,
    reason: str = "",
    present_voters: int | None,
    votes_for: int | None,
    by,
) -> ProbationDecision:
    """转正 of a probationary member entered without a development case (e.g. transferred in
    or imported): the 支部大会 vote once probation has ended; 转正日期 is its last day.
    A member with a case is confirmed through the case's two steps (meeting, approval)."""
    caching.changed(caching.MEMBERS, caching.DEVELOPMENT)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    if DevelopmentCase.objects.filter(member=member).exists():
        raise ValidationError(
            "该党员有发展党员档案，请在档案中登记“支部大会讨论预备党员转正”和“上级党委审批转正”。"
        )
    _check_probation_decision(member, held_on=held_on)
    if held_on < member.probation_end:
        message = "预备期至{end}期满，期满前不能讨论转正。"
        raise ValidationError({"held_on": message.format(end=_day(member.probation_end))})
    vote = _vote(
        member,
        ProbationDecision.Kind.CONFIRM,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
    )
    member.status = Member.Status.FULL
    member.confirmed_on = member.probation_end
    _clean_member(member, "无法更新党员档案")
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="预备党员转正")
    member.save(update_fields=["status", "confirmed_on", "updated_at"])
    decision = ProbationDecision.objects.create(
        **vote,
        reason=(reason or "").strip()[:200],
        recorded_by=by,
    )
    logger.info("member %s: confirmed by %s", member.pk, by.username)
    return decision
