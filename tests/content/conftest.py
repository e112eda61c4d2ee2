"""Helpers for the materials tests: real small files of every allowed type, signing in, and
creating materials through the API."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from tests.conftest import PASSWORD


def zip_bytes(entries: list[tuple[str, bytes]], *, first_stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if first_stored and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=kind)
    return buffer.getvalue()


def pptx_bytes(*, macros: bool = False) -> bytes:
    entries = [
        ("[Content_Types].xml", b"<Types/>"),
        ("ppt/presentation.xml", b"<p:presentation/>"),
    ]
    if macros:
        entries.append(("ppt/vbaProject.bin", b"\x00" * 16))
    return zip_bytes(entries)


def odp_bytes() -> bytes:
    return zip_bytes(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.presentation"),
            ("content.xml", b"<office:document-content/>"),
        ],
        first_stored=True,
    )


# file name -> content that really is that type
SAMPLES: dict[str, bytes] = {
    "plan.pdf": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40,
    "photo.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40,
    "photo.webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    "slides.pptx": pptx_bytes(),
    "slides.odp": odp_bytes(),
    "song.mp3": b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 40,
    "frame.mp3": b"\xff\xfb\x90\x64" + b"\x00" * 40,
    "voice.ogg": b"OggS\x00\x02" + b"\x00" * 40,
    "voice.m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 40,
    "video.mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + b"\x00" * 40,
    "video.webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40,
}
PDF = SAMPLES["plan.pdf"]
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def sign_in(client: Any, staff: Any) -> None:
    response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302


def link_payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": {"fi": "Unihuoneen ohje", "sv": "Guide till sömnrummet"},
        "description": {"fi": "Ohje", "sv": "Guide"},
        "url": "https://example.org/uni",
        "languages": ["fi", "sv"],
        "themes": ["Uni", "  Lepo ja  Rentoutus "],
    }
    data.update(changes)
    return data


@pytest.fixture
def create_material(client):
    """Create a link material through the API as `user`; returns its JSON."""

    def create(user: Any, **changes: Any) -> dict[str, Any]:
        response = client.post(
            "/api/v1/materials", json=link_payload(**changes), headers=user.headers
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


@pytest.fixture
def upload(client):
    """POST a multipart material: upload(user, file_fi=("name.pdf", bytes), title_fi="…")."""

    def send(user: Any, **fields: Any) -> Any:
        data: dict[str, Any] = {"title_fi": "Materiaali"}
        for name, value in fields.items():
            data[name] = (io.BytesIO(value[1]), value[0]) if isinstance(value, tuple) else value
        return client.post(
            "/api/v1/materials",
            data=data,
            headers=user.headers,
            content_type="multipart/form-data",
        )

    return send


def stored_files(app: Any) -> list[str]:
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
