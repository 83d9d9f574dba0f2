from .base import *  # noqa: F401,F403
from .base import STORAGES, WEBSOCKET_ALLOWED_ORIGINS

DEBUG = True
# The manifest storage needs collectstatic; in development files are served as they are.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# `make run` serves 127.0.0.1:8000; a developer may open it as localhost too.
WEBSOCKET_ALLOWED_ORIGINS = [*WEBSOCKET_ALLOWED_ORIGINS, "http://localhost:8000"]
