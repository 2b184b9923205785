"""Every cockpit figure changes on the next request after a write through the service that
owns its input (and through the import, where there is one): invalidation is owned by the
writes, bulk writers included, and nothing is left to model signals.

Each test warms the cockpit first, so a writer that forgot `caching.changed(...)` leaves the
cached figure as it was and the test fails (see the first test: a write past the services is
not seen). Writes run inside `committed`, which runs the on-commit callbacks as a real commit
would."""

import datetime
import weakref
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.test import RequestFactory
from django.urls import reverse

from activities.models import (
    Activity,
    ActivityKind,
    FrequencyRule,
    ServiceLedgerType,
    ServiceRecord,
)
from activities.services import records as activity_services
from activities.services.service_ledgers import save_service_record
from alxa_dangjian.core.idnumber import make_id_number
from alxa_dangjian.core.periods import shift_month
from alxa_dangjian.ledgers.imports import services as import_services
from alxa_dangjian.ledgers.imports.registry import get_importer
from alxa_dangjian.ledgers.models import ImportBatch
from assessments.models import AssessmentRun, ScoreCard, Stage, Target
from assessments.services import lists as list_services
from assessments.services import results, runs
from assessments.services import review as review_services
from branches.models import Member, Organization, RatingTitle
from branches.services import development, rating_titles
from branches.services import members as member_services
from dues.arrears import last_counted_month
from dues.services import payments as dues_services
from portal.cockpit import cockpit_for
from tests.assessments.lists_factories import Review
from tests.assessments.scoring_fixtures import make_scheme
from tests.core import test_cockpit_apps
from tests.core.test_cockpit_apps import THIS_JAN, TODAY, Y, attend
from tests.dues.factories import assess
from tests.factories import ActivityFactory, MemberFactory
from tests.ledgers.bad_files.corpus import member_row, workbook_bytes
from tests.training.factories import TrainingClassFactory
from training.models import ClassSession
from training.services import classes as training_services

# Rows of every app on both sides of the tree, counted by hand in test_cockpit_apps.
league = test_cockpit_apps.league


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks when it ends, as the commit of a request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def figure(organization, key, **year):
    return cockpit_for(organization, **year).figure(key)


def value(organization, key, **year):
    found = figure(organization, key, **year)
    return None if found is None else found.value


def parts(organization, key):
    return {p.key: p.value for p in figure(organization, key).parts}


def upload_and_commit(client, code, rows, *, headers, name="导入.xlsx"):
    content = workbook_bytes(rows, headers=headers)
    url = reverse("ledgers:importbatch-create", args=[code])
    response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    return batch


# The cache is real: a write past the services is not seen -------------------------------


def test_a_write_past_the_services_leaves_the_cached_figure(committee_a, branch_a, committed):
    before = value(committee_a, "members")
    with committed():
        MemberFactory(organization=branch_a)  # no service, no caching.changed
    assert value(committee_a, "members") == before


def test_no_cache_invalidation_hangs_on_model_signals():
    """Model signals are left to third-party libraries (history, lockout): none of the
    portal's own code listens to them, for invalidation or anything else."""
    ours = ("alxa_dangjian", "activities", "branches", "training", "assessments", "dues")
    for signal in (post_save, post_delete, pre_save, pre_delete, m2m_changed):
        for entry in signal.receivers:
            ref = entry[1]
            receiver = ref() if isinstance(ref, weakref.ref) else ref
            module = getattr(receiver, "__module__", "") or ""
            assert not module.startswith(ours), (signal, receiver)
    assert post_save.receivers  # the check above saw the libraries' receivers


# Organisations and branches: the import and /django-admin/ ---------------------------------

ORG_HEADERS = ["全称", "简称", "组织类型", "上级党组织", "分类指导类别", "成立日期", "有效"]


@pytest.mark.parametrize("key", ["organizations", "branches"])
def test_organizations_import_changes_the_figure(client, staff, committee_a, key, committed):
    before = value(committee_a, key)
    client.force_login(staff)
    with committed():
        upload_and_commit(
            client,
            "organizations",
            [["甲局第九党支部", "", "党支部", "甲局党委", "党群部门", None, "是"]],
            headers=ORG_HEADERS,
        )
    assert value(committee_a, key) == before + 1


@pytest.mark.parametrize("key", ["organizations", "branches"])
def test_an_organisation_closed_in_the_admin_changes_the_figure(
    staff, committee_a, branch_a2, key, committed
):
    before = value(committee_a, key)
    branch_a2.is_active = False
    request = RequestFactory().post("/django-admin/")
    request.user = staff
    with committed():
        admin.site._registry[Organization].save_model(request, branch_a2, None, True)
    assert value(committee_a, key) == before - 1


# Members: the service and the import ---------------------------------------------------------


def test_a_member_saved_through_the_service_counts(committee_a, branch_a, secretary, committed):
    before = value(committee_a, "members")
    with committed():
        member_services.save_member(MemberFactory.build(organization=branch_a), by=secretary)
    assert value(committee_a, "members") == before + 1


def test_members_imported_count(client, committee_a, branch_a, secretary, committed):
    before = value(committee_a, "members")
    client.force_login(secretary)
    with committed():
        upload_and_commit(client, "members", [member_row(1), member_row(2)], headers=None)
    assert value(committee_a, "members") == before + 2


# Organisational life: compliance and activity records ---------------------------------------


@pytest.mark.parametrize("key", ["activities", "compliance"])
def test_a_submitted_record_changes_the_figure(
    committee_a, branch_a, secretary, key, settings, committed
):
    # Last year's cockpit: every period of it is closed, so the compliance rate counts it.
    settings.ACTIVITY_BACKFILL_DAYS = 400
    MemberFactory(organization=branch_a)
    before = value(committee_a, key, year=Y - 1)
    record = Activity(
        organization=branch_a,
        kind=ActivityKind.objects.get(code="theme-day"),
        held_on=datetime.date(Y - 1, 12, 1),
        theme="十二月主题党日",
    )
    with committed():
        record = activity_services.save_activity(record, attendance={}, by=secretary)
        activity_services.submit_activity(record, by=secretary, confirm_quorum=True)
    after = value(committee_a, key, year=Y - 1)
    if key == "activities":
        assert after == before + 1
    else:
        assert after > before


def test_a_frequency_rule_edited_in_the_admin_changes_compliance(
    committee_a, branch_a, staff, committed
):
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=datetime.date(Y - 1, 12, 1))
    before = value(committee_a, "compliance", year=Y - 1)
    rule = FrequencyRule.objects.get(kind__code="theme-day")
    rule.period = FrequencyRule.Period.YEAR  # one 主题党日 a year: branch_a's year is met
    request = RequestFactory().post("/django-admin/")
    request.user = staff
    form = SimpleNamespace(cleaned_data={"change_reason": "改为每年一次"})  # the admin's form
    with committed():
        admin.site._registry[FrequencyRule].save_model(request, rule, form, True)
    assert value(committee_a, "compliance", year=Y - 1) > before


# Development ----------------------------------------------------------------------------------


def test_a_case_opened_through_the_service_counts(committee_a, branch_a, secretary, committed):
    before = value(committee_a, "development")
    birth = datetime.date(1998, 5, 4)
    with committed():
        development.open_case(
            organization=branch_a,
            name="新申请人",
            gender="female",
            birth_date=birth,
            id_number=make_id_number(
                region="152921", birth_date=birth, sequence=10, gender="female"
            ),
            education=Member.Education.BACHELOR,
            applied_on=TODAY - datetime.timedelta(days=3),
            by=secretary,
        )
    assert value(committee_a, "development") == before + 1


# Service ledgers --------------------------------------------------------------------------------


def test_a_service_record_saved_through_the_service_counts(
    committee_a, branch_a, secretary, committed
):
    before = value(committee_a, "service-records")
    record = ServiceRecord(
        type=ServiceLedgerType.objects.get(code="serve-the-people"),
        organization=branch_a,
        title="为社区修缮路灯",
        started_on=TODAY,
    )
    with committed():
        save_service_record(record, members=[], by=secretary)
    assert value(committee_a, "service-records") == before + 1


# Ratings, training, lists, assessment, dues (the fixture of test_cockpit_apps) -----------------


def test_a_title_withdrawn_through_the_service_changes_the_share(
    league, root, branch_a, staff, committed
):
    before = value(root, "strongest-share")
    title = RatingTitle.objects.get(organization=branch_a, year=Y)
    with committed():
        rating_titles.withdraw_title(title, on=TODAY, reason="整改不到位", by=staff)
    assert value(root, "strongest-share") < before


def training_class(organization, staff):
    held = TrainingClassFactory(
        organization=organization, starts_on=THIS_JAN, ends_on=THIS_JAN, created_by=staff
    )
    training_services.add_session(
        held, held_on=THIS_JAN, duration=ClassSession.Duration.FULL_DAY, by=staff
    )
    held.refresh_from_db()
    return held


def test_sign_ins_recorded_through_the_service_count(league, root, branch_a, staff, committed):
    short = Member.objects.get(name="甲未达标")  # 10 学时 this year, 32 needed
    held = training_class(branch_a, staff)
    attend(short, training_class(branch_a, staff), 16)
    before = value(root, "training-hours")
    with committed():
        training_services.record_sign_ins(
            held, [training_services.SignIn(short, hours=held.length_hours)], by=staff
        )
    assert value(root, "training-hours") == before + 1


def test_sign_ins_imported_count(client, league, root, branch_a, staff, secretary, committed):
    short = Member.objects.get(name="甲未达标")
    held = training_class(branch_a, staff)
    attend(short, training_class(branch_a, staff), 16)
    before = value(root, "training-hours")
    sheet = SimpleUploadedFile(
        "签到表.xlsx",
        workbook_bytes(
            [[held.pk, short.name, short.id_number, "是", ""]],
            headers=["培训班编号", "姓名", "身份证号码", "签到", "参训时长"],
        ),
    )
    importer = get_importer("training-signin")
    with committed():
        batch = import_services.preview_upload(importer, sheet, by=secretary)
        assert batch.error_count == 0, batch.errors
        import_services.commit_batch(batch, by=secretary)
    assert value(root, "training-hours") == before + 1


def test_a_list_entry_confirmed_through_the_service_counts(league, committee_a, staff, committed):
    before = value(committee_a, "list-items")
    entry = (
        list_services.CheckpointEntry.objects.filter(
            item__content="待审核", stage=Stage.PLAN, review=Review.SUBMITTED
        )
        .select_related("item__list")
        .get()
    )
    with committed():
        list_services.confirm_entry(entry, by=staff)
    assert value(committee_a, "list-items") == before + 1


def test_a_card_reviewed_through_the_service_counts(league, root, branch_a2, staff, committed):
    card = ScoreCard.objects.create(organization=branch_a2, year=Y, target="branch")
    before = parts(root, "assessment")["reviewed"]
    with committed():
        review_services.review_card(card, by=staff)
    assert parts(root, "assessment")["reviewed"] == before + 1


def test_the_run_finaliser_changes_the_figure(
    committee_a, branch_a, branch_a2, staff, settings, django_capture_on_commit_callbacks
):
    make_scheme(year=Y)
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=THIS_JAN)
    with django_capture_on_commit_callbacks(execute=False):  # no worker picks the run up yet
        run = runs.start_run(year=Y, scope=committee_a, target=Target.BRANCH, by=staff)
    assert value(committee_a, "assessment") == 0  # queued, nothing scored
    with django_capture_on_commit_callbacks(execute=True):  # what the workers do
        for chunk in run.chunks.all():
            results.compute_chunk(run.pk, chunk.number)
        results.finalise(run.pk)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DONE
    assert figure(committee_a, "assessment").value == 2  # branch_a and branch_a2


def arrears_case(branch_a, secretary):
    """A member who owes the last three counted months: 提醒 (3 months unpaid)."""
    last = last_counted_month(TODAY)
    member = MemberFactory(organization=branch_a, joined_on=datetime.date(2010, 7, 1))
    assess(member, secretary, month=shift_month(last, -2))
    return member, shift_month(last, -2)


def test_a_month_recorded_with_record_month_clears_the_arrears(
    client, committee_admin, committee_a, branch_a, secretary, committed
):
    """record_month writes with bulk_create: no model signal, the service says so itself."""
    member, owed = arrears_case(branch_a, secretary)
    client.force_login(committee_admin)
    before = client.get("/").context["cockpit"].figure("dues-arrears").value
    assert before >= 1
    with committed():
        dues_services.record_month(
            branch_a,
            month=owed,
            entries=[dues_services.MonthEntry(member)],
            paid_on=TODAY,
            method="cash",
            by=secretary,
        )
    assert client.get("/").context["cockpit"].figure("dues-arrears").value == before - 1


def test_a_payment_recorded_through_the_service_clears_the_arrears(
    committee_a, branch_a, secretary, committed
):
    member, owed = arrears_case(branch_a, secretary)
    before = value(committee_a, "dues-arrears")
    with committed():
        dues_services.record_payment(
            member, months=[owed], paid_on=TODAY, amount=Decimal("40.00"), method="cash",
            by=secretary,
        )  # fmt: skip
    assert value(committee_a, "dues-arrears") == before - 1


DUES_HEADERS = [
    "公民身份号码",
    "姓名",
    "所属月份",
    "交纳日期",
    "金额",
    "交纳方式",
    "收据编号",
    "代交人",
]


def test_dues_imported_clear_the_arrears(client, committee_a, branch_a, secretary, committed):
    member, owed = arrears_case(branch_a, secretary)
    before = value(committee_a, "dues-arrears")
    client.force_login(secretary)
    with committed():
        upload_and_commit(
            client,
            "dues-payments",
            [[member.id_number, member.name, f"{owed:%Y-%m}", TODAY.isoformat(), "40", "", "", ""]],
            headers=DUES_HEADERS,
        )
    assert value(committee_a, "dues-arrears") == before - 1


def test_every_cockpit_figure_provider_is_covered_here():
    """The providers whose figures the tests above cover: a new one needs its test here."""
    from portal.cockpit import FIGURES

    assert [provider.__name__ for provider in FIGURES] == [
        "organizations", "members", "compliance", "activities", "development",
        "service_records", "strongest_share", "training_hours", "list_items", "assessment",
        "dues_arrears",
    ]  # fmt: skip
