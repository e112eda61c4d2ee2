"""Rotation endpoints of the JSON API: re-planning, hosts by hand, closures, swaps, balance,
the hosting ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import g, json, request
from flask_babel import lazy_gettext as _l

from scheduler.accounts.auth import api_auth
from scheduler.api import bp, inputs
from scheduler.api.inputs import json_object
from scheduler.api.problems import from_domain_error
from scheduler.courses.serialize import session_json
from scheduler.errors import FieldErrors
from scheduler.extensions import db
from scheduler.hosting import ledger, report, services, swaps
from scheduler.hosting.services import HostConflict
from scheduler.lifecycle import services as lifecycle
from scheduler.lifecycle.inputs import parse_move


def _with_reason(view: Callable[..., Any]) -> Callable[..., Any]:
    """A refused host answers 409 problem+json with the rotation's reason code as "reason"."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except HostConflict as error:
            db.session.rollback()
            response = from_domain_error(error)
            body = json.loads(response.get_data())
            body["reason"] = error.reason
            response.set_data(json.dumps(body))
            return response

    return wrapper


def _sessions_answer(course: Any, problems: list[dict], changed: list[int]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sessions": [session_json(s) for s in sorted(course.sessions, key=lambda s: s.starts_at)],
        "changed": changed,
    }
    if problems:
        body["problems"] = problems
    return body


@bp.post("/courses/<int:course_id>/plan")
@api_auth("admin", "planner")
def plan_course(course_id: int):
    outcome = services.replan_course(g.api_user, course_id)
    db.session.commit()
    course = outcome.courses[0]
    changed = sorted(change.session.id for change in outcome.changes)
    return _sessions_answer(course, outcome.problems, changed)


@bp.patch("/sessions/<int:session_id>")
@api_auth("admin", "planner")
@_with_reason
def update_session(session_id: int):
    data = json_object()
    if "starts_at" in data or "duration_minutes" in data:
        # A move: one session to another time (scheduler.lifecycle).
        session = lifecycle.move_session(g.api_user, session_id, parse_move(data))
    else:
        update = services.parse_session_update(data)
        session = services.update_session(g.api_user, session_id, update)
    db.session.commit()
    return session_json(session)


@bp.post("/regions/<code>/closures")
@api_auth("admin", "planner")
def add_closure(code: str):
    services.check_region(code)
    services.check_may_close(g.api_user, code)
    data = services.parse_closure(json_object())
    outcome = services.add_closure(g.api_user, code, data)
    db.session.commit()
    body = services.closure_json(outcome.closure, with_reason=True)
    body["replanned"] = [course.id for course in outcome.plan.courses]
    body["changed"] = sorted(change.session.id for change in outcome.plan.changes)
    if outcome.plan.problems:
        body["problems"] = outcome.plan.problems
    return body, 201


@bp.get("/regions/<code>/closures")
@api_auth("admin", "planner")
def list_closures(code: str):
    services.check_region(code)
    errors = FieldErrors()
    since = inputs.query_date("since", errors)
    errors.raise_if_any(_l("Check the highlighted fields."))
    closures = services.closures_of([code], since or date.min)
    with_reason = services.may_read_reason(g.api_user, code)
    return {"closures": [services.closure_json(c, with_reason=with_reason) for c in closures]}


@bp.post("/sessions/<int:session_id>/swap-requests")
@api_auth("admin", "planner")
@_with_reason
def request_swap(session_id: int):
    other = swaps.parse_swap_input(json_object())
    swap = swaps.request_swap(g.api_user, session_id, other)
    db.session.commit()
    return swaps.swap_json(swap), 201


@bp.post("/swap-requests/<int:swap_id>/accept")
@api_auth("admin", "planner")
@_with_reason
def accept_swap(swap_id: int):
    swap = swaps.decide(g.api_user, swap_id, accept=True)
    db.session.commit()
    return swaps.swap_json(swap)


@bp.post("/swap-requests/<int:swap_id>/decline")
@api_auth("admin", "planner")
def decline_swap(swap_id: int):
    swap = swaps.decide(g.api_user, swap_id, accept=False)
    db.session.commit()
    return swaps.swap_json(swap)


@bp.post("/swap-requests/<int:swap_id>/withdraw")
@api_auth("admin", "planner")
def withdraw_swap(swap_id: int):
    swap = swaps.withdraw(g.api_user, swap_id)
    db.session.commit()
    return swaps.swap_json(swap)


@bp.get("/swap-requests")
@api_auth("admin", "planner")
def swap_inbox():
    incoming, outgoing = swaps.pending_for(g.api_user)
    return {
        "swap_requests": [swaps.swap_json(s) for s in incoming],
        "outgoing": [swaps.swap_json(s) for s in outgoing],
    }


@bp.get("/reports/hosting")
@api_auth("admin", "planner")
def hosting_report():
    start, end = report.parse_period(request.args.get("from"), request.args.get("to"))
    return report.hosting_report(start, end).as_json()


@bp.get("/reports/ledger")
@api_auth("admin", "planner")
def ledger_report():
    start, end = ledger.parse_period(request.args.get("from"), request.args.get("to"))
    return ledger.trade_ledger(start, end).as_json()


@bp.get("/reports/ledger/preview")
@api_auth("admin", "planner")
def ledger_preview():
    return ledger.replan_preview().as_json()
