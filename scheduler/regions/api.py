"""Region endpoints of the JSON API."""

from __future__ import annotations

from scheduler.api import bp
from scheduler.regions.data import region_facts


@bp.get("/regions")
def list_regions():
    return {
        "regions": [
            {
                "code": fact.code,
                "name": {"fi": fact.name_fi, "sv": fact.name_sv},
                "languages": list(fact.languages),
            }
            for fact in region_facts()
        ]
    }
