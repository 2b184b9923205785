"""The 最强党支部评星标准 catalogue through Excel: exported as a ledger, edited, imported back
by the work committee — all or nothing, every problem by row and column."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from alxa_dangjian.ledgers.imports.registry import get_importer
from alxa_dangjian.ledgers.models import ImportBatch
from branches.models import RatingStandard
from tests.ledgers.bad_files.corpus import workbook_bytes

HEADER_ROW = 3  # title, subtitle, header
HEADERS = [
    "年度",
    "编号",
    "分类指导类别",
    "方面",
    "五强",
    "标准内容",
    "计分方式",
    "分值",
    "佐证材料要求",
    "示例条目",
]
EXPORT_URL = reverse("ledgers:ledger-export", args=["rating-standards"])
CREATE_URL = reverse("ledgers:importbatch-create", args=["rating-standards"])
TEMPLATE_URL = reverse("ledgers:importbatch-template", args=["rating-standards"])
YEAR = 2031  # a year of its own: the seeded sample catalogue is this year's and last year's


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def this_year():
    return timezone.localdate().year


def export_bytes(client, year) -> bytes:
    response = client.post(EXPORT_URL, {"year": year})
    assert response.status_code == 200, response.content.decode()[:800]
    return b"".join(response.streaming_content)


def rows_of(content: bytes) -> tuple[list, list[dict]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = list(rows[0])
    return headers, [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def upload(client, content: bytes, name="评星标准.xlsx") -> ImportBatch:
    response = client.post(CREATE_URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.context["form"].errors
    return ImportBatch.objects.latest("pk")


def commit(client, batch):
    return client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]), follow=True)


def texts(batch) -> list[str]:
    return [f"第{e['row']}行「{e['column']}」列：{e['message']}" for e in batch.errors]


def catalogue() -> list[tuple]:
    """Every standard as it is stored, to prove that nothing changed."""
    return list(RatingStandard.objects.order_by("pk").values_list())


def history_count() -> int:
    return RatingStandard.history.count()


def row(code="T-01", **overrides) -> dict:
    """A valid import row by header."""
    values = {
        "年度": YEAR,
        "编号": code,
        "分类指导类别": "党群部门",
        "方面": "组织设置",
        "五强": "政治功能强",
        "标准内容": "按期换届，支部委员会设置规范。",
        "计分方式": "计分制",
        "分值": 5,
        "佐证材料要求": "换届批复",
    }
    return values | overrides


def make_standard(code, *, year=YEAR, **fields) -> RatingStandard:
    defaults = {
        "category": "party_mass",
        "aspect": "organization",
        "five_strong": "political",
        "text": f"条目{code}的内容",
        "method": RatingStandard.Method.POINTS,
        "max_score": Decimal("5.0"),
        "evidence_required": "",
        "sort_order": 1,
    }
    return RatingStandard.objects.create(year=year, code=code, **(defaults | fields))


# Export ---------------------------------------------------------------------------------------


def test_export_lists_every_standard_of_the_year(client, secretary):
    client.force_login(secretary)
    headers, rows = rows_of(export_bytes(client, this_year()))
    assert headers == HEADERS
    assert len(rows) == 62
    first = RatingStandard.objects.get(year=this_year(), code=rows[0]["编号"])
    assert rows[0] == {
        "年度": this_year(),
        "编号": first.code,
        "分类指导类别": first.get_category_display(),
        "方面": first.get_aspect_display(),
        "五强": first.get_five_strong_display(),
        "标准内容": first.text,
        "计分方式": first.get_method_display(),
        "分值": first.max_score,
        "佐证材料要求": first.evidence_required,
        "示例条目": "是",
    }
    # The categories in their reading order, as the standards page shows them.
    assert rows[0]["分类指导类别"] == "党群部门" and rows[-1]["分类指导类别"] == "国有企业"
    assert {r["年度"] for r in rows} == {this_year()}


def test_export_of_a_year_without_standards_is_empty(client, staff):
    client.force_login(staff)
    _, rows = rows_of(export_bytes(client, 2040))
    assert rows == []


def test_export_names_no_organisation_of_another_subtree(client, outsiders, branch_a):
    for outsider in outsiders:
        client.force_login(outsider)
        response = client.get(EXPORT_URL, {"year": this_year(), "organization": branch_a.pk})
        assert response.status_code == 200
        assert branch_a.name not in response.content.decode()


def test_export_queries_do_not_grow_with_rows(client, staff, django_assert_max_num_queries):
    RatingStandard.objects.bulk_create(
        RatingStandard(
            year=YEAR,
            code=f"Q-{n:03d}",
            category="social",
            aspect="team",
            five_strong="team",
            text=f"第{n}项",
            method=RatingStandard.Method.DEDUCTION,
            max_score=Decimal("2.5"),
            sort_order=n,
        )
        for n in range(300)
    )
    client.force_login(staff)
    # session, user, its organisation, count, the rows (one streamed query), export job
    # insert inside a savepoint and its release.
    with django_assert_max_num_queries(8):
        content = export_bytes(client, YEAR)
    _, rows = rows_of(content)
    assert len(rows) == 300
    assert rows[0]["计分方式"] == "扣分制（最多扣至上限）" and rows[0]["分值"] == 2.5


# Round trip -----------------------------------------------------------------------------------


def test_exported_file_imports_back_unchanged(client, staff):
    RatingStandard.objects.filter(year=this_year()).update(is_sample=False)
    client.force_login(staff)
    before, history = catalogue(), history_count()
    batch = upload(client, export_bytes(client, this_year()))
    assert batch.error_count == 0, texts(batch)
    assert (batch.summary["created"], batch.summary["updated"]) == (0, 0)
    assert batch.summary["unchanged"] == 62
    commit(client, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert catalogue() == before
    assert history_count() == history


def test_reimported_samples_become_the_committees_own(client, staff):
    client.force_login(staff)
    sample = RatingStandard.objects.filter(year=this_year()).order_by("pk").first()
    batch = upload(client, export_bytes(client, this_year()))
    assert batch.error_count == 0, texts(batch)
    assert batch.summary["updated"] == 62
    commit(client, batch)
    assert not RatingStandard.objects.filter(year=this_year(), is_sample=True).exists()
    sample.refresh_from_db()
    record = sample.history.latest("history_date")
    assert record.history_user == staff
    assert record.history_change_reason == "Excel 导入"
    assert record.text == sample.text and record.max_score == sample.max_score
    # The other year's catalogue is not touched.
    assert RatingStandard.objects.filter(year=this_year() - 1, is_sample=True).count() == 62


def test_import_updates_known_codes_creates_new_ones_and_keeps_the_rest(client, staff):
    kept = make_standard("T-00", sort_order=7)
    changed = make_standard("T-01", category="party_mass", sort_order=3)
    client.force_login(staff)
    content = workbook_bytes(
        [
            row("T-01", 标准内容="按工委文件修订的内容", 计分方式="扣分制", 分值="3.5"),
            row("T-02", 分值="2", 佐证材料要求=None, 计分方式="达标制（达标得满分，不达标0分）"),
            # The same code in another year is another item.
            row("T-01", 年度=YEAR + 1),
        ],
        headers=HEADERS[:-1],
    )
    batch = upload(client, content)
    assert batch.error_count == 0, texts(batch)
    assert (batch.summary["created"], batch.summary["updated"]) == (2, 1)
    assert not RatingStandard.objects.filter(code="T-02").exists()  # nothing before commit

    commit(client, batch)
    changed.refresh_from_db()
    assert changed.text == "按工委文件修订的内容"
    assert changed.method == RatingStandard.Method.DEDUCTION
    assert changed.max_score == Decimal("3.5")
    assert RatingStandard.objects.filter(pk=kept.pk).exists()  # left out of the file: kept
    new = RatingStandard.objects.get(year=YEAR, code="T-02")
    assert new.method == RatingStandard.Method.PASS_FAIL and new.evidence_required == ""
    assert not new.is_sample
    assert new.sort_order == 8  # after the category's existing items
    assert RatingStandard.objects.get(year=YEAR + 1, code="T-01").sort_order == 1
    for standard in (changed, new):
        record = standard.history.latest("history_date")
        assert (record.history_user, record.history_change_reason) == (staff, "Excel 导入")


# Bad input ------------------------------------------------------------------------------------


BAD_ROWS = [
    (
        {"分类指导类别": "宣传部门"},
        "第2行「分类指导类别」列：“宣传部门”不是可选值，应为“党群部门”、“社会事务”、"
        "“经济管理和综合执法”、“国有企业”、“其他”之一",
    ),
    (
        {"方面": "制度建设"},
        "第2行「方面」列：“制度建设”不是可选值，应为“组织设置”、“队伍建设”、“运行机制”、"
        "“基本保障”之一",
    ),
    ({"五强": "作风强"}, "第2行「五强」列：“作风强”不是可选值"),
    ({"计分方式": "加分制"}, "第2行「计分方式」列：“加分制”不是可选值"),
    ({"标准内容": None}, "第2行「标准内容」列：不能为空"),
    ({"标准内容": "   "}, "第2行「标准内容」列：不能为空"),
    ({"编号": None}, "第2行「编号」列：不能为空"),
    ({"编号": "X" * 21}, "第2行「编号」列：内容过长（21个字），不能超过20个字"),
    ({"分值": None}, "第2行「分值」列：计分制须填写满分，且须大于0"),
    ({"分值": 0, "计分方式": "扣分制"}, "第2行「分值」列：扣分制须填写最多扣分，且须大于0"),
    ({"分值": -2, "计分方式": "计分制"}, "第2行「分值」列：计分制须填写满分，且须大于0"),
    ({"分值": None, "计分方式": "达标制"}, "第2行「分值」列：达标制须填写达标所得分值，且须大于0"),
    ({"分值": "五分"}, "第2行「分值」列：“五分”不是数字，应填写数字，例如 5 或 2.5"),
    ({"分值": 2.25}, "第2行「分值」列：分值最多保留一位小数"),
    ({"分值": 123456}, "第2行「分值」列：分值不能超过99999.9"),
    ({"年度": "明年"}, "第2行「年度」列：“明年”不是年份，应填写2000至2100之间的整数"),
    ({"年度": 1999}, "第2行「年度」列：年份须在2000至2100之间"),
    ({"年度": None}, "第2行「年度」列：不能为空"),
    ({"标准内容": "=HYPERLINK(1)"}, "第2行「标准内容」列：内容以“=”开头，可能是公式"),
]


@pytest.mark.parametrize(("change", "expected"), BAD_ROWS)
def test_bad_cells_are_refused_by_row_and_column(client, staff, change, expected):
    make_standard("T-01")
    client.force_login(staff)
    before, history = catalogue(), history_count()
    content = workbook_bytes(
        # A good update and a good new row next to the bad one: all or nothing.
        [row("T-05", **change), row("T-01", 标准内容="改过的内容"), row("T-09")],
        headers=HEADERS[:-1],
    )
    batch = upload(client, content)
    assert batch.status == ImportBatch.Status.FAILED
    assert len(texts(batch)) == 1
    assert texts(batch)[0].startswith(expected), texts(batch)
    commit(client, batch)
    assert catalogue() == before
    assert history_count() == history


def test_a_code_twice_in_one_year_is_refused_naming_the_first_row(client, staff):
    client.force_login(staff)
    before = catalogue()
    content = workbook_bytes(
        [row("T-01"), row("T-02"), row("T-01", 标准内容="另一条")], headers=HEADERS[:-1]
    )
    batch = upload(client, content)
    assert texts(batch) == [f"第4行「编号」列：{YEAR}年度的编号“T-01”与第2行重复"]
    commit(client, batch)
    assert catalogue() == before


def test_every_problem_of_a_file_is_listed(client, staff):
    client.force_login(staff)
    content = workbook_bytes(
        [row("T-01", 方面="未知"), row("T-02", 分值="abc", 标准内容=None)], headers=HEADERS[:-1]
    )
    batch = upload(client, content)
    assert texts(batch) == [
        "第2行「方面」列：“未知”不是可选值，应为“组织设置”、“队伍建设”、“运行机制”、“基本保障”之一",
        "第3行「标准内容」列：不能为空",
        "第3行「分值」列：“abc”不是数字，应填写数字，例如 5 或 2.5",
    ]


def test_a_file_with_other_headers_is_refused_whole(client, staff):
    client.force_login(staff)
    content = workbook_bytes([["DQ-01", "内容"]], headers=["编号", "内容"])
    response = client.post(CREATE_URL, {"file": SimpleUploadedFile("x.xlsx", content)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


# Who may import -------------------------------------------------------------------------------


def test_only_the_work_committee_may_import(client, staff, committee_admin, secretary, outsiders):
    content = workbook_bytes([row("T-01")], headers=HEADERS[:-1])
    # outsiders[0] is a system administrator of a party committee: it publishes, but it is
    # not the work committee.
    for user in [committee_admin, secretary, *outsiders]:
        client.force_login(user)
        assert client.get(CREATE_URL).status_code == 403, user
        assert client.get(TEMPLATE_URL).status_code == 403, user
        response = client.post(CREATE_URL, {"file": SimpleUploadedFile("a.xlsx", content)})
        assert response.status_code == 403, user
    assert not ImportBatch.objects.exists()
    assert not RatingStandard.objects.filter(year=YEAR).exists()
    client.force_login(staff)
    assert client.get(CREATE_URL).status_code == 200


def test_the_importer_itself_refuses_others(outsiders):
    importer = get_importer("rating-standards")
    content = workbook_bytes([row("T-01")], headers=HEADERS[:-1])
    with pytest.raises(PermissionDenied):
        importer.check(io.BytesIO(content), user=outsiders[0])


def test_a_batch_of_staff_cannot_be_committed_by_a_party_committee(client, staff, outsiders):
    client.force_login(staff)
    batch = upload(client, workbook_bytes([row("T-01")], headers=HEADERS[:-1]))
    client.force_login(outsiders[0])
    response = client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]))
    assert response.status_code in (403, 404)
    assert not RatingStandard.objects.filter(year=YEAR).exists()


def test_template_has_the_export_columns_without_the_sample_flag(client, staff):
    client.force_login(staff)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in sheet[1]] == HEADERS[:-1]


# The standards page ---------------------------------------------------------------------------


def test_standards_page_links_export_for_all_and_import_for_the_work_committee(
    client, staff, secretary
):
    list_url = reverse("branches:ratingstandard-list")
    client.force_login(secretary)
    body = client.get(list_url, {"year": this_year()}).content.decode()
    assert f"{EXPORT_URL}?year={this_year()}" in body
    assert CREATE_URL not in body
    client.force_login(staff)
    body = client.get(list_url, {"year": this_year()}).content.decode()
    assert CREATE_URL in body and EXPORT_URL in body


def test_checking_a_file_runs_the_same_queries_for_few_and_many_rows(staff):
    importer = get_importer("rating-standards")
    counts = []
    for size in (3, 200):
        content = workbook_bytes([row(f"T-{n:03d}") for n in range(size)], headers=HEADERS[:-1])
        with CaptureQueriesContext(connection) as queries:
            result = importer.check(io.BytesIO(content), user=staff)
        assert result.ok and result.count("create") == size
        counts.append(len(queries.captured_queries))
    # The user's organisation (work committee check), the file's known codes, the sort orders.
    assert counts[0] == counts[1] <= 3
