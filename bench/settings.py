"""Production settings, served on the loopback by the benchmarks that start real workers
(``bench/load.py``).

Everything is ``cms.settings.production`` (so DEBUG is False and its checks run: SECRET_KEY,
ALLOWED_HOSTS, SITE_URL, REDIS_URL come from the environment the bench sets), except:

- the root URLconf is ``bench.urls``: the site plus one bare view to compare with, so the
  product itself has no bench endpoint;
- cookies are not marked Secure: the bench speaks plain HTTP to the workers (no TLS proxy in
  front), and a client never sends a Secure cookie over HTTP, so nobody could stay logged in;
- the per-address login limits are lifted (the per-account one stays): every simulated
  resident logs in from 127.0.0.1, where in production each has an address of their own.
  allauth counts a login as failed for that address until its password is checked, so with
  hashing taking a second or more under load, the eleventh login in flight from one address is
  refused as "too many failed attempts" although none failed;
- the workers' console logs errors only, so the bench can count them: a refused repeat support
  is a 403, which Django logs as a warning with its traceback.
"""

from cms.settings.production import *  # noqa: F401,F403
from cms.settings.production import LOGGING

ROOT_URLCONF = "bench.urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ACCOUNT_RATE_LIMITS = {"login": "10000/m/ip", "login_failed": "10000/m/ip,5/300s/key"}
LOGGING = {**LOGGING, "handlers": {"console": {"class": "logging.StreamHandler", "level": "ERROR"}}}
