"""Settings for daphne workers started by the browser tests (see tests/browser/servers.py)."""

import os

from cms.settings.test import *  # noqa: F401,F403

# No collectstatic in tests: serve CSS/JS straight from the app folders, as runserver would.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The test process cannot see a worker's locmem outbox; it reads these files instead.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("TEST_MAIL_DIR", "/tmp/cdh-test-mail")
