from decimal import Decimal

import pytest

from assessments import indicators
from assessments.indicators import AutoIndicator, Measure, rollup
from tests.factories import OrganizationFactory


def test_a_committee_sums_the_measures_of_the_branches_in_its_subtree(
    root, committee_a, branch_a, branch_a2, committee_b, branch_b
):
    per_branch = {
        branch_a.pk: Measure(3, 4, inputs=7),
        branch_a2.pk: Measure(1, 4, inputs=2),
        branch_b.pk: Measure(0, 12, inputs=5),
    }
    result = rollup(per_branch, [committee_a, branch_a, committee_b, root])
    assert result[branch_a.pk] == per_branch[branch_a.pk]
    assert (result[committee_a.pk].numerator, result[committee_a.pk].denominator) == (4, 8)
    assert result[committee_a.pk].ratio == Decimal("0.5")
    assert result[committee_a.pk].inputs == 9
    assert (result[committee_b.pk].numerator, result[committee_b.pk].denominator) == (0, 12)
    assert (result[root.pk].numerator, result[root.pk].denominator) == (4, 20)


def test_plain_values_stay_plain_and_an_empty_subtree_counts_nothing(root, committee_a, branch_a):
    empty = OrganizationFactory(name="空党委", type="committee", parent=root)
    result = rollup({branch_a.pk: Measure(5)}, [committee_a, empty])
    assert result[committee_a.pk].denominator is None
    assert result[committee_a.pk].numerator == 5
    assert result[committee_a.pk].ratio is None
    assert (result[empty.pk].numerator, result[empty.pk].inputs) == (0, 0)


def test_rollup_reads_the_paths_in_one_query(
    root, committee_a, branch_a, branch_a2, django_assert_num_queries
):
    per_branch = {branch_a.pk: Measure(1, 1), branch_a2.pk: Measure(0, 1)}
    with django_assert_num_queries(1):
        rollup(per_branch, [committee_a, root])


def test_a_code_registers_once():
    def compute(year, organizations):
        return {}

    indicator = AutoIndicator(
        code="test-only", name="测试", compute=compute, drilldown=lambda o, y: "/"
    )
    try:
        indicators.register(indicator)
        assert indicators.get("test-only") is indicator
        with pytest.raises(ValueError):
            indicators.register(
                AutoIndicator(code="test-only", name="另一个", compute=compute, drilldown=None)
            )
    finally:
        indicators._REGISTRY.pop("test-only", None)
