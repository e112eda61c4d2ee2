"""Report pages: the language parity report and the annual calendar (vuosikello)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date

from scheduler.accounts.auth import staff_required
from scheduler.boundary.numbers import whole_number
from scheduler.dbtypes import utcnow
from scheduler.errors import ValidationFailed
from scheduler.i18n import HELSINKI
from scheduler.pages import form_errors
from scheduler.periods import parse_period, this_year
from scheduler.regions.data import region_facts
from scheduler.reports.languages import language_parity
from scheduler.reports.yearly import FIRST_YEAR, LAST_YEAR, year_calendar

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/languages")
@staff_required("admin", "planner")
def languages():
    """Sessions and materials per language for each region, with a chart and its table."""
    errors: dict[str, list[str]] = {}
    try:
        start, end = parse_period(request.args.get("from") or None, request.args.get("to") or None)
    except ValidationFailed as error:
        errors = form_errors(error)
        start, end = this_year()
    rows = language_parity(start, end)
    show_all = request.args.get("all") == "1"
    shown = [row for row in rows if show_all or row.bilingual or row.active]
    chart_max = max([max(row.sessions.values()) for row in shown] + [1])
    return render_template(
        "reports/languages.html",
        rows=shown,
        start=start,
        end=end,
        show_all=show_all,
        chart_max=chart_max,
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/year")
@staff_required()
def year():
    """The network's courses across a year by month, printable on one A4 landscape page."""
    this = utcnow().astimezone(HELSINKI).year
    chosen = min(max(whole_number(request.args.get("year")) or this, FIRST_YEAR), LAST_YEAR)
    codes = {fact.code for fact in region_facts()}
    region = request.args.get("region") if request.args.get("region") in codes else None
    months = [
        (format_date(date(chosen, month, 1), "LLL"), format_date(date(chosen, month, 1), "LLLL"))
        for month in range(1, 13)
    ]
    return render_template(
        "reports/year.html",
        rows=year_calendar(chosen, region),
        year=chosen,
        years=range(this - 2, this + 3),
        region=region,
        regions=region_facts(),
        months=months,
    )
