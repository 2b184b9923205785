"""Raw statements over the members of a scope: the set-based lists (dues arrears, training
progress) embed a members queryset's SQL as a subquery and name tables by their models, and
cache their rows under a digest of that queryset."""

import hashlib
from collections.abc import Mapping, Sequence

from django.db import connection, models

# Stands in a statement's parameters for the parameters of the members' subquery.
MEMBERS = object()


def members_sql(members: models.QuerySet) -> tuple[str, tuple]:
    """The SQL selecting the pks of `members` (no ordering) and its parameters."""
    return members.order_by().values("pk").query.sql_with_params()


def members_digest(members: models.QuerySet) -> str:
    """A cache key part naming the members a queryset selects (its SQL and parameters)."""
    sql, params = members_sql(members)
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:32]


def fetch_over_members(
    template: str,
    members: models.QuerySet,
    params: Sequence,
    *,
    tables: Mapping[str, type[models.Model]],
) -> list[tuple]:
    """Run `template` with `{members}` standing for the pks `members` selects and each name
    of `tables` for its model's table; each MEMBERS in `params` is the subquery's parameters."""
    sub_sql, sub_params = members_sql(members)
    sql = template.format(
        members=sub_sql, **{name: model._meta.db_table for name, model in tables.items()}
    )
    flat = []
    for param in params:
        if param is MEMBERS:
            flat.extend(sub_params)
        else:
            flat.append(param)
    with connection.cursor() as cursor:
        cursor.execute(sql, flat)
        return cursor.fetchall()
