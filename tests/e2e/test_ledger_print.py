"""Exported ledgers print well when LibreOffice (an independent reader) turns them into a PDF:
page numbers in the footer, the title in the header, the wrapped header row clear of the first
data row, long names whole, the header repeated on every page."""

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from alxa_dangjian.ledgers.xlsx import Column, write_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT) and not os.environ.get("CI"),
    reason="needs libreoffice-calc-nogui and poppler-utils (.ci/run installs them)",
)

COLUMNS = [
    Column("序号", kind="int"),
    Column("姓名"),
    Column("所在党组织（全称，含上级党委名称）"),
    Column("本年度参加组织生活次数（含三会一课与主题党日）", kind="int"),
    Column("入党日期", kind="date"),
]
LONG_NAME = "中共阿拉善盟公安局交通警察支队第二大队党支部"


def _rows(count):
    import datetime as dt

    for i in range(1, count + 1):
        yield (i, f"党员{i:03d}", LONG_NAME, i % 13, dt.date(1990, 1, 1) + dt.timedelta(days=i))


class _Words(HTMLParser):
    """Words of `pdftotext -bbox` output: (page, text, yMin, yMax)."""

    def __init__(self):
        super().__init__()
        self.page, self.words, self._current = 0, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "page":
            self.page += 1
        elif tag == "word":
            values = dict(attrs)
            self._current = [self.page, "", float(values["ymin"]), float(values["ymax"])]

    def handle_data(self, data):
        if self._current is not None:
            self._current[1] += data

    def handle_endtag(self, tag):
        if tag == "word" and self._current is not None:
            self.words.append(tuple(self._current))
            self._current = None


@pytest.fixture
def printed(tmp_path):
    workbook = tmp_path / "党员名册.xlsx"
    write_workbook(
        workbook,
        title="党员名册 & 组织生活统计",
        subtitle="导出于 2026-12-03",
        columns=COLUMNS,
        rows=_rows(120),
    )
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "党员名册.pdf"
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    bbox = subprocess.run(
        [PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = _Words()
    words.feed(bbox)
    return text, words.words


def test_every_page_is_numbered_and_carries_the_title_and_header_row(printed):
    text, words = printed
    pages = text.split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2, "120 rows should need more than one A4 page"
    for number, page in enumerate(pages, 1):
        compact = re.sub(r"\s+", "", page)
        assert f"第{number}页，共{len(pages)}页" in compact
        assert "党员名册&组织生活统计" in compact  # the page header; '&' printed once
        assert "入党日期" in compact  # the header row repeats


def test_long_names_are_printed_whole(printed):
    text, _ = printed
    assert LONG_NAME in re.sub(r"[ \t]+", "", text)


def test_the_wrapped_header_row_clears_the_first_data_row(printed):
    _, words = printed
    first_page = [word for word in words if word[0] == 1]
    header_bottom = max(
        y_max
        for _, text, _, y_max in first_page
        if text in {"序号", "姓名", "入党日期"} or "含三会" in text or "一课" in text
    )
    first_row_top = min(y_min for _, text, y_min, _ in first_page if text == "党员001")
    assert header_bottom < first_row_top
