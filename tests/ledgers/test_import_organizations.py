"""The organisation import: new organisations placed under existing parents or under other
rows of the file (parents created first), the rank rule of the tree, scope, and updates that
never move or retype an organisation."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.ledgers.models import ImportBatch
from branches.models import Organization
from tests.factories import UserFactory
from tests.ledgers.bad_files.corpus import database_fingerprint, workbook_bytes

HEADERS = ["全称", "简称", "组织类型", "上级党组织", "分类指导类别", "成立日期", "有效"]
CREATE_URL = reverse("ledgers:importbatch-create", args=["organizations"])


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def org(name, type_, parent, *, short="", category="党群部门", established=None, active="是"):
    return [name, short, type_, parent, category, established, active]


def upload(client, rows, headers=HEADERS) -> ImportBatch:
    content = workbook_bytes(rows, headers=headers)
    response = client.post(CREATE_URL, {"file": SimpleUploadedFile("组织.xlsx", content)})
    assert response.status_code == 302, response.context["form"].errors
    return ImportBatch.objects.latest("pk")


def commit(client, batch):
    return client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]), follow=True)


def texts(batch):
    return [f"第{e['row']}行「{e['column']}」列：{e['message']}" for e in batch.errors]


def test_a_new_subtree_is_created_parents_first(client, staff, root, committee_a):
    client.force_login(staff)
    batch = upload(
        client,
        [
            # The branch comes before its parent in the file.
            org("丙局第一党支部", "党支部", "丙局机关党委", short="丙局一支部"),
            org("丙局机关党委", "机关党委", "测试机关工委", established=dt.date(2015, 3, 1)),
            org("甲局第三党支部", "党支部", "甲局党委", category="社会事务", active="否"),
        ],
    )
    assert batch.error_count == 0, texts(batch)
    assert batch.summary["created"] == 3
    assert not Organization.objects.filter(name="丙局机关党委").exists()

    commit(client, batch)
    committee = Organization.objects.get(name="丙局机关党委")
    branch = Organization.objects.get(name="丙局第一党支部")
    third = Organization.objects.get(name="甲局第三党支部")
    assert committee.parent == root and committee.established_on == dt.date(2015, 3, 1)
    assert committee.path == f"{root.path}{committee.pk:06d}/" and committee.depth == 1
    assert branch.parent == committee and branch.path == f"{committee.path}{branch.pk:06d}/"
    assert branch.depth == 2 and branch.short_name == "丙局一支部"
    assert third.parent == committee_a and not third.is_active
    assert third.category == Organization.Category.SOCIAL
    assert set(Organization.objects.subtree(committee)) == {committee, branch}


def test_the_rank_rule_of_the_tree_applies(client, staff, branch_a):
    client.force_login(staff)
    before = database_fingerprint()
    batch = upload(
        client,
        [
            org("丁局党委", "党委", "甲局第一党支部"),
            org("丁局党支部", "党支部", "丁局党委"),
        ],
    )
    assert texts(batch) == [
        "第2行「上级党组织」列：党委不能隶属于党支部：下级党组织的层级必须低于上级",
        "第3行「上级党组织」列：上级党组织“丁局党委”（第2行）有错误，请先修正该行",
    ]
    assert database_fingerprint() == before


def test_parents_outside_the_scope_are_not_found(client, outsiders, committee_a):
    system_admin_b = outsiders[0]  # may publish, but only in committee_b's subtree
    client.force_login(system_admin_b)
    batch = upload(client, [org("戊党支部", "党支部", "甲局党委")])
    assert texts(batch) == [
        "第2行「上级党组织」列：未找到党组织“甲局党委”，或该党组织不在您的管理范围内"
    ]


def test_a_name_used_outside_the_scope_is_refused(client, outsiders, committee_b, branch_a):
    client.force_login(outsiders[0])
    batch = upload(client, [org("甲局第一党支部", "党支部", "乙局党委")])
    assert texts(batch) == ["第2行「全称」列：全称“甲局第一党支部”已被您管理范围以外的党组织使用"]


def test_cycles_and_duplicates_and_roots_are_refused(client, staff, root):
    client.force_login(staff)
    batch = upload(
        client,
        [
            org("己党委", "党委", "庚党委"),
            org("庚党委", "党委", "己党委"),
            org("辛党支部", "党支部", "辛党支部"),
            org("壬党支部", "党支部", "测试机关工委"),
            org("壬党支部", "党支部", "测试机关工委"),
            org("新机关工委", "党工委/机关工委", ""),
            org("癸党支部", "党支部", ""),
        ],
    )
    assert texts(batch) == [
        "第2行「上级党组织」列：上级党组织之间形成循环引用",
        "第3行「上级党组织」列：上级党组织之间形成循环引用",
        "第4行「上级党组织」列：上级党组织不能是它自己",
        "第6行「全称」列：与第5行重复",
        "第7行「组织类型」列：党工委/机关工委是组织树的根，不能通过导入新建",
        "第8行「上级党组织」列：新建党组织须填写上级党组织",
    ]


def test_known_organisations_are_updated_but_never_moved_or_retyped(
    client, staff, committee_a, branch_a, branch_a2, branch_b
):
    client.force_login(staff)
    batch = upload(
        client,
        [
            org("甲局第一党支部", "联合党支部", "甲局党委"),
            org("甲局第二党支部", "党支部", "乙局党委"),
        ],
    )
    assert texts(batch) == [
        "第2行「组织类型」列：已有党组织的组织类型（系统中为“党支部”）不能通过导入修改",
        "第3行「上级党组织」列：已有党组织的上级党组织（系统中为“甲局党委”）不能通过导入修改",
    ]
    batch = upload(
        client,
        [org("甲局第一党支部", "党支部", "甲局党委", short="甲一", category="国有企业")],
    )
    assert batch.summary["updated"] == 1
    commit(client, batch)
    branch_a.refresh_from_db()
    assert (branch_a.short_name, branch_a.category) == ("甲一", "state_owned")
    assert branch_a.parent == committee_a


def test_an_exported_organization_ledger_imports_back_unchanged(
    client, staff, committee_a, branch_a, branch_a2, branch_b
):
    client.force_login(staff)
    response = client.post(reverse("ledgers:ledger-export", args=["organizations"]))
    content = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(content)).active.max_row > 5
    before = database_fingerprint()
    reply = client.post(CREATE_URL, {"file": SimpleUploadedFile("党组织台账.xlsx", content)})
    assert reply.status_code == 302, reply.context["form"].errors
    batch = ImportBatch.objects.get()
    assert batch.error_count == 0, batch.errors
    assert batch.summary["unchanged"] == Organization.objects.count()
    commit(client, batch)
    assert database_fingerprint() == before


def test_preview_queries_do_not_grow_with_rows(
    client, staff, committee_a, django_assert_num_queries
):
    client.force_login(staff)

    def preview(count):
        rows = [org(f"新党支部{n}", "党支部", "甲局党委") for n in range(count)]
        content = workbook_bytes(rows, headers=HEADERS)
        return client.post(CREATE_URL, {"file": SimpleUploadedFile("o.xlsx", content)})

    # session, user, scope path, organisations named (in scope), names taken outside the
    # scope, savepoint + insert batch + release.
    with django_assert_num_queries(8):
        preview(20)
    with django_assert_num_queries(8):
        preview(200)


def test_commit_queries_grow_with_tree_levels_not_rows(
    client, staff, committee_a, django_assert_num_queries
):
    client.force_login(staff)
    rows = [org("新党总支", "党总支", "甲局党委")]
    rows += [org(f"新党支部{n}", "党支部", "新党总支") for n in range(30)]
    batch = upload(client, rows)
    # session, user, scope path, batch, savepoint, batch locked, organisations named, names
    # taken, then per level of new organisations (2 here) a bulk INSERT and a bulk path
    # UPDATE, one bulk INSERT of the new organisations' history records, batch saved, release.
    with django_assert_num_queries(15):
        client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]))
    assert Organization.objects.get(name="新党支部29").parent.name == "新党总支"


def test_a_system_admin_of_a_subtree_may_import_into_it(client, committee_b):
    admin = UserFactory(username="b-admin", role="system_admin", organization=committee_b)
    client.force_login(admin)
    batch = upload(client, [org("乙局第二党支部", "党支部", "乙局党委")])
    commit(client, batch)
    assert Organization.objects.get(name="乙局第二党支部").parent == committee_b
