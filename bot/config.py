"""Settings: read once from the environment and `.env`, validated, passed down explicitly."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
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
    polaris_default_locale: str = Field(default="en", pattern=r"^(en|fr)$")
    polaris_log_level: str = "INFO"
    # How long a claimed-but-unsent ledger entry is left alone before another tick retries it.
    polaris_claim_lease_seconds: int = Field(default=300, ge=60)
    # Cache lifetime of a user's Slack locale and time zone (users.info is rate limited).
    polaris_user_cache_seconds: int = Field(default=3600, ge=0)
    # How long one Slack call may take before it is given up (and, for a post, looked for
    # before being sent again). A quarter of the lease at most: an attempt is over, one way or
    # the other, long before another instance may take its claim over.
    polaris_slack_timeout_seconds: float = Field(default=10, gt=0)

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
                "POLARIS_SLACK_TIMEOUT_SECONDS must be at most a quarter of "
                "POLARIS_CLAIM_LEASE_SECONDS"
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
