"""Every page that takes no id, fuzzed: each parameter the portal reads (and a few common
ones) with non-ASCII digits, huge numbers, NUL bytes, far dates and long strings. A bad
value is ignored or refused with a 4xx, never a 5xx. The NUL byte matters on PostgreSQL,
which refuses it in text (the suite also runs there, see .ci/run)."""

import traceback

import pytest
from django.urls import reverse

from tests.test_url_walk import WITH_ARGS, WITHOUT_ARGS, foreign, model_of  # noqa: F401

PARAMETERS = [
    "year", "month", "organization", "committee", "page", "kind", "status", "type", "q",
    "category", "ethnicity", "education", "age_band", "standing", "top", "course", "member",
    "within", "day", "from", "to", "round", "level", "scheme",
    "as_of", "org", "row",
]  # fmt: skip
VALUES = [
    "²",  # str.isdigit() accepts it, int() refuses it
    "١٢",  # Arabic-Indic digits: int() accepts them
    "9" * 40,
    "-1",
    "\x00",
    "a\x00b",
    "9999-12",
    "0000-00",
    "2025-13",
    "x" * 3000,
]


def status_of(client, url, query):
    try:
        return client.get(url, query).status_code
    except Exception as error:  # the test client re-raises a view's exception
        return f"{type(error).__name__} at {where(error)}"


def where(error: Exception) -> str:
    """The last frame of our own code in the traceback, to name the parsing to fix."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if "site-packages" not in f.filename
    ]
    return f"{frames[-1].filename.rsplit('/', 2)[-2:]}:{frames[-1].lineno}" if frames else "?"


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_fuzzed_parameters_never_answer_5xx(client, staff, secretary, value):
    failures = []
    for user in (staff, secretary):
        client.force_login(user)
        for name in WITHOUT_ARGS:
            url = reverse(name)
            # All at once, then the date pair alone (a bad organisation may 404 before them).
            for query in ({p: value for p in PARAMETERS}, {"year": value, "month": value}):
                status = status_of(client, url, query)
                if not isinstance(status, int) or status >= 500:
                    failures.append((user.username, url, len(query), status))
    assert failures == [], "\n".join(map(str, sorted(set(failures))))


def test_object_pages_with_fuzzed_parameters_never_answer_5xx(client, system_admin, foreign):  # noqa: F811
    client.force_login(system_admin)
    failures = []
    for name, args in WITH_ARGS:
        url = reverse(name, kwargs={args[0]: foreign[model_of(name)].pk})
        for value in ("²", "9999-12", "9" * 40, "a\x00b"):
            status = status_of(client, url, {p: value for p in PARAMETERS})
            if not isinstance(status, int) or status >= 500:
                failures.append((url, value, status))
    assert failures == [], "\n".join(map(str, failures))
