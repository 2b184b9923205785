"""The bad-file corpus (tests/ledgers/bad_files/): every file is refused with a Chinese message
that names the row and column where it can, and the database is left exactly as it was."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alxa_dangjian.ledgers.models import ImportBatch
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import (
    database_fingerprint,
    id_number,
    junk_bytes,
    path,
)

CREATE_URL = reverse("ledgers:importbatch-create", args=["members"])


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def league(secretary, branch_a, branch_b):
    """A populated league, so that "unchanged" is a real claim."""
    MemberFactory.create_batch(3, organization=branch_a)
    MemberFactory(organization=branch_b, name="乙局党员")


def upload(client, name, content=None):
    content = path(name).read_bytes() if content is None else content
    return client.post(CREATE_URL, {"file": SimpleUploadedFile(name, content)})


def form_error(response) -> str:
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors["file"]
    return " ".join(errors)


def batch_errors(response) -> list[str]:
    """The errors of the batch the upload created, as the sentences users read."""
    assert response.status_code == 302, form_error(response)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    return [f"第{e['row']}行「{e['column']}」列：{e['message']}" for e in batch.errors]


# Files refused before any row is read: no batch, no stored file, nothing written.
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("members.xls", "只能上传 Excel 文件（.xlsx）"),
        ("members.csv", "只能上传 Excel 文件（.xlsx）"),
        ("renamed_text.xlsx", "文件内容不是 Excel（.xlsx）格式，可能是改了扩展名的其他文件"),
        ("renamed_pdf.xlsx", "文件内容不是 Excel（.xlsx）格式"),
        ("renamed_docx.xlsx", "文件内容不是 Excel（.xlsx）格式"),
        (
            "wrong_headers.xlsx",
            "第1行的表头与导入模板不一致：缺少列「公民身份号码」、「党员类型」；无法识别的列「身份证号」",
        ),
        ("duplicated_header.xlsx", "第1行的表头与导入模板不一致：重复的列「姓名」"),
        ("missing_headers.xlsx", "缺少列「出生日期」、「公民身份号码」"),
        ("empty_sheet.xlsx", "工作表是空的"),
        ("header_only.xlsx", "第1行是表头，但表中没有数据行"),
    ],
)
def test_unreadable_files_are_refused_whole(client, secretary, league, tmp_path, name, message):
    client.force_login(secretary)
    before = database_fingerprint()
    response = upload(client, name)
    assert message in form_error(response)
    assert database_fingerprint() == before
    assert not ImportBatch.objects.exists()
    assert not (tmp_path / "media").exists()


def test_a_10_mb_junk_file_is_refused_for_its_size(client, secretary, league):
    client.force_login(secretary)
    before = database_fingerprint()
    response = upload(client, "junk.xlsx", junk_bytes())
    assert "文件过大（10 MB），不能超过 5 MB" in form_error(response)
    assert database_fingerprint() == before
    assert not ImportBatch.objects.exists()


def test_junk_under_the_size_limit_is_refused_for_its_content(client, secretary, league):
    client.force_login(secretary)
    before = database_fingerprint()
    response = upload(client, "junk.xlsx", junk_bytes(1024 * 1024))
    assert "文件内容不是 Excel（.xlsx）格式" in form_error(response)
    assert database_fingerprint() == before


def test_bad_dates_are_named_by_row_and_column(client, secretary, league):
    client.force_login(secretary)
    before = database_fingerprint()
    errors = batch_errors(upload(client, "bad_dates.xlsx"))
    assert errors == [
        "第5行「出生日期」列：日期格式不正确，应为 2024-01-31",
        "第6行「入党日期」列：日期“2010-02-30”不存在，请核对",
    ]
    assert database_fingerprint() == before


def test_bad_id_numbers_are_named_by_row_and_column(client, secretary, league):
    client.force_login(secretary)
    before = database_fingerprint()
    errors = batch_errors(upload(client, "bad_id_numbers.xlsx"))
    assert errors == [
        "第2行「公民身份号码」列：身份证号码校验位错误，请核对",
        "第3行「公民身份号码」列：身份证号码应为18位（17位数字加1位数字或X）",
        "第4行「公民身份号码」列：出生日期与身份证号码不一致（号码显示为1985年03月07日）",
        "第5行「公民身份号码」列：性别与身份证号码不一致（号码显示为男）",
        "第6行「公民身份号码」列：公民身份号码已打码（含“*”），无法识别；"
        "请使用含完整身份证号的导出文件或填写完整号码",
        "第7行「公民身份号码」列：公民身份号码被 Excel 存成了数字（会丢失末几位），"
        "请把该列设置为“文本”格式后重新填写",
    ]
    assert database_fingerprint() == before


def test_duplicate_id_numbers_within_the_file(client, secretary, league, branch_b):
    # Row 3's number is held in another subtree: the preview does not say so (no oracle,
    # tests/branches/test_id_number_oracle.py); only the duplicate within the file is named.
    MemberFactory(organization=branch_b, id_number=id_number(2))
    client.force_login(secretary)
    before = database_fingerprint()
    errors = batch_errors(upload(client, "duplicate_id_numbers.xlsx"))
    assert errors == ["第4行「公民身份号码」列：与第2行重复"]
    assert database_fingerprint() == before


def test_unknown_and_foreign_branches_get_the_same_answer(client, secretary, league):
    client.force_login(secretary)
    before = database_fingerprint()
    errors = batch_errors(upload(client, "unknown_branch.xlsx"))
    assert errors == [
        "第3行「所在党支部」列：未找到党组织“不存在的党支部”，或该党组织不在您的管理范围内",
        "第4行「所在党支部」列：未找到党组织“乙局机密党支部”，或该党组织不在您的管理范围内",
    ]
    assert database_fingerprint() == before


def test_formula_cells_and_formula_looking_texts_are_refused(client, secretary, league):
    client.force_login(secretary)
    before = database_fingerprint()
    errors = batch_errors(upload(client, "formula_injection.xlsx"))
    tail = "可能是公式，为安全起见不予导入；请删除开头的“{c}”或改为文字内容"
    assert errors == [
        "第3行「姓名」列：内容以“=”开头，" + tail.format(c="="),
        "第4行「籍贯」列：内容以“@”开头，" + tail.format(c="@"),
        "第4行「电话」列：内容以“+”开头，" + tail.format(c="+"),
        "第4行「党内职务」列：内容以“-”开头，" + tail.format(c="-"),
    ]
    assert database_fingerprint() == before
    assert "cmd|" not in str(ImportBatch.objects.get().errors)


def test_the_preview_page_lists_every_error_by_row_and_column(client, secretary, league):
    client.force_login(secretary)
    response = upload(client, "bad_dates.xlsx")
    page = client.get(response.url).content.decode()
    assert "文件中有 2 个问题，未导入任何数据" in page
    assert (
        '<td class="text-end">第5行</td><td>出生日期</td><td>日期格式不正确，应为 2024-01-31</td>'
        in page
    )
    assert "确认导入" not in page


def test_a_failed_batch_cannot_be_committed(client, secretary, league):
    client.force_login(secretary)
    upload(client, "bad_dates.xlsx")
    batch = ImportBatch.objects.get()
    before = database_fingerprint()
    response = client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]), follow=True)
    assert "该批次已导入或存在问题，不能再次导入" in response.content.decode()
    assert database_fingerprint() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
