"""Intranet deployments have no internet: nothing may be loaded from an external URL."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[1]
# Anything that would make a browser fetch from outside: src/href attributes, CSS url()
# and @import. (An SVG namespace like xmlns='http://www.w3.org/2000/svg' fetches nothing.)
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""",
    re.I,
)


def scanned_files():
    for folder in [ROOT / "templates", ROOT / "static", *ROOT.glob("*/templates")]:
        for path in folder.rglob("*"):
            if path.suffix in {".html", ".css", ".js"} and path.is_file():
                yield path


def test_no_template_or_static_file_loads_an_external_url():
    files = list(scanned_files())
    assert any(p.name == "base.html" for p in files)
    offenders = [
        str(p.relative_to(ROOT))
        for p in files
        if p.suffix != ".js" and EXTERNAL.search(p.read_text(errors="ignore"))
    ]
    assert offenders == []


def test_the_pattern_catches_a_cdn_link():
    assert EXTERNAL.search('<link rel="stylesheet" href="https://cdn.example.com/x.css">')
    assert EXTERNAL.search("<script src='//cdn.example.com/x.js'></script>")
    assert EXTERNAL.search("body{background:url(https://x.example/y.png)}")
    assert not EXTERNAL.search("url(\"data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'")


def test_vendor_assets_are_local_with_their_licences():
    for asset in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
        "vendor/echarts/echarts.min.js",
    ):
        found = finders.find(asset)
        assert found, asset
        assert (
            Path(found).parents[1 if "/css/" in asset or "/js/" in asset else 0] / "LICENSE"
        ).exists(), asset
