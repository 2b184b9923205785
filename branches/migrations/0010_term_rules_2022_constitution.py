"""Seed the 2022 reading of term lengths and bring the terms it governs in line.

Since the Party Constitution's 20th-Congress amendment (22 October 2022, 第三十条) 党的基层委员会、
总支部委员会、支部委员会 each serve five years; the rows seeded before (2018 意见: 党委 5,
总支/支部 3) stay as the reading for earlier elections. The root 党工委/机关工委 is appointed
by the 盟委 (a 派出机关) and loses its term rule and any term recorded for it.

A term stores its length. Terms elected on or after 2022-10-22 whose length equals the old rule
of their type were taken from that rule (the form prefilled it), so they get five years and
their planned and due ends are recomputed. A length that differs from the old rule was typed on
purpose and is kept; so is a due end fixed by an approved advance or delay (adjusted_end), the
approval naming a date rather than a length.
"""

import calendar
import datetime

from django.db import migrations
from django.utils import timezone

AMENDED = datetime.date(2022, 10, 22)
EARLIEST = datetime.date(1900, 1, 1)  # the old reading covers every election before AMENDED
NEW_YEARS = 5
OLD_YEARS = {
    "committee": 5,
    "organ_committee": 5,
    "general_branch": 3,
    "branch": 3,
    "joint_branch": 3,
}
ELECTED_TYPES = list(OLD_YEARS)
OLD_BASIS = "2022年10月22日党章修正案前的任期（2018年意见：党委5年，总支、支部3年）"
NEW_BASIS = "党章（2022年10月22日修正）第三十条：基层委员会、总支部委员会、支部委员会每届任期5年"
REASON = "党章2022年修正案：基层委员会、总支部委员会、支部委员会每届任期5年"


def _add_years(day, years):
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _record(HistoricalRule, rule, kind, when, reason):
    """A history record with its reason. The live model (core.reference re-running `seed`)
    records its own through simple_history's signals."""
    if hasattr(type(rule), "history"):
        return
    HistoricalRule.objects.create(
        id=rule.pk,
        organization_type=rule.organization_type,
        effective_from=rule.effective_from,
        years=rule.years,
        basis=rule.basis,
        history_date=when,
        history_type=kind,
        history_change_reason=reason,
    )


def seed(apps, schema_editor):
    """Both readings, idempotently (also re-run by core.reference after a flush)."""
    Rule = apps.get_model("branches", "TermLengthRule")
    HistoricalRule = apps.get_model("branches", "HistoricalTermLengthRule")
    now = timezone.now()
    for rule in Rule.objects.filter(organization_type="work_committee"):
        _record(HistoricalRule, rule, "-", now, "机关工委由盟委任命（派出机关），不进行换届选举")
        rule.delete()
    Rule.objects.filter(effective_from__lt=AMENDED, basis="").update(basis=OLD_BASIS)
    readings = [(EARLIEST, OLD_YEARS, OLD_BASIS, "2022年10月22日前选举产生的届次的任期")]
    readings.append((AMENDED, dict.fromkeys(ELECTED_TYPES, NEW_YEARS), NEW_BASIS, REASON))
    for effective_from, years, basis, reason in readings:
        for organization_type, length in years.items():
            rows = Rule.objects.filter(organization_type=organization_type)
            if effective_from < AMENDED:
                rows = rows.filter(effective_from__lt=AMENDED)
            else:
                rows = rows.filter(effective_from=effective_from)
            if rows.exists():
                continue
            rule = Rule.objects.create(
                organization_type=organization_type,
                effective_from=effective_from,
                years=length,
                basis=basis,
            )
            _record(HistoricalRule, rule, "+", now, reason)


def recompute_terms(apps, schema_editor):
    Rule = apps.get_model("branches", "TermLengthRule")
    Term = apps.get_model("branches", "Term")
    # A term recorded for the appointed root is kept as it was (records are not deleted): the
    # 换届 warning and the 按期换届 indicator leave the root out, and no new one can be recorded.
    old_years = dict(
        Rule.objects.filter(effective_from__lt=AMENDED)
        .order_by("effective_from")
        .values_list("organization_type", "years")
    )
    derived = Term.objects.filter(
        elected_on__gte=AMENDED, adjusted_end__isnull=True, organization__type__in=ELECTED_TYPES
    )
    for term in derived.select_related("organization"):
        if term.length_years == NEW_YEARS:
            continue
        if term.length_years != old_years.get(term.organization.type):
            continue  # typed on purpose
        term.length_years = NEW_YEARS
        term.planned_end = term.due_end = _add_years(term.elected_on, NEW_YEARS)
        term.save(update_fields=["length_years", "planned_end", "due_end"])


class Migration(migrations.Migration):
    dependencies = [("branches", "0009_term_rules_dated")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(recompute_terms, migrations.RunPython.noop),
    ]
