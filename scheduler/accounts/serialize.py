"""Users as JSON for the API."""

from __future__ import annotations

from typing import Any

from scheduler.accounts.models import User
from scheduler.i18n import iso_local


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "region": user.region_code,
        "active": user.active,
        "name": user.name,
        "language": user.language,
        "password_set": bool(user.password_hash),
        "created_at": iso_local(user.created_at),
    }
