"""Report endpoints of the JSON API (the hosting report lives in scheduler.hosting)."""

from __future__ import annotations

from flask import request

from scheduler.accounts.auth import api_auth
from scheduler.api import bp
from scheduler.periods import parse_period
from scheduler.reports.languages import language_parity


@bp.get("/reports/languages")
@api_auth("admin", "planner")
def languages_report():
    start, end = parse_period(request.args.get("from"), request.args.get("to"))
    rows = language_parity(start, end)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "regions": [row.as_json() for row in rows],
    }
