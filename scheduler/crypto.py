"""Encryption of special-category data at rest (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from DATA_ENCRYPTION_KEYS, newest first: the newest encrypts, every listed key
decrypts, so a new key can be put in front and `flask privacy reencrypt` then moves every
row to it before the old key is removed. The cipher lives on the app, so several apps in
one process (tests) can use different keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

EXTENSION = "scheduler.data_cipher"
# Fernet tokens start with the version byte 0x80 and a 64-bit timestamp that begins with
# zero bytes for the next few thousand years: in URL-safe base64 that is "gAAAAA".
TOKEN_PREFIX = "gAAAAA"
# A fixed key for the test suite only (TESTING = true without DATA_ENCRYPTION_KEYS).
TEST_KEY = "dGVzdC1rZXktbm90LWZvci1wcm9kdWN0aW9uLTMyYnk="


class DataKeyError(RuntimeError):
    """A stored value cannot be decrypted with any configured key."""


@dataclass(frozen=True)
class DataCipher:
    every: MultiFernet  # decrypts with any key, encrypts with the newest
    newest: Fernet


def init_app(app: Flask, keys: Sequence[str]) -> None:
    fernets = [Fernet(key) for key in keys]
    app.extensions[EXTENSION] = DataCipher(every=MultiFernet(fernets), newest=fernets[0])


def cipher() -> MultiFernet:
    return current_app.extensions[EXTENSION].every


def newest_key() -> Fernet:
    return current_app.extensions[EXTENSION].newest


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    """Clear text of a stored value; a value that is not a token is old clear text."""
    if not looks_encrypted(stored):
        return stored
    try:
        return cipher().decrypt(stored.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DataKeyError(
            "Stored data cannot be decrypted: DATA_ENCRYPTION_KEYS lacks the key it was "
            "encrypted with."
        ) from None


def looks_encrypted(stored: str) -> bool:
    return stored.startswith(TOKEN_PREFIX)


def is_under_newest_key(stored: str) -> bool:
    try:
        newest_key().decrypt(stored.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def reencrypt(stored: str) -> str:
    """The value encrypted under the newest key (clear text is encrypted as it is)."""
    if not looks_encrypted(stored):
        return encrypt(stored)
    try:
        return cipher().rotate(stored.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DataKeyError(
            "Stored data cannot be decrypted: DATA_ENCRYPTION_KEYS lacks the key it was "
            "encrypted with."
        ) from None
