"""Settings: read once from the environment and `.env`, validated, passed down explicitly."""

from __future__ import annotations

import enum
import typing
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"

# Where an operator finds each secret; used in the one-line error of a missing variable.
WHERE_TO_GET = {
    "SLACK_BOT_TOKEN": "api.slack.com/apps → your app → OAuth & Permissions "
    "→ Bot User OAuth Token (xoxb-…)",
    "SLACK_APP_TOKEN": "api.slack.com/apps → your app → Basic Information → App-Level Tokens, "
    "scope connections:write (xapp-…)",
    "SLACK_SIGNING_SECRET": "api.slack.com/apps → your app → Basic Information → App Credentials "
    "→ Signing Secret",
}


# What `.env.example` holds before an operator fills it in, and what such placeholders look
# like elsewhere (`xoxb-your-token`, `<signing secret>`). No real Slack token or secret contains
# any of these: tokens are letters, digits and dashes between numeric parts, secrets are hex.
PLACEHOLDER_MARKS = ("...", "…", "your-", "your_", "<")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]
Locale = Literal["en", "fr"]


class SchedulerMode(StrEnum):
    ON = "on"
    OFF = "off"


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message is one line an operator can act on."""


class Settings(BaseSettings):
    """Every knob of Polaris. Environment variables use the upper-case field name."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = "sqlite:///./polaris.db"
    polaris_scheduler: SchedulerMode = SchedulerMode.ON
    polaris_default_locale: Locale = "en"
    polaris_log_level: LogLevel = "INFO"
    # `json`: one JSON object a line, for a log collector; `text` for a person.
    polaris_log_format: LogFormat = "text"
    # How long a claimed-but-unsent ledger entry is left alone before another tick retries it.
    polaris_claim_lease_seconds: int = Field(default=300, ge=60)
    # Cache lifetime of a user's Slack locale and time zone (users.info is rate limited).
    polaris_user_cache_seconds: int = Field(default=3600, ge=0)
    # How long one Slack call may take before it is given up (and, for a post, looked for
    # before being sent again). A quarter of the lease at most: an attempt is over, one way or
    # the other, long before another instance may take its claim over.
    polaris_slack_timeout_seconds: float = Field(default=10, gt=0)

    @field_validator("polaris_log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("polaris_log_format", "polaris_scheduler", "polaris_default_locale",
                     mode="before")  # fmt: skip
    @classmethod
    def _choice_in_any_case(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def load(cls) -> Settings:
        """The settings of the environment and `.env`; ConfigurationError with one line an
        operator can act on (no pydantic jargon) if any is wrong."""
        try:
            return cls()
        except ValidationError as error:
            raise ConfigurationError(problem(error.errors()[0])) from None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins base_url and method name by concatenation.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
        return value

    @model_validator(mode="after")
    def _timeout_within_lease(self) -> Settings:
        if self.polaris_slack_timeout_seconds * 4 > self.polaris_claim_lease_seconds:
            raise ValueError(
                f"POLARIS_SLACK_TIMEOUT_SECONDS={self.polaris_slack_timeout_seconds:g} must be "
                "at most a quarter of POLARIS_CLAIM_LEASE_SECONDS="
                f"{self.polaris_claim_lease_seconds}: "
                f"{self.polaris_claim_lease_seconds / 4:g} at most"
            )
        return self

    def require(self, *names: str) -> None:
        """Raise ConfigurationError naming the first missing variable and where to get it."""
        for name in names:
            value = getattr(self, name.lower())
            if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
                raise ConfigurationError(
                    f"{name} is not set: put it in .env or the environment "
                    f"(get it at {WHERE_TO_GET[name]})."
                )
            if isinstance(value, SecretStr) and is_placeholder(value.get_secret_value()):
                # The value is not echoed: were this check ever wrong, it would be a secret.
                raise ConfigurationError(
                    f"{name} is not filled in yet: it still holds the example's placeholder; "
                    f"put the real one in .env (get it at {WHERE_TO_GET[name]})."
                )

    def secret(self, name: str) -> str:
        """The value of a required secret; call `require` first."""
        value = getattr(self, name.lower())
        assert isinstance(value, SecretStr)
        return value.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        _, _, path = self.database_url.partition(":///")
        return Path(path) if path and path != ":memory:" else None


def is_placeholder(value: str) -> bool:
    """Whether a secret is still an example's stand-in rather than a real value."""
    return any(mark in value.lower() for mark in PLACEHOLDER_MARKS)


def allowed_values(field: str) -> list[str]:
    """The values a Literal or enum setting takes, as written in the environment."""
    annotation = Settings.model_fields[field].annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return [str(value) for value in typing.get_args(annotation)]


# What a value must be, for pydantic's constraint errors, by error type.
REQUIREMENTS = {
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "greater_than_equal": "at least {ge}",
    "greater_than": "more than {gt}",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
}


def problem(error: ErrorDetails) -> str:
    """One line for one validation error, naming the variable and what it may be."""
    if error["type"] == "value_error":  # our validators' messages name the variable already
        return str(error.get("ctx", {}).get("error", error["msg"])).rstrip(".") + "."
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field.upper() or "the configuration"
    secret = field in Settings.model_fields and "SecretStr" in str(
        Settings.model_fields[field].annotation
    )
    given = name if secret else f"{name}={error['input']}"
    if error["type"] in ("literal_error", "enum"):
        *most, last = allowed_values(field)
        choices = f"{', '.join(most)} or {last}" if most else last
        return f"{given} is not allowed: use {choices}."
    requirement = REQUIREMENTS.get(error["type"])
    if requirement is not None:
        context = error.get("ctx", {})
        bounds = {k: f"{v:g}" if isinstance(v, float) else v for k, v in context.items()}
        return f"{given} is wrong: use {requirement.format(**bounds)}."
    return f"{given} is wrong: {error['msg'][0].lower()}{error['msg'][1:]}."
