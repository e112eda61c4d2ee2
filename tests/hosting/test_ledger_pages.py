"""The ledger's pages through the test client: the regions' trade in Finnish and Swedish, its
CSV export, and the preview of the next plan (which saves nothing)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from scheduler.extensions import db
from scheduler.hosting.planning import plan_course
from scheduler.hosting.services import load_course
from tests.hosting.conftest import local_day, sessions_of
from tests.hosting.test_pages import sign_in, text

PERIOD = "from=2027-01-01&to=2027-12-31"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", ("Alueiden vaihtokauppa", "Saldo alueittain", "Kuka veti kenelle", "tasoissa")),
        ("sv", ("Områdenas byteshandel", "Saldo per område", "Vem var värd för vem", "jämna")),
    ],
)
def test_trade_page_in_both_languages(client, trade, planners, language, words):
    sign_in(client, planners["05"], language)
    response = client.get(f"/planner/reports/ledger?{PERIOD}")
    assert response.status_code == 200
    page = text(response)
    for word in words:
        assert word in page
    # Two charts, each with the same numbers in a table.
    assert page.count('role="img"') == 2
    assert 'aria-labelledby="balance-heading"' in page
    assert 'aria-labelledby="matrix-heading"' in page
    assert page.count('class="bar-ahead"') + page.count('class="bar-behind"') == 3
    assert page.count("<table") == 3
    assert "/planner/reports/ledger.csv?" in page
    assert "/planner/reports/ledger/preview" in page


def test_summary_names_who_is_behind_and_ahead(client, make_course, planners, rows, app):

    course = make_course(planner=planners["03"], first_session="2027-03-02T10:00", sessions=9)
    first = local_day(course["sessions"][0]["starts_at"])
    rows.closure("14", first, first + timedelta(days=6 * 7))
    with app.app_context():
        plan_course(load_course(course["id"]))
        db.session.commit()
    sign_in(client, planners["03"], "fi")
    page = text(client.get(f"/planner/reports/ledger?{PERIOD}"))
    assert "Eniten jäljessä: Pohjois-Karjalan hyvinvointialue, −1 tapaamista." in page
    summary = page[page.index('class="ledger-summary"') :].split("</p>")[0]
    # The region that took 14's turn is one ahead, the third region even.
    assert "Eniten edellä:" in summary and "+1 tapaamista." in summary
    assert "Ero niiden välillä: 2 tapaamista." in summary, summary
    assert ">0<" in page  # an even region's balance reads 0, not +0


def test_trade_page_with_a_bad_period(client, planners):
    sign_in(client, planners["03"])
    response = client.get("/planner/reports/ledger?from=2027-12-31&to=2027-01-01")
    assert response.status_code == 422
    assert 'id="error-summary"' in text(response)


def test_trade_pages_are_for_planners(client, make_user):
    for path in ("/planner/reports/ledger", "/planner/reports/ledger.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, make_user("facilitator", "05"))
    assert client.get("/planner/reports/ledger").status_code == 403
    assert client.get("/planner/reports/ledger/preview").status_code == 403


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_export(client, trade, planners):
    sign_in(client, planners["05"], "fi")
    response = client.get(f"/planner/reports/ledger.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "Aluekoodi",
        "Alue",
        "Vedetyt",
        "Tavoite",
        "Parivetäjänä",
        "Tavoite parivetäjänä",
        "Saldo",
    ]
    body = client.get(f"/api/v1/reports/ledger?{PERIOD}", headers=planners["05"].headers)
    api = {r["code"]: r for r in body.get_json()["regions"]}
    assert [row[0] for row in rows[1:]] == sorted(api)
    for row in rows[1:]:
        assert int(row[2]) == api[row[0]]["hosted"]
        # Finnish decimals use a comma.
        assert float(row[3].replace(",", ".")) == pytest.approx(api[row[0]]["target"], abs=0.01)
        assert float(row[6].replace(",", ".").replace("−", "-")) == pytest.approx(
            api[row[0]]["balance"], abs=0.01
        )
    pairs = read_csv(client.get(f"/planner/reports/ledger.csv?{PERIOD}&table=pairs"))
    assert pairs[0][:2] == ["Vetäjän aluekoodi", "Vetäjä"]
    assert len(pairs) > 1
    sign_in(client, planners["05"], "sv")
    materials = read_csv(client.get(f"/planner/reports/ledger.csv?{PERIOD}&table=materials"))
    assert materials[0][2] == "Delade material"
    bad = client.get(f"/planner/reports/ledger.csv?{PERIOD}&table=everything")
    assert bad.status_code == 422


def test_page_queries_do_not_grow(client, make_course, planners, count_queries):
    make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=2)
    sign_in(client, planners["03"])

    def count() -> int:
        with count_queries() as queries:
            response = client.get(f"/planner/reports/ledger?{PERIOD}")
        assert response.status_code == 200
        return len(queries)

    few = count()
    for month in range(2, 7):
        make_course(
            planner=planners["05"],
            regions=["05", "14", "03"],
            first_session=f"2027-0{month}-03T10:00",
            sessions=8,
            cohost=True,
        )
    assert count() == few


def test_preview_shows_the_next_plan_and_saves_nothing(
    client, future_course, planners, count_queries
):
    first = future_course(weeks=6, sessions=9, cohost=True)
    future_course(weeks=8, sessions=6, regions=["05", "14"])
    before = {c["id"]: sessions_of(client, c["id"]) for c in (first,)}
    response = client.get("/api/v1/reports/ledger/preview", headers=planners["03"].headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["courses"] == 2
    assert {"spread_before", "spread_after", "regions", "changes"} <= set(body)
    assert body["spread_after"] <= body["spread_before"] + 1e-9
    for change in body["changes"]:
        assert len(change["host_region"]) == 2 and len(change["cohost_region"]) == 2
    assert {c["id"]: sessions_of(client, c["id"]) for c in (first,)} == before
    sign_in(client, planners["03"], "sv")
    with count_queries() as queries:
        page = client.get("/planner/reports/ledger/preview")
    assert page.status_code == 200
    assert "Vad nästa plan skulle ändra" in text(page)
    few = len(queries)
    future_course(weeks=10, sessions=12, cohost=True)
    with count_queries() as queries:
        assert client.get("/planner/reports/ledger/preview").status_code == 200
    assert len(queries) == few


def without_csrf(page: str) -> str:
    """The page without the sign-out form's CSRF token, which carries the second it was made."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def test_trade_page_is_kept_until_anything_is_committed(
    client, make_course, planners, rows, app, count_queries
):
    """The ledger of a period is rendered once per process and language, then kept until any
    committed change (it also counts applications, join answers and materials)."""
    course = make_course(planner=planners["03"], first_session="2027-03-02T10:00", sessions=9)
    sign_in(client, planners["03"], "fi")
    with count_queries() as queries:
        page = without_csrf(text(client.get(f"/planner/reports/ledger?{PERIOD}")))
    rendered = len(queries)
    assert "tasoissa" in page  # even: each region hosted its share
    with count_queries() as queries:
        assert without_csrf(text(client.get(f"/planner/reports/ledger?{PERIOD}"))) == page
    assert len(queries) <= 2 < rendered, (rendered, queries)
    first = local_day(course["sessions"][0]["starts_at"])
    rows.closure("14", first, first + timedelta(days=6 * 7))
    with app.app_context():
        plan_course(load_course(course["id"]))
        db.session.commit()
    again = text(client.get(f"/planner/reports/ledger?{PERIOD}"))
    assert "Eniten jäljessä: Pohjois-Karjalan hyvinvointialue, −1 tapaamista." in again
