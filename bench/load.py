"""Load benchmark of the pages that matter at national scale (not a test).

Run from the project root:

    .venv/bin/python bench/load.py                       # SQLite, 1x and 10x data, wrk 15 s
    BENCH_DATABASE_URL=postgresql+psycopg://…/bench .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --smoke               # CI: small network, about a minute

For each data size (1x: the national network of ``bench/network.py``; 10x: the same with
nine earlier networks of history) it builds a fresh database (a temporary SQLite file, or
the database named by ``BENCH_DATABASE_URL`` — a throwaway one: its schema is dropped), then

1. counts the SQL statements and the bytes of each page in-process (Flask's test client, one
   fresh app: the first request and the next one), and
2. serves the database with gunicorn as deployed (``deploy/gunicorn.conf.py``, 2 workers)
   and drives every page with ``wrk -t2 -c20 --latency`` (``apt-get install wrk``) for 15
   seconds in three slices, each right after a slice of ``/healthz`` on the same server, and
   prints requests/s, p50 and p99 and the ratio to ``/healthz`` (the median of the three
   pairs' ratios, so drifting machine speed moves both sides of each pair alike).

``--smoke`` uses a small network (30 courses), drives each page for a moment from this
process instead of wrk, and exits 1 when any page's query count differs between 1x and 10x
data or any request fails. Other SCHEDULER_* variables in the environment are passed to the
server (for settings a deployment needs).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from network import Network, load_network  # noqa: E402

from scheduler import create_app  # noqa: E402
from scheduler.database import init_db  # noqa: E402
from scheduler.dbtypes import utcnow  # noqa: E402
from scheduler.extensions import db  # noqa: E402

SECRET_KEY = "bench-secret-key-0123456789abcdefghij"
DATA_KEY = "YmVuY2gta2V5LW5vdC1mb3ItcHJvZHVjdGlvbi0zMmI="  # 32 bytes, URL-safe base64
JITSI = "https://meet.example.org"
SMOKE_COURSES = 30


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # with {live}, {token}, {region_token}
    staff: bool = False
    conditional: bool = False  # send If-None-Match with the ETag of a first answer
    expect: int = 200
    target: float = 0.0  # ratio to /healthz the issue asks for
    p99_ms: float | None = None
    max_kb: float | None = None
    connections: int = 20


PAGES = (
    Page("healthz", "/healthz"),
    Page("catalogue", "/courses", target=0.15, p99_ms=150, max_kb=100),
    Page("catalogue page 3, search", "/courses?q=ryhm%C3%A4&page=3", target=0.15, p99_ms=150),
    Page("join redirect /go", "/join/{live}/go", expect=302, target=0.5, p99_ms=50),
    Page(
        "join redirect /go, 50 clients",
        "/join/{live}/go",
        expect=302,
        target=0.5,
        p99_ms=50,
        connections=50,
    ),
    Page("participant /go", "/join/p/{token}/go", expect=302, target=0.5, p99_ms=50),
    Page("join page", "/join/{live}"),  # not in the table: measured, no target
    Page("course page", "/courses/{live}", target=0.2),
    Page("region feed, full", "/calendar/regions/05.ics?token={region_token}", target=0.1),
    Page(
        "region feed, 304",
        "/calendar/regions/05.ics?token={region_token}",
        conditional=True,
        expect=304,
        target=0.8,
    ),
    Page("course feed", "/calendar/courses/{live}.ics"),
    Page("planner desk", "/planner", staff=True, target=0.1),
    Page("rotation grid", "/planner/rotation", staff=True, target=0.1),
    Page("rotation grid, all", "/planner/rotation?scope=all", staff=True, target=0.1),
    Page("hosting report", "/planner/reports/hosting", staff=True, target=0.1),
    Page("year report", "/reports/year", staff=True, target=0.1),
    Page("hosting ledger", "/planner/reports/ledger", staff=True),  # issue 13's page: no target
)


@dataclass
class Figures:
    """One page at one data size."""

    queries_first: int = 0
    queries_next: int = 0
    size: int = 0
    status: int = 0
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    requests: int = 0
    healthz_rps: float | None = None  # /healthz in the slices next to this page's
    healthz_p50_ms: float | None = None
    healthz_p99_ms: float | None = None
    ratio: float | None = None  # median of the slice pairs' ratios


@dataclass
class Run:
    database: str
    scale: int
    network: Network | None = None
    pages: dict[str, Figures] = field(default_factory=dict)
    load_before: float = 0.0
    load_after: float = 0.0


# --- the database -------------------------------------------------------------------------------


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A new SQLite file, or the PostgreSQL database at ``url`` with an empty schema."""
    if url is None:
        folder = tempfile.mkdtemp(prefix="bench-load-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


def app_settings(url: str, base_url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "DATA_ENCRYPTION_KEYS": DATA_KEY,
        "PUBLIC_BASE_URL": base_url,
        "JITSI_BASE_URL": JITSI,
    }


def build(url: str, scale: int, courses: int | None) -> Network:
    app = create_app({**app_settings(url, "http://127.0.0.1"), "TESTING": True})
    with app.app_context():
        init_db()
        network = load_network(scale, courses, now=utcnow())
        if db.engine.dialect.name == "postgresql":
            autocommit = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with autocommit as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return network


def paths(network: Network) -> dict[str, str]:
    values = {
        "live": str(network.live_course),
        "token": network.participant_token,
        "region_token": network.region_token,
    }
    return {page.name: page.path.format(**values) for page in PAGES}


# --- in-process: queries and sizes ---------------------------------------------------------------


SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET ", "SHOW ")


def _counting(engine: Any, statements: list[str]) -> None:
    """Count every statement the database runs, raw DB-API cursors included."""
    from sqlalchemy import event

    def keep(statement: str) -> None:
        if not statement.lstrip().upper().startswith(SKIPPED):
            statements.append(statement)

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def trace(dbapi_connection, record):  # type: ignore[no-untyped-def]
            dbapi_connection.set_trace_callback(keep)

        return

    import psycopg

    class CountingCursor(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query, params=None, **kwargs):  # type: ignore[no-untyped-def]
            keep(query if isinstance(query, str) else str(query))
            return super().execute(query, params, **kwargs)

    @event.listens_for(engine, "connect")
    def factory(dbapi_connection, record):  # type: ignore[no-untyped-def]
        dbapi_connection.cursor_factory = CountingCursor


def count_pages(url: str, network: Network) -> dict[str, Figures]:
    """SQL statements and bytes per page, from one fresh app (first request, next request)."""
    app = create_app(
        {
            **app_settings(url, "http://127.0.0.1"),
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_SEND_ON_COMMIT": False,
        }
    )
    statements: list[str] = []
    found: dict[str, Figures] = {}
    with app.app_context():
        _counting(db.engine, statements)
    try:
        anonymous = app.test_client()
        staff = app.test_client()
        answer = staff.post(
            "/sign-in", data={"email": network.planner, "password": network.password}
        )
        assert answer.status_code == 302, f"sign-in failed: {answer.status_code}"
        targets = paths(network)
        for page in PAGES:
            client = staff if page.staff else anonymous
            headers = {}
            if page.conditional:
                etag = client.get(targets[page.name]).headers.get("ETag", "")
                headers["If-None-Match"] = etag
            figures = Figures()
            for attempt in range(2):
                statements.clear()
                response = client.get(targets[page.name], headers=headers)
                if attempt == 0:
                    figures.queries_first = len(statements)
                else:
                    figures.queries_next = len(statements)
                figures.size = len(response.get_data())
                figures.status = response.status_code
            found[page.name] = figures
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return found


# --- gunicorn as deployed ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(url: str, workers: int, log_dir: Path) -> Iterator[str]:
    """gunicorn with the shipped configuration on a free port; yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **{f"SCHEDULER_{key}": str(value) for key, value in app_settings(url, base).items()},
        "SCHEDULER_ENV_NAME": "production",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn)]
    config = ROOT / "deploy" / "gunicorn.conf.py"
    if config.exists():
        command += ["-c", str(config)]
    command += [
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(log_dir / "access.log"),
        "--error-logfile",
        str(log_dir / "error.log"),
        "scheduler:create_app()",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {log_dir / 'error.log'}")
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start in 60 s")
            time.sleep(0.2)
        # Every worker must have started (and built its app) before measuring.
        for _ in range(workers * 10):
            get(base + "/healthz")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def post_form(url: str, form: dict[str, str], cookie: str) -> tuple[int, dict[str, str]]:
    from urllib.parse import urlencode

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            parts.path,
            body=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the real form (CSRF and all); returns the session cookie header."""
    status, headers, body = get(base + "/sign-in")
    cookie = headers.get("set-cookie", "").split(";", 1)[0]
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body
    )
    assert match, "no CSRF token on the sign-in page"
    status, headers = post_form(
        base + "/sign-in",
        {"csrf_token": match.group(1).decode(), "email": email, "password": password},
        cookie,
    )
    assert status == 302, f"sign-in answered {status}"
    return headers["set-cookie"].split(";", 1)[0]


# --- load ---------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(text: str) -> float:
    """wrk's latency ("812.00us", "3.20ms", "1.02s", "1.00m") in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(found.group(1)) * UNITS[found.group(2)]


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> Figures:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Requests/sec" not in output or "50%" not in output:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    figures = Figures()
    figures.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    figures.p50_ms = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    figures.p99_ms = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    figures.requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    figures.errors = (int(bad.group(1)) if bad else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    return figures


def hammer(url: str, headers: dict[str, str], seconds: float, expect: int) -> Figures:
    """The smoke test's load: 4 threads of sequential requests from this process."""
    stop = time.monotonic() + seconds
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def work() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status = get(url, headers)[0]
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(elapsed)
                if status != expect:
                    errors[0] += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    timings.sort()
    figures = Figures(errors=errors[0], requests=len(timings))
    figures.rps = len(timings) / wall
    figures.p50_ms = timings[len(timings) // 2] if timings else None
    figures.p99_ms = timings[int(len(timings) * 0.99)] if timings else None
    return figures


def drive(
    base: str,
    network: Network,
    run: Run,
    *,
    seconds: int,
    rounds: int,
    smoke: bool,
    only: tuple[str, ...] = (),
) -> None:
    """Each page in `rounds` slices, each right after a slice of /healthz of the same length:
    the page's ratio is the median of the slice pairs' ratios, so a machine whose speed
    drifts (other people's work) moves both sides of every pair alike."""
    cookie = sign_in(base, network.planner, network.password)
    targets = paths(network)
    reference = PAGES[0]
    slice_seconds = max(1, round(seconds / rounds))
    for page in PAGES[1:]:
        if only and not any(part in page.name for part in only):
            continue
        headers = {"Cookie": cookie} if page.staff else {}
        if page.conditional:
            headers["If-None-Match"] = get(base + targets[page.name])[1].get("etag", "")
        url = base + targets[page.name]
        status = get(url, headers)[0]
        pairs: list[tuple[Figures, Figures]] = []
        for _ in range(1 if smoke else rounds):
            if smoke:
                trivial = hammer(base + reference.path, {}, 0.5, reference.expect)
                measured = hammer(url, headers, 1.0, page.expect)
            else:
                trivial = wrk(base + reference.path, {}, slice_seconds, page.connections)
                measured = wrk(url, headers, slice_seconds, page.connections)
            pairs.append((trivial, measured))
        figures = run.pages.setdefault(page.name, Figures())
        figures.rps = median(m.rps for _, m in pairs)
        figures.p50_ms = median(m.p50_ms for _, m in pairs)
        figures.p99_ms = median(m.p99_ms for _, m in pairs)
        figures.errors = sum(m.errors for _, m in pairs) + (status != page.expect)
        figures.requests = sum(m.requests for _, m in pairs)
        figures.healthz_rps = median(t.rps for t, _ in pairs)
        figures.healthz_p50_ms = median(t.p50_ms for t, _ in pairs)
        figures.healthz_p99_ms = median(t.p99_ms for t, _ in pairs)
        figures.ratio = median((m.rps or 0) / (t.rps or 1) for t, m in pairs)
        healthz = run.pages.setdefault(reference.name, Figures())
        healthz.errors += sum(t.errors for t, _ in pairs)
        healthz.requests += sum(t.requests for t, _ in pairs)
        print(
            f"    {page.name:32} {figures.rps or 0:8.1f} req/s  p50 {figures.p50_ms or 0:7.1f} ms"
            f"  p99 {figures.p99_ms or 0:7.1f} ms  /healthz {figures.healthz_rps or 0:7.1f} req/s"
            f"  ratio {figures.ratio:.3f}  errors {figures.errors}",
            flush=True,
        )
    every = [f for f in run.pages.values() if f.healthz_rps]
    healthz = run.pages[reference.name]
    healthz.rps, healthz.ratio = median(f.healthz_rps for f in every), 1.0
    healthz.p50_ms = median(f.healthz_p50_ms for f in every)
    healthz.p99_ms = median(f.healthz_p99_ms for f in every)


def median(values: Any) -> Any:
    found = sorted(v for v in values if v is not None)
    return statistics.median(found) if found else None


# --- report ---------------------------------------------------------------------------------------


def report(runs: list[Run]) -> list[str]:
    """Print the figures; return the problems that fail the smoke test."""
    problems: list[str] = []
    by_key = {(run.database, run.scale): run for run in runs}
    for database in sorted({run.database for run in runs}):
        print(f"\n== {database}")
        for run in (r for r in runs if r.database == database):
            net = run.network
            assert net is not None
            print(
                f"-- {run.scale}x data: {net.courses} courses, {net.sessions} sessions, "
                f"{net.applications} applications; load average {run.load_before:.2f} → "
                f"{run.load_after:.2f}"
            )
            print(
                f"   {'page':32} {'req/s':>8} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} "
                f"{'target':>13} {'KB':>7} {'queries':>8} {'errors':>6}"
            )
            for page in PAGES:
                figures = run.pages[page.name]
                ratio = figures.ratio
                goal = ""
                if page.target:
                    goal = f"≥{page.target:g}×"
                    if page.p99_ms:
                        goal += f" <{page.p99_ms:g}ms"
                    met = ratio is not None and ratio >= page.target
                    met = met and (not page.p99_ms or (figures.p99_ms or 1e9) < page.p99_ms)
                    goal += " ok" if met else " NO"
                print(
                    f"   {page.name:32} {_f(figures.rps, 8, 1)} {_f(ratio, 7, 3)} "
                    f"{_f(figures.p50_ms, 8, 1)} {_f(figures.p99_ms, 8, 1)} {goal:>13} "
                    f"{figures.size / 1024:7.1f} "
                    f"{figures.queries_first:>3}/{figures.queries_next:<4} {figures.errors:>6}"
                )
                if figures.errors or figures.status != page.expect:
                    problems.append(
                        f"{database} {run.scale}x {page.name}: status {figures.status}, "
                        f"{figures.errors} failed requests"
                    )
                if page.max_kb and figures.size > page.max_kb * 1024:
                    problems.append(f"{database} {run.scale}x {page.name}: {figures.size} bytes")
        small, large = by_key.get((database, 1)), by_key.get((database, 10))
        if small and large:
            for page in PAGES:
                a, b = small.pages[page.name], large.pages[page.name]
                if (a.queries_first, a.queries_next) != (b.queries_first, b.queries_next):
                    problems.append(
                        f"{database} {page.name}: queries {a.queries_first}/{a.queries_next} at "
                        f"1x but {b.queries_first}/{b.queries_next} at 10x"
                    )
    return problems


def _f(value: float | None, width: int, digits: int) -> str:
    return f"{value:{width}.{digits}f}" if value is not None else " " * (width - 1) + "–"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="short CI version")
    parser.add_argument("--seconds", type=int, default=15, help="wrk seconds per page")
    parser.add_argument(
        "--rounds", type=int, default=3, help="slices per page, each after one of /healthz"
    )
    parser.add_argument("--scales", default="1,10", help="data sizes, e.g. 1,10")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--courses", type=int, default=None, help="generated courses per copy")
    parser.add_argument("--no-http", action="store_true", help="only queries and sizes")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="drive only the pages whose name contains this (repeatable; queries: all pages)",
    )
    args = parser.parse_args()
    courses = SMOKE_COURSES if args.smoke and args.courses is None else args.courses
    if not args.no_http and not args.smoke and shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk (or use --smoke)", file=sys.stderr)
        return 2
    url = os.environ.get("BENCH_DATABASE_URL") or None
    database = "PostgreSQL" if url else "SQLite"
    runs = []
    for scale in (int(s) for s in args.scales.split(",")):
        run = Run(database=database, scale=scale)
        with fresh_database(url) as db_url:
            started = time.perf_counter()
            run.network = build(db_url, scale, courses)
            print(
                f"{database} {scale}x: built {run.network.courses} courses, "
                f"{run.network.sessions} sessions in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            run.pages = count_pages(db_url, run.network)
            if not args.no_http:
                run.load_before = os.getloadavg()[0]
                with (
                    tempfile.TemporaryDirectory(prefix="bench-logs-") as logs,
                    served(db_url, args.workers, Path(logs)) as base,
                ):
                    drive(
                        base,
                        run.network,
                        run,
                        seconds=args.seconds,
                        rounds=args.rounds,
                        smoke=args.smoke,
                        only=tuple(args.only),
                    )
                run.load_after = os.getloadavg()[0]
        runs.append(run)
    problems = report(runs)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "database": run.database,
                        "scale": run.scale,
                        "pages": {name: vars(f) for name, f in run.pages.items()},
                    }
                    for run in runs
                ],
                indent=2,
            )
        )
    if problems:
        print("\nPROBLEMS:\n  " + "\n  ".join(problems))
    return 1 if problems and args.smoke else 0


if __name__ == "__main__":
    raise SystemExit(main())
