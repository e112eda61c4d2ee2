"""Developer tool for the message catalogs: extract texts per product part, update the .po files.

Run `python -m scheduler.catalogs` after changing user-visible text, then fill in the
empty msgstr lines of i18n/fi and i18n/sv. The tests use `extract_all()` to prove that
every text the code shows has a Finnish and a Swedish translation.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from scheduler.config import ROOT
from scheduler.i18n import CATALOG_DIR, LANGUAGES

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "false"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]")


def part_of(path: Path) -> str:
    """The catalog part a source file belongs to: its domain package, or core."""
    relative = path.relative_to(ROOT).parts
    if relative[0] == "scheduler" and len(relative) > 2:
        return relative[1]
    if relative[0] == "templates" and len(relative) > 2:
        messages = relative[1] in ("email", "sms")  # templates/email/<part>/…, sms/<part>/…
        if messages and len(relative) > 3:
            return relative[2]
        return "core" if messages else relative[1]
    return "core"


def source_files() -> Iterator[tuple[Path, str]]:
    for path in sorted((ROOT / "scheduler").rglob("*.py")):
        yield path, "python"
    for pattern in ("*.html", "*.txt", "*.ics"):
        for path in sorted((ROOT / "templates").rglob(pattern)):
            yield path, "jinja2"


def extract_all() -> dict[str, Catalog]:
    """Extract every translatable text, grouped into one template catalog per part."""
    catalogs: dict[str, Catalog] = {}
    for path, method in source_files():
        options = JINJA_OPTIONS if method == "jinja2" else {}
        part = part_of(path)
        catalog = catalogs.setdefault(part, Catalog(domain=part))
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            flags = ("python-format",) if _has_placeholder(message) else ()
            catalog.add(
                message,
                locations=[(str(path.relative_to(ROOT)), lineno)],
                auto_comments=comments,
                context=context,
                flags=flags,
            )
    return catalogs


def _has_placeholder(message: str | tuple[str, ...]) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any(PLACEHOLDER.search(text) or "%d" in text for text in texts)


def update_catalogs(parts: Collection[str] = ()) -> list[Path]:
    """Add new texts to the fi and sv catalogs of `parts` (all when empty); keep translations."""
    written = []
    for part, template in extract_all().items():
        if not len(template) or (parts and part not in parts):
            continue
        for language in LANGUAGES:
            path = CATALOG_DIR / language / "LC_MESSAGES" / f"{part}.po"
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=language)
            else:
                catalog = Catalog(locale=language, domain=part)
            catalog.update(template, no_fuzzy_matching=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
            written.append(path)
    return written


def missing_translations() -> list[str]:
    """Every extracted text without a Finnish or Swedish translation, as readable lines."""
    merged: dict[str, dict] = {}
    for language in LANGUAGES:
        merged[language] = {}
        for path in sorted((CATALOG_DIR / language / "LC_MESSAGES").glob("*.po")):
            with path.open("rb") as handle:
                for message in read_po(handle, locale=language):
                    if message.id and message.string and not message.fuzzy:
                        merged[language][message.id] = message.string
    problems = []
    for template in extract_all().values():
        for message in template:
            if not message.id:
                continue
            for language in LANGUAGES:
                translated = merged[language].get(message.id)
                texts = translated if isinstance(translated, tuple | list) else (translated,)
                if not translated or not all(texts):
                    problems.append(f"{language}: {message.id!r} ({message.locations[0][0]})")
                    continue
                wanted = set(PLACEHOLDER.findall(_first(message.id)))
                for text in texts:
                    if set(PLACEHOLDER.findall(text)) != wanted:
                        problems.append(f"{language}: placeholders differ in {message.id!r}")
    return problems


def _first(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


if __name__ == "__main__":
    # python -m scheduler.catalogs [PART …]   e.g. `enrolment`; no parts = every part
    for written_path in update_catalogs(sys.argv[1:]):
        print(written_path.relative_to(ROOT))
    missing = missing_translations()
    for line in missing:
        print("  missing", line)
    print(f"{len(missing)} texts still lack a translation")
    sys.exit(0)
