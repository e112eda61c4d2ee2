"""Benchmark of the calendar feeds over real HTTP.

Run from the project root: ``python bench/calendars.py`` (or ``.venv/bin/python …``).

It builds a database (a fresh SQLite file, or ``$BENCH_DATABASE_URL`` — a throwaway
database: the benchmark's own courses are deleted and re-created there) in which region 05
hosts 2,000 sessions across ten courses (and region 14 another 2,000), starts the app on
127.0.0.1 with gunicorn (2 sync workers) if it is installed, else werkzeug's threaded server,
and measures with fresh connections from this process:

- the region feed of 2,000 sessions built in full (median of several runs; target < 200 ms),
- a course feed (200 sessions),
- the conditional request (If-None-Match → 304) against ``/healthz`` of the same server in the
  same run, interleaved: target median latency ≤ 1.25 × the trivial one (≥ 0.8 × as fast),
  and the same as requests per second with a few concurrent clients.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler import create_app  # noqa: E402
from scheduler.calendars.models import CalendarFeedToken  # noqa: E402
from scheduler.courses.models import Course, CourseRegion, Session  # noqa: E402
from scheduler.database import init_db  # noqa: E402
from scheduler.dbtypes import utcnow  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.i18n import compile_catalogs  # noqa: E402
from scheduler.security import hash_token  # noqa: E402

HELSINKI = ZoneInfo("Europe/Helsinki")
SECRET_KEY = "bench-secret-key-0123456789abcdef"
REGION_TOKEN = "bench-region-token-0123456789abcdefghijklmnopqrstuvwxyz"
COURSES_PER_REGION = 10
SESSIONS_PER_COURSE = 200
FULL_RUNS = 15
LATENCY_RUNS = 400
CONCURRENCY = 4
THROUGHPUT_REQUESTS = 800


def build_database(url: str) -> int:
    """Insert the benchmark's courses and the region token; return one course id."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "TESTING": True})
    with app.app_context():
        init_db()
        db.session.execute(db.delete(Course).where(Course.title_fi.like("Bench %")))
        db.session.execute(
            db.delete(CalendarFeedToken).where(CalendarFeedToken.region_code == "05")
        )
        db.session.commit()
        now = utcnow()
        first_id = None
        for host, cohost in (("05", "03"), ("14", "03")):
            for number in range(COURSES_PER_REGION):
                first = datetime(2027, 1, 4, 9 + number % 8, 0, tzinfo=HELSINKI) + timedelta(
                    days=number % 5
                )
                course = Course(
                    kind="open",
                    title_fi=f"Bench ryhmä {host}-{number}: uni, lepo ja liike",
                    title_sv=f"Bench grupp {host}-{number}: sömn, vila och rörelse",
                    description_fi="Kuvaus",
                    description_sv="Beskrivning",
                    languages_csv="fi,sv",
                    cohost=True,
                    first_session=first,
                    duration_minutes=90,
                    session_count=SESSIONS_PER_COURSE,
                    meeting_provider="static",
                    meeting_url="https://meet.example.org/bench",
                    participations=[
                        CourseRegion(region_code=host, position=0),
                        CourseRegion(region_code=cohost, position=1),
                    ],
                )
                db.session.add(course)
                db.session.flush()
                first_id = first_id or course.id
                db.session.add_all(
                    Session(
                        course_id=course.id,
                        number=index + 1,
                        starts_at=first + timedelta(weeks=index),
                        ends_at=first + timedelta(weeks=index, minutes=90),
                        host_region=host,
                        cohost_region=cohost if index % 2 else None,
                        status="cancelled" if index % 17 == 0 else "scheduled",
                        sequence=index % 3,
                        updated_at=now,
                    )
                    for index in range(SESSIONS_PER_COURSE)
                )
        db.session.add(CalendarFeedToken(region_code="05", token_hash=hash_token(REGION_TOKEN)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return first_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in a subprocess when installed, else werkzeug's threaded server in a thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.port = free_port()
        self.kind = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._server = None

    def start(self) -> None:
        env = {
            **os.environ,
            "SCHEDULER_SQLALCHEMY_DATABASE_URI": self.url,
            "SCHEDULER_SECRET_KEY": SECRET_KEY,
            "SCHEDULER_PUBLIC_BASE_URL": "https://etapaiva.example",
            "SCHEDULER_OUTBOX_SEND_ON_COMMIT": "false",
        }
        compile_catalogs()  # once here, so the workers starting together need not write it
        gunicorn = shutil.which("gunicorn") or (
            str(Path(sys.executable).parent / "gunicorn")
            if (Path(sys.executable).parent / "gunicorn").exists()
            else None
        )
        if gunicorn:
            self.kind = "gunicorn, 2 sync workers"
            self._process = subprocess.Popen(
                [
                    gunicorn,
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--log-level",
                    "warning",
                    "scheduler:create_app()",
                ],
                cwd=ROOT,
                env=env,
            )
        else:
            from werkzeug.serving import make_server

            self.kind = "werkzeug, threaded"
            for key, value in env.items():
                os.environ[key] = value
            app = create_app()
            self._server = make_server("127.0.0.1", self.port, app, threaded=True)
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        if self._server is not None:
            self._server.shutdown()


PORT = 0


def request(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], int]:
    """One request on a fresh connection: (status, headers, body size)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), len(body)
    finally:
        connection.close()


def timed(path: str, headers: dict[str, str] | None = None, status: int = 200) -> float:
    started = time.perf_counter()
    got = request(path, headers)[0]
    elapsed = time.perf_counter() - started
    if got != status:
        raise SystemExit(f"{path} answered {got}, expected {status}")
    return elapsed


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def summary(name: str, samples: list[float]) -> float:
    median = statistics.median(samples)
    p90 = statistics.quantiles(samples, n=10)[-1] if len(samples) >= 10 else max(samples)
    print(f"  {name:<44} median {ms(median)}   p90 {ms(p90)}   (n={len(samples)})")
    return median


def throughput(path: str, headers: dict[str, str], status: int) -> float:
    def one(_: int) -> None:
        timed(path, headers, status)

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, range(THROUGHPUT_REQUESTS)))
    return THROUGHPUT_REQUESTS / (time.perf_counter() - started)


def main() -> None:
    global PORT
    folder = None
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="bench-calendars-")
        url = f"sqlite:///{folder}/bench.db"
    started = time.perf_counter()
    course_id = build_database(url)
    print(f"Database: {url.split('@')[-1]} — built in {time.perf_counter() - started:.1f} s")
    server = Server(url)
    PORT = server.port
    server.start()
    print(f"Server: {server.kind} on 127.0.0.1:{server.port}")
    region = f"/calendar/regions/05.ics?token={REGION_TOKEN}"
    course = f"/calendar/courses/{course_id}.ics"
    try:
        status, headers, size = request(region)
        assert status == 200, status
        events = SESSIONS_PER_COURSE * COURSES_PER_REGION
        print(
            f"Region feed: {events} sessions, {size / 1024:.0f} KiB; course feed: "
            f"{SESSIONS_PER_COURSE} sessions, {request(course)[2] / 1024:.0f} KiB"
        )
        etag = headers["ETag"]
        print()
        print("Full feeds (built every time, no conditional header):")
        for _ in range(3):  # warm both workers
            timed(region)
            timed(course)
        region_full = summary(
            "region feed, 2,000 sessions", [timed(region) for _ in range(FULL_RUNS)]
        )
        course_full = summary(
            "course feed, 200 sessions", [timed(course) for _ in range(FULL_RUNS)]
        )

        print()
        print("Conditional request vs trivial endpoint, interleaved, fresh connection each:")
        conditional = {"If-None-Match": etag}
        for _ in range(50):
            timed(region, conditional, 304)
            timed("/healthz")
        cond_samples, trivial_samples = [], []
        for _ in range(LATENCY_RUNS):
            cond_samples.append(timed(region, conditional, 304))
            trivial_samples.append(timed("/healthz"))
        cond = summary("region feed If-None-Match → 304", cond_samples)
        trivial = summary("/healthz", trivial_samples)
        course_etag = request(course)[1]["ETag"]
        summary(
            "course feed If-None-Match → 304",
            [timed(course, {"If-None-Match": course_etag}, 304) for _ in range(LATENCY_RUNS // 2)],
        )
        cond_rps = throughput(region, conditional, 304)
        trivial_rps = throughput("/healthz", {}, 200)
        print(
            f"  requests/s with {CONCURRENCY} clients: conditional {cond_rps:7.0f}, "
            f"/healthz {trivial_rps:7.0f}"
        )

        print()
        print("Figures against the targets:")
        print(
            f"  region feed full, median          {ms(region_full)}  (target < 200 ms: "
            f"{'met' if region_full < 0.2 else 'NOT met'})"
        )
        print(f"  course feed full, median          {ms(course_full)}")
        ratio = cond / trivial
        print(
            f"  conditional / trivial latency     {ratio:7.2f} ×   (target ≤ 1.25: "
            f"{'met' if ratio <= 1.25 else 'NOT met'})"
        )
        rps_ratio = cond_rps / trivial_rps
        print(
            f"  conditional / trivial requests/s  {rps_ratio:7.2f} ×   (target ≥ 0.8: "
            f"{'met' if rps_ratio >= 0.8 else 'NOT met'})"
        )
    finally:
        server.stop()
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
