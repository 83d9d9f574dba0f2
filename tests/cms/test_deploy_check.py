"""Production settings: ``manage.py check --deploy`` is clean, and unsafe defaults are refused.

Run in subprocesses, because production settings refuse to load without the right environment
and must not leak into the test process.
"""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "deliberation.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://deliberation.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SITE_URL": "https://deliberation.example.org",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "SECURE_SSL_REDIRECT"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The one check silenced is allauth's warning that no login method is a required sign-up field:
    # sign-up asks for a phone or an e-mail, one of the two (deliberation.forms.people.SignupForm).
    assert "System check identified no issues (1 silenced)." in output
    assert settings.SILENCED_SYSTEM_CHECKS == ["account.W001"]
    assert "WARNINGS" not in output and "ERRORS" not in output


@pytest.mark.parametrize(
    "change, complaint",
    [
        ({"SECRET_KEY": ""}, "Set SECRET_KEY"),
        ({"SECRET_KEY": "insecure-dev-key-only-for-local-use"}, "Set SECRET_KEY"),
        ({"ALLOWED_HOSTS": "127.0.0.1,localhost"}, "Set ALLOWED_HOSTS"),
        ({"REDIS_URL": ""}, "Set REDIS_URL"),
        ({"SITE_URL": "http://127.0.0.1:8000"}, "Set SITE_URL"),
    ],
    ids=["no-secret", "dev-secret", "local-hosts", "no-redis", "local-site-url"],
)
def test_production_refuses_unsafe_defaults(change, complaint):
    result = manage("check", env={**PRODUCTION_ENV, **change})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr
