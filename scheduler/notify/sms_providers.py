"""Who carries a text message: GatewayAPI's REST interface, or the developer's terminal.

`gatewayapi` POSTs `{"sender", "message", "recipients": [{"msisdn": 358401234567}]}` as
JSON with HTTP Basic auth (the API token as the user name, an empty password) and takes a
`200` answer with a non-empty `"ids"` list as sent. Anything else — another status, an
answer that is not such JSON or is larger than MAX_ANSWER_BYTES, a timeout, no connection —
raises SmsNotSent, and the outbox tries again later. Nothing here logs a number, a text or
the token.

`console` writes the message to standard output: for a developer's own machine only
(configuration refuses it in production). `none`: the service offers no text messages.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from typing import Any, Protocol, TextIO

import requests

from scheduler.notify.sms import measure

MAX_ANSWER_BYTES = 64 * 1024


class SmsNotSent(Exception):
    """The message was not accepted. `unreachable`: the provider cannot be reached at all
    (no connection, no answer in time), so the other messages wait too."""

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone` (E.164, "+358…"); raise SmsNotSent when not accepted."""


class GatewayApi:
    def __init__(self, url: str, token: str, sender: str, timeout: float) -> None:
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, phone: str, text: str) -> None:
        payload = {
            "sender": self.sender,
            "message": text,
            "recipients": [{"msisdn": int(phone.lstrip("+"))}],
        }
        try:
            with requests.post(
                self.url,
                json=payload,
                auth=(self.token, ""),
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            ) as response:
                body = _read_capped(response, self.timeout)
                status = response.status_code
        except requests.Timeout:
            raise SmsNotSent("timeout", unreachable=True) from None
        except requests.RequestException as error:
            raise SmsNotSent(f"connect: {type(error).__name__}", unreachable=True) from None
        if status != 200:
            raise SmsNotSent(f"answer {status}")
        try:
            answer = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise SmsNotSent("answer 200 is not JSON") from None
        ids = answer.get("ids") if isinstance(answer, dict) else None
        if not isinstance(ids, list) or not ids:
            raise SmsNotSent("answer 200 without ids")


def _read_capped(response: requests.Response, timeout: float) -> bytes:
    """The answer's body, at most MAX_ANSWER_BYTES and within `timeout` seconds in all."""
    deadline = time.monotonic() + timeout
    body = bytearray()
    for chunk in response.iter_content(chunk_size=8192):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise SmsNotSent("answer too large")
        if time.monotonic() > deadline:
            raise requests.Timeout("answer too slow")
    return bytes(body)


class Console:
    """Prints each message in the terminal (development)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, phone: str, text: str) -> None:
        stream = self.stream or sys.stdout
        length = measure(text)
        encoding = "GSM-7" if length.encoding == "gsm7" else "UCS-2"
        stream.write(
            f"\n----- SMS to {phone} (console, not sent: {length.segments} segment(s), "
            f"{encoding}) -----\n{text}\n----- end of SMS -----\n"
        )
        stream.flush()


def sms_in_use(config: Mapping[str, Any]) -> bool:
    """Whether applicants may choose text messages (SMS_PROVIDER is not "none")."""
    return config["SMS_PROVIDER"] in ("gatewayapi", "console")


class Nowhere:
    """SMS_PROVIDER = "none": nothing can be sent (nothing is queued either)."""

    def send(self, phone: str, text: str) -> None:
        raise SmsNotSent("no SMS provider", unreachable=True)


def make_provider(config: Mapping[str, Any]) -> SmsProvider:
    if config["SMS_PROVIDER"] == "gatewayapi":
        return GatewayApi(
            config["SMS_API_URL"],
            config["SMS_API_TOKEN"] or "",
            config["SMS_SENDER"],
            config["SMS_TIMEOUT"],
        )
    if config["SMS_PROVIDER"] == "console":
        return Console()
    return Nowhere()
