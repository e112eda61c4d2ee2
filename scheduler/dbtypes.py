"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

from scheduler import crypto


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and returns them aware (UTC) on every database.

    SQLite has no time zones; keeping UTC everywhere makes both databases behave the same.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the app's data key (scheduler.crypto) before it reaches the database.

    For special-category data (health, needs, phone numbers, support persons): a dump or
    backup of the database alone shows only Fernet tokens. The empty string stays empty so
    "has a value" checks keep working; the ciphertext is random, so the column cannot be
    searched or compared in SQL.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)
