"""Every change traced (issue 18 item 8): edits of members, organisations, exemptions, training
classes, sessions and enrolments, and activity attachments keep who, when, before, after and
why; deletions leave an event; imports record one event per row changed, in bulk."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.models import Activity, Attachment, Exemption, FrequencyRule
from activities.services import records as activity_services
from alxa_dangjian.core import history, rules
from alxa_dangjian.ledgers.imports import services as import_services
from alxa_dangjian.ledgers.imports.registry import get_importer
from branches.history import member_changes, organization_changes
from branches.models import Member, Organization
from branches.services import members as member_services
from tests.factories import ActivityFactory, MemberFactory
from tests.ledgers.bad_files.corpus import id_number, member_row, workbook_bytes
from tests.training.factories import TrainingClassFactory
from training.models import ClassSession, Enrollment, TrainingClass
from training.services import classes as training_services

D = datetime.date
TODAY = datetime.date.today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def xlsx(rows, headers=None):
    return SimpleUploadedFile("表.xlsx", workbook_bytes(rows, headers=headers))


def fields_of(change) -> dict[str, tuple[str, str]]:
    return {label: (before, after) for label, before, after in change.fields}


# Members ------------------------------------------------------------------------------------


def test_a_member_edit_records_before_after_who_and_reason(secretary, branch_a):
    member = MemberFactory(organization=branch_a, phone="13812345678")
    member.joined_on = D(2010, 9, 1)
    member.phone = "13900001111"
    member_services.save_member(member, by=secretary, reason="档案核对：入党志愿书日期")
    latest = member_changes(member)[0]
    assert latest.kind == "修改" and latest.who == secretary.get_full_name()
    assert latest.reason == "档案核对：入党志愿书日期"
    changed = fields_of(latest)
    assert changed["入党日期"] == ("2010-07-01", "2010-09-01")
    # Personal numbers change visibly but stay masked.
    assert changed["联系电话"] == ("138****5678", "139****1111")
    assert set(changed) == {"入党日期", "联系电话"}


@pytest.mark.parametrize(
    "field, value, label",
    [
        ("joined_on", D(2010, 9, 1), "入党日期"),
        ("confirmed_on", D(2011, 9, 1), "转正日期"),
        ("standing", Member.Standing.DECEASED, "党籍状态"),
        ("birth_date", D(1985, 3, 8), "出生日期"),
    ],
)
def test_a_key_field_needs_a_reason_and_nothing_changes_without_one(
    secretary, branch_a, field, value, label
):
    member = MemberFactory(organization=branch_a)
    stored = getattr(member, field)
    setattr(member, field, value)
    if field == "birth_date":  # the ID number must agree with it
        member.id_number = id_number(7, birth=value)
    with pytest.raises(ValidationError) as error:
        member_services.save_member(member, by=secretary, reason="  ")
    message = error.value.message_dict["change_reason"][0]
    assert message.startswith("修改") and label in message and "须填写修改理由" in message
    assert getattr(Member.objects.get(pk=member.pk), field) == stored
    assert not Member.history.filter(id=member.pk, history_type="~").exists()


def test_other_fields_need_no_reason(secretary, branch_a):
    member = MemberFactory(organization=branch_a)
    member.native_place = "阿拉善左旗"
    member_services.save_member(member, by=secretary)
    assert fields_of(member_changes(member)[0]) == {"籍贯": ("—", "阿拉善左旗")}


def test_a_row_written_without_history_shows_its_real_before(secretary, branch_a):
    """Rows seeded or bulk-written before history was kept get their state recorded first."""
    (member,) = Member.objects.bulk_create([MemberFactory.build(organization=branch_a)])
    assert not Member.history.filter(id=member.pk).exists()
    old_name = member.name
    member.name = "新名字"
    member_services.save_member(member, by=secretary)
    (change,) = member_changes(member)  # the baseline itself is not shown
    assert fields_of(change) == {"姓名": (old_name, "新名字")}


def test_lost_contact_transfer_and_probation_are_traced(
    secretary, committee_admin, branch_a, branch_a2
):
    member = MemberFactory(organization=branch_a)
    member_services.set_lost_contact(member, since=D(2024, 1, 1), by=secretary)
    # a secretary's move to a sibling branch waits for the receiver; the committee's is at once
    member_services.transfer_member(member, to=branch_a2, on=TODAY, by=committee_admin)
    changes = member_changes(member)
    transfer, lost = changes[0], changes[1]
    assert fields_of(transfer)["所在党支部"] == (branch_a.name, branch_a2.name)
    assert "组织关系转接" in transfer.reason and transfer.who == committee_admin.get_full_name()
    assert fields_of(lost) == {"失联起始日期": ("—", "2024-01-01")}


# Organisations ------------------------------------------------------------------------------


ORG_HEADERS = ["全称", "简称", "组织类型", "上级党组织", "分类指导类别", "成立日期", "有效"]


def test_organisation_imports_record_one_event_per_row(staff, committee_a, branch_a):
    importer = get_importer("organizations")
    rows = [
        ["甲局第一党支部", "甲一", "党支部", "甲局党委", "国有企业", None, "是"],
        ["甲局新党支部", "", "党支部", "甲局党委", "党群部门", None, "是"],
    ]
    batch = import_services.preview_upload(importer, xlsx(rows, ORG_HEADERS), by=staff)
    assert batch.error_count == 0, batch.errors
    import_services.commit_batch(batch, by=staff)
    updated = organization_changes(branch_a)[0]
    assert updated.kind == "修改" and updated.who == staff.get_full_name()
    assert updated.reason == "导入党组织信息"
    assert fields_of(updated)["简称"][1] == "甲一"
    assert fields_of(updated)["分类指导类别"] == ("党群部门", "国有企业")
    new = Organization.objects.get(name="甲局新党支部")
    (created,) = organization_changes(new)
    assert created.kind == "新建" and fields_of(created)["上级党组织"] == ("—", committee_a.name)


def test_an_organisation_saved_in_the_admin_keeps_who(client, system_admin, branch_a):
    system_admin.is_staff = system_admin.is_superuser = True
    system_admin.save()
    client.force_login(system_admin)
    url = reverse("admin:branches_organization_change", args=[branch_a.pk])
    assert client.get(url).status_code == 200
    data = {
        "type": branch_a.type,
        "parent": branch_a.parent_id,
        "category": branch_a.category,
        "name": branch_a.name,
        "short_name": "改过的简称",
        "established_on": "",
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    change = organization_changes(branch_a)[0]
    assert change.who == system_admin.get_full_name()
    assert fields_of(change)["简称"][1] == "改过的简称"


# Exemptions and rules (core.rules) ------------------------------------------------------------


def test_exemption_edits_and_deletes_keep_who_and_why(staff, branch_a):
    rule = FrequencyRule.objects.select_related("kind").first()
    assert rule is not None
    exemption = Exemption(
        organization=branch_a,
        rule=rule,
        starts_on=D(TODAY.year, 1, 1),
        ends_on=D(TODAY.year, 3, 31),
        reason="集中培训",
        approved_by=staff,
    )
    rules.save_rule(exemption, by=staff, reason="登记豁免")
    exemption.ends_on = D(TODAY.year, 6, 30)
    rules.save_rule(exemption, by=staff, reason="延长")
    pk = exemption.pk
    rules.delete_rule(exemption, by=staff, reason="撤销")
    found = history.changes(Exemption.history.filter(id=pk).select_related("history_user"))
    assert [c.kind for c in found] == ["删除", "修改", "新建"]
    assert [c.reason for c in found] == ["撤销", "延长", "登记豁免"]
    assert fields_of(found[1])["结束日期"] == (f"{TODAY.year}-03-31", f"{TODAY.year}-06-30")
    assert all(c.who == staff.get_full_name() for c in found)


# Training -------------------------------------------------------------------------------------


@pytest.fixture
def training_class(branch_a, staff):
    training_class = TrainingClassFactory(
        organization=branch_a, starts_on=TODAY, ends_on=TODAY, created_by=staff
    )
    training_services.add_session(
        training_class, held_on=TODAY, duration=ClassSession.Duration.FULL_DAY, by=staff
    )
    training_class.refresh_from_db()
    return training_class


def test_class_and_session_changes_are_traced(staff, training_class):
    training_services.update_class(training_class, by=staff, reason="场地调整", location="盟委党校")
    (change,) = [
        c
        for c in history.changes(TrainingClass.history.filter(id=training_class.pk))
        if c.kind == "修改"
    ]
    assert fields_of(change)["地点"][1] == "盟委党校" and change.reason == "场地调整"
    assert change.who == staff.get_full_name()
    session = training_class.sessions.get()
    pk = session.pk
    (added,) = history.changes(ClassSession.history.filter(id=pk))
    assert added.kind == "新建" and added.who == staff.get_full_name()
    training_services.remove_session(session, by=staff, reason="课程取消")
    removed = history.changes(ClassSession.history.filter(id=pk))[0]
    assert removed.kind == "删除" and removed.reason == "课程取消"
    assert fields_of(removed)["日期"] == (str(TODAY), "—")


def test_enrolments_sign_ins_and_withdrawals_are_traced(staff, training_class, branch_a):
    member, other = MemberFactory(organization=branch_a), MemberFactory(organization=branch_a)
    training_services.enroll(training_class, [member, other], by=staff)
    training_services.record_sign_ins(
        training_class, [training_services.SignIn(member, hours=Decimal(4))], by=staff
    )
    enrollment = Enrollment.objects.get(member=member)
    records = Enrollment.history.filter(id=enrollment.pk)
    assert [r.history_type for r in records.order_by("history_id")] == ["+", "~"]
    # Saving the same sheet again changes nothing, and records nothing.
    training_services.record_sign_ins(
        training_class, [training_services.SignIn(member, hours=Decimal(4))], by=staff
    )
    assert records.count() == 2
    with pytest.raises(ValidationError):
        training_services.withdraw(enrollment, by=staff, reason="")
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    training_services.withdraw(enrollment, by=staff, reason="误报名")
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    removed = member_changes(member)[0]
    assert removed.kind == "删除" and removed.reason == "误报名"
    assert removed.who == staff.get_full_name()
    assert removed.subject == f"培训：{training_class.title}"
    assert fields_of(removed)["获得学时"] == ("4.0", "—")


SIGNIN_HEADERS = ["培训班编号", "姓名", "身份证号码", "签到", "参训时长"]


def test_a_sign_in_import_records_one_event_per_row_changed(
    staff, secretary, training_class, branch_a
):
    wang = MemberFactory(organization=branch_a, name="王芳")
    li = MemberFactory(organization=branch_a, name="李强")
    training_services.enroll(training_class, [wang], by=staff)
    importer = get_importer("training-signin")
    rows = [
        [training_class.pk, "王芳", wang.id_number, "是", ""],
        [training_class.pk, "李强", li.id_number, "是", "半天"],
    ]
    batch = import_services.preview_upload(importer, xlsx(rows, SIGNIN_HEADERS), by=secretary)
    assert batch.error_count == 0
    import_services.commit_batch(batch, by=secretary)
    imported = Enrollment.history.filter(history_change_reason="导入培训签到表")
    assert sorted(imported.values_list("member__name", "history_type")) == [
        ("李强", "+"),
        ("王芳", "~"),
    ]
    assert set(imported.values_list("history_user", flat=True)) == {secretary.pk}
    (signed,) = [c for c in member_changes(wang) if c.reason == "导入培训签到表"]
    assert fields_of(signed)["已签到"] == ("否", "是")


# Imports of members ----------------------------------------------------------------------------


def test_a_member_import_records_one_event_per_row(secretary, branch_a):
    importer = get_importer("members")
    rows = [member_row(1), member_row(2)]
    batch = import_services.preview_upload(importer, xlsx(rows), by=secretary)
    assert batch.error_count == 0, batch.errors
    import_services.commit_batch(batch, by=secretary)
    records = Member.history.filter(history_change_reason="导入党员信息")
    assert records.count() == 2 and set(records.values_list("history_type", flat=True)) == {"+"}
    first = Member.objects.get(id_number=id_number(1))
    batch = import_services.preview_upload(
        importer, xlsx([member_row(1, 籍贯="额济纳旗"), member_row(2)]), by=secretary
    )
    import_services.commit_batch(batch, by=secretary)
    # One more record: the changed row only.
    assert records.count() == 3
    change = member_changes(first)[0]
    assert change.kind == "修改" and change.who == secretary.get_full_name()
    assert fields_of(change)["籍贯"][1] == "额济纳旗"


# Attachments -----------------------------------------------------------------------------------


def test_deleting_an_attachment_leaves_an_event(secretary, branch_a):
    activity = ActivityFactory(
        organization=branch_a, created_by=secretary, status=Activity.Status.DRAFT
    )
    (attachment,) = activity_services.add_attachments(
        activity, uploads=[SimpleUploadedFile("会议记录.pdf", PDF)], by=secretary
    )
    pk = attachment.pk
    with pytest.raises(ValidationError):
        activity_services.remove_attachment(attachment, by=secretary, reason=" ")
    assert Attachment.objects.filter(pk=pk).exists()
    activity_services.remove_attachment(attachment, by=secretary, reason="上传错了文件")
    assert not Attachment.objects.filter(pk=pk).exists()
    found = history.changes(Attachment.history.filter(id=pk).select_related("history_user"))
    assert [c.kind for c in found] == ["删除", "新建"]
    removed = found[0]
    assert removed.who == secretary.get_full_name() and removed.reason == "上传错了文件"
    assert fields_of(removed)["原文件名"] == ("会议记录.pdf", "—")
    assert found[1].who == secretary.get_full_name()


def test_the_record_page_lists_removed_files(client, secretary, branch_a):
    activity = ActivityFactory(
        organization=branch_a, created_by=secretary, status=Activity.Status.DRAFT
    )
    (attachment,) = activity_services.add_attachments(
        activity, uploads=[SimpleUploadedFile("签到表.pdf", PDF)], by=secretary
    )
    client.force_login(secretary)
    url = reverse("activities:attachment-delete", args=[attachment.pk])
    response = client.post(url, follow=True)  # no reason: refused, nothing removed
    assert "删除附件须填写理由。" in response.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    client.post(url, {"reason": "重复上传"})
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    page = client.get(activity.get_absolute_url()).content.decode()
    assert "删除附件“签到表.pdf”" in page and "理由：重复上传" in page
