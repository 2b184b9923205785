"""Every link a persona's home offers leads somewhere (never a 404), including the
"登记组织生活" button of the record lists the home links to."""

import re
from html import unescape

import pytest
from django.urls import reverse

from branches.models import Organization

HREF = re.compile(r'href="(/[^"#]*)"')
PERSONAS = ["secretary", "committee_admin", "staff", "system_admin"]


def hrefs(body: str) -> set[str]:
    return {
        unescape(href)
        for href in HREF.findall(body)
        if not href.startswith(("/static/", "/accounts/logout"))
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_links_resolve_for_each_role(client, request, persona, branch_a, branch_b):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    links = hrefs(home.content.decode())
    assert links, "the home offers no links"
    create = reverse("activities:activity-create")
    followed = set()
    for link in sorted(links):
        response = client.get(link)
        assert response.status_code in (200, 302), (persona, link, response.status_code)
        followed.add(link)
        if link.startswith(reverse("activities:activity-list")) and response.status_code == 200:
            # One level further: the list's own "登记组织生活" button.
            for inner in hrefs(response.content.decode()):
                if inner.startswith(create) and inner not in followed:
                    followed.add(inner)
                    status = client.get(inner).status_code
                    assert status == 200, (persona, link, inner, status)


def test_logging_for_a_committee_offers_its_branches(
    client, staff, root, committee_a, branch_a, branch_a2
):
    client.force_login(staff)
    response = client.get(reverse("activities:activity-create"), {"organization": committee_a.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "请先选择开展活动的党组织" in body
    assert f'value="{branch_a.pk}"' in body and f'value="{branch_a2.pk}"' in body
    # Only branches below the committee named in the link are offered.
    others = Organization.objects.filter(type__in=Organization.BRANCH_TYPES).exclude(
        path__startswith=committee_a.path
    )
    assert others.exists()
    for other in others:
        assert f'value="{other.pk}"' not in body


def test_committee_outside_scope_stays_404(client, secretary, committee_b):
    client.force_login(secretary)
    response = client.get(reverse("activities:activity-create"), {"organization": committee_b.pk})
    assert response.status_code == 404


def test_own_404_page_in_chinese(client, secretary):
    client.force_login(secretary)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在（404）" in response.content.decode()
