"""No personal token in any log line: the redaction rules, the JSON lines, and gunicorn run
exactly as deployed (deploy/gunicorn.conf.py) with its access and error logs searched for
every token a client sent."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta

from flask import url_for
from werkzeug.routing import IntegerConverter

from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.logs import REDACTED, JsonFormatter, RedactingFilter, redact
from tests.deploy.servers import gunicorn
from tests.meetings.helpers import make_participant, only_session_now

TOKEN = "Zx9" + "a" * 40  # shaped like the service's tokens (43 URL-safe characters)
CODE = "Q7" + "b" * 20  # shaped like a short link's code (22 letters and digits)
# Path arguments that are no secret: region codes, a language, a static file, a swap answer.
PUBLIC_ARGUMENTS = {"code": {"/regions/", "/api/v1/regions/", "/calendar/regions/"}}


def test_redact_hides_every_kind_of_personal_link():
    short = "abc123"  # even a short, malformed token is hidden after a personal prefix
    cases = {
        f"GET /my/{TOKEN} HTTP/1.1": "GET /my/REDACTED HTTP/1.1",
        f"/my/{short}/withdraw": "/my/REDACTED/withdraw",
        f"/my/{TOKEN}/data.json": "/my/REDACTED/data.json",
        f"/join/p/{short}/go": "/join/p/REDACTED/go",
        f"/calendar/p/{short}.ics?lang=sv": "/calendar/p/REDACTED.ics?lang=sv",
        f"/calendar/f/{short}.ics": "/calendar/f/REDACTED.ics",
        f"/calendar/regions/05.ics?token={short}&lang=fi": (
            "/calendar/regions/05.ics?token=REDACTED&lang=fi"
        ),
        f"/calendar/sessions/7.ics?lang=fi&token={short}": (
            "/calendar/sessions/7.ics?lang=fi&token=REDACTED"
        ),
        f"/feedback/{short}": "/feedback/REDACTED",
        f"/account/set-password/{short}": "/account/set-password/REDACTED",
        f"/my/{TOKEN}/card": "/my/REDACTED/card",
        f"/m/{CODE}": "/m/REDACTED",
        f"/j/{CODE}?lang=sv": "/j/REDACTED?lang=sv",
        f"/some/future/route/{TOKEN}": "/some/future/route/REDACTED",
        f"Authorization: Bearer {short}": "Authorization: Bearer REDACTED",
        "mail to aino.asiakas@example.org failed": "mail to [email] failed",
    }
    for raw, expected in cases.items():
        assert redact(raw) == expected
    # What is not secret stays readable.
    for kept in ("/feedback/course/12", "/feedback/thanks", "/join/12/go", "/courses?page=2"):
        assert redact(kept) == kept
    assert redact("request 0123456789abcdef0123456789abcdef") == (
        "request 0123456789abcdef0123456789abcdef"
    )


def test_every_route_with_a_secret_in_its_path_is_redacted(app):
    """Built from the url_map: a new route with a token or code in its path fails here until
    the redaction knows it (region codes, languages and ids are not secrets)."""
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        secret_arguments = [
            name
            for name in rule.arguments
            if name not in ("language", "action")
            and not isinstance(rule._converters[name], IntegerConverter)
            and not any(rule.rule.startswith(p) for p in PUBLIC_ARGUMENTS.get(name, ()))
        ]
        if not secret_arguments:
            continue
        values = {name: "7" for name in rule.arguments}
        if "action" in values:
            values["action"] = "accept"
        for secret in (TOKEN, CODE):
            values.update({name: secret for name in secret_arguments})
            with app.test_request_context():
                path = url_for(rule.endpoint, **values)
            line = f'"GET {path}?lang=fi HTTP/1.1" 200'
            assert secret not in redact(line), rule.rule
        checked.append(rule.rule)
    for expected in ("/my/<token>/card", "/m/<code>", "/j/<code>", "/account/set-password/<token>"):
        assert expected in checked


def test_json_lines_carry_the_request_id_and_no_token(app):
    formatter = JsonFormatter()
    with app.test_request_context(f"/my/{TOKEN}", headers={"X-Request-ID": "req-12345678"}):
        app.preprocess_request()
        record = logging.LogRecord(
            "scheduler.x", logging.WARNING, __file__, 1, "failed on %s", (f"/my/{TOKEN}",), None
        )
        line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-12345678"
    assert line["level"] == "warning" and line["logger"] == "scheduler.x"
    assert line["message"] == "failed on /my/REDACTED"
    filtered = logging.LogRecord("werkzeug", 20, __file__, 1, '"GET /join/p/%s/go"', ("t0k",), None)
    RedactingFilter().filter(filtered)
    assert filtered.getMessage() == '"GET /join/p/REDACTED/go"'


def test_every_response_has_a_request_id(client):
    answer = client.get("/healthz")
    assert len(answer.headers["X-Request-ID"]) == 32
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-id-0001"})
    assert given.headers["X-Request-ID"] == "proxy-id-0001"
    odd = client.get("/healthz", headers={"X-Request-ID": '"/my/abc" injected'})
    assert odd.headers["X-Request-ID"] != '"/my/abc" injected'
    assert len(odd.headers["X-Request-ID"]) == 32


def test_gunicorn_as_deployed_logs_no_token(app, client, make_course, database_url, tmp_path):
    course = make_course(kind="closed", capacity=5, application_deadline="2026-12-20")
    session_id = only_session_now(app, course, timedelta(minutes=5))
    participant = make_participant(app, course["id"], name="Saga Salainen")
    with app.app_context():
        email = db.session.scalar(db.select(Application.email))
    tokens = [participant] + [secrets.token_urlsafe(32) for _ in range(4)]
    region_token, feed_token, reset_token, stranger = tokens[1:]
    short_code = secrets.token_hex(11)  # 22 letters and digits, like a short link's code
    tokens.append(short_code)
    paths = [
        f"/my/{participant}",
        f"/my/{participant}/data.json",
        f"/my/{participant}/withdraw",
        f"/join/p/{participant}",
        f"/join/p/{participant}/go",
        f"/calendar/p/{participant}.ics",
        f"/calendar/sessions/{session_id}.ics?token={participant}",
        f"/calendar/regions/05.ics?token={region_token}",
        f"/calendar/f/{feed_token}.ics",
        f"/account/set-password/{reset_token}",
        f"/my/{participant}/card",
        f"/m/{short_code}",
        f"/j/{short_code}",
        f"/feedback/{stranger}",
        f"/courses?token={stranger}&lang=sv",
    ]
    with gunicorn(database_url, tmp_path) as server:
        statuses = {}
        for number, path in enumerate(paths):
            statuses[path] = server.get(
                path,
                headers={
                    "X-Request-ID": f"test-request-{number:04d}",
                    "Referer": f"http://localhost/my/{participant}",
                    "Authorization": f"Bearer {stranger}",
                },
            )[0]
    assert statuses[f"/join/p/{participant}/go"] == 302  # the links really worked
    assert statuses[f"/calendar/p/{participant}.ics"] == 200
    logs = server.logs()
    for secret in (*tokens, email, "Saga Salainen"):
        assert secret not in logs
    assert "development server" not in logs.lower()
    access = [
        json.loads(line)
        for line in logs.splitlines()
        if line.startswith("{") and '"gunicorn.access"' in line
    ]
    assert len(access) >= len(paths)
    by_id = {line.get("request_id"): line for line in access}
    for number, path in enumerate(paths):
        line = by_id[f"test-request-{number:04d}"]
        assert line["method"] == "GET" and line["status"] == statuses[path]
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert REDACTED in line["path"] + line["query"]
        assert "remote" not in line and "user_agent" not in line
    assert by_id["test-request-0004"]["path"] == "/join/p/REDACTED/go"
    assert by_id["test-request-0014"]["query"] == "token=REDACTED&lang=sv"
    # gunicorn's own lines are JSON too.
    errors = [line for line in logs.splitlines() if '"gunicorn.error"' in line]
    assert errors and all(json.loads(line)["level"] for line in errors)
