from .base import *  # noqa: F401,F403
from .base import STORAGES

DEBUG = True
# The manifest storage needs collectstatic; in development files are served as they are.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
