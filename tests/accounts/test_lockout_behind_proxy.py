"""Login lockouts are keyed on (username, client address), and the client address is the one
the trusted proxy saw: a forged X-Forwarded-For neither hides an attacker nor frames a victim."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

LOGIN = reverse("accounts:login")
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"


def fail(client, *, remote, forwarded=None, username="secretary"):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": "wrong"}, **headers)


def log_in(client, *, remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": "secretary", "password": "Test@12345"}, **headers)


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_without_a_trusted_proxy_a_forged_header_does_not_change_the_client(client, secretary):
    for n in range(4):
        fail(client, remote=ATTACKER, forwarded=f"192.0.2.{n}")
    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [
        (ATTACKER, 4)
    ]
    fifth = fail(client, remote=ATTACKER, forwarded=VICTIM)
    assert fifth.status_code == 429


def test_without_a_trusted_proxy_a_victim_is_not_framed_by_a_forged_header(client, secretary):
    for _ in range(5):
        fail(client, remote=ATTACKER, forwarded=VICTIM)
    assert log_in(client, remote=VICTIM).status_code == 302


def test_behind_one_proxy_the_address_the_proxy_saw_is_the_client(client, secretary, one_proxy):
    fail(client, remote=PROXY, forwarded=ATTACKER)
    fail(client, remote=PROXY, forwarded=f"{VICTIM}, {ATTACKER}")
    fail(client, remote=PROXY, forwarded=f"not-an-address, 192.0.2.1,{ATTACKER}")
    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [
        (ATTACKER, 3)
    ]


def test_behind_one_proxy_the_attacker_is_locked_whatever_he_prepends(client, secretary, one_proxy):
    for n in range(4):
        fail(client, remote=PROXY, forwarded=f"192.0.2.{n}, {ATTACKER}")
    assert fail(client, remote=PROXY, forwarded=f"{VICTIM}, {ATTACKER}").status_code == 429
    assert log_in(client, remote=PROXY, forwarded=ATTACKER).status_code == 429


def test_five_failures_from_an_attacker_do_not_lock_the_victim_out(client, secretary, one_proxy):
    for _ in range(5):
        fail(client, remote=PROXY, forwarded=f"{VICTIM}, {ATTACKER}")
    assert log_in(client, remote=PROXY, forwarded=ATTACKER).status_code == 429
    response = log_in(client, remote=PROXY, forwarded=VICTIM)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(secretary.pk)


def test_behind_one_proxy_a_request_without_the_header_is_keyed_on_the_connection(
    client, secretary, one_proxy
):
    # Only reachable by bypassing the proxy (which always writes the header).
    fail(client, remote=ATTACKER)
    fail(client, remote=ATTACKER, forwarded="")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ATTACKER]
