"""The access rule is spelled once: only the scoping module and the organisation tree know the
path format or where the work committee sits. Every other module asks `scoping`
(`contains`, `is_work_committee`, `within`, `subtree_q`, `in_subtree`, `is_root`, `root_q`).
"""

import os
import re
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]

# The two modules allowed to know the path format and the root.
ALLOWED = {
    Path("alxa_dangjian/accounts/scoping.py"),
    Path("branches/models/organizations.py"),
}
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "tests", "migrations", "__pycache__"}

FORBIDDEN = {
    "a subtree filter on the path (use scoping.within / scoping.subtree_q)": re.compile(
        r"path__startswith"
    ),
    "a path compared by prefix (use scoping.in_subtree / scoping.contains)": re.compile(
        r"path\w*\)?\.startswith\(|\.startswith\([^)]*path"
    ),
    "a root check on the parent (use scoping.is_root / scoping.root_q)": re.compile(
        r"parent__isnull|parent_id is (not )?None"
    ),
    "an own scope or work-committee predicate (use scoping.contains / is_work_committee)": (
        re.compile(r"def \w*in_scope\b|def \w*is_work_committee\b")
    ),
}


def source_files():
    for folder, dirs, files in os.walk(BASE):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            relative = (Path(folder) / name).relative_to(BASE)
            if name.endswith(".py") and relative not in ALLOWED:
                yield relative, (BASE / relative).read_text(encoding="utf-8")


def offences(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for reason, pattern in FORBIDDEN.items():
            if pattern.search(line):
                found.append(f"{number}: {reason}: {line.strip()}")
    return found


def test_no_module_outside_scoping_and_the_tree_knows_the_path_format_or_the_root():
    found = [
        f"{relative}:{offence}" for relative, text in source_files() for offence in offences(text)
    ]
    assert found == []


def test_the_scan_covers_the_feature_apps():
    scanned = {relative.parts[0] for relative, _ in source_files()}
    assert {"activities", "assessments", "branches", "dues", "training", "alxa_dangjian"} <= scanned
    assert Path("portal/cockpit/providers_life.py") in {r for r, _ in source_files()}


def test_each_copy_the_scan_forbids_is_recognised():
    copies = [
        "cases = cases.filter(organization__path__startswith=selected.path)",
        "return path is not None and organization.path.startswith(path)",
        "organization.path.startswith(own) or own.startswith(organization.path)",
        "if any(path.startswith(p) for p in grassroots_paths)",
        "root = Organization.objects.filter(parent__isnull=True).first()",
        "branches = branches.filter(parent__parent__isnull=True)",
        "return user.may(roles.PUBLISH) and organization.parent_id is None",
        "if user.organization.parent_id is not None:",
        "def _in_scope(user, organization):",
        "def in_scope(user, organization):",
        "def is_work_committee(user):",
    ]
    for copy in copies:
        assert offences(copy), copy
    allowed = [
        "if scoping.contains(user, organization):",
        "cases = scoping.within(cases, selected)",
        "if not key.startswith(ATTENDANCE_PREFIX):",
        'if head.startswith(b"%PDF-"):',
    ]
    assert [line for line in allowed if offences(line)] == []
