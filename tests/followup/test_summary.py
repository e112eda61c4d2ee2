"""Feedback summaries: counts and averages, free texts for the whole course only, and no
per-region figure resting on fewer than 5 answers (not even by subtraction)."""

from __future__ import annotations

import pytest

from scheduler.extensions import db
from scheduler.followup.models import FeedbackAnswer
from scheduler.followup.summary import MIN_ANSWERS, hidden_regions
from tests.conftest import PASSWORD


def _answers(app, course_id: int, region: str | None, count: int, **values) -> None:
    fields = {
        "expectations": "yes",
        "topics": 5,
        "facilitators": 4,
        "again": "yes",
        "free_text": "",
        "with_support": False,
        **values,
    }
    with app.app_context():
        for _ in range(count):
            db.session.add(
                FeedbackAnswer(course_id=course_id, region_code=region, language="fi", **fields)
            )
        db.session.commit()


@pytest.mark.parametrize(
    ("counts", "unknown", "hidden"),
    [
        ({"05": 6, "03": 5, "14": 9}, 0, set()),
        ({"05": 6, "03": 4}, 0, {"03", "05"}),  # 05 alone would give 03 away by subtraction
        ({"05": 6, "03": 5, "14": 2}, 0, {"14", "03"}),  # the smallest shown one goes too
        ({"05": 6, "03": 6, "14": 0}, 0, {"14"}),  # nothing to give away
        ({"05": 6, "03": 3, "14": 3}, 0, {"03", "14"}),  # 6 hidden answers together
        ({"05": 6, "03": 2}, 4, {"03"}),  # mixed with 4 answers without a region
    ],
)
def test_hidden_regions(counts, unknown, hidden):
    assert hidden_regions(counts, sum(counts.values()) + unknown) == hidden
    assert MIN_ANSWERS == 5


def test_summary_api_counts_averages_and_the_small_number_rule(app, client, make_user, make_course):
    course = make_course(regions=["03", "05", "14"])
    _answers(app, course["id"], "05", 4, topics=5, free_text="Hyvä ryhmä")
    _answers(app, course["id"], "05", 2, topics=2, expectations="partly", again="no")
    _answers(app, course["id"], "03", 5, facilitators=3, with_support=True)
    _answers(app, course["id"], "14", 2, expectations="no", free_text="Liian lyhyt")

    planner = make_user("planner", "14")
    response = client.get(f"/api/v1/courses/{course['id']}/feedback", headers=planner.headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["answers"] == 13
    whole = data["summary"]
    assert whole["expectations"] == {"yes": 9, "partly": 2, "no": 2}
    assert whole["again"] == {"yes": 11, "no": 2, "dont_know": 0}
    assert whole["topics"]["counts"] == {"1": 0, "2": 2, "3": 0, "4": 0, "5": 11}
    assert whole["topics"]["average"] == round((11 * 5 + 2 * 2) / 13, 1)
    assert whole["facilitators"]["average"] == round((8 * 4 + 5 * 3) / 13, 1)
    assert whole["with_support"] == 5
    assert sorted(data["free_texts"]) == ["Hyvä ryhmä"] * 4 + ["Liian lyhyt"] * 2

    regions = {r["code"]: r for r in data["regions"]}
    assert [r["code"] for r in data["regions"]] == ["03", "05", "14"]
    # 14 has 2 answers: hidden. 03 (5) is then the smallest shown and is hidden as well,
    # because course total − 05 − 03 would give 14's figures.
    assert regions["14"] == {
        "code": "14",
        "shown": False,
        "answers": None,
        "summary": None,
        "reason": "fewer_than_minimum",
        "note": "alle 5 vastausta",
    }
    assert regions["03"]["shown"] is False and regions["03"]["reason"] == "protects"
    assert regions["05"]["shown"] is True and regions["05"]["answers"] == 6
    assert regions["05"]["summary"]["expectations"] == {"yes": 4, "partly": 2, "no": 0}
    # Free texts never per region.
    assert all(
        "free_texts" not in r and "free_texts" not in (r["summary"] or {}) for r in data["regions"]
    )

    swedish = client.get(
        f"/api/v1/courses/{course['id']}/feedback?lang=sv", headers=planner.headers
    ).get_json()
    assert {r["code"]: r["note"] for r in swedish["regions"]}["14"] == "färre än 5 svar"


def test_summary_permissions(app, client, make_user, make_course):
    course = make_course(regions=["03", "05"])
    url = f"/api/v1/courses/{course['id']}/feedback"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=make_user("planner", "14").headers).status_code == 403
    assert client.get(url, headers=make_user("facilitator", "05").headers).status_code == 403
    assert client.get(url, headers=make_user("admin", None).headers).status_code == 200
    assert (
        client.get(
            "/api/v1/courses/99999/feedback", headers=make_user("admin", None).headers
        ).status_code
        == 404
    )


def test_summary_page_shows_fewer_than_5(app, client, make_user, make_course):

    course = make_course(regions=["03", "05"])
    _answers(app, course["id"], "05", 5, free_text="Kiva")
    _answers(app, course["id"], "03", 5)
    planner = make_user("planner", "03")
    client.post("/sign-in", data={"email": planner.email, "password": PASSWORD})
    page = client.get(f"/planner/courses/{course['id']}/feedback?lang=fi")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Yhteensä 10 vastausta." in text and "Kiva" in text
    assert "alle 5 vastausta" not in text

    other = make_course(regions=["03", "05"])
    _answers(app, other["id"], "05", 7)
    _answers(app, other["id"], "03", 1, free_text="Vain yksi")
    text = client.get(f"/planner/courses/{other['id']}/feedback?lang=fi").get_data(as_text=True)
    assert text.count("alle 5 vastausta") == 1
    assert "piilotettu" in text  # 05 hidden too, or 03 could be worked out
    assert "Vain yksi" in text  # free texts: whole course

    facilitator = make_user("facilitator", "03")
    client.post("/sign-out")
    client.post("/sign-in", data={"email": facilitator.email, "password": PASSWORD})
    assert client.get(f"/planner/courses/{course['id']}/feedback").status_code == 403


def test_openapi_documents_the_follow_up_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "put" in paths["/sessions/{id}/attendance"]
    assert "get" in paths["/courses/{id}/attendance"]
    assert "get" in paths["/courses/{id}/feedback"]
