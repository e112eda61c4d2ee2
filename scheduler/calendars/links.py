"""Addresses of the calendar buttons: "subscribe" (webcal:) and "add to calendar" (one session)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from scheduler.web import current_language


@dataclass(frozen=True)
class Subscription:
    webcal: str  # opens the calendar app
    https: str  # to paste into a web calendar (Google, Outlook on the web)


def absolute(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def subscription(path: str) -> Subscription:
    https = absolute(path)
    rest = https.partition("://")[2]
    return Subscription(webcal=f"webcal://{rest}", https=https)


def course_links(
    course: Any, session: Any | None, *, token: str | None = None
) -> tuple[Subscription, str | None]:
    """The course's (or the participant's) feed, and the .ics of one session."""
    language = current_language()
    if token:
        feed = url_for("calendars.participant_feed", token=token, lang=language)
    else:
        feed = url_for("calendars.course_feed", course_id=course.id, lang=language)
    single = None
    if session is not None:
        args: dict[str, Any] = {"session_id": session.id, "lang": language}
        if token:
            args["token"] = token
        single = url_for("calendars.session_ics", **args)
    return subscription(feed), single
