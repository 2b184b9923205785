"""The figure consistency harness: every number a page shows beside a link, and the total the
linked page states.

A figure is read from `response.context` (the cockpit object and the profile's sections),
never from sliced markup. The linked page states its total as the element
`data-testid="list-total" data-total="N"` (templates/includes/_pagination.html for paged lists;
unpaged lists add the same element). A ratio (a share in %) links to the records of its
numerator, which the page states as its total, and the page states the denominator as
`data-testid="list-denominator" data-total="N"`.

`checks_of_cockpit` and `checks_of_profile` turn a page's context into `Check`s,
`checks_of_charts` the segments of its charts (a bar, a slice: the list it opens states the
segment's value, or its sum for a series of 学时), and `checks_of_markup` the page's markup:
every count a template marks (`data-count`) must sit inside its link, and any other digit run
of <main> that is not a date, time, year, ordinal or share, nor marked as a measure that
counts no records (`data-measure`), fails as a number without a link. `Walker` opens each
link once per user and compares; a link to `page#section` is compared with the total the
page states for that section (`data-section`). A figure provider or profile section with a
new shape adds its numbers here.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class Check:
    """One number shown with a link: `value` must equal the linked page's stated total; for a
    ratio, `numerator` must and `denominator` must equal the stated denominator."""

    key: str  # "<figure key>", "<figure key>/<part key>", "<section>/<…>"
    label: str
    value: int | float | None
    url: str
    numerator: int | None = None
    denominator: int | None = None
    # "total": the value counts records, the linked page states them as `list-total`;
    # "sum": the value sums a quantity of them (a chart's 学时), stated as `list-sum`.
    of: str = "total"

    @property
    def family(self) -> str:
        """The figure or section the number belongs to (the first segment of its key)."""
        return self.key.split("/", 1)[0]

    @property
    def is_ratio(self) -> bool:
        # Counts are ints; a float (even 28.0) is a share and must say what it divides.
        if self.of == "sum":
            return False
        return self.denominator is not None or isinstance(self.value, float)


@dataclass(frozen=True)
class Stated:
    """What a linked page says: its status code and the totals it states (all occurrences)."""

    status: int
    totals: tuple[str, ...]
    denominators: tuple[str, ...]
    sums: tuple[str, ...] = ()


class _TotalParser(HTMLParser):
    """The totals a page states; a total marked `data-section="x"` is stated for the links
    that open the page at `#x` (a section of a page listing several kinds of records, e.g.
    the organisation page's 党小组, 所在单位 and 委员), the others for links without one."""

    def __init__(self, section: str = ""):
        super().__init__()
        self.section = section
        self.totals: list[str] = []
        self.denominators: list[str] = []
        self.sums: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        testid = attributes.get("data-testid")
        if (attributes.get("data-section") or "") != self.section:
            return
        if testid == "list-total":
            self.totals.append(attributes.get("data-total") or "")
        elif testid == "list-denominator":
            self.denominators.append(attributes.get("data-total") or "")
        elif testid == "list-sum":
            self.sums.append(attributes.get("data-total") or "")


def stated_totals(html: str, section: str = "") -> tuple[tuple[str, ...], ...]:
    """(totals, denominators, sums) stated by a page (or by its `section`), as the strings of
    their data-total."""
    parser = _TotalParser(section)
    parser.feed(html)
    return tuple(parser.totals), tuple(parser.denominators), tuple(parser.sums)


def _one(values: tuple[str, ...], what: str) -> tuple[int | None, str]:
    """The single number a page states, or an explanation of why there is none."""
    distinct = set(values)
    if not distinct:
        return None, f"链接页面未标明{what}"
    if len(distinct) > 1:
        return None, f"链接页面标明了不一致的{what} {sorted(distinct)}"
    raw = distinct.pop()
    if not raw.isdigit():
        return None, f"链接页面的{what}不是整数：{raw!r}"
    return int(raw), ""


def compare(check: Check, stated: Stated | None) -> str:
    """'' when the page agrees with the number, else what is wrong (one line); `stated` is
    None for a number shown without a link."""
    where = f"{check.key} “{check.label}” = {check.value} → {check.url}"
    if not check.url or stated is None:
        return f"{where}: 数字没有链接"
    if stated.status != 200:
        return f"{where}: 链接返回 {stated.status}"
    if check.of == "sum":
        sums = set(stated.sums)
        if len(sums) != 1:
            return f"{where}: 链接页面未标明唯一的合计（list-sum）{sorted(sums)}"
        try:
            summed = float(sums.pop())
        except ValueError:
            return f"{where}: 链接页面的合计不是数字"
        if check.value is not None and abs(summed - float(check.value)) > 1e-6:
            return f"{where}: 链接页面合计 {summed:g}"
        return ""
    if check.value is None and check.numerator is None and check.denominator is not None:
        # A denominator shown on its own (beside a ratio): the page states it.
        denominator, problem = _one(stated.denominators, "分母（list-denominator）")
        if problem:
            return f"{where}: {problem}"
        if denominator != check.denominator:
            return f"{where}: 分母 {check.denominator}，链接页面为 {denominator}"
        return ""
    total, problem = _one(stated.totals, "总数（list-total）")
    if problem:
        return f"{where}: {problem}"
    if check.is_ratio:
        if check.numerator is None or check.denominator is None:
            return f"{where}: 比例未给出分子和分母"
        denominator, problem = _one(stated.denominators, "分母（list-denominator）")
        if problem:
            return f"{where}: {problem}"
        if (total, denominator) != (check.numerator, check.denominator):
            return (
                f"{where}: 比例 {check.numerator}/{check.denominator}，"
                f"链接页面为 {total}/{denominator}"
            )
        return ""
    if check.value is None:
        return ""  # shown as "—": nothing counted to compare
    if total != check.value:
        return f"{where}: 链接页面共 {total} 条"
    return ""


def _ratio_fields(item) -> dict:
    return {"numerator": item.numerator, "denominator": item.denominator}


def checks_of_cockpit(cockpit, prefix: str = "") -> list[Check]:
    """Every figure, figure part and organisation-matrix number of a cockpit."""
    checks = []
    for figure in cockpit.figures:
        checks.append(
            Check(
                prefix + figure.key, figure.label, figure.value, figure.url, **_ratio_fields(figure)
            )
        )
        for part in figure.parts:
            checks.append(
                Check(
                    f"{prefix}{figure.key}/{part.key}",
                    part.label,
                    part.value,
                    part.url,
                    **_ratio_fields(part),
                )
            )
        if figure.key == "organizations":
            checks.extend(_matrix_checks(figure, prefix))
    return checks


def _matrix_checks(figure, prefix: str) -> list[Check]:
    checks = []
    for row in figure.extra.get("matrix", []):
        checks.append(
            Check(
                f"{prefix}organizations/matrix/{row['type']}",
                row["label"],
                row["total"],
                row["url"],
            )
        )
        for category, n, url in row["cells"]:
            # An empty cell too: its grey 0 opens the (empty) list it counts.
            key = f"{prefix}organizations/matrix/{row['type']}/{category}"
            checks.append(Check(key, row["label"], n, url))
    for value, label, n, url in figure.extra.get("category_totals", []):
        checks.append(Check(f"{prefix}organizations/category/{value}", label, n, url))
    return checks


def checks_of_profile(context) -> list[Check]:
    """The profile's own sections. Its cockpit is checked with `checks_of_cockpit`; the
    roster, 学时达标, 责任清单 and 欠缴 lines show figures of that cockpit with the figure's and
    parts' own links, and are checked again here as the profile shows them."""
    checks = []
    for cell in context.get("calendar", []):
        if cell["held"]:
            checks.append(
                Check(
                    f"calendar/{cell['month']}",
                    f"{cell['month']}月组织生活",
                    cell["held"],
                    cell["url"],
                )
            )
    if "classes_held" in context:
        checks.append(
            Check("classes-held", "举办培训班", context["classes_held"], context["classes_url"])
        )
    for name in ("member_figure", "training_figure", "list_figure", "arrears_figure"):
        figure = context.get(name)
        if figure is not None:
            checks += checks_of_cockpit(_OneFigure(figure), prefix="profile/")
    for shown in context.get("lists", []):
        checks.append(
            Check(
                f"lists/{shown.pk}",
                f"{shown.type.name}事项",
                shown.item_count,
                shown.items_url,
            )
        )
    if context.get("dues_on_time") is not None:
        checks.append(
            Check(
                "dues-on-time",
                "党费按时足额交纳率",
                float(context["dues_on_time"]),
                context["dues_on_time_url"],
                numerator=context["dues_paid"],
                denominator=context["dues_due"],
            )
        )
    return checks


def checks_of_charts(cockpit, prefix: str = "") -> list[Check]:
    """Every segment of the cockpit's bar and pie charts (a bar, a slice) that opens a list:
    its value is the linked page's stated total, or its stated sum for a series that sums a
    quantity (`Series.stated == "sum"`). A heatmap's cells are compliance statuses or shares
    of branches, which open the compliance pages of that month, not a list."""
    checks = []
    for chart in cockpit.charts:
        if chart.kind == "heatmap":
            continue
        for series in chart.series:
            segments = zip(chart.categories, series.values, series.urls, strict=True)
            for category, value, url in segments:
                if not value:
                    continue  # an empty bar draws nothing to click
                checks.append(
                    Check(
                        f"{prefix}chart/{chart.key}/{series.name}/{category}",
                        f"{chart.title}：{series.name} {category}",
                        value,
                        url,
                        of=series.stated,
                    )
                )
    return checks


@dataclass(frozen=True)
class _OneFigure:
    """A single figure shaped as a cockpit, for `checks_of_cockpit`."""

    figure: object

    @property
    def figures(self):
        return [self.figure]


class Walker:
    """Opens each link once per logged-in client and compares it with every number that
    points to it."""

    def __init__(self, client):
        self.client = client
        self._pages: dict[str, tuple[int, str]] = {}

    def stated(self, url: str) -> Stated:
        address, _, section = url.partition("#")
        if address not in self._pages:
            response = self.client.get(address)
            body = response.content.decode() if response.status_code == 200 else ""
            self._pages[address] = (response.status_code, body)
        status, body = self._pages[address]
        return Stated(status, *stated_totals(body, section))

    def problems(self, checks: list[Check]) -> list[tuple[Check, str]]:
        found = []
        for check in checks:
            problem = compare(check, self.stated(check.url) if check.url else None)
            if problem:
                found.append((check, problem))
        return found


# The page's own numbers, read from its markup ------------------------------------------------
#
# Templates mark every record count they show: `data-count="N"` on the element showing it
# (inside the link to its records), `data-denominator="N"` on the denominator of a ratio shown
# beside it (inside a link to the page stating that denominator). A number that counts no
# records says what it is with `data-measure="…"` (a score, a rank, a change from last
# year, a display limit, a note).
# `marked_numbers` returns the marked counts and, for the rest of the page's <main>, every
# digit run that is neither inside a link nor a date, time, year, month, day, ordinal or
# percentage: a count shown without its link.

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
SKIPPED = {"script", "style", "template", "noscript"}
# What a digit run may be without a link: a date (2026-01-31, 2026.1.31), a time (13:45), a
# year, month or day (2026年, 3月, 31日), an ordinal (第3届, 第2季度) or a share (95%).
NOT_A_COUNT = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}\.[0-9]{1,2}(?:\.[0-9]{1,2})?|[0-9]{1,2}:[0-9]{2}"
    r"|[0-9]+\s*(?:年|月|日)|第\s*[0-9]+|[0-9]+(?:\.[0-9]+)?\s*%"
)
DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Marked:
    """A number the markup shows: `kind` is "count" or "denominator"."""

    kind: str
    value: str
    url: str  # the href of the innermost link around it ("" when none)
    context: str  # the text around it, to name it in a failure


class _MarkupParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.marked: list[Marked] = []
        self.bare: list[str] = []
        self._open_marks: list[list] = []  # [kind, value, url, text parts] per open mark
        self._in_main = 0

    def _inside(self, test) -> bool:
        return any(test(tag, attrs) for tag, attrs in self.stack)

    def _link(self) -> str:
        for tag, attrs in reversed(self.stack):
            if tag == "a" and attrs.get("href"):
                return attrs["href"]
        return ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "main":
            self._in_main += 1
        if tag in VOID:
            return
        self.stack.append((tag, attributes))
        link = self._link()
        for kind, name in (("count", "data-count"), ("denominator", "data-denominator")):
            if name in attributes:
                self._open_marks.append([kind, attributes[name] or "", link, [], len(self.stack)])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main -= 1
        if tag in VOID or not any(open_tag == tag for open_tag, _ in self.stack):
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            depth = len(self.stack) + 1
            while self._open_marks and self._open_marks[-1][4] == depth:
                kind, value, url, text, _ = self._open_marks.pop()
                self.marked.append(Marked(kind, value, url, "".join(text).strip()))
            if open_tag == tag:
                break

    def handle_data(self, data):
        for mark in self._open_marks:
            mark[3].append(data)
        if not self._in_main or not data.strip():
            return
        if self._inside(lambda tag, attrs: tag in SKIPPED or "data-measure" in attrs):
            return
        if self._inside(lambda tag, attrs: tag == "a" and attrs.get("href")):
            return
        if self._inside(lambda tag, attrs: "data-count" in attrs or "data-denominator" in attrs):
            return  # reported as a marked count without a link
        if DIGITS.search(NOT_A_COUNT.sub("", data)):
            self.bare.append(" ".join(data.split()))


def marked_numbers(html: str) -> tuple[list[Marked], list[str]]:
    """(the numbers the markup marks, the text of every bare digit run in <main>)."""
    parser = _MarkupParser()
    parser.feed(html)
    parser.close()
    return parser.marked, parser.bare


def checks_of_markup(html: str, page: str) -> tuple[list[Check], list[str]]:
    """The page's marked counts as `Check`s (a denominator as a ratio's check, against the
    linked page's stated denominator), and a problem line per bare number."""
    marked, bare = marked_numbers(html)
    checks, problems = [], []
    for n, mark in enumerate(marked):
        key = f"markup/{mark.kind}/{n}"
        label = mark.context[:40]
        if mark.value in ("", "None"):
            continue  # shown as "—": nothing counted
        if not mark.value.isascii() or not mark.value.isdigit():
            problems.append(f"{key} “{label}”: 标记的数字不是整数：{mark.value!r}")
            continue
        value = int(mark.value)
        if mark.kind == "denominator":
            checks.append(Check(key, label, None, mark.url, numerator=None, denominator=value))
        else:
            checks.append(Check(key, label, value, mark.url))
    problems += [f"{page}：数字没有链接也未说明其含义：“{text}”" for text in bare]
    return checks, problems
