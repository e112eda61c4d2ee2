"""The demo network: the three-region pilot (03, 05, 14) with open groups and a closed course.

Dates are relative to today so that a newcomer sees upcoming sessions, and one open group
("Kahvihetki") is live whenever the demo is loaded or refreshed (`flask demo`, which the run
command calls on every start), so its Join button works at once. The demo accounts share one
documented password; never load the demo into a production database.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.accounts.services import create_user
from scheduler.courses.models import Course, Session
from scheduler.courses.services import CourseInput, create_course
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.i18n import HELSINKI, LocalizedText

DEMO_PASSWORD = "demo-password-2027"
PILOT = ("03", "05", "14")
DEMO_DOMAIN = "demo.etapaiva.fi"
LIVE_TITLE = LocalizedText("Kahvihetki – avoin juttutuokio", "Kaffestund – öppen pratstund")
LIVE_MINUTES = 240  # long enough that a newcomer finds the live session still on
LIVE_LEAD = timedelta(minutes=5)  # the live session started a moment ago


def demo_email(who: str) -> str:
    return f"{who}@{DEMO_DOMAIN}"


def _next_weekday(weekday: int, at: time, weeks_ahead: int) -> datetime:
    today = utcnow().astimezone(HELSINKI).date()
    days = (weekday - today.weekday()) % 7 or 7
    day = today + timedelta(days=days + 7 * weeks_ahead)
    return datetime.combine(day, at, tzinfo=HELSINKI)


def _live_start() -> datetime:
    """A few minutes ago, on the minute."""
    return (utcnow() - LIVE_LEAD).replace(second=0, microsecond=0)


def _live_course() -> Course | None:
    return db.session.scalar(
        db.select(Course).where(Course.title_fi == LIVE_TITLE.fi).order_by(Course.id).limit(1)
    )


def refresh_live_session() -> bool:
    """Make the live demo group's current or next session run now; True if it was moved.

    Nothing changes while a session is on. Otherwise the group's next scheduled session (or
    its last one, when all are over) is moved to have started a few minutes ago.
    """
    course = _live_course()
    if course is None:
        return False
    now = utcnow()
    sessions = [s for s in course.sessions if s.status == "scheduled"]
    if not sessions or any(s.starts_at <= now < s.ends_at for s in sessions):
        return False
    coming = [s for s in sessions if s.ends_at > now]
    session: Session = coming[0] if coming else sessions[-1]
    start = _live_start()
    session.starts_at = start
    session.ends_at = start + timedelta(minutes=course.duration_minutes)
    session.touch()
    audit.record("demo.session_refreshed", session, actor_kind="system")
    return True


def _create_live_group(planner: User) -> None:
    create_course(
        planner,
        CourseInput(
            kind="open",
            title=LIVE_TITLE,
            description=LocalizedText(
                "Avoin juttutuokio, joka on käynnissä juuri nyt. Paina Liity-painiketta.",
                "En öppen pratstund som pågår just nu. Tryck på knappen Gå med.",
            ),
            languages=["fi", "sv"],
            regions=list(PILOT),
            first_session=_live_start(),
            duration_minutes=LIVE_MINUTES,
            sessions=8,
            meeting_provider="static",
            meeting_url="https://meet.example.org/etapaiva-kahvihetki",
        ),
    )


def load_demo() -> bool:
    """Create the demo users and courses unless they exist; returns True when created.

    When the demo is there already, its live group gets a session running now.
    """
    if db.session.scalar(db.select(User.id).where(User.email == demo_email("admin"))):
        refresh_live_session()
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
    _create_live_group(planners["14"])
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
