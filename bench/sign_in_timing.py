"""How long a failed sign-in takes for an existing and for an unknown account (not a test).

Issue 9 found ~180 ms for an existing account and ~3 ms for an unknown one, so the answer's
time told who has an account. Both now check one password hash of the same kind. This
signs in with a wrong password many times, alternating a real account and unknown ones,
through the full request path (form, throttle, database, hash), on a throwaway SQLite
database (or TEST_DATABASE_URL), and prints the medians and their difference.

Run: ``python bench/sign_in_timing.py [tries]`` from the repository root (default 200 each).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler import create_app
from scheduler.accounts.services import create_user
from scheduler.database import init_db
from scheduler.extensions import db

PASSWORD = "a long and correct password"


def main(tries: int) -> None:
    folder = tempfile.mkdtemp(prefix="sign-in-bench-")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            # Measure the work of a failed sign-in, not the lock that follows the fifth.
            "SIGN_IN_MAX_FAILURES_PER_ACCOUNT": 1000,
            "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 100000,
        }
    )
    with app.app_context():
        init_db()
        create_user("known@example.org", "admin", PASSWORD)
        db.session.commit()
    client = app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for number in range(tries + 10):
        for kind in ("known", "unknown"):
            email = "known@example.org" if kind == "known" else f"nobody{number}@example.org"
            start = time.perf_counter()
            response = client.post("/sign-in", data={"email": email, "password": "wrong"})
            elapsed = time.perf_counter() - start
            assert response.status_code == 422, response.status_code
            if number >= 10:  # the first tries warm up caches and the dummy hash
                timings[kind].append(elapsed * 1000)
    known = statistics.median(timings["known"])
    unknown = statistics.median(timings["unknown"])
    print(f"failed sign-ins, {tries} each, median of each: database {url.split(':')[0]}")
    print(f"  existing account: {known:7.1f} ms")
    print(f"  unknown account:  {unknown:7.1f} ms")
    print(f"  difference:       {known - unknown:+7.1f} ms ({(known - unknown) / known:+.1%})")
    for kind, values in timings.items():
        quartiles = statistics.quantiles(values, n=4)
        print(f"  {kind:8} quartiles: {quartiles[0]:.1f} / {quartiles[1]:.1f} / {quartiles[2]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
