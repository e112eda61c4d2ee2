"""CSRF protection on every form; the API (bearer tokens) is exempt."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_forms_need_a_csrf_token(client, make_user):
    planner = make_user("planner", "05")
    response = client.post("/sign-in", data={"email": planner.email, "password": PASSWORD})
    assert response.status_code in (400, 422)
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"email": planner.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    # Sign-out is a POST form with a CSRF token too.
    assert client.post("/sign-out").status_code == 400


def test_api_is_not_subject_to_csrf(client, make_user):
    planner = make_user("planner", "05")
    response = client.post("/api/v1/courses", json={}, headers=planner.headers)
    assert response.status_code == 422
