"""POST/GET/PATCH /api/v1/users: rules, statuses per role, audit, deactivation, races."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from scheduler.accounts.models import ApiToken, PasswordLink, User
from scheduler.audit import AuditEntry
from scheduler.extensions import db
from scheduler.security import hash_token
from tests.accounts.conftest import queued, queued_token, user_row
from tests.conftest import PASSWORD


def _invite(client, staff, **payload):
    return client.post("/api/v1/users", json=payload, headers=staff.headers)


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)))
        db.session.expunge_all()
        return entries


# --- POST /users -----------------------------------------------------------------------------


def test_admin_invites_a_planner(app, client, admin):
    response = _invite(
        client,
        admin,
        email=" Maija.Planner@Example.ORG ",
        role="planner",
        region="05",
        name="Maija",
    )
    assert response.status_code == 201
    body = response.get_json()
    assert {key: body[key] for key in ("email", "role", "region", "active")} == {
        "email": "maija.planner@example.org",
        "role": "planner",
        "region": "05",
        "active": True,
    }
    assert isinstance(body["id"], int) and body["password_set"] is False
    user = user_row(app, body["id"])
    assert user.password_hash == "" and user.language == "fi" and user.name == "Maija"
    # One email with a one-time link; only the token's hash is stored.
    [message] = queued(app, "maija.planner@example.org")
    assert message.kind == "accounts.invitation" and message.language == "fi"
    token = queued_token(app, "maija.planner@example.org")
    assert len(token) >= 43
    with app.app_context():
        link = db.session.scalar(db.select(PasswordLink))
        assert link.token_hash == hash_token(token) and token not in link.token_hash
        assert link.purpose == "invitation"
        valid = link.expires_at - link.created_at
        assert timedelta(hours=72) - timedelta(seconds=5) < valid <= timedelta(hours=72)
    # Audited without personal data.
    [entry] = _audit(app, "user.invite")
    assert entry.actor_id == admin.id and entry.object_id == str(body["id"])
    assert entry.changes == {"role": "planner", "region": "05"}
    assert "maija" not in str(entry.changes).lower()


def test_the_default_language_is_the_regions_majority_language(app, client, admin):
    swedish = _invite(client, admin, email="a@example.org", role="facilitator", region="17")
    finnish = _invite(client, admin, email="b@example.org", role="facilitator", region="05")
    chosen = _invite(
        client, admin, email="c@example.org", role="planner", region="05", language="sv"
    )
    admin_without_region = _invite(client, admin, email="d@example.org", role="admin")
    assert [r.status_code for r in (swedish, finnish, chosen, admin_without_region)] == [201] * 4
    languages = [
        user_row(app, r.get_json()["id"]).language
        for r in (swedish, finnish, chosen, admin_without_region)
    ]
    assert languages == ["sv", "fi", "sv", "fi"]
    assert admin_without_region.get_json()["region"] is None


def test_a_planner_invites_facilitators_of_their_own_region_only(app, client, planner, make_user):
    own = _invite(client, planner, email="f1@example.org", role="facilitator")
    assert own.status_code == 201 and own.get_json()["region"] == "05"
    explicit = _invite(client, planner, email="f2@example.org", role="facilitator", region="05")
    assert explicit.status_code == 201
    for payload in (
        {"email": "x@example.org", "role": "facilitator", "region": "03"},
        {"email": "x@example.org", "role": "planner"},
        {"email": "x@example.org", "role": "admin", "region": "05"},
    ):
        refused = _invite(client, planner, **payload)
        assert refused.status_code == 403, payload
        assert refused.mimetype == "application/problem+json"
    facilitator = make_user("facilitator", "05")
    assert (
        _invite(client, facilitator, email="y@example.org", role="facilitator").status_code == 403
    )
    assert client.post("/api/v1/users", json={"email": "z@example.org"}).status_code == 401
    assert queued(app, "x@example.org") == [] and queued(app, "y@example.org") == []


def test_an_existing_email_is_409_in_any_case(app, client, admin, planner):
    response = _invite(client, admin, email=planner.email.upper(), role="planner", region="03")
    assert response.status_code == 409
    assert response.get_json()["status"] == 409
    assert queued(app, planner.email) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "planner", "region": "05"}, "email"),
        ({"email": "not an address", "role": "planner", "region": "05"}, "email"),
        ({"email": "a@localhost", "role": "planner", "region": "05"}, "email"),
        ({"email": 12, "role": "planner", "region": "05"}, "email"),
        ({"email": "a@example.org", "role": "boss", "region": "05"}, "role"),
        ({"email": "a@example.org", "region": "05"}, "role"),
        ({"email": "a@example.org", "role": "planner", "region": "99"}, "region"),
        ({"email": "a@example.org", "role": "planner", "region": 5}, "region"),
        ({"email": "a@example.org", "role": "planner"}, "region"),
        ({"email": "a@example.org", "role": "facilitator", "region": None}, "region"),
        ({"email": "a@example.org", "role": "admin", "language": "en"}, "language"),
        ({"email": "a@example.org", "role": "admin", "name": ["x"]}, "name"),
        ({"email": "a@example.org", "role": "admin", "name": "x" * 121}, "name"),
        ({"email": "a@example.org", "role": "admin", "password": "x"}, "password"),
    ],
)
def test_invalid_invitations_are_422_with_the_field(app, client, admin, payload, field):
    response = _invite(client, admin, **payload)
    assert response.status_code == 422
    body = response.get_json()
    assert field in body["errors"], body
    assert queued(app, "a@example.org") == []


def test_a_body_that_is_not_a_json_object_is_422(client, admin):
    for data in ("[1, 2]", "null", "not json"):
        response = client.post(
            "/api/v1/users",
            data=data,
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert response.status_code in (400, 422), data
        assert response.mimetype == "application/problem+json"


def test_errors_are_in_the_callers_language(client, admin):
    response = client.post(
        "/api/v1/users",
        json={"email": "a@example.org", "role": "boss"},
        headers={**admin.headers, "Accept-Language": "sv"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["role"] == [
        "Välj roll: admin (administratör), planner (planerare) eller facilitator (handledare)."
    ]


def test_simultaneous_invitations_of_one_address_create_one_user(app, admin, live_server):
    attempts = 6
    barrier = threading.Barrier(attempts)

    def invite(_number: int) -> int:
        barrier.wait(timeout=60)
        return requests.post(
            f"{live_server}/api/v1/users",
            json={"email": "race@example.org", "role": "planner", "region": "05"},
            headers=admin.headers,
            timeout=120,
        ).status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        codes = Counter(pool.map(invite, range(attempts)))
    assert codes == Counter({201: 1, 409: attempts - 1}), codes
    assert len(queued(app, "race@example.org")) == 1


# --- GET /users ------------------------------------------------------------------------------


def test_who_sees_which_users(client, admin, planner, make_user):
    colleague = make_user("facilitator", "05")
    other = make_user("planner", "03")
    everyone = client.get("/api/v1/users", headers=admin.headers)
    assert everyone.status_code == 200
    assert {u["id"] for u in everyone.get_json()["users"]} == {
        admin.id,
        planner.id,
        colleague.id,
        other.id,
    }
    own = client.get("/api/v1/users", headers=planner.headers).get_json()["users"]
    assert {u["id"] for u in own} == {planner.id, colleague.id}
    assert set(own[0]) >= {"id", "email", "role", "region", "active"}
    filtered = client.get("/api/v1/users?region=03", headers=admin.headers).get_json()["users"]
    assert [u["id"] for u in filtered] == [other.id]
    assert client.get("/api/v1/users?region=03", headers=planner.headers).status_code == 403
    assert client.get("/api/v1/users?region=05", headers=planner.headers).status_code == 200
    assert client.get("/api/v1/users?region=99", headers=admin.headers).status_code == 422
    assert client.get("/api/v1/users", headers=colleague.headers).status_code == 403
    assert client.get("/api/v1/users").status_code == 401


def test_one_user(client, admin, planner, make_user):
    other = make_user("planner", "03")
    assert client.get(f"/api/v1/users/{other.id}", headers=admin.headers).status_code == 200
    assert client.get(f"/api/v1/users/{planner.id}", headers=planner.headers).status_code == 200
    assert client.get(f"/api/v1/users/{other.id}", headers=planner.headers).status_code == 404
    assert client.get("/api/v1/users/99999", headers=admin.headers).status_code == 404


def test_the_list_costs_the_same_queries_for_many_users(client, admin, make_user, count_queries):
    make_user("planner", "05")
    with count_queries() as few:
        assert client.get("/api/v1/users", headers=admin.headers).status_code == 200
    for _ in range(8):
        make_user("facilitator", "03")
    with count_queries() as many:
        response = client.get("/api/v1/users", headers=admin.headers)
    assert len(response.get_json()["users"]) == 10
    assert len(many) == len(few)


# --- PATCH /users/{id} -----------------------------------------------------------------------


def test_an_admin_changes_role_and_region_audited_without_personal_data(
    app, client, admin, planner
):
    response = client.patch(
        f"/api/v1/users/{planner.id}",
        json={"role": "facilitator", "region": "03"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["role"], body["region"], body["active"]) == ("facilitator", "03", True)
    [entry] = _audit(app, "user.update")
    assert entry.actor_id == admin.id and entry.object_id == str(planner.id)
    assert entry.changes == {"role": ["planner", "facilitator"], "region": ["05", "03"]}
    # The new role holds at once for the user's token: a facilitator cannot list users.
    assert client.get("/api/v1/users", headers=planner.headers).status_code == 403
    # No change: 200 and nothing logged.
    again = client.patch(
        f"/api/v1/users/{planner.id}", json={"region": "03"}, headers=admin.headers
    )
    assert again.status_code == 200 and len(_audit(app, "user.update")) == 1


def test_only_admins_change_users(client, planner, make_user):
    facilitator = make_user("facilitator", "05")
    for staff in (planner, facilitator):
        response = client.patch(
            f"/api/v1/users/{facilitator.id}", json={"active": False}, headers=staff.headers
        )
        assert response.status_code == 403
    assert (
        client.patch(f"/api/v1/users/{facilitator.id}", json={"active": False}).status_code == 401
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "role"),
        ({"role": "boss"}, "role"),
        ({"region": "99"}, "region"),
        ({"region": None}, "region"),  # a planner needs a region
        ({"active": "no"}, "active"),
        ({"active": 0}, "active"),
        ({"email": "new@example.org"}, "email"),
    ],
)
def test_invalid_changes_are_422(client, admin, planner, payload, field):
    response = client.patch(f"/api/v1/users/{planner.id}", json=payload, headers=admin.headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_unknown_user_is_404(client, admin):
    assert (
        client.patch(
            "/api/v1/users/99999", json={"active": False}, headers=admin.headers
        ).status_code
        == 404
    )


def test_the_last_admin_stays_and_no_one_deactivates_themselves(app, client, admin, make_user):
    itself = client.patch(
        f"/api/v1/users/{admin.id}", json={"active": False}, headers=admin.headers
    )
    assert itself.status_code == 409
    demote = client.patch(
        f"/api/v1/users/{admin.id}",
        json={"role": "planner", "region": "05"},
        headers=admin.headers,
    )
    assert demote.status_code == 409
    assert user_row(app, admin.id).role == "admin"
    second = make_user("admin", None)
    ok = client.patch(
        f"/api/v1/users/{admin.id}",
        json={"role": "planner", "region": "05"},
        headers=second.headers,
    )
    assert ok.status_code == 200
    last = client.patch(
        f"/api/v1/users/{second.id}",
        json={"role": "planner", "region": "05"},
        headers=second.headers,
    )
    assert last.status_code == 409


def test_two_admins_demoting_each_other_at_once_leave_one(app, make_user, live_server):
    first, second = make_user("admin", None), make_user("admin", None)
    barrier = threading.Barrier(2)

    def demote(pair) -> int:
        actor, target = pair
        barrier.wait(timeout=60)
        return requests.patch(
            f"{live_server}/api/v1/users/{target.id}",
            json={"active": False},
            headers=actor.headers,
            timeout=120,
        ).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(demote, [(first, second), (second, first)]))
    with app.app_context():
        active_admins = db.session.scalar(
            db.select(db.func.count()).where(User.role == "admin", User.active.is_(True))
        )
    assert active_admins == 1
    assert codes in ([200, 401], [200, 409]), codes  # the loser is deactivated or refused


def test_deactivation_stops_a_signed_in_session_and_an_api_token_at_once(
    app, client, admin, planner
):
    signed_in = app.test_client()
    assert (
        signed_in.post("/sign-in", data={"email": planner.email, "password": PASSWORD}).status_code
        == 302
    )
    assert signed_in.get("/planner").status_code == 200
    assert client.get("/api/v1/users", headers=planner.headers).status_code == 200

    response = client.patch(
        f"/api/v1/users/{planner.id}", json={"active": False}, headers=admin.headers
    )
    assert response.status_code == 200 and response.get_json()["active"] is False

    assert signed_in.get("/planner").status_code == 302
    assert client.get("/api/v1/users", headers=planner.headers).status_code == 401
    refused = app.test_client().post(
        "/sign-in", data={"email": planner.email, "password": PASSWORD}
    )
    assert refused.status_code == 422
    with app.app_context():
        tokens = list(db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == planner.id)))
        assert tokens and all(token.revoked_at is not None for token in tokens)
    [entry] = _audit(app, "user.update")
    assert entry.changes == {"active": [True, False]}
    assert _audit(app, "user.sessions_ended")[0].changes["tokens_revoked"] == 1

    # Reactivated: the old session and token stay dead; the password works again.
    back = client.patch(f"/api/v1/users/{planner.id}", json={"active": True}, headers=admin.headers)
    assert back.status_code == 200 and back.get_json()["active"] is True
    assert signed_in.get("/planner").status_code == 302
    assert client.get("/api/v1/users", headers=planner.headers).status_code == 401
    fresh = app.test_client()
    assert (
        fresh.post("/sign-in", data={"email": planner.email, "password": PASSWORD}).status_code
        == 302
    )


def test_deactivation_closes_open_invitation_links(app, client, admin):
    created = _invite(client, admin, email="leaver@example.org", role="planner", region="05")
    token = queued_token(app, "leaver@example.org")
    assert client.get(f"/account/set-password/{token}").status_code == 200
    user_id = created.get_json()["id"]
    client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin.headers)
    assert client.get(f"/account/set-password/{token}").status_code == 410


# --- POST /users/{id}/invitation ---------------------------------------------------------------


def test_inviting_again_replaces_the_link(app, client, admin, planner):
    created = _invite(client, planner, email="slow@example.org", role="facilitator")
    first = queued_token(app, "slow@example.org")
    user_id = created.get_json()["id"]
    again = client.post(f"/api/v1/users/{user_id}/invitation", headers=planner.headers)
    assert again.status_code == 200
    second = queued_token(app, "slow@example.org")
    assert second != first
    assert client.get(f"/account/set-password/{first}").status_code == 410
    assert client.get(f"/account/set-password/{second}").status_code == 200
    # Once a password is set there is nothing to invite to.
    client.post(
        f"/account/set-password/{second}",
        data={"new_password": "a quiet morning walk", "new_password_again": "a quiet morning walk"},
    )
    assert (
        client.post(f"/api/v1/users/{user_id}/invitation", headers=admin.headers).status_code == 409
    )
    assert (
        client.post(f"/api/v1/users/{planner.id}/invitation", headers=planner.headers).status_code
        == 403
    )
    assert client.post("/api/v1/users/99999/invitation", headers=admin.headers).status_code == 404
