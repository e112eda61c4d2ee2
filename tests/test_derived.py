"""Derived data per process: kept while the network is unchanged, rebuilt after any change,
at the moment its builder names, after MAX_AGE at the latest, and bounded in size."""

from __future__ import annotations

from datetime import timedelta

from scheduler.dbtypes import utcnow
from scheduler.derived import MAX_AGE, DerivedCache, derived, network_version


def test_value_is_kept_until_the_network_changes(app, make_course):
    builds = []

    def build() -> str:
        builds.append(1)
        return f"value {len(builds)}"

    with app.test_request_context():
        assert derived(("k",), build) == "value 1"
    with app.test_request_context():
        assert derived(("k",), build) == "value 1"  # another request, the same process
    make_course()
    with app.test_request_context():
        assert network_version() != ("", "", "", "")
        assert derived(("k",), build) == "value 2"
    assert len(builds) == 2


def test_value_expires_when_its_builder_says_and_after_max_age(app):
    now = utcnow()
    with app.app_context():
        soon = now + timedelta(seconds=30)
        assert derived(("a",), lambda: "old", valid_until=lambda _: soon, now=now) == "old"
        assert derived(("a",), lambda: "new", now=now + timedelta(seconds=29)) == "old"
        assert derived(("a",), lambda: "new", now=soon) == "new"
        assert derived(("b",), lambda: "old", now=now) == "old"
        assert derived(("b",), lambda: "new", now=now + MAX_AGE) == "new"


def test_cache_is_bounded_in_entries_and_bytes():
    now = utcnow()
    later = now + timedelta(hours=1)
    cache = DerivedCache(max_entries=3, max_bytes=100)
    for key in "abcd":
        cache.put(key, key, ("v",), later)
    assert cache.get("a", ("v",), now) is None and cache.get("d", ("v",), now) == "d"
    cache.put("big", b"x" * 60, ("v",), later)  # more than a quarter: not kept
    assert cache.get("big", ("v",), now) is None
    cache.put("e", b"x" * 20, ("v",), later)
    cache.put("f", b"y" * 20, ("v",), later)
    assert cache.get("e", ("v",), now) == b"x" * 20
    assert cache.get("d", ("other version",), now) is None
