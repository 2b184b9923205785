"""Walks every URL pattern of the portal and proves the access rule holds for each one.

A pattern that addresses an object must say which kind of object its URL name is about
(`<model>-<action>`); `FOREIGN_OBJECTS` maps that model to an object in the *other*
subtree. A new URL whose model is not listed here fails the walk until it is added.

Apps added later contribute their part from a module of `tests/walk_objects/` (see its
docstring), so the walk grows without every app editing this file.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from activities.models import (
    Attachment,
    Exemption,
    FrequencyRule,
    ServiceEvidence,
    ServiceLedgerType,
    ServiceRecord,
)
from alxa_dangjian.core.models import Notification
from alxa_dangjian.ledgers.models import ExportJob, ImportBatch
from branches.models import CommitteeSeat, PartyGroup, ServedUnit
from tests import walk_objects
from tests.factories import (
    ActivityFactory,
    CommitteeSeatFactory,
    DevelopmentCaseFactory,
    MemberFactory,
    TermFactory,
    UserFactory,
)

# Patterns reachable without logging in.
PUBLIC = {"accounts:login", "core:healthz"}
# Django's own admin: only for superusers (is_staff), tested separately below.
SKIPPED_NAMESPACES = {"admin"}
MODELS_WITH_URLS = {"organization", "user", "developmentcase", "exportjob"}
MODELS_WITH_URLS |= {"member", "term", "committeeseat", "partygroup", "servedunit"}
MODELS_WITH_URLS |= {"servicerecord", "serviceevidence"}
MODELS_WITH_URLS |= {"activity", "attachment"}
MODELS_WITH_URLS |= {"compliance", "notification"}  # compliance-detail is about a branch
MODELS_WITH_URLS |= {"importbatch", "exemption"}
# League-wide reference rows: in no subtree, set only by the work committee (tested below).
REFERENCE_MODELS = {"frequencyrule", "termlengthrule"}
# Patterns addressed by a slug, not an object id, with a valid slug for each (walked below).
SLUG_VALUES = {"ledgers:ledger-export": "member-roster"}
SLUG_VALUES |= {"ledgers:importbatch-create": "members", "ledgers:importbatch-template": "members"}
# Slug pages that name no organisation: every role that may use them gets its own page.
SLUG_WITHOUT_SCOPE = {"ledgers:importbatch-create", "ledgers:importbatch-template"}
for _part in walk_objects.parts():
    MODELS_WITH_URLS |= getattr(_part, "MODELS", set())
    REFERENCE_MODELS |= set(getattr(_part, "REFERENCE", {}))
    SLUG_VALUES |= getattr(_part, "SLUG_VALUES", {})
    SLUG_WITHOUT_SCOPE |= getattr(_part, "SLUG_WITHOUT_SCOPE", set())


def walk(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", list(entry.pattern.converters)


def model_of(name: str) -> str:
    return name.split(":")[-1].split("-")[0]


ALL_PATTERNS = sorted(walk())
WITH_ARGS = [
    (name, args)
    for name, args in ALL_PATTERNS
    if args and name not in SLUG_VALUES and model_of(name) not in REFERENCE_MODELS
]
REFERENCE_ARGS = [(n, a) for n, a in ALL_PATTERNS if a and model_of(n) in REFERENCE_MODELS]
WITHOUT_ARGS = [name for name, args in ALL_PATTERNS if not args]


@pytest.fixture
def foreign(root, committee_a, branch_a, secretary):
    """Objects of committee_a's subtree, which the outsiders must never reach."""
    member = MemberFactory(organization=branch_a, name="甲局党员")
    objects = {
        "organization": branch_a,
        "member": member,
        "term": TermFactory(organization=branch_a),
        "committeeseat": CommitteeSeatFactory(
            organization=branch_a, member=member, post=CommitteeSeat.Post.SECRETARY
        ),
        "partygroup": PartyGroup.objects.create(
            organization=branch_a, name="甲局第一党小组", leader=member
        ),
        "servedunit": ServedUnit.objects.create(organization=branch_a, name="甲局办公室"),
        "servicerecord": (
            service := ServiceRecord.objects.create(
                type=ServiceLedgerType.objects.get(code="serve-the-people"),
                organization=branch_a,
                title="甲局为群众修路",
                started_on="2026-03-01",
                created_by=secretary,
            )
        ),
        "serviceevidence": ServiceEvidence.objects.create(
            record=service,
            file="service-ledgers/2026/walk",
            original_name="甲局修路照片.jpg",
            content_type="image/jpeg",
            size=1,
            sha256="0" * 64,
            kind="photo",
            uploaded_by=secretary,
        ),
        "compliance": branch_a,
        "notification": Notification.objects.create(
            user=secretary,
            title="甲局第一党支部本月还需开展主题党日",
            item_key="walk",
            day="2026-03-01",
        ),
        "activity": (
            activity := ActivityFactory(
                organization=branch_a, theme="甲局主题党日", created_by=secretary
            )
        ),
        "attachment": Attachment.objects.create(
            activity=activity,
            file="activities/2026/walk",
            original_name="甲局活动照片.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
            kind="photo",
            uploaded_by=secretary,
        ),
        "user": secretary,
        "exemption": Exemption.objects.create(
            organization=branch_a,
            rule=FrequencyRule.objects.get(kind__code="theme-day"),
            starts_on="2026-01-01",
            reason="甲局支部新成立",
            approved_by=secretary,
        ),
        "developmentcase": DevelopmentCaseFactory(organization=branch_a),
        "exportjob": ExportJob.objects.create(
            requested_by=secretary, organization=branch_a, ledger="member-roster", name="党员花名册"
        ),
        "importbatch": ImportBatch.objects.create(
            created_by=secretary,
            organization=branch_a,
            importer="members",
            original_name="甲局党员.xlsx",
        ),
    }
    for part in walk_objects.parts():
        if hasattr(part, "objects"):
            objects |= part.objects(
                root=root,
                committee_a=committee_a,
                branch_a=branch_a,
                secretary=secretary,
                member=member,
            )
    return objects


def test_every_pattern_names_a_known_model():
    for name, _ in WITH_ARGS:
        assert model_of(name) in MODELS_WITH_URLS, f"add {name} to the URL walk"
    assert len(ALL_PATTERNS) >= 10
    assert REFERENCE_ARGS


def reference_object(model: str):
    if model == "frequencyrule":
        return FrequencyRule.objects.get(kind__code="theme-day")
    if model == "termlengthrule":
        from branches.models import TermLengthRule

        return TermLengthRule.objects.filter(organization_type="branch").first()
    for part in walk_objects.parts():
        if model in getattr(part, "REFERENCE", {}):
            return part.REFERENCE[model]()
    raise AssertionError(f"no reference object for {model}")


@pytest.mark.parametrize(("name", "args"), REFERENCE_ARGS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_work_committee_changes_league_wide_rules(
    client, outsiders, committee_admin, secretary, staff, name, args, method
):
    """League-wide rows (rules, standards, schemes) sit in no subtree: anyone signed in may
    read what a page shows of them, only the work committee may change them."""
    obj = reference_object(model_of(name))
    model = type(obj)
    before = model.objects.values().get(pk=obj.pk)
    url = reverse(name, kwargs={args[0]: obj.pk})
    for user in [*outsiders, committee_admin, secretary]:
        client.force_login(user)
        response = getattr(client, method)(url, {"min_count": 9})
        if method == "post" or model_of(name) in ("frequencyrule", "termlengthrule"):
            assert response.status_code in (403, 405), (user, name)
        else:
            assert response.status_code in (200, 403), (user, name)
    assert model.objects.values().get(pk=obj.pk) == before
    client.force_login(staff)
    assert client.get(url).status_code in (200, 405)


@pytest.mark.parametrize("name", [n for n in WITHOUT_ARGS if n not in PUBLIC])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "args"), WITH_ARGS)
def test_anonymous_is_sent_to_login_for_object_urls(client, foreign, name, args):
    response = client.get(reverse(name, kwargs={args[0]: foreign[model_of(name)].pk}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "args"), WITH_ARGS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404_for_objects_of_another_subtree(
    client, outsiders, foreign, name, args, method
):
    obj = foreign[model_of(name)]
    for outsider in outsiders:
        client.force_login(outsider)
        foreign_response = getattr(client, method)(reverse(name, kwargs={args[0]: obj.pk}))
        missing_response = getattr(client, method)(reverse(name, kwargs={args[0]: 987654}))
        # A role that may not use the view at all gets its 403 before any lookup, so the
        # answer is the same for a foreign object and for none: nothing is confirmed.
        assert foreign_response.status_code in (403, 404, 405), (outsider, name)
        assert foreign_response.status_code == missing_response.status_code, (outsider, name)
        assert str(getattr(obj, "name", obj)) not in foreign_response.content.decode()
    # The most powerful outsider (a system administrator of the other subtree) may use
    # every view, so for them an object URL of our subtree is always a plain 404.
    client.force_login(outsiders[0])
    response = getattr(client, method)(reverse(name, kwargs={args[0]: obj.pk}))
    assert response.status_code in (404, 405)
    if method == "get" and response.status_code == 405:
        assert client.post(reverse(name, kwargs={args[0]: obj.pk})).status_code == 404


@pytest.mark.parametrize("name", WITHOUT_ARGS)
def test_pages_without_ids_show_nothing_of_another_subtree(client, outsiders, foreign, name):
    secrets = [foreign["organization"].name, foreign["user"].name, "甲局党委"]
    secrets.append(foreign["member"].name)
    for outsider in outsiders:
        client.force_login(outsider)
        response = client.get(reverse(name), {"q": "甲"})
        assert response.status_code in (200, 302, 403, 405), (outsider, name)
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (outsider, name, secret)


@pytest.mark.parametrize(("name", "args"), WITH_ARGS)
def test_absurd_ids_are_404_not_500(client, system_admin, name, args):
    client.force_login(system_admin)
    for value in (0, 2**31, 2**63 - 1, 2**70):
        url = reverse(name, kwargs={args[0]: value})
        for method in ("get", "post"):
            assert getattr(client, method)(url).status_code in (404, 405), (url, method)
    bad = reverse(name, kwargs={args[0]: 1}).replace("/1/", "/abc/")
    assert client.get(bad).status_code == 404


@pytest.mark.parametrize("name", sorted(SLUG_VALUES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_slug_urls_never_reach_another_subtree(client, outsiders, foreign, name, method):
    (arg,) = dict(ALL_PATTERNS)[name]
    url = reverse(name, kwargs={arg: SLUG_VALUES[name]})
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for outsider in outsiders:
        client.force_login(outsider)
        # Naming an organisation of the other subtree is a 404, as for an object URL.
        response = getattr(client, method)(url, {"organization": foreign["organization"].pk})
        if name in SLUG_WITHOUT_SCOPE:
            assert foreign["organization"].name not in response.getvalue().decode(errors="ignore")
        else:
            assert response.status_code in (403, 404), (outsider, name)
        unknown = reverse(name, kwargs={arg: "no-such-slug"})
        assert getattr(client, method)(unknown).status_code in (403, 404, 405), (outsider, name)


def test_unknown_url_is_a_chinese_404(client, secretary):
    client.force_login(secretary)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_django_admin_is_closed_to_portal_users(client, foreign, outsiders):
    client.force_login(outsiders[0])
    org = foreign["organization"]
    response = client.get(f"/django-admin/branches/organization/{org.pk}/change/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response.url


def test_superuser_without_portal_scope_sees_nothing_in_the_portal(client, foreign):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, organization=None)
    client.force_login(superuser)
    response = client.get(foreign["organization"].get_absolute_url())
    assert response.status_code == 404
