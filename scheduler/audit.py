"""Who changed what: an append-only log that never holds personal data.

Entries name the actor (user id and role), the action, the object and the changed
fields with codes or states only — never names, emails or free text about clients.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), nullable=True, index=True
    )
    actor_kind: Mapped[str] = mapped_column(String(20))  # user | applicant | system
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    action: str,
    obj: Any,
    *,
    actor: Any = None,
    actor_kind: str | None = None,
    **changes: Any,
) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change itself)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_kind=actor_kind or ("user" if actor is not None else "system"),
        action=action,
        object_type=obj.__tablename__ if hasattr(obj, "__tablename__") else type(obj).__name__,
        object_id=str(getattr(obj, "id", obj)),
        changes={key: _plain(value) for key, value in changes.items()},
    )
    db.session.add(entry)
    return entry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value
