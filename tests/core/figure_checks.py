"""The figure consistency harness: every number a page shows beside a link, and the total the
linked page states.

A figure is read from `response.context` (the cockpit object and the profile's sections),
never from sliced markup. The linked page states its total as the element
`data-testid="list-total" data-total="N"` (templates/includes/_pagination.html for paged lists;
unpaged lists add the same element). A ratio (a share in %) links to the records of its
numerator, which the page states as its total, and the page states the denominator as
`data-testid="list-denominator" data-total="N"`.

`checks_of_cockpit` and `checks_of_profile` turn a page's context into `Check`s; `Walker`
opens each link once per user and compares. A figure provider or profile section with a new
shape adds its numbers here.
"""

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

    @property
    def family(self) -> str:
        """The figure or section the number belongs to (the first segment of its key)."""
        return self.key.split("/", 1)[0]

    @property
    def is_ratio(self) -> bool:
        # Counts are ints; a float (even 28.0) is a share and must say what it divides.
        return self.denominator is not None or isinstance(self.value, float)


@dataclass(frozen=True)
class Stated:
    """What a linked page says: its status code and the totals it states (all occurrences)."""

    status: int
    totals: tuple[str, ...]
    denominators: tuple[str, ...]


class _TotalParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.totals: list[str] = []
        self.denominators: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        testid = attributes.get("data-testid")
        if testid == "list-total":
            self.totals.append(attributes.get("data-total") or "")
        elif testid == "list-denominator":
            self.denominators.append(attributes.get("data-total") or "")


def stated_totals(html: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(totals, denominators) stated by a page, as the strings of their data-total."""
    parser = _TotalParser()
    parser.feed(html)
    return tuple(parser.totals), tuple(parser.denominators)


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
            if n:  # an empty cell is shown as a grey 0 without a link
                checks.append(
                    Check(
                        f"{prefix}organizations/matrix/{row['type']}/{category}",
                        row["label"],
                        n,
                        url,
                    )
                )
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
        self._seen: dict[str, Stated] = {}

    def stated(self, url: str) -> Stated:
        if url not in self._seen:
            response = self.client.get(url)
            body = response.content.decode() if response.status_code == 200 else ""
            totals, denominators = stated_totals(body)
            self._seen[url] = Stated(response.status_code, totals, denominators)
        return self._seen[url]

    def problems(self, checks: list[Check]) -> list[tuple[Check, str]]:
        found = []
        for check in checks:
            problem = compare(check, self.stated(check.url) if check.url else None)
            if problem:
                found.append((check, problem))
        return found
