"""Front page, language choice, health and readiness checks and the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from scheduler.database import readiness
from scheduler.i18n import LANGUAGE_COOKIE, LANGUAGES
from scheduler.pages import local_path_or

bp = Blueprint("site", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def home():
    return redirect(url_for("courses.catalogue"))


@bp.get("/language/<language>")
def choose_language(language: str):
    """Remember the chosen language in a cookie and go back to the page the user was on."""
    response = redirect(local_path_or(request.args.get("next"), url_for("courses.catalogue")))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=ONE_YEAR,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


@bp.get("/healthz")
def health():
    """The process answers (liveness): nothing else is checked."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready():
    """Ready for traffic: the database answers and its schema is at the latest migration."""
    problem = readiness()
    body = {"status": "ready"} if problem is None else {"status": "not ready", "reason": problem}
    response = jsonify(body)
    response.status_code = 200 if problem is None else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/accessibility")
def accessibility():
    return render_template("site/accessibility.html")


@bp.get("/check")
def device_check():
    """Camera, microphone and sound tested in the browser before the day (nothing is sent)."""
    return render_template("site/check.html")
