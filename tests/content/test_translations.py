"""Translation requests, fulfilling them (with the email to the asking region), course texts,
the list of what lacks Finnish or Swedish, and the fallback marker."""

from __future__ import annotations

import pytest

from scheduler.extensions import db
from scheduler.notify.outbox import deliver_pending
from tests.content.conftest import sign_in


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


def ask(client, user, material_id, language="sv"):
    return client.post(
        f"/api/v1/materials/{material_id}/translation-requests",
        json={"language": language},
        headers=user.headers,
    )


def send_mail(app) -> None:
    with app.app_context():
        report = deliver_pending()
        db.session.remove()
    assert report.failed == 0


def test_material_translation_request_rules(client, make_user, create_material):
    owner = make_user("planner", "14")
    material = create_material(owner, title={"fi": "Tuolijumppa", "sv": ""}, languages=["fi"])
    asker = make_user("facilitator", "05")
    response = ask(client, asker, material["id"])
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "open" and created["language"] == "sv"
    assert created["requesting_region"] == "05" and created["owner_region"] == "14"
    assert ask(client, make_user("planner", "03"), material["id"]).status_code == 409  # open
    assert ask(client, asker, material["id"], "fi").status_code == 409  # exists already
    assert ask(client, asker, 999999).status_code == 404
    assert ask(client, asker, material["id"], "en").status_code == 422
    assert (
        client.post(f"/api/v1/materials/{material['id']}/translation-requests").status_code == 401
    )


def test_owner_region_sees_open_requests(client, make_user, create_material):
    owner = make_user("planner", "14")
    material = create_material(owner, languages=["fi"])
    asker = make_user("planner", "05")
    ask(client, asker, material["id"])
    incoming = client.get("/api/v1/translation-requests", headers=owner.headers).get_json()
    assert [r["material"] for r in incoming["requests"]] == [material["id"]]
    assert client.get("/api/v1/translation-requests", headers=asker.headers).get_json() == {
        "requests": []
    }
    outgoing = client.get(
        "/api/v1/translation-requests?scope=outgoing", headers=asker.headers
    ).get_json()["requests"]
    assert [r["status"] for r in outgoing] == ["open"]
    sign_in(client, owner)
    page = client.get("/translations?lang=fi").get_data(as_text=True)
    assert "Unihuoneen ohje" in page and "Varsinais-Suomen hyvinvointialue" in page


def test_adding_the_version_fulfils_and_emails_the_asking_planners(
    app, client, make_user, create_material, smtp
):
    owner = make_user("facilitator", "14")
    material = create_material(owner, title={"fi": "Tuolijumppa", "sv": ""}, languages=["fi"])
    asker = make_user("facilitator", "05")
    planner_fi = make_user("planner", "05", language="fi")
    planner_sv = make_user("planner", "05", language="sv")
    bystander = make_user("planner", "03")
    assert ask(client, asker, material["id"]).status_code == 201

    response = client.post(
        f"/api/v1/materials/{material['id']}/versions",
        json={"language": "sv", "url": "https://example.org/sv", "title": "Stolgympa"},
        headers=owner.headers,
    )
    assert response.status_code == 201
    assert response.get_json()["title"] == {"fi": "Tuolijumppa", "sv": "Stolgympa"}
    outgoing = client.get(
        "/api/v1/translation-requests?scope=outgoing", headers=asker.headers
    ).get_json()["requests"]
    assert outgoing[0]["status"] == "fulfilled" and outgoing[0]["fulfilled_at"]
    send_mail(app)

    [finnish] = smtp.mailbox.to(planner_fi.email)
    assert finnish["Subject"] == "Käännös valmis: Tuolijumppa"
    assert f"http://localhost/materials/{material['id']}" in smtp.mailbox.body(finnish)
    [swedish] = smtp.mailbox.to(planner_sv.email)
    assert swedish["Subject"] == "Översättningen är klar: Stolgympa"
    assert "svensk version" in smtp.mailbox.body(swedish)
    assert len(smtp.mailbox.to(asker.email)) == 1  # the facilitator who asked
    assert smtp.mailbox.to(bystander.email) == []
    # a new request for the same language is no longer possible: it exists
    assert ask(client, asker, material["id"]).status_code == 409


def test_course_text_request_and_the_edit_form(app, client, make_user, make_course, smtp):
    course = make_course(
        regions=["05", "14"], title={"fi": "Muistiryhmä", "sv": ""}, description={"fi": "Kuvaus"}
    )
    asker_planner = make_user("planner", "17", language="sv")
    response = client.post(
        f"/api/v1/courses/{course['id']}/translation-requests",
        json={"language": "sv"},
        headers=asker_planner.headers,
    )
    assert response.status_code == 201 and response.get_json()["regions"] == ["05", "14"]
    again = client.post(
        f"/api/v1/courses/{course['id']}/translation-requests",
        json={"language": "fi"},
        headers=asker_planner.headers,
    )
    assert again.status_code == 409  # the Finnish texts exist

    facilitator = make_user("facilitator", "14")
    sign_in(client, facilitator)
    assert client.get(f"/courses/{course['id']}/texts").status_code == 403
    client.post("/sign-out")
    outsider = make_user("planner", "21")
    sign_in(client, outsider)
    assert client.get(f"/courses/{course['id']}/texts").status_code == 403
    client.post("/sign-out")

    planner = make_user("planner", "14")
    incoming = client.get("/api/v1/translation-requests", headers=planner.headers).get_json()
    assert [r["course"] for r in incoming["requests"]] == [course["id"]]
    sign_in(client, planner)
    form = client.get(f"/courses/{course['id']}/texts").get_data(as_text=True)
    assert 'name="title_sv"' in form and 'name="description_sv"' in form
    assert 'name="title_fi"' not in form  # an existing text is never overwritten here
    empty = client.post(f"/courses/{course['id']}/texts", data={"title_sv": " "})
    assert empty.status_code == 422
    saved = client.post(
        f"/courses/{course['id']}/texts",
        data={"title_sv": "Minnesgrupp", "description_sv": "Beskrivning", "title_fi": "Muu"},
    )
    assert saved.status_code == 302
    texts = client.get(f"/api/v1/courses/{course['id']}").get_json()
    assert texts["title"] == {"fi": "Muistiryhmä", "sv": "Minnesgrupp"}
    assert texts["description"]["sv"] == "Beskrivning"
    send_mail(app)
    [mail] = smtp.mailbox.to(asker_planner.email)
    assert mail["Subject"] == "Översättningen är klar: Minnesgrupp"
    assert f"/courses/{course['id']}" in smtp.mailbox.body(mail)
    assert client.get("/api/v1/translation-requests", headers=planner.headers).get_json() == {
        "requests": []
    }


def test_missing_list_shows_what_lacks_a_language(client, make_user, make_course, create_material):
    planner = make_user("planner", "05")
    make_course(regions=["05"], title={"fi": "Vain suomeksi", "sv": ""})
    make_course(regions=["14"], title={"fi": "Toisen alueen", "sv": ""})
    make_course(regions=["05"], title={"fi": "Kaksikielinen", "sv": "Tvåspråkig"})
    material = create_material(
        make_user("planner", "14"), title={"fi": "Ohje", "sv": "Guide"}, languages=["fi"]
    )
    sign_in(client, planner)
    page = client.get("/translations/missing?lang=fi").get_data(as_text=True)
    assert "Vain suomeksi" in page
    assert "Toisen alueen" not in page  # not a course of the planner's region
    assert "Kaksikielinen" not in page
    assert f"/materials/{material['id']}" in page
    asked = client.post(
        f"/materials/{material['id']}/translation-requests",
        data={"language": "sv", "next": "/translations/missing"},
    )
    assert asked.status_code == 302 and asked.headers["Location"] == "/translations/missing"
    page = client.get("/translations/missing?lang=fi").get_data(as_text=True)
    assert "Pyydetty: ruotsi" in page


def test_titles_fall_back_to_the_other_language_with_a_marker(client, make_user, create_material):
    planner = make_user("planner", "05")
    create_material(planner, title={"fi": "Vain suomeksi", "sv": ""})
    sign_in(client, planner)
    swedish = client.get("/materials?lang=sv").get_data(as_text=True)
    assert '<span lang="fi">Vain suomeksi</span>' in swedish
    assert "(på finska)" in swedish
    finnish = client.get("/materials?lang=fi").get_data(as_text=True)
    assert "Vain suomeksi</a>" in finnish and "(suomeksi)" not in finnish
