"""Fill translations into a part's catalogs: python scripts/translate.py PART FILE.json

FILE.json maps each English msgid to {"fi": "…", "sv": "…"} (plural msgids: the singular as the
key, and lists of two forms as values). Only empty entries are filled unless --force is given.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po

from scheduler.i18n import CATALOG_DIR


def main(part: str, path: str, force: bool) -> None:
    with open(path, encoding="utf-8") as handle:
        translations = json.load(handle)
    for language in ("fi", "sv"):
        po = CATALOG_DIR / language / "LC_MESSAGES" / f"{part}.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        filled = 0
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key not in translations:
                continue
            value = translations[key][language]
            empty = not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            )
            if empty or force:
                message.string = tuple(value) if isinstance(message.id, tuple) else value
                filled += 1
        with po.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        print(f"{po}: {filled} filled")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--force"]
    main(arguments[0], arguments[1], "--force" in sys.argv)
