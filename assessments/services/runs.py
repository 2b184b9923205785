"""Writes of the year-end runs' life: start (over the scope's organisations, in chunks),
hand to the workers on commit, sweep those the broker or a worker lost, resume, restart,
fail. The computing itself is assessments/services/results.py, called by assessments/tasks.py."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching, dispatch, rules
from branches.models import Organization

from .. import scoring
from ..models import (
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    RunChunk,
    ScoreCard,
)
from ..models.scoring import TARGET_TYPES
from . import results
from .access import require_scope
from .schemes import scheme_problems

logger = logging.getLogger(__name__)


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
    require_scope(by, scope)
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
        snapshot=scoring.snapshot(scheme),
        rule_versions=versions,
        rules_from=rules_from,
        organization_count=len(ids),
        created_by=by,
    )
    chunks = results.split(ids, settings.ASSESSMENT_RUN_CHUNK_SIZE)
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
    from ..models import Target

    return str(dict(Target.choices).get(target, target))


def _dispatch(run: AssessmentRun) -> None:
    run_id = run.pk
    transaction.on_commit(lambda: send_run(run_id))


def send_run(run_id: int) -> bool:
    """Hand a run's unfinished chunks to the workers. With the broker unreachable the run
    stays queued, says so, and is sent by the sweeper later (`sweep_runs`); meanwhile it
    does not block a new run for its scope."""
    from .. import tasks

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


def this_year() -> int:
    return timezone.localdate().year


def default_year() -> int:
    """The assessment year: last year until November, this year from November on."""
    today = timezone.localdate()
    return today.year if today.month >= 11 else today.year - 1
