"""One way to keep and show what changed.

Models whose changes must be traceable (rating scores and decisions, list items, manual
assessment scores, dues assessments …) declare `history = HistoricalRecords()` from
django-simple-history. Services set the acting user and the reason before saving:

    obj._history_user = by
    obj._change_reason = reason   # optional, shown beside the change
    obj.save()

(in a request the middleware fills the user when a service forgets; `attribute(obj, by=…,
reason=…)` does both). A bulk write records its rows with one bulk insert:

    baseline(Model, [pks of the rows about to change])   # their state before, if unrecorded
    Model.objects.bulk_update(rows, fields)
    Model.history.bulk_history_create(rows, update=True, default_user=by,
                                      default_change_reason=reason)

Pages render `changes(records)` with templates/includes/_history.html: who, when, reason and
each field's value before and after, newest first.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = {"+": "新建", "~": "修改", "-": "删除"}
# The state of a row written before its history was kept: the "before" of its first change,
# not a change of its own (never shown).
BASELINE_REASON = "开始记录变更时的原有信息"
REASON_MAX = 100


def attribute(instance, *, by, reason: str = ""):
    """Name who makes the next save or delete of `instance`, and why."""
    instance._history_user = by
    instance._change_reason = (reason or "").strip()[:REASON_MAX]
    return instance


def baseline(model, pks: Iterable) -> None:
    """Rows about to change that have no history yet (seeded, bulk-written before history was
    kept) get their stored state recorded first, so their change shows a real before.
    Two queries at most, whatever the number of rows."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return
    recorded = model.history.filter(id__in=pks).values("id")
    rows = list(model._default_manager.filter(pk__in=pks).exclude(pk__in=recorded))
    if rows:
        model.history.bulk_history_create(rows, default_change_reason=BASELINE_REASON)


@dataclass
class Change:
    when: object
    who: str
    kind: str
    reason: str
    subject: str = ""
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def display(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    choices = dict(model_field.flatchoices) if model_field.choices else None
    if choices is not None:
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def changes(
    records: Iterable,
    *,
    fields: Iterable[str] | None = None,
    subject: Callable[[object], str] | None = None,
    masks: dict[str, Callable[[str], str]] | None = None,
    related_names: bool = False,
) -> list[Change]:
    """Turn historical records (of one object or of many) into changes, newest first.

    `records` is a historical queryset, ideally `.select_related("history_user")`; records of
    different objects are diffed per object. `fields` limits which fields are shown (default:
    every concrete field except the primary key); `subject` names the object a change is about
    when records of several objects are mixed. `masks` shows a field's values masked (ID
    numbers, phones: the change is visible, the number is not); `related_names` shows a
    foreign key by the related row's name (one query per related model) instead of its id.
    """
    masks = masks or {}
    pending: list[tuple[Change, int, object, object, object]] = []
    by_object: dict[object, list] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        by_object[record.id].append(record)
    result: list[Change] = []
    for sequence in by_object.values():
        previous = None
        for record in sequence:
            model = record.instance_type
            kept = {f.attname for f in record._meta.concrete_fields}
            shown = [
                f
                for f in model._meta.concrete_fields
                if not f.primary_key and f.attname in kept and (fields is None or f.name in fields)
            ]
            change = Change(
                when=record.history_date,
                who=(record.history_user.get_full_name() if record.history_user else "系统"),
                kind=KINDS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                subject=subject(record) if subject else "",
            )
            if previous is None and record.history_change_reason == BASELINE_REASON:
                previous = record
                continue

            def shown_value(f, value):
                if f.name in masks and value not in (None, ""):
                    return masks[f.name](str(value))
                return display(f, value)

            for f in shown:
                after = getattr(record, f.attname)
                before = getattr(previous, f.attname) if previous is not None else None
                if record.history_type == "-":  # what was removed
                    if after in (None, ""):
                        continue
                    before, after = after, None
                elif previous is None and record.history_type == "+":
                    if after in (None, ""):
                        continue
                    before = None
                elif before == after:
                    continue
                if related_names and f.is_relation:
                    pending.append((change, len(change.fields), f, before, after))
                change.fields.append(
                    (str(f.verbose_name), shown_value(f, before), shown_value(f, after))
                )
            if change.fields or record.history_type != "~" or change.reason:
                result.append(change)
            previous = record
    if pending:
        _name_related(pending)
    result.sort(key=lambda c: c.when, reverse=True)
    return result


def _name_related(pending) -> None:
    """Replace foreign-key ids by the related rows' names: one query per related model."""
    wanted: dict[type, set] = defaultdict(set)
    for _change, _index, f, before, after in pending:
        wanted[f.related_model].update(v for v in (before, after) if v is not None)
    names = {
        model: {pk: str(row) for pk, row in model._default_manager.in_bulk(ids).items()}
        for model, ids in wanted.items()
    }
    for change, index, f, before, after in pending:
        known = names[f.related_model]
        label = change.fields[index][0]
        before, after = (
            "—" if value is None else known.get(value, f"#{value}（已删除）")
            for value in (before, after)
        )
        change.fields[index] = (label, before, after)
