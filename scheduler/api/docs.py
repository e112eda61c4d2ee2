"""The OpenAPI 3 description of the API, served at /api/v1/openapi.json.

scheduler/api/openapi.json holds the frame and the shared parts; each domain package may
keep an openapi.json fragment with its own "paths" and "components", merged in here.

The fragments list the answers of their own rules (200, 409 …). The answers that the shared
input boundary and sign-in give to every operation alike are added here, so that no fragment
can forget one: 404 where the path names something (an id or a region), 401 and 403 where a
bearer token is needed, 413 and 422 where there is a body, and 422 where there are query
parameters (any query value with a control character is refused).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from scheduler.api import bp

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SPEC_FILE = Path(__file__).with_name("openapi.json")
METHODS = ("get", "put", "post", "delete", "patch")
PROBLEM = {"$ref": "#/components/responses/Problem"}


@cache
def openapi_document() -> dict:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        document = json.load(handle)
    for fragment_file in sorted(PACKAGE_DIR.glob("*/openapi.json")):
        if fragment_file == SPEC_FILE:
            continue
        with fragment_file.open(encoding="utf-8") as handle:
            fragment = json.load(handle)
        document.setdefault("paths", {}).update(fragment.get("paths", {}))
        for section, items in fragment.get("components", {}).items():
            document.setdefault("components", {}).setdefault(section, {}).update(items)
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                _add_shared_answers(path, item, item[method])
    return document


def boundary_statuses(path: str, item: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """The statuses the shared boundary may answer for this operation."""
    statuses = []
    if "{" in path:
        statuses.append("404")
    if operation.get("security"):
        statuses += ["401", "403"]
    if "requestBody" in operation:
        statuses += ["413", "422"]
    parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
    if any(parameter.get("in") == "query" for parameter in parameters):
        statuses.append("422")
    return statuses


def _add_shared_answers(path: str, item: dict[str, Any], operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in boundary_statuses(path, item, operation):
        responses.setdefault(status, copy.deepcopy(PROBLEM))


@bp.get("/openapi.json")
def openapi():
    return openapi_document()
