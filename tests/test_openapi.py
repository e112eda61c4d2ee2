"""The OpenAPI document describes every API route."""

from __future__ import annotations

import re


def _shape(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path)


def test_every_api_route_is_documented(app, client):
    documented = {_shape(path) for path in client.get("/api/v1/openapi.json").get_json()["paths"]}
    routes = {
        _shape(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)[len("/api/v1") :])
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes - documented == set()
