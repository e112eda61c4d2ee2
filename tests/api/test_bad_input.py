"""Every class of bad input, sent to every form and JSON endpoint, in Finnish and Swedish.

The classes (issue 9, finding 6): ids beyond the database's integer range (in paths and
bodies), dates in year 1 and 9999, NaN and Infinity, a list or an object where a value
belongs, JSON nested 1,000 deep, a body over the size limit, lone surrogates, NUL and other
control characters (JSON, form fields, query strings), non-ASCII digits in numeric form
fields, unknown fields, and a course that starts in the past.

Each answer must be a client error or an ordinary answer, never a server error, and it must
speak the user's language: problem+json whose every message is a Finnish (or Swedish)
text of the catalogs, or a page marked as Finnish (Swedish) with no English message on it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest
from babel.messages.pofile import read_po

from scheduler.api.docs import openapi_document
from scheduler.boundary.ids import IdConverter
from scheduler.i18n import CATALOG_DIR, HELSINKI, LANGUAGES
from tests.api.conftest import FIGURES
from tests.api.seed import Network, bodies, placeholders, seed_network
from tests.conftest import PASSWORD

HUGE_IDS = (2**31, 10**30)
BAD_DATES = ("0001-01-01", "9999-12-31")
BAD_MOMENTS = ("0001-01-01T10:00", "9999-12-31T23:00")
CONTROL = ("\x00", "\x0b", "\x1b", "\x85")
JSON_CONTROL = ("\\u0000", "\\u000b", "\\u0085", "\\ud800", "\\udfff")
ODD_DIGITS = ("²", "٣", "１２", "1e9", "-1", "99999999999999999999999")
DATE_FIELDS = {"first_session", "application_deadline", "start", "end"}
ID_FIELDS = {"session", "material"}
NUMBER_FIELDS = {
    "duration_minutes", "sessions", "capacity", "session", "present", "quota_05", "quota_03",
    "weight_05", "weight_14", "topics", "facilitators",
}  # fmt: skip
PARAMETERS = {
    "course_id": "closed",
    "session_id": "session",
    "material_id": "material",
    "application_id": "submitted",
    "swap_id": "swap",
    "user_id": "user",
    "token": "waiting",
    "code": "05",
    "language": "fi",
    "action": "decline",
    "filename": "css/site.css",
}


@dataclass
class Case:
    method: str
    path: str
    kind: str  # the bad-input class, for the failure message
    json: Any = None
    data: Any = None
    raw: str | None = None  # a JSON body exactly as written
    expect: set[int] = field(default_factory=set)  # statuses that must be the answer, if any


# --- the endpoints and what a valid request to each looks like ------------------------------


def _concrete(rule: Any, values: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = PARAMETERS[name]
        return str(values.get(value, value))

    return re.sub(r"<(?:[^:<>]+(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def endpoints(app: Any, network: Network) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
    """(method, rule, concrete path, valid body) for every route and method."""
    values = placeholders(network)
    valid = bodies(network, values)
    adapter = app.url_map.bind("localhost")
    known: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for (method, template), body in valid.items():
        path = template.format(**values).split("#")[0]
        rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
        known.setdefault((method, rule.rule), (path, body))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path, body = known.get((method, rule.rule), (_concrete(rule, values), {}))
            yield method, rule, path, body


# --- the bad inputs ---------------------------------------------------------------------------


def _with(body: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    return {**body, name: value}


def _raw_with(body: dict[str, Any], name: str, literal: str) -> str:
    """The body as JSON text with one more member whose value is written as is."""
    text = json.dumps(body)
    member = f'"{name}": {literal}'
    return "{" + member + "}" if text == "{}" else text[:-1] + ", " + member + "}"


def json_cases(method: str, rule: Any, path: str, body: dict[str, Any]) -> Iterator[Case]:
    fields = body.get("json") or {}
    yield Case(method, path, "unknown field", json=_with(fields, "unexpected", 1), expect={422})
    for name in fields:
        for value in ([], {"a": 1}, 10**30, True):
            yield Case(method, path, f"wrong type in {name}", json=_with(fields, name, value))
        if name in DATE_FIELDS:
            bad = BAD_MOMENTS if name == "first_session" else BAD_DATES
            for value in bad:
                yield Case(method, path, f"{name} out of range", json=_with(fields, name, value))
        if name in ID_FIELDS:
            for value in HUGE_IDS:
                yield Case(method, path, f"huge id in {name}", json=_with(fields, name, value))
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        yield Case(method, path, literal, raw=_raw_with(fields, "number", literal), expect={422})
    for escape in JSON_CONTROL:
        raw = _raw_with(fields, "text", f'"a{escape}b"')
        yield Case(method, path, f"string with {escape}", raw=raw, expect={422})
        for name, value in fields.items():
            if isinstance(value, str):
                raw = _raw_with({k: v for k, v in fields.items() if k != name}, name, f'"{escape}"')
                yield Case(method, path, f"{escape} in {name}", raw=raw, expect={422})
    yield Case(method, path, "nested 1,000 deep", raw="[" * 1000 + "]" * 1000, expect={413, 422})
    deep = '{"a": ' * 1000 + "1" + "}" * 1000
    yield Case(method, path, "objects nested 1,000 deep", raw=deep, expect={413, 422})
    yield Case(method, path, "too large", json={"a": "x" * 300_000}, expect={413})


def form_cases(method: str, rule: Any, path: str, body: dict[str, Any]) -> Iterator[Case]:
    fields = body.get("data") or {}
    yield Case(method, path, "control character in a field name", data={"a\x00": "1"})
    for name, value in fields.items():
        text = value if isinstance(value, str) else ""
        for character in CONTROL:
            data = _with(fields, name, f"{text}{character}")
            yield Case(method, path, f"{character!r} in {name}", data=data, expect={422})
        if name in NUMBER_FIELDS:
            for digits in ODD_DIGITS:
                yield Case(method, path, f"{digits} in {name}", data=_with(fields, name, digits))
        if name in DATE_FIELDS:
            for day in BAD_MOMENTS if name == "first_session" else BAD_DATES:
                yield Case(method, path, f"{name} out of range", data=_with(fields, name, day))


# Query parameters that are dates or numbers, per route.
QUERY_DATES = {
    "/planner/rotation": ("from",),
    "/planner/reports/hosting": ("from", "to"),
    "/reports/languages": ("from", "to"),
    "/api/v1/reports/hosting": ("from", "to"),
    "/api/v1/reports/languages": ("from", "to"),
    "/api/v1/regions/<code>/closures": ("since",),
    "/api/v1/reports/ledger": ("from", "to"),
    "/planner/reports/ledger": ("from", "to"),
    "/planner/reports/ledger.csv": ("from", "to"),
    "/api/v1/audit": ("from", "to"),
    "/planner/audit": ("from", "to"),
}
QUERY_NUMBERS = {
    "/courses": ("page",),
    "/planner/rotation": ("weeks",),
    "/materials": ("page",),
    "/materials/my-sessions": ("weeks",),
    "/reports/year": ("year",),
    "/planner/my-sessions": ("weeks",),
    "/api/v1/audit": ("course", "before", "limit"),
    "/planner/audit": ("course", "before", "limit"),
}


def query_cases(rule: Any, path: str) -> Iterator[Case]:
    joiner = "&" if "?" in path else "?"
    for character in ("%00", "%C2%85"):
        yield Case("GET", f"{path}{joiner}q=a{character}b", f"query with {character}")
    for name in QUERY_DATES.get(rule.rule, ()):
        for day in BAD_DATES:
            yield Case("GET", f"{path}{joiner}{name}={day}", f"{name}={day}")
    for name in QUERY_NUMBERS.get(rule.rule, ()):
        for digits in ("%C2%B2", "%D9%A3", "99999999999999999999999"):
            yield Case("GET", f"{path}{joiner}{name}={digits}", f"{name}={digits}")


def path_cases(method: str, rule: Any, path: str, body: dict[str, Any]) -> Iterator[Case]:
    """Each id in the path replaced by one beyond the database's range: always 404."""
    segments = rule.rule.split("/")
    concrete = path.split("?")[0].split("/")
    for name, converter in rule._converters.items():
        if not isinstance(converter, IdConverter):
            continue
        placeholder = re.compile(rf"<[^<>]*:{name}>")
        for huge in HUGE_IDS:
            parts = [
                placeholder.sub(str(huge), segment) if placeholder.search(segment) else value
                for segment, value in zip(segments, concrete, strict=True)
            ]
            yield Case(method, "/".join(parts), f"huge {name}", **_body_kwargs(body), expect={404})


def _body_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in ("json", "data") if key in body}


def _takes_json(rule: Any, method: str) -> bool:
    """Whether the OpenAPI document gives the operation a JSON body."""
    path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
    path = re.sub(r"\{(course|session|application|swap|user)_id\}", "{id}", path)
    path = path.replace("/materials/{material_id}", "/materials/{id}")
    operation = openapi_document()["paths"].get(path, {}).get(method.lower(), {})
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def all_cases(app: Any, network: Network) -> list[Case]:
    cases: list[Case] = []
    for method, rule, path, body in endpoints(app, network):
        if rule.endpoint == "static":
            continue
        cases.extend(path_cases(method, rule, path, body))
        if method == "GET":
            cases.extend(query_cases(rule, path))
        elif path.startswith("/api/"):
            if _takes_json(rule, method):
                cases.extend(json_cases(method, rule, path, body))
        else:
            cases.extend(form_cases(method, rule, path, body))
    course = bodies(network, placeholders(network))[("POST", "/api/v1/courses")]["json"]
    last_week = (datetime.now(HELSINKI) - timedelta(days=8)).strftime("%Y-%m-%dT10:00")
    cases.append(
        Case(
            "POST",
            "/api/v1/courses",
            "course in the past",
            json={**course, "first_session": last_week},
            expect={422},
        )
    )
    return cases


# --- "in the user's language" -------------------------------------------------------------

PLACEHOLDER = re.compile(r"(%\(\w+\)[sdfr]|%[sd])")


@dataclass(frozen=True)
class Catalog:
    texts: frozenset[str]  # translated texts without placeholders
    patterns: tuple[re.Pattern[str], ...]  # translated texts with placeholders
    english: tuple[str, ...]  # long placeholder-free pieces of English texts that are translated

    def has(self, message: str) -> bool:
        return message in self.texts or any(p.fullmatch(message) for p in self.patterns)


def _pattern(message: str) -> re.Pattern[str]:
    """A catalog text with placeholders as a pattern: they match any words."""
    parts = PLACEHOLDER.split(message)
    return re.compile(
        "".join(".+?" if PLACEHOLDER.fullmatch(part) else re.escape(part) for part in parts),
        re.DOTALL,
    )


@cache
def catalog(language: str) -> Catalog:
    texts: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    english: set[str] = set()
    for path in sorted((CATALOG_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in strings:
                    if PLACEHOLDER.search(text):
                        patterns.append(_pattern(text))
                    else:
                        texts.add(text)
                for text in ids:
                    if text not in strings:
                        pieces = (piece.strip() for piece in PLACEHOLDER.split(text))
                        english.update(piece for piece in pieces if len(piece) >= 24)
    return Catalog(frozenset(texts), tuple(patterns), tuple(sorted(english)))


def speaks(response: Any, language: str) -> str | None:
    """None when the answer is in `language`, else what is wrong."""
    if response.headers.get("Content-Language") not in (None, language):
        return f"Content-Language {response.headers.get('Content-Language')}"
    known = catalog(language)
    if response.mimetype == "application/problem+json":
        if response.headers.get("Content-Language") != language:
            return "problem without Content-Language"
        body = response.get_json()
        messages = [body["title"], body["detail"]]
        messages += [m for found in body.get("errors", {}).values() for m in found]
        for message in messages:
            if message and not known.has(message):
                return f"not a {language} text: {message!r}"
    elif response.mimetype == "text/html":
        if response.headers.get("Content-Language") != language:
            return "page without Content-Language"
        text = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
        page = " ".join(text.split())
        english = next((piece for piece in known.english if piece in page), None)
        if english:
            return f"English on the page: {english!r}"
    return None


# --- the test ---------------------------------------------------------------------------------


@pytest.fixture
def bench(app: Any) -> dict[str, Any]:
    network = seed_network(app)
    client = app.test_client()
    planner = network.staff["planner"]
    signed_in = client.post("/sign-in", data={"email": planner.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    return {
        "network": network,
        "client": client,
        "headers": planner.headers,
        "admin": network.staff["admin"].headers,
    }


def _send(client: Any, case: Case, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers if case.path.startswith("/api/") else {}}
    if case.raw is not None:
        kwargs["data"] = case.raw.encode("utf-8", errors="surrogatepass")
        kwargs["content_type"] = "application/json"
    elif case.json is not None:
        kwargs["json"] = case.json
    elif case.data is not None:
        kwargs["data"] = case.data
    return client.open(case.path, method=case.method, **kwargs)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_bad_input_is_a_server_error_and_every_answer_speaks_the_users_language(
    app, bench, language
):
    client = bench["client"]
    client.set_cookie("lang", language)
    cases = all_cases(app, bench["network"])
    problems = []
    for case in cases:
        response = _send(client, case, bench["headers"])
        if response.status_code == 403 and case.path.startswith("/api/"):
            # An operation for administrators only: send the bad input as one.
            response = _send(client, case, bench["admin"])
        label = f"{case.method} {case.path[:80]} ({case.kind})"
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
            continue
        if case.expect and response.status_code not in case.expect:
            problems.append(f"{label}: {response.status_code}, expected {sorted(case.expect)}")
            continue
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            response = client.get(response.location)
        wrong = speaks(response, language)
        if wrong:
            problems.append(f"{label}: {wrong}")
    FIGURES[f"bad input {language}"] = (
        f"bad input ({language}): {len(cases)} cases, {len(problems)} problems"
    )
    assert problems == [], f"{len(problems)} of {len(cases)}:\n" + "\n".join(problems[:400])


def test_the_language_check_notices_english_and_the_other_language(app):
    from werkzeug.wrappers import Response

    def problem(language: str, detail: str) -> Any:
        body = {"type": "t", "title": "Virheelliset tiedot", "status": 422, "detail": detail}
        response = Response(json.dumps(body), 422, mimetype="application/problem+json")
        response.headers["Content-Language"] = language
        return response

    assert speaks(problem("fi", "Tarkista korostetut kentät."), "fi") is None
    assert speaks(problem("fi", "Check the highlighted fields."), "fi") is not None
    assert speaks(problem("fi", "Kontrollera de markerade fälten."), "fi") is not None
    assert speaks(problem("sv", "Tarkista korostetut kentät."), "sv") is not None
    english = (
        "<p>The field “q” has a character we cannot save (a control character). "
        "Please remove it and send again.</p>"
    )
    page = Response(english, 422, mimetype="text/html", headers={"Content-Language": "fi"})
    assert speaks(page, "fi") is not None
