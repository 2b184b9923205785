from django.test import RequestFactory
from django.views import defaults


def test_500_page_is_chinese_and_standalone(db):
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统暂时出现错误" in response.content.decode()


def test_403_page_is_chinese(client, secretary):
    client.force_login(secretary)
    response = client.get("/accounts/users/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_400_page_is_chinese(db):
    response = defaults.bad_request(RequestFactory().get("/"), Exception())
    assert "请求有误" in response.content.decode()
