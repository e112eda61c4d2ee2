"""Long course titles, names and reasons for checking that every text message fits."""

from __future__ import annotations

import re

# Course titles may be 200 characters; names 120; cancellation reasons 500.
LONG_TITLES = {
    "plain": {
        "fi": ("Hyvinvointia, liikuntaa ja yhdessäoloa – etäryhmä ikäihmisille " * 4)[:200],
        "sv": ("Välbefinnande, motion och samvaro – distansgrupp för äldre personer " * 4)[:200],
    },
    "emoji": {  # an emoji forces UCS-2: 70/67 characters a segment
        "fi": ("Laulu 🎵 ja liike yhdessä – tule mukaan " * 6)[:200],
        "sv": ("Sång 🎵 och rörelse tillsammans – kom med " * 6)[:200],
    },
}
LONG_NAME = ("Aino-Maria Katariina Eerikäinen-Vähäsöderberg " * 3)[:120]
LONG_REASON = {
    "fi": ("Ohjaaja on sairastunut eikä sijaista löytynyt näin nopeasti. " * 9)[:500],
    "sv": ("Handledaren har insjuknat och ingen ersättare hittades så snabbt. " * 9)[:500],
}
# A realistic public address, longer than the tests' default http://localhost.
BASE_URL = "https://etapaiva.hyvinvointialueet.fi"
SHORT_LINK_AT_END = re.compile(re.escape(BASE_URL) + r"/[mj]/[A-Za-z0-9]{22}$")
FEEDBACK_LINK_AT_END = re.compile(
    re.escape(BASE_URL) + r"/feedback/[A-Za-z0-9_\-]{43}\?lang=(fi|sv)$"
)
