"""Every text the code shows exists in Finnish and Swedish."""

from scheduler.catalogs import missing_translations


def test_every_message_has_finnish_and_swedish_translation():
    missing = missing_translations()
    assert not missing, f"{len(missing)} missing:\n" + "\n".join(missing[:80])
