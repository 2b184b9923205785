"""The sign-in sheet import: people named by name and ID number, all rows or none, every
problem by row and column."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from alxa_dangjian.core.idnumber import make_id_number
from alxa_dangjian.ledgers.imports import services as import_services
from alxa_dangjian.ledgers.imports.registry import get_importer
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import workbook_bytes
from tests.training.factories import TrainingClassFactory
from training.models import ClassSession, Enrollment
from training.services import classes as services

HEADERS = ["培训班编号", "姓名", "身份证号码", "签到", "参训时长"]
TODAY = datetime.date.today()


def sheet(rows, headers=HEADERS):
    return SimpleUploadedFile(
        "签到表.xlsx",
        workbook_bytes(rows, headers=headers),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def importer():
    return get_importer("training-signin")


@pytest.fixture
def training_class(branch_a, staff):
    training_class = TrainingClassFactory(
        organization=branch_a, starts_on=TODAY, ends_on=TODAY, created_by=staff
    )
    services.add_session(
        training_class, held_on=TODAY, duration=ClassSession.Duration.FULL_DAY, by=staff
    )
    training_class.refresh_from_db()
    return training_class


@pytest.fixture
def people(branch_a, branch_a2):
    return {
        "wang": MemberFactory(organization=branch_a, name="王芳"),
        "li": MemberFactory(organization=branch_a, name="李强"),
        "neighbour": MemberFactory(organization=branch_a2, name="赵敏"),
    }


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors.sorted()]


def test_a_clean_sheet_enrols_and_signs_in_everyone(importer, training_class, people, secretary):
    wang, li = people["wang"], people["li"]
    upload = sheet(
        [
            [training_class.pk, "王芳", wang.id_number[-4:], "是", ""],
            [str(training_class.pk), "李强", li.id_number, "是", "半天"],
        ]
    )
    batch = import_services.preview_upload(importer, upload, by=secretary)
    assert batch.error_count == 0 and batch.summary["created"] == 2
    import_services.commit_batch(batch, by=secretary)
    hours = dict(Enrollment.objects.values_list("member__name", "hours_earned"))
    assert hours == {"王芳": Decimal(8), "李强": Decimal(4)}
    assert set(Enrollment.objects.values_list("source", flat=True)) == {"import"}
    assert all(Enrollment.objects.values_list("signed_in", flat=True))


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_saved(
    importer, training_class, people, committee_admin
):
    """The committee admin sees the neighbouring branch, so its member is named as outside
    the class; for the branch's secretary the same row is simply unknown (no leak)."""
    wang, li, neighbour = people["wang"], people["li"], people["neighbour"]
    upload = sheet(
        [
            [training_class.pk, "王芳", wang.id_number[-4:], "是", ""],  # fine
            [training_class.pk, "查无此人", "1234", "是", ""],
            [training_class.pk, "赵敏", neighbour.id_number[-4:], "是", ""],
            [training_class.pk, "李强", li.id_number[-4:], "是", "2天"],
            [999999, "李强", li.id_number[-4:], "是", ""],
            [training_class.pk, "王芳", wang.id_number, "是", "半天"],
            [training_class.pk, "李强", li.id_number[-4:], "是", "很久"],
        ]
    )
    result = importer.check(upload, user=committee_admin)
    errors = errors_of(result)
    assert errors[0][:2] == (3, "姓名") and "查无此人" in errors[0][2]
    assert (
        errors[1][:2] == (4, "姓名")
        and "赵敏不是“甲局第一党支部”及其下级组织的党员" in errors[1][2]
    )
    assert errors[2] == (5, "参训时长", "李强登记的16学时超过了培训班的总学时8")
    assert errors[3][:2] == (6, "培训班编号") and "999999" in errors[3][2]
    assert errors[4] == (7, "姓名", "王芳与第2行重复")
    assert errors[5][:2] == (8, "参训时长") and "无法识别参训时长“很久”" in errors[5][2]
    assert len(errors) == 6

    upload.seek(0)
    batch = import_services.preview_upload(importer, upload, by=committee_admin)
    assert batch.status == "failed" and batch.error_count == 6
    assert not Enrollment.objects.exists()


def test_a_class_outside_the_importers_subtree_is_unknown(
    importer, people, outsider, training_class
):
    wang = people["wang"]
    result = importer.check(
        sheet([[training_class.pk, "王芳", wang.id_number[-4:], "是", ""]]), user=outsider
    )
    assert errors_of(result) == [
        (2, "培训班编号", f"未找到编号为{training_class.pk}的培训班，或该培训班不在您的管理范围内")
    ]


def test_ambiguous_tail_asks_for_the_full_number(importer, training_class, branch_a, secretary):
    first = MemberFactory(organization=branch_a, name="张伟")
    tail = first.id_number[-4:]
    twin = next(
        number
        for region in range(110101, 160000)
        if (
            number := make_id_number(
                region=str(region),
                birth_date=first.birth_date,
                sequence=int(first.id_number[14:17]),
                gender="male",
            )
        )[-4:]
        == tail
        and number != first.id_number
    )
    MemberFactory(organization=branch_a, name="张伟", id_number=twin)
    result = importer.check(sheet([[training_class.pk, "张伟", tail, "是", ""]]), user=secretary)
    assert errors_of(result)[0][:2] == (2, "身份证号码")
    assert "请填写完整号码" in errors_of(result)[0][2]


def test_reimport_updates_and_reports_unchanged(importer, training_class, people, secretary):
    wang = people["wang"]
    row = [training_class.pk, "王芳", wang.id_number[-4:], "是", ""]
    import_services.commit_batch(
        import_services.preview_upload(importer, sheet([row]), by=secretary), by=secretary
    )
    again = importer.check(sheet([row]), user=secretary)
    assert again.summary()["unchanged"] == 1
    row[3] = "否"
    batch = import_services.preview_upload(importer, sheet([row]), by=secretary)
    assert batch.summary["updated"] == 1
    import_services.commit_batch(batch, by=secretary)
    enrollment = Enrollment.objects.get()
    assert not enrollment.signed_in and enrollment.hours_earned == 0


def test_check_queries_do_not_grow_with_rows(
    importer, training_class, branch_a, secretary, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(30, organization=branch_a)
    rows = [[training_class.pk, m.name, m.id_number, "是", ""] for m in members]
    # classes, members, counting, existing enrolments
    with django_assert_max_num_queries(5):
        result = importer.check(sheet(rows), user=secretary)
    assert result.ok and result.summary()["created"] == 30
