import os
import uuid

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, CACHES, DATABASES, STORAGES, WEBSOCKET_ALLOWED_ORIGINS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "deliberation.sms.backends.locmem.SmsBackend"
# Tasks run in-process at commit; the delivery tests run the database backend and its worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = BASE_DIR / ".test-media"
ACCOUNT_RATE_LIMITS = False
# No SMS quiet hours unless a test is about them (it sets them): otherwise a test run after
# 22:00 Asia/Shanghai would see every SMS held until the morning.
SMS_QUIET_HOURS = None

# Live-server tests with concurrent writers need a real file: Django's shared in-memory SQLite
# database is served through one connection and would hide any locking problem.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

# WebsocketCommunicator tests speak for a page served by Django's test client.
WEBSOCKET_ALLOWED_ORIGINS = [*WEBSOCKET_ALLOWED_ORIGINS, "http://testserver:80"]

# Counters kept in a shared Redis cache (check-in attempts) must not reach the next test run,
# whose fresh database reuses the same ids; workers started by a test share its CACHE_PREFIX.
if CACHES["default"]["BACKEND"].endswith("RedisCache") and "CACHE_PREFIX" not in os.environ:
    CACHES["default"]["KEY_PREFIX"] = f"cdhtest{uuid.uuid4().hex[:10]}"
    CACHES["printing"]["KEY_PREFIX"] = f"{CACHES['default']['KEY_PREFIX']}-printing"

# PostgreSQL: a test's commit does not wait for its write-ahead log to reach the disk. A crash of
# the server could lose the last commits of a test run, nothing else: locks, isolation and what
# other connections see are unchanged. The transactional tests commit tens of thousands of times.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
