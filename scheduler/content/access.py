"""Who sees and who changes a material.

Materials are shared with the whole network unless the owner keeps one to its own region;
a public material's files can be downloaded without signing in. Changes (new language
versions) belong to the owner region's staff; admins act for every region.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, true

from scheduler.accounts.models import User
from scheduler.content.models import Material
from scheduler.errors import Forbidden, NotFound
from scheduler.extensions import db

CONTENT_ROLES = ("admin", "planner", "facilitator")


def visible_clause(user: User) -> ColumnElement[bool]:
    if user.is_admin:
        return true()
    return or_(
        Material.shared.is_(True),
        Material.public.is_(True),
        Material.owner_region == user.region_code,
    )


def can_see(user: Any, material: Material) -> bool:
    """`user` may be None or Flask-Login's anonymous user."""
    if material.public:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or material.shared or material.owner_region == user.region_code


def can_edit(user: User, material: Material) -> bool:
    return user.role in CONTENT_ROLES and user.acts_for(material.owner_region)


def get_visible_material(user: User, material_id: int, *, options: tuple = ()) -> Material:
    """The material, or 404 when it does not exist or is not shared with the user's region."""
    material = db.session.get(Material, material_id, options=list(options))
    if material is None or not can_see(user, material):
        raise NotFound(_l("No such material."))
    return material


def get_editable_material(user: User, material_id: int) -> Material:
    material = get_visible_material(user, material_id)
    if not can_edit(user, material):
        raise Forbidden(_l("Only the owner region's staff can change this material."))
    return material


def asking_region(user: User) -> str:
    """The region a user acts for when asking for something; admins have none."""
    if not user.region_code:
        raise Forbidden(_l("Ask as a member of a region: your account has no home region."))
    return user.region_code
