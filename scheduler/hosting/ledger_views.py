"""The hosting ledger's pages: the regions' trade over a period (charts, tables, CSV) and what
re-planning the upcoming sessions would change. Routes on the hosting blueprint."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Response, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _

from scheduler.accounts.auth import staff_required
from scheduler.dbtypes import utcnow
from scheduler.errors import ValidationFailed
from scheduler.hosting import ledger
from scheduler.hosting.blueprint import bp
from scheduler.hosting.ledger_chart import balance_chart, matrix_chart
from scheduler.i18n import HELSINKI
from scheduler.pagecache import cached_fragment
from scheduler.pages import form_errors
from scheduler.web import region_name

TABLES = ("regions", "pairs", "materials")


def _period() -> tuple[dict[str, str], dict[str, list[str]], tuple[date, date] | None]:
    today = utcnow().astimezone(HELSINKI).date()
    values = {
        "from": request.args.get("from") or date(today.year, 1, 1).isoformat(),
        "to": request.args.get("to") or date(today.year, 12, 31).isoformat(),
    }
    try:
        return values, {}, ledger.parse_period(values["from"], values["to"])
    except ValidationFailed as error:
        return values, form_errors(error, "from"), None


@bp.get("/planner/reports/ledger")
@staff_required("admin", "planner")
def trade():
    """Who gave and who received: the balance per region, who hosted for whom, materials."""
    values, errors, period = _period()
    body = None
    if period is not None:
        # Applications, join answers and materials count too: any committed change renews it.
        body = cached_fragment(
            "ledger",
            (values["from"], values["to"]),
            lambda: _render_body(ledger.trade_ledger(*period), values),
            any_change=True,
        )
    return render_template("hosting/ledger.html", body=body, values=values, errors=errors), (
        422 if errors else 200
    )


def _render_body(data: ledger.TradeLedger, values: dict[str, str]) -> str:
    return render_template(
        "hosting/_ledger_body.html",
        ledger=data,
        values=values,
        chart=balance_chart(data),
        matrix=matrix_chart(data),
    )


@bp.get("/planner/reports/ledger.csv")
@staff_required("admin", "planner")
def trade_csv():
    """One table of the ledger as CSV: UTF-8 with a byte order mark and semicolons, so that
    spreadsheet programs in Finnish and Swedish open it as it is."""
    values, errors, period = _period()
    table = request.args.get("table", "regions")
    if errors or table not in TABLES:
        if table not in TABLES:
            errors = {"table": [_("Choose regions, pairs or materials.")]}
        return Response(
            " ".join(m for ms in errors.values() for m in ms) + "\n",
            status=422,
            mimetype="text/plain",
        )
    data = ledger.trade_ledger(*period)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in _rows(data, table):
        writer.writerow(row)
    name = f"ledger-{table}-{values['from']}-{values['to']}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _number(value: float) -> str:
    return format_decimal(value, format="0.##")


def _rows(data: ledger.TradeLedger, table: str) -> list[list[Any]]:
    if table == "regions":
        rows: list[list[Any]] = [
            [
                _("Region code"),
                _("Region"),
                _("Hosted"),
                _("Target"),
                _("Co-hosted"),
                _("Co-hosting target"),
                _("Balance"),
            ]
        ]
        for r in data.regions:
            rows.append(
                [
                    r.code,
                    region_name(r.code),
                    r.hosted,
                    _number(r.target),
                    r.cohosted,
                    _number(r.cohost_target),
                    _number(r.balance),
                ]
            )
        return rows
    if table == "pairs":
        rows = [
            [
                _("Host code"),
                _("Host"),
                _("Guest code"),
                _("Guest"),
                _("Sessions"),
                _("Participants"),
            ]
        ]
        for p in data.pairs:
            rows.append(
                [
                    p.host,
                    region_name(p.host),
                    p.guest,
                    region_name(p.guest),
                    p.sessions,
                    p.participants,
                ]
            )
        return rows
    rows = [
        [
            _("Region code"),
            _("Region"),
            _("Materials shared"),
            _("Used by other regions"),
            _("Translations done for others"),
        ]
    ]
    for m in data.materials:
        rows.append([m.code, region_name(m.code), m.shared, m.used_by_others, m.translations_done])
    return rows


@bp.get("/planner/reports/ledger/preview")
@staff_required("admin", "planner")
def trade_preview():
    """What planning the upcoming sessions again would change (nothing is saved)."""
    return render_template("hosting/ledger_preview.html", preview=ledger.replan_preview())
