"""The OpenAPI 3 description of the API, served at /api/v1/openapi.json.

scheduler/api/openapi.json holds the frame and the shared parts; each domain package may
keep an openapi.json fragment with its own "paths" and "components", merged in here.

The fragments list the answers of their own rules (200, 409 …). The answers that the shared
input boundary and sign-in give to every operation alike are added here, so that no fragment
can forget one: 404 where the path names something (an id or a region), 401 and 403 where a
bearer token is needed, 413 where there is a body, and 422 everywhere (a body or a query value
that breaks a rule, or a query parameter the document does not list for the operation).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from scheduler.api import bp
from scheduler.errors import ValidationFailed

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
        paths = document.setdefault("paths", {})
        for path, operations in fragment.get("paths", {}).items():
            # Merged per method: several packages may add operations to one path.
            paths.setdefault(path, {}).update(operations)
        for section, items in fragment.get("components", {}).items():
            document.setdefault("components", {}).setdefault(section, {}).update(items)
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                _add_shared_answers(path, item[method])
    return document


def boundary_statuses(path: str, operation: dict[str, Any]) -> list[str]:
    """The statuses the shared boundary may answer for this operation."""
    statuses = []
    if "{" in path:
        statuses.append("404")
    if operation.get("security"):
        statuses += ["401", "403"]
    if "requestBody" in operation:
        statuses.append("413")
    statuses.append("422")
    return statuses


def _add_shared_answers(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in boundary_statuses(path, operation):
        responses.setdefault(status, copy.deepcopy(PROBLEM))


def _shape(path: str) -> str:
    """A path with every parameter as {}: the document's /courses/{id} and the rule's
    /courses/<int:course_id> have the same shape."""
    return re.sub(r"\{\w+\}|<(?:[^<>:]+:)?\w+>", "{}", path)


@cache
def _query_index() -> dict[tuple[str, str], frozenset[str]]:
    index = {}
    for path, item in openapi_document()["paths"].items():
        for method in METHODS:
            if method in item:
                parameters = [*item.get("parameters", []), *item[method].get("parameters", [])]
                names = frozenset(p["name"] for p in parameters if p.get("in") == "query")
                index[(_shape(path), method)] = names
    return index


def query_parameters(rule: str, method: str) -> frozenset[str] | None:
    """The query parameters the document lists for a route of the API blueprint (None when
    the document does not describe it)."""
    method = "get" if method == "HEAD" else method.lower()
    return _query_index().get((_shape(rule.removeprefix(bp.url_prefix or "")), method))


ANY_OPERATION_QUERY = frozenset({"lang"})  # the language of the answer, on every request


@bp.before_request
def refuse_unknown_query() -> None:
    """The API refuses query parameters the document does not list for the operation: a
    misspelt filter would otherwise quietly answer something else."""
    if request.url_rule is None or request.method == "OPTIONS":
        return
    listed = query_parameters(request.url_rule.rule, request.method)
    if listed is None:
        return
    unknown = [name for name in request.args if name not in listed | ANY_OPERATION_QUERY]
    if unknown:
        raise ValidationFailed(
            _l("Check the highlighted fields."),
            errors={name[:40]: [_l("Unknown query parameter.")] for name in unknown},
        )


@bp.get("/openapi.json")
def openapi():
    return openapi_document()
