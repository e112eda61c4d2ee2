"""Secret tokens: long, random, and stored only as a hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness, 43 URL-safe characters


def new_token() -> tuple[str, str]:
    """Return (token, hash): hand out the token once, store only the hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # A plain SHA-256 is enough: the token has 256 bits of entropy, so no stretching is needed,
    # and a deterministic hash lets us find the row by an indexed lookup.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def derived_token(secret: str, purpose: str, ident: int | str, nonce: str) -> str:
    """A token the server can re-create from its secret (for links in later emails).

    Only hash_token(token) is stored, so a database leak reveals no working link; a new
    nonce revokes the old token.
    """
    digest = hmac.new(
        secret.encode("utf-8"), f"{purpose}:{ident}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHORT_LENGTH = 22  # 62**22 > 2**130: at least 128 bits, in letters and digits only


def derived_short_code(secret: str, purpose: str, nonce: str) -> str:
    """A short code the server can re-create, for links in text messages.

    22 letters and digits (no "-" or "_", which some phones drop from the end of a link)
    carry 130 bits of an HMAC-SHA256 under the server secret; only its hash is stored.
    """
    digest = hmac.new(secret.encode("utf-8"), f"{purpose}:{nonce}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest(), "big")
    characters = []
    for _ in range(SHORT_LENGTH):
        number, remainder = divmod(number, 62)
        characters.append(BASE62[remainder])
    return "".join(characters)


def new_nonce() -> str:
    return secrets.token_hex(8)
