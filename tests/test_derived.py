"""Derived data per process: kept while the network is unchanged, rebuilt after any change,
at the moment its builder names, after MAX_AGE at the latest, and bounded in size."""

from __future__ import annotations

from datetime import timedelta

from scheduler.changes import ChangeCounter
from scheduler.content.models import Material
from scheduler.dbtypes import utcnow
from scheduler.derived import (
    MAX_AGE,
    DerivedCache,
    data_version,
    derived,
    network_version,
    recently_read,
)
from scheduler.extensions import db


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


def _counter(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(ChangeCounter.value)) or 0


def test_every_committed_write_raises_the_change_counter_and_nothing_else_does(app):
    start = _counter(app)
    with app.app_context():
        db.session.add(Material(title_fi="Aineisto", owner_region="05", shared=True))
        db.session.commit()  # a flushed insert
        assert _counter(app) == start + 1
        material = db.session.scalar(db.select(Material))
        material.title_fi = "Toinen nimi"  # pending until the commit flushes it
        db.session.commit()
        db.session.execute(db.update(Material).values(shared=False))  # a bulk statement
        db.session.commit()
        db.session.scalar(db.select(Material.id))
        db.session.commit()  # only read: not a change
        db.session.add(Material(title_fi="Peruttu", owner_region="05", shared=True))
        db.session.flush()
        db.session.rollback()  # rolled back: not a change
        db.session.commit()
    assert _counter(app) == start + 3
    with app.test_request_context():
        assert data_version()[-1] == str(start + 3)


def test_recent_reads_are_reused_until_this_process_commits(app):
    reads = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    app.config["HOT_READ_MAX_AGE_MS"] = 60_000
    with app.app_context():
        assert recently_read("k", read) == 1
        assert recently_read("k", read) == 1
        db.session.add(Material(title_fi="Aineisto", owner_region="05", shared=True))
        db.session.commit()
        assert recently_read("k", read) == 2
        app.config["HOT_READ_MAX_AGE_MS"] = 0
        assert recently_read("k", read) == 3
