"""The OpenAPI 3 description of the API, served at /api/v1/openapi.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from scheduler.api import bp

SPEC_FILE = Path(__file__).with_name("openapi.json")


@cache
def openapi_document() -> dict:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


@bp.get("/openapi.json")
def openapi():
    return openapi_document()
