"""Every HTML page sends a strict Content-Security-Policy (django-csp, settings.py): scripts
from our own origin only, so a name that slipped past escaping cannot run. The templates
keep to it: no inline <script>, no on…= handler attributes."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from tests.test_url_walk import WITH_ARGS, WITHOUT_ARGS, foreign  # noqa: F401 (fixture)


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_strict(response, where):
    policy = policy_of(response)
    assert policy.get("script-src") == ["'self'"], (where, policy)
    assert policy.get("default-src") == ["'self'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where


def is_html(response) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")


def test_every_html_page_sends_the_policy(client, system_admin, foreign):  # noqa: F811
    client.force_login(system_admin)
    urls = [reverse(name) for name in WITHOUT_ARGS]
    urls += [
        reverse(name, kwargs={args[0]: foreign[name.split(":")[-1].split("-")[0]].pk})
        for name, args in WITH_ARGS
    ]
    pages = 0
    for url in urls:
        response = client.get(url)
        if is_html(response):
            assert_strict(response, url)
            pages += 1
    assert pages > 50  # the walk reached the portal's pages, not only redirects


def test_login_error_and_admin_pages_send_the_policy(client, django_user_model):
    assert_strict(client.get(reverse("accounts:login")), "login")
    assert_strict(client.get("/no-such-page/"), "404")
    admin = django_user_model.objects.create_superuser("root-admin", password="x-Alxa@2026")
    client.force_login(admin)
    assert_strict(client.get("/django-admin/"), "admin")


TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)


def test_templates_hold_no_inline_script():
    offending = [
        path.relative_to(TEMPLATES)
        for path in TEMPLATES.rglob("*.html")
        if INLINE_SCRIPT.search(text := path.read_text(encoding="utf-8")) or HANDLER.search(text)
    ]
    # json_script writes <script type="application/json"> from a filter, not in a template.
    assert offending == []
