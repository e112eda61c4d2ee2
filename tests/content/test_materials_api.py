"""Materials API: creating (link or files), sharing across the network, filters, attaching."""

from __future__ import annotations

from tests.content.conftest import PDF, SAMPLES, link_payload


def test_planner_creates_a_link_material(client, make_user):
    planner = make_user("planner", "05")
    response = client.post("/api/v1/materials", json=link_payload(), headers=planner.headers)
    assert response.status_code == 201
    material = response.get_json()
    assert material["title"] == {"fi": "Unihuoneen ohje", "sv": "Guide till sömnrummet"}
    assert material["languages"] == ["fi", "sv"]
    assert material["owner_region"] == "05"
    assert material["themes"] == ["lepo ja rentoutus", "uni"]
    assert material["shared"] is True and material["public"] is False
    assert [v["url"] for v in material["versions"]] == ["https://example.org/uni"] * 2
    assert isinstance(material["id"], int)


def test_facilitator_uploads_one_file_per_language(client, make_user, upload):
    facilitator = make_user("facilitator", "14")
    response = upload(
        facilitator,
        title_fi="Liikuntaohje",
        title_sv="Motionsguide",
        themes="liikunta, Ulkoilu",
        file_fi=("ohje.pdf", PDF),
        file_sv=("guide.pptx", SAMPLES["slides.pptx"]),
    )
    assert response.status_code == 201, response.get_json()
    material = response.get_json()
    assert material["languages"] == ["fi", "sv"] and material["owner_region"] == "14"
    assert material["themes"] == ["liikunta", "ulkoilu"]
    fi, sv = material["versions"]
    assert fi["kind"] == "file" and fi["content_type"] == "application/pdf"
    assert fi["file_name"] == "ohje.pdf" and fi["size"] == len(PDF)
    assert sv["content_type"].endswith("presentationml.presentation")


def test_create_material_validation(client, make_user):
    planner = make_user("planner", "05")
    cases = [
        ({"title": {"fi": "", "sv": ""}}, "title"),
        ({"url": "http://example.org/plain"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"languages": ["en"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"themes": "not a list"}, "themes"),
        ({"themes": ["x" * 41]}, "themes"),
    ]
    for changes, field in cases:
        response = client.post(
            "/api/v1/materials", json=link_payload(**changes), headers=planner.headers
        )
        assert response.status_code == 422, changes
        assert response.mimetype == "application/problem+json"
        assert field in response.get_json()["errors"], response.get_json()


def test_roles_and_tokens(client, make_user):
    assert client.post("/api/v1/materials", json=link_payload()).status_code == 401
    assert client.get("/api/v1/materials").status_code == 401
    admin = make_user("admin", None)
    no_owner = client.post("/api/v1/materials", json=link_payload(), headers=admin.headers)
    assert no_owner.status_code == 422 and "owner_region" in no_owner.get_json()["errors"]
    ok = client.post(
        "/api/v1/materials", json=link_payload(owner_region="17"), headers=admin.headers
    )
    assert ok.status_code == 201 and ok.get_json()["owner_region"] == "17"
    planner = make_user("planner", "05")
    other = client.post(
        "/api/v1/materials", json=link_payload(owner_region="17"), headers=planner.headers
    )
    assert other.status_code == 403


def test_facilitator_of_any_region_sees_shared_materials(client, make_user, create_material):
    owner = make_user("planner", "05")
    shared = create_material(owner)
    private = create_material(owner, title={"fi": "Oma", "sv": ""}, sharing="region")
    outsider = make_user("facilitator", "21")
    seen = client.get("/api/v1/materials", headers=outsider.headers).get_json()["materials"]
    assert [m["id"] for m in seen] == [shared["id"]]
    assert (
        client.get(f"/api/v1/materials/{private['id']}", headers=outsider.headers).status_code
        == 404
    )
    colleague = make_user("facilitator", "05")
    seen = client.get("/api/v1/materials", headers=colleague.headers).get_json()["materials"]
    assert {m["id"] for m in seen} == {shared["id"], private["id"]}


def test_list_filters_language_theme_region_and_text(client, make_user, create_material):
    planner = make_user("planner", "05")
    both = create_material(planner)
    swedish = create_material(
        make_user("planner", "17"),
        title={"fi": "", "sv": "Rörelse på stol"},
        languages=["sv"],
        themes=["Liikunta"],
    )
    finnish = create_material(
        planner, title={"fi": "Äänitys ja ääni", "sv": ""}, languages=["fi"], themes=[]
    )

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/materials?{query}", headers=planner.headers)
        assert response.status_code == 200
        return {m["id"] for m in response.get_json()["materials"]}

    assert ids("language=sv") == {both["id"], swedish["id"]}
    assert ids("language=fi") == {both["id"], finnish["id"]}
    assert ids("theme=LIIKUNTA") == {swedish["id"]}
    assert ids("theme=uni") == {both["id"]}
    assert ids("region=17") == {swedish["id"]}
    assert ids("q=stol") == {swedish["id"]}
    assert ids("q=ÄÄNI") == {finnish["id"]}  # case-insensitive beyond ASCII, on every database
    assert ids("q=50%25") == set()
    assert client.get("/api/v1/materials?language=en", headers=planner.headers).status_code == 422


def test_attach_material_to_session(client, make_user, make_course, create_material):
    course = make_course(regions=["05", "14"])
    session_id = course["sessions"][0]["id"]
    material = create_material(make_user("planner", "17"))  # any region's shared material
    facilitator = make_user("facilitator", "14")
    url = f"/api/v1/sessions/{session_id}/materials"
    response = client.post(url, json={"material": material["id"]}, headers=facilitator.headers)
    assert response.status_code == 201
    assert response.get_json()["session"] == session_id
    assert response.get_json()["material"] == material["id"]
    again = client.post(url, json={"material": material["id"]}, headers=facilitator.headers)
    assert again.status_code == 409
    listed = client.get(url, headers=facilitator.headers).get_json()["materials"]
    assert [m["id"] for m in listed] == [material["id"]]

    outsider = make_user("planner", "21")
    assert (
        client.post(url, json={"material": material["id"]}, headers=outsider.headers).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/sessions/999999/materials",
            json={"material": material["id"]},
            headers=facilitator.headers,
        ).status_code
        == 404
    )
    assert (
        client.post(url, json={"material": 999999}, headers=facilitator.headers).status_code == 404
    )
    assert client.post(url, json={"material": "x"}, headers=facilitator.headers).status_code == 422
    delete = client.delete(f"{url}/{material['id']}", headers=facilitator.headers)
    assert delete.status_code == 204
    assert client.get(url, headers=facilitator.headers).get_json()["materials"] == []


def test_add_version_to_own_material_only(client, make_user, create_material):
    owner = make_user("facilitator", "05")
    material = create_material(owner, languages=["fi"])
    url = f"/api/v1/materials/{material['id']}/versions"
    payload = {"language": "sv", "url": "https://example.org/sv", "title": "Ny titel"}
    other = make_user("planner", "03")
    assert client.post(url, json=payload, headers=other.headers).status_code == 403
    response = client.post(url, json=payload, headers=owner.headers)
    assert response.status_code == 201
    assert response.get_json()["languages"] == ["fi", "sv"]
    # the Swedish title existed already: it is not overwritten
    assert response.get_json()["title"]["sv"] == "Guide till sömnrummet"
    assert client.post(url, json=payload, headers=owner.headers).status_code == 409


def test_openapi_documents_the_material_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/materials",
        "/materials/{id}/translation-requests",
        "/sessions/{id}/materials",
        "/reports/languages",
        "/translation-requests",
    ):
        assert path in paths, path
    body = paths["/materials"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
