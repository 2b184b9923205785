"""Every writer says what it changed: each service function that owns a transaction, and each
import's write, calls `caching.changed(...)` — unless it writes nothing a cached page shows
(listed below, with the reason). A new writer fails here until it says which it is."""

import ast
import importlib
import inspect
import textwrap

import pytest

from alxa_dangjian.ledgers.imports import registry
from alxa_dangjian.ledgers.imports.registry import get_importer

SERVICE_MODULES = [
    "activities.services.explanations",
    "activities.services.joint",
    "activities.services.records",
    "activities.services.service_ledgers",
    "alxa_dangjian.core.rules",
    "annual_stats.services",
    "assessments.services.lists",
    "assessments.services.results",
    "assessments.services.review",
    "assessments.services.runs",
    "assessments.services.schemes",
    "assessments.services.scores",
    "branches.services.development",
    "branches.services.members",
    "branches.services.organizations",
    "branches.services.probation",
    "branches.services.rating_titles",
    "branches.services.ratings",
    "branches.services.supervision",
    "branches.services.transfer_requests",
    "dues.services.assessments",
    "dues.services.funds",
    "dues.services.payments",
    "training.services.classes",
    "training.services.orders",
    "training.services.schemes",
]

# Writers whose rows no cached figure, list count or profile section reads.
CHANGE_NOTHING_CACHED = {
    # Files attached as evidence: shown on their record's own (uncached) page.
    "activities.services.records.add_attachments",
    "activities.services.records.remove_attachment",
    "activities.services.service_ledgers.add_evidence",
    "activities.services.service_ledgers.remove_evidence",
    "assessments.services.lists.remove_evidence",
    "branches.services.ratings.add_evidence",
    "branches.services.ratings.remove_evidence",
    # A log of who saw an ID number.
    "branches.services.members.reveal_id_number",
    # Supervision notes: shown on the supervision pages only.
    "branches.services.supervision.save_note",
    # Course orders (点单): shown on the order pages only; a class made from one says so.
    "training.services.orders.order_course",
    "training.services.orders.accept_order",
    "training.services.orders.reschedule_order",
    "training.services.orders.decline_order",
    "training.services.orders.assign_course",
    # A frozen 党内统计年报 version: read by the statistics pages only, never cached.
    "annual_stats.services.freeze_report",
}


def importers():
    get_importer("members")  # discovers every app's importers
    found = sorted(registry._importers.items())
    assert len(found) >= 6
    return found


def _is_atomic(decorator) -> bool:
    return ast.unparse(decorator) in ("transaction.atomic", "transaction.atomic()")


def _calls_changed(node) -> bool:
    return any(
        isinstance(call, ast.Call) and ast.unparse(call.func) == "caching.changed"
        for call in ast.walk(node)
    )


def writers():
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(map(_is_atomic, node.decorator_list)):
                yield f"{name}.{node.name}", node


WRITERS = dict(writers())


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_service_writer_says_what_it_changed(name):
    if name in CHANGE_NOTHING_CACHED:
        assert not _calls_changed(WRITERS[name]), f"{name} now invalidates: unlist it"
    else:
        assert _calls_changed(WRITERS[name]), f"{name} writes without caching.changed(...)"


def test_the_list_of_writers_that_change_nothing_cached_is_current():
    assert {name for name, _ in writers()} >= CHANGE_NOTHING_CACHED


@pytest.mark.parametrize("code", [code for code, _ in importers()])
def test_each_import_says_what_it_changed(code):
    write = type(get_importer(code)).write
    assert _calls_changed(ast.parse(textwrap.dedent(inspect.getsource(write)))), code


def test_the_year_end_run_says_what_it_changed():
    from assessments.services import results, runs

    for function in (results.compute_chunk, results.finalise, runs.fail_run):
        assert _calls_changed(ast.parse(inspect.getsource(function))), function.__name__
