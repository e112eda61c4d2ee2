"""Domain errors raised by services; views and the API turn them into answers.

Messages are lazy translations so they are rendered in the user's language at answer time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    status = 400
    title = "Error"

    def __init__(self, detail: Any = "", *, errors: Mapping[str, Sequence[Any]] | None = None):
        super().__init__(str(detail))
        self.detail = detail
        self.errors = {key: list(value) for key, value in (errors or {}).items()}

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers for the answer (e.g. Retry-After)."""
        return {}


class ValidationFailed(DomainError):
    status = 422
    title = "Invalid input"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class TooLarge(DomainError):
    status = 413
    title = "Payload Too Large"


class TooManyRequests(DomainError):
    """A limit holds; `retry_after` (seconds) becomes the Retry-After header."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: Any = "", *, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(max(self.retry_after, 1))}


class FieldErrors:
    """Collects messages per field; raise once at the end so the user sees every problem."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, detail: Any = "") -> None:
        if self.errors:
            raise ValidationFailed(detail, errors=self.errors)
