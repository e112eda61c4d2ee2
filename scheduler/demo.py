"""The demo network: the three-region pilot (03, 05, 14) with one open and one closed course.

Dates are relative to today so that a newcomer sees upcoming sessions. The demo accounts
share one documented password; never load the demo into a production database.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from scheduler.accounts.models import User
from scheduler.accounts.services import create_user
from scheduler.courses.services import CourseInput, create_course
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.i18n import HELSINKI, LocalizedText

DEMO_PASSWORD = "demo-password-2027"
PILOT = ("03", "05", "14")
DEMO_DOMAIN = "demo.etapaiva.fi"


def demo_email(who: str) -> str:
    return f"{who}@{DEMO_DOMAIN}"


def _next_weekday(weekday: int, at: time, weeks_ahead: int) -> datetime:
    today = utcnow().astimezone(HELSINKI).date()
    days = (weekday - today.weekday()) % 7 or 7
    day = today + timedelta(days=days + 7 * weeks_ahead)
    return datetime.combine(day, at, tzinfo=HELSINKI)


def load_demo() -> bool:
    """Create the demo users and courses unless they exist; returns True when created."""
    if db.session.scalar(db.select(User.id).where(User.email == demo_email("admin"))):
        return False
    create_user(demo_email("admin"), "admin", DEMO_PASSWORD, name="Demo Admin")
    planners = {
        code: create_user(
            demo_email(f"planner{code}"),
            "planner",
            DEMO_PASSWORD,
            region=code,
            name=f"Planner {code}",
            language="sv" if code == "05" else "fi",
        )
        for code in PILOT
    }
    for code in PILOT:
        create_user(
            demo_email(f"facilitator{code}"),
            "facilitator",
            DEMO_PASSWORD,
            region=code,
            name=f"Facilitator {code}",
        )
    open_start = _next_weekday(0, time(10, 0), 0)
    create_course(
        planners["05"],
        CourseInput(
            kind="open",
            title=LocalizedText("Hyvän olon tuokio", "Må bra-stund"),
            description=LocalizedText(
                "Avoin etäryhmä kaikille. Liikumme, juttelemme ja opimme yhdessä. "
                "Tule mukaan, kun sinulle sopii. Ilmoittautumista ei tarvita.",
                "En öppen distansgrupp för alla. Vi rör på oss, pratar och lär oss "
                "tillsammans. Kom med när det passar dig. Ingen anmälan behövs.",
            ),
            languages=["fi"],
            regions=list(PILOT),
            first_session=open_start,
            duration_minutes=60,
            sessions=12,
            meeting_provider="static",
            meeting_url="https://meet.example.org/etapaiva-hyva-olo",
        ),
    )
    closed_start = _next_weekday(2, time(13, 0), 3)
    create_course(
        planners["03"],
        CourseInput(
            kind="closed",
            title=LocalizedText("Uni ja lepo", "Sömn och vila"),
            description=LocalizedText(
                "Kahdeksan viikon kurssi unesta ja levosta. Paikkoja on 12. "
                "Haku on auki, ja valitsemme osallistujat hakemusten perusteella.",
                "En kurs på åtta veckor om sömn och vila. Det finns 12 platser. "
                "Ansökan är öppen och vi väljer deltagarna bland de sökande.",
            ),
            languages=["fi", "sv"],
            regions=["03", "05"],
            cohost=True,
            first_session=closed_start,
            duration_minutes=90,
            sessions=8,
            capacity=12,
            application_deadline=(closed_start - timedelta(days=7)).date(),
            meeting_provider="static",
            meeting_url="https://meet.example.org/etapaiva-uni",
        ),
    )
    return True
