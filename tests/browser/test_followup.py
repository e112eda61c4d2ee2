"""The feedback questionnaire and the attendance page in real Chromium: no axe violations in
Finnish or Swedish, and the questionnaire can be answered with the keyboard alone."""

from __future__ import annotations

import pytest

from scheduler.extensions import db
from scheduler.followup.models import FeedbackAnswer, FeedbackInvite
from scheduler.security import new_token
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD
from tests.followup import conftest as followup
from tests.followup.conftest import local

# The follow-up tests' fixtures, made available here.
closed_course = followup.closed_course
place_sessions = followup.place_sessions
add_participant = followup.add_participant

pytestmark = pytest.mark.browser


@pytest.fixture
def finished(app, closed_course, place_sessions, add_participant):
    """A closed course that ended yesterday; session 1 hosted by 03; one invite token."""
    course = closed_course(sessions=2, regions=["03", "05"])
    ids = place_sessions(
        course["id"], [local(-8, 10), local(-1, 10)], hosts={1: ("03", None), 2: ("05", None)}
    )
    people = [
        add_participant(course["id"], region="03", name="Aino Aalto"),
        add_participant(course["id"], region="05", name="Bertil Berg", language="sv"),
    ]
    token, token_hash = new_token()
    with app.app_context():
        db.session.add(
            FeedbackInvite(
                course_id=course["id"],
                application_id=people[0].id,
                region_code="03",
                language="fi",
                token_hash=token_hash,
            )
        )
        db.session.commit()
    return {"course": course, "sessions": ids, "people": people, "token": token}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_feedback_form_has_no_axe_violations(page, axe, live_server, finished, language):
    page.goto(f"{live_server}/feedback/{finished['token']}?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("input[type=radio]").count() == 3 + 5 + 5 + 3
    assert_accessible(axe, page)
    # The error state: sending nothing lists every missing answer.
    page.click("main button[type=submit]")
    assert page.locator(".error-summary li").count() == 4
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_open_group_form_has_no_axe_violations(
    page, axe, live_server, make_course, place_sessions, language
):
    course = make_course(sessions=1, regions=["03", "05"])
    place_sessions(course["id"], [local(-1, 10)])
    page.goto(f"{live_server}/feedback/course/{course['id']}?lang={language}")
    assert page.locator("input[name=region]").count() == 3
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_attendance_pages_have_no_axe_violations(
    page, axe, live_server, make_user, finished, language
):
    host = make_user("facilitator", "03", language=language)
    sign_in(page, live_server, host.email, PASSWORD)
    page.goto(
        f"{live_server}/planner/sessions/{finished['sessions'][0]}/attendance?lang={language}"
    )
    assert page.locator("input[name=present]").count() == 2
    assert_accessible(axe, page)
    page.check(f"#present-{finished['people'][0].id}")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/planner/courses/{finished['course']['id']}/attendance")
    page.goto(
        f"{live_server}/planner/courses/{finished['course']['id']}/attendance?lang={language}"
    )
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_feedback_summary_page_has_no_axe_violations(
    app, page, axe, live_server, make_user, finished, language
):
    with app.app_context():
        for n in range(6):
            db.session.add(
                FeedbackAnswer(
                    course_id=finished["course"]["id"],
                    region_code="03" if n < 5 else "05",
                    language="fi",
                    expectations="yes",
                    topics=4,
                    facilitators=5,
                    again="yes",
                    free_text="Hyvä" if n == 0 else "",
                    with_support=False,
                )
            )
        db.session.commit()
    planner = make_user("planner", "05", language=language)
    sign_in(page, live_server, planner.email, PASSWORD)
    page.goto(f"{live_server}/planner/courses/{finished['course']['id']}/feedback?lang={language}")
    assert page.locator("td.note").count() == 2
    assert_accessible(axe, page)


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"could not reach #{element_id} with Tab")


def test_feedback_form_can_be_answered_with_the_keyboard_alone(app, page, live_server, finished):
    page.goto(f"{live_server}/feedback/{finished['token']}?lang=fi")
    _tab_to(page, "expectations-yes")
    page.keyboard.press("ArrowRight")  # → partly (arrows move and choose)
    page.keyboard.press("Tab")  # into the next group, at its first answer
    assert page.evaluate("document.activeElement.id") == "topics-1"
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # → 5
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # facilitators: 1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # → 4
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # again: yes
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "free_text"
    page.keyboard.type("Kiitos ohjaajille")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "with_support"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    # The focused answer is clearly marked (focus outline on its label).
    page.keyboard.press("Enter")
    page.wait_for_url("**/feedback/thanks")
    assert page.locator("h1").inner_text() == "Kiitos vastauksestasi"
    with app.app_context():
        (answer,) = db.session.scalars(db.select(FeedbackAnswer))
        assert (answer.expectations, answer.topics, answer.facilitators, answer.again) == (
            "partly",
            5,
            4,
            "yes",
        )
        assert answer.free_text == "Kiitos ohjaajille" and answer.with_support is True
