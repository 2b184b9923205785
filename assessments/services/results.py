"""Writes of the year-end run's computing: chunks of organisations measured with every
registered auto indicator (set-based, a fixed number of queries per chunk), then one
finaliser that totals, grades and ranks (assessments/scoring.py) and records what changed
since the previous run. Tasks call `compute_chunk` and `finalise` (assessments/tasks.py);
both are idempotent.
"""

import logging
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alxa_dangjian.core import caching, rules
from alxa_dangjian.core.bulk import delete_rows, insert_rows
from branches.models import Organization

from .. import indicators as registry
from ..models import (
    AssessmentResult,
    AssessmentRun,
    DemocraticVote,
    Grade,
    Indicator,
    MeasureResult,
    QuotaTieDecision,
    RunChunk,
    ScoreCard,
    ScoreEntry,
)
from ..scoring import (
    ZERO,
    Scored,
    auto_codes,
    grade_and_rank,
    missing_manual_scores,
    score,
)

logger = logging.getLogger(__name__)

ROWS_PER_INSERT = 5000  # rows per INSERT; Django lowers it where a backend needs to
Kind = Indicator.Kind
RESULT_FIELDS = (
    "run",
    "organization",
    "total",
    "grade",
    "rank",
    "vetoed",
    "capped_by_quota",
    "quota_tie",
    "parts",
)
MEASURE_FIELDS = (
    "run",
    "chunk",
    "organization",
    "code",
    "numerator",
    "denominator",
    "inputs",
    "note",
)


# --- Chunks -------------------------------------------------------------------------------------


def split(ids: list[int], size: int) -> list[list[int]]:
    """`ids` in order, cut into as few chunks of at most `size` as possible, of even sizes
    (2,010 by 1,000 → 670 × 3), so parallel workers finish together."""
    ids = sorted(ids)
    count = max(-(-len(ids) // max(size, 1)), 1)
    bounds = [len(ids) * n // count for n in range(count + 1)]
    return [ids[bounds[n] : bounds[n + 1]] for n in range(count) if bounds[n] < bounds[n + 1]]


def compute_chunk(run_id: int, number: int) -> bool:
    """Measure a chunk's organisations with every auto indicator of the run's sheet and
    replace the chunk's stored measures in one transaction. Returns True when this was the
    last chunk to finish (the caller then enqueues the finaliser)."""
    run = AssessmentRun.objects.select_related("scope").get(pk=run_id)
    chunk = RunChunk.objects.get(run=run, number=number)
    if run.status == AssessmentRun.Status.DONE:
        return False
    organizations = list(Organization.objects.filter(pk__in=chunk.organization_ids).order_by("pk"))
    org_ids = [org.pk for org in organizations]
    nothing = registry.Measure(0, 0)
    rows, inputs = [], {}
    # The rule rows the run recorded, not today's: chunks computed later (a resumed run)
    # and re-runs of a closed year judge by the same rules. Runs from before rules were
    # recorded have none and read today's.
    with rules.pinned(run.rule_versions or None), registry.sharing():
        for code in auto_codes(run.snapshot):
            RunChunk.objects.filter(pk=chunk.pk).update(heartbeat_at=timezone.now())
            try:
                indicator = registry.get(code)
            except KeyError:
                continue  # an indicator no longer registered scores nothing (shown on the card)
            measures = indicator.compute(run.year, organizations)
            total = 0
            for pk in org_ids:
                measure = measures.get(pk) or nothing
                total += measure.inputs
                rows.append(
                    (
                        run_id,
                        number,
                        pk,
                        code,
                        Decimal(measure.numerator),
                        measure.denominator,
                        measure.inputs,
                        measure.note[:300],
                    )
                )
            inputs[code] = total
    with transaction.atomic():
        # The run row is the join point: chunks finishing at the same time take turns here,
        # so exactly one of them sees the last chunk done.
        locked = AssessmentRun.objects.select_for_update().get(pk=run_id)
        if locked.status == AssessmentRun.Status.DONE:
            return False  # a done run's measures stay as its results were totalled from
        caching.changed(caching.ASSESSMENTS)  # the run's status and progress
        MeasureResult.objects.filter(run_id=run_id, chunk=number).delete()
        # One COPY per chunk: plain tuples, no model instance per row.
        insert_rows(MeasureResult, MEASURE_FIELDS, rows)
        updated = RunChunk.objects.filter(pk=chunk.pk, is_done=False).update(
            is_done=True, inputs=inputs, finished_at=timezone.now()
        )
        now = timezone.now()
        if updated:
            AssessmentRun.objects.filter(pk=run_id).update(
                chunks_done=F("chunks_done") + 1,
                # A run another chunk, the sweeper or a new run marked failed stays failed
                # until a person resumes it.
                status=AssessmentRun.Status.RUNNING if locked.is_active else locked.status,
                started_at=locked.started_at or now,
                heartbeat_at=now,
            )
        remaining = RunChunk.objects.filter(run_id=run_id, is_done=False).exists()
    # A failed (or replaced) run keeps the chunk it finished, for a resume to skip, but is
    # never finalised from here: only a resume (queued again) leads to its finaliser.
    return locked.is_active and not remaining


# --- Finaliser ----------------------------------------------------------------------------------


def run_organization_ids(run: AssessmentRun) -> list[int]:
    return [pk for chunk in run.chunks.all() for pk in chunk.organization_ids]


class StoredMeasure(NamedTuple):
    """What scoring reads of a MeasureResult (the finaliser reads thousands of them)."""

    numerator: Decimal
    denominator: Decimal | None


def inputs_for(
    run: AssessmentRun, organization_ids, light: bool = False
) -> tuple[dict, dict, dict]:
    """Measures, entries and votes of the run's organisations: three queries. With `light`
    (the finaliser: `organization_ids` are all the run's) the measures are StoredMeasure
    tuples (enough for `score`) instead of model rows."""
    measures: dict[int, dict] = defaultdict(dict)
    stored = MeasureResult.objects.filter(run=run)
    if light:
        # The finaliser reads the whole run: no id list to send.
        for pk, code, numerator, denominator in stored.values_list(
            "organization_id", "code", "numerator", "denominator"
        ):
            measures[pk][code] = StoredMeasure(numerator, denominator)
    else:
        for m in stored.filter(organization_id__in=organization_ids):
            measures[m.organization_id][m.code] = m
    indicator_ids = [i["id"] for i in run.snapshot["indicators"]]
    entries: dict[int, dict] = defaultdict(dict)
    for e in ScoreEntry.objects.filter(
        indicator_id__in=indicator_ids, organization_id__in=organization_ids
    ).select_related("entered_by"):
        entries[e.organization_id][e.indicator_id] = e
    votes = {
        v.organization_id: v
        for v in DemocraticVote.objects.filter(year=run.year, organization_id__in=organization_ids)
    }
    return measures, entries, votes


def finalise(run_id: int) -> AssessmentRun | None:
    """Total, grade and rank every organisation of a run whose chunks are all done, record
    the difference to the previous done run, and mark it done. Safe to call again: it
    rewrites the run's results from the same inputs."""
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().get(pk=run_id)
        # A failed or replaced run stays failed: its late finaliser message does nothing
        # (resuming queues it again). A done run may be re-totalled (a manual score, a quota
        # tie decision: `scores._rescore`); that is the only way back into here for it.
        if run.status == AssessmentRun.Status.FAILED:
            return None
        if run.chunks.filter(is_done=False).exists():
            return None
        caching.changed(caching.ASSESSMENTS)
        ids = run_organization_ids(run)
        organizations = {
            pk: (path, name)
            for pk, path, name in Organization.objects.filter(pk__in=ids).values_list(
                "pk", "path", "name"
            )
        }
        measures, entries, votes = inputs_for(run, ids, light=True)
        rows = []
        for pk in ids:
            total, vetoed, lines = score(
                run.snapshot, measures.get(pk, {}), entries.get(pk, {}), votes.get(pk)
            )
            parts = {}
            stack = list(lines)
            while stack:
                line = stack.pop()
                parts[str(line.indicator["id"])] = str(line.points)
                stack.extend(line.children)
            rows.append(Scored(pk, organizations.get(pk, ("", ""))[0], total, vetoed, parts))
        decision = QuotaTieDecision.objects.filter(run=run).order_by("-decided_at", "-pk").first()
        grade_and_rank(run.snapshot, rows, decision)
        run.missing_scores = missing_manual_scores(run.snapshot, ids, entries)
        # Plain rows, no instances: a rerun replaces the run's results (nothing points at
        # them; the caching.changed above invalidates what they feed).
        delete_rows(AssessmentResult.objects.filter(run=run))
        insert_rows(
            AssessmentResult,
            RESULT_FIELDS,
            (
                (
                    run.pk,
                    r.organization_id,
                    r.total,
                    r.grade,
                    r.rank,
                    r.vetoed,
                    r.capped,
                    r.tied,
                    r.parts,
                )
                for r in rows
            ),
        )
        with_card = set(
            ScoreCard.objects.filter(year=run.year, target=run.target).values_list(
                "organization_id", flat=True
            )
        )
        ScoreCard.objects.bulk_create(
            [
                ScoreCard(organization_id=pk, year=run.year, target=run.target)
                for pk in ids
                if pk not in with_card
            ],
            ignore_conflicts=True,
            batch_size=ROWS_PER_INSERT,
        )
        inputs: dict[str, int] = defaultdict(int)
        for chunk_inputs in run.chunks.values_list("inputs", flat=True):
            for code, n in chunk_inputs.items():
                inputs[code] += n
        previous = previous_run(run)
        run.previous = previous
        names = {pk: name for pk, (_, name) in organizations.items()}
        run.diff = difference(previous, rows, names=names) if previous else []
        run.rule_changes, run.measure_changes = explain(previous, run, measures)
        run.inputs = dict(inputs)
        run.status = AssessmentRun.Status.DONE
        run.error = ""
        now = timezone.now()
        run.finished_at = run.finished_at or now
        run.heartbeat_at = now
        run.save()
    logger.info("assessment run %s finalised: %s organisations", run.pk, len(rows))
    return run


def previous_run(run: AssessmentRun) -> AssessmentRun | None:
    return (
        AssessmentRun.objects.done()
        .filter(year=run.year, scope=run.scope_id, scheme__target=run.scheme.target)
        .filter(pk__lt=run.pk)
        .order_by("-pk")
        .first()
    )


def difference(
    previous: AssessmentRun, rows: list[Scored], names: dict | None = None
) -> list[dict]:
    """Organisations whose total or grade changed since `previous` (new ones included);
    `names` (organisation id → name) saves reading them again."""
    before = {
        pk: (total, grade)
        for pk, total, grade in AssessmentResult.objects.filter(run=previous).values_list(
            "organization_id", "total", "grade"
        )
    }
    if names is None:
        names = dict(
            Organization.objects.filter(pk__in=[r.organization_id for r in rows]).values_list(
                "pk", "name"
            )
        )
    grades = dict(Grade.choices)
    changed = []
    for row in sorted(rows, key=lambda r: r.path):
        old = before.get(row.organization_id)
        if old is not None and old[0] == row.total and old[1] == row.grade:
            continue
        changed.append(
            {
                "organization": row.organization_id,
                "name": names.get(row.organization_id, ""),
                "total_before": None if old is None else str(old[0]),
                "total_after": str(row.total),
                "grade_before": None if old is None else str(grades[old[1]]),
                "grade_after": str(grades[row.grade]),
            }
        )
    return changed


def explain(previous: AssessmentRun | None, run: AssessmentRun, measures: dict):
    """Why the numbers moved since `previous`: the rule rows that differ between the two
    runs' recorded versions, and per auto indicator how many organisations' measures changed
    with the totals before and after. `measures` are the run's (organisation → code →
    measure), as the finaliser read them; the previous run's are read in one query."""
    if previous is None:
        return [], []
    names = dict(registry.choices())
    rule_changes = rules.differences(
        previous.rule_versions, run.rule_versions, indicator_names=names
    )
    before: dict[int, dict] = defaultdict(dict)
    for pk, code, numerator, denominator in MeasureResult.objects.filter(run=previous).values_list(
        "organization_id", "code", "numerator", "denominator"
    ):
        before[pk][code] = (numerator, denominator)
    tallies: dict[str, list] = {}
    for pk in set(before) | set(measures):
        old, new = before.get(pk, {}), measures.get(pk, {})
        for code in set(old) | set(new):
            was = old.get(code)
            now = tuple(new[code]) if code in new else None
            tally = tallies.setdefault(code, [0, ZERO, ZERO, ZERO, ZERO])
            if was is not None:
                tally[1] += was[0]
                tally[2] += was[1] or 0
            if now is not None:
                tally[3] += now[0]
                tally[4] += now[1] or 0
            if was != now:
                tally[0] += 1
    measure_changes = [
        {
            "code": code,
            "name": names.get(code, code),
            "organizations": changed,
            "before": f"{_plain(n0)}/{_plain(d0)}",
            "after": f"{_plain(n1)}/{_plain(d1)}",
        }
        for code, (changed, n0, d0, n1, d1) in sorted(tallies.items())
        if changed
    ]
    return rule_changes, measure_changes


def _plain(value) -> str:
    return f"{Decimal(value).normalize():f}"
