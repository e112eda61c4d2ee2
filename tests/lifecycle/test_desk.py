"""The planner's desk (/planner): what waits for the region, counted and linked; a constant
number of queries; and a page that does not grow with the network's history. Facilitators
land on "My sessions"; the staff navigation marks the current page."""

from __future__ import annotations

import re
from datetime import timedelta

from scheduler.content.models import Material, TranslationRequest
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import assign_new_token
from scheduler.extensions import db
from scheduler.hosting.models import SwapRequest
from scheduler.meetings.models import JoinCount
from tests.conftest import PASSWORD
from tests.lifecycle.conftest import local


def sign_in(client, staff, language="fi"):
    client.get(f"/language/{language}?next=/courses")
    response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def grow(
    app, *, courses: int, start_days: int, sessions: int = 4, region: str = "05", kind="closed"
):
    """Courses of 05 and 14 written straight to the database (fast): weekly sessions from
    `start_days` days from now, hosted alternately, each with one submitted application
    from `region`, a pending swap request to `region` and an open translation request."""
    with app.app_context():
        material = Material(title_fi="Materiaali", owner_region=region, shared=True)
        db.session.add(material)
        db.session.flush()
        for n in range(courses):
            first = local(start_days, 10)
            course = Course(
                kind=kind,
                title_fi=f"Historiaa {n}",
                title_sv="",
                languages_csv="fi",
                first_session=first,
                duration_minutes=60,
                session_count=sessions,
                capacity=10,
                meeting_provider="static",
                meeting_url="https://meet.example.org/x",
                participations=[
                    CourseRegion(region_code="05", position=0),
                    CourseRegion(region_code="14", position=1),
                ],
            )
            db.session.add(course)
            db.session.flush()
            rows = []
            for i in range(sessions):
                start = first + timedelta(weeks=i)
                row = Session(
                    course_id=course.id,
                    number=i + 1,
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    host_region="05" if i % 2 == 0 else "14",
                )
                db.session.add(row)
                rows.append(row)
            db.session.flush()
            if kind == "closed":
                application = Application(
                    course_id=course.id,
                    name="X",
                    email=f"h{course.id}@example.org",
                    region_code=region,
                    language="fi",
                    status="submitted",
                )
                assign_new_token(application)
                db.session.add(application)
            db.session.add(
                SwapRequest(
                    session_id=rows[1].id,
                    other_session_id=rows[0].id,
                    requesting_region="14",
                    other_region=region,
                    status="pending",
                )
            )
            db.session.add(
                TranslationRequest(
                    material_id=material.id if n == 0 else None,
                    course_id=None if n == 0 else course.id,
                    language="sv",
                    requesting_region="14",
                    status="open",
                    open_key=f"k:{course.id}",
                )
            )
            if kind == "open":
                for row in rows:
                    db.session.add(JoinCount(session_id=row.id, joins=3))
        db.session.commit()


def sections(page: str) -> dict[str, int]:
    """Number of list items per desk section (by the section's heading id)."""
    found = {}
    for section_id, body in re.findall(
        r'<section aria-labelledby="(\w+)">(.*?)</section>', page, re.S
    ):
        found[section_id] = (
            body.count("<li>") + body.count("<tr>") - (1 if "<thead>" in body else 0)
        )
    return found


def test_desk_says_what_waits(client, app, future_course, closed_course, planners, applicant, rows):
    course = closed_course(weeks=2, sessions=4)
    applicant(course["id"], "05", status="submitted")
    applicant(course["id"], "05", status="submitted")
    applicant(course["id"], "14", status="submitted")  # another region's: not counted
    mine = next(s for s in course["sessions"] if s["host_region"] == "14")
    theirs = next(s for s in course["sessions"] if s["host_region"] == "05")
    swap = client.post(
        f"/api/v1/sessions/{mine['id']}/swap-requests",
        json={"session": theirs["id"]},
        headers=planners["14"].headers,
    )
    assert swap.status_code == 201
    rows.session(course["sessions"][3]["id"], host_region=None, cohost_region=None)
    sign_in(client, planners["05"])
    page = client.get("/planner").get_data(as_text=True)
    counts = dict(re.findall(r'<a href="#(\w+)"><span class="count">(\d+)</span>', page))
    assert counts["applications"] == "2"
    assert counts["swaps"] == "1"
    assert int(counts["unprepared"]) >= 1  # no materials attached yet
    assert counts["unhosted"] == "1"
    assert f"/planner/courses/{course['id']}/applications" in page
    assert "/planner/swap-requests" in page
    assert f"/planner/sessions/{course['sessions'][3]['id']}/host" in page
    # The other region sees its own applicant only.
    client.post("/sign-out")
    sign_in(client, planners["14"])
    other = client.get("/planner").get_data(as_text=True)
    assert (
        dict(re.findall(r'<a href="#(\w+)"><span class="count">(\d+)</span>', other))[
            "applications"
        ]
        == "1"
    )


def test_desk_queries_are_constant_and_history_does_not_grow_it(
    client, app, planners, count_queries
):
    grow(app, courses=1, start_days=3)
    grow(app, courses=1, start_days=-20, kind="open")
    sign_in(client, planners["05"])
    with count_queries() as queries:
        small = client.get("/planner").get_data(as_text=True)
    few = len(queries)
    # Much more going on now: every section holds more than it shows.
    grow(app, courses=30, start_days=2, sessions=6)
    grow(app, courses=15, start_days=-10, kind="open")
    with count_queries() as queries:
        large = client.get("/planner").get_data(as_text=True)
    assert len(queries) == few, (few, len(queries))
    assert all(count <= 20 for count in sections(large).values()), sections(large)
    print(re.findall(r"<section.*?</section>", large, re.S)[0])
    assert "Ja 21 muuta" in large
    # A long history (courses that ended long ago) changes nothing on the page.
    grow(app, courses=60, start_days=-400, sessions=10)
    with count_queries() as queries:
        later = client.get("/planner").get_data(as_text=True)
    assert len(queries) == few
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]+"', "", html)  # noqa: E731
    assert len(strip(later)) - len(strip(large)) < 40, "history made the desk grow"
    assert small != large


def test_desk_is_kept_until_anything_is_committed(
    client, app, closed_course, planners, applicant, count_queries
):
    """The desk's lists are rendered once and then kept: the next visit costs the sign-in's
    user and one version query. A decision made elsewhere (the API, another process) changes
    no course or session, yet the next visit shows it: every commit raises the change counter."""
    course = closed_course(weeks=2, sessions=4)
    first, _second = (applicant(course["id"], "05", status="submitted") for _ in range(2))
    sign_in(client, planners["05"])
    count = re.compile(r'<a href="#applications"><span class="count">(\d+)</span>')
    with count_queries() as queries:
        assert count.search(client.get("/planner").get_data(as_text=True))[1] == "2"
    rendered = len(queries)
    with count_queries() as queries:
        assert count.search(client.get("/planner").get_data(as_text=True))[1] == "2"
    assert len(queries) <= 2 < rendered, (rendered, queries)
    decided = app.test_client().post(
        f"/api/v1/applications/{first.id}/decision",
        json={"status": "accepted"},
        headers=planners["05"].headers,
    )
    assert decided.status_code == 200, decided.get_json()
    assert count.search(client.get("/planner").get_data(as_text=True))[1] == "1"


def test_desk_for_an_admin_and_a_region_filter(client, app, admin):
    grow(app, courses=2, start_days=3)
    sign_in(client, admin)
    page = client.get("/planner").get_data(as_text=True)
    assert "Ylläpitäjä" in page or "kaikki alueet" in page.lower()
    only_21 = client.get("/planner?region=21").get_data(as_text=True)
    counts = dict(re.findall(r'<a href="#(\w+)"><span class="count">(\d+)</span>', only_21))
    assert counts["applications"] == "0"


def test_facilitators_land_on_my_sessions(client, app, future_course, make_user):
    course = future_course(weeks=1, sessions=3)
    facilitator = make_user("facilitator", course["sessions"][0]["host_region"])
    response = sign_in(client, facilitator)
    assert response.headers["Location"].endswith("/planner")
    desk = client.get("/planner")
    assert desk.status_code == 302 and desk.headers["Location"].endswith("/planner/my-sessions")
    page = client.get("/planner/my-sessions").get_data(as_text=True)
    assert f"/join/{course['id']}" in page
    assert "Omat tapaamiset" in page
    assert 'aria-current="page"' in page
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', page)
    assert current == ["/planner/my-sessions"] * len(current) and current


def test_staff_navigation_is_grouped_and_marks_the_current_page(client, planners):
    sign_in(client, planners["03"])
    page = client.get("/planner/swap-requests").get_data(as_text=True)
    nav = page[
        page.index('class="staff-nav"') : page.index("</nav>", page.index('class="staff-nav"'))
    ]
    assert nav.count('class="nav-group"') >= 3
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', nav) == ["/planner/swap-requests"]
    desk = client.get("/planner").get_data(as_text=True)
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', desk) == ["/planner"]
