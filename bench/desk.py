"""Benchmark of the planner's desk (/planner) at national scale.

Run from the project root: ``python bench/desk.py`` (or ``.venv/bin/python …``).

It builds a database (a fresh SQLite file, or ``$BENCH_DATABASE_URL`` — a throwaway
database: everything in it is replaced) with the national network: 22 regions, 300 courses
of 40 weekly sessions each (12,000 sessions; half of them already held, half to come),
applications, swap requests, translation requests, closures, materials and open-group join
counts; then signs in as a planner of region 05 and as an administrator and prints, for each,
the number of SQL statements, the page size and the median time of GET /planner (in-process
test client, so the figure is the application's own cost), both rendered from the data (as
after any committed change) and from the process's cache (as until the next one). It repeats
the measurement after doubling the history (300 more courses that ended a year earlier) to
show that neither the statements nor the page grow with it.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler import create_app  # noqa: E402
from scheduler.accounts.services import create_user  # noqa: E402
from scheduler.content.models import Material, SessionMaterial, TranslationRequest  # noqa: E402
from scheduler.courses.models import Course, CourseRegion, Session  # noqa: E402
from scheduler.database import init_db  # noqa: E402
from scheduler.derived import cache as derived_cache  # noqa: E402
from scheduler.enrolment.models import Application  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.hosting.models import SwapRequest  # noqa: E402
from scheduler.meetings.models import JoinCount, JoinRegionCount  # noqa: E402
from scheduler.regions.data import region_facts  # noqa: E402

COURSES = 300
SESSIONS = 40
RUNS = 15
PASSWORD = "bench-password-123"


def build(app, *, courses: int, first_week: int, seed: int) -> None:
    """Bulk-insert `courses` courses of SESSIONS weekly sessions from `first_week` weeks on."""
    rng = random.Random(seed)
    codes = [fact.code for fact in region_facts()]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        connection = db.session.connection()
        start_id = (
            connection.execute(text("SELECT coalesce(max(id), 0) FROM course")).scalar()
        ) + 1
        session_id = (
            connection.execute(text("SELECT coalesce(max(id), 0) FROM course_session")).scalar()
        ) + 1
        material_id = connection.execute(
            insert(Material).returning(Material.id),
            [
                {
                    "title_fi": f"Materiaali {seed}",
                    "title_sv": "",
                    "owner_region": "05",
                    "search_text": "",
                    "shared": True,
                    "public": False,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        ).scalar()
        course_rows, region_rows, session_rows = [], [], []
        applications, swaps, requests, joins, answers, attached = [], [], [], [], [], []
        for n in range(courses):
            course_id = start_id + n
            regions = rng.sample(codes, 3) if n % 3 else ["05", *rng.sample(codes[:4], 2)]
            regions = list(dict.fromkeys(regions))
            kind = "open" if n % 4 == 0 else "closed"
            first = now + timedelta(weeks=first_week, days=n % 5, hours=n % 8)
            course_rows.append(
                {
                    "id": course_id,
                    "kind": kind,
                    "title_fi": f"Kurssi {seed}-{n}",
                    "title_sv": "",
                    "description_fi": "",
                    "description_sv": "",
                    "languages_csv": "fi",
                    "cohost": False,
                    "first_session": first,
                    "duration_minutes": 60,
                    "session_count": SESSIONS,
                    "capacity": 12 if kind == "closed" else None,
                    "meeting_provider": "static",
                    "meeting_url": "https://meet.example.org/x",
                    "created_at": now,
                    "updated_at": now,
                    "status": "active",
                    "cancel_reason_fi": "",
                    "cancel_reason_sv": "",
                }
            )
            for position, code in enumerate(regions):
                region_rows.append(
                    {
                        "course_id": course_id,
                        "region_code": code,
                        "weight": 1.0,
                        "position": position,
                    }
                )
            ids = []
            for number in range(1, SESSIONS + 1):
                start = first + timedelta(weeks=number - 1)
                host = regions[number % len(regions)] if number % 17 else None
                session_rows.append(
                    {
                        "id": session_id,
                        "course_id": course_id,
                        "number": number,
                        "starts_at": start,
                        "ends_at": start + timedelta(hours=1),
                        "host_region": host,
                        "cohost_region": None,
                        "status": "scheduled",
                        "host_set_by_hand": False,
                        "sequence": 0,
                        "updated_at": now,
                        "cancel_reason_fi": "",
                        "cancel_reason_sv": "",
                    }
                )
                ids.append((session_id, start, host))
                if number % 3 == 0:
                    attached.append(
                        {"session_id": session_id, "material_id": material_id, "attached_at": now}
                    )
                if kind == "open" and start < now:
                    joins.append({"session_id": session_id, "joins": rng.randint(0, 30)})
                    answers.append(
                        {
                            "session_id": session_id,
                            "region_code": regions[0],
                            "answers": rng.randint(0, 10),
                        }
                    )
                session_id += 1
            if kind == "closed":
                for i in range(8):
                    status = ("submitted", "accepted", "waitlisted", "rejected")[i % 4]
                    applications.append(
                        {
                            "course_id": course_id,
                            "name": "X",
                            "email": f"a{seed}-{n}-{i}@example.org",
                            "phone": "",
                            "region_code": regions[i % len(regions)],
                            "language": "fi",
                            "needs": "",
                            "message": "",
                            "on_behalf": False,
                            "consent_at": now,
                            "status": status,
                            "submitted_at": now,
                            "status_changed_at": now,
                            "token_nonce": f"{seed}-{n}-{i}",
                            "token_hash": f"{seed}-{n}-{i}",
                        }
                    )
            a, b = ids[-2], ids[-1]
            if a[2] and b[2] and a[2] != b[2]:
                swaps.append(
                    {
                        "session_id": a[0],
                        "other_session_id": b[0],
                        "requesting_region": a[2],
                        "other_region": b[2],
                        "status": "pending",
                        "created_at": now,
                    }
                )
            requests.append(
                {
                    "course_id": course_id,
                    "language": "sv",
                    "requesting_region": regions[-1],
                    "status": "open",
                    "open_key": f"course:{course_id}:sv",
                    "created_at": now,
                }
            )
        connection.execute(insert(Course), course_rows)
        connection.execute(insert(CourseRegion), region_rows)
        connection.execute(insert(Session), session_rows)
        for model, rows in (
            (Application, applications),
            (SwapRequest, swaps),
            (TranslationRequest, requests),
            (JoinCount, joins),
            (JoinRegionCount, answers),
            (SessionMaterial, attached),
        ):
            if rows:
                connection.execute(insert(model), rows)
        if db.engine.dialect.name == "postgresql":
            for table in ("course", "course_session"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            connection.execute(text("ANALYZE"))
        db.session.commit()


@dataclass(frozen=True)
class Figures:
    """GET /planner rendered from the data (cold) and from the process's cache (warm)."""

    statements_cold: int
    statements_warm: int
    size: int
    cold_ms: float
    warm_ms: float

    def line(self, label: str) -> str:
        return (
            f"  {label:10s} GET /planner: {self.statements_cold} statements rendered, "
            f"{self.statements_warm} from the cache; {self.size} bytes; median "
            f"{self.cold_ms:.1f} ms rendered, {self.warm_ms:.1f} ms from the cache"
        )


def measure(app, email: str) -> Figures:
    """The desk as rendered after any change (its cache emptied) and as kept until one."""
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        engine = db.engine
        kept = derived_cache()
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    client.get("/planner")  # warm up
    event.listen(engine, "before_cursor_execute", count)
    kept.clear()
    body = client.get("/planner").get_data()
    cold_statements = len(statements)
    statements.clear()
    client.get("/planner")
    warm_statements = len(statements)
    event.remove(engine, "before_cursor_execute", count)
    cold, warm = [], []
    for _ in range(RUNS):
        kept.clear()
        started = time.perf_counter()
        assert client.get("/planner").status_code == 200
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert client.get("/planner").status_code == 200
        warm.append(time.perf_counter() - started)
    return Figures(
        cold_statements,
        warm_statements,
        len(body),
        statistics.median(cold) * 1000,
        statistics.median(warm) * 1000,
    )


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    folder = None
    if not url:
        folder = tempfile.mkdtemp(prefix="bench-desk-")
        url = f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_SEND_ON_COMMIT": False,
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        init_db()
        create_user("planner05@bench.example", "planner", PASSWORD, region="05")
        create_user("admin@bench.example", "admin", PASSWORD)
        db.session.commit()
    started = time.perf_counter()
    build(app, courses=COURSES, first_week=-SESSIONS // 2, seed=1)
    print(
        f"{url.split(':')[0]}: built {COURSES} courses, "
        f"{COURSES * SESSIONS} sessions in {time.perf_counter() - started:.1f} s"
    )
    for label, email in (
        ("planner 05", "planner05@bench.example"),
        ("admin", "admin@bench.example"),
    ):
        print(measure(app, email).line(label))
    build(app, courses=COURSES, first_week=-SESSIONS - 60, seed=2)
    print(
        f"  + {COURSES} courses of history ({COURSES * SESSIONS} more sessions, ended a year ago)"
    )
    for label, email in (
        ("planner 05", "planner05@bench.example"),
        ("admin", "admin@bench.example"),
    ):
        print(measure(app, email).line(label))


if __name__ == "__main__":
    main()
