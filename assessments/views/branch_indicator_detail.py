"""The records behind the year-end assessment's organisation-building indicators (按期换届,
发展党员程序合规, 组织设置规范) for one organisation and year: every term, step or branch the
indicator judged, whether it counts, and why not. The rows come from the indicators' own
functions (assessments/branch_indicators.py), so the page states the numbers the score card
shows."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from branches.models import DevelopmentCase, Organization, Step

from .. import branch_indicators as indicators
from ..indicators import as_of

TITLES = {
    indicators.TERMS: "按期换届",
    indicators.DEVELOPMENT: "发展党员程序合规",
    indicators.SETUP: "组织设置规范",
}
COMPUTE = {
    indicators.TERMS: indicators.terms_on_time,
    indicators.DEVELOPMENT: indicators.development_steps_within_rules,
    indicators.SETUP: indicators.setup_rules_met,
}


def _year(request) -> int:
    """?year= between 2000 and next year, else this year (a bad value is ignored)."""
    today = timezone.localdate()
    return params.integer(
        request, "year", low=params.FIRST_YEAR, high=today.year + 1, default=today.year
    )


def _names(pks) -> dict[int, Organization]:
    return {o.pk: o for o in Organization.objects.filter(pk__in=set(pks))}


def _term_rows(organization, year: int) -> list[dict]:
    _, judged = indicators.judged_terms(year, [organization])
    names = _names(row.organization_id for row in judged)
    return [
        {
            "organization": names[row.organization_id],
            "counted": row.on_time,
            "term": row.term,
            "note": row.note
            or ("按期换届" if row.on_time else "未按期换届" if row.term[3] else "到期未换届"),
        }
        for row in judged
    ]


def _step_rows(organization, year: int) -> list[dict]:
    judged = indicators.judged_steps(year, [organization])
    names = _names(row.organization_id for row in judged)
    cases = {
        case.pk: case
        for case in DevelopmentCase.objects.filter(pk__in={row.case_id for row in judged})
    }
    rows = [
        {
            "organization": names[row.organization_id],
            "case": cases[row.case_id],
            "step": Step(row.step).label,
            "done_on": row.done_on,
            "counted": not row.violations,
            "note": "；".join(row.violations) or "符合时限规则",
        }
        for row in judged
    ]
    return sorted(rows, key=lambda r: (r["organization"].path, r["done_on"], r["case"].pk))


def _setup_rows(organization, year: int) -> list[dict]:
    return [
        {
            "organization": branch,
            "counted": not warnings,
            "note": "；".join(warnings) or "符合设置要求",
        }
        for branch, warnings in indicators.setup_warnings([organization])
    ]


ROWS = {
    indicators.TERMS: _term_rows,
    indicators.DEVELOPMENT: _step_rows,
    indicators.SETUP: _setup_rows,
}


@require_GET
def indicator_detail(request, pk):
    """?code= names the indicator (an unknown one is a 404), ?year= the year."""
    organization = get_visible_or_404(Organization, request.user, pk=pk)
    code = request.GET.get("code", "")
    if code not in TITLES:
        raise Http404
    year = _year(request)
    return render(
        request,
        "assessments/branch_indicator_detail.html",
        {
            "organization": organization,
            "year": year,
            "code": code,
            "title": TITLES[code],
            "measure": COMPUTE[code](year, [organization])[organization.pk],
            "rows": ROWS[code](organization, year),
            "as_of": as_of(year),
        },
    )


urlpatterns = [
    path("indicators/<int:pk>/", indicator_detail, name="indicator-detail"),
]
