"""Finding 3 of issue 9: a material a user cannot see answers 404 to every verb.

Before, a planner of a participating region could detach another region's private
material from a session (API and page form), and 204 versus 404 told which hidden ids
were attached.
"""

from __future__ import annotations

from scheduler.content.models import SessionMaterial
from scheduler.extensions import db
from tests.content.conftest import sign_in


def _attached(app, session_id: int) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                db.select(SessionMaterial.material_id).where(
                    SessionMaterial.session_id == session_id
                )
            )
        )


def test_hidden_materials_answer_404_to_every_verb(
    app, client, make_user, make_course, create_material
):
    course = make_course()  # regions 03, 05, 14
    session_id = course["sessions"][0]["id"]
    owner = make_user("facilitator", "05")
    hidden = create_material(owner, sharing="region")  # seen by region 05 and admins only
    hidden_unattached = create_material(owner, sharing="region")
    shared = create_material(owner)
    url = f"/api/v1/sessions/{session_id}/materials"
    for material in (hidden, shared):
        response = client.post(url, json={"material": material["id"]}, headers=owner.headers)
        assert response.status_code == 201
    outsider = make_user("planner", "03")  # takes part in the course, cannot see `hidden`

    # Detaching: attached-but-hidden and not-attached-and-hidden answer exactly alike.
    attached_answer = client.delete(f"{url}/{hidden['id']}", headers=outsider.headers)
    unattached_answer = client.delete(f"{url}/{hidden_unattached['id']}", headers=outsider.headers)
    missing_answer = client.delete(f"{url}/999999", headers=outsider.headers)
    assert attached_answer.status_code == unattached_answer.status_code == 404
    assert attached_answer.get_json() == unattached_answer.get_json() == missing_answer.get_json()
    # Every other verb on it: read, attach, add a version, ask for a translation.
    assert (
        client.get(f"/api/v1/materials/{hidden['id']}", headers=outsider.headers).status_code == 404
    )
    assert (
        client.post(url, json={"material": hidden["id"]}, headers=outsider.headers).status_code
        == 404
    )
    version = {"language": "sv", "url": "https://example.org/sv"}
    assert (
        client.post(
            f"/api/v1/materials/{hidden['id']}/versions", json=version, headers=outsider.headers
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/materials/{hidden['id']}/translation-requests",
            json={"language": "sv"},
            headers=outsider.headers,
        ).status_code
        == 404
    )
    # The page forms too.
    sign_in(client, outsider)
    page = client.post(f"/sessions/{session_id}/materials/{hidden['id']}/remove")
    assert page.status_code == 404
    assert (
        client.post(
            f"/materials/{hidden['id']}/attach", data={"session": str(session_id)}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/materials/{hidden['id']}/translation-requests", data={"language": "sv"}
        ).status_code
        == 404
    )
    assert _attached(app, session_id) == {hidden["id"], shared["id"]}

    # What the user can see, they can detach.
    client.post("/sign-out")
    assert client.delete(f"{url}/{shared['id']}", headers=outsider.headers).status_code == 204
    assert _attached(app, session_id) == {hidden["id"]}
    # The owner region still can detach its own.
    assert client.delete(f"{url}/{hidden['id']}", headers=owner.headers).status_code == 204
    assert _attached(app, session_id) == set()
