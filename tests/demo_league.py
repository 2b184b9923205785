"""The seeded demo league for the tests that read it, seeded once per test process.

Seeding takes most of a minute, so the demo is seeded into the test database once, then kept
as a copy: a module that uses the `demo_league` fixture (tests/conftest.py) gets the copy
loaded before its first test and the empty database (as the migrations left it) loaded back
after its last one.

- SQLite (the embedded default, in memory): copies are private in-memory databases, made and
  loaded with SQLite's online backup, a fraction of a second each.
- PostgreSQL: copies are databases made with `CREATE DATABASE … TEMPLATE`, and loading one
  recreates the test database from it (same name, so pytest-django still drops it at the end).
- Any other database: seeded again for each module and flushed after it.
"""

import io
import sqlite3

from django.core.management import call_command
from django.db import connection
from django.test import override_settings

# The hasher every test runs with (tests/conftest.py), which must also read the demo passwords.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed():
    with override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS):
        call_command("seed_demo", stdout=io.StringIO())


def empty_database():
    """Empty every table, then put back the reference rows the migrations create."""
    from alxa_dangjian.core.reference import ensure_reference_data

    call_command("flush", interactive=False, verbosity=0)
    ensure_reference_data()


def write_reference_rows():
    """What the data migrations write, written into a database built from the models (`pytest
    --no-migrations`, as `make test` runs): every data migration of the project's apps, in the
    order of the migration graph, against the models as the last migrations leave them (like
    the migrations, so simple_history's signals record nothing the migrations do not)."""
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    with override_settings(MIGRATION_MODULES={}):  # pytest-django disabled them
        loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR) and ".venv" not in config.path
    }
    plan = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan += [key for key in loader.graph.forwards_plan(leaf) if key not in plan]
    state_apps = loader.project_state().apps
    for app_label, name in plan:
        if app_label not in ours:
            continue
        for operation in loader.graph.nodes[(app_label, name)].operations:
            if isinstance(operation, RunPython):
                with connection.schema_editor() as schema_editor:
                    operation.code(state_apps, schema_editor)


class DemoLeague:
    current = None  # the store of this test process, once a test asked for the demo

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.vendor = connection.vendor
        self.empty = None  # the copy of the migrated database
        self.seeded = None  # the copy of the seeded demo
        self.loaded = False

    # SQLite: the copies are connections to private in-memory databases.
    def _sqlite_copy(self):
        connection.ensure_connection()
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy

    def _sqlite_load(self, copy):
        connection.ensure_connection()
        copy.backup(connection.connection)

    # PostgreSQL: the copies are databases next to the test database.
    def _pg_execute(self, *statements):
        connection.close()  # a database used as a template or dropped must have no session
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _pg_copy(self, suffix):
        name = connection.settings_dict["NAME"]
        copy = f"{name}_{suffix}"
        self._pg_execute(
            f'DROP DATABASE IF EXISTS "{copy}"', f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'
        )
        return copy

    def _pg_load(self, copy):
        name = connection.settings_dict["NAME"]
        self._pg_execute(
            f'DROP DATABASE "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{copy}"'
        )

    def _copy(self, suffix):
        if self.vendor == "sqlite":
            return self._sqlite_copy()
        if self.vendor == "postgresql":
            return self._pg_copy(suffix)
        return None

    def _load(self, copy):
        if self.vendor == "sqlite":
            self._sqlite_load(copy)
        elif self.vendor == "postgresql":
            self._pg_load(copy)

    def load(self):
        """Put the seeded demo in the test database (seeding it the first time)."""
        if self.loaded:
            return
        with self.blocker.unblock():
            if self.seeded is not None:
                self._load(self.seeded)
            else:
                if self.empty is None:
                    self.empty = self._copy("empty")
                try:
                    seed()
                except BaseException:  # a seeding that failed half-way leaves no rows behind
                    self._restore_empty()
                    raise
                self.seeded = self._copy("demo")
            self.loaded = True

    def unload(self):
        """Put back the empty database the migrations left."""
        if self.loaded:
            with self.blocker.unblock():
                self._restore_empty()
            self.loaded = False

    def _restore_empty(self):
        if self.empty is not None:
            self._load(self.empty)
        else:
            empty_database()

    def close(self):
        with self.blocker.unblock():
            if self.vendor == "sqlite":
                for copy in (self.empty, self.seeded):
                    if copy is not None:
                        copy.close()
            elif self.vendor == "postgresql":
                for copy in (self.empty, self.seeded):
                    if copy is not None:
                        self._pg_execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        self.empty = self.seeded = None
