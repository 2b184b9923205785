from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404, scope_path
from alxa_dangjian.core.models import PersonalDataLog

from . import services
from .models import ExportJob
from .registry import all_ledgers, get_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def ledger_list(request):
    roles.require(request.user, roles.EXPORT)
    return render(request, "ledgers/export_ledger_list.html", {"ledgers": all_ledgers()})


@require_http_methods(["GET", "POST"])
def ledger_export(request, code):
    """GET shows the filters (pre-filled from the query string); POST exports."""
    roles.require(request.user, roles.EXPORT)
    ledger = get_ledger(code)
    if ledger is None or scope_path(request.user) is None:
        raise Http404
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = ledger.params_form(data=data, user=request.user)
    if form.is_bound and not form.is_valid() and form.names_foreign_organization:
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            result = services.request_export(ledger, form, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.file is None:
                return redirect(result.job)
            return _attachment(result.file, result.job)
    return render(
        request,
        "ledgers/export_form.html",
        {"ledger": ledger, "form": form, "sync_max": settings.LEDGER_SYNC_MAX_ROWS},
    )


@require_GET
def exportjob_list(request):
    jobs = ExportJob.objects.visible_to(request.user).filter(requested_by=request.user)
    page = Paginator(jobs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "ledgers/exportjob_list.html", {"page": page})


@require_GET
def exportjob_detail(request, pk):
    job = get_visible_or_404(ExportJob.objects.select_related("requested_by"), request.user, pk=pk)
    # htmx polls this page for the progress block alone until the job is finished.
    template = (
        "ledgers/_exportjob_status.html"
        if request.headers.get("HX-Request") == "true"
        else "ledgers/exportjob_detail.html"
    )
    context = {
        "job": job,
        "retention_days": settings.EXPORT_FILE_RETENTION_DAYS,
        "is_requester": job.requested_by_id == request.user.pk,
    }
    return render(request, template, context)


@require_POST
def exportjob_retry(request, pk):
    """Build the file again (a failed, cancelled or lost job, or one waiting for the broker)."""
    return _job_action(request, pk, services.retry_export, "已重新提交导出，文件将在后台生成。")


@require_POST
def exportjob_cancel(request, pk):
    return _job_action(request, pk, services.cancel_export, "已取消该导出。")


def _job_action(request, pk, action, done_message):
    # Only the requester retries or cancels: a retry builds the personal-data file again in
    # the requester's name, and staff who oversee exports only look at them. Others get the
    # same 404 as a job they cannot see.
    job = get_visible_or_404(ExportJob, request.user, pk=pk)
    if job.requested_by_id != request.user.pk:
        raise Http404
    try:
        action(job, by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, done_message)
    return redirect(job)


@require_GET
def exportjob_download(request, pk):
    job = get_visible_or_404(ExportJob, request.user, pk=pk)
    if not job.can_download:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if job.includes_personal_data:
        PersonalDataLog.objects.create(
            user=request.user,
            action=PersonalDataLog.Action.EXPORT,
            subject=f"{job.name}（{job.scope}）"[:200],
            detail=f"下载导出记录 #{job.pk} 的文件"[:300],
        )
    return _attachment(handle, job)


def _attachment(handle, job: ExportJob) -> FileResponse:
    response = FileResponse(
        handle, as_attachment=True, filename=job.download_name, content_type=XLSX
    )
    # Personal data: never kept by a browser or proxy cache.
    response["Cache-Control"] = "private, no-store"
    return response
