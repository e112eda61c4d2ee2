"""Configuration: defaults → TOML file ($SCHEDULER_CONFIG) → SCHEDULER_* environment → overrides.

Every key has a default and a parser here, so a setting is validated in one place and
start-up fails with one sentence that names the key instead of a traceback.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tomllib
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "SCHEDULER_"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence naming the key."""


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _as_int(minimum: int, maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("expected a whole number")
        number = int(str(value).strip())
        if not minimum <= number <= maximum:
            raise ValueError(f"expected a whole number from {minimum} to {maximum}")
        return number

    return parse


def _as_str(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError("expected text")
    return str(value)


def _as_optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return _as_str(value)


def _as_url(value: Any) -> str | None:
    text = _as_optional_str(value)
    if text is not None and not text.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// address")
    return text


def _as_bbb_url(value: Any) -> str | None:
    text = _as_url(value)
    if text is not None and not text.endswith("/bigbluebutton/api/"):
        raise ValueError("expected the API base ending in /bigbluebutton/api/")
    return text


def _as_db_uri(value: Any) -> str:
    text = _as_str(value)
    if not text.startswith(("sqlite:", "postgresql")):
        raise ValueError("expected a sqlite:/// or postgresql+psycopg:// address")
    return text


def _as_time(value: Any) -> str:
    text = _as_str(value)
    hours, _, minutes = text.partition(":")
    if not (
        hours.isdigit() and minutes.isdigit() and 0 <= int(hours) < 24 and 0 <= int(minutes) < 60
    ):
        raise ValueError("expected a time of day like 09:00")
    return f"{int(hours):02d}:{int(minutes):02d}"


def _one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _as_str(value).strip()
        if text not in choices:
            raise ValueError("expected " + " or ".join(f'"{choice}"' for choice in choices))
        return text

    return parse


def _as_optional_choice(*choices: str) -> Callable[[Any], str | None]:
    parse = _one_of(*choices)

    def parse_optional(value: Any) -> str | None:
        return None if value is None or value == "" else parse(value)

    return parse_optional


def _as_sms_sender(value: Any) -> str:
    """What the phone shows as the sender: 1–11 letters, digits or spaces (GSM networks
    allow at most 11 characters in an alphanumeric sender)."""
    text = _as_str(value).strip()
    if not 1 <= len(text) <= 11:
        raise ValueError("expected 1 to 11 characters")
    if not all(char.isascii() and (char.isalnum() or char in " .-") for char in text):
        raise ValueError("use only the letters A-Z, digits, spaces, dots and hyphens")
    return text


def _as_optional_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    return _as_bool(value)


def _as_fernet_keys(value: Any) -> tuple[str, ...] | None:
    """Data encryption keys, newest first: a TOML list, or text with commas between keys."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        items = [part.strip() for part in value.replace("\n", ",").split(",")]
    elif isinstance(value, list | tuple):
        items = [part.strip() if isinstance(part, str) else part for part in value]
    else:
        raise ValueError("expected a list of keys made by `flask --app scheduler privacy new-key`")
    keys = tuple(item for item in items if item != "")
    for key in keys:
        if not isinstance(key, str) or not is_fernet_key(key):
            raise ValueError(
                "each key must be 32 random bytes in URL-safe base64 "
                "(make one with `flask --app scheduler privacy new-key`)"
            )
    return keys or None


def _as_samesite(value: Any) -> str:
    text = _as_str(value)
    if text not in {"Lax", "Strict"}:
        raise ValueError("expected Lax or Strict")
    return text


# key -> (default, parser). None as default means "not set".
SETTINGS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "SECRET_KEY": (None, _as_optional_str),
    "SQLALCHEMY_DATABASE_URI": (None, _as_db_uri),
    "ENV_NAME": ("development", _as_str),
    "TESTING": (False, _as_bool),
    "PUBLIC_BASE_URL": ("http://127.0.0.1:5000", _as_url),
    # Unset: the embedded default prints mail in its terminal (MAIL_BACKEND below).
    "MAIL_SERVER": (None, _as_optional_str),
    "MAIL_PORT": (25, _as_int(1, 65535)),
    "MAIL_DEFAULT_SENDER": ("etapaiva@localhost", _as_str),
    "MAIL_USE_TLS": (False, _as_bool),
    "MAIL_USERNAME": (None, _as_optional_str),
    "MAIL_PASSWORD": (None, _as_optional_str),
    "MAIL_TIMEOUT": (10, _as_int(1, 300)),
    # "smtp" or "console"; unset: smtp when MAIL_SERVER is set or in production, else console.
    "MAIL_BACKEND": (None, _as_optional_choice("smtp", "console")),
    "OUTBOX_SEND_ON_COMMIT": (True, _as_bool),
    "OUTBOX_MAX_ATTEMPTS": (12, _as_int(1, 100)),
    # "gatewayapi", "console" or "none"; unset: console, but none in production.
    "SMS_PROVIDER": (None, _as_optional_choice("gatewayapi", "console", "none")),
    "SMS_API_URL": ("https://gatewayapi.com/rest/mtsms", _as_url),
    "SMS_API_TOKEN": (None, _as_optional_str),
    "SMS_SENDER": ("Etapaiva", _as_sms_sender),
    "SMS_TIMEOUT": (10, _as_int(1, 60)),
    "JITSI_BASE_URL": (None, _as_url),
    "JITSI_APP_ID": (None, _as_optional_str),
    "JITSI_APP_SECRET": (None, _as_optional_str),
    "BBB_URL": (None, _as_bbb_url),
    "BBB_SECRET": (None, _as_optional_str),
    "BBB_DIAL_NUMBER": (None, _as_optional_str),
    "MEETING_HTTP_TIMEOUT": (5, _as_int(1, 60)),
    "JOIN_WINDOW_MINUTES": (15, _as_int(0, 240)),
    "FREEZE_DAYS": (14, _as_int(0, 365)),
    "REMINDER_TIME": ("09:00", _as_time),
    "PRIVACY_RETENTION_DAYS": (180, _as_int(1, 3650)),
    "UPLOAD_FOLDER": (None, _as_optional_str),
    "MAX_UPLOAD_MB": (50, _as_int(1, 2048)),
    "APPLICATION_RATE_LIMIT_PER_HOUR": (20, _as_int(1, 100000)),
    "RATELIMIT_ENABLED": (True, _as_bool),
    "PROXY_FIX_HOPS": (0, _as_int(0, 5)),
    "SESSION_COOKIE_SECURE": (None, _as_bool),
    "SESSION_COOKIE_SAMESITE": ("Lax", _as_samesite),
    "HSTS_ENABLED": (None, _as_optional_bool),
    "HSTS_MAX_AGE": (31536000, _as_int(0, 63072000)),
    "DATA_ENCRYPTION_KEYS": (None, _as_fernet_keys),
    "SIGN_IN_MAX_FAILURES_PER_ACCOUNT": (5, _as_int(1, 1000)),
    "SIGN_IN_MAX_FAILURES_PER_ADDRESS": (30, _as_int(1, 100000)),
    "SIGN_IN_LOCK_MINUTES": (15, _as_int(1, 1440)),
    "LOAD_DEMO_ON_START": (False, _as_bool),
    "LOG_FORMAT": ("json", _one_of("json", "text")),
    "JOIN_COUNT_FLUSH_SECONDS": (5, _as_int(0, 300)),
    "CALENDAR_PAST_DAYS": (60, _as_int(0, 3660)),
    "CALENDAR_FUTURE_DAYS": (548, _as_int(1, 3660)),
    "HOT_READ_MAX_AGE_MS": (1000, _as_int(0, 60000)),
    "SQLALCHEMY_ECHO": (False, _as_bool),
}

# Keys Flask or extensions read that we pass through without our own parser (tests use them).
PASSTHROUGH = {
    "SQLALCHEMY_ENGINE_OPTIONS",
    "WTF_CSRF_ENABLED",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "LOGIN_DISABLED",
}


def _read_toml(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"SCHEDULER_CONFIG points to {path}, which is not a readable file.")
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"SCHEDULER_CONFIG file {path} is not valid TOML: {error}.") from None
    # Accept both flat keys and one [scheduler] table.
    if isinstance(data.get("scheduler"), dict):
        data = {**{k: v for k, v in data.items() if k != "scheduler"}, **data["scheduler"]}
    return {key.upper(): value for key, value in data.items()}


def _read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        key[len(ENV_PREFIX) :]: value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key != "SCHEDULER_CONFIG"
    }


def load_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Merge the four sources and validate every known key."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {key: default for key, (default, _) in SETTINGS.items()}
    layers: list[dict[str, Any]] = []
    if environ.get("SCHEDULER_CONFIG"):
        layers.append(_read_toml(environ["SCHEDULER_CONFIG"]))
    layers.append(_read_environment(environ))
    overrides_layer = dict(overrides or {})
    layers.append(overrides_layer)

    config: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key in SETTINGS:
                raw[key] = value
            elif key in PASSTHROUGH or layer is overrides_layer:
                config[key] = value
            else:
                warnings.warn(f"Unknown setting {key} is ignored.", stacklevel=2)

    for key, (_, parse) in SETTINGS.items():
        value = raw[key]
        if value is None:
            config[key] = None
            continue
        try:
            config[key] = parse(value)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"Setting {key} is malformed: {error}.") from None
    _check_consistency(config)
    return config


def _check_consistency(config: dict[str, Any]) -> None:
    if config["ENV_NAME"] == "production":
        if not config["SECRET_KEY"]:
            raise ConfigError("Setting SECRET_KEY is missing: production needs its own secret key.")
        if not config["SQLALCHEMY_DATABASE_URI"]:
            raise ConfigError("Setting SQLALCHEMY_DATABASE_URI is missing: production needs one.")
        if not config["DATA_ENCRYPTION_KEYS"]:
            raise ConfigError(
                "Setting DATA_ENCRYPTION_KEYS is missing: production needs its own key to "
                "encrypt clients' health data (make one with `flask privacy new-key`)."
            )
    _check_messaging(config)
    if config["SECRET_KEY"] is not None and len(config["SECRET_KEY"]) < 16:
        raise ConfigError("Setting SECRET_KEY is malformed: use at least 16 random characters.")
    if bool(config["JITSI_APP_ID"]) != bool(config["JITSI_APP_SECRET"]):
        raise ConfigError("Settings JITSI_APP_ID and JITSI_APP_SECRET must be set together.")
    if bool(config["BBB_URL"]) != bool(config["BBB_SECRET"]):
        raise ConfigError("Settings BBB_URL and BBB_SECRET must be set together.")


def _check_messaging(config: dict[str, Any]) -> None:
    """Resolve the mail backend; console mail and SMS are for a developer's own machine."""
    production = config["ENV_NAME"] == "production"
    if config["MAIL_BACKEND"] is None:
        config["MAIL_BACKEND"] = "smtp" if config["MAIL_SERVER"] or production else "console"
    if config["MAIL_SERVER"] is None:
        config["MAIL_SERVER"] = "127.0.0.1"
    if production and config["MAIL_BACKEND"] == "console":
        raise ConfigError(
            'Setting MAIL_BACKEND is "console": production must send mail over SMTP, not '
            "print it with clients' personal links."
        )
    if config["SMS_PROVIDER"] is None:
        config["SMS_PROVIDER"] = "none" if production else "console"
    if production and config["SMS_PROVIDER"] == "console":
        raise ConfigError(
            'Setting SMS_PROVIDER is "console": production must send text messages through '
            'a provider (SMS_PROVIDER = "gatewayapi" with SMS_API_TOKEN) or not at all ("none").'
        )
    if config["SMS_PROVIDER"] == "gatewayapi" and not config["SMS_API_TOKEN"]:
        raise ConfigError("Setting SMS_API_TOKEN is missing: the gatewayapi provider needs it.")
    if not config["SMS_API_URL"]:
        raise ConfigError("Setting SMS_API_URL is missing: give the provider's address.")


def is_fernet_key(key: str) -> bool:
    """A Fernet key is 32 bytes in URL-safe base64 (44 characters with padding)."""
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False


def new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def instance_secret_key(instance_path: Path) -> str:
    """The embedded default's secret key, generated once and kept in the instance folder."""
    return _instance_file(instance_path, "secret_key", lambda: secrets.token_urlsafe(48))


def instance_data_key(instance_path: Path) -> str:
    """The embedded default's data encryption key, generated once like the secret key."""
    return _instance_file(instance_path, "data_key", new_fernet_key)


def _instance_file(instance_path: Path, name: str, make: Callable[[], str]) -> str:
    key_file = instance_path / name
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = make()
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
