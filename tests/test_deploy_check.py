"""The production profile passes Django's deployment checklist as it ships."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Left out of the child's environment: the defaults are what is checked, and the browser
# tests set DJANGO_ALLOW_ASYNC_UNSAFE, which no deployment may.
NOT_INHERITED = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_HSTS_PRELOAD",
    "DJANGO_SECURE_SSL_REDIRECT",
    "SERVE_MEDIA",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "likewise.example",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_turning_preload_off_is_a_deliberate_choice_the_check_accepts():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_HSTS_PRELOAD="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(1 silenced)" in result.stdout


@pytest.mark.parametrize(("env", "expected"), [({}, "False"), ({"SERVE_MEDIA": "1"}, "True")])
def test_production_serves_media_only_when_asked(env, expected):
    code = "from django.conf import settings; print(settings.SERVE_MEDIA)"
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
