"""Making a message safe to send and safe to keep.

`header_value` turns any text into one header line: Python's email package refuses (and
SMTP would misread) a header with a line break, and Unicode has many besides \\r and \\n —
\\v, \\f, the separators \\x1c–\\x1e, NEL (\\x85), U+2028 and U+2029 — so every control
character and every line or paragraph separator becomes a space.

`redact_tokens` removes secrets from the addresses in a delivered body: personal links
(/my/…, /join/p/…, /calendar/p/…, /feedback/…, ?token=…, and the short links of text
messages /m/… and /j/…) carry 128 bits or more of randomness, written as 22 or more
URL-safe characters; inside a web address such a run is replaced, so the stored copy keeps
which links were sent but none of them works.
"""

from __future__ import annotations

import re
import unicodedata

# Cc: C0 and C1 controls (includes \r \n \v \f \x1c-\x1e \x85); Zl, Zp: U+2028, U+2029.
_BREAKING = frozenset(("Cc", "Zl", "Zp"))
_SPACES = re.compile(r"\s+")
_URL = re.compile(r"https?://[^\s<>\"']+")
_SECRET = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{22,}(?![A-Za-z0-9_\-])")
REDACTED = "[removed]"


def header_value(text: str, limit: int = 300) -> str:
    """One clean line: controls and line separators become spaces, runs of space one."""
    cleaned = "".join(
        " " if unicodedata.category(char) in _BREAKING else char for char in str(text)
    )
    return _SPACES.sub(" ", cleaned).strip()[:limit]


def redact_tokens(body: str) -> str:
    """The body with every long random run inside a web address replaced by [removed]."""
    return _URL.sub(lambda match: _SECRET.sub(REDACTED, match.group(0)), body)
