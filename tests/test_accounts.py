"""Accounts: commands, hashed tokens, sign-in with CSRF, permissions of pages."""

from __future__ import annotations

import re

import pytest

from scheduler.accounts.models import ApiToken, User
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from tests.conftest import PASSWORD


def test_users_create_and_token_commands(app, runner, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Planner@Example.org",
            "--role",
            "planner",
            "--region",
            "05",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "token", "planner@example.org"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    with app.app_context():
        stored = db.session.scalar(db.select(ApiToken))
        assert stored.token_hash != token and token not in stored.token_hash
        user = db.session.scalar(db.select(User))
        assert user.email == "planner@example.org" and user.region_code == "05"
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    answer = client.get("/api/v1/courses", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["x@example.org", "--role", "planner", "--password", "a long password"], "region"),
        (
            [
                "x@example.org",
                "--role",
                "planner",
                "--region",
                "99",
                "--password",
                "a long password",
            ],
            "region",
        ),
        (["x@example.org", "--role", "admin", "--password", "short"], "password"),
        (["not-an-email", "--role", "admin", "--password", "a long password"], "email"),
    ],
)
def test_users_create_rejects_bad_input(runner, arguments, message):
    result = runner.invoke(args=["users", "create", *arguments])
    assert result.exit_code != 0
    assert message in result.output


def test_duplicate_user_and_unknown_token_user(runner):
    args = ["users", "create", "a@example.org", "--role", "admin", "--password", "a long password"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already exists" in again.output
    assert runner.invoke(args=["users", "token", "nobody@example.org"]).exit_code != 0


def test_revoked_token_is_refused(app, client, make_user):
    planner = make_user("planner", "05")
    with app.app_context():
        for token in db.session.scalars(db.select(ApiToken)):
            token.revoked_at = utcnow()
        db.session.commit()
    response = client.post("/api/v1/courses", json={}, headers=planner.headers)
    assert response.status_code == 401


def test_sign_in_and_out(client, make_user):
    planner = make_user("planner", "05")
    assert client.get("/planner").status_code == 302
    wrong = client.post("/sign-in", data={"email": planner.email, "password": "nope"})
    assert wrong.status_code == 422
    assert "Sähköpostiosoite tai salasana on" in wrong.get_data(as_text=True)
    ok = client.post("/sign-in", data={"email": planner.email, "password": PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/planner")
    assert client.get("/planner").status_code == 200
    assert client.post("/sign-out").status_code == 302
    assert client.get("/planner").status_code == 302


def test_sign_in_never_redirects_off_site(client, make_user):
    planner = make_user("planner", "05")
    response = client.post(
        "/sign-in?next=https://evil.example.org/",
        data={"email": planner.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/planner"
