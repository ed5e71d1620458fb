"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

INCIDENTDESK = str(Path(sys.executable).parent / "incidentdesk")
PRODUCTION = {
    "SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789abcdef",
    "ALLOWED_HOSTS": "incidents.example.org",
    "DEBUG": "false",
}


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_COOKIES",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "incidentdesk.settings"})
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [INCIDENTDESK, *args], env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path):
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL must be sqlite:// or postgres://"),
        ({"TIME_ZONE": "Europe/Atlantis"}, "TIME_ZONE 'Europe/Atlantis' is not a known"),
        ({"REQUIRE_TWO_FACTOR": "false"}, "REQUIRE_TWO_FACTOR may be switched off only"),
        ({"DEFAULT_FROM_EMAIL": "not an address"}, "DEFAULT_FROM_EMAIL"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_the_variable(tmp_path, env, message):
    result = run(["check"], {**PRODUCTION, **env}, tmp_path)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_secret_can_be_read_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION["SECRET_KEY"] + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = run(["check"], {**env, "SECRET_KEY_FILE": str(secret)}, tmp_path)

    assert result.returncode == 0, result.stderr


def test_sqlite_runs_in_wal_mode_with_full_synchronous_writes(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")  # the PostgreSQL run checks nothing here
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
    assert synchronous == 2  # FULL
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
