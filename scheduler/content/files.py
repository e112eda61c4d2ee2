"""Safe uploads: an allow-list of file types checked by name AND by content, size limits,
random names on disk, and removal of written files when the transaction does not commit.

A file is accepted only when its extension is on the allow-list and its first bytes (and,
for the ZIP-based presentations, its internal marker) prove it is that type. The user's
file name is never used on disk; a cleaned copy is kept only as the download name.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from scheduler.errors import DomainError
from scheduler.extensions import db

HEAD_BYTES = 4096
NEW_FILES_KEY = "content_new_files"
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{20,80}$")
# Declared sizes inside a presentation; real ones stay far below (a cheap zip-bomb guard).
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL = 2 * 1024**3

# Types that could run code in a browser or on a computer: refused with their own message.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "html", "htm", "xhtml", "shtml", "mht", "svg", "svgz", "xml", "xsl", "js", "mjs", "cjs",
        "jsx", "ts", "vbs", "vbe", "wsf", "hta", "jar", "exe", "msi", "com", "scr", "bat", "cmd",
        "ps1", "psm1", "sh", "bash", "csh", "app", "apk", "dmg", "iso", "lnk", "dll", "so", "dylib",
        "php", "py", "pl", "rb", "cgi", "asp", "aspx", "jsp", "swf", "docm", "dotm", "xlsm", "xltm",
        "pptm", "potm", "ppsm", "sldm",
    }
)  # fmt: skip


class FileTooLarge(DomainError):
    """An upload over MAX_UPLOAD_MB: answered with 413 and a clear message per field."""

    status = 413
    title = "Payload Too Large"


class FileRefused(Exception):
    def __init__(self, message: Any, *, too_large: bool = False) -> None:
        super().__init__(str(message))
        self.message = message
        self.too_large = too_large


@dataclass(frozen=True)
class FileKind:
    name: str  # shown to people, e.g. "PDF"
    extensions: tuple[str, ...]
    content_type: str
    inline: bool  # safe to show in the browser (images only)
    matches: Callable[[bytes, IO[bytes]], bool]


def _is_pdf(head: bytes, stream: IO[bytes]) -> bool:
    return head.startswith(b"%PDF-")


def _is_png(head: bytes, stream: IO[bytes]) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(head: bytes, stream: IO[bytes]) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_webp(head: bytes, stream: IO[bytes]) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_mp3(head: bytes, stream: IO[bytes]) -> bool:
    if head.startswith(b"ID3"):
        return True
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer, bitrate = (head[1] >> 3) & 3, (head[1] >> 1) & 3, head[2] >> 4
    return version != 1 and layer != 0 and bitrate != 15  # reserved values: not an MPEG frame


def _is_ogg(head: bytes, stream: IO[bytes]) -> bool:
    return head.startswith(b"OggS")


AUDIO_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"dash"}
VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash",
    b"mmp4", b"MSNV",
}  # fmt: skip


def _ftyp(brands: set[bytes]) -> Callable[[bytes, IO[bytes]], bool]:
    def matches(head: bytes, stream: IO[bytes]) -> bool:
        return head[4:8] == b"ftyp" and head[8:12] in brands

    return matches


def _is_webm(head: bytes, stream: IO[bytes]) -> bool:
    return head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]


ODP_MIME = b"application/vnd.oasis.opendocument.presentation"


def _zip_names(stream: IO[bytes]) -> list[str] | None:
    """The entry names of a sane ZIP archive, or None when it is broken or suspicious."""
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTRIES or sum(i.file_size for i in infos) > ZIP_MAX_TOTAL:
                return None
            return [info.filename for info in infos]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)


def _is_pptx(head: bytes, stream: IO[bytes]) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    names = _zip_names(stream)
    return (
        names is not None
        and "[Content_Types].xml" in names
        and "ppt/presentation.xml" in names
        and "ppt/vbaProject.bin" not in names  # macros: a .pptm in disguise
    )


def _is_odp(head: bytes, stream: IO[bytes]) -> bool:
    # ODF: the first entry is an uncompressed file "mimetype" holding the document type.
    if not (head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype"):
        return False
    if head[38 : 38 + len(ODP_MIME)] != ODP_MIME:
        return False
    names = _zip_names(stream)
    return names is not None and "content.xml" in names


KINDS: tuple[FileKind, ...] = (
    FileKind("PDF", ("pdf",), "application/pdf", False, _is_pdf),
    FileKind(
        "PowerPoint",
        ("pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        False,
        _is_pptx,
    ),
    FileKind("OpenDocument", ("odp",), ODP_MIME.decode(), False, _is_odp),
    FileKind("PNG", ("png",), "image/png", True, _is_png),
    FileKind("JPEG", ("jpg", "jpeg"), "image/jpeg", True, _is_jpeg),
    FileKind("WebP", ("webp",), "image/webp", True, _is_webp),
    FileKind("MP3", ("mp3",), "audio/mpeg", False, _is_mp3),
    FileKind("Ogg", ("ogg", "oga"), "audio/ogg", False, _is_ogg),
    FileKind("M4A", ("m4a",), "audio/mp4", False, _ftyp(AUDIO_BRANDS)),
    FileKind("MP4", ("mp4",), "video/mp4", False, _ftyp(VIDEO_BRANDS)),
    FileKind("WebM", ("webm",), "video/webm", False, _is_webm),
)
BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
ACCEPT = ",".join(f".{extension}" for extension in BY_EXTENSION)  # the form's accept=""
INLINE_TYPES = frozenset(kind.content_type for kind in KINDS if kind.inline)
ALLOWED_NAMES = ", ".join(
    f"{kind.name} (.{', .'.join(kind.extensions)})" for kind in KINDS
)  # e.g. "PDF (.pdf), …"


def _looks_dangerous(head: bytes) -> bool:
    """Programs, scripts and web documents, whatever their name says."""
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        return True
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<head"))


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check; not yet written to disk."""

    stream: IO[bytes]
    kind: FileKind
    size: int
    file_name: str


def max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def extension_of(file_name: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def check_upload(stream: IO[bytes], file_name: str) -> CheckedUpload:
    """Accept only an allowed type whose content matches its name; raise FileRefused."""
    extension = extension_of(file_name)
    if extension in DANGEROUS_EXTENSIONS:
        raise FileRefused(
            _l(
                "Files of type .%(extension)s are not allowed, because they can run code in a "
                "browser or on a computer. Allowed types: %(allowed)s.",
                extension=extension,
                allowed=ALLOWED_NAMES,
            )
        )
    kind = BY_EXTENSION.get(extension)
    if kind is None:
        raise FileRefused(
            _l(
                "This file type is not allowed. Allowed types: %(allowed)s.",
                allowed=ALLOWED_NAMES,
            )
        )
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise FileRefused(_l("The file is empty."))
    limit_mb = current_app.config["MAX_UPLOAD_MB"]
    if size > max_bytes():
        raise FileRefused(
            _l("The file is larger than %(limit)d MB. Make it smaller first.", limit=limit_mb),
            too_large=True,
        )
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if _looks_dangerous(head):
        raise FileRefused(
            _l(
                "The file's name ends in .%(extension)s, but it is really a program, a script "
                "or a web page. It was not saved.",
                extension=extension,
            )
        )
    if not kind.matches(head, stream):
        raise FileRefused(
            _l(
                "The file's name ends in .%(extension)s, but its content is not of type "
                "%(kind)s. Save it again as %(kind)s and upload it again.",
                extension=extension,
                kind=kind.name,
            )
        )
    stream.seek(0)
    return CheckedUpload(stream, kind, size, download_name(file_name, extension))


def download_name(file_name: str, extension: str) -> str:
    """A clean name for Content-Disposition: letters (ä, å too), digits and . _ - ( )."""
    base = unicodedata.normalize("NFC", file_name.replace("\\", "/").rsplit("/", 1)[-1])
    stem = base[: -(len(extension) + 1)] if base.lower().endswith("." + extension) else base
    cleaned = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in stem)
    cleaned = re.sub(r"_+", "_", re.sub(r"\s+", " ", cleaned))
    cleaned = cleaned.strip(" ._-")[:100] or "material"
    return f"{cleaned}.{extension}"


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(stored_name: str) -> Path:
    if not STORED_NAME.match(stored_name):
        raise ValueError("not a stored file name")
    return upload_folder() / stored_name


def store(upload: CheckedUpload) -> str:
    """Write the file under a new random name; it is removed again unless the session commits."""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_urlsafe(24)
    target = folder / stored_name
    partial = folder / f".{stored_name}.part"
    upload.stream.seek(0)
    with partial.open("xb") as handle:
        shutil.copyfileobj(upload.stream, handle, 1024 * 1024)
    os.chmod(partial, 0o640)
    partial.replace(target)
    db.session.info.setdefault(NEW_FILES_KEY, []).append(target)
    return stored_name


@event.listens_for(OrmSession, "after_commit")
def _keep_new_files(session: OrmSession) -> None:
    session.info.pop(NEW_FILES_KEY, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _discard_uncommitted(session: OrmSession, transaction: Any) -> None:
    # Rolled back, or closed without commit (an error answer, a torn-down request): after a
    # commit the list is already gone (after_commit runs first), so only refused work is removed.
    if transaction.parent is None and not transaction.nested:
        _remove(session.info.pop(NEW_FILES_KEY, []))


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
