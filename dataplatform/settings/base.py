"""Settings, all driven by environment variables (django-environ).

With no environment at all the platform runs the embedded demo: SQLite in ``var/``, no Redis,
Celery tasks run in-process and ``manage.py run_timers`` fires the periodic ones. Production sets
``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG=false``.
Bad values fail loudly with ImproperlyConfigured at start-up, never at the first request.
"""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where people reach the platform, for the absolute addresses it writes down: links in e-mails, the
# portal's API box, a download's provenance. Not read from a request: an e-mail is sent by a worker,
# and a proxy's internal address must not leak onto a public page. The demo's address by default; in
# production the first of ALLOWED_HOSTS over HTTPS (SECURE_SSL_REDIRECT sends everyone there anyway).
SITE_URL = env.str("SITE_URL", default="").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG else f"https://{(ALLOWED_HOSTS or [''])[0].lstrip('.')}"
)
_site = urlsplit(SITE_URL)
if (
    _site.scheme not in ("http", "https")
    or not _site.netloc
    or "*" in _site.netloc
    or _site.path
    or _site.query
    or _site.fragment
):
    raise ImproperlyConfigured(
        f"SITE_URL must be an origin such as https://data.example.gov.cn: {SITE_URL!r}"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",  # login lockout (see Security below)
    "csp",
    "django_prometheus",  # request latency by view, at /metrics (dataplatform.core.metrics)
    "dataplatform.core",
    "audit",
    "catalog",
    "sharing",
    "opening",
    "correction",
    "supervision",
    "federation",  # province, city and county platforms as one network (docs/federation.md)
    "governance",
    "operations",  # the demo and the timer loop, over every app
]

MIDDLEWARE = [
    # First: the caller's address behind the proxies and the request id, for everything below.
    "dataplatform.core.request_context.RequestContextMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dataplatform.core.middleware.RefuseNulBytesMiddleware",  # before CSRF reads the form's token
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dataplatform.core.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # it answers a locked-out login itself
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "dataplatform.urls"
WSGI_APPLICATION = "dataplatform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dataplatform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dataplatform.core.context_processors.navigation",
                "opening.navigation.portal_menu",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the timer loop read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# The role that owns the tables, for `migrate`, `grant_app_role` and the audit partition maintenance
# (dataplatform/core/db_roles.py); DATABASE_URL is then the application's role, which cannot alter,
# truncate or drop them. Unset: everything runs on DATABASE_URL, as the demo does.
if env.str("DATABASE_OWNER_URL", default=""):
    DATABASES["owner"] = {
        **env.db("DATABASE_OWNER_URL"),
        "ATOMIC_REQUESTS": False,
        "TEST": {"MIRROR": "default"},  # the test database is made once, by the default connection
    }
    _where = ("ENGINE", "NAME", "HOST", "PORT")
    if [DATABASES["owner"].get(key) for key in _where] != [DATABASES["default"].get(key) for key in _where]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL must name the database of DATABASE_URL, as another role."
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any other backend checks the password.
    "dataplatform.core.auth_backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no permissions are ever given to anonymous visitors
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time (SPEC 8: store UTC, show and count dates in China Standard Time) ---------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project's catalog first; then the Chinese of installed packages that lack it (vendor_locale/README.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "vendor_locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Dates as 2026-12-03 and 2026-12-03 15:57, numbers grouped by three, in both languages (dataplatform/formats/).
FORMAT_MODULE_PATH = ["dataplatform.formats"]
USE_TZ = True

# --- Static files: installed from npm by `make install`, served by whitenoise -------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"
# Audit chain heads, appended hourly outside the database; copy them off the machine (Q8.4).
AUDIT_CHECKPOINT_DIR = env.path("AUDIT_CHECKPOINT_DIR", default=VAR_DIR / "audit-checkpoints")
# Audit logs are kept at least three years (Q8.4, F24), then archived to files here a month at a time.
# Three years are 1096 days at most (a leap day); less is refused here, at start-up of every process.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=3 * 365 + 1)
if AUDIT_RETENTION_DAYS < 3 * 365 + 1:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS is {AUDIT_RETENTION_DAYS}: audit logs must be kept at least three years "
        "(1096 days; Q8.4, F24)."
    )
AUDIT_ARCHIVE_DIR = env.path("AUDIT_ARCHIVE_DIR", default=VAR_DIR / "audit-archives")
# The chain heads timestamped hourly by an RFC 3161 timestamp authority (audit.anchoring); empty: off.
AUDIT_TSA_URL = env.str("AUDIT_TSA_URL", default="")
# The TSA's CA certificates (PEM): only tokens signed under them count. Without it, tokens are checked for
# integrity only (any key can sign one): set it wherever AUDIT_TSA_URL is set.
AUDIT_TSA_CA_FILE = env.str("AUDIT_TSA_CA_FILE", default="")
if AUDIT_TSA_CA_FILE and not Path(AUDIT_TSA_CA_FILE).is_file():
    raise ImproperlyConfigured(f"AUDIT_TSA_CA_FILE is {AUDIT_TSA_CA_FILE}, which is not a file.")
AUDIT_TSA_TIMEOUT = env.int("AUDIT_TSA_TIMEOUT", default=10)  # seconds

# --- Email ----------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="数据共享平台 <noreply@dataplatform.local>")

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Embedded demo: tasks run in-process at once; `manage.py run_timers` plays the part of beat.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="dataplatform")
# A task is acknowledged only when it has finished, and given back if its worker dies, so that a
# killed worker loses nothing; tasks are idempotent, so running one twice does no harm.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: a long push does not hold short tasks hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis re-delivers an unacknowledged task after this long; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)
}
CELERY_TASK_TIME_LIMIT = 5 * 3600
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Deadlines are stored in the database and scanned by these timers; no long Celery ETAs.
CELERY_BEAT_SCHEDULE = {
    # Worker and beat heartbeats for /readyz (dataplatform.core.health). It expires unrun after a
    # minute: a backlog of old heartbeats must not make a worker that was down look alive.
    "heartbeat": {
        "task": "dataplatform.core.tasks.heartbeat",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "send-pending-notification-emails": {
        "task": "dataplatform.core.tasks.send_pending_notification_emails",
        "schedule": timedelta(minutes=1),
    },
    # Uploads whose task was lost (a broker restart) or whose worker died (no heartbeat for
    # UPLOAD_STALE_SECONDS) are taken up again; files kept past UPLOAD_KEEP_HOURS are removed.
    "aggregate-waiting-batches": {
        "task": "catalog.tasks.aggregate_waiting_batches",
        "schedule": timedelta(minutes=2),
    },
    "remove-kept-upload-files": {
        "task": "catalog.tasks.remove_kept_upload_files",
        "schedule": timedelta(minutes=10),
    },
    # Sharing deadlines: each scan is idempotent, so running hourly costs nothing and a missed run
    # (a restart) is caught up by the next one.
    "remind-applications": {"task": "sharing.tasks.remind_applications", "schedule": timedelta(hours=1)},
    "mark-overdue-applications": {
        "task": "sharing.tasks.mark_overdue_applications",
        "schedule": timedelta(hours=1),
    },
    "expire-grants": {"task": "sharing.tasks.expire_grants", "schedule": timedelta(hours=1)},
    "remind-usage-reports": {"task": "sharing.tasks.remind_usage_reports", "schedule": timedelta(days=1)},
    # Due pushes, retries after back-off, and runs whose worker died: all found in the database.
    "start-due-pushes": {"task": "sharing.tasks.start_due_pushes", "schedule": timedelta(minutes=1)},
    # Correction deadlines (Q7.2): the same idempotent scans. A ticket is resolved when its records are
    # re-aggregated: the catalog's aggregation does not call correction, so this scan notices it.
    "remind-correction-tickets": {"task": "correction.tasks.remind_tickets", "schedule": timedelta(hours=1)},
    "mark-overdue-correction-tickets": {
        "task": "correction.tasks.mark_overdue_tickets",
        "schedule": timedelta(hours=1),
    },
    "remind-overdue-correction-tickets": {
        "task": "correction.tasks.remind_overdue_tickets",
        "schedule": timedelta(hours=1),
    },
    "scan-corrected-tickets": {
        "task": "correction.tasks.scan_corrected_tickets",
        "schedule": timedelta(minutes=1),
    },
    # Audit tamper evidence (Q8.4): events are chained behind the insert, and the chain heads copied
    # outside the database. Both are idempotent.
    "seal-audit-events": {"task": "audit.tasks.seal_events", "schedule": timedelta(minutes=1)},
    "write-audit-checkpoints": {"task": "audit.tasks.write_checkpoints", "schedule": timedelta(minutes=10)},
    # Usage logs to producers (Q8.4, F24): yesterday's (China Standard Time) pushed by the first run after
    # midnight, failed webhooks retried by the later ones. Hourly rather than a 01:00 crontab: run_timers
    # (embedded mode) wraps every schedule in a timedelta schedule and cannot run a crontab; pushes are
    # rows first, so the extra runs send nothing twice.
    "push-usage-logs": {"task": "audit.tasks.push_usage_logs", "schedule": timedelta(hours=1)},
    # The yearly open catalog review (Q6.1, G34, F12): the first run of a year lists every entry for a
    # decision; the daily runs after it only add entries made since (idempotent).
    "open-yearly-review": {"task": "opening.tasks.open_yearly_review", "schedule": timedelta(days=1)},
    # Audit retention (Q8.4): next months' partitions created ahead, months past the retention archived
    # and dropped. Monthly in effect; run daily (run_timers cannot run a crontab), idempotent.
    "maintain-audit-partitions": {"task": "audit.tasks.maintain_partitions", "schedule": timedelta(days=1)},
    # Federation (docs/federation.md §7): peers' due outbox rows, each peer's back-off kept in its row; and
    # the replay guard's nonces, useless once their signature has expired.
    "deliver-federation-outbox": {"task": "federation.tasks.deliver_due", "schedule": timedelta(minutes=1)},
    "purge-federation-nonces": {"task": "federation.tasks.purge_nonces", "schedule": timedelta(hours=1)},
    # Back-flow (docs/federation.md §14): the records of granted exports, a chunk at a time behind the
    # peer's backlog; and each day's use of mirrored data, reported to the upper node's producer (Q8.4).
    "federation-exports": {"task": "federation.tasks.exports_step", "schedule": timedelta(minutes=1)},
    "federation-usage-reports": {
        "task": "federation.tasks.usage_reports_send",
        "schedule": timedelta(hours=1),
    },
}

# --- Health (/healthz, /readyz: dataplatform.core.health) ------------------------------------------
# /readyz fails when the worker's or beat's heartbeat (written every minute) is older than this.
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=300)
# ... when the oldest unsealed audit event is older than this (the sealer runs every minute).
HEALTH_SEALER_MAX_LAG = env.int("HEALTH_SEALER_MAX_LAG", default=600)
# ... when the disk of AUDIT_CHECKPOINT_DIR or AUDIT_ARCHIVE_DIR has less free space than this.
HEALTH_MIN_FREE_DISK_MB = env.int("HEALTH_MIN_FREE_DISK_MB", default=1024)
# /metrics (Prometheus, operations.metrics) answers a scraper sending "Authorization: Bearer <METRICS_TOKEN>";
# with no token, callers on the loopback address only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Cache ----------------------------------------------------------------------------------------
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The API key class comes first so that an unauthenticated call gets 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dataplatform.core.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "dataplatform.core.schema.AutoSchema",  # error answers, descriptions
    "EXCEPTION_HANDLER": "dataplatform.core.api_errors.exception_handler",
    "NUM_PROXIES": 0,  # REMOTE_ADDR is already the caller's (PROXY_COUNT, RequestContextMiddleware)
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Government data sharing platform API"),  # in the language of the request (Accept-Language)
    "DESCRIPTION": "Authenticate REST clients with `Authorization: Api-Key <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies without an example get one derived from their fields (dataplatform.core.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dataplatform.core.schema.add_request_examples",
    ],
    # Several models have a "status"; name each choice set after its lifecycle.
    "ENUM_NAME_OVERRIDES": {
        "ResourceStatusEnum": "catalog.models.ResourceStatus",
        "BatchStatusEnum": "catalog.models.BatchStatus",
        "InterfaceStatusEnum": "catalog.models.InterfaceStatus",
        "InterfaceRequestStatusEnum": "catalog.models.InterfaceRequestStatus",
        "ApplicationStatusEnum": "sharing.models.ApplicationStatus",
        "GrantStatusEnum": "sharing.models.GrantStatus",
        "TicketStatusEnum": "correction.models.TicketStatus",
        "TicketKindEnum": "correction.models.TicketKind",
        "TicketActionEnum": "correction.serializers.PEOPLES_ACTIONS",
        "ServiceMethodEnum": "catalog.models.ServiceMethod",
        "ProjectStageEnum": "governance.models.ProjectStage",
        "CopyStatusEnum": "governance.models.CopyStatus",
        "AuthorizationStatusEnum": "governance.models.AuthorizationStatus",
        "ComplaintStatusEnum": "governance.models.ComplaintStatus",
        "DisputeStatusEnum": "governance.models.DisputeStatus",
        "SubjectKindEnum": "governance.models.SubjectKind",
        "PushRunStatusEnum": "sharing.exchange.models.RunStatus",
        "PushRunTriggerEnum": "sharing.exchange.models.RunTrigger",
        "TargetEngineEnum": "sharing.exchange.models.TargetEngine",
        "SourceCheckStatusEnum": "catalog.models.SourceCheckStatus",
        "PersonnelChangeStatusEnum": "dataplatform.core.models.PersonnelChangeStatus",
        "IdentityStatusEnum": "dataplatform.core.models.IdentityStatus",
        "UnitKindEnum": "dataplatform.core.models.units.UnitKind",
        "DisposalEnum": "catalog.models.Disposal",
        "OpenEntryStatusEnum": "opening.models.OpenEntryStatus",
        "OpenApplicationStatusEnum": "opening.models.OpenApplicationStatus",
        "OpenTypeEnum": "catalog.models.OpenType",
        "OpenedTypeEnum": "opening.workflow.OPEN_TYPES",  # how an open entry opens: no "not_open"
        "NodeLevelEnum": "federation.models.NodeLevel",
        "PeerStatusEnum": "federation.models.PeerStatus",
        "RemoteStatusEnum": "federation.models.RemoteStatus",
        "BackflowStatusEnum": "federation.models.BackflowStatus",
    },
}

# --- Security (production: `manage.py check --deploy` reports nothing) -------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"  # no address of ours, with its ids, leaves in a Referer
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # a shared office computer forgets the person with the browser
# The CSRF cookie stays readable by scripts: Swagger UI's "Try it out" sends it back as a header.
CSRF_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp): scripts only from our own static files, or inline with the
# per-request nonce (`<script nonce="{{ request.csp_nonce }}">`); no inline event handlers (onclick=...).
# Styles may be inline: Bootstrap, ECharts and Swagger UI set style attributes. tests/hardening checks
# that every template's inline script carries the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login lockout (django-axes): five failures for one user name from one address lock that pair out
# for 15 minutes (429); a success resets the count. Failures are also in the audit log (LoginView).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# The caller's address: REMOTE_ADDR unless PROXY_COUNT trusted reverse proxies stand in front of gunicorn.
# Then RequestContextMiddleware (first in MIDDLEWARE) puts the address the proxies saw into REMOTE_ADDR, taken
# exactly PROXY_COUNT hops from the right of X-Forwarded-For, so the audit, django-axes, the API-key lockouts
# and DRF's throttles (NUM_PROXIES 0: REMOTE_ADDR as it is) all count the caller, and an X-Forwarded-For that
# no proxy of ours wrote cannot pose as a new address every time.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# The same for API keys (dataplatform/core/authentication.py): this many rejected keys from one address,
# or for one key prefix, within the window, and further calls get 429 until it has passed.
API_KEY_FAILURE_LIMIT = env.int("API_KEY_FAILURE_LIMIT", default=10)
API_KEY_LOCKOUT_SECONDS = env.int("API_KEY_LOCKOUT_SECONDS", default=15 * 60)

# Uploads. A request body other than files (JSON records, form fields) over DATA_UPLOAD_MAX_MEMORY_SIZE is
# refused with 400 before it is read whole. Files are spooled to disk above FILE_UPLOAD_MAX_MEMORY_SIZE and
# each upload checks its own size with a clear error: data files (catalog.aggregation.services.MAX_UPLOAD_BYTES),
# correction evidence (correction.services), application papers (ATTACHMENT_MAX_BYTES, sharing.services).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Data files (catalog.aggregation): removed once their batch is aggregated or refused (0), or kept this many
# hours for a look and then removed by a timer. The records are in the database; the file is a copy.
UPLOAD_KEEP_HOURS = env.int("UPLOAD_KEEP_HOURS", default=0)
# A processing batch whose worker wrote no heartbeat (every sixth of this) for this long lost its worker,
# and is taken up again by the next run of the timer.
UPLOAD_STALE_SECONDS = env.int("UPLOAD_STALE_SECONDS", default=180)
if UPLOAD_KEEP_HOURS < 0 or UPLOAD_STALE_SECONDS < 30:
    raise ImproperlyConfigured("UPLOAD_KEEP_HOURS must be 0 or more and UPLOAD_STALE_SECONDS 30 or more.")
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Data service interface: misuse control (Q5.3 forbids crawlers and automatic query tools) ----
DATA_API = {
    "RATE_PER_MINUTE": env.int("DATA_API_RATE_PER_MINUTE", default=120),  # per grant, unless the grant says
    "DAILY_QUOTA": env.int("DATA_API_DAILY_QUOTA", default=20000),
    # Records a grant's calls may return a day (list pages count their rows, a key lookup 1), unless it says.
    "DAILY_ROWS": env.int("DATA_API_DAILY_ROWS", default=10000),
    # Suspend a grant by itself when crawler-like use is detected (the authority is alerted either way).
    "AUTO_SUSPEND": env.bool("DATA_API_AUTO_SUSPEND", default=False),
    "SEQUENTIAL_RUN": 20,  # this many keys walked one after another
    "MISS_SHARE": 0.5,  # over half of the lookups miss ...
    "MISS_MIN_CALLS": 50,  # ... once there are this many in the day
    "VOLUME_FACTOR": 10,  # a day's calls this many times the grant's daily average of the past week ...
    "VOLUME_MIN": 1000,  # ... and at least this many
    "PAGE_WALK": 10,  # more pages than this of one filter set ...
    "PAGE_WALK_WINDOW": 600,  # ... within this many seconds of its first page
    "WHOLE_TABLE_SHARE": 0.5,  # records returned today reach this share of the resource's records ...
    "WHOLE_TABLE_MIN_ROWS": 100,  # ... and at least this many
    # Statistics answer only for groups at least this large, so no single record can be recovered.
    "MIN_GROUP_SIZE": env.int("DATA_API_MIN_GROUP_SIZE", default=5),
}

# --- Bulk exchange (批量数据交换): pushes into the applicants' databases ---------------------------------
EXCHANGE = {
    "BATCH_ROWS": env.int("EXCHANGE_BATCH_ROWS", default=50000),  # one target transaction each
    # A run's task stops after this long and queues its continuation, so that no task comes near the
    # broker's visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS) or CELERY_TASK_TIME_LIMIT.
    "SLICE_SECONDS": env.int("EXCHANGE_SLICE_SECONDS", default=600),
    # A running run whose heartbeat is older than this lost its worker; the timer queues it again, and
    # the next worker resumes from the state kept in the target.
    "STALE_SECONDS": env.int("EXCHANGE_STALE_SECONDS", default=300),
    "RETRY_MAX_MINUTES": 240,  # back-off after failures: 1, 2, 4 … minutes, at most this
    "CONNECT_TIMEOUT": 10,
}
# Fernet keys for target passwords, newest first (unset: one derived from SECRET_KEY).
EXCHANGE_SECRET_KEYS = env.list("EXCHANGE_SECRET_KEYS", default=[])

# --- Federation: province, city and county platforms as one network (docs/federation.md) --------
# The same code runs as every node; these say which node it is. No NODE_ID: federation is off.
NODE_ID = env.str("NODE_ID", default="")  # "fj-350500": lower-case letters, digits and hyphens
NODE_LEVEL = env.str("NODE_LEVEL", default="city")  # province | city | county
NODE_REGION = env.str("NODE_REGION", default="")  # 6-digit division code: 350000, 350500, 350503
NODE_NAME = env.str("NODE_NAME", default="")  # 泉州市公共数据汇聚共享平台
NODE_URL = env.str("NODE_URL", default=SITE_URL).rstrip("/")  # the base URL peers post to
NODE_KEY_FILE = env.str("NODE_KEY_FILE", default=str(VAR_DIR / "node-ed25519.pem"))  # federation_keygen
if NODE_LEVEL not in ("province", "city", "county"):
    raise ImproperlyConfigured(f"NODE_LEVEL must be province, city or county: {NODE_LEVEL!r}")
if NODE_ID and not re.fullmatch(r"[a-z0-9-]{1,64}", NODE_ID):
    raise ImproperlyConfigured(f"NODE_ID must be lower-case letters, digits and hyphens: {NODE_ID!r}")
if NODE_ID and not re.fullmatch(r"[0-9]{6}", NODE_REGION):
    raise ImproperlyConfigured(
        f"NODE_REGION must be a 6-digit division code when NODE_ID is set: {NODE_REGION!r}"
    )
if urlsplit(NODE_URL).scheme not in ("http", "https") or not urlsplit(NODE_URL).netloc:
    raise ImproperlyConfigured(f"NODE_URL must be an http(s) address: {NODE_URL!r}")
FEDERATION = {
    "SIGNATURE_TTL": env.int("FEDERATION_SIGNATURE_TTL", default=300),  # expires - created, at most
    "CLOCK_SKEW": env.int("FEDERATION_CLOCK_SKEW", default=30),  # seconds allowed between hosts' clocks
    "RETRY_MAX_MINUTES": 240,  # back-off after failures: 1, 2, 4 … minutes, at most this
    "BATCH_MESSAGES": 100,  # envelopes per signed POST
    "MAX_BODY_BYTES": 8 * 1024 * 1024,
    "TIMEOUT": (5, 30),  # connect, read (seconds)
    "LEASE_SECONDS": 120,  # a delivering worker's claim on a peer; a dead worker's claim just expires
    "TRANSFER_ROWS": env.int("FEDERATION_TRANSFER_ROWS", default=5000),  # records per transfer.chunk message
    # Back-pressure: an export queues no new chunk while its peer has this many messages waiting.
    "TRANSFER_BACKLOG": env.int("FEDERATION_TRANSFER_BACKLOG", default=20),
}
if FEDERATION["SIGNATURE_TTL"] < 1 or FEDERATION["CLOCK_SKEW"] < 0:
    raise ImproperlyConfigured(
        "FEDERATION_SIGNATURE_TTL must be 1 or more and FEDERATION_CLOCK_SKEW 0 or more."
    )

# --- Platform -------------------------------------------------------------------------------------
PLATFORM_NAME = _("Government Data Sharing Platform")
# Functions that list a person's pending work on the home page; each later app adds its own.
PENDING_WORK_PROVIDERS: list[str] = [
    "catalog.pending.catalog_pending_work",
    "catalog.collection.pending.collection_pending_work",
    "dataplatform.core.administrators.personnel_pending_work",
    "dataplatform.core.identity.identity_pending_work",
    "sharing.pending.sharing_pending_work",
    "correction.pending.correction_pending_work",
    "opening.pending.opening_pending_work",
]
# Functions that list the recent events a person may see, for the home page (core/workbench.py).
RECENT_ACTIVITY_PROVIDERS: list[str] = ["audit.activity.recent_activity"]
# Functions the catalog search calls beside its own results, with (user=, q=, limit=): each returns None or an
# object with ``title``, ``results`` (each with ``name``, ``code``, ``origin_name``, ``url``) and ``more_url``
# (catalog/search/views.py). The catalog cannot import the apps above it; they register here.
CATALOG_SEARCH_PROVIDERS: list[str] = ["federation.cascade.remote_search"]
# The home page's shortcuts to each role's main work (core/workbench.py): URL names with a Bootstrap icon,
# by role ("" for a person with none: a citizen, or someone awaiting approval). A person is offered those
# of their roles that their navigation bar holds, in this order.
HOME_SHORTCUTS: dict[str, list[tuple[str, str]]] = {
    "reviewer": [
        ("catalog-review", "clipboard-check"),
        ("sharing-queue", "inbox"),
        ("open-manage", "unlock"),
        ("administrators", "person-badge"),
        ("supervision-dashboard", "speedometer2"),
        ("audit-index", "journal-text"),
    ],
    "evaluator": [
        ("sharing-queue", "inbox"),
        ("correction-home", "exclamation-triangle"),
        ("open-applications", "file-earmark-check"),
        ("sharing-verification-rules", "patch-check"),
    ],
    "data_admin": [  # a government unit's first; a university's or an enterprise's start at open data
        ("catalog-mine", "folder2-open"),
        ("sharing-applications", "send"),
        ("sharing-queue", "inbox"),
        ("sharing-grants", "shield-check"),
        ("open-home", "globe2"),
        ("open-applications", "file-earmark-check"),
        ("api-keys", "key"),
        ("correction-home", "exclamation-triangle"),
    ],
    "leader": [
        ("catalog-mine", "folder2-open"),
        ("sharing-applications", "send"),
        ("sharing-grants", "shield-check"),
        ("supervision-dashboard", "speedometer2"),
        ("administrators", "person-badge"),
    ],
    "platform_admin": [
        ("admin:index", "gear"),
        ("supervision-dashboard", "speedometer2"),
        ("audit-index", "journal-text"),
        ("administrators", "person-badge"),
    ],
    "": [
        ("open-home", "globe2"),
        ("correction-home", "exclamation-triangle"),
        ("governance-home", "person-lock"),
    ],
}
# Functions that list the navigation bar's links a signed-in person may follow, in the bar's order
# (dataplatform/core/navigation.py); the public ones for visitors who are not signed in.
NAVIGATION_PROVIDERS: list[str] = [
    "dataplatform.core.navigation.home_links",
    "catalog.navigation.catalog_links",
    "federation.navigation.remote_catalog_links",  # the other nodes' catalogs, in the Catalog menu
    "sharing.navigation.sharing_links",
    "federation.navigation.backflow_links",  # back-flow applications, in the Sharing menu
    "correction.navigation.correction_links",
    "opening.navigation.opening_links",
    "federation.navigation.public_links",  # the portal's open data of the lower nodes, beside opening's
    "governance.navigation.governance_links",
    "dataplatform.core.navigation.people_links",
    "audit.navigation.audit_links",
    "supervision.navigation.supervision_links",
    "federation.navigation.federation_links",
    "dataplatform.core.navigation.platform_links",
]
# The open-data portal's header links beyond its own (opening/navigation.py portal_menu), same signature.
PORTAL_MENU_PROVIDERS: list[str] = ["federation.navigation.public_links"]
PUBLIC_NAVIGATION_PROVIDERS: list[str] = [
    "opening.navigation.public_links",
    "federation.navigation.public_links",
]
# Links whose address starts with one of these share a menu, so the bar fits a laptop's width.
NAVIGATION_MENUS = [
    ("/catalog/", _("Catalog")),
    ("/sharing/", _("Sharing")),
    ("/api", _("API")),
    ("/audit/", _("Supervision")),
    ("/supervision/", _("Supervision")),
    ("/open/", _("Open data")),
    ("/units/", _("Supervision")),
    # The other nodes' catalogs (the first prefix that matches wins: before /federation/).
    ("/federation/catalog/", _("Catalog")),
    ("/federation/backflow/", _("Sharing")),
    ("/federation/", _("Supervision")),  # the peers: the platform administrator's, beside the dashboard
]

# LOG_FORMAT=json (docker-compose) writes one JSON object a line for the log collector; both formats carry the
# request id that the request's audit events carry too (dataplatform.core.request_context).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dataplatform.core.request_context.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Eager tasks in the embedded demo would log every run at INFO.
    "loggers": {
        "celery.app.trace": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # every login at INFO; the audit log records them already
    },
}
