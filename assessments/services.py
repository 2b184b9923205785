"""Writes of the year-end assessment: schemes (weights, thresholds, quota), 民主测评 and 述职
reports, reviewers' scores, runs (start, resume, restart) and the review flow (review,
freeze, publish). Each refuses a broken rule with a Chinese ValidationError and changes
nothing; runs are handed to Celery on commit."""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.core import caching, dispatch, rules
from branches.models import Organization

from . import indicators as registry
from . import runs
from .models import (
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    DemocraticVote,
    DutyReport,
    Grade,
    GradeThreshold,
    Indicator,
    QuotaTieDecision,
    RunChunk,
    ScoreCard,
    ScoreEntry,
)
from .models.scoring import GRADE_ORDER, TARGET_TYPES

logger = logging.getLogger(__name__)

HUNDRED = Decimal(100)
Kind = Indicator.Kind


def _require_scope(by, organization) -> None:
    if not scoping.contains(by, organization):
        raise PermissionDenied("该党组织不在您的管理范围内。")


def _bump(scheme: AssessmentScheme, *, by, reason: str) -> None:
    scheme.version += 1
    scheme._history_user = by
    scheme._change_reason = reason
    scheme.save()


# --- Schemes ------------------------------------------------------------------------------------


def require_scheme_setter(user) -> None:
    """Schemes bind the whole league: only the work committee may change them."""
    roles.require(user, roles.PUBLISH)
    if not scoping.is_work_committee(user):
        raise PermissionDenied("考核方案由工委统一制定。")


def weight_problems(indicators) -> list[str]:
    """Chinese sentences for every place where weights do not add up: the weighted top-level
    indicators must total 100, and a group's weighted children its own weight."""
    indicators = list(indicators)
    children = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)
    problems = []
    top = sum((i.weight for i in children[None] if i.is_weighted), Decimal(0))
    if top != HUNDRED:
        problems.append(f"一级指标的分值合计应为100分，现为{_number(top)}分。")
    for indicator in indicators:
        kids = children.get(indicator.pk, [])
        if indicator.kind == Kind.GROUP:
            total = sum((k.weight for k in kids if k.is_weighted), Decimal(0))
            if not kids:
                problems.append(f"指标组“{indicator.name}”下还没有指标。")
            elif total != indicator.weight:
                problems.append(
                    "“{name}”的下级指标分值合计应为{weight}分，现为{total}分。".format(
                        name=indicator.name,
                        weight=_number(indicator.weight),
                        total=_number(total),
                    )
                )
        elif kids:
            problems.append(f"只有指标组可以设下级指标，“{indicator.name}”不是指标组。")
    return problems


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def indicator_problems(indicator: Indicator) -> dict[str, str]:
    """What is wrong with one indicator's own fields (not the tree's sums)."""
    errors = {}
    if indicator.kind == Kind.AUTO:
        if not indicator.auto_code:
            errors["auto_code"] = "自动指标须选择计算口径。"
        elif indicator.auto_code not in {i.code for i in registry.all_indicators()}:
            errors["auto_code"] = f"自动指标“{indicator.auto_code}”不存在。"
    elif indicator.auto_code:
        errors["auto_code"] = "只有自动指标可以选择计算口径。"
    if indicator.weight < 0:
        errors["weight"] = "分值不能为负数。"
    if indicator.kind in Indicator.CAPPED:
        if indicator.cap is None or indicator.cap <= 0:
            errors["cap"] = "加分项和扣分项须设定大于0的上限。"
        if indicator.weight:
            errors["weight"] = "加分项、扣分项不计入分值，分值应为0。"
    if indicator.kind == Kind.VETO and indicator.weight:
        errors["weight"] = "一票否决项不计入分值，分值应为0。"
    if indicator.max_score is not None and indicator.max_score <= 0:
        errors["max_score"] = "满分须大于0。"
    if indicator.parent_id and indicator.parent.scheme_id != indicator.scheme_id:
        errors["parent"] = "上级指标须属于同一考核方案。"
    return errors


@transaction.atomic
def add_indicator(scheme: AssessmentScheme, *, by, **fields) -> Indicator:
    """Add an indicator to the tree. The sums are checked when weights are saved together
    (`update_weights`) and before a run, so a tree can be built step by step."""
    caching.changed(caching.RULES)
    require_scheme_setter(by)
    indicator = Indicator(scheme=scheme, **fields)
    errors = indicator_problems(indicator)
    if errors:
        raise ValidationError(errors)
    indicator.save()
    _bump(scheme, by=by, reason=f"新增指标“{indicator.name}”")
    return indicator


@transaction.atomic
def update_weights(scheme: AssessmentScheme, weights: dict[int, Decimal], *, by) -> None:
    """Set many indicators' weights at once; refused unless every sum adds up."""
    caching.changed(caching.RULES)
    require_scheme_setter(by)
    indicators = list(scheme.indicators.select_for_update())
    for indicator in indicators:
        if indicator.pk in weights:
            indicator.weight = weights[indicator.pk]
        if indicator.weight < 0:
            raise ValidationError(f"“{indicator.name}”的分值不能为负数。")
    problems = weight_problems(indicators)
    if problems:
        raise ValidationError(problems)
    Indicator.objects.bulk_update(indicators, ["weight"])
    _bump(scheme, by=by, reason="调整指标分值")


@transaction.atomic
def set_grading(
    scheme: AssessmentScheme,
    *,
    thresholds: dict[str, Decimal],
    quota_share: Decimal | None,
    quota_count: int | None,
    by,
) -> None:
    """Set the grade thresholds (好 > 较好 > 一般 > 差, strictly) and the quota for 好."""
    caching.changed(caching.RULES)
    require_scheme_setter(by)
    missing = [str(label) for grade, label in Grade.choices if thresholds.get(grade) is None]
    if missing:
        raise ValidationError("请填写全部等次的分数线（缺：{m}）。".format(m="、".join(missing)))
    values = [Decimal(thresholds[g]) for g in GRADE_ORDER]
    if any(v < 0 for v in values):
        raise ValidationError("分数线不能为负数。")
    if any(higher <= lower for higher, lower in zip(values, values[1:], strict=False)):
        raise ValidationError(
            "等次分数线须从高到低排列：好 > 较好 > 一般 > 差（现为{v}）。".format(
                v="、".join(_number(v) for v in values)
            )
        )
    if quota_share is not None and not Decimal(0) <= quota_share <= Decimal(1):
        raise ValidationError("“好”等次比例上限须在0至1之间（例如0.3表示30%）。")
    for grade, value in zip(GRADE_ORDER, values, strict=True):
        GradeThreshold.objects.update_or_create(
            scheme=scheme, grade=grade, defaults={"min_score": value}
        )
    scheme.excellent_quota_share = quota_share
    scheme.excellent_quota_count = quota_count
    _bump(scheme, by=by, reason="调整等次分数线和名额")


def scheme_problems(scheme: AssessmentScheme) -> list[str]:
    """Everything that keeps a scheme from being used for a run (three queries)."""
    indicators = list(scheme.indicators.select_related("parent"))
    problems = weight_problems(indicators)
    for indicator in indicators:
        problems.extend(f"“{indicator.name}”：{m}" for m in indicator_problems(indicator).values())
    thresholds = dict(scheme.thresholds.values_list("grade", "min_score"))
    if set(thresholds) != set(Grade.values):
        problems.append("尚未设定全部等次的分数线。")
    return problems


# --- Inputs from reviewers ---------------------------------------------------------------------


@transaction.atomic
def record_votes(organization: Organization, *, year: int, counts: dict[str, int], by):
    """民主测评 counts for an organisation and year (replacing earlier ones, kept in history)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, organization)
    _refuse_frozen(organization, year)
    values = {}
    for grade, label in Grade.choices:
        raw = counts.get(grade, 0)
        if raw is None or int(raw) < 0:
            raise ValidationError(f"“{label}”票数须为不小于0的整数。")
        values[grade] = int(raw)
    vote = DemocraticVote.objects.filter(organization=organization, year=year).first()
    vote = vote or DemocraticVote(organization=organization, year=year)
    for grade, n in values.items():
        setattr(vote, grade, n)
    vote.recorded_by = by
    vote._history_user = by
    vote.save()
    _rescore(organization, year)
    return vote


@transaction.atomic
def upload_duty_report(organization: Organization, *, year: int, upload, by) -> DutyReport:
    """The secretary's 述职 report: checked like any upload (type by content, size)."""
    caching.changed(caching.ASSESSMENTS)
    from alxa_dangjian.core.files import check_upload, store_files

    if not by.may(roles.EDIT_RECORDS):
        raise PermissionDenied("您的角色无权上传述职报告。")
    _require_scope(by, organization)
    if upload is None:
        raise ValidationError({"files": "请选择述职报告文件。"})
    checked = check_upload(upload)
    (report,) = store_files(DutyReport, [checked], by=by, organization=organization, year=year)
    return report


def _refuse_frozen(organization: Organization, year: int) -> None:
    if ScoreCard.objects.filter(
        organization=organization, year=year, status=ScoreCard.Status.FROZEN
    ).exists():
        raise ValidationError("该党组织本年度考核结果已冻结，不能再修改。")


def _parse_score(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": "得分须为数字。"}) from None
    if not value.is_finite():
        raise ValidationError({"score": "得分须为数字。"})
    return value


@transaction.atomic
def enter_score(
    organization: Organization, indicator: Indicator, *, score, reason: str, by
) -> ScoreEntry:
    """A manual score, bonus/deduction points, a veto (1/0) or an override of an auto
    number, with its reason; the card's total and the run's grades follow at once."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, organization)
    reason = (reason or "").strip()
    errors = {}
    if not indicator.takes_entry:
        raise ValidationError("该指标不能人工评分。")
    value = _parse_score(score)
    maximum = indicator.entry_maximum
    if value < 0 or value > maximum:
        errors["score"] = "“{name}”的得分须在0至{max}之间。".format(
            name=indicator.name, max=_number(maximum)
        )
    if indicator.kind == Kind.VETO and value not in (0, 1):
        errors["score"] = "一票否决项填1表示否决，填0表示不否决。"
    if not reason:
        errors["reason"] = "请填写评分理由。"
    if errors:
        raise ValidationError(errors)
    year = indicator.scheme.year
    _refuse_frozen(organization, year)
    entry = ScoreEntry.objects.filter(organization=organization, indicator=indicator).first()
    entry = entry or ScoreEntry(organization=organization, indicator=indicator)
    entry.score = value
    entry.reason = reason[:300]
    entry.entered_by = by
    entry._history_user = by
    entry._change_reason = reason[:100]
    entry.save()
    _rescore(organization, year)
    return entry


def current_run(organization: Organization, year: int) -> AssessmentRun | None:
    """The run whose numbers an organisation's card shows: the frozen one, else the latest
    done run that assessed it."""
    card = ScoreCard.objects.filter(organization=organization, year=year).first()
    if card is not None and card.frozen_run_id:
        return card.frozen_run
    result = (
        AssessmentResult.objects.filter(
            organization=organization, run__year=year, run__status=AssessmentRun.Status.DONE
        )
        .select_related("run")
        .order_by("-run_id")
        .first()
    )
    return result.run if result else None


def _rescore(organization: Organization, year: int) -> None:
    """Re-total the run the card shows (totals and grades depend on every organisation of
    the run because of the quota), unless its results are frozen."""
    run = current_run(organization, year)
    if run is None or ScoreCard.objects.filter(frozen_run=run).exists():
        return
    runs.finalise(run.pk)


# --- Runs ---------------------------------------------------------------------------------------


def assessed(scope: Organization, target: str):
    return (
        Organization.objects.subtree(scope)
        .active()
        .filter(type__in=TARGET_TYPES[target])
        .order_by("pk")
    )


@transaction.atomic
def start_run(
    *, year: int, scope: Organization, target: str, by, current_rules: bool = False
) -> AssessmentRun:
    """Queue a run over the scope's organisations of the target; refused without a usable
    scheme for the year or while another run of the year and scope is in progress.

    The run records the rule versions it computes with (`rules_for_run`): re-running a closed
    year repeats the rules of its last run unless `current_rules` asks for today's."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, scope)
    # Serialise starts for the scope: the check below and the insert are one step.
    Organization.objects.select_for_update().filter(pk=scope.pk).first()
    scheme = AssessmentScheme.objects.filter(year=year, target=target).first()
    if scheme is None:
        raise ValidationError(
            "{year}年尚无{target}考核方案，请先制定方案。".format(
                year=year, target=_target_label(target)
            )
        )
    problems = scheme_problems(scheme)
    if problems:
        raise ValidationError(["考核方案尚不完整，不能计算：", *problems])
    busy = AssessmentRun.objects.filter(
        year=year,
        scope=scope,
        status__in=[AssessmentRun.Status.QUEUED, AssessmentRun.Status.RUNNING],
    ).first()
    if busy is not None and _never_sent(busy):
        # Committed while the broker was down: it never reached a worker and must not block
        # the scope; the new run replaces it (the sweeper leaves a failed run alone).
        # Only while it is still unsent and queued: the sweeper may have sent it (or a worker
        # started it) since it was read; then it is a run in progress and the scope is busy.
        replaced = AssessmentRun.objects.filter(
            pk=busy.pk, status=AssessmentRun.Status.QUEUED, sent_at__isnull=True
        ).update(
            status=AssessmentRun.Status.FAILED,
            error="后台任务服务不可用，该计算未能开始，已由新发起的计算取代。",
            heartbeat_at=timezone.now(),
        )
        if replaced == 1:
            busy = None
    if busy is not None:
        raise ValidationError(
            f"{year}年{scope.display_name}已有一次计算正在进行（#{busy.pk}），请等待完成后再发起。"
        )
    ids = list(assessed(scope, target).values_list("pk", flat=True))
    if not ids:
        raise ValidationError(f"{scope.display_name}范围内没有需要考核的{_target_label(target)}。")
    rules_from, versions = rules_for_run(
        year=year, scope=scope, target=target, current_rules=current_rules
    )
    run = AssessmentRun.objects.create(
        year=year,
        scope=scope,
        scheme=scheme,
        scheme_version=scheme.version,
        snapshot=runs.snapshot(scheme),
        rule_versions=versions,
        rules_from=rules_from,
        organization_count=len(ids),
        created_by=by,
    )
    chunks = runs.split(ids, settings.ASSESSMENT_RUN_CHUNK_SIZE)
    RunChunk.objects.bulk_create(
        [RunChunk(run=run, number=n, organization_ids=c) for n, c in enumerate(chunks, 1)]
    )
    run.chunk_count = len(chunks)
    run.save(update_fields=["chunk_count"])
    _dispatch(run)
    return run


def last_done_run(*, year: int, scope: Organization, target: str) -> AssessmentRun | None:
    return (
        AssessmentRun.objects.done()
        .filter(year=year, scope=scope, scheme__target=target)
        .order_by("-pk")
        .first()
    )


def repeated_run(*, year: int, scope: Organization, target: str) -> AssessmentRun | None:
    """The run whose rule versions a re-run repeats by default: a closed year's last done run
    (with recorded rules), so a re-run reproduces its numbers. The current year and a first
    run have none: they use today's rules."""
    if year >= this_year():
        return None
    repeated = last_done_run(year=year, scope=scope, target=target)
    return repeated if repeated is not None and repeated.rule_versions else None


def rules_for_run(
    *, year: int, scope: Organization, target: str, current_rules: bool = False
) -> tuple[AssessmentRun | None, dict]:
    """The run whose rule versions a new run repeats (None: today's) and those versions."""
    repeated = None if current_rules else repeated_run(year=year, scope=scope, target=target)
    if repeated is not None:
        return repeated, repeated.rule_versions
    return None, rules.current_versions()


def _target_label(target: str) -> str:
    from .models import Target

    return str(dict(Target.choices).get(target, target))


def _dispatch(run: AssessmentRun) -> None:
    run_id = run.pk
    transaction.on_commit(lambda: send_run(run_id))


def send_run(run_id: int) -> bool:
    """Hand a run's unfinished chunks to the workers. With the broker unreachable the run
    stays queued, says so, and is sent by the sweeper later (`sweep_runs`); meanwhile it
    does not block a new run for its scope."""
    from . import tasks

    if dispatch.send(tasks.dispatch_run, run_id):
        AssessmentRun.objects.filter(pk=run_id).update(
            sent_at=timezone.now(), dispatch_count=F("dispatch_count") + 1
        )
        AssessmentRun.objects.filter(pk=run_id, error=dispatch.NOT_SENT).update(error="")
        return True
    AssessmentRun.objects.filter(pk=run_id, status=AssessmentRun.Status.QUEUED).update(
        error=dispatch.NOT_SENT, sent_at=None
    )
    return False


def _never_sent(run: AssessmentRun) -> bool:
    if run.status != AssessmentRun.Status.QUEUED or run.sent_at is not None:
        return False
    grace = timezone.now() - datetime.timedelta(seconds=settings.DISPATCH_GRACE_SECONDS)
    return run.error == dispatch.NOT_SENT or (run.heartbeat_at or run.created_at) < grace


def sweep_runs(now) -> int:
    """The sweeper's part for year-end runs (every minute, idempotent); returns runs handled.

    - queued and never sent (the broker was down), once DISPATCH_GRACE_SECONDS old: sent;
    - started (running, or a chunk has begun since the last send), sent, and with no progress
      from any chunk for ASSESSMENT_CHUNK_STALL_SECONDS (its worker was lost): the unfinished
      chunks are sent again at once — a chunk computed twice rewrites its own rows — or, after
      sending it ASSESSMENT_RUN_MAX_DISPATCHES times, the run is marked failed for a person to
      resume;
    - queued and sent but not started yet: left alone (see below).
    """
    grace = now - datetime.timedelta(seconds=settings.DISPATCH_GRACE_SECONDS)
    stall = now - datetime.timedelta(seconds=settings.ASSESSMENT_CHUNK_STALL_SECONDS)
    active = AssessmentRun.objects.filter(
        status__in=[AssessmentRun.Status.QUEUED, AssessmentRun.Status.RUNNING]
    ).order_by("pk")
    unsent = active.filter(status=AssessmentRun.Status.QUEUED, sent_at__isnull=True).filter(
        Q(error=dispatch.NOT_SENT)
        | Q(heartbeat_at__lt=grace)
        | Q(heartbeat_at__isnull=True, created_at__lt=grace)
    )
    handled = 0
    for run_id in list(unsent.values_list("pk", flat=True)):
        send_run(run_id)
        handled += 1
    # Only a run a worker has started can be lost. A queued run that was sent but no chunk
    # has begun since is waiting in the queue behind other work: the broker holds its message
    # (acks happen after the task), so sending it again would only queue duplicates, and
    # counting those sends towards ASSESSMENT_RUN_MAX_DISPATCHES would fail a run that merely
    # waited. It is left alone; should its message really be gone, it blocks nobody for long:
    # after ASSESSMENT_RUN_STALL_SECONDS it shows as stalled and a person may resume it.
    began = RunChunk.objects.filter(run=OuterRef("pk"), heartbeat_at__gte=OuterRef("sent_at"))
    started = Q(status=AssessmentRun.Status.RUNNING) | Q(Exists(began))
    # The latest sign of life: the last send, a chunk finishing or a chunk's indicator.
    lost = (
        active.filter(sent_at__lt=stall)
        .filter(started)
        .annotate(
            last=Greatest(
                "sent_at",
                Coalesce("heartbeat_at", "sent_at"),
                Coalesce(Max("chunks__heartbeat_at"), "sent_at"),
            )
        )
    )
    for run in lost.filter(last__lt=stall):
        if run.dispatch_count >= settings.ASSESSMENT_RUN_MAX_DISPATCHES:
            fail_run(
                run.pk,
                "计算多次中断（后台进程意外停止），已发送 {n} 次。请点击“继续计算”。".format(
                    n=run.dispatch_count
                ),
            )
        else:
            logger.warning("assessment run %s shows no progress, chunks sent again", run.pk)
            send_run(run.pk)
        handled += 1
    return handled


@transaction.atomic
def resume_run(run: AssessmentRun, *, by) -> AssessmentRun:
    """Carry on a failed or stalled run: only the chunks not yet done are computed again."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    if not (run.status == AssessmentRun.Status.FAILED or run.is_stalled):
        raise ValidationError("只有失败或停滞的计算可以继续。")
    run.status = AssessmentRun.Status.QUEUED
    run.error = ""
    run.heartbeat_at = timezone.now()
    run.dispatch_count = 0  # a person resumed it: the sweeper's count starts again
    run.save(update_fields=["status", "error", "heartbeat_at", "dispatch_count"])
    _dispatch(run)
    return run


@transaction.atomic
def restart_run(run: AssessmentRun, *, by) -> AssessmentRun:
    """Compute a failed or stalled run again from the start (same organisations and sheet)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    if not (run.status == AssessmentRun.Status.FAILED or run.is_stalled):
        raise ValidationError("只有失败或停滞的计算可以重新开始。")
    run.measures.all().delete()
    run.results.all().delete()
    run.chunks.update(is_done=False, inputs={}, finished_at=None)
    run.status = AssessmentRun.Status.QUEUED
    run.chunks_done = 0
    run.error = ""
    run.started_at = None
    run.heartbeat_at = timezone.now()
    run.dispatch_count = 0
    run.save()
    _dispatch(run)
    return run


def fail_run(run_id: int, message: str) -> None:
    AssessmentRun.objects.filter(pk=run_id).exclude(status=AssessmentRun.Status.DONE).update(
        status=AssessmentRun.Status.FAILED, error=message[:2000], heartbeat_at=timezone.now()
    )
    caching.changed(caching.ASSESSMENTS)


# --- Review -------------------------------------------------------------------------------------


@transaction.atomic
def review_card(card: ScoreCard, *, comment: str = "", by) -> ScoreCard:
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, card.organization)
    if card.is_frozen:
        raise ValidationError("考核结果已冻结。")
    card.status = ScoreCard.Status.REVIEWED
    card.reviewed_at = timezone.now()
    card.comment = comment.strip()[:300]
    card._history_user = by
    card._change_reason = "审核通过"
    card.save()
    return card


@dataclass
class TiedOrganization:
    pk: int
    name: str
    chosen: bool


@dataclass
class PublicationPreview:
    """What freezing and publishing a run will do and what is still open, as the
    confirmation pages state it. Built by `publication_preview`, the one place these
    figures are counted."""

    run: AssessmentRun
    organizations: int
    to_freeze: int
    frozen: int
    to_publish: int
    published: int
    unreviewed: int
    missing_scores: int
    manual_indicators: int
    overrides: int
    quota: int | None
    tie: runs.QuotaTie | None = None
    tied: list[TiedOrganization] = field(default_factory=list)
    decision: QuotaTieDecision | None = None
    decisions: list[QuotaTieDecision] = field(default_factory=list)

    @property
    def tie_open(self) -> bool:
        return self.tie is not None and self.decision is None

    def problems(self, action: str) -> list[str]:
        """Why `action` ("freeze" or "publish") is refused now (empty when it may go on)."""
        problems = []
        if self.run.status != AssessmentRun.Status.DONE:
            problems.append("只有已完成的计算结果可以冻结和发布。")
        if self.tie_open:
            problems.append(
                "有{n}个党组织总分同为{total}分，并列在“好”等次名额线上（剩余名额{places}个），"
                "请先决定其中哪些评为“好”。".format(
                    n=len(self.tied), total=self.tie.total, places=self.tie.places
                )
            )
        if action == "publish" and not self.frozen:
            problems.append("请先冻结计算结果再发布。")
        return problems


def _quota_tie(run: AssessmentRun):
    """The run's tie at the 好 quota line, from its stored totals (one query) and its latest
    decision (one query): (tie or None, the decision if it settles the tie, names by id)."""
    results = list(
        run.results.values_list(
            "organization_id", "organization__path", "organization__name", "total", "vetoed"
        )
    )
    rows = [runs.Scored(pk, path, total, vetoed, {}) for pk, path, _, total, vetoed in results]
    latest = run.tie_decisions.select_related("decided_by").first()
    tie = runs.grade_and_rank(run.snapshot, rows, latest)
    decision = latest if tie is not None and runs.decision_fits(latest, tie) else None
    names = {pk: name for pk, _, name, _, _ in results}
    return tie, decision, names


def publication_preview(run: AssessmentRun) -> PublicationPreview:
    """Counts for the freeze and publish confirmations: cards to freeze and to publish,
    cards never reviewed, organisation × manual indicator pairs without a score, overrides
    of auto numbers, and the tie at the 好 quota line with staff's decision on it."""
    organizations = run.results.values("organization")
    cards = ScoreCard.objects.filter(year=run.year, organization__in=organizations).aggregate(
        to_freeze=Count("pk", filter=~Q(status=ScoreCard.Status.FROZEN)),
        frozen=Count("pk", filter=Q(frozen_run=run)),
        to_publish=Count("pk", filter=Q(frozen_run=run, published_at__isnull=True)),
        published=Count("pk", filter=Q(frozen_run=run, published_at__isnull=False)),
        unreviewed=Count(
            "pk", filter=Q(reviewed_at__isnull=True) & ~Q(status=ScoreCard.Status.REVIEWED)
        ),
    )
    indicators = run.snapshot.get("indicators", [])
    auto_ids = [i["id"] for i in indicators if i["kind"] == Kind.AUTO]
    overrides = ScoreEntry.objects.filter(
        indicator_id__in=auto_ids, organization__in=organizations
    ).count()
    tie, decision, names = _quota_tie(run)
    chosen = set(decision.chosen) if decision else set()
    return PublicationPreview(
        run=run,
        organizations=len(names),
        missing_scores=run.missing_scores,
        manual_indicators=sum(1 for i in indicators if i["kind"] == Kind.MANUAL),
        overrides=overrides,
        quota=runs.excellent_quota(run.snapshot, len(names)),
        tie=tie,
        tied=[TiedOrganization(pk, names.get(pk, ""), pk in chosen) for pk in tie.organization_ids]
        if tie
        else [],
        decision=decision,
        decisions=list(run.tie_decisions.select_related("decided_by")),
        **cards,
    )


def _refuse(preview: PublicationPreview, action: str) -> None:
    problems = preview.problems(action)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def decide_quota_tie(run: AssessmentRun, *, chosen: list[int], reason: str, by):
    """Staff decide which of the organisations tied at the 好 quota line get the remaining
    places; the run is re-graded at once. Kept as a new decision row (earlier ones stay)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, run.scope)
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != AssessmentRun.Status.DONE:
        raise ValidationError("只有已完成的计算结果可以决定名额线并列。")
    if ScoreCard.objects.filter(frozen_run=run).exists():
        raise ValidationError("计算结果已冻结，等次不能再改变。")
    tie, _, names = _quota_tie(run)
    if tie is None:
        raise ValidationError("本次计算在“好”等次名额线上没有并列，无需决定。")
    picked = {int(pk) for pk in chosen}
    errors = {}
    if not picked <= set(tie.organization_ids) or len(picked) != tie.places:
        errors["chosen"] = "请从并列的{n}个党组织中选定{places}个评为“好”。".format(
            n=len(tie.organization_ids), places=tie.places
        )
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写决定理由。"
    if errors:
        raise ValidationError(errors)
    decision = QuotaTieDecision.objects.create(
        run=run,
        tied=sorted(tie.organization_ids),
        chosen=sorted(picked),
        reason=reason[:300],
        decided_by=by,
    )
    runs.finalise(run.pk)
    return decision


@transaction.atomic
def freeze_run(run: AssessmentRun, *, by) -> int:
    """Pin the run's numbers on every card it assessed; their scores can no longer change.
    Refused while a tie at the 好 quota line is undecided (the grades are not settled)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, run.scope)
    if run.status != AssessmentRun.Status.DONE:
        raise ValidationError("只有已完成的计算结果可以冻结。")
    _refuse(publication_preview(run), "freeze")
    cards = list(
        ScoreCard.objects.select_for_update()
        .filter(year=run.year, organization__in=run.results.values("organization"))
        .exclude(status=ScoreCard.Status.FROZEN)
    )
    for card in cards:
        card.status = ScoreCard.Status.FROZEN
        card.frozen_run = run
        card._history_user = by
        card._change_reason = f"冻结计算结果 #{run.pk}"
        card.save()
    return len(cards)


@transaction.atomic
def publish_run(run: AssessmentRun, *, by) -> int:
    """Publish the frozen cards of a run to their organisations (secretaries, committees)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    _require_scope(by, run.scope)
    cards = list(
        ScoreCard.objects.select_for_update().filter(frozen_run=run, published_at__isnull=True)
    )
    if not cards and not ScoreCard.objects.filter(frozen_run=run).exists():
        raise ValidationError("请先冻结计算结果再发布。")
    _refuse(publication_preview(run), "publish")
    now = timezone.now()
    for card in cards:
        card.published_at = now
        card._history_user = by
        card._change_reason = "发布考核结果"
        card.save()
    return len(cards)


def this_year() -> int:
    return timezone.localdate().year


def default_year() -> int:
    """The assessment year: last year until November, this year from November on."""
    today = timezone.localdate()
    return today.year if today.month >= 11 else today.year - 1
