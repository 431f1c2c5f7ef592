"""roamx settings: one module, configured from the environment.

SQLite in ``var/`` by default so a fresh clone runs; ``DATABASE_URL`` selects PostgreSQL.
Production (``DEBUG`` off) refuses to start without a real secret key and PostgreSQL.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from toolkit.environment import deploy_prefix, env, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = envbool("DEBUG", False)
# Set by roamx.settings_test before it imports this module.
TESTING = envbool("ROAMX_TESTING", False)

SECRET_KEY = env("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE) when DEBUG is off.")
    SECRET_KEY = "roamx-insecure-development-key"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
        # A persistent connection the database dropped (restart, failover) is replaced at the next
        # request instead of failing it (docs/operations.md).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://…")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Several processes (server, worker) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20})

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "import_export",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "roamx",
    "accounts",
    "indicators",
    "assessments",
    "review",
    "reports",
    "consultation",
    "publication",
]

MIDDLEWARE = [
    # First, so it sees every answer: under /api/ an error from Django itself (a refused Host header, a
    # CSRF failure, a 404 or 500 page, also DEBUG's) is turned into JSON (toolkit/errors.py).
    "toolkit.errors.APIErrorsAsJSONMiddleware",
    # A path with NUL is no page (404), before any view puts part of it in a query (toolkit/security.py).
    "toolkit.security.NulPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the app (compressed, cached forever by their hashed names), so any
    # reverse proxy in front of gunicorn needs no static configuration.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Each request starts in TIME_ZONE; one scoped to an assessment switches to its zone (docs/architecture.md).
    "assessments.timezones.TimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and authentication: a signed-in person's chosen language (accounts/language.py).
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a login refused for a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "roamx.urls"
WSGI_APPLICATION = "roamx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            # {% url %} remembering its answers (toolkit/url_tag.py): the same links on every page.
            "builtins": ["toolkit.url_tag"],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# Each language named in itself: the switcher in the top bar shows these names as they are.
LANGUAGES = [("en", "English"), ("km", "ភាសាខ្មែរ")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Pages that belong to no assessment (home, my assessments) show times in TIME_ZONE; an assessment's
# pages, mails, exports and PDF in the assessment's own (assessments/timezones.py).
TIME_ZONE = env("TIME_ZONE", "UTC")
# Dates and times are always written through named formats (DATE_FORMAT, DATETIME_FORMAT, ...) from here.
FORMAT_MODULE_PATH = ["roamx.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
# Uploads and exported PDFs: MEDIA_ROOT on this machine's disk, or, with S3_BUCKET set, an S3-compatible
# object store (AWS S3, MinIO, Ceph, …) shared by every machine (docs/deploy.md). Objects are private and
# never linked to: roamx reads them through the storage API and sends them to members only, as from disk.
S3_BUCKET = env("S3_BUCKET", "")
S3_STORAGE = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("S3_ENDPOINT_URL", "") or None,
        "region_name": env("S3_REGION", "") or None,
        "access_key": env("S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY", "") or None,
        "location": env("S3_PREFIX", ""),
        "default_acl": "private",
        "querystring_auth": True,
        # A name already taken gets a suffix, as on disk, instead of overwriting another row's file.
        "file_overwrite": False,
        "addressing_style": env("S3_ADDRESSING_STYLE", "") or None,
    },
}
STORAGES = {
    "default": S3_STORAGE if S3_BUCKET else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, pre-compressed copies made by `manage.py collectstatic`; the demo server
    # (DEBUG on) serves the files as they are, so `make run` needs no collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (report rendering): the database backend needs no extra server; run
# `manage.py db_worker` beside the web server. Larger installations can switch to django-tasks-rq.
# With TASKS_BACKEND=django_tasks_rq.RQBackend the queue lives in Redis (RQ_REDIS_URL, by default
# REDIS_URL) and `manage.py rqworker --job-class django_tasks_rq.Job default` renders (docs/deploy.md).
TASKS_BACKEND = env("TASKS_BACKEND", "") or "django_tasks_db.DatabaseBackend"
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    RQ_REDIS_URL = env("RQ_REDIS_URL", "") or env("REDIS_URL", "")
    if not RQ_REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=django_tasks_rq.RQBackend needs RQ_REDIS_URL or REDIS_URL.")
    TASKS["default"]["QUEUES"] = ["default"]
    # A render takes seconds to minutes; RQ's default of 180 s would kill a large one.
    RQ_QUEUES = {"default": {"URL": RQ_REDIS_URL, "DEFAULT_TIMEOUT": envint("RQ_JOB_TIMEOUT", 1800)}}
    INSTALLED_APPS += ["django_rq"]
# Report rendering: worker processes for chapters rendered in parallel (0 = one per CPU core).
REPORT_RENDER_PROCESSES = envint("REPORT_RENDER_PROCESSES", 0)
# A running export whose progress has not moved for this long lost its worker (killed, out of memory,
# machine restarted) and is marked failed (docs/operations.md). Progress moves once per chapter.
REPORT_EXPORT_STALE_SECONDS = envint("REPORT_EXPORT_STALE_SECONDS", 300)

# Caches (the dashboard's parts): each process's memory by default; with REDIS_URL one Redis shared by
# every worker and machine, so a part computed by one is served by all (docs/deploy.md).
# Redis unreachable: reads are misses and writes are skipped (toolkit/cache.py), so pages still render from
# the database; an address that drops packets costs at most the timeouts below.
REDIS_URL = env("REDIS_URL", "")
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": float(env("REDIS_CONNECT_TIMEOUT", "0.5")),
    "socket_timeout": float(env("REDIS_TIMEOUT", "1")),
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "toolkit.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            # The deploy's stamp (toolkit.environment.deploy_stamp): a new release never reads parts the
            # previous one rendered; theirs expire on their own. Worked out at the first key made.
            "KEY_PREFIX": deploy_prefix(env("CACHE_KEY_PREFIX", "roamx"), BASE_DIR),
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Uploads: refuse oversized requests before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
# Evidence attachments (PDF, DOCX, XLSX, CSV, PNG, JPEG): refused above this size.
ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# The API (docs/api.md): token first so an anonymous request gets 401 with WWW-Authenticate; session
# authentication keeps CSRF protection for browsers. Parsing, errors, paging: toolkit/rest.py; schema: toolkit/api_schema.py.
API_PAGE_SIZE = envint("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 500)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "toolkit.rest.Pagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["toolkit.rest.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "toolkit.rest.JSONNegotiation",
    "DEFAULT_SCHEMA_CLASS": "toolkit.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "toolkit.rest.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "roamx API",
    "DESCRIPTION": "Framework editions, assessments, findings and their evidence, review comments and votes, "
    "report content and exports. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served to anyone, signed in or not (docs/api.md), and built once per language (toolkit/api_schema.py).
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_GENERATOR_CLASS": "toolkit.api_schema.SchemaGenerator",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page works offline: Swagger UI's files come from drf-spectacular-sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        # An assessment's two language fields share one choice set: one enum in the schema.
        "LanguageEnum": LANGUAGES,
        "FindingStatusEnum": "assessments.choices.FindingStatus",
        "CategoryCodeEnum": "indicators.choices.CategoryCode",
        "RoleEnum": "assessments.choices.Role",
        # Confidence and report priority are the same set (high, medium, low): one enum.
        "LevelEnum": "assessments.choices.Confidence",
        "KindEnum": "indicators.choices.IndicatorKind",
        "SectionKindEnum": "reports.choices.SectionKind",
        "FollowUpStatusEnum": "reports.choices.FollowUpStatus",
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "roamx <roamx@localhost>")
# Links in emails (sent outside a request, e.g. by send_digests) start with this.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Consultations (docs/operations.md): participants' personal data is erased this many days after a
# consultation closes (manage.py erase_consultation_data); the open link allows this many requests per
# client address (django-ratelimit's rate syntax) in the cache CONSULTATION_CACHE_URL names (Redis),
# else in the default cache (shared Redis with REDIS_URL; without either each process counts alone);
# the projector polls its tallies this often.
CONSULTATION_RETENTION_DAYS = envint("CONSULTATION_RETENTION_DAYS", 180)
CONSULTATION_OPEN_RATE = env("CONSULTATION_OPEN_RATE", "5000/10m")
CONSULTATION_POLL_SECONDS = envint("CONSULTATION_POLL_SECONDS", 3)
if env("CONSULTATION_CACHE_URL", ""):
    # Degrading too: with Redis away the open link's limit fails open rather than answering 500.
    CACHES["ratelimit"] = {
        "BACKEND": "toolkit.cache.DegradingRedisCache",
        "LOCATION": env("CONSULTATION_CACHE_URL"),
        "OPTIONS": REDIS_CACHE_OPTIONS,
    }
    RATELIMIT_USE_CACHE = "ratelimit"
# How long the author of a review comment may still edit it.
REVIEW_COMMENT_EDIT_MINUTES = envint("REVIEW_COMMENT_EDIT_MINUTES", 15)

if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe /healthz/ over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    # HSTS is hard to undo once browsers have seen it: opt in once HTTPS works everywhere
    # (docs/deploy.md; deploy/roamx.env.example turns all three on for a dedicated domain).
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)

# Security (docs/security.md). Login throttling with django-axes: one lock per username and client
# address, so an attacker guessing one account from one address neither locks that user out elsewhere
# nor other users out from a shared office address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, its per-request user lookup in plain SQL (accounts/fast.py).
    "accounts.fast.Backend",
]
# Django's database sessions, read with one plain query (accounts/fast.py).
SESSION_ENGINE = "accounts.fast"
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "toolkit.security.lockout"
AXES_HTTP_RESPONSE_CODE = 429
# No banner on every manage.py command and worker start; lockouts are still logged.
AXES_VERBOSE = False
# Behind a reverse proxy REMOTE_ADDR is the proxy's: the client is read from X-Forwarded-For, counting
# TRUSTED_PROXY_COUNT entries from the right (the ones our own proxies appended; the rest are the client's word).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "toolkit.security.client_ip"

# Headers on every response (Django's defaults, written down so docs/security.md can point at them).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp): no inline script or style anywhere, so injected markup cannot run.
# data: images are the favicon and the icons inside the admin's and Swagger UI's stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        **({"report-uri": [env("CSP_REPORT_URI")]} if env("CSP_REPORT_URI") else {}),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every laid-out page at INFO; pikepdf announces its logger bridge at INFO on import
    # (so on every manage.py command, as reports imports it).
    "loggers": {"weasyprint": {"level": "WARNING"}, "pikepdf": {"level": "WARNING"}},
}
