"""Etäpäivä scheduler: remote day-activity groups run together by wellbeing regions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from flask import Flask

from scheduler import crypto
from scheduler.config import (
    ROOT,
    ConfigError,
    instance_data_key,
    instance_secret_key,
    load_config,
)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration → extensions → blueprints → commands.

    The app's parts are imported here, not at the top, so that importing a pure part of the
    package (``scheduler.rotation``, ``scheduler.periods``) does not load the whole web app.
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    try:
        app.config.update(load_config(overrides))
    except ConfigError as error:
        _stop(str(error))
    _apply_defaults(app)

    from scheduler import boundary, extensions, web
    from scheduler.i18n import compile_catalogs

    compile_catalogs()
    crypto.init_app(app, app.config["DATA_ENCRYPTION_KEYS"])
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(ROOT / "migrations"), render_as_batch=True
    )
    web.init_babel(app)
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    boundary.install(app)
    web.register(app)

    from scheduler.commands import register_commands

    register_commands(app)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not app.config["TESTING"]:
        from scheduler.database import ensure_schema

        with app.app_context():
            ensure_schema(load_demo=app.config["LOAD_DEMO_ON_START"])
    return app


def _apply_defaults(app: Flask) -> None:
    config = app.config
    instance = Path(app.instance_path)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'scheduler.db'}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = (
            "test-secret-key-not-for-production"
            if config["TESTING"]
            else instance_secret_key(instance)
        )
    if not config.get("DATA_ENCRYPTION_KEYS"):
        config["DATA_ENCRYPTION_KEYS"] = (
            (crypto.TEST_KEY,) if config["TESTING"] else (instance_data_key(instance),)
        )
    if config.get("UPLOAD_FOLDER") is None:
        config["UPLOAD_FOLDER"] = str(instance / "uploads")
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config["PUBLIC_BASE_URL"].startswith("https://")
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if config.get("HSTS_ENABLED") is None:
        config["HSTS_ENABLED"] = config["PUBLIC_BASE_URL"].startswith("https://")
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = config["SESSION_COOKIE_SAMESITE"]
    config["MAX_CONTENT_LENGTH"] = (config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Several threads (test servers, the outbox thread) share one SQLite file: wait on locks.
        options = config["SQLALCHEMY_ENGINE_OPTIONS"]
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    config["BABEL_DEFAULT_LOCALE"] = "fi"
    config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Helsinki"
    config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "i18n")
    config["WTF_I18N_ENABLED"] = True
    config["JSON_SORT_KEYS"] = False


def _stop(message: str) -> None:
    print(f"Configuration error: {message}", file=sys.stderr)
    raise SystemExit(2)
