"""Planner pages for the rotation: grids, hosts by hand, closures, swaps, the balance report.

Thin: parse the form, call a service, render. Domain errors become messages on the page
(409 for a refused host, 422 for bad input) with the form kept as it was.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from scheduler.accounts.auth import staff_required
from scheduler.api import inputs
from scheduler.boundary.numbers import form_whole_number, whole_number
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, FieldErrors, ValidationFailed
from scheduler.extensions import db
from scheduler.hosting import (
    grid,
    ledger_views,  # noqa: F401  (its routes are on bp)
    report,
    services,
    swaps,
)
from scheduler.hosting.blueprint import bp
from scheduler.hosting.rules import Rules
from scheduler.i18n import HELSINKI
from scheduler.pagecache import cached_fragment, cached_timed_fragment
from scheduler.pages import form_errors
from scheduler.regions.data import region_facts

NETWORK_WEEKS = 8
MAX_WEEKS = 26


def _expired() -> dict[str, list[str]]:
    return {"form": [_("The form had expired. Please send it again.")]}


def _today() -> date:
    return utcnow().astimezone(HELSINKI).date()


# --- grids ---------------------------------------------------------------------------------------


@bp.get("/planner/rotation")
@staff_required()
def network_grid():
    """Weeks × regions for every course of my region (or all courses)."""
    problems = FieldErrors()
    start = _today()
    raw_start = request.args.get("from", "").strip()
    if raw_start:
        start = inputs.iso_date(raw_start, "from", problems) or start
    weeks = NETWORK_WEEKS
    raw_weeks = request.args.get("weeks", "").strip()
    if raw_weeks:
        chosen = whole_number(raw_weeks)
        if chosen is not None and 1 <= chosen <= MAX_WEEKS:
            weeks = chosen
        else:
            problems.add("weeks", _("Choose from 1 to %(count)d weeks.", count=MAX_WEEKS))
    errors = {name: [str(m) for m in messages] for name, messages in problems.errors.items()}
    scope = request.args.get("scope", "mine")
    region = None if scope == "all" or not current_user.region_code else current_user.region_code
    monday = grid.monday_of(start)

    def render_table() -> str:
        data = grid.network_grid(monday, weeks, region)
        return render_template("hosting/_network_table.html", grid=data)

    values = {"from": raw_start or start.isoformat(), "weeks": raw_weeks or str(weeks)}
    return render_template(
        "hosting/network.html",
        table=cached_fragment("rotation", (monday, weeks, region), render_table),
        weeks=weeks,
        scope="all" if region is None else "mine",
        values=values,
        errors=errors,
        previous=(monday - timedelta(weeks=weeks)).isoformat(),
        following=(monday + timedelta(weeks=weeks)).isoformat(),
    ), (422 if errors else 200)


@bp.get("/planner/courses/<int:course_id>/rotation")
@staff_required()
def course_grid(course_id: int):
    course = services.load_course(course_id)
    rows = grid.course_grid(course)
    return render_template(
        "hosting/course.html",
        course=course,
        rows=rows,
        may_plan=services.may_plan(current_user, course),
        form=FlaskForm(),
    )


@bp.post("/planner/courses/<int:course_id>/plan")
@staff_required("admin", "planner")
def replan(course_id: int):
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please send it again."), "error")
        return redirect(url_for("hosting.course_grid", course_id=course_id))
    outcome = services.replan_course(current_user, course_id)
    db.session.commit()
    changed = len(outcome.changes)
    flash(
        ngettext(
            "The rotation was planned again: %(num)d session changed.",
            "The rotation was planned again: %(num)d sessions changed.",
            changed,
        ),
        "success",
    )
    for problem in outcome.problems:
        flash(problem["detail"], "error")
    return redirect(url_for("hosting.course_grid", course_id=course_id))


# --- one session: hosts by hand, cancel, restore -------------------------------------------------


def _session_page(session: Any, errors: dict, values: dict, status: int = 200) -> Any:
    course = session.course
    rules = Rules.around([session], course.region_codes)
    eligibility = []
    for code in course.region_codes:
        reason = rules.reason(code, session, course)
        eligibility.append(
            (code, None if reason is None else rules.short_reason(reason, code, session, course))
        )
    return render_template(
        "hosting/session.html",
        session=session,
        course=course,
        eligibility=eligibility,
        errors=errors,
        values=values,
        form=FlaskForm(),
        past=session.starts_at <= utcnow(),
        may_swap=swaps_allowed(session),
    ), status


def swaps_allowed(session: Any) -> bool:
    return (
        current_user.role in ("admin", "planner")
        and session.host_region is not None
        and current_user.acts_for(session.host_region)
        and not session.cancelled
        and session.starts_at > utcnow()
    )


@bp.route("/planner/sessions/<int:session_id>/host", methods=["GET", "POST"])
@staff_required("admin", "planner")
def edit_session(session_id: int):
    session = services.load_session(session_id)
    services.check_may_plan(current_user, session.course)
    values = {"host_region": session.host_region or "", "cohost_region": session.cohost_region}
    if request.method == "GET":
        return _session_page(session, {}, values)
    form = FlaskForm()
    if not form.validate_on_submit():
        return _session_page(session, _expired(), values, 400)
    values = {
        "host_region": request.form.get("host_region", ""),
        "cohost_region": request.form.get("cohost_region") or None,
    }
    data: dict[str, Any] = {}
    if values["host_region"] != (session.host_region or ""):
        data["host_region"] = values["host_region"] or None
    if values["cohost_region"] != session.cohost_region:
        data["cohost_region"] = values["cohost_region"]
    if not data:
        data["host_set_by_hand"] = True
    try:
        update = services.parse_session_update(data)
        services.update_session(current_user, session_id, update)
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        session = services.load_session(session_id)
        status = 409 if isinstance(error, Conflict) else 422
        return _session_page(session, form_errors(error, "host_region"), values, status)
    db.session.commit()
    flash(_("The hosts were saved. They stay when the rotation is planned again."), "success")
    return redirect(url_for("hosting.course_grid", course_id=session.course_id))


@bp.post("/planner/sessions/<int:session_id>/status")
@staff_required("admin", "planner")
def session_status(session_id: int):
    session = services.load_session(session_id)
    services.check_may_plan(current_user, session.course)
    values = {"host_region": session.host_region or "", "cohost_region": session.cohost_region}
    form = FlaskForm()
    if not form.validate_on_submit():
        return _session_page(session, _expired(), values, 400)
    action = request.form.get("action")
    data: dict[str, Any] = {
        "cancel": {"status": "cancelled"},
        "restore": {"status": "scheduled"},
        "release": {"host_set_by_hand": False},
    }.get(action, {})
    messages = {
        "cancel": _("The session was cancelled."),
        "restore": _("The session is held again."),
        "release": _("The rotation may now choose the hosts of this session again."),
    }
    try:
        services.update_session(current_user, session_id, services.parse_session_update(data))
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        session = services.load_session(session_id)
        status = 409 if isinstance(error, Conflict) else 422
        return _session_page(session, form_errors(error), values, status)
    db.session.commit()
    flash(messages[action], "success")
    return redirect(url_for("hosting.edit_session", session_id=session_id))


# --- swaps ---------------------------------------------------------------------------------------


@bp.route("/planner/sessions/<int:session_id>/swap", methods=["GET", "POST"])
@staff_required("admin", "planner")
def new_swap(session_id: int):
    session = services.load_session(session_id)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate_on_submit():
            errors, status = _expired(), 400
        else:
            try:
                other = swaps.parse_swap_input(
                    {"session": form_whole_number(request.form.get("session"))}
                )
                swaps.request_swap(current_user, session_id, other)
            except (ValidationFailed, Conflict) as error:
                db.session.rollback()
                errors = form_errors(error, "session")
                status = 409 if isinstance(error, Conflict) else 422
                session = services.load_session(session_id)
            else:
                db.session.commit()
                flash(_("The swap request was sent. The other region will answer it."), "success")
                return redirect(url_for("hosting.inbox"))
    if not swaps_allowed(session):
        return render_template(
            "hosting/swap.html", session=session, candidates=[], errors={}, allowed=False
        ), 403
    return render_template(
        "hosting/swap.html",
        session=session,
        candidates=swaps.candidates(session),
        errors=errors,
        allowed=True,
        form=FlaskForm(),
    ), status


@bp.get("/planner/swap-requests")
@staff_required("admin", "planner")
def inbox():
    return _inbox_page({}, 200)


def _inbox_page(errors: dict, status: int) -> Any:
    incoming, outgoing = swaps.pending_for(current_user)
    return render_template(
        "hosting/inbox.html",
        incoming=incoming,
        outgoing=outgoing,
        errors=errors,
        form=FlaskForm(),
        still_valid=swaps.still_valid,
    ), status


@bp.post("/planner/swap-requests/<int:swap_id>/<any(accept, decline, withdraw):action>")
@staff_required("admin", "planner")
def answer_swap(swap_id: int, action: str):
    form = FlaskForm()
    if not form.validate_on_submit():
        return _inbox_page(_expired(), 400)
    try:
        if action == "withdraw":
            swaps.withdraw(current_user, swap_id)
        else:
            swaps.decide(current_user, swap_id, accept=action == "accept")
    except Conflict as error:
        db.session.rollback()
        return _inbox_page({"form": [str(error.detail)]}, 409)
    db.session.commit()
    messages = {
        "accept": _("You accepted the swap. The hosts were changed."),
        "decline": _("You declined the swap."),
        "withdraw": _("You withdrew the swap request."),
    }
    flash(messages[action], "success")
    return redirect(url_for("hosting.inbox"))


# --- closures ------------------------------------------------------------------------------------


@bp.route("/planner/closures", methods=["GET", "POST"])
@staff_required("admin", "planner")
def closures():
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"region": current_user.region_code or ""}
    status = 200
    if request.method == "POST":
        values = request.form
        form = FlaskForm()
        if not form.validate_on_submit():
            errors, status = _expired(), 400
        else:
            code = request.form.get("region") if current_user.is_admin else None
            code = code or current_user.region_code or ""
            try:
                if current_user.is_admin and not code:
                    raise ValidationFailed(errors={"region": [_("Choose a region.")]})
                services.check_region(code)
                data = services.parse_closure(
                    {
                        "start": request.form.get("start", ""),
                        "end": request.form.get("end", ""),
                        "reason": request.form.get("reason", ""),
                    }
                )
                outcome = services.add_closure(current_user, code, data)
            except ValidationFailed as error:
                db.session.rollback()
                errors, status = form_errors(error, "start"), 422
            else:
                db.session.commit()
                _flash_closure(outcome)
                return redirect(url_for("hosting.closures"))
    codes = None if current_user.is_admin else [current_user.region_code]
    return render_template(
        "hosting/closures.html",
        closures=services.closures_of(codes, _today()),
        errors=errors,
        values=values,
        regions=region_facts(),
        form=FlaskForm(),
    ), status


def _flash_closure(outcome: services.ClosureOutcome) -> None:
    changed = len(outcome.plan.changes)
    courses = len(outcome.plan.courses)
    flash(_("The closed period was saved."), "success")
    if courses:
        flash(
            ngettext(
                "%(num)d session in the closed period got a new host.",
                "%(num)d sessions in the closed period got a new host.",
                changed,
            )
            + " "
            + ngettext(
                "%(num)d course was planned again.",
                "%(num)d courses were planned again.",
                courses,
            ),
            "success",
        )
    for problem in outcome.plan.problems:
        flash(problem["detail"], "error")


# --- the balance report --------------------------------------------------------------------------


@bp.get("/planner/reports/hosting")
@staff_required("admin", "planner")
def balance():
    today = _today()
    values = {
        "from": request.args.get("from") or date(today.year, 1, 1).isoformat(),
        "to": request.args.get("to") or date(today.year, 12, 31).isoformat(),
    }
    errors: dict[str, list[str]] = {}
    body = None
    try:
        start, end = report.parse_period(values["from"], values["to"])
    except ValidationFailed as error:
        errors = form_errors(error, "from")
    else:

        def render_body() -> tuple[str, datetime | None]:
            data = report.hosting_report(start, end)
            html = render_template("hosting/_report_body.html", report=data)
            return html, data.changes_at

        body = cached_timed_fragment("hosting-report", (start, end), render_body)
    return render_template("hosting/report.html", body=body, values=values, errors=errors), (
        422 if errors else 200
    )
