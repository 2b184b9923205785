"""Consent across subtrees for joint activities (联合开展): a partner branch's participation
counts (compliance, cockpit, indicators) only once its side confirms; it may decline with a
reason; the partner sees what waits for it on its home and answers on a confirmation page."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.compliance import Status, compute
from activities.indicators import theme_day_months
from activities.models import Activity, ActivityKind, JointParticipation
from activities.services import joint
from activities.services import records as services
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.models import Notification
from branches.models import Organization
from portal.cockpit import cockpit_for
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory
from tests.ledgers.exported import export

TODAY = datetime.date(2026, 5, 15)
HELD = datetime.date(2026, 2, 3)
LIST = reverse("activities:jointparticipation-list")
Consent = JointParticipation.Status


def theme_day():
    return ActivityKind.objects.get(code="theme-day")


def february(report, organization):
    """The partner's February 主题党日 cell."""
    return next(
        c
        for c in report.for_organization(organization.pk)
        if c.rule.kind.code == "theme-day" and c.period.index == 2
    )


def run(*organizations):
    pks = [o.pk for o in organizations]
    return compute(Organization.objects.filter(pk__in=pks), 2026, today=TODAY)


def joint_record(host, partner, status, *, held_on=HELD):
    activity = ActivityFactory(organization=host, kind="theme-day", held_on=held_on)
    activity.joint_organizations.add(partner, through_defaults={"status": status})
    return activity


@pytest.fixture
def partner_secretary(branch_b):
    return UserFactory(username="partner", role=User.Role.SECRETARY, organization=branch_b)


@pytest.fixture
def logged(
    settings, secretary, branch_a, branch_b, partner_secretary, django_capture_on_commit_callbacks
):
    """A record of branch_a's secretary naming branch_b (another committee) as partner."""
    settings.ACTIVITY_BACKFILL_DAYS = 400
    record = Activity(
        organization=branch_a,
        kind=theme_day(),
        held_on=timezone.localdate(),
        theme="联合主题党日",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.save_activity(record, attendance={}, joint_organizations=[branch_b], by=secretary)
    Activity.objects.filter(pk=record.pk).update(status=Activity.Status.SUBMITTED)
    return record


# Counting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counts"),
    [(Consent.PENDING, False), (Consent.CONFIRMED, True), (Consent.DECLINED, False)],
)
def test_the_partner_counts_only_a_confirmed_record(branch_a, branch_b, status, counts):
    joint_record(branch_a, branch_b, status)
    report = run(branch_a, branch_b)
    assert february(report, branch_a).status == Status.MET  # the host always counts
    assert february(report, branch_b).status == (Status.MET if counts else Status.OVERDUE)
    # the indicator (year-end) and the subtree's records count the same way
    assert theme_day_months(2026, [branch_b])[branch_b.pk].inputs == (1 if counts else 0)
    in_subtree = Activity.objects.counted().in_subtree(branch_b.path)
    assert in_subtree.count() == (1 if counts else 0)


@pytest.mark.parametrize(
    ("status", "counts"),
    [(Consent.PENDING, 0), (Consent.CONFIRMED, 1), (Consent.DECLINED, 0)],
)
def test_the_partners_cockpit_figure_counts_only_a_confirmed_record(
    committee_b, branch_a, branch_b, status, counts
):
    joint_record(branch_a, branch_b, status, held_on=timezone.localdate())
    assert cockpit_for(committee_b).figure("activities").value == counts
    assert cockpit_for(branch_b).figure("activities").value == counts


def test_the_partners_drill_down_lists_a_pending_record_as_not_counted(
    client, partner_secretary, branch_a, branch_b
):
    record = joint_record(branch_a, branch_b, Consent.PENDING, held_on=timezone.localdate())
    client.force_login(partner_secretary)
    url = reverse("activities:compliance-detail", args=[branch_b.pk])
    body = client.get(url).content.decode()
    section = body.split(record.get_absolute_url())[1].split("</li>")[0]
    assert "本支部待确认" in section and "不计入" in section


def test_existing_partner_links_are_migrated_as_confirmed(branch_a, branch_b):
    record = joint_record(branch_a, branch_b, Consent.PENDING)
    migration = importlib.import_module("activities.migrations.0012_joint_participation_consent")
    migration.confirm_existing(apps, None)
    assert record.partnerships.get().status == Consent.CONFIRMED


# Recording -----------------------------------------------------------------------------------


def test_a_partner_outside_the_recorders_subtree_waits_and_is_told(
    logged, branch_b, partner_secretary
):
    partnership = logged.partnerships.get()
    assert (partnership.organization, partnership.status) == (branch_b, Consent.PENDING)
    assert not partnership.auto_confirmed
    assert partnership.history.get().history_user is not None
    notification = Notification.objects.get(user=partner_secretary)
    assert notification.url == partnership.get_absolute_url()


def test_a_partner_the_recorder_may_act_on_is_confirmed_on_saving(
    settings, committee_admin, branch_a, branch_a2
):
    settings.ACTIVITY_BACKFILL_DAYS = 400
    record = Activity(
        organization=branch_a, kind=theme_day(), held_on=timezone.localdate(), theme="联合"
    )
    services.save_activity(
        record, attendance={}, joint_organizations=[branch_a2], by=committee_admin
    )
    partnership = record.partnerships.get()
    assert partnership.status == Consent.CONFIRMED and partnership.auto_confirmed
    assert partnership.decided_by == committee_admin


def test_a_sibling_branch_is_not_the_secretarys_to_confirm(
    settings, secretary, branch_a, branch_a2
):
    settings.ACTIVITY_BACKFILL_DAYS = 400
    record = Activity(
        organization=branch_a, kind=theme_day(), held_on=timezone.localdate(), theme="联合"
    )
    services.save_activity(record, attendance={}, joint_organizations=[branch_a2], by=secretary)
    assert record.partnerships.get().status == Consent.PENDING


def test_changing_the_date_asks_again_but_the_theme_does_not(logged, secretary, partner_secretary):
    partnership = logged.partnerships.get()
    joint.confirm_partnership(partnership, by=partner_secretary)
    Activity.objects.filter(pk=logged.pk).update(status=Activity.Status.DRAFT)
    logged.refresh_from_db()
    partners = list(logged.joint_organizations.all())
    logged.theme = "联合主题党日（修改主题）"
    services.save_activity(logged, attendance={}, joint_organizations=partners, by=secretary)
    assert logged.partnerships.get().status == Consent.CONFIRMED
    logged.held_on = logged.held_on - datetime.timedelta(days=1)
    services.save_activity(logged, attendance={}, joint_organizations=partners, by=secretary)
    partnership = logged.partnerships.get()
    assert partnership.status == Consent.PENDING and partnership.decided_by is None


def test_removing_a_partner_leaves_a_history_row(logged, secretary):
    Activity.objects.filter(pk=logged.pk).update(status=Activity.Status.DRAFT)
    logged.refresh_from_db()
    partnership = logged.partnerships.get()
    services.save_activity(logged, attendance={}, joint_organizations=[], by=secretary)
    assert not logged.partnerships.exists()
    deleted = JointParticipation.history.filter(id=partnership.pk, history_type="-").get()
    assert deleted.history_user == secretary


# The partner's side --------------------------------------------------------------------------


def test_the_partner_sees_the_queue_on_home_and_confirms(
    client, logged, branch_b, partner_secretary, django_capture_on_commit_callbacks
):
    partnership = logged.partnerships.get()
    client.force_login(partner_secretary)
    home = client.get(reverse("portal:home")).content.decode()
    queue = home.split('data-testid="consent-queue"')[1]
    assert LIST in queue and 'data-testid="joint-awaiting-count">1<' in queue
    listing = client.get(LIST).content.decode()
    assert 'data-testid="list-total" data-total="1"' in listing
    assert partnership.get_absolute_url() in listing
    page = client.get(partnership.get_absolute_url()).content.decode()
    assert "联合主题党日" in page and "待确认" in page and 'name="csrfmiddlewaretoken"' in page
    assert cockpit_for(branch_b).figure("activities").value == 0
    confirm = reverse("activities:jointparticipation-confirm", args=[partnership.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm)
    assert response.status_code == 302 and response.url == partnership.get_absolute_url()
    partnership.refresh_from_db()
    assert partnership.status == Consent.CONFIRMED
    assert partnership.decided_by == partner_secretary
    assert cockpit_for(branch_b).figure("activities").value == 1  # the cache was invalidated
    assert 'data-total="0"' in client.get(LIST).content.decode()
    assert 'data-testid="consent-queue"' not in client.get(reverse("portal:home")).content.decode()
    assert [h.history_type for h in partnership.history.order_by("history_id")] == ["+", "~"]


def test_the_partner_declines_with_a_reason(client, logged, branch_b, partner_secretary):
    partnership = logged.partnerships.get()
    client.force_login(partner_secretary)
    decline = reverse("activities:jointparticipation-decline", args=[partnership.pk])
    client.post(decline, {"reason": "  "})
    partnership.refresh_from_db()
    assert partnership.status == Consent.PENDING  # no reason, nothing changes
    client.post(decline, {"reason": "本支部未参加该活动"})
    partnership.refresh_from_db()
    assert (partnership.status, partnership.reason) == (Consent.DECLINED, "本支部未参加该活动")
    assert partnership.history.first().history_change_reason == "本支部未参加该活动"
    report = compute(Organization.objects.filter(pk=branch_b.pk), TODAY.year, today=TODAY)
    held = sum(c.held for c in report.for_organization(branch_b.pk))
    assert held == 0
    detail = client.get(logged.get_absolute_url()).content.decode()
    assert "已拒绝" in detail and "本支部未参加该活动" in detail


def test_a_committee_above_the_partner_may_confirm(logged, committee_b):
    admin = UserFactory(role=User.Role.COMMITTEE_ADMIN, organization=committee_b)
    assert joint.awaiting(admin).count() == 1
    joint.confirm_partnership(logged.partnerships.get(), by=admin)
    assert logged.partnerships.get().status == Consent.CONFIRMED


def test_the_host_shows_pending_but_cannot_confirm_for_the_partner(client, logged, secretary):
    partnership = logged.partnerships.get()
    with pytest.raises(PermissionDenied):
        joint.confirm_partnership(partnership, by=secretary)
    client.force_login(secretary)
    detail = client.get(logged.get_absolute_url()).content.decode()
    assert "待确认" in detail.split('data-testid="joint-organizations"')[1].split("</dd>")[0]
    # the partnership is the partner's business: its page and actions are a 404 for the host
    assert client.get(partnership.get_absolute_url()).status_code == 404
    confirm = reverse("activities:jointparticipation-confirm", args=[partnership.pk])
    assert client.post(confirm).status_code == 404
    partnership.refresh_from_db()
    assert partnership.status == Consent.PENDING


def test_outsiders_get_404_and_nothing_changes(client, logged, root):
    committee_c = OrganizationFactory(parent=root, type=Organization.Type.COMMITTEE)
    branch_c = OrganizationFactory(parent=committee_c)
    partnership = logged.partnerships.get()
    for user in (
        UserFactory(role=User.Role.COMMITTEE_ADMIN, organization=committee_c),
        UserFactory(role=User.Role.SECRETARY, organization=branch_c),
    ):
        client.force_login(user)
        for name in ("detail", "confirm", "decline"):
            url = reverse(f"activities:jointparticipation-{name}", args=[partnership.pk])
            answer = client.get(url) if name == "detail" else client.post(url, {"reason": "x"})
            assert answer.status_code == 404
        assert 'data-total="0"' in client.get(LIST).content.decode()
    partnership.refresh_from_db()
    assert partnership.status == Consent.PENDING


def test_confirming_twice_is_refused(logged, partner_secretary):
    partnership = logged.partnerships.get()
    joint.confirm_partnership(partnership, by=partner_secretary)
    with pytest.raises(ValidationError, match="已确认"):
        joint.confirm_partnership(partnership, by=partner_secretary)


def test_wrong_method_is_405(client, logged, partner_secretary):
    partnership = logged.partnerships.get()
    client.force_login(partner_secretary)
    for name in ("confirm", "decline"):
        url = reverse(f"activities:jointparticipation-{name}", args=[partnership.pk])
        assert client.get(url).status_code == 405
    assert client.post(LIST).status_code == 405
    assert client.post(partnership.get_absolute_url()).status_code == 405
    partnership.refresh_from_db()
    assert partnership.status == Consent.PENDING


def test_odd_status_filter_falls_back_to_pending(client, logged, partner_secretary):
    client.force_login(partner_secretary)
    for value in ("²", "x\x00", "all" * 100):
        assert client.get(LIST, {"status": value}).status_code == 200
    body = client.get(LIST, {"status": "all"}).content.decode()
    assert 'data-total="1"' in body


def test_queue_queries_do_not_grow_with_records(
    client, branch_a, branch_b, partner_secretary, django_assert_max_num_queries
):
    client.force_login(partner_secretary)
    counts = []
    for n in (2, 12):
        while JointParticipation.objects.count() < n:
            joint_record(branch_a, branch_b, Consent.PENDING)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(LIST).content.decode()
        assert f'data-total="{n}"' in body
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(LIST, {"status": "all"})


def test_the_hosts_ledger_names_a_partner_with_its_consent(
    client, settings, tmp_path, committee_admin, branch_a, branch_a2
):
    settings.MEDIA_ROOT = tmp_path / "media"
    day = timezone.localdate().replace(day=1)
    joint_record(branch_a, branch_a2, Consent.PENDING, held_on=day)
    client.force_login(committee_admin)
    _, rows = export(client, "activities")
    assert rows[0]["联合开展"] == f"{branch_a2.name}（待确认）"
