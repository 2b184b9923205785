"""学习强国 scores: the Excel import (all or nothing, errors by row and column, unknown people
refused naming the row), the ranking and the yearly top 10 per scope."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.ledgers.imports import services as import_services
from alxa_dangjian.ledgers.imports.registry import get_importer
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import workbook_bytes
from training import xuexi
from training.models import XuexiScore

HEADERS = ["姓名", "身份证号码", "年度", "周期", "学习积分"]
YEAR = datetime.date.today().year


def sheet(rows, headers=HEADERS):
    return SimpleUploadedFile("学习强国积分.xlsx", workbook_bytes(rows, headers=headers))


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def importer():
    return get_importer("xuexi-scores")


@pytest.fixture
def people(branch_a, branch_a2, branch_b):
    return {
        "wang": MemberFactory(organization=branch_a, name="王芳"),
        "li": MemberFactory(organization=branch_a, name="李强"),
        "zhao": MemberFactory(organization=branch_a2, name="赵敏"),
        "outside": MemberFactory(organization=branch_b, name="钱多"),
    }


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors.sorted()]


def test_a_clean_file_is_previewed_then_committed(importer, people, committee_admin):
    wang, zhao = people["wang"], people["zhao"]
    upload = sheet(
        [
            ["王芳", wang.id_number, YEAR, "3月", 1200],
            ["赵敏", zhao.id_number[-4:], f"{YEAR}年", "3", 800],
            ["王芳", wang.id_number[-6:], YEAR, "4月", 300],
        ]
    )
    batch = import_services.preview_upload(importer, upload, by=committee_admin)
    assert batch.error_count == 0, batch.errors
    assert batch.summary["created"] == 3
    assert not XuexiScore.objects.exists()  # the preview writes nothing
    import_services.commit_batch(batch, by=committee_admin)
    scores = {(s.member.name, s.period): s.score for s in XuexiScore.objects.all()}
    assert scores == {("王芳", 3): 1200, ("赵敏", 3): 800, ("王芳", 4): 300}
    assert XuexiScore.objects.filter(imported_by=committee_admin).count() == 3


def test_reimporting_a_period_updates_its_score(importer, people, secretary):
    wang = people["wang"]
    XuexiScore.objects.create(member=wang, year=YEAR, period_kind="quarter", period=1, score=10)
    result = importer.check(sheet([["王芳", wang.id_number, YEAR, "第一季度", 25]]), user=secretary)
    assert result.ok and result.summary()["updated"] == 1
    importer.write(result, user=secretary)
    assert XuexiScore.objects.get().score == 25


def test_every_problem_is_named_by_row_and_column_and_nothing_is_saved(importer, people, secretary):
    wang, li, zhao, outside = people["wang"], people["li"], people["zhao"], people["outside"]
    XuexiScore.objects.create(member=li, year=YEAR, period_kind="month", period=1, score=5)
    upload = sheet(
        [
            ["王芳", wang.id_number, YEAR, "3月", 100],  # row 2: fine
            ["钱多", outside.id_number, YEAR, "3月", 100],  # another subtree: unknown
            ["赵敏", zhao.id_number, YEAR, "3月", 100],  # sibling branch: unknown to a secretary
            ["无此人", "1234", YEAR, "3月", 100],  # unknown
            ["王芳", wang.id_number, YEAR, "13月", -1],  # bad period and score
            ["王芳", wang.id_number, YEAR, "3月", 50],  # repeats row 2
            ["王芳", wang.id_number, YEAR, "第二季度", 50],  # months and quarters mixed
            ["李强", li.id_number, YEAR, "第一季度", 50],  # already by month in the database
            ["李强", li.id_number, YEAR + 1, "1月", 50],  # a future year
        ]
    )
    result = importer.check(upload, user=secretary)
    errors = errors_of(result)
    columns = {(row, column) for row, column, _ in errors}
    assert columns == {
        (3, "姓名"),
        (4, "姓名"),
        (5, "姓名"),
        (6, "周期"),
        (6, "学习积分"),
        (7, "周期"),
        (8, "周期"),
        (9, "周期"),
        (10, "年度"),
    }
    messages = dict(((row, column), message) for row, column, message in errors)
    assert "未找到姓名为“钱多”" in messages[(3, "姓名")]
    assert "与第2行重复" in messages[(7, "周期")]
    assert "按月度" in messages[(8, "周期")] and "季度" in messages[(8, "周期")]
    upload.seek(0)
    batch = import_services.preview_upload(importer, upload, by=secretary)
    assert batch.error_count == len(errors)
    with pytest.raises(ValidationError):
        import_services.commit_batch(batch, by=secretary)
    assert XuexiScore.objects.count() == 1  # only the one made above


def test_template_has_the_columns(importer):
    workbook = load_workbook(io.BytesIO(importer.template_bytes()))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS


def scores(member, *monthly):
    for month, score in enumerate(monthly, 1):
        XuexiScore.objects.create(
            member=member, year=YEAR, period_kind="month", period=month, score=score
        )


@pytest.fixture
def ranked(root, committee_a, committee_b, branch_a, branch_a2, branch_b):
    # committee_a: 12 people (to cut at 10), committee_b: 2 (one tied with the league's best)
    people = []
    for index in range(12):
        member = MemberFactory(
            organization=branch_a if index % 2 else branch_a2, name=f"甲局学员{index:02d}"
        )
        scores(member, 100 + index * 10, 5)
        people.append(member)
    b1 = MemberFactory(organization=branch_b, name="乙局第一")
    scores(b1, 205, 10)  # 215: equal to 甲局学员11 (100 + 110 + 5)
    b2 = MemberFactory(organization=branch_b, name="乙局第二")
    scores(b2, 1)
    old = MemberFactory(organization=branch_b, name="去年状元")
    XuexiScore.objects.create(member=old, year=YEAR - 1, period_kind="month", period=1, score=9999)
    return people


def test_top_ten_per_scope_league_and_committee(ranked, root, committee_a, committee_b):
    from branches.models import Member

    tops = dict(xuexi.top_tens(YEAR, root, Member.objects.all()))
    league = tops[root]
    assert len(league) == 10
    assert [(r.rank, r.total) for r in league[:3]] == [(1, 215), (1, 215), (3, 205)]
    assert "去年状元" not in [r.name for r in league]
    assert [r.name for r in tops[committee_b]] == ["乙局第一", "乙局第二"]
    committee = tops[committee_a]
    assert len(committee) == 10 and committee[0].name == "甲局学员11"
    assert committee[-1].name == "甲局学员02"  # 01 and 00 cut


def test_ranking_page_is_scoped(client, committee_admin, ranked):
    client.force_login(committee_admin)
    response = client.get(reverse("training:xuexiscore-ranking"))
    rows = [(m.xuexi_rank, m.name, m.xuexi_total) for m in response.context["page"]]
    assert len(rows) == 12 and rows[0] == (1, "甲局学员11", 215)
    assert "乙局" not in response.content.decode()
    top = client.get(reverse("training:xuexiscore-top"))
    assert [o.name for o, _ in top.context["tops"]] == ["甲局党委"]


def test_staff_sees_the_league_top_ten_and_each_committees(client, staff, ranked):
    client.force_login(staff)
    response = client.get(reverse("training:xuexiscore-top"))
    assert [o.name for o, _ in response.context["tops"]] == ["测试机关工委", "甲局党委", "乙局党委"]


@pytest.mark.parametrize("name", ["xuexiscore-ranking", "xuexiscore-top"])
def test_xuexi_pages_run_a_fixed_number_of_queries(
    client, staff, ranked, django_assert_max_num_queries, name
):
    client.force_login(staff)
    with django_assert_max_num_queries(5):  # session, user, (count, page) or (totals, committees)
        assert client.get(reverse(f"training:{name}")).status_code == 200
