import pytest
from django.urls import reverse

from alxa_dangjian.accounts.models import User

NEW_USER = {
    "username": "new-secretary",
    "name": "张三",
    "phone": "13800000000",
    "role": User.Role.SECRETARY,
    "password1": "Chushi#2026x",
    "password2": "Chushi#2026x",
}


def test_system_admin_creates_a_secretary(client, system_admin, branch_a):
    client.force_login(system_admin)
    response = client.post(
        reverse("accounts:user-create"), {**NEW_USER, "organization": branch_a.pk}
    )
    assert response.status_code == 302
    user = User.objects.get(username="new-secretary")
    assert (user.organization, user.role, user.name) == (branch_a, User.Role.SECRETARY, "张三")
    assert user.check_password("Chushi#2026x")


def test_role_must_fit_the_organisation_type(client, system_admin, committee_a):
    client.force_login(system_admin)
    response = client.post(
        reverse("accounts:user-create"), {**NEW_USER, "organization": committee_a.pk}
    )
    assert response.status_code == 200
    assert "“支部书记”只能设在党支部、联合党支部、临时党支部。" in response.content.decode()
    assert not User.objects.filter(username="new-secretary").exists()


def test_missing_fields_get_django_messages_in_chinese(client, system_admin):
    client.force_login(system_admin)
    response = client.post(reverse("accounts:user-create"), {"username": ""})
    assert "这个字段是必填项。" in response.content.decode()
    assert User.objects.count() == 1


def test_mismatched_passwords_change_nothing(client, system_admin, branch_a):
    client.force_login(system_admin)
    data = {**NEW_USER, "organization": branch_a.pk, "password2": "another#2026"}
    response = client.post(reverse("accounts:user-create"), data)
    assert "两次输入的密码不一致" in response.content.decode()
    assert not User.objects.filter(username="new-secretary").exists()


def test_organisation_choices_stop_at_the_admins_subtree(client, committee_b, outsiders, branch_a):
    subtree_admin = outsiders[0]
    client.force_login(subtree_admin)
    response = client.post(
        reverse("accounts:user-create"), {**NEW_USER, "organization": branch_a.pk}
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert branch_a.name not in response.content.decode()
    assert not User.objects.filter(username="new-secretary").exists()


@pytest.mark.parametrize("role_fixture", ["secretary", "committee_admin", "staff"])
def test_other_roles_may_not_manage_accounts(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(reverse("accounts:user-list"))
    assert response.status_code == 403
    assert "您的角色无权执行此操作" in response.content.decode()


def test_user_list_shows_the_subtree_in_constant_queries(
    client, system_admin, branch_a, django_assert_max_num_queries
):
    client.force_login(system_admin)
    for n in range(30):
        User.objects.create(username=f"bulk{n}", name=f"批量{n}", organization=branch_a)
    # session, user, user's organisation, count, page of users with organisations
    with django_assert_max_num_queries(5):
        response = client.get(reverse("accounts:user-list"))
    assert "批量29" in response.content.decode()


def test_edit_changes_role_and_organisation(client, system_admin, secretary, committee_a):
    client.force_login(system_admin)
    response = client.post(
        reverse("accounts:user-edit", args=[secretary.pk]),
        {
            "username": "secretary",
            "name": "改名",
            "phone": "",
            "organization": committee_a.pk,
            "role": User.Role.COMMITTEE_ADMIN,
        },
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert (secretary.name, secretary.organization, secretary.role) == (
        "改名",
        committee_a,
        User.Role.COMMITTEE_ADMIN,
    )


def test_deactivate_and_reactivate(client, system_admin, secretary):
    client.force_login(system_admin)
    url = reverse("accounts:user-toggle-active", args=[secretary.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    secretary.refresh_from_db()
    assert not secretary.is_active
    client.post(url)
    secretary.refresh_from_db()
    assert secretary.is_active


def test_a_deactivated_account_cannot_log_in(client, system_admin, secretary):
    client.force_login(system_admin)
    client.post(reverse("accounts:user-toggle-active", args=[secretary.pk]))
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "secretary", "password": "Test@12345"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_cannot_deactivate_themselves(client, system_admin):
    client.force_login(system_admin)
    response = client.post(
        reverse("accounts:user-toggle-active", args=[system_admin.pk]), follow=True
    )
    assert "不能停用自己正在使用的账号" in response.content.decode()
    system_admin.refresh_from_db()
    assert system_admin.is_active


def test_reset_password(client, system_admin, secretary):
    client.force_login(system_admin)
    response = client.post(
        reverse("accounts:user-reset-password", args=[secretary.pk]),
        {"new_password1": "Chongzhi#2026", "new_password2": "Chongzhi#2026"},
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.check_password("Chongzhi#2026")
