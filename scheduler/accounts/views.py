"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from scheduler.accounts.forms import SignInForm
from scheduler.accounts.models import User
from scheduler.accounts.services import authenticate
from scheduler.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


login_manager.login_view = "accounts.sign_in"
login_manager.login_message_category = "info"


@login_manager.unauthorized_handler
def unauthorized():
    flash(_("Please sign in to see this page."), "info")
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("courses.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("courses.dashboard")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("The email or the password is wrong."))
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("courses.catalogue"))
