"""Staff accounts in the JSON API: invite, list, read and change users."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

from scheduler.accounts import staff
from scheduler.accounts.auth import api_auth
from scheduler.accounts.serialize import user_json
from scheduler.api import bp, inputs
from scheduler.api.inputs import json_object
from scheduler.extensions import db
from scheduler.regions.data import region_facts


@bp.post("/users")
@api_auth("admin", "planner")
def invite_user():
    invitation = staff.parse_invitation(json_object())
    user = staff.invite(g.api_user, invitation)
    db.session.commit()
    return user_json(user), 201


@bp.get("/users")
@api_auth("admin", "planner")
def list_users():
    codes = [fact.code for fact in region_facts()]
    region = inputs.query_choice("region", codes, _l("Unknown region code."))
    users = staff.visible_users(g.api_user, region)
    return {"users": [user_json(user) for user in users]}


@bp.get("/users/<int:user_id>")
@api_auth("admin", "planner")
def get_user(user_id: int):
    return user_json(staff.visible_user(g.api_user, user_id))


@bp.patch("/users/<int:user_id>")
@api_auth("admin")
def change_user(user_id: int):
    change = staff.parse_change(json_object())
    user = staff.change_user(g.api_user, user_id, change)
    db.session.commit()
    return user_json(user)


@bp.post("/users/<int:user_id>/invitation")
@api_auth("admin", "planner")
def invite_again(user_id: int):
    user = staff.invite_again(g.api_user, user_id)
    db.session.commit()
    return user_json(user)
