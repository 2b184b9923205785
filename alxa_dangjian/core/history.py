"""One way to keep and show what changed.

Models whose changes must be traceable (rating scores and decisions, list items, manual
assessment scores, dues assessments …) declare `history = HistoricalRecords()` from
django-simple-history. Services set the acting user and the reason before saving:

    obj._history_user = by
    obj._change_reason = reason   # optional, shown beside the change
    obj.save()

(in a request the middleware fills the user when a service forgets). Pages render
`changes(records)` with templates/includes/_history.html: who, when, reason and each field's
value before and after, newest first.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = {"+": "新建", "~": "修改", "-": "删除"}


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
) -> list[Change]:
    """Turn historical records (of one object or of many) into changes, newest first.

    `records` is a historical queryset, ideally `.select_related("history_user")`; records of
    different objects are diffed per object. `fields` limits which fields are shown (default:
    every concrete field except the primary key); `subject` names the object a change is about
    when records of several objects are mixed.
    """
    by_object: dict[object, list] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        by_object[record.id].append(record)
    result: list[Change] = []
    for sequence in by_object.values():
        previous = None
        for record in sequence:
            model = record.instance_type
            shown = [
                f
                for f in model._meta.concrete_fields
                if not f.primary_key and (fields is None or f.name in fields)
            ]
            change = Change(
                when=record.history_date,
                who=(record.history_user.get_full_name() if record.history_user else "系统"),
                kind=KINDS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                subject=subject(record) if subject else "",
            )
            for f in shown:
                after = getattr(record, f.attname)
                before = getattr(previous, f.attname) if previous is not None else None
                if previous is None and record.history_type == "+":
                    if after not in (None, ""):
                        change.fields.append((str(f.verbose_name), "—", display(f, after)))
                elif before != after:
                    change.fields.append(
                        (str(f.verbose_name), display(f, before), display(f, after))
                    )
            if change.fields or record.history_type != "~" or change.reason:
                result.append(change)
            previous = record
    result.sort(key=lambda c: c.when, reverse=True)
    return result
