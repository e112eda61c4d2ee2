"""Simultaneous changes of one course over real HTTP (a threaded server, one connection and
transaction per request): two sessions moved to the same free hour at once never both get
it, and a course cancelled while its sessions are moved ends up wholly cancelled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.lifecycle.conftest import local_day, sessions_of, start_at


def test_two_moves_to_the_same_hour(live_server, client, future_course, planners):
    course = future_course(weeks=5, sessions=4)
    first, second = course["sessions"][1], course["sessions"][2]
    hour = start_at(local_day(first["starts_at"]), 15)

    def move(session):
        return requests.patch(
            f"{live_server}/api/v1/sessions/{session['id']}",
            json={"starts_at": hour},
            headers=planners["03"].headers,
            timeout=30,
        ).status_code

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = sorted(pool.map(move, [first, second]))
        assert codes == [200, 409], codes
        after = sessions_of(client, course["id"])
        at_that_hour = [s for s in after if s["starts_at"][:16] == hour]
        assert len(at_that_hour) == 1
        # Put the winner back for the next round.
        winner = at_that_hour[0]
        original = next(s for s in course["sessions"] if s["id"] == winner["id"])
        back = requests.patch(
            f"{live_server}/api/v1/sessions/{winner['id']}",
            json={"starts_at": original["starts_at"]},
            headers=planners["03"].headers,
            timeout=30,
        )
        assert back.status_code == 200


def test_cancel_the_course_while_moving_its_sessions(live_server, client, future_course, planners):
    course = future_course(weeks=5, sessions=6)

    def cancel(_):
        return requests.post(
            f"{live_server}/api/v1/courses/{course['id']}/cancel",
            json={"reason": {"fi": "Syy", "sv": "Orsak"}},
            headers=planners["05"].headers,
            timeout=30,
        ).status_code

    def move(session):
        return requests.patch(
            f"{live_server}/api/v1/sessions/{session['id']}",
            json={"starts_at": start_at(local_day(session["starts_at"]), 16)},
            headers=planners["03"].headers,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        cancelled = pool.submit(cancel, None)
        moves = list(pool.map(move, course["sessions"][1:4]))
    assert cancelled.result() == 200
    assert set(moves) <= {200, 409}
    assert {s["status"] for s in sessions_of(client, course["id"])} == {"cancelled"}
