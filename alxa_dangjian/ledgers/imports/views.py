import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404

from . import services
from .forms import ImportUploadForm
from .models import ImportBatch
from .registry import get_importer

RECENT_BATCHES = 10


def _importer_or_404(code: str):
    importer = get_importer(code)
    if importer is None:
        raise Http404("没有这种导入。")
    return importer


@require_http_methods(["GET", "POST"])
def importbatch_create(request, code):
    """Upload page: the template link, the upload form and the user's recent batches."""
    importer = _importer_or_404(code)
    importer.require_permission(request.user)
    if request.user.organization_id is None:
        raise Http404
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
    else:
        form = ImportUploadForm()
    if form.is_bound and form.is_valid():
        try:
            batch = services.preview_upload(importer, form.cleaned_data["file"], by=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect(batch)
    recent = ImportBatch.objects.visible_to(request.user).filter(
        created_by=request.user, importer=importer.code
    )[:RECENT_BATCHES]
    return render(
        request,
        "ledgers/import_form.html",
        {"importer": importer, "form": form, "recent": recent},
    )


@require_GET
def importbatch_template(request, code):
    importer = _importer_or_404(code)
    importer.require_permission(request.user)
    response = FileResponse(
        io.BytesIO(importer.template_bytes()),
        as_attachment=True,
        filename=importer.template_filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return response


@require_GET
def importbatch_detail(request, pk):
    """The preview: every problem by row and column, or what committing will change."""
    roles.require(request.user, roles.EDIT_RECORDS)
    batch = get_visible_or_404(
        ImportBatch.objects.select_related("created_by"), request.user, pk=pk
    )
    return render(
        request,
        "ledgers/import_detail.html",
        {
            "batch": batch,
            "importer": _importer_or_404(batch.importer),
            "retention_days": settings.EXPORT_FILE_RETENTION_DAYS,
        },
    )


@require_POST
def importbatch_commit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    batch = get_visible_or_404(ImportBatch, request.user, pk=pk)
    importer = _importer_or_404(batch.importer)
    importer.require_permission(request.user)
    try:
        batch = services.commit_batch(batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        summary = batch.summary
        messages.success(
            request,
            "导入完成：新增 {created} 条，更新 {updated} 条，{unchanged} 条无变化。".format(
                **summary
            ),
        )
    return redirect(batch)


urlpatterns = [
    path("imports/new/<slug:code>/", importbatch_create, name="importbatch-create"),
    path("imports/template/<slug:code>/", importbatch_template, name="importbatch-template"),
    path("imports/<int:pk>/", importbatch_detail, name="importbatch-detail"),
    path("imports/<int:pk>/commit/", importbatch_commit, name="importbatch-commit"),
]
