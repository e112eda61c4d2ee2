"""How long "forgot password" takes for an existing and for an unknown address (not a test).

The form must not tell whether an address has an account, by its words or by its time.
Both answers count the same two limits, look the address up, make a token, render the
email and commit once; only a real reset adds its link and its queued email to that
commit. This sends the form many times, alternating existing accounts and unknown
addresses (each from its own client address, so the limits never answer instead), through
the full request path, on a throwaway SQLite database (or TEST_DATABASE_URL), and prints
the medians and their difference.

Run: ``python bench/password_reset_timing.py [tries]`` from the repository root (default 200).
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
    folder = tempfile.mkdtemp(prefix="reset-bench-")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_SEND_ON_COMMIT": False,
        }
    )
    total = tries + 10
    with app.app_context():
        init_db()
        for number in range(total):
            create_user(f"known{number}@example.org", "planner", PASSWORD, region="05")
        db.session.commit()
    client = app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for number in range(total):
        for kind in ("known", "unknown"):
            email = f"{kind}{number}@example.org"
            client.environ_base["REMOTE_ADDR"] = f"10.{number // 250}.{number % 250}.{len(kind)}"
            start = time.perf_counter()
            response = client.post("/sign-in/forgot", data={"email": email})
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.status_code
            if number >= 10:  # the first tries warm up caches and templates
                timings[kind].append(elapsed * 1000)
    known = statistics.median(timings["known"])
    unknown = statistics.median(timings["unknown"])
    print(f"forgot-password requests, {tries} each, median of each: database {url.split(':')[0]}")
    print(f"  existing account: {known:7.2f} ms")
    print(f"  unknown address:  {unknown:7.2f} ms")
    print(f"  difference:       {known - unknown:+7.2f} ms ({(known - unknown) / known:+.1%})")
    for kind, values in timings.items():
        quartiles = statistics.quantiles(values, n=4)
        print(f"  {kind:8} quartiles: {quartiles[0]:.2f} / {quartiles[1]:.2f} / {quartiles[2]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
