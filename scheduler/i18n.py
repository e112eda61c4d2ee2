"""Languages: locale selection, bilingual text with fallback, and the message catalogs.

Catalogs live under i18n/<lang>/LC_MESSAGES/ as one .po file per part of the product
(core.po, courses.po, …) so that parts can be translated independently; they are merged
into one messages.mo per language when the app starts (the .mo files are not committed).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from scheduler.config import ROOT

LANGUAGES = ("fi", "sv")
DEFAULT_LANGUAGE = "fi"
HELSINKI = ZoneInfo("Europe/Helsinki")
CATALOG_DIR = ROOT / "i18n"
LANGUAGE_COOKIE = "lang"


@dataclass(frozen=True)
class LocalizedText:
    """Finnish and Swedish text; missing translations fall back to the other language."""

    fi: str = ""
    sv: str = ""

    def get(self, language: str) -> str:
        return self.resolve(language)[0]

    def resolve(self, language: str) -> tuple[str, str | None]:
        """Return (text, language of the text when it is a fallback, else None)."""
        wanted = language if language in LANGUAGES else DEFAULT_LANGUAGE
        own = (self.sv if wanted == "sv" else self.fi).strip()
        if own:
            return own, None
        other = "fi" if wanted == "sv" else "sv"
        other_text = (self.fi if other == "fi" else self.sv).strip()
        return (other_text, other) if other_text else ("", None)

    def missing(self) -> list[str]:
        return [lang for lang in LANGUAGES if not getattr(self, lang).strip()]

    def as_dict(self) -> dict[str, str]:
        return {"fi": self.fi, "sv": self.sv}


class BilingualTexts:
    """Mixin for models with title_fi/sv and description_fi/sv columns."""

    @property
    def title(self) -> LocalizedText:
        return LocalizedText(self.title_fi, self.title_sv)  # type: ignore[attr-defined]

    @property
    def description(self) -> LocalizedText:
        return LocalizedText(self.description_fi, self.description_sv)  # type: ignore[attr-defined]


def pick_language(requested: str | None, cookie: str | None, accept: object) -> str:
    """The user's choice (query, then cookie), then the browser's, then Finnish."""
    for choice in (requested, cookie):
        if choice in LANGUAGES:
            return choice
    best = accept.best_match(LANGUAGES) if accept is not None else None  # type: ignore[attr-defined]
    return best or DEFAULT_LANGUAGE


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(HELSINKI)


def iso_local(moment: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset, in Europe/Helsinki (the API's time format)."""
    return None if moment is None else to_local(moment).isoformat()


def iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def compile_catalogs(catalog_dir: Path = CATALOG_DIR) -> list[Path]:
    """Merge each language's .po parts into messages.mo when a part is newer than it."""
    written = []
    for language in LANGUAGES:
        folder = catalog_dir / language / "LC_MESSAGES"
        parts = sorted(folder.glob("*.po"))
        target = folder / "messages.mo"
        if not parts:
            continue
        newest = max(part.stat().st_mtime for part in parts)
        if target.exists() and target.stat().st_mtime >= newest:
            continue
        merged = Catalog(locale=language, domain="messages")
        for part in parts:
            with part.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            for message in catalog:
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
        # A unique temporary file and an atomic rename: processes starting together never
        # read half a file or trip over each other's temporary file.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".messages-", suffix=".mo")
        with os.fdopen(handle, "wb") as output:
            write_mo(output, merged)
        os.replace(temporary, target)
        written.append(target)
    return written
