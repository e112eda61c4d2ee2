"""The lifecycle and log endpoints are described in /api/v1/openapi.json, next to the
operations other packages document on the same paths."""


def test_lifecycle_operations_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert {"get", "patch"} <= set(paths["/courses/{id}"])
    assert {"get", "post"} <= set(paths["/courses/{id}/sessions"])
    for path in ("/courses/{id}/cancel", "/courses/{id}/copy", "/sessions/{id}/cancel"):
        assert "post" in paths[path], path
    assert "get" in paths["/audit"]
    update = document["components"]["schemas"]["SessionUpdate"]["properties"]
    assert {"starts_at", "duration_minutes", "status", "host_region"} <= set(update)
    course = document["components"]["schemas"]["Course"]["properties"]
    assert course["status"]["enum"] == ["active", "cancelled"]
    schemas = document["components"]["schemas"]
    assert {"CoursePatch", "CancelInput", "AddSessionsInput", "CopyInput", "AuditEntry"} <= set(
        schemas
    )
