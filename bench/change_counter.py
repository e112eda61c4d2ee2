"""What the change counter costs writers (not a test).

Every transaction that writes through the ORM raises one counter row just before COMMIT
(``scheduler/changes.py``), so concurrent writers queue on that row for the moment of their
commit. This measures small write transactions per second from several threads, each on its
own course (so they share nothing else), with the counter and with it switched off, in
alternating rounds on the same database:

    BENCH_DATABASE_URL=postgresql+psycopg://…/bench .venv/bin/python bench/change_counter.py
    .venv/bin/python bench/change_counter.py             # SQLite (one writer at a time anyway)

Options: ``--threads 8 --seconds 5 --rounds 3``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import SMOKE_COURSES, app_settings, build, fresh_database  # noqa: E402
from sqlalchemy import event, update  # noqa: E402
from sqlalchemy.orm import Session as OrmSession  # noqa: E402

from scheduler import changes, create_app  # noqa: E402
from scheduler.courses.models import Course  # noqa: E402
from scheduler.dbtypes import utcnow  # noqa: E402
from scheduler.extensions import db  # noqa: E402


def writes_per_second(app, course_ids: list[int], seconds: float) -> float:
    """Threads each update their own course and commit, as fast as they can."""
    done = [0] * len(course_ids)
    stop = time.monotonic() + seconds

    def writer(slot: int, course_id: int) -> None:
        with app.app_context():
            while time.monotonic() < stop:
                db.session.execute(
                    update(Course).where(Course.id == course_id).values(updated_at=utcnow())
                )
                db.session.commit()
                done[slot] += 1
            db.session.remove()

    threads = [
        threading.Thread(target=writer, args=(slot, course_id))
        for slot, course_id in enumerate(course_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or None
    with fresh_database(url) as db_url:
        build(db_url, 1, SMOKE_COURSES)
        app = create_app(app_settings(db_url, "http://127.0.0.1"))
        with app.app_context():
            ids = list(db.session.scalars(db.select(Course.id).limit(args.threads)))
            db.session.remove()
        figures: dict[str, list[float]] = {"with the counter": [], "without": []}
        for _ in range(args.rounds):
            figures["with the counter"].append(writes_per_second(app, ids, args.seconds))
            event.remove(OrmSession, "before_commit", changes._raise_counter)
            try:
                figures["without"].append(writes_per_second(app, ids, args.seconds))
            finally:
                event.listen(OrmSession, "before_commit", changes._raise_counter)
        with app.app_context():
            dialect = db.engine.dialect.name
            db.engine.dispose()
    print(f"{dialect}, {len(ids)} writer threads, {args.rounds} rounds of {args.seconds:g} s:")
    for name, values in figures.items():
        print(
            f"  {name:17} {statistics.median(values):8.0f} commits/s "
            f"(rounds: {', '.join(f'{v:.0f}' for v in values)})"
        )
    ratio = statistics.median(
        a / b for a, b in zip(figures["with the counter"], figures["without"], strict=True)
    )
    print(f"  with / without    {ratio:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
