"""Service ledgers: types as rows, record rules, scoping, the screens and their query counts."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import ServiceEvidence, ServiceLedgerType, ServiceRecord
from activities.services.service_ledgers import add_evidence, save_service_record
from alxa_dangjian.core import caching
from tests.factories import MemberFactory

LIST = reverse("activities:servicerecord-list")
CREATE = reverse("activities:servicerecord-create")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ledger_type(code="serve-the-people"):
    return ServiceLedgerType.objects.get(code=code)


def make_record(organization, by, *, code="serve-the-people", **fields):
    fields.setdefault("title", f"{organization.name}服务事项")
    fields.setdefault("started_on", datetime.date(2026, 3, 1))
    return ServiceRecord.objects.create(
        type=ledger_type(code), organization=organization, created_by=by, **fields
    )


def form_data(organization, **overrides):
    data = {
        "type": ledger_type().pk,
        "organization": organization.pk,
        "title": "为南田社区翻新公厕",
        "description": "居民反映公厕年久失修，支部牵头协调翻新。",
        "partner": "南田社区",
        "started_on": "2026-04-01",
        "ended_on": "2026-05-20",
        "status": ServiceRecord.Status.COMPLETED,
        "quantity": "120",
        "people": "支部全体党员",
    }
    data.update(overrides)
    return data


# Types ---------------------------------------------------------------------------------------


def test_the_seed_report_types_are_rows_with_its_figures(db):
    types = {t.code: t for t in ServiceLedgerType.objects.all()}
    assert [t.name for t in ServiceLedgerType.objects.all()] == [
        "我为群众办实事",
        "承诺践诺",
        "志愿服务队",
        "党员先锋小组",
        "志愿服务",
        "包联嘎查/互联互通社区",
        "结对帮扶",
        "民族团结一家亲结对",
        "“党建+”特色项目",
        "临时党支部（应急）",
    ]
    assert "1067件" in types["serve-the-people"].description
    assert "2352件" in types["pledge"].description
    assert "12000余次" in types["volunteer-service"].description
    assert "包联嘎查201个" in types["village-pairing"].description
    assert "277名" in types["ethnic-unity-pairing"].description
    assert "43个" in types["temporary-branch"].description
    assert "10支" in types["volunteer-team"].description
    assert "12个" in types["pioneer-group"].description
    assert "党员先锋小组" not in types["volunteer-team"].description


# Rules of one record -------------------------------------------------------------------------


def test_end_before_start_is_refused_in_chinese(branch_a, secretary):
    record = ServiceRecord(
        type=ledger_type(),
        organization=branch_a,
        title="修路",
        started_on=datetime.date(2026, 5, 1),
        ended_on=datetime.date(2026, 4, 1),
        created_by=secretary,
    )
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.message_dict["ended_on"] == ["结束日期不能早于开始日期。"]


def test_the_database_refuses_end_before_start_too(branch_a, secretary):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_record(
            branch_a,
            secretary,
            started_on=datetime.date(2026, 5, 1),
            ended_on=datetime.date(2026, 4, 1),
        )


def test_a_completed_item_needs_its_end_date(branch_a, secretary):
    record = ServiceRecord(
        type=ledger_type(),
        organization=branch_a,
        title="修路",
        started_on=datetime.date(2026, 5, 1),
        status=ServiceRecord.Status.COMPLETED,
        created_by=secretary,
    )
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert "ended_on" in error.value.message_dict


def test_in_year_counts_a_pairing_in_every_year_it_runs(branch_a, secretary):
    long = make_record(branch_a, secretary, started_on=datetime.date(2024, 6, 1))
    closed = make_record(
        branch_a,
        secretary,
        started_on=datetime.date(2025, 2, 1),
        ended_on=datetime.date(2025, 3, 1),
    )
    later = make_record(branch_a, secretary, started_on=datetime.date(2027, 1, 5))
    assert set(ServiceRecord.objects.in_year(2025)) == {long, closed}
    assert set(ServiceRecord.objects.in_year(2026)) == {long}
    assert set(ServiceRecord.objects.in_year(2027)) == {long, later}


def test_counts_roll_up_to_the_children_of_a_unit(
    root, committee_a, branch_a, branch_a2, secretary
):
    make_record(branch_a, secretary, quantity=10)
    make_record(branch_a, secretary, quantity=5)
    make_record(branch_a2, secretary, code="pledge")
    make_record(committee_a, secretary, code="party-building-plus")
    rows = ServiceRecord.objects.counts_by_type_and_branch_of(root)
    by_unit = {(r["unit_path"], r["type_id"]): (r["n"], r["quantity"]) for r in rows}
    # Everything below committee_a is counted on committee_a's row.
    assert by_unit[(committee_a.path, ledger_type().pk)] == (2, 15)
    assert by_unit[(committee_a.path, ledger_type("pledge").pk)] == (1, None)
    assert by_unit[(committee_a.path, ledger_type("party-building-plus").pk)][0] == 1
    rows = ServiceRecord.objects.counts_by_type_and_branch_of(committee_a)
    by_unit = {(r["unit_path"], r["type_id"]): r["n"] for r in rows}
    assert by_unit[(branch_a.path, ledger_type().pk)] == 2
    assert by_unit[(branch_a2.path, ledger_type("pledge").pk)] == 1
    assert by_unit[(committee_a.path, ledger_type("party-building-plus").pk)] == 1


# The list ------------------------------------------------------------------------------------


def test_secretary_lists_only_own_branch(client, secretary, branch_a, branch_a2, branch_b):
    make_record(branch_a, secretary, title="甲一修路")
    make_record(branch_a2, secretary, title="甲二送医")
    make_record(branch_b, secretary, title="乙局义诊")
    client.force_login(secretary)
    body = client.get(LIST).content.decode()
    assert "甲一修路" in body
    assert "甲二送医" not in body and "乙局义诊" not in body


def test_committee_admin_sees_counts_per_type_for_each_branch(
    client, committee_admin, committee_a, branch_a, branch_a2, branch_b
):
    for _ in range(3):
        make_record(branch_a, committee_admin)
    make_record(branch_a2, committee_admin, code="pledge")
    make_record(branch_b, committee_admin)  # another subtree: not counted
    client.force_login(committee_admin)
    response = client.get(LIST)
    counts = response.context["counts"]
    types = response.context["types"]
    column = {t.code: i for i, t in enumerate(types)}
    rows = {row["organization"]: row for row in counts["rows"]}
    assert set(rows) == {branch_a, branch_a2}  # the committee itself holds nothing
    assert rows[branch_a]["numbers"][column["serve-the-people"]] == 3
    assert rows[branch_a2]["numbers"][column["pledge"]] == 1
    assert counts["total"] == 4
    assert "乙局" not in response.content.decode()


def test_units_past_the_limit_share_one_row_unless_all_are_asked_for(
    client, committee_admin, branch_a, branch_a2, monkeypatch
):
    monkeypatch.setattr("activities.views.service_ledgers.MAX_UNIT_ROWS", 1)
    make_record(branch_a, committee_admin)
    make_record(branch_a2, committee_admin, code="pledge")
    make_record(branch_a2, committee_admin, code="pledge")
    client.force_login(committee_admin)
    rows = client.get(LIST).context["counts"]["rows"]
    assert [row.get("organization") for row in rows] == [branch_a, None]
    assert rows[1]["rest"] == 1 and sum(rows[1]["numbers"]) == 2
    body = client.get(LIST, {"units": "all"}).content.decode()
    assert branch_a2.display_name in body and "其余" not in body


def test_list_filters_by_type_status_year_and_organization(
    client, committee_admin, branch_a, branch_a2
):
    make_record(branch_a, committee_admin, title="办实事A")
    make_record(branch_a, committee_admin, code="pledge", title="承诺B")
    make_record(
        branch_a2,
        committee_admin,
        title="去年C",
        started_on=datetime.date(2025, 1, 1),
        ended_on=datetime.date(2025, 2, 1),
        status=ServiceRecord.Status.COMPLETED,
    )
    client.force_login(committee_admin)

    def titles(**params):
        response = client.get(LIST, params)
        return {r.title for r in response.context["page"]}

    assert titles(year="2026") == {"办实事A", "承诺B"}
    assert titles(year="2026", type="pledge") == {"承诺B"}
    assert titles(year="all", status="completed") == {"去年C"}
    assert titles(year="all", organization=branch_a2.pk) == {"去年C"}
    assert titles(year="all", q="承诺") == {"承诺B"}


def test_bad_filter_values_are_dropped_not_errors(client, secretary, branch_a, branch_b):
    make_record(branch_a, secretary, title="甲一修路", started_on=datetime.date.today())
    client.force_login(secretary)
    response = client.get(
        LIST, {"type": "no-such", "status": "bogus", "year": "abc", "organization": branch_b.pk}
    )
    assert response.status_code == 200
    assert [r.title for r in response.context["page"]] == ["甲一修路"]
    assert branch_b.name not in response.content.decode()


def test_pages_follow_the_counted_rows_even_of_a_deactivated_type(client, secretary, branch_a):
    for n in range(52):
        make_record(branch_a, secretary, title=f"事项{n}")
    retired = ledger_type("pledge")
    retired.is_active = False
    retired.save()
    make_record(branch_a, secretary, code="pledge", title="旧类型事项")
    client.force_login(secretary)
    first = client.get(LIST).context["page"]
    assert first.paginator.count == 53 and first.paginator.num_pages == 2
    second = client.get(LIST, {"page": 2}).context["page"]
    assert len(second.object_list) == 3
    titles = {r.title for r in first} | {r.title for r in second}
    assert "旧类型事项" in titles and len(titles) == 53
    assert client.get(LIST, {"type": "serve-the-people"}).context["page"].paginator.count == 52


def test_wrong_method_on_the_list_is_405(client, secretary):
    client.force_login(secretary)
    assert client.post(LIST).status_code == 405


def test_list_queries_do_not_grow_with_rows(
    client, staff, committee_a, branch_a, branch_a2, branch_b, django_assert_max_num_queries
):
    for organization in (branch_a, branch_a2, branch_b):
        for code in ("serve-the-people", "pledge", "volunteer-service"):
            for _ in range(5):
                make_record(organization, staff, code=code)
    client.force_login(staff)
    # session, user, user's organisation, types, child units, the GROUP BY, page count,
    # page rows (with type and organisation), organisations for the filter, the bell
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"year": "all"})
    assert response.context["counts"]["total"] == 45
    with django_assert_max_num_queries(12):  # + the type and organisation of the filter
        response = client.get(
            LIST, {"year": "all", "type": "pledge", "organization": committee_a.pk}
        )
    # The filter keeps the chosen committee selected.
    assert f'<option value="{committee_a.pk}" selected>' in response.content.decode()


# The record page -----------------------------------------------------------------------------


def test_detail_shows_members_and_evidence(client, secretary, branch_a):
    record = make_record(branch_a, secretary, title="甲一修路", partner="南田社区")
    record.members.add(MemberFactory(organization=branch_a, name="张三"))
    ServiceEvidence.objects.create(
        record=record,
        file="service-ledgers/2026/x",
        original_name="修路前后对比.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
        kind="photo",
        uploaded_by=secretary,
    )
    client.force_login(secretary)
    body = client.get(record.get_absolute_url()).content.decode()
    assert "南田社区" in body and "张三" in body and "修路前后对比.jpg" in body


def test_detail_queries_are_fixed(client, secretary, branch_a, django_assert_max_num_queries):
    record = make_record(branch_a, secretary)
    record.members.add(*MemberFactory.create_batch(8, organization=branch_a))
    client.force_login(secretary)
    # session, user, user's organisation, the record (type, organisation, recorder),
    # members, evidence, the bell's unread count
    with django_assert_max_num_queries(7):
        assert client.get(record.get_absolute_url()).status_code == 200


def test_outsider_gets_404_on_every_record_url(client, outsider, branch_a, secretary):
    record = make_record(branch_a, secretary)
    client.force_login(outsider)
    assert client.get(record.get_absolute_url()).status_code == 404
    edit = reverse("activities:servicerecord-edit", args=[record.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_data(branch_a)).status_code == 404
    record.refresh_from_db()
    assert record.title != "为南田社区翻新公厕"


# Create and edit -----------------------------------------------------------------------------


def test_secretary_records_an_item_with_members(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a, name="李四")
    client.force_login(secretary)
    response = client.post(CREATE, form_data(branch_a, members=[member.pk]))
    record = ServiceRecord.objects.get()
    assert response.status_code == 302 and response.url == record.get_absolute_url()
    assert record.created_by == secretary
    assert record.organization == branch_a
    assert list(record.members.all()) == [member]


def test_create_form_offers_only_the_owner_subtree_members(
    client, secretary, branch_a, branch_a2, django_assert_max_num_queries
):
    MemberFactory(organization=branch_a, name="本支部党员")
    MemberFactory(organization=branch_a2, name="邻支部党员")
    client.force_login(secretary)
    # session, user, user's organisation, owner lookup, member count, owner choices,
    # type choices, member choices, the bell's unread count
    with django_assert_max_num_queries(9):
        body = client.get(CREATE).content.decode()
    assert "本支部党员" in body and "邻支部党员" not in body


def test_owner_outside_scope_is_an_invalid_choice(client, secretary, branch_b):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(branch_b))
    assert response.status_code == 200
    assert "所选党组织不存在或不在您的管理范围内" in response.content.decode()
    assert branch_b.name not in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_end_before_start_in_the_form_saves_nothing(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(branch_a, ended_on="2026-03-01"))
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_a_member_of_another_branch_is_refused(client, committee_admin, branch_a, branch_a2):
    stranger = MemberFactory(organization=branch_a2, name="邻支部党员")
    client.force_login(committee_admin)
    response = client.post(CREATE, form_data(branch_a, members=[stranger.pk]))
    assert "不属于责任党组织或其下级组织" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_committee_admin_may_pick_members_of_the_whole_subtree(
    client, committee_admin, committee_a, branch_a, branch_a2
):
    members = [MemberFactory(organization=branch_a), MemberFactory(organization=branch_a2)]
    client.force_login(committee_admin)
    client.post(
        CREATE,
        form_data(committee_a, members=[m.pk for m in members], type=ledger_type("pledge").pk),
    )
    record = ServiceRecord.objects.get()
    assert set(record.members.all()) == set(members)


def test_negative_quantity_is_refused(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(branch_a, quantity="-3"))
    assert response.status_code == 200
    assert not ServiceRecord.objects.exists()


def test_edit_changes_the_record(client, secretary, branch_a):
    record = make_record(branch_a, secretary)
    client.force_login(secretary)
    url = reverse("activities:servicerecord-edit", args=[record.pk])
    assert client.get(url).status_code == 200
    client.post(url, form_data(branch_a, title="新名称"))
    record.refresh_from_db()
    assert record.title == "新名称" and record.status == ServiceRecord.Status.COMPLETED
    assert record.created_by == secretary


def test_create_wrong_method_is_405(client, secretary):
    client.force_login(secretary)
    assert client.put(CREATE).status_code == 405


# Evidence ------------------------------------------------------------------------------------


def evidence_url(record):
    return reverse("activities:servicerecord-add-evidence", args=[record.pk])


def test_a_photo_is_stored_with_its_hash_and_served_to_the_branch(client, secretary, branch_a):
    record = make_record(branch_a, secretary)
    client.force_login(secretary)
    client.post(evidence_url(record), {"files": [SimpleUploadedFile("现场.png", PNG)]})
    evidence = ServiceEvidence.objects.get()
    assert evidence.kind == "photo" and evidence.size == len(PNG)
    assert len(evidence.sha256) == 64 and not evidence.file.name.endswith(".png")
    response = client.get(evidence.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_an_exe_renamed_jpg_is_refused_and_nothing_kept(client, secretary, branch_a, tmp_path):
    record = make_record(branch_a, secretary)
    client.force_login(secretary)
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(evidence_url(record), {"files": [fake]}, follow=True)
    assert "内容与扩展名" in response.content.decode()
    assert not ServiceEvidence.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_one_bad_file_refuses_the_whole_upload(client, secretary, branch_a):
    record = make_record(branch_a, secretary)
    client.force_login(secretary)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("a.txt", "not office")
    files = [SimpleUploadedFile("好.png", PNG), SimpleUploadedFile("坏.docx", buffer.getvalue())]
    client.post(evidence_url(record), {"files": files})
    assert not ServiceEvidence.objects.exists()


def test_outsider_cannot_upload_fetch_or_delete_evidence(client, outsider, secretary, branch_a):
    record = make_record(branch_a, secretary)
    client.force_login(secretary)
    client.post(evidence_url(record), {"files": [SimpleUploadedFile("现场.png", PNG)]})
    evidence = ServiceEvidence.objects.get()
    client.force_login(outsider)
    upload = {"files": [SimpleUploadedFile("x.png", PNG)]}
    assert client.post(evidence_url(record), upload).status_code == 404
    assert client.get(evidence.get_absolute_url()).status_code == 404
    delete = reverse("activities:serviceevidence-delete", args=[evidence.pk])
    assert client.post(delete, {"reason": "越权"}).status_code == 404
    assert ServiceEvidence.objects.count() == 1


def test_evidence_is_deleted_with_its_file(
    client, secretary, branch_a, tmp_path, django_capture_on_commit_callbacks
):
    record = make_record(branch_a, secretary)
    client.force_login(secretary)
    client.post(evidence_url(record), {"files": [SimpleUploadedFile("现场.png", PNG)]})
    evidence = ServiceEvidence.objects.get()
    stored = tmp_path / evidence.file.name
    assert stored.is_file()
    delete = reverse("activities:serviceevidence-delete", args=[evidence.pk])
    assert client.get(delete).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete, {"reason": "重复上传"})
    assert response.status_code == 302
    assert not ServiceEvidence.objects.exists()
    assert not stored.exists()


def test_the_writes_recheck_the_scope(branch_a, secretary, outsider):
    record = ServiceRecord(
        type=ledger_type(), organization=branch_a, title="越权", started_on=datetime.date.today()
    )
    with pytest.raises(PermissionDenied):
        save_service_record(record, members=[], by=outsider)
    assert not ServiceRecord.objects.exists()
    saved = make_record(branch_a, secretary)
    with pytest.raises(PermissionDenied):
        add_evidence(saved, uploads=[SimpleUploadedFile("a.png", PNG)], by=outsider)
    assert not ServiceEvidence.objects.exists()


def test_counts_are_cached_until_a_record_changes(
    client, committee_admin, branch_a, django_capture_on_commit_callbacks
):
    make_record(branch_a, committee_admin)
    client.force_login(committee_admin)
    with CaptureQueriesContext(connection) as first:
        assert client.get(LIST).context["counts"]["total"] == 1
    with CaptureQueriesContext(connection) as second:
        assert client.get(LIST).context["counts"]["total"] == 1
    # The GROUP BY and the child units came from the cache (the whole counts table).
    assert len(second) == len(first) - 2
    record = ServiceRecord(
        type=ledger_type(),
        organization=branch_a,
        title="第二件实事",
        started_on=datetime.date.today(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        save_service_record(record, members=[], by=committee_admin)
    assert client.get(LIST).context["counts"]["total"] == 2  # the service invalidates
    with django_capture_on_commit_callbacks(execute=True):
        # No service deletes a record; whatever deletes one must say so, as here.
        record.delete()
        caching.changed(caching.SERVICES)
    assert client.get(LIST).context["counts"]["total"] == 1
    # Other filters are other cache entries.
    assert client.get(LIST, {"status": "completed"}).context["counts"]["total"] == 0

    # The table names organisations: a renamed branch shows at once.
    def counts_table():
        page = client.get(LIST).content.decode()
        start = page.index('data-testid="service-counts"')
        return page[start : page.index("</table>", start)]

    assert "甲局第一党支部" in counts_table()
    branch_a.short_name = "甲局改名支部"
    with django_capture_on_commit_callbacks(execute=True):  # as the admin or the import does
        branch_a.save()
        caching.changed(caching.ORGANIZATIONS)
    assert "甲局改名支部" in counts_table()


def test_record_rows_show_their_fields_and_escape_stored_text(client, secretary, branch_a):
    make_record(
        branch_a,
        secretary,
        title='<script>"修路"</script>',
        partner="南田&北田社区",
        started_on=datetime.date(2026, 3, 1),
        ended_on=datetime.date(2026, 4, 2),
        quantity=Decimal("120.0"),
    )
    client.force_login(secretary)
    body = client.get(LIST, {"year": "all"}).content.decode()
    start = body.index('data-testid="service-records"')
    table = body[start : body.index("</table>", start)]
    assert "&lt;script&gt;&quot;修路&quot;&lt;/script&gt;" in table
    assert "<script>" not in table
    assert "南田&amp;北田社区" in table
    assert "2026-03-01 至 2026-04-02" in table
    assert '<td class="text-end small">120</td>' in table
    assert 'class="badge text-bg-' in table
