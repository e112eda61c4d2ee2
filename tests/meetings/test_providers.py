"""Meeting providers: static links, Jitsi rooms and JWTs, BigBlueButton against a fake server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from scheduler.meetings import (
    BigBlueButtonProvider,
    JitsiProvider,
    Joiner,
    MeetingProvider,
    MeetingRef,
    ProviderError,
    ProviderNotConfigured,
    StaticProvider,
    build_provider,
    configured_providers,
    validate_static_url,
)

from .fake_bbb import FakeBBB, verify_checksum

SECRET = "bbb-shared-secret-0123456789abcdef"
APP_SECRET = "jitsi-app-secret-0123456789abcdef-0123456789"
NOW = datetime(2027, 3, 1, 9, 50, tzinfo=UTC)
STARTS = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=90)


def meeting(provider: MeetingProvider, key: str = "course-7") -> MeetingRef:
    return provider.ensure_meeting(
        key=key, title="Hyvinvointi, uni & lepo", starts_at=STARTS, ends_at=ENDS
    )


@pytest.fixture
def bbb() -> Iterator[FakeBBB]:
    with FakeBBB(SECRET, slow_seconds=5) as server:
        yield server


def bbb_config(server: FakeBBB, **extra: Any) -> dict[str, Any]:
    return {"BBB_URL": server.url, "BBB_SECRET": SECRET, "MEETING_HTTP_TIMEOUT": 1, **extra}


# --- configuration ----------------------------------------------------------------------------


def test_configured_providers() -> None:
    assert configured_providers({}) == {"static"}
    assert configured_providers({"JITSI_BASE_URL": "https://meet.example.fi"}) == {"static"}
    assert configured_providers(
        {"JITSI_BASE_URL": "https://meet.example.fi", "SECRET_KEY": "s" * 32}
    ) == {"static", "jitsi"}
    assert configured_providers({"BBB_URL": "https://bbb.example.fi/bigbluebutton/api/"}) == {
        "static"
    }
    full = {
        "JITSI_BASE_URL": "https://meet.example.fi",
        "JITSI_APP_ID": "etapaiva",
        "JITSI_APP_SECRET": APP_SECRET,
        "BBB_URL": "https://bbb.example.fi/bigbluebutton/api/",
        "BBB_SECRET": SECRET,
        "JITSI_UNUSED": "",
    }
    assert configured_providers(full) == {"static", "jitsi", "bigbluebutton"}
    assert configured_providers({"BBB_URL": "", "BBB_SECRET": "", "JITSI_BASE_URL": " "}) == {
        "static"
    }


def test_build_provider_refuses_what_is_not_configured() -> None:
    with pytest.raises(ProviderNotConfigured):
        build_provider("jitsi", {"SECRET_KEY": "s" * 32})
    with pytest.raises(ProviderNotConfigured):
        build_provider("jitsi", {"JITSI_BASE_URL": "https://meet.example.fi"})
    with pytest.raises(ProviderNotConfigured):
        build_provider("bigbluebutton", {"BBB_URL": "https://bbb.example.fi/bigbluebutton/api/"})
    with pytest.raises(ProviderNotConfigured):
        build_provider("teams", {})
    with pytest.raises(ProviderNotConfigured):
        build_provider(
            "jitsi",
            {"JITSI_BASE_URL": "https://meet.example.fi", "JITSI_APP_ID": "x", "SECRET_KEY": "s"},
        )
    with pytest.raises(ProviderNotConfigured):
        build_provider(
            "bigbluebutton",
            {
                "BBB_URL": "https://b.example/bigbluebutton/api/",
                "BBB_SECRET": "x",
                "MEETING_HTTP_TIMEOUT": "soon",
            },
        )


def test_providers_keep_the_protocol() -> None:
    config = {
        "JITSI_BASE_URL": "https://meet.example.fi",
        "SECRET_KEY": "s" * 32,
        "BBB_URL": "https://bbb.example.fi/bigbluebutton/api/",
        "BBB_SECRET": SECRET,
    }
    for name in ("static", "jitsi", "bigbluebutton"):
        provider = build_provider(name, config, static_url="https://teams.example.com/l/x")
        assert isinstance(provider, MeetingProvider)
        assert provider.name == name


# --- static -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "error"),
    [
        (
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=x",
            None,
        ),
        ("https://zoom.us/j/123456789?pwd=abc", None),
        ("HTTPS://Example.FI/room", None),
        ("", "required"),
        (None, "required"),
        ("http://zoom.us/j/1", "not_https"),
        ("javascript:alert(1)", "not_https"),
        ("ftp://example.fi/x", "not_https"),
        ("https://", "invalid"),
        ("https://user:pw@evil.example/", "invalid"),
        ("https://example.fi/a b", "invalid"),
        ("https://example.fi/a\nb", "invalid"),
        ("https://example.fi:99999/", "invalid"),
        ("https://example.fi/" + "a" * 2000, "too_long"),
    ],
)
def test_validate_static_url(url: str | None, error: str | None) -> None:
    assert validate_static_url(url) == error


def test_static_provider() -> None:
    url = "https://teams.microsoft.com/l/meetup-join/abc"
    provider = build_provider("static", {}, static_url=url)
    ref = meeting(provider)
    assert ref == MeetingRef(provider="static", external_id=url)
    assert meeting(provider) == ref
    # Joining needs only the stored ref, not the pasted URL.
    assert build_provider("static", {}).join_url(ref, Joiner("Osallistuja"), now=NOW) == url
    with pytest.raises(ProviderNotConfigured):
        meeting(build_provider("static", {}))
    with pytest.raises(ValueError):
        build_provider("static", {}, static_url="http://example.fi/")
    with pytest.raises(ProviderError):
        StaticProvider().join_url(MeetingRef("static", "javascript:alert(1)"), Joiner("x"), now=NOW)


# --- Jitsi ------------------------------------------------------------------------------------


def jitsi(**extra: Any) -> JitsiProvider:
    config = {"JITSI_BASE_URL": "https://meet.example.fi/", "SECRET_KEY": "k" * 32, **extra}
    provider = build_provider("jitsi", config)
    assert isinstance(provider, JitsiProvider)
    return provider


def test_jitsi_room_names_are_stable_and_hard_to_guess() -> None:
    provider = jitsi()
    first = meeting(provider, "course-7")
    assert first.provider == "jitsi"
    assert meeting(provider, "course-7").external_id == first.external_id
    assert meeting(jitsi(), "course-7").external_id == first.external_id  # no process state
    others = {meeting(provider, f"course-{n}").external_id for n in range(200)}
    assert len(others) == 200
    assert first.external_id in others
    room = first.external_id
    assert room.startswith("etapaiva-")
    slug = room.removeprefix("etapaiva-")
    assert len(slug) >= 20 and slug.isalnum() and slug == slug.lower()
    assert "course" not in room
    # Another secret gives other rooms: the key alone does not reveal the room.
    assert meeting(jitsi(SECRET_KEY="other" * 8), "course-7").external_id != room


def test_jitsi_without_token_auth_has_no_jwt() -> None:
    provider = jitsi()
    ref = meeting(provider)
    url = provider.join_url(ref, Joiner("Osallistuja"), now=NOW)
    assert url.startswith(f"https://meet.example.fi/{ref.external_id}")
    assert "jwt" not in url
    assert "Osallistuja" in url.partition("#")[2]


def test_jitsi_jwt() -> None:
    provider = jitsi(JITSI_APP_ID="etapaiva", JITSI_APP_SECRET=APP_SECRET)
    ref = meeting(provider)
    now = datetime.now(UTC)
    ref = MeetingRef(
        ref.provider, ref.external_id, {"ends_at": (now + timedelta(hours=1)).isoformat()}
    )
    for moderator in (False, True):
        name = "Åsa Öhman" if moderator else "Osallistuja"
        url = provider.join_url(ref, Joiner(name, moderator=moderator, user_id="u1"), now=now)
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            f"https://meet.example.fi/{ref.external_id}"
        )
        token = parse_qs(parts.query)["jwt"][0]
        claims = jwt.decode(
            token, APP_SECRET, algorithms=["HS256"], audience="jitsi", issuer="etapaiva"
        )
        assert claims["sub"] == "meet.example.fi"
        assert claims["room"] == ref.external_id
        assert claims["moderator"] is moderator
        assert claims["context"]["user"] == {"name": name, "moderator": moderator, "id": "u1"}
        assert now.timestamp() < claims["exp"] <= (now + timedelta(hours=2)).timestamp() + 1
        assert claims["nbf"] <= now.timestamp() <= claims["iat"] + 1
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "wrong" * 10, algorithms=["HS256"], audience="jitsi")


def test_jitsi_token_lifetime() -> None:
    provider = jitsi(JITSI_APP_ID="etapaiva", JITSI_APP_SECRET=APP_SECRET)
    room = meeting(provider).external_id

    def exp(ends_at: datetime | None) -> datetime:
        extra = {"ends_at": ends_at.isoformat()} if ends_at else {}
        url = provider.join_url(MeetingRef("jitsi", room, extra), Joiner("x"), now=NOW)
        token = parse_qs(urlsplit(url).query)["jwt"][0]
        claims = jwt.decode(token, options={"verify_signature": False})
        return datetime.fromtimestamp(claims["exp"], UTC)

    assert exp(None) == NOW + timedelta(hours=4)
    assert exp(ENDS) == ENDS + timedelta(hours=1)  # ends 11:30, token until 12:30
    assert exp(NOW + timedelta(hours=8)) == NOW + timedelta(hours=4)
    # A ref whose end is long past (made for the first session of a course) is no cap.
    assert exp(NOW - timedelta(days=30)) == NOW + timedelta(hours=4)


# --- BigBlueButton ----------------------------------------------------------------------------


def test_bbb_create_and_join(bbb: FakeBBB) -> None:
    assert bbb.url.endswith("/bigbluebutton/api/")
    provider = build_provider("bigbluebutton", bbb_config(bbb))
    ref = meeting(provider)
    assert ref.provider == "bigbluebutton"
    assert ref.external_id in bbb.created
    [create] = bbb.calls_to("create")
    assert create.checksum_ok
    assert create.params["name"] == "Hyvinvointi, uni & lepo"
    assert create.params["record"] == "false"
    assert "+" not in create.query  # spaces as %20, the way BBB re-encodes nothing

    for moderator, role in ((False, "VIEWER"), (True, "MODERATOR")):
        name = "Åsa Öhman-Sjöberg" if moderator else "Osallistuja"
        url = provider.join_url(ref, Joiner(name, moderator=moderator), now=NOW)
        assert url.startswith(bbb.url + "join?")
        assert verify_checksum(url, SECRET)
        assert not verify_checksum(url, SECRET + "x")
        query = parse_qs(urlsplit(url).query)
        assert query["fullName"] == [name]
        assert query["role"] == [role]
        assert query["meetingID"] == [ref.external_id]
        assert query["redirect"] == ["true"]
        # The server accepts it too, and sends the browser on to the client.
        answer = requests.get(url, allow_redirects=False, timeout=5)
        assert answer.status_code == 302
    tampered = url.replace("role=MODERATOR", "role=VIEWER")
    assert not verify_checksum(tampered, SECRET)
    assert all(call.checksum_ok for call in bbb.calls)


@pytest.mark.parametrize("reply", ["duplicateWarning", "idNotUnique"])
def test_bbb_create_is_idempotent(bbb: FakeBBB, reply: str) -> None:
    bbb.duplicate_reply = reply
    provider = build_provider("bigbluebutton", bbb_config(bbb))
    first = meeting(provider)
    again = meeting(provider)
    assert again == first
    assert len(bbb.calls_to("create")) == 2
    assert list(bbb.created) == [first.external_id]
    assert meeting(provider, "course-8").external_id != first.external_id


def test_bbb_recreates_an_ended_meeting(bbb: FakeBBB) -> None:
    provider = build_provider("bigbluebutton", bbb_config(bbb))
    ref = meeting(provider)
    bbb.end_meeting(ref.external_id)
    assert meeting(provider) == ref
    assert ref.external_id in bbb.created


def test_bbb_sha256_checksums(bbb: FakeBBB) -> None:
    provider = build_provider("bigbluebutton", bbb_config(bbb, BBB_CHECKSUM_ALGORITHM="sha256"))
    ref = meeting(provider)
    assert bbb.calls_to("create")[0].checksum_ok
    url = provider.join_url(ref, Joiner("Osallistuja"), now=NOW)
    assert len(parse_qs(urlsplit(url).query)["checksum"][0]) == 64
    assert verify_checksum(url, SECRET)


def test_bbb_wrong_secret(bbb: FakeBBB) -> None:
    provider = build_provider("bigbluebutton", {"BBB_URL": bbb.url, "BBB_SECRET": "wrong"})
    with pytest.raises(ProviderError, match="checksumError"):
        meeting(provider)
    assert not bbb.calls_to("create")[0].checksum_ok
    assert not bbb.created


def test_bbb_slow_server_times_out(bbb: FakeBBB) -> None:
    bbb.mode = "slow"
    provider = build_provider("bigbluebutton", bbb_config(bbb, MEETING_HTTP_TIMEOUT=0.5))
    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out"):
        meeting(provider)
    assert time.monotonic() - started < 0.5 + 1


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_bbb_broken_server(bbb: FakeBBB, mode: str) -> None:
    bbb.mode = mode
    provider = build_provider("bigbluebutton", bbb_config(bbb))
    with pytest.raises(ProviderError) as raised:
        meeting(provider)
    assert "uni" not in str(raised.value)  # the title (and anything personal) stays out of logs


def test_bbb_unreachable_server() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = build_provider(
        "bigbluebutton",
        {"BBB_URL": f"http://127.0.0.1:{port}/bigbluebutton/api/", "BBB_SECRET": SECRET},
    )
    with pytest.raises(ProviderError):
        meeting(provider)


def test_bbb_not_an_api_response(bbb: FakeBBB) -> None:
    provider = BigBlueButtonProvider(
        bbb.url.replace("/bigbluebutton/api/", "/client/"), SECRET, timeout=1
    )
    with pytest.raises(ProviderError):
        meeting(provider)


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[object] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        return super().request(method, url, *args, **kwargs)


def test_bbb_uses_the_given_session_and_timeout(bbb: FakeBBB) -> None:
    session = RecordingSession()
    provider = build_provider(
        "bigbluebutton", bbb_config(bbb, MEETING_HTTP_TIMEOUT=3), session=session
    )
    meeting(provider)
    assert session.timeouts == [(3.0, 3.0)]
    session.close()


def test_fake_bbb_restarts_and_stops_quickly() -> None:
    server = FakeBBB(SECRET, slow_seconds=30)
    url = server.start()
    assert url.endswith("/bigbluebutton/api/")
    server.mode = "slow"
    with pytest.raises(requests.Timeout):
        requests.get(url + "create", timeout=0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
