"""Staff-user pages: who sees what, inviting, changing and deactivating from pages."""

from __future__ import annotations

import pytest

from scheduler.accounts.models import User
from scheduler.extensions import db
from tests.accounts.conftest import queued, user_row
from tests.conftest import PASSWORD


@pytest.fixture
def signed_in(app):
    def sign_in(staff):
        client = app.test_client()
        response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


def test_the_navigation_links_to_the_account_pages(client, signed_in, admin, make_user):
    assert 'href="/sign-in/forgot"' in client.get("/sign-in").get_data(as_text=True)
    page = signed_in(admin).get("/planner").get_data(as_text=True)
    assert 'href="/planner/users"' in page and 'href="/account/password"' in page
    facilitator_page = signed_in(make_user("facilitator", "05")).get("/courses")
    text = facilitator_page.get_data(as_text=True)
    assert 'href="/account/password"' in text and 'href="/planner/users"' not in text
    current = signed_in(admin).get("/account/password").get_data(as_text=True)
    assert '<a href="/account/password" aria-current="page">' in current


def test_who_may_open_the_user_pages(client, signed_in, admin, planner, make_user):
    facilitator = signed_in(make_user("facilitator", "05"))
    for path in ("/planner/users", "/planner/users/new", f"/planner/users/{planner.id}"):
        assert client.get(path).status_code == 302  # to sign in
        assert facilitator.get(path).status_code == 403
    as_planner = signed_in(planner)
    assert as_planner.get("/planner/users").status_code == 200
    assert as_planner.get("/planner/users/new").status_code == 200
    assert as_planner.get(f"/planner/users/{planner.id}").status_code == 403  # admins only
    as_admin = signed_in(admin)
    assert as_admin.get(f"/planner/users/{planner.id}").status_code == 200
    assert as_admin.get("/planner/users/99999").status_code == 404


def test_a_planner_sees_their_region_and_invites_a_facilitator(app, signed_in, planner, make_user):
    colleague = make_user("facilitator", "05")
    stranger = make_user("planner", "03")
    as_planner = signed_in(planner)
    listing = as_planner.get("/planner/users?region=03").get_data(as_text=True)
    assert colleague.email in listing and stranger.email not in listing
    # Even a form sent by hand with another role and region invites a facilitator of 05.
    response = as_planner.post(
        "/planner/users/new",
        data={
            "email": "uusi@example.org",
            "name": "Uusi Ohjaaja",
            "role": "admin",
            "region": "03",
            "language": "sv",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/planner/users"
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "uusi@example.org"))
        assert (user.role, user.region_code, user.language) == ("facilitator", "05", "sv")
    assert len(queued(app, "uusi@example.org")) == 1
    listing = as_planner.get("/planner/users").get_data(as_text=True)
    assert "Kutsu lähetettiin osoitteeseen uusi@example.org." in listing
    assert "Kutsuttu, ei vielä salasanaa" in listing
    assert "Lähetä kutsu uudelleen" in listing


def test_the_invite_form_shows_errors_and_conflicts(app, signed_in, admin, planner):
    as_admin = signed_in(admin)
    bad = as_admin.post(
        "/planner/users/new", data={"email": "nope", "role": "planner", "region": ""}
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="error-summary"' in text and 'aria-invalid="true"' in text
    assert "Suunnittelijalla ja ohjaajalla pitää olla kotialue." in text
    taken = as_admin.post(
        "/planner/users/new",
        data={"email": planner.email, "role": "planner", "region": "05", "language": "fi"},
    )
    assert taken.status_code == 409
    assert "A user with this email already exists." not in taken.get_data(as_text=True)
    assert 'href="#email"' in taken.get_data(as_text=True)


def test_an_admin_changes_and_deactivates_a_user_from_pages(app, signed_in, admin, planner):
    as_admin = signed_in(admin)
    as_planner = signed_in(planner)
    changed = as_admin.post(
        f"/planner/users/{planner.id}", data={"role": "facilitator", "region": "14"}
    )
    assert changed.status_code == 302
    assert (user_row(app, planner.id).role, user_row(app, planner.id).region_code) == (
        "facilitator",
        "14",
    )
    invalid = as_admin.post(f"/planner/users/{planner.id}", data={"role": "planner", "region": ""})
    assert invalid.status_code == 422

    off = as_admin.post(f"/planner/users/{planner.id}/active", data={"active": "0"})
    assert off.status_code == 302
    assert user_row(app, planner.id).active is False
    assert as_planner.get("/planner").status_code == 302  # signed out at once
    page = as_admin.get(f"/planner/users/{planner.id}").get_data(as_text=True)
    assert "Käyttäjä on poistettu käytöstä" in page and "Ota käyttäjä uudelleen käyttöön" in page

    on = as_admin.post(f"/planner/users/{planner.id}/active", data={"active": "1"})
    assert on.status_code == 302 and user_row(app, planner.id).active is True
    # An admin cannot deactivate themselves: the page says why.
    itself = as_admin.post(f"/planner/users/{admin.id}/active", data={"active": "0"})
    assert itself.status_code == 302
    assert "Et voi poistaa omaa tiliäsi käytöstä." in as_admin.get(
        f"/planner/users/{admin.id}"
    ).get_data(as_text=True)
    assert user_row(app, admin.id).active is True


def test_inviting_again_from_the_list(app, signed_in, planner, make_user):
    as_planner = signed_in(planner)
    as_planner.post("/planner/users/new", data={"email": "late@example.org", "language": "fi"})
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == "late@example.org"))
    assert as_planner.post(f"/planner/users/{user_id}/invitation").status_code == 302
    assert len(queued(app, "late@example.org")) == 2
    other = make_user("facilitator", "03")
    assert as_planner.post(f"/planner/users/{other.id}/invitation").status_code == 404


def test_the_user_list_page_has_a_fixed_number_of_queries(
    signed_in, admin, make_user, count_queries
):
    as_admin = signed_in(admin)
    make_user("planner", "05")
    with count_queries() as few:
        assert as_admin.get("/planner/users").status_code == 200
    for region in ("03", "05", "14", "17", "90", "01", "02", "04"):
        make_user("facilitator", region)
    with count_queries() as many:
        page = as_admin.get("/planner/users")
    assert page.get_data(as_text=True).count("<tr>") == 11  # header + 10 users
    assert len(many) == len(few)
