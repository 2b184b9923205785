"""Attached photos and files: streamed only to users who may see the record."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core.files import serve

from ..models import Attachment
from ..services import records


@require_GET
def attachment_download(request, pk):
    """Photos open in the page (they are shown on the record); everything else downloads.

    Either way the browser is told not to guess the type, and the response may not run
    anything, so a file that slipped past the sniffer still cannot act as a page.
    """
    attachment = get_visible_or_404(Attachment.objects.all(), request.user, pk=pk)
    return serve(attachment)


@require_POST
def attachment_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    attachment = get_visible_or_404(
        Attachment.objects.select_related("activity__organization"), request.user, pk=pk
    )
    activity = attachment.activity
    try:
        records.remove_attachment(
            attachment, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已删除“{attachment.original_name}”。")
    return redirect(activity)


urlpatterns = [
    path("files/<int:pk>/", attachment_download, name="attachment-download"),
    path("files/<int:pk>/delete/", attachment_delete, name="attachment-delete"),
]
