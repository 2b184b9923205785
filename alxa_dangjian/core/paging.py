"""A page of precomputed rows: the set-based, cached lists (arrears, training progress) keep
plain rows for a whole scope and read as objects only the members of the page shown."""

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of_rows(
    rows: Sequence,
    number,
    *,
    size: int,
    objects: QuerySet,
    fields: Sequence[str],
    key: str = "member_id",
) -> Page:
    """Page `number` of `rows`, its object list replaced by the rows' objects (read in one
    query from `objects` by each row's `key`), each given the row's `fields`."""
    page = Paginator(rows, size).get_page(number)
    found = objects.in_bulk([getattr(row, key) for row in page])
    shown = []
    for row in page:
        item = found.get(getattr(row, key))
        if item is None:  # deleted since the rows were cached (the next write bumps them)
            continue
        for name in fields:
            setattr(item, name, getattr(row, name))
        shown.append(item)
    page.object_list = shown
    return page
