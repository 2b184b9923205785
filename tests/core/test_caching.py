"""The caching module: keys fold in the versions of the topics they read, and `changed`
bumps those versions when the writing transaction commits — never before, never on rollback."""

import pytest
from django.core.cache import cache
from django.db import transaction

from alxa_dangjian.core import caching

pytestmark = pytest.mark.django_db


def test_a_committed_write_bumps_its_topics_and_no_others(django_capture_on_commit_callbacks):
    before = {topic: caching.versions((topic,)) for topic in caching.ALL}
    with django_capture_on_commit_callbacks(execute=True):
        caching.changed(caching.DUES, caching.MEMBERS)
        # Not before the commit: a request meanwhile would cache the old figures anew.
        assert caching.versions((caching.DUES,)) == before[caching.DUES]
    after = {topic: caching.versions((topic,)) for topic in caching.ALL}
    assert {t for t in caching.ALL if after[t] != before[t]} == {caching.DUES, caching.MEMBERS}


def test_a_rolled_back_write_bumps_nothing(django_capture_on_commit_callbacks):
    before = caching.versions()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        caching.changed(caching.ACTIVITIES)
        raise RuntimeError("the write fails")
    assert callbacks == []
    assert caching.versions() == before


def test_a_key_changes_only_with_the_topics_it_reads(django_capture_on_commit_callbacks):
    reads_dues = caching.key("figure", 1, topics=(caching.DUES,))
    reads_all = caching.key("figure", 1)
    with django_capture_on_commit_callbacks(execute=True):
        caching.changed(caching.TRAINING)
    assert caching.key("figure", 1, topics=(caching.DUES,)) == reads_dues
    assert caching.key("figure", 1) != reads_all
    assert caching.key("figure", 2) != caching.key("figure", 1)


def test_cached_builds_once_until_a_topic_changes(django_capture_on_commit_callbacks):
    built = []

    def build():
        built.append(1)
        return len(built)

    def read():
        return caching.cached(caching.key("sum", topics=(caching.LISTS,)), build)

    assert read() == 1 and read() == 1
    with django_capture_on_commit_callbacks(execute=True):
        caching.changed(caching.LISTS)
    assert read() == 2


def test_an_evicted_version_restarts_above_every_earlier_value(django_capture_on_commit_callbacks):
    first = int(caching.versions((caching.RATINGS,)))
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            caching.changed(caching.RATINGS)
    bumped = int(caching.versions((caching.RATINGS,)))
    assert bumped == first + 5
    cache.delete("caching:version:ratings")
    assert int(caching.versions((caching.RATINGS,))) > bumped


def test_an_unknown_topic_is_refused():
    with pytest.raises(ValueError, match="unknown cache topics"):
        caching.changed("member")
    with pytest.raises(ValueError):
        caching.key("figure", topics=("nothing",))
