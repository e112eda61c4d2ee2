"""The OpenAPI 3 description of the API, served at /api/v1/openapi.json.

scheduler/api/openapi.json holds the frame and the shared parts; each domain package may
keep an openapi.json fragment with its own "paths" and "components", merged in here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from scheduler.api import bp

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SPEC_FILE = Path(__file__).with_name("openapi.json")


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
    return document


@bp.get("/openapi.json")
def openapi():
    return openapi_document()
