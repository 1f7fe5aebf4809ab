"""Production settings: `check --deploy` is clean, headers are strict, sessions end."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories import PASSWORD, TOTPDeviceFactory

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "ampcase.settings",
    "SECRET_KEY": "a-production-like-secret-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0zyxwvuts",
    "ALLOWED_HOSTS": "amp.example.org",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ampcase"),
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _without_secret_key():
    return {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}


def test_missing_secret_key_stops_the_deploy_check():
    result = _manage("check", "--deploy", env=_without_secret_key())
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_secret_key_stops_the_server_at_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import ampcase.wsgi"],
        cwd=ROOT,
        env=_without_secret_key(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_migrations_can_be_checked_without_a_secret_key():
    result = _manage("makemigrations", "--check", "--dry-run", env=_without_secret_key())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def _debug_setting(**variables) -> str:
    """DEBUG as the settings read it from an environment of production's plus `variables`."""
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env={**PRODUCTION_ENV, **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_without_a_debug_variable():
    assert "DEBUG" not in PRODUCTION_ENV
    assert _debug_setting() == "False"


def test_debug_is_on_when_asked_for():
    assert _debug_setting(DEBUG="true") == "True"


@pytest.mark.django_db
def test_every_page_forbids_caching_and_inline_script(client):
    response = client.get(reverse("accounts:login"))
    assert response["Cache-Control"] == "no-store"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached(coordinator_client):
    response = coordinator_client.get(reverse("home"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_https_is_enforced_with_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("accounts:login"))["Location"].startswith("https://")
    response = client.get(reverse("accounts:login"), secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]


@pytest.mark.django_db
def test_session_cookie_is_sent_over_https_only_and_hidden_from_scripts(client, coordinator):
    TOTPDeviceFactory(user=coordinator)
    # The password step keeps the pending sign-in in the session: the response sets its cookie.
    response = client.post(
        reverse("accounts:login"),
        {"username": coordinator.username, "password": PASSWORD},
        secure=True,
    )
    assert response["Location"] == reverse("accounts:verify")
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")


@pytest.mark.django_db
def test_csrf_cookie_is_sent_over_https_only(client):
    response = client.get(reverse("accounts:login"), secure=True)
    assert response.cookies[django_settings.CSRF_COOKIE_NAME]["secure"] is True


@pytest.mark.django_db
def test_session_ends_after_thirty_minutes_idle(coordinator_client):
    home = reverse("home")
    assert coordinator_client.get(home).status_code == 200
    with time_machine.travel(_later(minutes=29)):
        assert coordinator_client.get(home).status_code == 200
    with time_machine.travel(_later(minutes=29 + 31)):
        assert coordinator_client.get(home).status_code == 302


@pytest.mark.django_db
def test_session_ends_after_twelve_hours_however_active(coordinator_client):
    home = reverse("home")
    # Active every 20 minutes for 11h40: still signed in.
    for step in range(1, 36):
        with time_machine.travel(_later(minutes=20 * step)):
            assert coordinator_client.get(home).status_code == 200, step
    with time_machine.travel(_later(minutes=20 * 37)):
        response = coordinator_client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _later(**delta):
    return dt.datetime.now(dt.UTC) + dt.timedelta(**delta)
