"""The change log in the JSON API: administrators read all of it, planners their courses'."""

from __future__ import annotations

from flask import g, request

from scheduler.accounts.auth import api_auth
from scheduler.api import bp
from scheduler.desk import audit_log


@bp.get("/audit")
@api_auth("admin", "planner")
def read_audit_log():
    page = audit_log.read_log(g.api_user, audit_log.parse_filters(request.args))
    return {
        "entries": [audit_log.line_json(line) for line in page.lines],
        "next_before": page.next_before,
    }
