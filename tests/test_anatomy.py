"""The same anatomy in every app (issue #19): writes in `services`, forms in `forms`, Excel
ledgers in `ledgers`, the demo in `demo`, pages in `views` — each a package, or one module
while the app is small; no module past the size a reader can hold. A newcomer finds any rule
in one guess."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FEATURE_APPS = ["branches", "activities", "training", "dues", "assessments", "annual_stats"]
REQUIRED = ["services", "views", "models"]
PLACES = [*REQUIRED, "forms", "ledgers", "imports", "demo"]
# The one module allowed past the limit, with the reason; empty is the goal.
MAX_LINES = 500
# Names that say "a second forms/ledgers/demo module beside the package".
SCATTERED = re.compile(r"^(forms|ledgers|demo|services|imports)_\w+\.py$|^\w+_(forms|ledgers)\.py$")


def _modules():
    for top in [*FEATURE_APPS, "portal", "alxa_dangjian"]:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


@pytest.mark.parametrize("app", FEATURE_APPS)
def test_every_feature_app_has_the_same_places(app):
    def package(name):
        return (ROOT / app / name / "__init__.py").is_file()

    def module(name):
        return (ROOT / app / f"{name}.py").is_file()

    assert [name for name in REQUIRED if not (package(name) or module(name))] == []
    assert [name for name in PLACES if package(name) and module(name)] == []


def test_no_forms_ledgers_or_demo_module_stands_beside_its_package():
    scattered = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if path.parent.name in FEATURE_APPS and SCATTERED.match(path.name)
    ]
    assert scattered == []


def test_modules_stay_readable():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
