"""The rotation endpoints are described in /api/v1/openapi.json."""


def test_rotation_paths_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert "post" in paths["/courses/{id}/plan"]
    assert "patch" in paths["/sessions/{id}"]
    assert "post" in paths["/regions/{code}/closures"]
    assert "post" in paths["/sessions/{id}/swap-requests"]
    assert "get" in paths["/swap-requests"]
    for action in ("accept", "decline"):
        assert "post" in paths[f"/swap-requests/{{id}}/{action}"]
    assert "get" in paths["/reports/hosting"]
    schemas = document["components"]["schemas"]
    assert {"SwapRequest", "Closure", "HostingReport", "Session", "Problem"} <= set(schemas)
