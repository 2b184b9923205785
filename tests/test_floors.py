"""The floors (issue #19): the import contract in pyproject.toml covers every app of ours, and
`lint-imports` (run by `make lint`) keeps it."""

import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]


def _layered_modules(contract) -> set[str]:
    modules = set()
    for layer in contract["layers"]:
        for part in layer.replace(":", "|").split("|"):
            modules.add(part.strip())
    return modules


def test_every_app_of_ours_stands_on_a_floor():
    (contract,) = _contract()["contracts"]
    layered = _layered_modules(contract)
    ours = [
        app
        for app in settings.INSTALLED_APPS
        if (ROOT / app.replace(".", "/")).is_dir() and not app.startswith("django")
    ]
    assert ours, "no local app found in INSTALLED_APPS"
    assert sorted(set(ours) - layered) == []
    assert set(_contract()["root_packages"]) >= {app.split(".")[0] for app in ours}


def test_the_portal_is_the_top_floor_and_the_core_the_ground():
    (contract,) = _contract()["contracts"]
    assert contract["type"] == "layers"
    assert contract["layers"][0] == "portal"
    assert contract["layers"][-1] == "alxa_dangjian.core"


def test_the_contract_is_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
