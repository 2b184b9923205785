import json

from django.urls import reverse

from alxa_dangjian.core import health

URL = "/healthz"


def test_healthz_is_public_and_ok(client, db):
    assert reverse("core:healthz") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "not configured",
        "message": "全部正常",
    }


def test_database_down_gives_503(client, db, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    response = client.get(URL)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "error" and body["status"] == "error"
    assert "refused" not in response.content.decode()  # details stay in the log


def test_unreachable_broker_gives_503(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(URL)
    assert response.status_code == 503
    assert json.loads(response.content)["broker"] == "error"


def test_healthz_is_not_cached(client, db):
    assert "no-cache" in client.get(URL)["Cache-Control"]


class _BrokenConnection:
    def cursor(self):
        raise ConnectionRefusedError("connection refused")
