"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
a real SMTP server on loopback, a live HTTP server for the browser, and small factories.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import event, text

from scheduler import create_app
from scheduler.accounts.models import User
from scheduler.accounts.services import create_user, issue_token
from scheduler.courses import services
from scheduler.courses.serialize import course_json
from scheduler.database import init_db
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.notify.fake_gateway import FakeGateway

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
KEEP_TABLES = {"region", "alembic_version"}


def is_postgres() -> bool:
    return bool(POSTGRES_URL)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One database per test run: migrated once, emptied after each test."""
    if POSTGRES_URL:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            _migrate(app)
            db.session.remove()
            db.engine.dispose()
        yield POSTGRES_URL
        return
    folder = tempfile.mkdtemp(prefix="scheduler-tests-")
    url = f"sqlite:///{folder}/test.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _migrate(app)
        db.session.remove()
        db.engine.dispose()
    yield url
    shutil.rmtree(folder, ignore_errors=True)


def _migrate(app: Any) -> None:
    init_db()


def _engine_options() -> dict[str, Any]:
    if POSTGRES_URL:
        # Turn a forgotten lock or transaction into an error instead of a hang.
        return {"connect_args": {"options": "-c lock_timeout=20000 -c statement_timeout=120000"}}
    return {}


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Tests override this fixture (or extend the dict) to change settings."""
    return {}


@pytest.fixture
def app(database_url: str, app_overrides: dict[str, Any], tmp_path) -> Iterator[Any]:
    overrides = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(),
        "WTF_CSRF_ENABLED": False,
        "OUTBOX_SEND_ON_COMMIT": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: tests that send mail start a real server
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PUBLIC_BASE_URL": "http://localhost",
        "JOIN_COUNT_FLUSH_SECONDS": 0,  # no counts left in memory between tests
        **app_overrides,
    }
    app = create_app(overrides)
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    from sqlalchemy import inspect

    existing = set(inspect(db.engine).get_table_names())
    tables = [
        t for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES and t.name in existing
    ]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Any) -> Iterator[Any]:
    with app.app_context():
        yield app


# --- factories -------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


@dataclass
class Staff:
    id: int
    email: str
    role: str
    region: str | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(app: Any):
    """make_user("planner", "05") → Staff with a fresh API token."""
    counter = {"n": 0}

    def make(role: str = "planner", region: str | None = "05", language: str = "fi") -> Staff:
        counter["n"] += 1
        email = f"{role}{counter['n']}-{region or 'all'}@example.org"
        with app.app_context():
            user = create_user(email, role, PASSWORD, region=region, language=language)
            token = issue_token(user)
            db.session.commit()
            return Staff(user.id, email, role, region, token)

    return make


def course_payload(**changes: Any) -> dict[str, Any]:
    """A valid course for the three-region pilot; change any field with keyword arguments."""
    data: dict[str, Any] = {
        "kind": "open",
        "title": {"fi": "Liikuntatuokio", "sv": "Motionsstund"},
        "description": {"fi": "Kuvaus", "sv": "Beskrivning"},
        "languages": ["fi"],
        "regions": ["03", "05", "14"],
        "first_session": "2027-01-04T10:00",
        "duration_minutes": 60,
        "sessions": 12,
        "meeting": {"provider": "static", "url": "https://meet.example.org/room-1"},
    }
    data.update(changes)
    return data


@pytest.fixture
def make_course(client: Any, make_user: Any):
    """Create a course through the API as a planner of the first region; returns its JSON."""

    def make(planner: Staff | None = None, **changes: Any) -> dict[str, Any]:
        payload = course_payload(**changes)
        planner = planner or make_user("planner", payload["regions"][0])
        if _in_the_past(payload["first_session"]):
            return _create_running_course(client.application, planner, payload)
        response = client.post("/api/v1/courses", json=payload, headers=planner.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def _in_the_past(first_session: Any) -> bool:
    from datetime import datetime

    if not isinstance(first_session, str):
        return False
    moment = datetime.fromisoformat(first_session)
    return (moment if moment.tzinfo else moment.replace(tzinfo=HELSINKI)) <= datetime.now(HELSINKI)


def _create_running_course(app: Any, planner: Staff, payload: dict[str, Any]) -> dict[str, Any]:
    """A course that has already started: the API refuses one (the first session must be in
    the future), so tests of running courses create it through the service, as if created
    back then."""
    with app.test_request_context():
        actor = db.session.get(User, planner.id)
        data = services.parse_course_input(payload, new_course=False)
        course = services.create_course(actor, data)
        db.session.commit()
        return course_json(course, with_sessions=True)


# --- query counting ---------------------------------------------------------------------------


@pytest.fixture
def count_queries(app: Any):
    """with count_queries() as queries: …; len(queries) is the number of SQL statements."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


# --- real SMTP on loopback ------------------------------------------------------------------


@dataclass
class MailBox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def body(self, message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


class SmtpServer:
    """aiosmtpd on 127.0.0.1; can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.mailbox = MailBox()
        self.port = 0
        self.controller: Any = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.port = self.controller.port
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.port = free_port()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app_overrides(smtp: SmtpServer) -> dict[str, Any]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


# --- live server for the browser --------------------------------------------------------------


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# --- a stand-in SMS gateway on loopback ----------------------------------------------------

SMS_TOKEN = "gateway-test-token"


@pytest.fixture
def gateway() -> Iterator[Any]:

    with FakeGateway(token=SMS_TOKEN) as fake:
        yield fake


@pytest.fixture
def sms_app_overrides(gateway: Any) -> dict[str, Any]:
    """Settings that send text messages to the stand-in gateway (1 s timeout)."""
    return {
        "SMS_PROVIDER": "gatewayapi",
        "SMS_API_URL": gateway.url,
        "SMS_API_TOKEN": SMS_TOKEN,
        "SMS_SENDER": "Etapaiva",
        "SMS_TIMEOUT": 1,
    }
