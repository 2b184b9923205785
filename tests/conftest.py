"""Personas and a small two-subtree league shared by every test.

root 机关工委 ─┬─ committee_a 党委 ─┬─ branch_a 党支部        (our side)
              │                    └─ branch_a2 党支部
              └─ committee_b 党委 ─── branch_b 党支部        (the outsider's side)
"""

import pytest
from django.core.cache import cache
from django.test import override_settings

from alxa_dangjian.accounts.models import User
from branches.models import Organization
from tests.demo_league import (
    TEST_PASSWORD_HASHERS,
    DemoLeague,
    empty_database,
    write_reference_rows,
)
from tests.factories import OrganizationFactory, UserFactory

Type = Organization.Type
Role = User.Role


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests of the seeded demo league run on one xdist worker (`--dist loadgroup`), so the
    demo is seeded once per run, not once per worker."""
    for item in items:
        if "demo_league" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_league"))
            if getattr(config.option, "loadgroup", False):  # an xdist worker, --dist loadgroup
                _group_node_id(item, "demo_league")


def _group_node_id(item, group):
    """The scheduler reads a test's group from its node id (`…::test@group`), which
    pytest-xdist 3.8 writes to an attribute pytest 9.2 no longer reads (pytest-xdist#1386):
    write it where this pytest reads it. (If xdist also does, `@g@g` still means group g.)"""
    node_id = f"{item.nodeid}@{group}"
    if hasattr(item, "_id"):  # pytest ≥ 9.2: structured node ids
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(node_id)
    else:
        item._nodeid = node_id


@pytest.fixture(scope="session", autouse=True)
def worker_media_root(tmp_path_factory):
    """Uploads and exports of this test process go to a directory of its own, never to the
    checkout's media/ nor to another xdist worker's files."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """A test database kept by `--reuse-db` starts empty even when the run that kept it was
    interrupted while the demo league was loaded in it.

    `make test` builds the schema from the models (`--no-migrations`): replaying the ~85
    migrations costs each xdist worker half a minute of CPU. `makemigrations --check` keeps
    models and migrations equal, .ci/run's PostgreSQL suite applies the migrations, and what
    the data migrations would have written is written here by their own functions."""
    with django_db_blocker.unblock():
        if Organization.objects.exists():
            empty_database()
        elif request.config.getoption("nomigrations", False):
            write_reference_rows()


@pytest.fixture(scope="session")
def _demo_league_store(django_db_setup, django_db_blocker):
    store = DemoLeague(django_db_blocker)
    DemoLeague.current = store
    try:
        yield store
    finally:
        DemoLeague.current = None
        store.close()


@pytest.fixture(scope="module")
def demo_league(_demo_league_store):
    """The demo league of `manage.py seed_demo`, committed in the test database for the tests
    that ask for it (each test still runs in its own rolled-back transaction). It is seeded once
    per test process and copied in and out (tests/demo_league.py); every other test finds the
    empty database the migrations left, even one of the same module (pytest_runtest_setup)."""
    _demo_league_store.load()
    try:
        yield
    finally:
        _demo_league_store.unload()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before the test's fixtures (and its transaction): the demo league in the database if and
    # only if the test asks for it, whatever ran before it on this worker.
    if DemoLeague.current is not None:
        if "demo_league" in getattr(item, "fixturenames", ()):
            DemoLeague.current.load()
        else:
            DemoLeague.current.unload()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for the test suite.
    settings.PASSWORD_HASHERS = TEST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def empty_cache():
    # Primary keys repeat between tests (rolled back), so cached results keyed by
    # organisation path must not outlive the test that made them.
    cache.clear()


@pytest.fixture
def root(db):
    return OrganizationFactory(name="测试机关工委", type=Type.WORK_COMMITTEE, parent=None)


@pytest.fixture
def committee_a(root):
    return OrganizationFactory(name="甲局党委", type=Type.COMMITTEE, parent=root)


@pytest.fixture
def branch_a(committee_a):
    return OrganizationFactory(name="甲局第一党支部", parent=committee_a)


@pytest.fixture
def branch_a2(committee_a):
    return OrganizationFactory(name="甲局第二党支部", parent=committee_a)


@pytest.fixture
def committee_b(root):
    return OrganizationFactory(
        name="乙局党委",
        type=Type.COMMITTEE,
        parent=root,
        category=Organization.Category.STATE_OWNED,
    )


@pytest.fixture
def branch_b(committee_b):
    return OrganizationFactory(
        name="乙局机密党支部", parent=committee_b, category=Organization.Category.STATE_OWNED
    )


@pytest.fixture
def secretary(branch_a):
    return UserFactory(username="secretary", role=Role.SECRETARY, organization=branch_a)


@pytest.fixture
def committee_admin(committee_a, branch_a, branch_a2):
    return UserFactory(username="committee", role=Role.COMMITTEE_ADMIN, organization=committee_a)


@pytest.fixture
def staff(root, branch_a, branch_b):
    return UserFactory(username="staff", role=Role.STAFF, organization=root)


@pytest.fixture
def system_admin(root, branch_a, branch_b):
    return UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN, organization=root)


@pytest.fixture
def outsider(branch_b, branch_a):
    """A secretary of another subtree: sees none of committee_a's data."""
    return UserFactory(username="outsider", role=Role.SECRETARY, organization=branch_b)


@pytest.fixture
def outsiders(committee_b, branch_b, branch_a):
    """One user of every role placed in the other subtree (committee_b)."""
    return [
        UserFactory(username="out-sysadmin", role=Role.SYSTEM_ADMIN, organization=committee_b),
        UserFactory(username="out-committee", role=Role.COMMITTEE_ADMIN, organization=committee_b),
        UserFactory(username="out-secretary", role=Role.SECRETARY, organization=branch_b),
    ]
