"""Photos and files of an activity record (the upload rules are alxa_dangjian/core/files.py)."""

import uuid

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.files import StoredFile

from .records import Activity


def attachment_path(instance, filename):
    """A random name without extension: nothing a web server could be tricked into running."""
    return f"activities/{instance.activity.held_on.year}/{uuid.uuid4().hex}"


class AttachmentQuerySet(ScopedQuerySet):
    scope_field = "activity__organization"

    def visible_to(self, user):
        """Files follow their record: whoever may see the activity (joint branches included)."""
        return self.filter(activity__in=Activity.objects.visible_to(user))


class Attachment(StoredFile):
    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)

    objects = AttachmentQuerySet.as_manager()
    # A removed file leaves a record: who removed what, when and why.
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta(StoredFile.Meta):
        verbose_name = "活动附件"
        verbose_name_plural = "活动附件"

    def get_absolute_url(self):
        return reverse("activities:attachment-download", args=[self.pk])
