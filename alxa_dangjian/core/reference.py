"""Reference rows (rules, kinds, types) are seeded by data migrations. A database emptied by
`manage.py flush` — or by a transactional test — keeps its schema but loses them, so
seed_demo re-runs the same idempotent seed functions before loading the demo league."""

import importlib

from django.apps import apps

REFERENCE_MIGRATIONS = [
    "branches.migrations.0003_seed_rules",
    "branches.migrations.0006_ratings_seed_standards",
    "branches.migrations.0010_term_rules_2022_constitution",
    "activities.migrations.0002_seed_kinds_and_rules",
    "activities.migrations.0004_seed_service_ledger_types",
    "activities.migrations.0007_pioneer_group_ledger_type",
    "activities.migrations.0010_activity_belongs_to_previous_year",
    "dues.migrations.0002_seed_rates",
    "training.migrations.0002_seed_scheme_and_rules",
    "assessments.migrations.0001_lists",
]


def ensure_reference_data() -> None:
    for module in REFERENCE_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)
