"""The one export mechanism: a declared ledger, its validated options and a user in; a
workbook out, written through `xlsx.write_workbook`, and the export logged as an ExportJob."""

import datetime
import logging
import tempfile
import threading
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import dispatch
from alxa_dangjian.core.models import PersonalDataLog

from . import tasks
from .models import ExportJob
from .params import LedgerForm
from .registry import ExportContext, Ledger, get_ledger
from .xlsx import write_sheets, write_workbook

logger = logging.getLogger(__name__)

# Rows fetched per round trip while streaming; memory stays flat at any ledger size.
CHUNK_SIZE = 2000
# How often a background job records its progress (rows).
PROGRESS_EVERY = 1000


@dataclass
class ExportResult:
    job: ExportJob
    # The finished workbook, positioned at its start, for an export small enough to download
    # at once; None when a background job was queued instead.
    file: IO[bytes] | None


def write_ledger(ledger: Ledger, target, *, form: LedgerForm, on_progress=None) -> int:
    """Stream the ledger's rows for the form's user and options into `target`; return the
    number of data rows. Runs a fixed number of queries whatever the row count."""
    user, options = form.user, form.cleaned_data
    full = form.full_personal_data
    context = ExportContext(
        user=user,
        options=options,
        today=timezone.localdate(),
        full_personal_data=full,
        data=ledger.prepare(user, options) if ledger.prepare else None,
    )
    if ledger.sheets is not None:
        return write_sheets(
            target, ledger.sheets(context), on_progress=on_progress, progress_every=PROGRESS_EVERY
        )
    row = ledger.row
    items = ledger.queryset(user, options).iterator(chunk_size=CHUNK_SIZE)
    columns = ledger.columns(context) if callable(ledger.columns) else ledger.columns
    return write_workbook(
        target,
        title=ledger.title,
        columns=columns,
        rows=(row(item, context) for item in items),
        subtitle=_subtitle(form, full),
        on_progress=on_progress,
        progress_every=PROGRESS_EVERY,
    )


def _subtitle(form: LedgerForm, full: bool) -> str:
    parts = [
        form.describe(),
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}",
        f"导出人：{form.user.get_full_name()}",
    ]
    if full:
        parts.append("含完整个人信息，请妥善保管")
    return "　".join(parts)


def request_export(ledger: Ledger, form: LedgerForm, *, by) -> ExportResult:
    """Export at once when the ledger is small, else queue a background job (refused with a
    ValidationError while the user already has LEDGER_EXPORT_MAX_PENDING of them pending).

    Either way the export is recorded as an ExportJob (the export log)."""
    roles.require(by, roles.EXPORT)
    total = ledger.queryset(by, form.cleaned_data).count()
    job = ExportJob(
        requested_by=by,
        organization=by.organization,
        ledger=ledger.code,
        name=ledger.title,
        scope=form.describe()[:300],
        params=form.params(),
        includes_personal_data=form.full_personal_data,
        total_rows=total,
    )
    if total > settings.LEDGER_SYNC_MAX_ROWS:
        job.is_background = True
        _queue(job)
        return ExportResult(job=job, file=None)

    job.started_at = timezone.now()
    workbook = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        rows = write_ledger(ledger, workbook, form=form)
    except BaseException:
        workbook.close()
        raise
    workbook.seek(0)
    job.status = ExportJob.Status.DONE
    job.total_rows = job.progress_rows = rows
    job.finished_at = timezone.now()
    _record_done(job)
    return ExportResult(job=job, file=workbook)


@transaction.atomic
def _queue(job: ExportJob) -> None:
    _check_cap(job.requested_by_id)
    job.save()
    transaction.on_commit(lambda: send_job(job))


def send_job(job: ExportJob) -> bool:
    """Hand a queued job to the workers. With the broker unreachable the job stays queued,
    says so, and is sent by the sweeper later (`sweep_exports`)."""
    if dispatch.send(tasks.run_export, job.pk):
        job.sent_at = timezone.now()
        ExportJob.objects.filter(pk=job.pk).update(sent_at=job.sent_at)
        if job.error == dispatch.NOT_SENT:
            job.error = ""
            ExportJob.objects.filter(pk=job.pk, error=dispatch.NOT_SENT).update(error="")
        return True
    job.error = dispatch.NOT_SENT
    ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        error=job.error, sent_at=None
    )
    return False


def _check_cap(user_id: int, *, excluding: int | None = None) -> None:
    # One user cannot fill the workers' queue: the requester's row is locked so that two
    # simultaneous requests cannot both pass the cap.
    get_user_model().objects.select_for_update().filter(pk=user_id).exists()
    pending = (
        ExportJob.objects.filter(
            requested_by=user_id,
            is_background=True,
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
        )
        .exclude(pk=excluding)
        .count()
    )
    if pending >= settings.LEDGER_EXPORT_MAX_PENDING:
        raise ValidationError(
            "您已有 {pending} 个后台导出正在排队或生成，请等其完成后再申请新的导出。".format(
                pending=pending
            )
        )


@transaction.atomic
def retry_export(job: ExportJob, *, by) -> ExportJob:
    """Build a background export again: one that failed or was cancelled, one whose worker
    was lost, or one still waiting for the broker (sent now)."""
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_retry:
        raise ValidationError("该导出正在正常进行或已完成，无需重试。")
    _check_cap(job.requested_by_id, excluding=job.pk)
    job.status = ExportJob.Status.QUEUED
    job.error = ""
    job.progress_rows = 0
    job.sent_at = job.started_at = job.finished_at = job.heartbeat_at = None
    job.save()
    logger.info("export job %s retried by user %s", job.pk, by.pk)
    transaction.on_commit(lambda: send_job(job))
    return job


@transaction.atomic
def cancel_export(job: ExportJob, *, by) -> ExportJob:
    """Stop a queued or running background export: a worker still building it drops the
    file (run_export_job checks the status before it records the result)."""
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_cancel:
        raise ValidationError("该导出已经结束，不能取消。")
    job.status = ExportJob.Status.CANCELLED
    job.error = "已由{name}取消。".format(name=by.get_full_name() or by.get_username())[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def sweep_exports(now) -> int:
    """The sweeper's part for exports (every minute, idempotent); returns the jobs handled.

    - queued and never sent (the broker was down), once DISPATCH_GRACE_SECONDS old: sent;
    - sent but not started by any worker within EXPORT_STALL_SECONDS (the message was lost,
      e.g. a broker restarted without persistence): sent again — a duplicate is harmless,
      the first worker to claim the job builds it;
    - running with a heartbeat older than EXPORT_STALL_SECONDS (its worker was lost): queued
      and sent again, or failed after EXPORT_MAX_ATTEMPTS attempts (the requester may retry).
    """
    grace = now - datetime.timedelta(seconds=settings.DISPATCH_GRACE_SECONDS)
    stall = now - datetime.timedelta(seconds=settings.EXPORT_STALL_SECONDS)
    background = ExportJob.objects.filter(is_background=True).order_by("pk")
    waiting = background.filter(
        Q(sent_at__isnull=True, created_at__lt=grace) | Q(sent_at__lt=stall),
        status=ExportJob.Status.QUEUED,
    )
    handled = 0
    for job in waiting:
        send_job(job)
        handled += 1
    lost = background.filter(status=ExportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stall) | Q(heartbeat_at__isnull=True)
    )
    for job in lost:
        current = ExportJob.objects.filter(
            pk=job.pk, status=ExportJob.Status.RUNNING, heartbeat_at=job.heartbeat_at
        )
        if job.attempts >= settings.EXPORT_MAX_ATTEMPTS:
            handled += current.update(
                status=ExportJob.Status.FAILED,
                finished_at=now,
                error=(
                    "生成过程多次中断（后台进程意外停止），已尝试 {n} 次。"
                    "请点击“重试”，或稍后重新导出。"
                ).format(n=job.attempts),
            )
            continue
        if current.update(status=ExportJob.Status.QUEUED, sent_at=None, progress_rows=0):
            logger.warning("export job %s lost its worker, sent again", job.pk)
            send_job(job)
            handled += 1
    return handled


@transaction.atomic
def _record_done(job: ExportJob) -> None:
    job.save()
    if job.includes_personal_data:
        PersonalDataLog.objects.create(
            user=job.requested_by,
            action=PersonalDataLog.Action.EXPORT,
            subject=f"{job.name}（{job.scope}）"[:200],
            detail=f"导出记录 #{job.pk}，共 {job.total_rows} 行"[:300],
        )


def run_export_job(job_id: int) -> ExportJob | None:
    """Build a queued export's file. Idempotent: a finished job (done, failed or cancelled)
    is left as it is and a job another worker is building (its heartbeat fresh) is left to
    it, so a redelivered or re-sent task does no harm; a job left running by a lost worker is
    rebuilt. The result of an attempt overtaken by a later one, or cancelled, is dropped."""
    job = ExportJob.objects.select_related("requested_by__organization").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    if not _claim(job):
        return job
    heartbeat = _Heartbeat(job)
    try:
        heartbeat.start()
        form = _revalidated_form(job)
        with tempfile.TemporaryFile() as workbook:
            _touch(job)  # the ledger's query starts now
            rows = write_ledger(
                get_ledger(job.ledger),
                workbook,
                form=form,
                on_progress=lambda n: _touch(job, progress_rows=n),
            )
            _touch(job)  # the workbook is saved; the file goes to storage now
            workbook.seek(0)
            if job.file:  # a partial file from a lost worker
                job.file.delete(save=False)
            job.file.save(f"{job.ledger}.xlsx", File(workbook), save=False)
    except ValidationError as error:
        return _fail(job, "；".join(error.messages))
    except Exception:
        logger.exception("Ledger export job %s failed", job.pk)
        return _fail(job, "生成文件时出错，请稍后重试或联系系统管理员。")
    finally:
        heartbeat.stop()
    job.status = ExportJob.Status.DONE
    job.total_rows = job.progress_rows = rows
    job.finished_at = timezone.now()
    with transaction.atomic():
        if not _still_mine(job):
            logger.info("export job %s attempt %s overtaken, file dropped", job.pk, job.attempts)
            job.file.delete(save=False)
            return job
        _record_done(job)
    return job


def _touch(job: ExportJob, **fields) -> int:
    """This attempt is alive: its heartbeat (and any progress given) recorded, unless the job
    was meanwhile claimed by a later attempt, cancelled or finished."""
    now = timezone.now()
    updated = ExportJob.objects.filter(
        pk=job.pk, status=ExportJob.Status.RUNNING, attempts=job.attempts
    ).update(**fields, heartbeat_at=now)
    if updated:
        job.heartbeat_at = now
    return updated


class _Heartbeat:
    """A daemon timer thread touching the job's heartbeat every EXPORT_HEARTBEAT_SECONDS while
    the attempt runs, so that a slow phase with no rows written (the ledger's query, saving
    the workbook or the file) is not taken for a lost worker. Its own database connection is
    closed when it stops. Not started with the interval 0 or with CELERY_TASK_ALWAYS_EAGER."""

    def __init__(self, job: ExportJob):
        self.job = job
        # Well under the stall limit whatever is configured: a few beats may be missed.
        self.interval = min(settings.EXPORT_HEARTBEAT_SECONDS, settings.EXPORT_STALL_SECONDS / 3)
        self.stopped = threading.Event()
        self.thread = None

    def start(self) -> None:
        if self.interval <= 0 or settings.CELERY_TASK_ALWAYS_EAGER:
            return
        self.thread = threading.Thread(
            target=self._run, name=f"export-heartbeat-{self.job.pk}", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=max(self.interval, 1) + 30)

    def _run(self) -> None:
        # A copy: the worker's thread owns the job object.
        job = ExportJob(pk=self.job.pk, attempts=self.job.attempts)
        try:
            while not self.stopped.wait(self.interval):
                close_old_connections()  # a connection broken or past CONN_MAX_AGE
                try:
                    if not _touch(job):
                        return  # overtaken, cancelled or finished: nothing more to keep alive
                except Exception:
                    logger.exception("export job %s: heartbeat not recorded", job.pk)
        finally:
            connections.close_all()  # this thread's connections only


def _claim(job: ExportJob) -> bool:
    """Mark the job running for this worker (one more attempt). A queued job is claimed; a
    running one only when its heartbeat is older than EXPORT_STALL_SECONDS."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EXPORT_STALL_SECONDS)
    lost = Q(status=ExportJob.Status.RUNNING) & (
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale)
    )
    with transaction.atomic():
        current = (
            ExportJob.objects.select_for_update()
            .filter(Q(status=ExportJob.Status.QUEUED) | lost, pk=job.pk)
            .values_list("attempts", flat=True)
            .first()
        )
        if current is None:
            return False
        job.attempts = current + 1
        job.status = ExportJob.Status.RUNNING
        job.started_at = job.heartbeat_at = now
        job.error = ""
        ExportJob.objects.filter(pk=job.pk).update(
            status=job.status,
            started_at=now,
            heartbeat_at=now,
            progress_rows=0,
            attempts=job.attempts,
            error="",
        )
    return True


def _still_mine(job: ExportJob) -> bool:
    return (
        ExportJob.objects.select_for_update()
        .filter(pk=job.pk, status=ExportJob.Status.RUNNING, attempts=job.attempts)
        .exists()
    )


def _revalidated_form(job: ExportJob) -> LedgerForm:
    """The options are checked again for the requester as they are now: a user moved out of
    the scope, or no longer allowed to export, gets no file."""
    ledger = get_ledger(job.ledger)
    if ledger is None:
        raise ValidationError("该台账已停用。")
    user = job.requested_by
    if not user.may(roles.EXPORT):
        raise ValidationError("导出人已无导出权限。")
    form = ledger.params_form(data=job.params, user=user)
    if not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        raise ValidationError("导出条件已失效：" + "；".join(messages))
    return form


def _fail(job: ExportJob, message: str) -> ExportJob:
    job.status = ExportJob.Status.FAILED
    job.error = message[:500]
    job.finished_at = timezone.now()
    # Only the current attempt of a job still running may fail it.
    ExportJob.objects.filter(
        pk=job.pk, status=ExportJob.Status.RUNNING, attempts=job.attempts
    ).update(status=job.status, error=job.error, finished_at=job.finished_at)
    return job


def purge_export_files(now=None) -> int:
    """Delete the files of exports finished more than EXPORT_FILE_RETENTION_DAYS days ago
    (a file holds personal data and is built again from the data on request); each job row
    stays as the log of who exported what, with the day its file was removed. Returns the
    number of files removed; a file already missing from storage counts as removed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.EXPORT_FILE_RETENTION_DAYS)
    expired = (
        ExportJob.objects.exclude(file="")
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
        .order_by("pk")
    )
    removed = 0
    for job in expired.iterator():
        job.file.delete(save=False)  # storage.delete ignores a file that is already gone
        ExportJob.objects.filter(pk=job.pk).update(file="", file_removed_at=now)
        removed += 1
    if removed:
        logger.info("Removed %s export files older than %s", removed, cutoff)
    return removed
