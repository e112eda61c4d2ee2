"""Several app hosts on one PostgreSQL: two gunicorn services as deployed and two worker loops
at once. Applications, decisions, joins, the outbox and reminders go through both hosts at
the same time; afterwards nothing is lost, nothing is stored or sent twice, and no course has
more participants than seats."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from datetime import time as clock
from typing import Any

import pytest

from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from scheduler.meetings.models import JoinCount
from scheduler.notify.models import OutboxMessage
from tests.conftest import is_postgres
from tests.deploy.servers import gunicorn, worker_loop
from tests.meetings.helpers import only_session_now

pytestmark = pytest.mark.skipif(not is_postgres(), reason="several hosts share PostgreSQL")

APPLICANTS = 40
CAPACITY = 6
JOINS = 60


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _no_redirect_status(base: str, path: str) -> int:
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(Keep)
    try:
        with opener.open(base + path, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _at_once(calls: list[Any], workers: int = 16) -> list[Any]:
    start = threading.Barrier(min(workers, len(calls)))

    def run(call: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=10)
        return call()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def test_two_hosts_and_two_workers_lose_and_double_nothing(
    app, make_user, make_course, smtp, database_url, tmp_path
):
    tomorrow = utcnow().astimezone(HELSINKI).date() + timedelta(days=1)
    first = datetime.combine(tomorrow, clock(10, 0), tzinfo=HELSINKI)
    planners = {"05": make_user("planner", "05"), "03": make_user("planner", "03")}
    admin = make_user("admin", None)
    course = make_course(
        planners["05"],
        kind="closed",
        capacity=CAPACITY,
        regions=["05", "03"],
        first_session=first.strftime("%Y-%m-%dT%H:%M"),
        application_deadline=utcnow().astimezone(HELSINKI).date().isoformat(),
        sessions=4,
    )
    group = make_course(planners["03"], regions=["03", "05"])
    only_session_now(app, group, timedelta(minutes=5))
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "REMINDER_TIME": "00:00",  # the reminders for tomorrow's session are due now
        "APPLICATION_RATE_LIMIT_PER_HOUR": 10000,
        "JOIN_COUNT_FLUSH_SECONDS": 1,
    }
    with (
        gunicorn(database_url, tmp_path, **settings) as one,
        gunicorn(database_url, tmp_path, **settings) as two,
    ):
        hosts = [one.base, two.base]
        # Applications through both hosts at once.
        answers = _at_once(
            [
                lambda n=n: _call(
                    hosts[n % 2],
                    "POST",
                    f"/api/v1/courses/{course['id']}/applications",
                    {
                        "name": f"Hakija {n}",
                        "email": f"applicant{n}@example.org",
                        "region": "05" if n % 2 else "03",
                        "language": "fi",
                        "consent": True,
                        "on_behalf": False,
                    },
                )
                for n in range(APPLICANTS)
            ]
        )
        assert [status for status, _ in answers] == [201] * APPLICANTS
        # Joins of the open group through both hosts at once (counted in memory, written
        # later by each worker process).
        go = f"/join/{group['id']}/go"
        joins = _at_once([lambda n=n: _no_redirect_status(hosts[n % 2], go) for n in range(JOINS)])
        assert joins == [302] * JOINS

        with (
            worker_loop(database_url, tmp_path, "a", **settings),
            worker_loop(database_url, tmp_path, "b", **settings),
        ):
            # Each region's planner accepts all of their applicants, on different hosts,
            # at the same time: exactly CAPACITY get a seat.
            _, listed = _call(
                hosts[0], "GET", f"/api/v1/courses/{course['id']}/applications", token=admin.token
            )
            decisions = _at_once(
                [
                    lambda row=row, n=n: _call(
                        hosts[n % 2],
                        "POST",
                        f"/api/v1/applications/{row['id']}/decision",
                        {"status": "accepted"},
                        planners[row["region"]].token,
                    )
                    for n, row in enumerate(listed["applications"])
                ]
            )
            statuses = Counter(status for status, _ in decisions)
            assert statuses == {200: CAPACITY, 409: APPLICANTS - CAPACITY}
            refused = [
                row
                for row, (status, _) in zip(listed["applications"], decisions, strict=True)
                if status == 409
            ]
            waitlisted = _at_once(
                [
                    lambda row=row, n=n: _call(
                        hosts[n % 2],
                        "POST",
                        f"/api/v1/applications/{row['id']}/decision",
                        {"status": "waitlisted"},
                        planners[row["region"]].token,
                    )
                    for n, row in enumerate(refused)
                ]
            )
            assert {status for status, _ in waitlisted} == {200}

            # The two worker loops deliver the outbox and queue the reminders.
            deadline = time.monotonic() + 90
            while True:
                with app.app_context():
                    unsent = db.session.scalar(
                        db.select(db.func.count()).where(OutboxMessage.sent_at.is_(None))
                    )
                    reminders = db.session.scalar(
                        db.select(db.func.count()).where(OutboxMessage.kind.like("%reminder%"))
                    )
                    db.session.remove()
                if unsent == 0 and reminders == CAPACITY:
                    break
                assert time.monotonic() < deadline, (unsent, reminders)
                time.sleep(0.5)
            time.sleep(1.5)  # a round in progress may still be sending: let it finish

    with app.app_context():
        applications = db.session.scalars(db.select(Application)).all()
        assert len(applications) == APPLICANTS
        assert len({a.email for a in applications}) == APPLICANTS
        assert Counter(a.status for a in applications) == {
            "accepted": CAPACITY,
            "waitlisted": APPLICANTS - CAPACITY,
        }
        outbox = db.session.scalars(db.select(OutboxMessage)).all()
        assert all(message.sent_at is not None for message in outbox)
        joined = db.session.scalar(db.select(db.func.sum(JoinCount.joins)))
    assert joined == JOINS  # every process wrote its counts when it stopped
    queued = Counter((m.recipient, m.subject) for m in outbox)
    delivered = Counter((m["To"], m["Subject"]) for m in smtp.mailbox.messages)
    assert delivered == queued  # every message once, none twice
    per_applicant = Counter(m.recipient for m in outbox)
    assert all(per_applicant[f"applicant{n}@example.org"] >= 2 for n in range(APPLICANTS))
    assert sum(per_applicant.values()) >= 2 * APPLICANTS + CAPACITY
