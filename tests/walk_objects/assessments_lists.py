"""The responsibility lists' part of the URL walk (see tests/walk_objects/__init__.py)."""

import datetime

from assessments.models import (
    CheckpointEntry,
    CheckpointEvidence,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityList,
    ResponsibilityListType,
    Stage,
)

MODELS = {"responsibilitylist", "responsibilityitem", "checkpointentry", "checkpointevidence"}


def _window():
    window, _ = CheckpointWindow.objects.get_or_create(
        year=2031,
        defaults={
            "plan_opens_on": datetime.date(2031, 1, 1),
            "plan_closes_on": datetime.date(2031, 3, 31),
            "mid_opens_on": datetime.date(2031, 6, 1),
            "mid_closes_on": datetime.date(2031, 7, 31),
            "final_opens_on": datetime.date(2031, 11, 1),
            "final_closes_on": datetime.date(2032, 1, 31),
        },
    )
    return window


REFERENCE = {
    "checkpointwindow": _window,
    "responsibilitylisttype": lambda: ResponsibilityListType.objects.get(code="principal"),
}


def objects(*, root, committee_a, branch_a, secretary, member):
    responsibility_list = ResponsibilityList.objects.create(
        year=2026,
        type=ResponsibilityListType.objects.get(code="principal"),
        owner_organization=branch_a,
        created_by=secretary,
    )
    item = ResponsibilityItem.objects.create(
        list=responsibility_list, content="甲局支部整改事项", deadline=datetime.date(2026, 6, 30)
    )
    entry = CheckpointEntry.objects.create(
        item=item, stage=Stage.MID, progress="in_progress", review="submitted"
    )
    evidence = CheckpointEvidence.objects.create(
        entry=entry,
        file="assessments/lists/walk",
        original_name="甲局清单佐证.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        kind="document",
        uploaded_by=secretary,
    )
    return {
        "responsibilitylist": responsibility_list,
        "responsibilityitem": item,
        "checkpointentry": entry,
        "checkpointevidence": evidence,
    }
