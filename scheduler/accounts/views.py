"""Sign-in and sign-out pages; the password and staff-user pages add their routes to `bp`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from scheduler.accounts import password_views, services, user_views
from scheduler.accounts.blueprint import bp
from scheduler.accounts.forms import SignInForm
from scheduler.accounts.models import User
from scheduler.errors import TooManyRequests
from scheduler.extensions import db, login_manager
from scheduler.pages import local_path_or

__all__ = ["bp", "password_views", "user_views"]  # their routes attach to bp


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The cookie names "<id>:<session version>"; an older version or a deactivated user
    is signed out at once (scheduler.accounts.services.end_all_sessions)."""
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


login_manager.login_view = "accounts.sign_in"
login_manager.login_message_category = "info"


@login_manager.unauthorized_handler
def unauthorized():
    flash(_("Please sign in to see this page."), "info")
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data, request.remote_addr)
        except TooManyRequests as error:
            form.password.errors.append(str(error.detail))
            page = render_template("accounts/sign_in.html", form=form)
            return page, 429, error.headers
        if user is not None:
            login_user(user)
            db.session.commit()
            return redirect(local_path_or(request.args.get("next"), url_for("courses.dashboard")))
        form.password.errors.append(_("The email or the password is wrong."))
    if form.is_submitted() and form.errors:
        status = 422
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    """Ends every session of the user, on every device, copied cookies included."""
    services.end_all_sessions(current_user, actor=current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("courses.catalogue"))
