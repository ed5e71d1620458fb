"""Settings for Incident Desk, read from environment variables.

Every value that comes from the environment is checked here, and a bad value stops
start-up with a message naming the variable: a mistyped setting must never run quietly.
"""

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str | None = None) -> str | None:
    """The variable's value, or the contents of the file named by NAME_FILE (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = (env(name, default) or "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = env(name, default) or ""
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")
DEMO_MODE = envbool("DEMO_MODE", "false")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (at least 50 random characters)."
        )
    SECRET_KEY = "insecure-development-key-" + "x" * 40
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site answers to.")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

VAR_DIR = Path(env("VAR_DIR", str(Path.cwd() / "var")) or "var").resolve()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "incidentdesk.audit",
    "incidentdesk.organisations",
    "incidentdesk.accounts",
    "incidentdesk.deadlines",
    "incidentdesk.notifications",
    "incidentdesk.incidents",
    "incidentdesk.reporting",
    "incidentdesk.investigations",
    "incidentdesk.regulator",
    "incidentdesk.outcomes",
    "incidentdesk.oversight",
    "incidentdesk.governance",
    "incidentdesk.api",
    "incidentdesk.backups",
]

MIDDLEWARE = [
    # First: the anonymous routes drop cookies, address and user agent before anything
    # else can read them (see the module).
    "incidentdesk.reporting.middleware.AnonymousRouteMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the Content-Security-Policy too.
    "incidentdesk.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "incidentdesk.accounts.middleware.SecondFactorMiddleware",
    "incidentdesk.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Logs refused access (403/404 from permission checks) without the data itself.
    "incidentdesk.middleware.RefusalLogMiddleware",
]

ROOT_URLCONF = "incidentdesk.urls"
WSGI_APPLICATION = "incidentdesk.wsgi.application"

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
                "incidentdesk.context_processors.site",
            ],
        },
    },
]


def _database() -> dict:
    url = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'incidentdesk.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from exc
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        name = str(config.get("NAME", ""))
        if name and name != ":memory:" and not name.startswith("file:"):
            try:
                Path(name).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ImproperlyConfigured(f"DATABASE_URL: cannot create {name}: {exc}") from exc
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
        # at BEGIN so two writers queue on the busy timeout instead of failing with
        # "database is locked"; synchronous=FULL so a committed write survives power loss.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Connections are kept (CONN_MAX_AGE, as for PostgreSQL): opening one and running
        # its PRAGMAs cost more than the rest of a small page. Safe here: gunicorn's sync
        # workers and the task worker use one connection per process (opened after the
        # fork, as gunicorn does not preload the app), each request runs in autocommit
        # so no read snapshot is held between requests, and close_old_connections drops
        # a connection after an error or at its age. A file swapped under a running
        # process (a restore) needs the processes restarted, which a restore does anyway.
    elif engine not in {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be sqlite:// or postgres://, not {engine or url!r}"
        )
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.Person"
AUTHENTICATION_BACKENDS = ["incidentdesk.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"

# Sign-in protection.
SIGN_IN_MAX_FAILURES = envint("SIGN_IN_MAX_FAILURES", "5")
SIGN_IN_LOCKOUT_MINUTES = envint("SIGN_IN_LOCKOUT_MINUTES", "15")
REQUIRE_TWO_FACTOR = envbool("REQUIRE_TWO_FACTOR", "true")
if not REQUIRE_TWO_FACTOR and not DEMO_MODE:
    raise ImproperlyConfigured(
        "REQUIRE_TWO_FACTOR may be switched off only for a demonstration (DEMO_MODE=true)."
    )
# Django's database sessions (kept on the server, so other sessions can be ended), read
# with one prepared SELECT: see the module.
SESSION_ENGINE = "incidentdesk.accounts.session_store"
SESSION_IDLE_TIMEOUT_SECONDS = envint("SESSION_IDLE_TIMEOUT_SECONDS", str(30 * 60))
SESSION_COOKIE_AGE = envint("SESSION_ABSOLUTE_TIMEOUT_SECONDS", str(10 * 60 * 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "Europe/London") or "Europe/London"
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from exc
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")) or "").resolve()
# Evidence and attachments are served only through permission-checked views, never by URL.
MEDIA_URL = "/no-public-media/"

EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "incident-desk@example.org") or ""
if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+|.*<[^@\s<>]+@[^@\s<>]+>", DEFAULT_FROM_EMAIL):
    raise ImproperlyConfigured(f"DEFAULT_FROM_EMAIL {DEFAULT_FROM_EMAIL!r} is not an address")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Without a mail server the messages are written to var/mail so nothing is lost in a demo.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
SITE_URL = (env("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

# Signed audit checkpoints (docs/decisions/0005-audit-checkpoints.md). The Ed25519 private
# key lives in a file, never in the database; without AUDIT_SIGNING_KEY_FILE one is made
# in VAR_DIR/keys on first use (fine for development and demonstrations only).
AUDIT_SIGNING_KEY_FILE = Path(
    os.environ.get("AUDIT_SIGNING_KEY_FILE") or VAR_DIR / "keys" / "audit-signing-key.pem"
)
AUDIT_SIGNING_KEY_GENERATE = not os.environ.get("AUDIT_SIGNING_KEY_FILE")
# Public keys (base64, comma-separated) of earlier signing keys, for checkpoints they signed.
AUDIT_TRUSTED_PUBLIC_KEYS = envlist("AUDIT_TRUSTED_PUBLIC_KEYS", "")
AUDIT_CHECKPOINT_MINUTES = envint("AUDIT_CHECKPOINT_MINUTES", "5")
if AUDIT_CHECKPOINT_MINUTES < 1:
    raise ImproperlyConfigured("AUDIT_CHECKPOINT_MINUTES must be at least 1")

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
    if envbool("BEHIND_PROXY", "false"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not "no-referrer": with it, browsers send "Origin: null" on every form POST, and Django's
# CSRF check then refuses them all. "same-origin" still sends nothing to other sites.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a decision for the operator of the domain, not for the product.
    "security.W021",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Records about the anonymous routes lose the request attached to them.
    "filters": {"anonymous_routes": {"()": "incidentdesk.logging.StripAnonymousRequests"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["anonymous_routes"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # The development server's request log prints addresses; keep it quiet so the
        # anonymous report route leaves no trace of who sent it.
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        # At DEBUG, django.template logs every missing variable with the whole context
        # (the signed-in person's name and e-mail, the form's data): never, whatever
        # LOG_LEVEL says. tests/security/test_logs.py.
        "django.template": {"level": "INFO"},
    },
}
