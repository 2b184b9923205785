"""Rules that feed the year-end score: written with history, recorded by a run, read as of it.

A rule table (a model whose rows an administrator edits and an indicator or a stored figure
depends on: frequency rules, exemptions, hour rules, timing rules …) keeps
`history = HistoricalRecords()` and registers here from its app's models module:

    rules.register(FrequencyRule, feeds=["three-meetings-one-lesson"])

Every write goes through `save_rule` / `delete_rule` (who and why land in the history record).
A year-end run stores `current_versions()` — per table, each live row's latest history id —
and computes its indicators inside `pinned(versions)`, where `rows(Model, ...)` reads those
historical rows instead of today's. Outside a pinned block `rows` reads the live table, so
pages, reminders and ledgers are unchanged. Rule tables are small, so reading their history
by id costs one query per table per chunk, whatever the number of organisations.
"""

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import caching
from .history import changes, display

BASELINE_REASON = "开始记录规则版本时的现行规则"
HISTORY_LIMIT = 50  # changes shown on a rule page


@dataclass(frozen=True)
class RuleTable:
    model: type
    feeds: tuple[str, ...] = ()  # auto indicator codes computed from these rows at run time

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name)


_TABLES: dict[str, RuleTable] = {}


def register(model, *, feeds: Iterable[str] = ()) -> None:
    table = RuleTable(model, tuple(feeds))
    _TABLES[table.label] = table


def tables() -> list[RuleTable]:
    return sorted(_TABLES.values(), key=lambda t: t.label)


# --- Writes -------------------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写修改理由。")
    return reason[:100]


@transaction.atomic
def save_rule(instance, *, by, reason: str):
    """Create or change a rule row; the history record names `by` and `reason`."""
    caching.changed(caching.RULES)
    _baseline(instance)
    instance._history_user = by
    instance._change_reason = _reason(reason)
    instance.save()
    return instance


@transaction.atomic
def delete_rule(instance, *, by, reason: str) -> None:
    """Remove a rule row; its history (and the runs that used it) keep what it said."""
    caching.changed(caching.RULES)
    _baseline(instance)
    instance._history_user = by
    instance._change_reason = _reason(reason)
    instance.delete()


def reason_field():
    """The form field every rule form adds: why the rule changes (kept in its history)."""
    return forms.CharField(
        label="修改理由",
        max_length=100,
        help_text="记入规则的变更记录；年度考核计算据此说明结果为何变化。",
    )


def history_of(
    model, *conditions, related: Iterable[str] = (), subject=None, limit: int = HISTORY_LIMIT
) -> list:
    """The latest changes to one rule table (those matching `conditions`, e.g. the reader's
    scope), newest first, for a rule page. `related` are foreign keys of the historical rows
    to fetch with them, so that `subject(record)` (what the change is about) reads no more."""
    name = str(model._meta.verbose_name)
    records = (
        model.history.filter(*conditions)
        .select_related("history_user", *related)
        .order_by("-history_date", "-history_id")[:limit]
    )
    return changes(records, subject=subject or (lambda r: f"{name} #{r.id}"))


# --- Versions -----------------------------------------------------------------------------------


def _baseline(instance) -> None:
    """A row seeded before history was kept gets its stored state recorded first, so the
    change shows a real before."""
    model = type(instance)
    if instance.pk is None or model.history.filter(id=instance.pk).exists():
        return
    stored = model._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        model.history.bulk_history_create([stored], default_change_reason=BASELINE_REASON)


def _backfill(model) -> None:
    """Rows written before history was kept (seeds, migrations) get a baseline record, so
    every live row has a version a run can point at."""
    without = model._default_manager.exclude(pk__in=model.history.values("id"))
    rows = list(without)
    if rows:
        model.history.bulk_history_create(
            rows, default_change_reason=BASELINE_REASON, default_date=timezone.now()
        )


def current_versions() -> dict[str, dict[str, int]]:
    """{table label: {row id: latest history id}} for every live row of every rule table."""
    versions = {}
    for rule_table in tables():
        model = rule_table.model
        _backfill(model)
        latest = (
            model.history.filter(id__in=model._default_manager.values("pk"))
            .order_by()
            .values("id")
            .annotate(last=Max("history_id"))
            .values_list("id", "last")
        )
        versions[rule_table.label] = {str(pk): last for pk, last in latest}
    return versions


_PINNED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("pinned_rules", default=None)


@contextmanager
def pinned(versions: dict | None):
    """Within the block `rows()` reads the rule rows of `versions` (None: today's)."""
    token = _PINNED.set(versions)
    try:
        yield
    finally:
        _PINNED.reset(token)


def rows(model, *conditions, related: Iterable[str] = ()) -> list:
    """The model's rows matching `conditions` (Q objects in the model's own field names) as
    the current block sees them: the live table, or (pinned) the recorded versions, as model
    instances in the model's ordering with the foreign keys in `related` fetched alongside.
    One query either way."""
    versions = _PINNED.get()
    label = model._meta.label_lower
    ordering = model._meta.ordering or ["pk"]
    if versions is None or label not in versions:
        return list(
            model._default_manager.filter(*conditions).select_related(*related).order_by(*ordering)
        )
    ids = sorted(versions[label].values())
    records = (
        model.history.filter(history_id__in=ids)
        .filter(*conditions)
        .select_related(*related)
        .order_by(*[o.replace("pk", "id") if o.lstrip("-") == "pk" else o for o in ordering])
    )
    result = []
    for record in records:
        instance = record.instance
        for name in related:
            setattr(instance, name, getattr(record, name))
        result.append(instance)
    return result


# --- Differences --------------------------------------------------------------------------------


def differences(before: dict, after: dict, *, indicator_names: dict | None = None) -> list[dict]:
    """Rule rows that differ between two recorded versions, as plain JSON for a run's diff:
    table, row, kind (新增/修改/删除), each changed field before → after, who made the latest
    change and why, and the indicators the table feeds. Two queries per table that differs."""
    indicator_names = indicator_names or {}
    result = []
    for rule_table in tables():
        old = (before or {}).get(rule_table.label)
        new = (after or {}).get(rule_table.label)
        if old is None or new is None or old == new:
            continue
        keys = sorted(set(old) | set(new), key=int)
        changed = [k for k in keys if old.get(k) != new.get(k)]
        wanted = [old[k] for k in changed if k in old] + [new[k] for k in changed if k in new]
        history = rule_table.model.history.select_related("history_user")
        records = {r.history_id: r for r in history.filter(history_id__in=wanted)}
        # A row gone since: its deletion record says who removed it and why.
        gone = [int(k) for k in changed if k not in new]
        deletions = {
            r.id: r for r in history.filter(id__in=gone, history_type="-").order_by("history_id")
        }
        feeds = [indicator_names.get(code, code) for code in rule_table.feeds]
        for key in changed:
            first, last = records.get(old.get(key)), records.get(new.get(key))
            if first is None and last is None:
                continue
            kind = "新增" if first is None else "删除" if last is None else "修改"
            why = last or deletions.get(int(key))
            result.append(
                {
                    "table": rule_table.name,
                    "subject": str((last or first).instance),
                    "kind": kind,
                    "fields": _field_changes(first, last),
                    "reason": (why.history_change_reason or "") if why else "",
                    "who": why.history_user.get_full_name() if why and why.history_user else "",
                    "feeds": feeds,
                }
            )
    return result


def _field_changes(first, last) -> list[list[str]]:
    record = last or first
    shown = [f for f in record.instance_type._meta.concrete_fields if not f.primary_key]
    fields = []
    for f in shown:
        before = getattr(first, f.attname) if first is not None else None
        after = getattr(last, f.attname) if last is not None else None
        if before != after:
            fields.append([str(f.verbose_name), display(f, before), display(f, after)])
    return fields
