"""The annual statistics tables on the hand-computed history of tests/asof_history.py:
each count worked out by hand, each cell's records the ones it counts."""

import pytest

from annual_stats import report as reports
from annual_stats.models import StatRow, StatTable
from branches.models import Member
from tests.asof_history import D0, D1, build_league


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    return build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff)


def everything():
    from branches.models import Organization

    return list(Organization.objects.values_list("pk", flat=True))


def values(result, code):
    table = next(t for t in result.tables if t.table.code == code)
    return {cell.row.label: cell.value for cell in table.cells}


def names(result, code, label, people):
    table = next(t for t in result.tables if t.table.code == code)
    cell = next(c for c in table.cells if c.row.label == label)
    by_pk = {m.pk: key for key, m in people.items() if isinstance(m, Member)}
    return {by_pk[r.id] for r in cell.records}


def test_members_by_status_at_both_year_ends(league, committee_a):
    before = reports.build(committee_a, D0, visible=everything())
    after = reports.build(committee_a, D1, visible=everything())
    assert values(before, "党1")["党员总数"] == 6
    assert values(before, "党1")["预备党员"] == 1  # confirmed: 转正 only in September 2025
    assert values(after, "党1")["党员总数"] == 6
    assert names(after, "党1", "预备党员", league) == {"new"}
    assert values(after, "党1")["正式党员"] == 5


def test_changes_reconcile_for_the_committee(league, committee_a):
    result = reports.build(committee_a, D1, visible=everything())
    changes = values(result, "党6")
    assert changes["上年底党员数"] == 6
    assert changes["本年增加党员"] == 2
    assert names(result, "党6", "发展党员", league) == {"new"}
    assert names(result, "党6", "从系统外转入", league) == {"received"}
    assert changes["本年减少党员"] == 2
    assert names(result, "党6", "转往系统外", league) == {"left"}
    assert names(result, "党6", "死亡", league) == {"dead"}
    assert changes["本年底党员数"] == 6
    balance = next(c for c in result.checks if c.label.startswith("党员增减平衡"))
    assert balance.ok and "6 + 2 − 2 = 6" in balance.detail


def test_changes_of_a_branch_count_moves_inside_the_league(league, branch_a, branch_a2):
    result = reports.build(branch_a, D1, visible=everything())
    changes = values(result, "党6")
    assert (changes["上年底党员数"], changes["本年底党员数"]) == (3, 4)
    assert names(result, "党6", "从本系统其他党组织转入", league) == {"from_old"}
    assert names(result, "党6", "发展党员", league) == {"new"}
    assert names(result, "党6", "转往本系统其他党组织", league) == {"moved"}
    other = reports.build(branch_a2, D1, visible=everything())
    assert names(other, "党6", "从本系统其他党组织转入", league) == {"moved"}
    assert values(other, "党6")["上年底党员数"] == 2


def test_dissolved_branch_leaves_the_organisation_count(league, committee_a):
    assert values(reports.build(committee_a, D0, visible=everything()), "组1")["党组织总数"] == 4
    after = reports.build(committee_a, D1, visible=everything())
    assert values(after, "组1")["党组织总数"] == 3
    assert values(after, "组1")["党支部（含联合、临时党支部）"] == 2


def test_every_member_table_total_agrees(league, committee_a):
    result = reports.build(committee_a, D1, visible=everything())
    for code in ("党1", "党2", "党3", "党4", "党5"):
        table = values(result, code)
        assert table["党员总数"] == 6
    assert sum(v for k, v in values(result, "党2").items() if k != "党员总数") == 6
    assert (
        sum(v for k, v in values(result, "党3").items() if "合计" not in k and k != "党员总数") == 6
    )
    assert result.ready


def test_age_bands_are_on_the_day(league, committee_a):
    # Every factory member was born on 7 March 1985: 39 on D0, 40 on D1.
    assert values(reports.build(committee_a, D0, visible=everything()), "党2")["36至40岁"] == 6
    assert values(reports.build(committee_a, D1, visible=everything()), "党2")["36至40岁"] == 6
    row = StatRow.objects.get(table__code="党2", label="36至40岁")
    row.value = "40-40"
    row.save()
    assert values(reports.build(committee_a, D0, visible=everything()), "党2")["36至40岁"] == 0


def test_an_unreadable_row_is_reported_not_raised(league, committee_a):
    table = StatTable.objects.get(code="党1")
    StatRow.objects.create(table=table, position=99, label="坏栏目", dimension="age", value="abc")
    result = reports.build(committee_a, D1, visible=everything())
    assert not result.ready
    assert any("坏栏目" in c.label for c in result.checks)


def test_visible_limits_the_subtree(league, committee_a, branch_a):
    result = reports.build(committee_a, D1, visible=[committee_a.pk, branch_a.pk])
    assert values(result, "党1")["党员总数"] == 4  # stay, confirmed, from_old, new
