import pytest
from django.urls import reverse

LOGIN = "accounts:login"


def test_login_page_is_chinese(client, db):
    response = client.get(reverse(LOGIN))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-CN"' in body
    assert "用户名" in body and "密码" in body and "登录" in body


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse(LOGIN))


def test_correct_password_lands_on_home(client, secretary):
    response = client.post(
        reverse(LOGIN), {"username": "secretary", "password": "Test@12345"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "甲局第一党支部" in response.content.decode()


def test_wrong_password_gives_a_chinese_message(client, secretary):
    response = client.post(reverse(LOGIN), {"username": "secretary", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, secretary):
    for _ in range(4):
        client.post(reverse(LOGIN), {"username": "secretary", "password": "wrong"})
    fifth = client.post(reverse(LOGIN), {"username": "secretary", "password": "wrong"})
    assert fifth.status_code == 429
    assert "账号已在此设备上被暂时锁定" in fifth.content.decode()
    locked = client.post(reverse(LOGIN), {"username": "secretary", "password": "Test@12345"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account(client, secretary, committee_admin):
    for _ in range(5):
        client.post(reverse(LOGIN), {"username": "secretary", "password": "wrong"})
    response = client.post(reverse(LOGIN), {"username": "committee", "password": "Test@12345"})
    assert response.status_code == 302


def test_logout_is_post_only(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role_fixture", ["secretary", "committee_admin", "staff"])
def test_every_role_can_change_their_password(client, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "Test@12345",
            "new_password1": "Xinmima#2026",
            "new_password2": "Xinmima#2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Xinmima#2026")


def test_password_change_errors_are_chinese(client, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": "123", "new_password2": "456"},
    )
    body = response.content.decode()
    assert "旧密码不正确" in body
    secretary.refresh_from_db()
    assert secretary.check_password("Test@12345")
