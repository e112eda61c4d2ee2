"""Safe files: allow-list by name and content, size limits, random names on disk, and the
headers and permissions of downloads."""

from __future__ import annotations

import io

import pytest

from tests.content.conftest import EXE, PDF, SAMPLES, pptx_bytes, sign_in, stored_files


@pytest.fixture
def app_overrides():
    return {"MAX_UPLOAD_MB": 1}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_allowed_type_is_accepted_by_name_and_content(app, make_user, upload, name):
    response = upload(make_user("planner", "05"), file_fi=(name, SAMPLES[name]))
    assert response.status_code == 201, response.get_json()
    assert len(stored_files(app)) == 1


def test_stored_under_a_random_name_and_served_with_a_clean_name(app, client, make_user, upload):
    planner = make_user("planner", "05")
    response = upload(planner, file_fi=("../../Äiti ja <lapsi>.pdf", PDF))
    assert response.status_code == 201
    version = response.get_json()["versions"][0]
    assert version["file_name"] == "Äiti ja _lapsi.pdf"
    [on_disk] = stored_files(app)
    assert "lapsi" not in on_disk and not on_disk.endswith(".pdf") and len(on_disk) >= 30
    download = client.get(version["download_url"], headers=planner.headers)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C3%84iti%20ja%20_lapsi.pdf" in disposition
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_images_are_shown_inline_everything_else_is_an_attachment(client, make_user, upload):
    planner = make_user("planner", "05")
    material = upload(
        planner,
        file_fi=("kuva.png", SAMPLES["image.png"]),
        file_sv=("bild.svg.webm", SAMPLES["video.webm"]),
    ).get_json()
    png, webm = material["versions"]
    image = client.get(png["download_url"], headers=planner.headers)
    assert image.mimetype == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline;")
    video = client.get(webm["download_url"], headers=planner.headers)
    assert video.mimetype == "video/webm"
    assert video.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("ohje.pdf", EXE, "oikeasti ohjelma"),  # exe renamed .pdf
        ("kuva.png", b"<html><script>alert(1)</script></html>", "skripti tai verkkosivu"),
        ("kuva.jpg", PDF, "ei ole tyyppiä JPEG"),  # a real PDF, wrong name
        ("slides.pptx", pptx_bytes(macros=True), "ei ole tyyppiä PowerPoint"),  # macros: a .pptm
        ("slides.pptx", b"PK\x03\x04 broken zip", "ei ole tyyppiä PowerPoint"),
        ("slides.odp", pptx_bytes(), "ei ole tyyppiä OpenDocument"),
        ("sivu.html", b"<html></html>", "pääte on .html, eivät ole sallittuja"),
        (
            "kuva.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "pääte on .svg, eivät ole sallittuja",
        ),
        ("koodi.js", b"alert(1)", "pääte on .js, eivät ole sallittuja"),
        ("ohjelma.exe", EXE, "pääte on .exe, eivät ole sallittuja"),
        ("paketti.zip", pptx_bytes(), "Tämä tiedostotyyppi ei ole sallittu"),
        ("ilman_paatetta", PDF, "Tämä tiedostotyyppi ei ole sallittu"),
        ("tyhja.pdf", b"", "Tiedosto on tyhjä."),
    ],
)
def test_refused_files_get_a_clear_message_and_nothing_is_stored(
    app, make_user, upload, name, content, words
):
    response = upload(
        make_user("planner", "05"), file_fi=(name, content), url_sv="https://example.org"
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    [message] = response.get_json()["errors"]["file_fi"]
    assert words in message
    assert stored_files(app) == []


def test_a_good_file_is_not_kept_when_the_other_is_refused(app, make_user, upload):
    response = upload(
        make_user("planner", "05"), file_fi=("ok.pdf", PDF), file_sv=("paha.pdf", EXE)
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["file_sv"]
    assert stored_files(app) == []


def test_oversized_file_is_refused_with_413_and_a_clear_message(app, make_user, upload):
    big = PDF + b"0" * (1024 * 1024)  # just over the 1 MB limit, under the request limit
    response = upload(make_user("planner", "05"), file_fi=("iso.pdf", big))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "suurempi kuin 1 Mt" in response.get_json()["errors"]["file_fi"][0]
    assert stored_files(app) == []


def test_oversized_request_is_refused_with_413_and_a_clear_message(app, make_user, upload):
    huge = PDF + b"0" * (3 * 1024 * 1024)  # over the whole request's limit
    response = upload(make_user("planner", "05"), file_fi=("iso.pdf", huge))
    assert response.status_code == 413
    assert "Lähetys on suurempi kuin 1 Mt" in response.get_json()["detail"]
    assert stored_files(app) == []


def test_upload_form_refuses_with_the_message_on_the_page(app, client, make_user):
    sign_in(client, make_user("facilitator", "05"))
    response = client.post(
        "/materials/new",
        data={"title_fi": "Ohje", "file_fi": (io.BytesIO(EXE), "ohje.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#file_fi"' in page
    assert 'aria-invalid="true"' in page
    assert stored_files(app) == []
    big = client.post(
        "/materials/new?lang=fi",
        data={"title_fi": "Ohje", "file_fi": (io.BytesIO(PDF + b"0" * 1024 * 1024), "iso.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
    assert "Tiedosto on suurempi kuin 1 Mt." in big.get_data(as_text=True)
    whole = client.post(
        "/materials/new",
        data={"title_fi": "Ohje", "file_fi": (io.BytesIO(PDF + b"0" * 3 * 1024 * 1024), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert whole.status_code == 413
    assert "Lähetys on suurempi kuin 1 Mt" in whole.get_data(as_text=True)
    assert 'id="file_fi"' in whole.get_data(as_text=True)  # the form again, not a bare error
    ok = client.post(
        "/materials/new",
        data={"title_fi": "Ohje", "file_fi": (io.BytesIO(PDF), "ohje.pdf"), "sharing": "public"},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    assert len(stored_files(app)) == 1


def test_download_needs_sign_in_unless_public(app, client, make_user, upload):
    planner = make_user("planner", "05")
    private = upload(planner, file_fi=("oma.pdf", PDF)).get_json()
    public = upload(planner, file_fi=("julkinen.pdf", PDF), sharing="public").get_json()
    private_url = private["versions"][0]["download_url"]
    public_url = public["versions"][0]["download_url"]

    anonymous = app.test_client()
    assert anonymous.get(private_url).status_code == 401  # an API client
    browser = anonymous.get(private_url, headers={"Accept": "text/html"})
    assert browser.status_code == 302 and "/sign-in" in browser.headers["Location"]
    assert anonymous.get(private_url, headers={"Authorization": "Bearer nope"}).status_code == 401
    opened = anonymous.get(public_url)
    assert opened.status_code == 200 and opened.data == PDF
    assert opened.headers["Cache-Control"].startswith("public")

    other_region = make_user("facilitator", "21")
    assert client.get(private_url, headers=other_region.headers).status_code == 200  # shared
    sign_in(anonymous, other_region)
    signed_in = anonymous.get(private_url)
    assert signed_in.status_code == 200 and signed_in.headers["Cache-Control"].startswith("private")

    own_only = upload(planner, file_fi=("vain.pdf", PDF), sharing="region").get_json()
    hidden = own_only["versions"][0]["download_url"]
    assert client.get(hidden, headers=other_region.headers).status_code == 404
    assert client.get(hidden, headers=planner.headers).status_code == 200
