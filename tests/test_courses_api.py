"""Courses API: creation with every rule of the contract's table, permissions, reading."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import course_payload


def test_planner_creates_course_with_planned_sessions(client, make_user):
    planner = make_user("planner", "05")
    response = client.post(
        "/api/v1/courses", json=course_payload(regions=["05", "03", "14"]), headers=planner.headers
    )
    assert response.status_code == 201
    course = response.get_json()
    assert course["kind"] == "open"
    assert course["title"] == {"fi": "Liikuntatuokio", "sv": "Motionsstund"}
    assert course["regions"] == ["05", "03", "14"]
    assert course["join_url"].endswith(f"/join/{course['id']}")
    assert course["calendar_url"].endswith(f"/calendar/courses/{course['id']}.ics")
    sessions = course["sessions"]
    assert len(sessions) == 12
    assert sessions[0]["starts_at"] == "2027-01-04T10:00:00+02:00"
    assert sessions[0]["ends_at"] == "2027-01-04T11:00:00+02:00"
    assert [s["number"] for s in sessions] == list(range(1, 13))
    hosts = [s["host_region"] for s in sessions]
    assert {hosts.count(code) for code in ("03", "05", "14")} == {4}
    assert all(a != b for a, b in itertools.pairwise(hosts))
    assert all(s["cohost_region"] is None and s["status"] == "scheduled" for s in sessions)


def test_sessions_skip_holidays_and_keep_local_time_across_dst(client, make_course):
    # Mondays from 2027-03-15: Easter Monday 29 March is skipped; DST starts 28 March.
    course = make_course(first_session="2027-03-15T10:00", sessions=4)
    starts = [s["starts_at"] for s in course["sessions"]]
    assert starts == [
        "2027-03-15T10:00:00+02:00",
        "2027-03-22T10:00:00+02:00",
        "2027-04-05T10:00:00+03:00",
        "2027-04-12T10:00:00+03:00",
    ]


def test_get_course_and_sessions_are_public(client, make_course):
    course = make_course()
    one = client.get(f"/api/v1/courses/{course['id']}")
    assert one.status_code == 200
    assert one.get_json()["id"] == course["id"]
    sessions = client.get(f"/api/v1/courses/{course['id']}/sessions").get_json()["sessions"]
    assert [s["starts_at"] for s in sessions] == sorted(s["starts_at"] for s in sessions)
    assert set(sessions[0]) >= {
        "id",
        "number",
        "starts_at",
        "ends_at",
        "host_region",
        "cohost_region",
        "status",
    }


def test_list_courses_filters(client, make_user, make_course):
    make_course(regions=["03", "05"], languages=["fi", "sv"])
    make_course(
        regions=["14"],
        kind="closed",
        capacity=10,
        application_deadline="2026-12-20",
    )
    everything = client.get("/api/v1/courses").get_json()["courses"]
    assert len(everything) == 2
    assert [c["kind"] for c in client.get("/api/v1/courses?kind=closed").get_json()["courses"]] == [
        "closed"
    ]
    assert len(client.get("/api/v1/courses?region=14").get_json()["courses"]) == 1
    assert len(client.get("/api/v1/courses?language=sv").get_json()["courses"]) == 1
    bad = client.get("/api/v1/courses?language=en")
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "half-open"}, "kind"),
        ({"kind": None}, "kind"),
        ({"title": None}, "title"),
        ({"title": {"fi": "", "sv": " "}}, "title"),
        ({"title": {"en": "Exercise"}}, "title"),
        ({"title": {"fi": "x" * 201}}, "title"),
        ({"description": {"fi": 5}}, "description"),
        ({"languages": []}, "languages"),
        ({"languages": ["en"]}, "languages"),
        ({"languages": ["fi", "fi"]}, "languages"),
        ({"languages": ["sv"], "regions": ["14"]}, "languages"),
        ({"regions": []}, "regions"),
        ({"regions": ["03", "03"]}, "regions"),
        ({"regions": ["03", "99"]}, "regions"),
        ({"regions": "03"}, "regions"),
        ({"host_weights": {"21": 2}}, "host_weights"),
        ({"host_weights": {"03": 0}}, "host_weights"),
        ({"host_weights": {"03": -1}}, "host_weights"),
        ({"host_weights": {"03": "two"}}, "host_weights"),
        ({"cohost": "yes"}, "cohost"),
        ({"cohost": True, "regions": ["03"]}, "cohost"),
        ({"first_session": None}, "first_session"),
        ({"first_session": "next monday"}, "first_session"),
        ({"duration_minutes": 14}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": "60"}, "duration_minutes"),
        ({"sessions": 0}, "sessions"),
        ({"sessions": 201}, "sessions"),
        ({"sessions": 2.5}, "sessions"),
        ({"kind": "closed", "application_deadline": "2026-12-01"}, "capacity"),
        ({"kind": "closed", "capacity": 0, "application_deadline": "2026-12-01"}, "capacity"),
        ({"kind": "closed", "capacity": 10}, "application_deadline"),
        (
            {"kind": "closed", "capacity": 10, "application_deadline": "2027-01-04"},
            "application_deadline",
        ),
        (
            {"kind": "closed", "capacity": 10, "application_deadline": "4.1.2027"},
            "application_deadline",
        ),
        ({"meeting": None}, "meeting"),
        ({"meeting": {"provider": "skype"}}, "meeting"),
        ({"meeting": {"provider": "static", "url": "http://insecure.example.org/x"}}, "meeting"),
        ({"meeting": {"provider": "static"}}, "meeting"),
        ({"meeting": {"provider": "jitsi"}}, "meeting"),
        ({"meeting": {"provider": "bigbluebutton"}}, "meeting"),
    ],
)
def test_invalid_course_input_is_422_with_field_error(client, make_user, changes, field):
    planner = make_user("planner", "03")
    response = client.post(
        "/api/v1/courses", json=course_payload(**changes), headers=planner.headers
    )
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert {"type", "title", "detail"} <= set(problem)
    assert field in problem["errors"], problem
    assert client.get("/api/v1/courses").get_json()["courses"] == []  # nothing half-done


def test_errors_answer_in_the_users_language(client, make_user):
    planner = make_user("planner", "03")
    payload = course_payload(sessions=0)
    fi = client.post(
        "/api/v1/courses", json=payload, headers={**planner.headers, "Accept-Language": "fi"}
    ).get_json()
    sv = client.post(
        "/api/v1/courses", json=payload, headers={**planner.headers, "Accept-Language": "sv"}
    ).get_json()
    assert fi["errors"]["sessions"] != sv["errors"]["sessions"]
    assert "1" in fi["errors"]["sessions"][0] and "200" in sv["errors"]["sessions"][0]


def test_not_json_is_422_not_500(client, make_user):
    planner = make_user("planner", "03")
    response = client.post(
        "/api/v1/courses", data="not json", headers=planner.headers, content_type="text/plain"
    )
    assert response.status_code == 422
    response = client.post("/api/v1/courses", json=[1, 2], headers=planner.headers)
    assert response.status_code == 422


def test_needs_a_valid_token(client, make_user):
    assert client.post("/api/v1/courses", json=course_payload()).status_code == 401
    bad = client.post(
        "/api/v1/courses", json=course_payload(), headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401
    assert bad.mimetype == "application/problem+json"
    basic = client.post(
        "/api/v1/courses", json=course_payload(), headers={"Authorization": "Basic abc"}
    )
    assert basic.status_code == 401


def test_planner_cannot_create_course_without_own_region(client, make_user):
    planner = make_user("planner", "21")
    response = client.post("/api/v1/courses", json=course_payload(), headers=planner.headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_facilitator_cannot_create_courses_admin_can(client, make_user):
    facilitator = make_user("facilitator", "03")
    assert (
        client.post(
            "/api/v1/courses", json=course_payload(), headers=facilitator.headers
        ).status_code
        == 403
    )
    admin = make_user("admin", None)
    assert (
        client.post("/api/v1/courses", json=course_payload(), headers=admin.headers).status_code
        == 201
    )


def test_unknown_course_is_404_problem(client):
    response = client.get("/api/v1/courses/999999")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/courses/999999/sessions").status_code == 404
    assert client.get("/api/v1/nothing-here").status_code == 404


def test_weights_give_more_turns(client, make_course):
    course = make_course(host_weights={"03": 2}, sessions=12)
    hosts = [s["host_region"] for s in course["sessions"]]
    assert hosts.count("03") == 6 and hosts.count("05") == 3 and hosts.count("14") == 3


def test_cohost_is_another_participating_region(client, make_course):
    course = make_course(cohost=True)
    for session in course["sessions"]:
        assert session["cohost_region"] in {"03", "05", "14"}
        assert session["cohost_region"] != session["host_region"]


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/courses" in spec["paths"]


def test_random_input_never_causes_a_500(app, make_user):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    planner = make_user("planner", "03")
    client = app.test_client()
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    values = st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=6,
    )
    fields = st.sampled_from(list(course_payload()))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(fields, values, max_size=4))
    def check(changes):
        response = client.post(
            "/api/v1/courses", json=course_payload(**changes), headers=planner.headers
        )
        assert response.status_code in (201, 403, 422), response.get_data(as_text=True)

    check()
