"""The outbox page for administrators, and the short date that text messages use.

`/planner/outbox` lists the newest messages (email and SMS) with what became of them, so
an administrator sees whether mail and text messages go out, and a newcomer to the demo
sees what the service sent. Bodies are shown with every personal link's token removed
(a delivered body has none left anyway): the page never hands out a working link.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_skeleton
from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from scheduler.accounts.auth import staff_required
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from scheduler.notify.recent import CHANNELS, recent_messages

bp = Blueprint("notify", __name__)


@bp.app_template_filter("short_day")
def short_day(moment: date | datetime | None, skeleton: str = "MEd") -> str:
    """A short date for text messages, Helsinki time: "ti 5.1." / "tis 5/1" (skeleton
    "Md" leaves out the weekday: "5.1." / "5/1")."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(HELSINKI).date()
    locale = get_locale()
    return format_skeleton(skeleton, moment, locale=str(locale) if locale else "fi")


@bp.get("/planner/outbox")
@staff_required("admin")
def outbox():
    channel = request.args.get("channel")
    messages = recent_messages(current_user, channel if channel in CHANNELS else None)
    db.session.commit()  # the view is logged
    page = render_template(
        "notify/outbox.html",
        messages=messages,
        channel=channel if channel in CHANNELS else "",
        mail_backend=current_app.config["MAIL_BACKEND"],
        sms_provider=current_app.config["SMS_PROVIDER"],
    )
    return page, 200, {"Cache-Control": "no-store"}
