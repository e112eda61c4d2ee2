"""Text: what may be stored and sent on.

Refused everywhere: NUL and the other control characters (PostgreSQL rejects NUL; `\\v`,
`\\x85` and friends break email headers and calendars) and lone surrogates (they cannot be
encoded as UTF-8 at all). Tab, line feed and carriage return are ordinary typing in long
texts. Single-line fields (names, titles, addresses) refuse every line break, including
the Unicode line and paragraph separators.
"""

from __future__ import annotations

import re

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def unsafe(text: str) -> bool:
    """True when the text has a character that is never stored (see the module docstring)."""
    return FORBIDDEN.search(text) is not None


def breaks_line(text: str) -> bool:
    return LINE_BREAKS.search(text) is not None
