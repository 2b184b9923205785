"""Writes of the service ledgers (服务台账): a record with its participating members, and its
evidence files. Each re-checks the user's scope, as the views do."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.files import check_upload, store_files

from ..models import ServiceEvidence, ServiceRecord


def _require_scope(by, organization) -> None:
    """Writes re-check what the views check: an editing role, inside the user's subtree."""
    if not by.may(roles.EDIT_RECORDS) or not scoping.contains(by, organization):
        raise PermissionDenied("您无权修改该党组织的服务台账。")


@transaction.atomic
def save_service_record(record: ServiceRecord, *, members, by) -> ServiceRecord:
    """Save a record with its participating members, who must belong to the owner's subtree."""
    caching.changed(caching.SERVICES)
    _require_scope(by, record.organization)
    outside = [
        m.name for m in members if not scoping.in_subtree(m.organization, record.organization)
    ]
    if outside:
        message = "{names}不属于责任党组织或其下级组织，不能登记为参与党员。"
        raise ValidationError({"members": message.format(names="、".join(outside))})
    if record._state.adding:
        record.created_by = by
    record.full_clean()
    record.save()
    record.members.set(members)
    return record


@transaction.atomic
def add_evidence(record: ServiceRecord, *, uploads, by) -> list[ServiceEvidence]:
    """Attach photos and files; one bad file refuses them all and nothing is stored."""

    _require_scope(by, record.organization)
    if not uploads:
        raise ValidationError({"files": "请选择要上传的照片或文件。"})
    checked = [check_upload(upload) for upload in uploads]
    return store_files(ServiceEvidence, checked, by=by, record=record)


@transaction.atomic
def remove_evidence(evidence: ServiceEvidence, *, by, reason: str) -> None:
    """Delete a file; the deletion stays in the evidence's history (who, when, which file,
    `reason` — required)."""
    _require_scope(by, evidence.record.organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "删除佐证材料须填写理由。"})
    name, storage = evidence.file.name, evidence.file.storage
    history.baseline(ServiceEvidence, [evidence.pk])
    history.attribute(evidence, by=by, reason=reason)
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))
