"""Every text the code shows exists in Finnish and Swedish."""

from babel.messages.pofile import read_po

from scheduler.catalogs import CATALOG_DIR, missing_translations


def test_every_message_has_finnish_and_swedish_translation():
    missing = missing_translations()
    assert not missing, f"{len(missing)} missing:\n" + "\n".join(missing[:80])


def test_every_part_catalog_is_complete_on_its_own():
    """A text shared by two parts is translated in both files, not only where it was first."""
    gaps = []
    for path in sorted(CATALOG_DIR.glob("*/LC_MESSAGES/*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                texts = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and (message.fuzzy or not all(texts)):
                    gaps.append(f"{path.relative_to(CATALOG_DIR)}: {message.id!r}")
    assert not gaps, "\n".join(gaps)
