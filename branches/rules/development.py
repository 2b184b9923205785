"""Member development (发展党员工作细则, 2014): the timing rules, read over many cases at once.

Every step of `STEP_ORDER` is required and recorded in order (谈话, 集中培训 and 入党宣誓
included, as the 细则 requires them of every applicant), each dated no earlier than the step
before it and never in the future. The timing rules are `TimingRule` rows: a violated hard rule
refuses the entry, a violated soft rule is recorded and shown as a broken rule. `check_steps`
is the pure form of that check, shared with the writes (branches/services/development.py) and
the importer.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from ..models import (
    STEP_ORDER,
    DevelopmentCase,
    Stage,
    Step,
    TimingRule,
)

TEMPORARY_BRANCH_MESSAGE = "临时党支部不能发展党员，请在申请人所在的正式党支部办理。"
SPONSOR_COUNT = 2
# The 支部大会 steps that decide by a recorded vote, and what the vote decides.
VOTED_STEPS = {Step.ADMISSION_MEETING: "接收", Step.CONFIRMATION_MEETING: "转正"}


def chinese_day(value: datetime.date) -> str:
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
                    step=_label(code), previous=_label(latest[0]), date=chinese_day(latest[1])
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
                    rule=rule.description, due=chinese_day(due), days=(today - due).days
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
