"""Configuration classes, read from the environment (see README: Configuration)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def make_private_dir(directory: Path) -> None:
    """instance/ holds the keys and the SQLite database: only the owner may enter it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        directory.chmod(0o700)


def create_private_file(path: Path, text: str = "") -> None:
    """Create path readable by its owner only, from the first byte (no chmod window)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _instance_secret(directory: Path, name: str, make) -> str:
    """Read a secret kept in instance/, creating it once for the embedded default."""
    make_private_dir(directory)
    path = directory / name
    if not path.exists():
        create_private_file(path, make())
    return path.read_text().strip()


def fill_instance_secrets(config: dict, instance_dir: str) -> None:
    """Give the embedded default stable keys without asking the operator for any."""
    directory = Path(instance_dir)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(directory, "secret_key", lambda: secrets.token_urlsafe(48))
    if not config.get("FIELD_ENCRYPTION_KEY"):
        config["FIELD_ENCRYPTION_KEY"] = _instance_secret(
            directory, "field_encryption_key", lambda: secrets.token_urlsafe(32))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    # Missing keys are made once and kept in instance/ by fill_instance_secrets().
    SECRET_KEY = os.environ.get("SECRET_KEY")
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'volunteer.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    SCHEDULER = os.environ.get("SCHEDULER", "embedded")
    # app.scheduling: a stand-by takes a dead holder's lease within LEASE + HEARTBEAT seconds;
    # a failed run is tried again after RETRY, 2 × RETRY, 4 × RETRY … up to MAX_ATTEMPTS runs.
    SCHEDULER_LEASE_SECONDS = float(os.environ.get("SCHEDULER_LEASE_SECONDS", "60"))
    SCHEDULER_HEARTBEAT_SECONDS = float(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", "15"))
    JOB_RETRY_SECONDS = float(os.environ.get("JOB_RETRY_SECONDS", "120"))
    JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "6"))

    # Sessions: a new one at each login, ended for real at logout (see services.accounts).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = BASE_URL.startswith("https://") or _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Server-side limits of portal sessions (services.accounts.session_limits).
    PORTAL_SESSION_IDLE_MINUTES = 30
    PORTAL_SESSION_ABSOLUTE_HOURS = 12
    VOLUNTEER_SESSION_DAYS = 30
    PERMANENT_SESSION_LIFETIME = VOLUNTEER_SESSION_DAYS * 24 * 3600  # only volunteers' cookies are permanent
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "UTC"  # stored times; shown in TIMEZONE by app.formatting
    LANGUAGES = ["zh_CN", "en"]

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@volunteer.local")
    # Text messages to guardians: "log" writes them to the log (phone masked); a gateway is
    # named as "package.module:factory", called with the app's config, giving an SmsSender.
    SMS_SENDER = os.environ.get("SMS_SENDER", "log")
    # Residents' needs: the resident's name and phone are erased this many days after the need is
    # closed; the admin overview lists needs waiting for dispatch longer than NEED_WAITING_DAYS.
    NEED_RETENTION_DAYS = int(os.environ.get("NEED_RETENTION_DAYS", "30"))
    NEED_WAITING_DAYS = int(os.environ.get("NEED_WAITING_DAYS", "3"))

    # 忘记密码 by a texted code: on with a gateway; RESET_BY_SMS=1 offers it with "log" too
    # (development: the code is in the log). Otherwise the unit admin resets it face to face.
    RESET_BY_SMS = _bool("RESET_BY_SMS")

    # Rate limits (app.rate_limits): counters in memory:// for one process; with several
    # workers or hosts use Redis (redis://host:6379/0) so that they share the counts.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # storage down: log it and serve (the login slow-down still holds)
    RATELIMIT_KEY_PREFIX = "vs"
    RATE_LIMITS: dict = {}  # per door, e.g. {"login_per_ip": "30/minute"}; defaults in app.rate_limits
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

    API_TOKEN_LIFETIME_HOURS = int(os.environ.get("API_TOKEN_LIFETIME_HOURS", "168"))
    KIOSK_CODE_SECONDS = 60
    CARD_CODE_SECONDS = 300
    COUPON_CODE_SECONDS = 300

    # flask-smorest: the OpenAPI document lives under the API's base.
    API_TITLE = "Volunteer Star API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class DevelopmentConfig(Config):
    """The embedded default (`make run`): SQLite under instance/, the scheduler in process."""


class TestingConfig(Config):
    TESTING = True
    SCHEDULER = "off"
    WTF_CSRF_ENABLED = True  # tests post the real token (tests/factories.py: csrf_token)
    SERVER_NAME = None
    PASSWORD_HASH_COST = (1, 1024)  # argon2 time cost, memory KiB: fast tests, same algorithm
    RATELIMIT_ENABLED = False  # the limiter's own tests switch it on (tests/web/test_rate_limits.py)


class ProductionConfig(Config):
    # Browsers keep to HTTPS for a year once they saw the site over it (README: Security).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SESSION_COOKIE_SECURE = not _bool("INSECURE_COOKIES")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


def config_from_env():
    name = os.environ.get("FLASK_CONFIG", "development").lower()
    return {"development": DevelopmentConfig, "testing": TestingConfig,
            "production": ProductionConfig}.get(name, DevelopmentConfig)
