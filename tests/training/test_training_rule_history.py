"""The training rules keep their history (who, when, before, after, reason), are written
through services, and a year-end run reads the hour minimums it recorded."""

import datetime

from django.urls import reverse

from alxa_dangjian.core import rules
from tests.factories import MemberFactory
from training import indicators
from training.models import Audience, HourRule, TrainingScheme

THIS_YEAR = datetime.date.today().year


def everyone_rule():
    return HourRule.objects.filter(audience=Audience.ALL_MEMBERS).order_by("-year").first()


def test_an_hour_rule_edit_keeps_who_and_why_and_shows_on_the_rules_page(client, staff):
    rule = everyone_rule()
    client.force_login(staff)
    response = client.post(
        reverse("training:hourrule-edit", args=[rule.pk]),
        {
            "year": rule.year,
            "audience": rule.audience,
            "minimum": 40,
            "source": rule.source,
            "change_reason": "盟委组织部通知",
        },
    )
    assert response.status_code == 302
    record = rule.history.latest()
    assert (record.history_user, record.history_change_reason) == (staff, "盟委组织部通知")
    assert (record.prev_record.minimum, record.minimum) == (32, 40)
    body = client.get(reverse("training:scheme-list")).content.decode()
    assert "盟委组织部通知" in body and "32 → 40" in body


def test_an_hour_rule_edit_without_a_reason_changes_nothing(client, staff):
    rule = everyone_rule()
    client.force_login(staff)
    response = client.post(
        reverse("training:hourrule-edit", args=[rule.pk]),
        {"year": rule.year, "audience": rule.audience, "minimum": 40, "source": rule.source},
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.minimum == 32


def test_a_secretary_cannot_change_an_hour_rule(client, secretary):
    rule = everyone_rule()
    client.force_login(secretary)
    response = client.post(
        reverse("training:hourrule-edit", args=[rule.pk]),
        {"year": rule.year, "audience": rule.audience, "minimum": 1, "change_reason": "x"},
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.minimum == 32


def test_a_scheme_edit_keeps_its_components_history_with_the_reason(client, staff):
    scheme = TrainingScheme.objects.get(year=THIS_YEAR)
    components = list(scheme.components.all())
    data = {
        "year": scheme.year,
        "code": scheme.code,
        "name": scheme.name,
        "note": scheme.note,
        "change_reason": "新增一期专题",
        "components-TOTAL_FORMS": len(components) + 1,
        "components-INITIAL_FORMS": len(components),
    }
    for n, c in enumerate(components):
        data |= {
            f"components-{n}-id": c.pk,
            f"components-{n}-order": c.order,
            f"components-{n}-quantity": c.quantity or "",
            f"components-{n}-unit": c.unit,
            f"components-{n}-course_form": c.course_form,
            f"components-{n}-audience": c.audience,
        }
    last = components[-1]
    data[f"components-{len(components) - 1}-DELETE"] = "on"
    n = len(components)
    data |= {
        f"components-{n}-order": 99,
        f"components-{n}-quantity": 1,
        f"components-{n}-unit": "topic",
        f"components-{n}-course_form": "theory",
        f"components-{n}-audience": Audience.ALL_MEMBERS,
    }
    client.force_login(staff)
    response = client.post(reverse("training:scheme-edit", args=[scheme.pk]), data)
    assert response.status_code == 302
    history = scheme.components.model.history
    added = history.get(order=99, history_type="+")
    removed = history.get(id=last.pk, history_type="-")
    for record in (added, removed):
        assert (record.history_user, record.history_change_reason) == (staff, "新增一期专题")
    assert scheme.history.latest().history_change_reason == "新增一期专题"


def test_hours_met_reads_the_recorded_minimums_when_pinned(branch_a, staff):
    """A member with no hours misses 32; after the minimum drops to 0 today's rules count
    her as met, the recorded versions still do not."""
    MemberFactory(organization=branch_a)
    year = THIS_YEAR
    recorded = rules.current_versions()
    rule = everyone_rule()
    rule.minimum = 0
    rules.save_rule(rule, by=staff, reason="试行")
    met = lambda: indicators.hours_met(year, [branch_a])[branch_a.pk]  # noqa: E731
    assert (met().numerator, met().denominator) == (1, 1)
    with rules.pinned(recorded):
        assert (met().numerator, met().denominator) == (0, 1)
