"""The API does what its OpenAPI document says: Schemathesis against /api/v1/openapi.json.

Every operation is run twice, with a planner's bearer token (region 05, which takes part in
the seeded courses) and anonymously, with all of Schemathesis' default checks: no server
error, only documented statuses and content types, responses and headers as documented,
schema-violating requests refused and schema-valid ones accepted.

How the run is bounded (about a minute per database on two cores):
- the fuzzing phase makes at most MAX_EXAMPLES cases per operation and caller;
- the examples phase adds the documented examples and the coverage phase its boundary and
  negative cases (a fixed set derived from each schema, typically 10–60 per operation);
- generation is derandomized (a fixed seed), so CI runs the same cases every time and a
  failure reproduces; raise MAX_EXAMPLES locally to search wider.

Schema-valid requests may still be refused with 422 by the operations in SEMANTIC_RULES:
their rules relate fields to each other or to stored data, which JSON Schema cannot say.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from scheduler import create_app
from scheduler.accounts.models import ApiToken
from scheduler.extensions import db
from scheduler.security import hash_token
from tests.api.conftest import FIGURES
from tests.api.seed import seed_network
from tests.conftest import _empty_tables, _engine_options

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))

# Operation → why a request that fits the schema can still be invalid (422).
SEMANTIC_RULES = {
    ("POST", "/courses"): "the deadline precedes the first session, which is in the future; "
    "weights only for participating regions; a region serves each language; cohost needs two",
    ("POST", "/materials"): "either url with languages or urls; the link needs a host name",
    ("POST", "/materials/{id}/versions"): "a file or a link; the link needs a host name",
    ("POST", "/courses/{id}/texts"): "at least one text that the course is missing",
    ("POST", "/courses/{id}/applications"): "a participating region; a valid email or phone",
    ("PUT", "/courses/{id}/quotas"): "only participating regions; at most the capacity",
    ("PUT", "/sessions/{id}/attendance"): "only the course's accepted participants",
    ("PATCH", "/sessions/{id}"): "the co-host differs from the host; cancel without new hosts",
    ("POST", "/regions/{code}/closures"): "the end is on or after the start, within 3 years",
    ("POST", "/sessions/{id}/swap-requests"): "another existing session",
    ("GET", "/reports/hosting"): "the end is on or after the start, within 10 years",
    ("GET", "/reports/languages"): "the end is on or after the start, within 10 years",
    ("GET", "/reports/ledger"): "the end is on or after the start, within 10 years",
    ("GET", "/audit"): "the end is on or after the start",
    ("PATCH", "/courses/{id}"): "as POST /courses, for the course as it would become",
    ("POST", "/courses/{id}/copy"): "as POST /courses: a future first session, the deadline before",
    ("POST", "/courses/{id}/cancel"): "a reason in at least one language",
    ("POST", "/sessions/{id}/cancel"): "a reason in at least one language",
    ("POST", "/users"): "a deliverable-looking email address; a region for regional roles",
    ("PATCH", "/users/{id}"): "a region for regional roles",
}

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", 401, 403, 404, 409, 422, 429]
                    }
                },
            }
            for method, path in SEMANTIC_RULES
        ],
    }
)
# The document as the application serves it; the cases then go to the seeded app below.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}),
    config=CONFIG,
)
STATS: Counter[str] = Counter()
# The planner's token is fixed: Schemathesis builds the cases of its examples and coverage
# phases when the tests are collected, before any fixture has run.
PLANNER_TOKEN = "schemathesis-planner-05-" + "0123456789abcdef" * 3


@schema.auth(refresh_interval=None)
class PlannerToken:
    """Set on every case by Schemathesis itself, so that the cases that leave the Authorization
    header out on purpose (to check that it is needed) keep it out."""

    def get(self, case: Any, context: Any) -> str:
        return PLANNER_TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def fuzz_app(database_url: str, tmp_path_factory: Any) -> Any:
    """One seeded app for the whole module: the cases change its data as clients would."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(),
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_SEND_ON_COMMIT": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": 1,
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )
    network = seed_network(app)
    _give_planner_the_fixed_token(app, network.staff["planner"].token)
    yield app
    _report()
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _give_planner_the_fixed_token(app: Any, token: str) -> None:
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        row.token_hash = hash_token(PLANNER_TOKEN)
        db.session.commit()


def _report() -> None:
    operations = {key.split("|")[1] for key in STATS if key.startswith("cases|")}
    cases = sum(count for key, count in STATS.items() if key.startswith("cases|"))
    FIGURES["schemathesis"] = (
        f"schemathesis: {len(operations)} operations × 2 callers (planner, anonymous), "
        f"{cases} cases (answered 2xx: {STATS['planner answered 2xx']} for the planner, "
        f"{STATS['anonymous answered 2xx']} anonymously), "
        f"{STATS['failed operations']} failed (at most {MAX_EXAMPLES} fuzzed cases per "
        "operation and caller)"
    )


@schema.parametrize()
@pytest.mark.parametrize("caller", ["planner", "anonymous"])
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_does_what_its_document_says(case: Any, caller: str, fuzz_app: Any) -> None:
    operation = case.operation.label
    STATS[f"cases|{operation}"] += 1
    if caller == "anonymous" and (case.headers or {}).get("Authorization") == (
        f"Bearer {PLANNER_TOKEN}"
    ):
        del case.headers["Authorization"]
    try:
        response = case.call_and_validate(app=fuzz_app)
        STATS[f"{caller} answered {response.status_code // 100}xx"] += 1
    except Exception:
        if f"failed|{operation}|{caller}" not in STATS:
            STATS["failed operations"] += 1
        STATS[f"failed|{operation}|{caller}"] += 1
        raise
