"""Production: refuse to start on defaults that would be unsafe in public."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host

from .base import *  # noqa: F401,F403
from .base import ALLOWED_HOSTS, CHANNEL_LAYERS, SECRET_KEY, SITE_URL, env_bool

DEBUG = False

if not SECRET_KEY or SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")
if not ALLOWED_HOSTS or set(ALLOWED_HOSTS) <= {"127.0.0.1", "localhost", "testserver"}:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the public host names of the site.")
if not validate_host(urlsplit(SITE_URL).hostname or "", ALLOWED_HOSTS):
    # Links in mail and the live WebSocket's only accepted origin come from SITE_URL.
    raise ImproperlyConfigured(
        "Set SITE_URL to the site's public address, e.g. https://yishiting.example.org."
    )
if CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer") and not env_bool(
    "ALLOW_INMEMORY_CHANNEL_LAYER"
):
    raise ImproperlyConfigured("Set REDIS_URL: live minutes need a shared channel layer in production.")

# Sign-up is by phone (proven by its SMS code before the account is used) or by e-mail; allauth
# cannot make e-mail verification mandatory while e-mail is optional, so an e-mail given is
# confirmed by the link allauth sends ("optional"), and the phone's code is always required.
ACCOUNT_EMAIL_VERIFICATION = "optional"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail marks its own preview views SAMEORIGIN; nothing else of ours belongs in a frame.
X_FRAME_OPTIONS = "DENY"
