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


def new_nonce() -> str:
    return secrets.token_hex(8)
