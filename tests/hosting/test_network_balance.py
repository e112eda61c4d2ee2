"""The balance the planner is given: the ledger of the other courses, counted in the database,
agrees with the ledger report over the same sessions."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduler.courses.models import CourseRegion
from scheduler.extensions import db
from scheduler.hosting.shares import network_balance
from scheduler.i18n import HELSINKI


def test_network_balance_matches_the_ledger(app, client, make_course, planners, rows):
    first = make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=7)
    make_course(
        planner=planners["05"],
        regions=["05", "03", "14"],
        languages=["sv"],
        first_session="2027-02-02T12:00",
        sessions=5,
        cohost=True,
    )
    late = make_course(planner=planners["14"], regions=["14", "05", "03"], sessions=6,
                       first_session="2027-03-03T10:00", cohost=True)  # fmt: skip
    # One session moved onto a holiday (Easter Monday 2027) counts for nobody.
    rows.session(
        first["sessions"][2]["id"],
        starts_at=datetime(2027, 3, 29, 10, tzinfo=HELSINKI),
        ends_at=datetime(2027, 3, 29, 11, tzinfo=HELSINKI),
    )
    with app.app_context():
        row = db.session.scalar(
            db.select(CourseRegion).where(
                CourseRegion.course_id == late["id"], CourseRegion.region_code == "05"
            )
        )
        row.joined_at = datetime.fromisoformat(late["sessions"][3]["starts_at"])
        db.session.commit()
        balance = network_balance()
        without_first = network_balance([first["id"]])
    ledger = client.get(
        "/api/v1/reports/ledger?from=2026-01-01&to=2030-12-31", headers=planners["03"].headers
    ).get_json()
    expected = {r["code"]: r["balance"] for r in ledger["regions"]}
    assert set(balance) == set(expected)
    for code, value in balance.items():
        assert value == pytest.approx(expected[code], abs=0.006)
    # Leaving a course out leaves out its part: its six held sessions' shares (two each for
    # 03, 05 and 14) and what each hosted in it.
    hosted = {code: 0 for code in ("03", "05", "14")}
    for session in first["sessions"]:
        if session["id"] != first["sessions"][2]["id"]:
            hosted[session["host_region"]] += 1
    for code, count in hosted.items():
        assert balance[code] - without_first[code] == pytest.approx(count - 2, abs=1e-6)


def test_network_balance_queries_do_not_grow(app, make_course, planners, count_queries):
    make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=3)
    with count_queries() as queries, app.app_context():
        network_balance()
    few = len(queries)
    for month in range(2, 6):
        make_course(planner=planners["05"], regions=["05", "14"], sessions=8, cohost=True,
                    first_session=f"2027-0{month}-04T10:00")  # fmt: skip
    with count_queries() as queries, app.app_context():
        network_balance()
    assert len(queries) == few
