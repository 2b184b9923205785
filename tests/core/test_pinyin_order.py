"""People and organisation names sort by pinyin, on SQLite and on PostgreSQL alike."""

import pytest
from django.urls import reverse

from alxa_dangjian.core.collation import compare, sort_key
from branches.models import Member, Organization
from tests.factories import MemberFactory, OrganizationFactory

# By code point 张 (U+5F20) < 李 (U+674E) < 王 (U+738B) < 赵 (U+8D75) < 阿 (U+963F);
# by pinyin: a, an, li, wang, zhang, zhao, then Latin after Han as ICU's zh has it.
PINYIN_ORDER = ["阿斌", "安然", "李四", "王五", "张三", "赵六", "Zhang Wei"]


def test_sort_key_orders_by_pinyin_and_puts_latin_after_han():
    shuffled = ["赵六", "Zhang Wei", "张三", "阿斌", "王五", "安然", "李四"]
    assert sorted(shuffled, key=sort_key) == PINYIN_ORDER
    assert compare("张三", "张三") == 0
    assert compare("张三", "张三丰") == -1
    assert compare("李四", "阿斌") == 1


@pytest.mark.django_db
def test_member_names_order_by_pinyin_in_the_database(branch_a):
    for name in ["赵六", "Zhang Wei", "张三", "阿斌", "王五", "安然", "李四"]:
        MemberFactory(organization=branch_a, name=name)
    names = list(
        Member.objects.filter(organization=branch_a).order_by("name").values_list("name", flat=True)
    )
    assert names == PINYIN_ORDER


@pytest.mark.django_db
def test_organization_names_order_by_pinyin_in_the_database(root):
    for name in ["中共张家党支部", "中共阿拉善党支部", "中共李家党支部"]:
        OrganizationFactory(parent=root, name=name)
    names = list(
        Organization.objects.filter(name__endswith="家党支部")
        .order_by("name")
        .values_list("name", flat=True)
    )
    assert names == ["中共李家党支部", "中共张家党支部"]
    first = Organization.objects.filter(parent=root).order_by("name").first()
    assert first.name == "中共阿拉善党支部"


@pytest.mark.django_db
def test_member_list_page_shows_names_in_pinyin_order(client, secretary, branch_a):
    for name in ["赵六", "张三", "阿斌", "李四"]:
        MemberFactory(organization=branch_a, name=name)
    client.force_login(secretary)
    html = client.get(reverse("branches:member-list")).content.decode()
    positions = [html.index(name) for name in ["阿斌", "李四", "张三", "赵六"]]
    assert positions == sorted(positions)
