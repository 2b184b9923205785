"""Many plain rows at once, without Django's per-row work.

`plain_rows(queryset)` reads a values_list queryset's rows as the driver returns them.

`insert_rows(Model, fields, rows)` sends tuples straight to the model's table: COPY on
PostgreSQL (psycopg's copy API), one executemany elsewhere (SQLite). It is for machine-made
rows that need no save() logic, signals or history — the year-end run writes ~20,000 measure
rows per run, where `bulk_create` spends most of its time building instances and SQL text.

Values must already be what the column stores: ints, str, Decimal, dates, None; a JSONField's
value is passed as a Python object and encoded here.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connections, models, router


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `fields`) into `model`'s table; returns the count."""
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    encoders = [
        json.dumps if isinstance(meta.get_field(name), models.JSONField) else None
        for name in fields
    ]
    if any(encoders):
        rows = (
            tuple(value if e is None else e(value) for e, value in zip(encoders, row, strict=True))
            for row in rows
        )
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        rows = list(rows)
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows)
        return len(rows)


def delete_rows(queryset) -> int:
    """DELETE the queryset's rows in one statement, without fetching them for signals or
    cascades (what QuerySet.delete does when a model has delete receivers). Only for tables
    no other row points at, whose receivers the caller stands in for."""
    return queryset._raw_delete(queryset.db)


def plain_rows(queryset) -> list[tuple]:
    """The rows of a `values_list` queryset as the database driver returns them, without
    Django's per-row converters (≈3 µs a row): for GROUP BYs returning tens of thousands of
    ids and counts. Only for columns the driver already returns as the Python type wanted —
    integers, and on PostgreSQL also dates and decimals (SQLite returns those as text)."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
