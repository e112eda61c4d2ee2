"""Password pages: change your own, "forgot password", and set one from an emailed link.

`/account/set-password/<token>` carries a secret in its path: the page is sent with
`Referrer-Policy: no-referrer` and `Cache-Control: no-store`, and nothing here logs it.
"""

from __future__ import annotations

import time
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from scheduler.accounts import passwords
from scheduler.accounts.addresses import normalise_email
from scheduler.accounts.auth import staff_required
from scheduler.accounts.blueprint import bp
from scheduler.accounts.passwords import LinkUnusable
from scheduler.errors import FieldErrors, TooManyRequests, ValidationFailed
from scheduler.extensions import db
from scheduler.web import current_language

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# "Forgot password" answers no sooner than this, whether or not it wrote a reset: what is
# left of the difference in work (the reset's own rows, ~3 ms on SQLite) hides below it.
FORGOT_ANSWER_SECONDS = 0.1


@bp.route("/account/password", methods=["GET", "POST"])
@staff_required()
def change_password() -> Any:
    """Keeps this browser signed in (with a fresh session) and signs out every other one."""
    errors: dict[str, list[Any]] = {}
    status, headers = 200, {}
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            passwords.change_password(
                user,
                request.form.get("current_password", ""),
                request.form.get("new_password", ""),
                request.form.get("new_password_again", ""),
                request.remote_addr,
            )
        except ValidationFailed as error:
            db.session.rollback()
            errors, status = error.errors, 422
        except TooManyRequests as error:
            db.session.rollback()
            errors, status, headers = {"current_password": [error.detail]}, 429, error.headers
        else:
            db.session.commit()
            login_user(user)  # the new session version: this browser stays signed in
            flash(
                _("Your password is changed. You were signed out on every other device."),
                "success",
            )
            return redirect(url_for("accounts.change_password"))
    page = render_template("accounts/password.html", errors=errors)
    return page, status, {**headers, "Cache-Control": "no-store"}


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    """The same answer, in the same time, whether or not the address has an account."""
    errors: dict[str, list[Any]] = {}
    values = {"email": ""}
    if request.method == "POST":
        started = time.monotonic()
        values = {"email": request.form.get("email", "")[:300]}
        found = FieldErrors()
        email = normalise_email(values["email"], found)
        if found:
            errors = found.errors
            return render_template("accounts/forgot.html", errors=errors, values=values), 422
        try:
            passwords.request_reset(email, request.remote_addr, current_language())
        except TooManyRequests as error:
            db.session.rollback()
            errors = {"email": [error.detail]}
            page = render_template("accounts/forgot.html", errors=errors, values=values)
            return page, 429, error.headers
        db.session.commit()
        page = render_template("accounts/forgot_sent.html")
        time.sleep(max(0.0, FORGOT_ANSWER_SECONDS - (time.monotonic() - started)))
        return page
    return render_template("accounts/forgot.html", errors=errors, values=values)


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    """A GET never uses the link up (mail scanners open links); only the form does."""
    try:
        link = passwords.find_link(token)
    except LinkUnusable as error:
        return _unusable(error)
    errors: dict[str, list[Any]] = {}
    status = 200
    if request.method == "POST":
        try:
            passwords.set_password_with_link(
                token,
                request.form.get("new_password", ""),
                request.form.get("new_password_again", ""),
            )
        except LinkUnusable as error:
            db.session.rollback()
            return _unusable(error)
        except ValidationFailed as error:
            db.session.rollback()
            errors, status = error.errors, 422
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password is saved. You can now sign in with it."), "success")
            response = redirect(url_for("accounts.sign_in"))
            response.headers.update(PRIVATE_HEADERS)
            return response
    page = render_template(
        "accounts/set_password.html", errors=errors, email=link.user.email, purpose=link.purpose
    )
    return page, status, PRIVATE_HEADERS


def _unusable(error: LinkUnusable) -> Any:
    status = 404 if error.state == "unknown" else 410
    response = make_response(
        render_template("accounts/link_unusable.html", state=error.state), status
    )
    response.headers.update(PRIVATE_HEADERS)
    return response
