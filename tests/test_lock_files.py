"""The lock files pin every dependency pyproject.toml declares, at a version it allows."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match[1])] = match[2]
    return found


def declared(*, extras: tuple[str, ...] = ()) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    for extra in extras:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(
    ("lock_name", "extras"), [("base.lock", ()), ("dev.lock", ("dev",))], ids=["base", "dev"]
)
def test_lock_pins_every_declared_dependency_within_its_range(lock_name, extras):
    lock = ROOT / "requirements" / lock_name
    pinned = pins(lock)
    problems = []
    for requirement in declared(extras=extras):
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} missing")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} outside {requirement.specifier}")
    assert not problems, f"{lock_name} out of date — run `make lock`: {problems}"


def test_every_pin_carries_a_hash():
    for lock_name in ("base.lock", "dev.lock"):
        text = (ROOT / "requirements" / lock_name).read_text(encoding="utf-8")
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        unhashed = [b.split()[0] for b in blocks if PIN.match(b) and "--hash=sha256:" not in b]
        assert not unhashed, f"{lock_name}: {unhashed}"


def test_dev_lock_pins_the_same_versions_as_the_base_lock():
    base, dev = pins(ROOT / "requirements" / "base.lock"), pins(ROOT / "requirements" / "dev.lock")
    assert base, "base.lock holds no pins"
    assert {name: dev.get(name) for name in base} == base


def test_make_and_the_image_install_from_the_lock_files_with_hashes():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "LOCK := requirements/dev.lock" in makefile
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --require-hashes -r requirements/base.lock" in dockerfile
    assert not re.search(r"pip install[^\n]*\s\.(\[|\s|$)", dockerfile + makefile), (
        "an install from pyproject.toml bypasses the lock"
    )
