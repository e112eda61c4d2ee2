"""Calendar feeds (iCalendar) and the page where staff manage their secret feed addresses.

Every feed answers a conditional request from one aggregate query (``feed_state``) before
anything is built: calendar clients poll often and usually nothing has changed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from werkzeug.http import http_date

from scheduler.accounts.auth import staff_required
from scheduler.calendars import services, tokens
from scheduler.calendars.links import course_links, subscription
from scheduler.courses.models import Course
from scheduler.dbtypes import utcnow
from scheduler.enrolment.tokens import find_by_token
from scheduler.errors import DomainError
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.regions.data import region_facts
from scheduler.security import hash_token

bp = Blueprint("calendars", __name__)
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _language(default: str | None = None) -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return default if default in LANGUAGES else "fi"


def _not_modified(state: services.FeedState) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2); weak comparison."""
    header = request.headers.get("If-None-Match")
    if header:
        tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        return state.etag in tags or "*" in tags
    since = request.if_modified_since
    return bool(since and state.last_modified and state.last_modified <= since)


def _serve(
    feed: services.Feed,
    state: services.FeedState,
    *,
    private: bool,
    filename: str,
    attachment: bool = False,
) -> Response:
    cache = "private, no-cache" if private else "public, no-cache"
    if _not_modified(state):
        # The validators and caching a 200 would carry (RFC 9110, 15.4.5); nothing else.
        return Response(
            status=304,
            headers={"ETag": state.etag, "Cache-Control": cache},
            content_type=CALENDAR_TYPE,
        )
    headers = {"ETag": state.etag, "Cache-Control": cache}
    if state.last_modified is not None:
        headers["Last-Modified"] = http_date(state.last_modified)
    if private:
        headers["X-Robots-Tag"] = "noindex"
        headers["Referrer-Policy"] = "no-referrer"
    body = services.built_feed(feed, state)
    disposition = "attachment" if attachment else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return Response(body, status=200, headers=headers, content_type=CALENDAR_TYPE)


@bp.get("/calendar/courses/<int:course_id>.ics")
def course_feed(course_id: int):
    feed = services.course_feed(course_id, _language())
    state = services.feed_state(feed)
    if not state.exists:
        abort(404)
    return _serve(feed, state, private=False, filename=f"course-{course_id}.ics")


@bp.get("/calendar/sessions/<int:session_id>.ics")
def session_ics(session_id: int):
    """One session to add to a calendar; with a participant's token it carries their join page."""
    found = services.session_course(session_id)
    if found is None:
        abort(404)
    token = request.args.get("token") or None
    language = _language()
    if token is not None:
        application = find_by_token(token)
        if (
            application is None
            or application.status != "accepted"
            or application.course_id != found.course_id
        ):
            abort(404)
        language = _language(application.language)
    feed = services.session_feed(session_id, found.course_id, language, token)
    state = services.feed_state(feed)
    return _serve(
        feed,
        state,
        private=token is not None,
        filename=f"session-{session_id}.ics",
        attachment=True,
    )


@bp.get("/calendar/regions/<code>.ics")
def region_feed(code: str):
    """The token is checked inside the feed's state query: one round trip for a 304."""
    token = request.args.get("token") or ""
    if not token or len(token) > tokens.MAX_TOKEN_LENGTH:
        abort(404)
    feed = services.duties_feed(code, _language(), token_hash=hash_token(token))
    state = services.feed_state(feed)
    if not state.exists:
        abort(404)
    return _serve(feed, state, private=True, filename=f"region-{code}.ics")


@bp.get("/calendar/f/<token>.ics")
def facilitator_feed(token: str):
    user = tokens.user_for_token(token)
    if user is None:
        abort(404)
    feed = services.duties_feed(
        user.region_code, _language(user.language), kind="facilitator", owner=str(user.id)
    )
    return _serve(feed, services.feed_state(feed), private=True, filename="my-duties.ics")


@bp.get("/calendar/p/<token>.ics")
def participant_feed(token: str):
    application = find_by_token(token)
    if application is None or application.status != "accepted":
        abort(404)
    feed = services.participant_feed(
        application.id, application.course_id, _language(application.language), token
    )
    return _serve(
        feed,
        services.feed_state(feed),
        private=True,
        filename="my-course.ics",
    )


# --- the page of secret addresses ----------------------------------------------------------


def _managed_region() -> str | None:
    """The region whose feed the page shows: the planner's own, or the admin's choice."""
    if current_user.is_admin:
        asked = request.values.get("region")
        return asked if asked in {fact.code for fact in region_facts()} else None
    if current_user.role == "planner":
        return current_user.region_code
    return None


def _feeds_page(*, shown: dict[str, str] | None = None, status: int = 200) -> Any:
    region = _managed_region()
    region_row = tokens.region_token(region) if region else None
    own_row = tokens.user_token(current_user)
    shown = shown or {}
    new_urls = {}
    if "region" in shown and region:
        new_urls["region"] = subscription(f"/calendar/regions/{region}.ics?token={shown['region']}")
    if "own" in shown:
        new_urls["own"] = subscription(f"/calendar/f/{shown['own']}.ics")
    page = render_template(
        "calendars/feeds.html",
        region=region,
        region_row=region_row,
        own_row=own_row,
        new_urls=new_urls,
        regions=region_facts(),
        is_admin=current_user.is_admin,
        may_have_own=bool(current_user.region_code),
    )
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"  # a new address is shown only once
    return response


@bp.get("/planner/calendars")
@staff_required()
def feeds():
    return _feeds_page()


@bp.post("/planner/calendars/region")
@staff_required("admin", "planner")
def region_token_action():
    region = _managed_region()
    if region is None:
        abort(404)
    shown: dict[str, str] = {}
    try:
        if request.form.get("action") == "revoke":
            tokens.revoke_region_token(current_user, region)
        else:
            shown["region"] = tokens.renew_region_token(current_user, region)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return _feeds_page(shown=shown)


@bp.post("/planner/calendars/own")
@staff_required()
def own_token_action():
    shown: dict[str, str] = {}
    if request.form.get("action") == "revoke":
        tokens.revoke_user_token(current_user)
    else:
        shown["own"] = tokens.renew_user_token(current_user)
    db.session.commit()
    return _feeds_page(shown=shown)


@bp.app_template_global()
def calendar_buttons(course: Course, token: str | None = None) -> dict[str, Any]:
    """For the course page: the subscribe address and the next session's .ics."""
    now = utcnow()
    upcoming = next(
        (s for s in course.sessions if s.ends_at > now and s.status != "cancelled"), None
    )
    subscribe, single = course_links(course, upcoming, token=token)
    return {"subscribe": subscribe, "single": single, "session": upcoming}
