"""Staff-user pages: the list, inviting, and (admins) changing role, region and active state."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from scheduler.accounts import staff
from scheduler.accounts.auth import staff_required
from scheduler.accounts.blueprint import bp
from scheduler.accounts.models import ROLES
from scheduler.errors import DomainError, ValidationFailed
from scheduler.extensions import db
from scheduler.regions.data import region_facts


@bp.get("/planner/users")
@staff_required("admin", "planner")
def users() -> Any:
    region = None
    if current_user.is_admin:
        try:
            region = staff.region_filter(request.args.get("region"))
        except ValidationFailed:
            region = None
    people = staff.visible_users(current_user, region)
    return render_template(
        "accounts/users.html",
        people=people,
        region=region,
        regions=region_facts(),
        may_invite_again=lambda user: staff.may_invite(current_user, user.role, user.region_code),
    )


@bp.route("/planner/users/new", methods=["GET", "POST"])
@staff_required("admin", "planner")
def invite() -> Any:
    own = current_user.region_code
    values: dict[str, Any] = {
        "role": "facilitator",
        "region": own or "",
        "language": staff.region_language(own),
    }
    errors: dict[str, list[Any]] = {}
    status = 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in staff.INVITE_FIELDS}
        if not current_user.is_admin:
            values.update(role="facilitator", region=own or "")
        try:
            invitation = staff.parse_invitation(values)
            user = staff.invite(current_user, invitation)
        except DomainError as error:
            db.session.rollback()
            errors = error.errors or {"email": [error.detail]}
            status = error.status
        else:
            db.session.commit()
            flash(_("The invitation was sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/invite.html", values=values, errors=errors, roles=ROLES, regions=region_facts()
    ), status


@bp.route("/planner/users/<int:user_id>", methods=["GET", "POST"])
@staff_required("admin")
def edit_user(user_id: int) -> Any:
    user = staff.visible_user(current_user, user_id)
    values: dict[str, Any] = {"role": user.role, "region": user.region_code or ""}
    errors: dict[str, list[Any]] = {}
    status = 200
    if request.method == "POST":
        values = {"role": request.form.get("role", ""), "region": request.form.get("region", "")}
        try:
            change = staff.parse_change(values)
            staff.change_user(current_user, user_id, change)
        except DomainError as error:
            db.session.rollback()
            errors = error.errors or {"role": [error.detail]}
            status = error.status
        else:
            db.session.commit()
            flash(_("The changes are saved."), "success")
            return redirect(url_for("accounts.users"))
        user = staff.visible_user(current_user, user_id)
    return render_template(
        "accounts/edit_user.html",
        person=user,
        values=values,
        errors=errors,
        roles=ROLES,
        regions=region_facts(),
    ), status


@bp.post("/planner/users/<int:user_id>/active")
@staff_required("admin")
def set_active(user_id: int) -> Any:
    active = request.form.get("active") == "1"
    try:
        staff.change_user(
            current_user, user_id, staff.UserChange(fields=frozenset({"active"}), active=active)
        )
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(str(error.detail), "error")
        return redirect(url_for("accounts.edit_user", user_id=user_id))
    db.session.commit()
    if active:
        flash(_("The user is active again and can sign in."), "success")
    else:
        flash(_("The user is deactivated and was signed out everywhere."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/planner/users/<int:user_id>/invitation")
@staff_required("admin", "planner")
def invite_again(user_id: int) -> Any:
    try:
        user = staff.invite_again(current_user, user_id)
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        flash(str(error.detail), "error")
        return redirect(url_for("accounts.users"))
    db.session.commit()
    flash(_("A new invitation was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.users"))
