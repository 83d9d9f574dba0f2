"""DATABASE_POOL=1: Django's connection pool on PostgreSQL, for several ASGI and task workers
(``bench/load.py`` runs them with it; docs/deploy.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
POOL_VARIABLES = ("DATABASE_URL", "DATABASE_POOL", "DATABASE_POOL_MIN_SIZE", "DATABASE_POOL_MAX_SIZE")


def run(code: str, environment: dict[str, str]) -> str:
    """``code`` in a fresh process: settings modules run once per process."""
    env = {k: v for k, v in os.environ.items() if k not in POOL_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "cms.settings.test", **environment},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def database_from(environment: dict[str, str]) -> dict:
    code = "import json, cms.settings.base as s; print(json.dumps(s.DATABASES['default'], default=str))"
    return json.loads(run(code, environment))


def test_the_pool_is_asked_for_on_postgresql_only():
    pooled = database_from(
        {
            "DATABASE_URL": "postgres://u@db.example:5432/cdh",
            "DATABASE_POOL": "1",
            "DATABASE_POOL_MAX_SIZE": "4",
        }
    )
    assert pooled["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 4, "timeout": 10.0}
    assert pooled["CONN_MAX_AGE"] == 0  # Django refuses persistent connections beside a pool

    assert "pool" not in database_from({"DATABASE_URL": "postgres://u@db.example:5432/cdh"}).get(
        "OPTIONS", {}
    )
    sqlite = database_from({"DATABASE_URL": "sqlite:///pool.sqlite3", "DATABASE_POOL": "1"})
    assert "pool" not in sqlite["OPTIONS"]


@pytest.mark.postgres
def test_a_connection_closed_goes_back_to_the_pool(django_db_setup):
    """Closing (what Django does at the end of every request) hands the connection back: the
    next request gets the same server process instead of opening a new connection."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "import django, json; django.setup(); from django.db import connection\n"
        "pids = []\n"
        "for _ in range(5):\n"
        "    with connection.cursor() as c:\n"
        "        c.execute('SELECT pg_backend_pid()'); pids.append(c.fetchone()[0])\n"
        "    connection.close()\n"
        "print(json.dumps({'pooled': connection.pool is not None, 'pids': pids}))"
    )
    # One connection at most: a pool allowed to grow opens a second one when the first request
    # comes before its first connection is ready (seen in CI), and would then alternate.
    env = {
        "DATABASE_URL": url,
        "DATABASE_POOL": "1",
        "DATABASE_POOL_MIN_SIZE": "1",
        "DATABASE_POOL_MAX_SIZE": "1",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    seen = json.loads(run(code, env))
    assert seen["pooled"]
    assert len(set(seen["pids"])) == 1
