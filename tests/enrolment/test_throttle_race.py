"""Finding 10 of issue 9: the per-address application limit holds under concurrency.

Forty applications from one address at the same moment, half through the form and half
through the API, over a real threaded HTTP server (each request its own connection and
transaction) against a limit of 20: exactly 20 are stored, the rest answer 429 with
Retry-After. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from scheduler.enrolment.models import Application, SubmissionThrottle
from tests.enrolment.conftest import application_payload, count_rows

LIMIT = 20
REQUESTS = 40


@pytest.fixture
def app_overrides(mail_app_overrides):
    return {**mail_app_overrides, "APPLICATION_RATE_LIMIT_PER_HOUR": LIMIT}


def test_forty_simultaneous_applications_store_exactly_the_limit(app, live_server, closed_course):
    course = closed_course(capacity=50)
    barrier = threading.Barrier(REQUESTS)

    def send(number: int) -> tuple[int, str | None]:
        email = f"person{number}@example.org"
        barrier.wait(timeout=60)
        if number % 2:
            response = requests.post(
                f"{live_server}/api/v1/courses/{course['id']}/applications",
                json=application_payload(email=email),
                timeout=120,
            )
        else:
            form = {
                **{k: v for k, v in application_payload(email=email).items() if k != "consent"},
                "consent": "yes",
                "on_behalf": "",
            }
            response = requests.post(
                f"{live_server}/courses/{course['id']}/apply",
                data=form,
                allow_redirects=False,
                timeout=120,
            )
        return response.status_code, response.headers.get("Retry-After")

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        results = list(pool.map(send, range(REQUESTS)))

    codes = Counter(code for code, _ in results)
    assert codes[201] + codes[303] == LIMIT, codes
    assert codes[429] == REQUESTS - LIMIT, codes
    for code, retry_after in results:
        if code == 429:
            assert retry_after is not None and 0 < int(retry_after) <= 3601
    assert count_rows(app, Application) == LIMIT
    assert count_rows(app, SubmissionThrottle) == LIMIT
