"""Settings shared by every environment.

Everything comes from the environment, and with nothing set the site runs on SQLite and the
in-memory channel layer, so `make run` works on a fresh machine.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cms.origins import exact_origins

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-only-for-local-use")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "cms",
    "deliberation",
    "meetings",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "vote",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "deliberation.wechat",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cms.middleware.QueryNulMiddleware",
    "cms.sites.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.middleware.ElderlyModeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.site",
                "deliberation.context_processors.nav",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"
ASGI_APPLICATION = "cms.asgi.application"

# --- Database -------------------------------------------------------------------------------
# SQLite is opened with IMMEDIATE transactions and a busy timeout: concurrent writers then wait
# for the lock instead of failing with "database is locked" halfway through a transaction
# (django-vote would otherwise swallow that error and report a lost support as "already voted").
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# DATABASE_POOL=1 (PostgreSQL only): each process keeps a pool of open connections (Django's own,
# psycopg_pool) instead of opening one per request. Under ASGI every request in flight holds a
# connection from its thread; one that finds the pool empty waits up to DATABASE_POOL_TIMEOUT
# seconds. Keep (ASGI workers + task workers) × DATABASE_POOL_MAX_SIZE below the server's
# max_connections (docs/deploy.md).
if IS_POSTGRES and env_bool("DATABASE_POOL"):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "deliberation.User"

# --- Redis: channel layer and cache ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, exactly as long as
                # channels-redis blocks in BZPOPMIN: under load a receive then fails with
                # "Timeout reading" and drops the WebSocket. Give blocking reads room.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}],
                # A burst of live events to a busy meeting must not be silently dropped.
                "capacity": int(os.environ.get("CHANNEL_CAPACITY", "5000")),
                "group_expiry": 86400,
                "expiry": 60,
                "prefix": os.environ.get("CHANNEL_PREFIX", "cdh"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "cdh"),
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 5000}}
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The printable PDFs (meetings/printing.py), keyed by a hash of the HTML they are drawn from: the
# same paper is drawn once (WeasyPrint takes a tenth of a second or more per page), and a change
# to anything printed changes the HTML, so a stale PDF is never served. A day, then drawn again.
CACHES["printing"] = {**CACHES["default"], "TIMEOUT": 24 * 3600}
if "KEY_PREFIX" in CACHES["printing"]:
    CACHES["printing"]["KEY_PREFIX"] += "-printing"
else:
    CACHES["printing"]["LOCATION"] = "printing"

# --- Accounts ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "profile"
# Residents sign up and log in with a mainland mobile number and an SMS code (sent through the
# outbox as the `verification_code` template); e-mail accounts keep working. Sign-up asks for one
# of the two (deliberation.forms.people.SignupForm); a phone given is verified by its code first.
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["phone", "email", "password1*", "password2*"]
# allauth warns when no login method is a required sign-up field: ours is "one of the two".
SILENCED_SYSTEM_CHECKS = ["account.W001"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# The registered SMS template says "valid for 5 minutes" and takes digits only.
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = ACCOUNT_LOGIN_BY_CODE_FORMAT = {
    "numeric": True,
    "length": 6,
    "dashed": False,
}
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
# Extra fields on allauth's own sign-up form (ACCOUNT_FORMS["signup"] would replace the whole form)
ACCOUNT_SIGNUP_FORM_CLASS = "deliberation.forms.people.SignupForm"
ACCOUNT_FORMS = {"request_login_code": "deliberation.forms.accounts.RequestLoginCodeForm"}
ACCOUNT_ADAPTER = "deliberation.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
# allauth counts a login as failed for the address until its password is checked: its default of
# 10 a minute per address refused the eleventh of a meeting room's residents logging in at once
# behind one Wi-Fi (bench/load.py). Per address 60 a minute; per account still 5 in 5 minutes.
ACCOUNT_RATE_LIMITS = {"login_failed": "60/m/ip,5/300s/key"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[社区议事厅] "

# WeChat login (deliberation/wechat): each application is offered only when its keys are set. The
# Open Platform's website application logs in by QR code on a desktop; the official account's
# logs in inside WeChat's own browser. Without either, no WeChat button shows.
SOCIALACCOUNT_ADAPTER = "deliberation.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "APPS": [
            {
                "client_id": os.environ[f"{prefix}_APP_ID"],
                "secret": os.environ.get(f"{prefix}_APP_SECRET", ""),
                "settings": {"in_wechat": in_wechat},
            }
            for prefix, in_wechat in (("WEIXIN", False), ("WEIXIN_MP", True))
            if os.environ.get(f"{prefix}_APP_ID") and os.environ.get(f"{prefix}_APP_SECRET")
        ]
    }
}
SOCIALACCOUNT_STORE_TOKENS = False

# --- Mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "社区议事厅 <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that hangs must not hold a task worker for long: the delivery is retried later.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "15"))

# --- Background work (docs/deploy.md) ---------------------------------------------------------
# Django's task framework (the django-tasks backport) with the database backend: notices are sent
# by `manage.py db_worker`, never inside a request. TASKS_BACKEND=immediate runs them in-process.
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[os.environ.get("TASKS_BACKEND", "database")]
    }
}
#: Attempts of a delivery that fails temporarily, and the waits between them (seconds).
DELIVERY_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]
#: No SMS in these local hours (Asia/Shanghai), except a meeting-day reminder (None: no quiet hours).
SMS_QUIET_HOURS = (22, 7)

# --- SMS (docs/sms.md) ------------------------------------------------------------------------
# The console backend prints each SMS; the Aliyun and Tencent backends need the keys below and the
# id of every approved template, one variable each: SMS_TEMPLATE_MEETING_INVITATION=SMS_123456.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "deliberation.sms.backends.console.SmsBackend")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_CODES = {
    name.removeprefix("SMS_TEMPLATE_").lower(): value.strip()
    for name, value in os.environ.items()
    if name.startswith("SMS_TEMPLATE_") and value.strip()
}
SMS_CONNECT_TIMEOUT = float(os.environ.get("SMS_CONNECT_TIMEOUT", "5"))  # seconds
SMS_READ_TIMEOUT = float(os.environ.get("SMS_READ_TIMEOUT", "10"))
SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com")
SMS_TENCENT_SECRET_ID = os.environ.get("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = os.environ.get("SMS_TENCENT_SECRET_KEY", "")
SMS_TENCENT_SDK_APP_ID = os.environ.get("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_REGION = os.environ.get("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_ENDPOINT = os.environ.get("SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com")
SMS_TENCENT_PARAM_MAX_LENGTH = int(os.environ.get("SMS_TENCENT_PARAM_MAX_LENGTH", "0"))  # 0: the catalogue's

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
#: Phones are stored in E.164 (deliberation/phones.py); a number without +86 is a mainland one.
PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DB_FORMAT = "E164"

# --- Static and media -------------------------------------------------------------------------
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "社区议事厅"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
# The live WebSocket accepts a handshake only from these origins (exact scheme, host and port).
WEBSOCKET_ALLOWED_ORIGINS = exact_origins([SITE_URL, *CSRF_TRUSTED_ORIGINS])
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx", "zip"]

# --- Product settings -------------------------------------------------------------------------
ROSTER_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ROSTER_MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip; refused before openpyxl reads it
ROSTER_MAX_ROWS = 5000  # households per file; reading stops at the next one
ROSTER_MAX_ERRORS_SHOWN = 50  # wrong rows listed on the page and by the command; all are counted
# Width × height a photo may declare before it is decoded (WebP and images with alpha: half).
# Keeps one upload near 150 MB of memory; bench/photo_memory.py measures it.
PHOTO_MAX_PIXELS = 12_600_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

SITE_TAGLINE = _("Residents' voices, heard and answered")
