"""Many simultaneous accepts and withdrawals over real HTTP never overfill a course.

The requests go through a real threaded HTTP server (`live_server`) from real threads, so
each request has its own database connection and transaction, as in production. The full
burst runs on PostgreSQL (TEST_DATABASE_URL); SQLite, which serialises writers, runs a
lighter one.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from scheduler.audit import AuditEntry
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from tests.conftest import is_postgres

REGIONS = ("03", "05", "14")


def _decide(client, staff, application_id: int, status: str) -> None:
    response = client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": status},
        headers=staff.headers,
    )
    assert response.status_code == 200, response.get_json()


def _burst(app, client, live_server, make_user, closed_course, apply, *, capacity, applicants):
    course = closed_course(capacity=capacity)
    planners = {code: make_user("planner", code) for code in REGIONS}
    admin = make_user("admin", None)
    ids = []
    for number in range(applicants):
        region = REGIONS[number % len(REGIONS)]
        response = apply(course["id"], email=f"p{number}@example.org", region=region)
        assert response.status_code == 201
        ids.append((response.get_json()["id"], region))
    accepted = ids[:capacity]
    # A short waiting list: some freed seats are promoted, the rest go to racing accepts.
    waitlisted = ids[capacity : capacity + capacity // 2]
    submitted = ids[capacity + capacity // 2 :]
    for application_id, _region in accepted:
        _decide(client, admin, application_id, "accepted")
    for application_id, _region in waitlisted:
        _decide(client, admin, application_id, "waitlisted")
    with app.app_context():
        tokens = {
            a.id: personal_token(a)
            for a in db.session.scalars(
                db.select(Application).where(
                    Application.id.in_([application_id for application_id, _ in accepted])
                )
            )
        }

    # Every accepted participant leaves at once (by link or removed by their planner) while
    # every other applicant is accepted by their planner: far more accepts than seats.
    calls = []
    for index, (application_id, region) in enumerate(accepted):
        if index % 2 == 0:
            calls.append(
                ("POST", "/api/v1/applications/withdraw", {"token": tokens[application_id]}, None)
            )
        else:
            calls.append(
                (
                    "POST",
                    f"/api/v1/applications/{application_id}/decision",
                    {"status": "withdrawn"},
                    planners[region].headers,
                )
            )
    for application_id, region in waitlisted + submitted:
        calls.append(
            (
                "POST",
                f"/api/v1/applications/{application_id}/decision",
                {"status": "accepted"},
                planners[region].headers,
            )
        )
    barrier = threading.Barrier(len(calls))

    def call(spec):
        method, path, body, headers = spec
        barrier.wait(timeout=60)
        response = requests.request(
            method, live_server + path, json=body, headers=headers, timeout=90
        )
        return path, body, response.status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = list(pool.map(call, calls))

    codes = Counter(code for _path, _body, code in results)
    assert set(codes) <= {200, 409}, codes
    withdrawals = [r for r in results if "withdraw" in r[0] or r[1] == {"status": "withdrawn"}]
    assert all(code == 200 for _path, _body, code in withdrawals)

    with app.app_context():
        rows = db.session.execute(
            db.select(Application.id, Application.status).where(
                Application.course_id == course["id"]
            )
        ).all()
        final = dict(rows)
        # No application lost or duplicated.
        assert sorted(final) == sorted(application_id for application_id, _ in ids)
        by_status = Counter(final.values())
        # The leavers left; the seats were taken again, never over.
        assert all(final[application_id] == "withdrawn" for application_id, _ in accepted)
        assert 0 < by_status["accepted"] <= capacity, by_status
        # Replaying the log in order never shows more accepted than seats, and every change
        # starts from the state the previous one left: no lost update.
        entries = db.session.scalars(
            db.select(AuditEntry)
            .where(
                AuditEntry.object_type == "application", AuditEntry.action == "application.status"
            )
            .order_by(AuditEntry.id)
        ).all()
        state = {application_id: "submitted" for application_id, _ in ids}
        running = 0
        for entry in entries:
            object_id = int(entry.object_id)
            assert entry.changes["from"] == state[object_id], entry.changes
            running += (entry.changes["to"] == "accepted") - (entry.changes["from"] == "accepted")
            state[object_id] = entry.changes["to"]
            assert 0 <= running <= capacity
        assert state == final
        promoted = sum(
            1 for e in entries if e.actor_kind == "system" and e.changes["to"] == "accepted"
        )
    accepted_ok = sum(1 for r in results if r[1] == {"status": "accepted"} and r[2] == 200)
    # Every seat now taken was taken by an answered accept or by a promotion.
    assert by_status["accepted"] == accepted_ok + promoted
    return codes, accepted_ok


@pytest.mark.skipif(not is_postgres(), reason="the full race needs PostgreSQL row locks")
def test_concurrent_accepts_and_withdrawals_on_postgresql(
    app, client, live_server, make_user, closed_course, apply
):
    codes, accepted_ok = _burst(
        app, client, live_server, make_user, closed_course, apply, capacity=6, applicants=42
    )
    assert codes[409] > 0  # the race really happened: many accepts were refused
    assert accepted_ok <= 6


def test_concurrent_accepts_and_withdrawals_lighter(
    app, client, live_server, make_user, closed_course, apply
):
    codes, accepted_ok = _burst(
        app, client, live_server, make_user, closed_course, apply, capacity=3, applicants=15
    )
    assert codes[409] > 0
    assert accepted_ok <= 3
