"""Public region pages: who the region is and which shared courses with coming sessions it
takes part in."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from scheduler.courses.catalogue import Filters, listing, matches
from scheduler.dbtypes import utcnow
from scheduler.regions.data import region_facts

bp = Blueprint("regions", __name__)


@bp.get("/regions")
def index():
    return render_template("regions/index.html", regions=region_facts())


@bp.get("/regions/<code>")
def detail(code: str):
    fact = next((f for f in region_facts() if f.code == code), None)
    if fact is None:
        abort(404)
    mine = Filters(region=code)
    courses = [entry for entry in listing(utcnow()).entries if matches(entry, mine, [])]
    return render_template("regions/detail.html", region=fact, courses=courses)
