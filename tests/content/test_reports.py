"""The language parity report (numbers on a small known data set), its page, the annual
calendar, and constant query counts on the library and report pages."""

from __future__ import annotations

from datetime import timedelta

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.content.conftest import PDF, sign_in

JANUARY = "from=2027-01-01&to=2027-01-31"


def build_network(app, make_user, make_course, create_material, upload):
    """05 hosts a bilingual course (4 Monday sessions in January, one cancelled); 14 a Finnish
    one without a Swedish title (3 sessions); 17 a Swedish one in February without a Finnish
    title; 03 one session just before and one just after midnight at the end of January."""
    bilingual = make_course(
        regions=["05"], languages=["fi", "sv"], first_session="2027-01-04T10:00", sessions=4
    )
    make_course(
        regions=["14"],
        title={"fi": "Vain suomeksi", "sv": ""},
        first_session="2027-01-05T10:00",
        sessions=3,
    )
    make_course(
        regions=["17"],
        languages=["sv"],
        title={"fi": "", "sv": "Bara på svenska"},
        first_session="2027-02-02T10:00",
        sessions=2,
        kind="closed",
        capacity=10,
        application_deadline="2027-01-20",
    )
    make_course(regions=["03"], first_session="2027-01-25T00:30", sessions=2)  # 2nd: 1 Feb 00:30
    with app.app_context():
        session = db.session.get(Session, bilingual["sessions"][1]["id"])
        session.status = "cancelled"
        db.session.commit()
    planner05 = make_user("planner", "05")
    create_material(planner05)  # fi + sv
    create_material(planner05, languages=["fi"])
    upload(make_user("facilitator", "14"), file_sv=("guide.pdf", PDF))


def test_language_report_numbers(app, client, make_user, make_course, create_material, upload):
    build_network(app, make_user, make_course, create_material, upload)
    planner = make_user("planner", "90")
    response = client.get(f"/api/v1/reports/languages?{JANUARY}", headers=planner.headers)
    assert response.status_code == 200
    regions = response.get_json()["regions"]
    assert [r["code"] for r in regions] == [f"{n:02d}" for n in range(1, 22)] + ["90"]
    by_code = {r["code"]: r for r in regions}

    def numbers(code):
        row = by_code[code]
        return row["sessions"], row["materials"], row["untranslated_courses"]

    assert numbers("05") == ({"fi": 3, "sv": 3}, {"fi": 2, "sv": 1}, 0)
    assert numbers("14") == ({"fi": 3, "sv": 0}, {"fi": 0, "sv": 1}, 1)
    assert numbers("17") == ({"fi": 0, "sv": 0}, {"fi": 0, "sv": 0}, 1)
    assert numbers("03") == ({"fi": 1, "sv": 0}, {"fi": 0, "sv": 0}, 0)
    assert numbers("21") == ({"fi": 0, "sv": 0}, {"fi": 0, "sv": 0}, 0)
    february = client.get(
        "/api/v1/reports/languages?from=2027-02-01&to=2027-02-28", headers=planner.headers
    ).get_json()
    february = {r["code"]: r for r in february["regions"]}
    assert february["17"]["sessions"] == {"fi": 0, "sv": 2}
    assert february["03"]["sessions"] == {"fi": 1, "sv": 0}


def test_language_report_access_and_input(client, make_user):
    url = f"/api/v1/reports/languages?{JANUARY}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=make_user("facilitator", "05").headers).status_code == 403
    admin = make_user("admin", None)
    assert client.get(url, headers=admin.headers).status_code == 200
    bad = client.get("/api/v1/reports/languages?from=2027-13-01", headers=admin.headers)
    assert bad.status_code == 422 and "from" in bad.get_json()["errors"]
    backwards = client.get(
        "/api/v1/reports/languages?from=2027-02-01&to=2027-01-01", headers=admin.headers
    )
    assert backwards.status_code == 422
    default = client.get("/api/v1/reports/languages", headers=admin.headers).get_json()
    assert default["from"].endswith("-01-01") and default["to"].endswith("-12-31")


def test_language_report_page_has_chart_and_table(
    app, client, make_user, make_course, create_material, upload
):
    build_network(app, make_user, make_course, create_material, upload)
    sign_in(client, make_user("facilitator", "05"))
    assert client.get("/reports/languages").status_code == 403
    client.post("/sign-out")
    sign_in(client, make_user("planner", "05"))
    page = client.get(f"/reports/languages?{JANUARY}&lang=sv").get_data(as_text=True)
    assert '<svg class="chart" role="img"' in page
    assert "Egentliga Finlands välfärdsområde" in page  # 05, bilingual
    assert "Norra Karelens välfärdsområde" in page  # 14: has numbers
    assert "Lapplands välfärdsområde" not in page  # 21: Finnish-only and nothing to show
    assert "Lapplands välfärdsområde" in client.get(
        f"/reports/languages?{JANUARY}&all=1&lang=sv"
    ).get_data(as_text=True)
    assert client.get("/reports/languages?from=nonsense").status_code == 422


def test_annual_calendar(app, client, make_user, make_course, create_material, upload):
    build_network(app, make_user, make_course, create_material, upload)
    sign_in(client, make_user("facilitator", "14"))
    page = client.get("/reports/year?year=2027&lang=fi").get_data(as_text=True)
    assert "Vuosikello 2027" in page
    assert "Vain suomeksi" in page and "Bara på svenska" in page
    assert "Avoin ryhmä" in page and "Haettava kurssi, haku päättyy 20.1.2027" in page
    assert "Suljettu" not in page  # "closed" is the word for closures only
    assert 'class="month on">3<' in page  # the bilingual course's three January sessions
    assert "css/reports.css" in page
    empty = client.get("/reports/year?year=2030&lang=sv").get_data(as_text=True)
    assert "Inga träffar det här året." in empty
    only_17 = client.get("/reports/year?year=2027&region=17").get_data(as_text=True)
    assert "Bara på svenska" in only_17 and "Vain suomeksi" not in only_17
    assert client.get("/reports/year?year=abc").status_code == 200
    css = client.get("/static/css/reports.css").get_data(as_text=True)
    assert "@page { size: A4 landscape" in css and "@media print" in css


def _page_queries(client, count_queries, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_pages_use_a_constant_number_of_queries(
    app, client, make_user, make_course, create_material, upload, count_queries
):
    planner = make_user("planner", "05")
    sign_in(client, planner)
    start = (utcnow().astimezone(HELSINKI) + timedelta(days=7)).date()
    period = f"from={start.year}-01-01&to={start.year + 1}-12-31"
    pages = [
        "/materials",
        "/materials?language=sv&theme=uni&q=o",
        f"/reports/languages?{period}",
        f"/reports/year?year={start.year}",
        "/translations/missing",
        "/translations",
        "/planner/my-sessions?weeks=8",
    ]

    def add_data(n: int) -> None:
        for i in range(n):
            course = make_course(
                regions=["05", "14"],
                title={"fi": f"Kurssi {i}", "sv": ""},
                first_session=f"{start.isoformat()}T10:00",
                sessions=3,
            )
            material = create_material(planner, languages=["fi"], themes=["uni", f"t{i}"])
            upload(planner, file_fi=(f"m{i}.pdf", PDF), themes="uni")
            for session in course["sessions"]:
                attached = client.post(
                    f"/api/v1/sessions/{session['id']}/materials",
                    json={"material": material["id"]},
                    headers=planner.headers,
                )
                assert attached.status_code == 201
            client.post(
                f"/api/v1/courses/{course['id']}/translation-requests",
                json={"language": "sv"},
                headers=make_user("planner", "03").headers,
            )

    add_data(1)
    small = [_page_queries(client, count_queries, url) for url in pages]
    page = client.get("/planner/my-sessions?weeks=8").get_data(as_text=True)
    assert page.count("Unihuoneen ohje") >= 2  # sessions hosted by 05 show their material
    add_data(4)
    large = [_page_queries(client, count_queries, url) for url in pages]
    assert small == large, list(zip(pages, small, large, strict=True))


def test_my_sessions_is_one_page_where_materials_are_also_removed(
    client, make_user, make_course, create_material
):
    """The duties page shows each session's materials with a way to remove them; the old
    "My sessions' materials" address leads there, keeping the chosen weeks."""
    planner = make_user("planner", "05")
    sign_in(client, planner)
    start = (utcnow().astimezone(HELSINKI) + timedelta(days=7)).date()
    course = make_course(regions=["05"], first_session=f"{start.isoformat()}T10:00", sessions=1)
    session_id = course["sessions"][0]["id"]
    material = create_material(planner, languages=["fi"])
    attached = client.post(
        f"/api/v1/sessions/{session_id}/materials",
        json={"material": material["id"]},
        headers=planner.headers,
    )
    assert attached.status_code == 201
    moved = client.get("/materials/my-sessions?weeks=3")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/planner/my-sessions?weeks=3")
    page = client.get("/planner/my-sessions?weeks=3").get_data(as_text=True)
    remove = f"/sessions/{session_id}/materials/{material['id']}/remove"
    assert f'action="{remove}"' in page and "Poista tästä tapaamiskerrasta" in page
    answer = client.post(remove, data={"next": "/planner/my-sessions?weeks=3"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/planner/my-sessions?weeks=3")
    assert f'action="{remove}"' not in client.get("/planner/my-sessions?weeks=3").get_data(
        as_text=True
    )
