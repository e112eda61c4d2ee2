"""Who may do what: every route of the app (pages and API, every method) × five callers.

The callers: anonymous; a facilitator of region 05; a planner of 05, which takes part in the
seeded courses; a planner of 21, which takes part in none; an administrator. Pages are asked
with a signed-in browser session, the API with each caller's bearer token.

MATRIX is the table of expected statuses. A route of app.url_map without a row fails
test_every_route_has_a_row: a new route needs its row (and so a decision about who may
use it). Requests that change data are each made on a fresh copy of the seeded network.

Reading the statuses: 302 from a page for anonymous is the redirect to sign-in (or a form's
redirect after success, with a message); 303 a redirect after a form; 401/403 refused; 404
unknown or not visible; 409/422 allowed in, then refused by the rules of the data.

Issue 9's region rules are rows too: a planner sets only their own region's quota
(#other-region: the API answers 403, the page with a message), and a material a user cannot
see ({hidden}) is 404 to every verb wherever the user may act on the session. Closure reasons
are checked by the test at the end.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from tests.api.conftest import FIGURES
from tests.api.seed import Network, bodies, placeholders, restore, seed_network, snapshot
from tests.conftest import PASSWORD

ROLES = ("anonymous", "facilitator", "planner", "other", "admin")


class Row(NamedTuple):
    method: str
    path: str  # with {placeholders} from placeholders(); a #fragment tells rows apart
    statuses: tuple[int, ...]  # in ROLES order


def row(method: str, path: str, *statuses: int) -> Row:
    assert len(statuses) == len(ROLES)
    return Row(method, path, statuses)


# fmt: off
MATRIX = [
    #   method    concrete path (see placeholders())                    anon fac  plan oth  adm
    # --- public pages ------------------------------------------------------------------------
    row("GET",    "/",                                                   302, 302, 302, 302, 302),
    row("GET",    "/accessibility",                                      200, 200, 200, 200, 200),
    row("GET",    "/healthz",                                            200, 200, 200, 200, 200),
    row("GET",    "/readyz",                                             200, 200, 200, 200, 200),
    row("GET",    "/check",                                              200, 200, 200, 200, 200),
    row("GET",    "/language/sv",                                        302, 302, 302, 302, 302),
    row("GET",    "/static/css/site.css",                                200, 200, 200, 200, 200),
    row("GET",    "/sign-in",                                            200, 200, 200, 200, 200),
    row("POST",   "/sign-in",                                            422, 422, 422, 422, 422),
    row("GET",    "/regions",                                            200, 200, 200, 200, 200),
    row("GET",    "/regions/05",                                         200, 200, 200, 200, 200),
    row("GET",    "/courses",                                            200, 200, 200, 200, 200),
    row("GET",    "/courses?q=ryhm%C3%A4&region=05&page=2#search",      200, 200, 200, 200, 200),
    row("GET",    "/courses/{closed}",                                   200, 200, 200, 200, 200),
    row("GET",    "/courses/{closed}/apply",                             200, 200, 200, 200, 200),
    row("POST",   "/courses/{closed}/apply",                             303, 303, 303, 303, 303),
    row("GET",    "/courses/{closed}/apply/sent",                        200, 200, 200, 200, 200),
    row("GET",    "/feedback/thanks",                                    200, 200, 200, 200, 200),
    row("GET",    "/feedback/no-such-invite",                            404, 404, 404, 404, 404),
    row("POST",   "/feedback/no-such-invite",                            404, 404, 404, 404, 404),
    row("GET",    "/feedback/course/{open}",                             409, 409, 409, 409, 409),
    row("POST",   "/feedback/course/{open}",                             409, 409, 409, 409, 409),
    # --- personal links: the token is the key, whoever is signed in --------------------------
    row("GET",    "/my/{token}",                                         200, 200, 200, 200, 200),
    row("GET",    "/my/not-a-token",                                     404, 404, 404, 404, 404),
    row("GET",    "/my/{token}/data.json",                               200, 200, 200, 200, 200),
    row("GET",    "/my/{token}/card",                                    200, 200, 200, 200, 200),
    row("GET",    "/my/not-a-token/card",                                404, 404, 404, 404, 404),
    row("GET",    "/m/{short}",                                          302, 302, 302, 302, 302),
    row("GET",    "/m/not-a-code",                                       404, 404, 404, 404, 404),
    row("GET",    "/j/{short}",                                          302, 302, 302, 302, 302),
    row("GET",    "/j/not-a-code",                                       404, 404, 404, 404, 404),
    row("GET",    "/my/{waiting}/withdraw",                              200, 200, 200, 200, 200),
    row("POST",   "/my/{waiting}/withdraw",                              303, 303, 303, 303, 303),
    row("GET",    "/my/{token}/card",                                    200, 200, 200, 200, 200),
    row("GET",    "/my/{waiting}/card",                                  303, 303, 303, 303, 303),
    row("GET",    "/m/not-a-short-code",                                 404, 404, 404, 404, 404),
    row("GET",    "/j/not-a-short-code",                                 404, 404, 404, 404, 404),
    # --- joining: a closed course only by personal link, or as staff of its regions ----------
    row("GET",    "/join/{open}",                                        200, 200, 200, 200, 200),
    row("GET",    "/join/{open}/go",                                     409, 409, 409, 409, 409),
    row("GET",    "/join/{closed}/go",                                   403, 409, 409, 403, 409),
    row("POST",   "/join/{open}/region",                                 303, 303, 303, 303, 303),
    row("GET",    "/join/p/{token}",                                     200, 200, 200, 200, 200),
    row("GET",    "/join/p/{token}/go",                                  409, 409, 409, 409, 409),
    row("GET",    "/join/p/{waiting}/go",                                403, 403, 403, 403, 403),
    # --- calendars: feeds open with their secret token ---------------------------------------
    row("GET",    "/calendar/courses/{closed}.ics",                      200, 200, 200, 200, 200),
    row("GET",    "/calendar/sessions/{session}.ics",                    200, 200, 200, 200, 200),
    row("GET",    "/calendar/regions/05.ics?token={region_feed}",        200, 200, 200, 200, 200),
    row("GET",    "/calendar/regions/05.ics",                            404, 404, 404, 404, 404),
    row("GET",    "/calendar/f/{own_feed}.ics",                          200, 200, 200, 200, 200),
    row("GET",    "/calendar/p/{token}.ics",                             200, 200, 200, 200, 200),
    row("GET",    "/planner/calendars",                                  302, 200, 200, 200, 200),
    row("POST",   "/planner/calendars/own",                              302, 200, 200, 200, 403),
    row("POST",   "/planner/calendars/region",                           302, 403, 200, 200, 200),
    # --- staff pages: courses, applicants, rotation ------------------------------------------
    row("GET",    "/planner",                                            302, 302, 200, 200, 200),
    row("GET",    "/planner/courses/new",                                302, 403, 200, 200, 200),
    row("POST",   "/planner/courses/new",                                302, 403, 302, 422, 302),
    row("GET",    "/planner/applications",                               302, 403, 200, 200, 200),
    row("GET",    "/planner/courses/{closed}/applications",              302, 403, 200, 403, 200),
    row("POST",   "/planner/applications/{submitted}/decision",          302, 403, 303, 403, 303),
    row("POST",   "/planner/courses/{closed}/quotas",                    302, 403, 303, 303, 303),
    row("POST",   "/planner/courses/{closed}/quotas#other-region",       302, 403, 303, 303, 303),
    row("POST",   "/planner/courses/{closed}/fill-from-waitlist",        302, 403, 303, 403, 303),
    row("GET",    "/planner/rotation",                                   302, 200, 200, 200, 200),
    row("GET",    "/planner/courses/{closed}/rotation",                  302, 200, 200, 200, 200),
    row("POST",   "/planner/courses/{closed}/plan",                      302, 403, 302, 403, 302),
    row("GET",    "/planner/sessions/{session}/host",                    302, 403, 200, 403, 200),
    row("POST",   "/planner/sessions/{session}/host",                    302, 403, 302, 403, 302),
    row("POST",   "/planner/sessions/{session}/status",                  302, 403, 302, 403, 302),
    row("GET",    "/planner/sessions/{session}/swap",                    302, 403, 200, 403, 200),
    row("POST",   "/planner/sessions/{session}/swap",                    302, 403, 302, 403, 302),
    row("GET",    "/planner/swap-requests",                              302, 403, 200, 200, 200),
    row("POST",   "/planner/swap-requests/{swap}/decline",               302, 403, 403, 403, 302),
    row("POST",   "/planner/swap-requests/{swap}/withdraw",              302, 403, 302, 403, 302),
    row("GET",    "/planner/closures",                                   302, 403, 200, 200, 200),
    row("POST",   "/planner/closures",                                   302, 403, 302, 302, 302),
    row("GET",    "/planner/reports/hosting",                            302, 403, 200, 200, 200),
    row("GET",    "/planner/meetings",                                   302, 200, 200, 200, 200),
    row("GET",    "/planner/outbox",                                     302, 403, 403, 403, 200),
    # --- staff pages: follow-up --------------------------------------------------------------
    row("GET",    "/planner/followup",                                   302, 200, 200, 200, 200),
    row("GET",    "/planner/courses/{closed}/attendance",                302, 200, 200, 403, 200),
    row("GET",    "/planner/sessions/{session}/attendance",              302, 200, 200, 403, 200),
    row("POST",   "/planner/sessions/{session}/attendance",              302, 422, 422, 403, 422),
    row("GET",    "/planner/courses/{closed}/feedback",                  302, 403, 200, 403, 200),
    # --- staff pages: materials and translations ---------------------------------------------
    row("GET",    "/materials",                                          302, 200, 200, 200, 200),
    row("GET",    "/materials/new",                                      302, 200, 200, 200, 200),
    row("POST",   "/materials/new",                                      302, 302, 302, 403, 302),
    row("GET",    "/materials/{material}",                               302, 200, 200, 200, 200),
    row("GET",    "/materials/{hidden}",                                 302, 404, 404, 404, 200),
    row("GET",    "/materials/{material}/fi/download",                   401, 302, 302, 302, 302),
    row("GET",    "/materials/{hidden}/fi/download",                     401, 404, 404, 404, 302),
    row("GET",    "/materials/{material}/versions/new?language=sv",      302, 200, 200, 403, 200),
    row("POST",   "/materials/{material}/versions/new?language=sv",      302, 302, 302, 403, 302),
    row("POST",   "/materials/{material}/attach",                        302, 302, 302, 302, 302),
    row("POST",   "/materials/{material2}/translation-requests",         302, 302, 302, 302, 302),
    row("GET",    "/materials/my-sessions",                              301, 301, 301, 301, 301),
    row("POST",   "/sessions/{first}/materials/{material}/remove",       302, 302, 302, 302, 302),
    row("GET",    "/translations",                                       302, 200, 200, 200, 200),
    row("GET",    "/translations/missing",                               302, 200, 200, 200, 200),
    row("POST",   "/courses/{open}/translation-requests",                302, 302, 302, 302, 302),
    row("GET",    "/courses/{open}/texts",                               302, 403, 200, 403, 200),
    row("POST",   "/courses/{open}/texts",                               302, 403, 302, 403, 302),
    # --- staff pages: course lifecycle, the desk, the ledger -----------------------------------
    row("GET",    "/planner/courses/{closed}/manage",                    302, 403, 200, 403, 200),
    row("GET",    "/planner/courses/{closed}/edit",                      302, 403, 200, 403, 200),
    row("POST",   "/planner/courses/{closed}/edit",                      302, 403, 422, 403, 422),
    row("GET",    "/planner/courses/{closed}/cancel",                    302, 403, 200, 403, 200),
    row("POST",   "/planner/courses/{closed}/cancel",                    302, 403, 302, 403, 302),
    row("GET",    "/planner/courses/{closed}/copy",                      302, 403, 200, 403, 200),
    row("POST",   "/planner/courses/{closed}/copy",                      302, 403, 302, 403, 302),
    row("POST",   "/planner/courses/{closed}/sessions",                  302, 403, 302, 403, 302),
    row("GET",    "/planner/sessions/{session}/move",                    302, 403, 200, 403, 200),
    row("POST",   "/planner/sessions/{session}/move",                    302, 403, 302, 403, 302),
    row("GET",    "/planner/sessions/{session}/cancel",                  302, 403, 200, 403, 200),
    row("POST",   "/planner/sessions/{session}/cancel",                  302, 403, 302, 403, 302),
    row("GET",    "/planner/courses/{closed}/participants.csv",          302, 403, 200, 403, 200),
    row("GET",    "/planner/my-sessions",                                302, 200, 200, 200, 200),
    row("GET",    "/planner/audit",                                      302, 403, 200, 200, 200),
    row("GET",    "/planner/reports/ledger",                             302, 403, 200, 200, 200),
    row("GET",    "/planner/reports/ledger.csv",                         302, 403, 200, 200, 200),
    row("GET",    "/planner/reports/ledger/preview",                     302, 403, 200, 200, 200),
    row("GET",    "/planner/outbox",                                     302, 403, 403, 403, 200),
    # --- staff accounts and passwords --------------------------------------------------------
    row("GET",    "/planner/users",                                      302, 403, 200, 200, 200),
    row("GET",    "/planner/users/new",                                  302, 403, 200, 200, 200),
    row("POST",   "/planner/users/new",                                  302, 403, 302, 302, 302),
    row("GET",    "/planner/users/{user}",                               302, 403, 403, 403, 200),
    row("POST",   "/planner/users/{user}",                               302, 403, 403, 403, 302),
    row("POST",   "/planner/users/{user}/active",                        302, 403, 403, 403, 302),
    row("POST",   "/planner/users/{user}/invitation",                    302, 403, 302, 404, 302),
    row("GET",    "/account/password",                                   302, 200, 200, 200, 200),
    row("POST",   "/account/password",                                   302, 422, 422, 422, 422),
    row("GET",    "/sign-in/forgot",                                     200, 200, 200, 200, 200),
    row("POST",   "/sign-in/forgot",                                     200, 200, 200, 200, 200),
    row("GET",    "/account/set-password/no-such-link",                  404, 404, 404, 404, 404),
    row("POST",   "/account/set-password/no-such-link",                  404, 404, 404, 404, 404),
    # --- staff pages: reports ----------------------------------------------------------------
    row("GET",    "/reports/languages",                                  302, 403, 200, 200, 200),
    row("GET",    "/reports/year",                                       302, 200, 200, 200, 200),
    # --- the JSON API: public ----------------------------------------------------------------
    row("GET",    "/api/v1/openapi.json",                                200, 200, 200, 200, 200),
    row("GET",    "/api/v1/regions",                                     200, 200, 200, 200, 200),
    row("GET",    "/api/v1/courses",                                     200, 200, 200, 200, 200),
    row("GET",    "/api/v1/courses/{closed}",                            200, 200, 200, 200, 200),
    row("GET",    "/api/v1/courses/{closed}/sessions",                   200, 200, 200, 200, 200),
    row("POST",   "/api/v1/courses/{closed}/applications",               201, 201, 201, 201, 201),
    row("POST",   "/api/v1/applications/withdraw",                       200, 200, 200, 200, 200),
    # --- the JSON API: courses, applicants, rotation -----------------------------------------
    row("POST",   "/api/v1/courses",                                     401, 403, 201, 403, 201),
    row("GET",    "/api/v1/courses/{closed}/applications",               401, 403, 200, 403, 200),
    row("POST",   "/api/v1/applications/{submitted}/decision",           401, 403, 200, 403, 200),
    row("POST",   "/api/v1/applications/{from_14}/decision",             401, 403, 403, 403, 200),
    row("POST",   "/api/v1/courses/{closed}/fill-from-waitlist",         401, 403, 409, 403, 409),
    row("GET",    "/api/v1/courses/{closed}/quotas",                     401, 403, 200, 403, 200),
    row("PUT",    "/api/v1/courses/{closed}/quotas",                     401, 403, 200, 403, 200),
    row("PUT",    "/api/v1/courses/{closed}/quotas#other-region",        401, 403, 403, 403, 200),
    row("POST",   "/api/v1/courses/{closed}/plan",                       401, 403, 200, 403, 200),
    row("PATCH",  "/api/v1/sessions/{session}",                          401, 403, 200, 403, 200),
    row("POST",   "/api/v1/sessions/{session}/swap-requests",            401, 403, 201, 403, 201),
    row("GET",    "/api/v1/swap-requests",                               401, 403, 200, 200, 200),
    row("POST",   "/api/v1/swap-requests/{swap}/accept",                 401, 403, 403, 403, 200),
    row("POST",   "/api/v1/swap-requests/{swap}/decline",                401, 403, 403, 403, 200),
    row("POST",   "/api/v1/swap-requests/{swap}/withdraw",               401, 403, 200, 403, 200),
    row("GET",    "/api/v1/regions/05/closures",                         401, 403, 200, 200, 200),
    row("POST",   "/api/v1/regions/05/closures",                         401, 403, 201, 403, 201),
    row("GET",    "/api/v1/reports/hosting",                             401, 403, 200, 200, 200),
    row("GET",    "/api/v1/reports/languages",                           401, 403, 200, 200, 200),
    # --- the JSON API: follow-up -------------------------------------------------------------
    row("GET",    "/api/v1/sessions/{session}/attendance",               401, 200, 200, 403, 200),
    row("PUT",    "/api/v1/sessions/{session}/attendance",               401, 409, 409, 403, 409),
    row("GET",    "/api/v1/courses/{closed}/attendance",                 401, 403, 200, 403, 200),
    row("GET",    "/api/v1/courses/{closed}/feedback",                   401, 403, 200, 403, 200),
    # --- the JSON API: materials and translations --------------------------------------------
    row("GET",    "/api/v1/materials",                                   401, 200, 200, 200, 200),
    row("POST",   "/api/v1/materials",                                   401, 201, 201, 403, 201),
    row("GET",    "/api/v1/materials/{material}",                        401, 200, 200, 200, 200),
    row("GET",    "/api/v1/materials/{hidden}",                          401, 404, 404, 404, 200),
    row("POST",   "/api/v1/materials/{material}/versions",               401, 201, 201, 403, 201),
    row("POST",   "/api/v1/materials/{hidden}/versions",                 401, 404, 404, 404, 201),
    row("POST",   "/api/v1/materials/{material2}/translation-requests",  401, 201, 201, 201, 403),
    row("POST",   "/api/v1/courses/{open}/translation-requests",         401, 201, 201, 201, 403),
    row("POST",   "/api/v1/courses/{open}/texts",                        401, 403, 200, 403, 200),
    row("GET",    "/api/v1/translation-requests",                        401, 200, 200, 200, 200),
    row("GET",    "/api/v1/sessions/{first}/materials",                  401, 200, 200, 200, 200),
    row("POST",   "/api/v1/sessions/{first}/materials",                  401, 201, 201, 403, 201),
    row("DELETE", "/api/v1/sessions/{first}/materials/{material}",       401, 204, 204, 403, 204),
    row("DELETE", "/api/v1/sessions/{first}/materials/{hidden}",         401, 404, 404, 403, 204),
    # --- the JSON API: course lifecycle, the ledger, the change log, staff accounts -----------
    row("PATCH",  "/api/v1/courses/{closed}",                            401, 403, 200, 403, 200),
    row("POST",   "/api/v1/courses/{closed}/cancel",                     401, 403, 200, 403, 200),
    row("POST",   "/api/v1/courses/{closed}/copy",                       401, 403, 201, 403, 201),
    row("POST",   "/api/v1/courses/{closed}/sessions",                   401, 403, 201, 403, 201),
    row("POST",   "/api/v1/sessions/{session}/cancel",                   401, 403, 200, 403, 200),
    row("GET",    "/api/v1/reports/ledger",                              401, 403, 200, 200, 200),
    row("GET",    "/api/v1/reports/ledger/preview",                      401, 403, 200, 200, 200),
    row("GET",    "/api/v1/audit",                                       401, 403, 200, 200, 200),
    row("GET",    "/api/v1/users",                                       401, 403, 200, 200, 200),
    row("POST",   "/api/v1/users",                                       401, 403, 201, 403, 201),
    row("GET",    "/api/v1/users/{user}",                                401, 403, 200, 404, 200),
    row("PATCH",  "/api/v1/users/{user}",                                401, 403, 403, 403, 200),
    row("POST",   "/api/v1/users/{user}/invitation",                     401, 403, 409, 404, 409),
    # --- last, as it ends the browser session ------------------------------------------------
    row("POST",   "/sign-out",                                           302, 302, 302, 302, 302),
]
# fmt: on


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """The seeded network, a signed-in browser per caller, and the rows to put back."""
    network = seed_network(app)
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            staff = network.staff[role]
            signed_in = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
            assert signed_in.status_code == 302, role
        clients[role] = client
    values = placeholders(network)
    return {
        "network": network,
        "clients": clients,
        "values": values,
        "bodies": bodies(network, values),
        "rows": snapshot(app),
        "changed": False,
    }


def _ask(app: Any, world: dict[str, Any], entry: Row, role: str) -> int:
    network: Network = world["network"]
    path = entry.path.format(**world["values"]).split("#")[0]
    headers = {}
    if path.startswith("/api/") and role != "anonymous":
        headers = network.staff[role].headers
    if world["changed"]:
        restore(app, world["rows"])  # every change starts from the same data
    body = world["bodies"].get((entry.method, entry.path), {})
    response = world["clients"][role].open(path, method=entry.method, headers=headers, **body)
    # A refused request changes nothing; failed sign-ins are counted, so they are undone too.
    world["changed"] = entry.method != "GET" and (response.status_code < 400 or "sign" in path)
    return response.status_code


def _rule_of(app: Any, entry: Row, values: dict[str, Any]) -> str:
    """The url_map rule the row's concrete path reaches with its method."""
    path = entry.path.format(**values).split("#")[0].split("?")[0]
    adapter = app.url_map.bind("localhost")
    rule, _arguments = adapter.match(path, method=entry.method, return_rule=True)
    return rule.rule


def test_every_route_has_a_row(app, world):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(entry.method, _rule_of(app, entry, world["values"])) for entry in MATRIX}
    assert rules - covered == set(), "add these routes to MATRIX with their expected statuses"


def test_permission_matrix(app, world):
    wrong = []
    for entry in MATRIX:
        for role, expected in zip(ROLES, entry.statuses, strict=True):
            status = _ask(app, world, entry, role)
            if status != expected:
                wrong.append(
                    f"{entry.method} {entry.path} as {role}: {status}, expected {expected}"
                )
    routes = {(entry.method, _rule_of(app, entry, world["values"])) for entry in MATRIX}
    FIGURES["permissions"] = (
        f"permission matrix: {len(routes)} routes (method × rule) in {len(MATRIX)} rows × "
        f"{len(ROLES)} callers = {len(MATRIX) * len(ROLES)} requests"
    )
    assert wrong == [], "\n".join(wrong)


def test_other_regions_see_closure_dates_but_not_reasons(client, world):
    """The status is the same for every planner (the matrix); the reason is not."""
    network: Network = world["network"]
    own = client.get("/api/v1/regions/05/closures", headers=network.staff["planner"].headers)
    other = client.get("/api/v1/regions/05/closures", headers=network.staff["other"].headers)
    assert own.get_json()["closures"][0]["reason"] == "Remontti"
    assert other.status_code == 200
    assert other.get_json()["closures"][0].get("reason") in (None, "")
