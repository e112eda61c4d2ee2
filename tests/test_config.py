"""Configuration: layers in order, unknown keys warn, bad settings stop start-up clearly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scheduler.config import ROOT, SETTINGS, ConfigError, instance_secret_key, load_config


def test_layers_apply_in_order(tmp_path):
    toml = tmp_path / "config.toml"
    toml.write_text("JOIN_WINDOW_MINUTES = 20\nFREEZE_DAYS = 7\nMAIL_PORT = 2525\n")
    environ = {
        "SCHEDULER_CONFIG": str(toml),
        "SCHEDULER_FREEZE_DAYS": "10",
        "SCHEDULER_MAIL_PORT": "2526",
    }
    config = load_config({"MAIL_PORT": 2527}, environ=environ)
    assert config["JOIN_WINDOW_MINUTES"] == 20  # file over default
    assert config["FREEZE_DAYS"] == 10  # environment over file
    assert config["MAIL_PORT"] == 2527  # overrides over everything
    assert load_config(environ={})["JOIN_WINDOW_MINUTES"] == 15  # default


def test_scheduler_table_in_toml_is_accepted(tmp_path):
    toml = tmp_path / "config.toml"
    toml.write_text("[scheduler]\nFREEZE_DAYS = 3\n")
    assert load_config(environ={"SCHEDULER_CONFIG": str(toml)})["FREEZE_DAYS"] == 3


def test_unknown_key_warns(tmp_path):
    with pytest.warns(UserWarning, match="JOIN_WINDOW_MINUTS"):
        load_config(environ={"SCHEDULER_JOIN_WINDOW_MINUTS": "5"})


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"SCHEDULER_MAIL_PORT": "seventy"}, "MAIL_PORT"),
        ({"SCHEDULER_JOIN_WINDOW_MINUTES": "-5"}, "JOIN_WINDOW_MINUTES"),
        ({"SCHEDULER_SQLALCHEMY_DATABASE_URI": "mysql://x"}, "SQLALCHEMY_DATABASE_URI"),
        ({"SCHEDULER_BBB_URL": "https://bbb.example.org/"}, "BBB_URL"),
        ({"SCHEDULER_REMINDER_TIME": "25:00"}, "REMINDER_TIME"),
        ({"SCHEDULER_ENV_NAME": "production"}, "SECRET_KEY"),
        ({"SCHEDULER_JITSI_APP_ID": "app"}, "JITSI_APP_SECRET"),
        ({"SCHEDULER_SECRET_KEY": "short"}, "SECRET_KEY"),
    ],
)
def test_malformed_or_missing_setting_names_the_key(environ, key):
    with pytest.raises(ConfigError, match=key):
        load_config(environ=environ)


def test_bad_toml_file_is_named(tmp_path):
    toml = tmp_path / "broken.toml"
    toml.write_text("FREEZE_DAYS = = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(environ={"SCHEDULER_CONFIG": str(toml)})
    with pytest.raises(ConfigError, match="not a readable file"):
        load_config(environ={"SCHEDULER_CONFIG": str(tmp_path / "missing.toml")})


def test_start_up_stops_with_one_sentence_and_no_traceback(tmp_path):
    env = {"SCHEDULER_MAIL_PORT": "seventy", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "scheduler", "init-db"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Setting MAIL_PORT is malformed" in result.stderr
    assert "Traceback" not in result.stderr


def test_embedded_default_keeps_a_generated_secret_key(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) >= 40
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secure_cookie_settings(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_example_config_documents_every_key_and_loads():
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    undocumented = [key for key in SETTINGS if key not in text]
    assert not undocumented
    load_config(environ={"SCHEDULER_CONFIG": str(ROOT / "config.example.toml")})
