"""Rows of the responsibility lists for tests, written directly (no window or role checks)."""

import datetime

from assessments.models import (
    CheckpointEntry,
    ResponsibilityItem,
    ResponsibilityList,
    ResponsibilityListType,
    Stage,
)

Progress = CheckpointEntry.Progress
Review = CheckpointEntry.Review


def list_type(code: str = "principal") -> ResponsibilityListType:
    return ResponsibilityListType.objects.get(code=code)


def make_list(organization, *, year=2026, by, code="principal", person="") -> ResponsibilityList:
    return ResponsibilityList.objects.create(
        year=year,
        type=list_type(code),
        owner_organization=organization,
        owner_person=person,
        created_by=by,
    )


def make_item(responsibility_list, *, content="落实“三会一课”制度", deadline=None, order=0):
    deadline = deadline or datetime.date(responsibility_list.year, 12, 31)
    return ResponsibilityItem.objects.create(
        list=responsibility_list, content=content, deadline=deadline, order=order
    )


def make_entry(item, stage, *, review=Review.CONFIRMED, progress="", completed_on=None, note=""):
    return CheckpointEntry.objects.create(
        item=item,
        stage=stage,
        review=review,
        progress=progress,
        completed_on=completed_on,
        note=note,
    )


def planned(item, review=Review.CONFIRMED):
    return make_entry(item, Stage.PLAN, review=review)


def closed(item, *, on, review=Review.CONFIRMED):
    """A year-end report of the item as done on `on`."""
    return make_entry(item, Stage.FINAL, review=review, progress=Progress.DONE, completed_on=on)
