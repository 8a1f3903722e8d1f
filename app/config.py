"""Settings: the one place configuration is read from the environment."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARALLAX_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///parallax.db"
    secret_key: str = DEV_SECRET
    # Rendered story pages kept per server process, keyed to the story's data version in
    # the database (so every server agrees when the data changes). 0 turns it off.
    render_cache_size: int = 256
    # Where pages render. 0: on the event loop (SQLite: the loads are local reads of a few
    # hundred microseconds, and a hop to a thread cost ~1 ms of CPU per page here);
    # N > 0: in up to N threads at once (PostgreSQL, whose loads wait on the network).
    # Unset: 0 on SQLite, 2 on PostgreSQL.
    render_concurrency: int | None = None

    @property
    def render_threads(self) -> int:
        if self.render_concurrency is not None:
            return max(0, self.render_concurrency)
        return 0 if self.is_sqlite else 2

    # Absolute origin for links in previews (Open Graph); taken from the request if empty.
    public_origin: str = ""
    seeds_dir: str = "seeds"
    # `parallax serve` and `make run` listen here (HOST and PORT override, see the Makefile).
    host: str = "127.0.0.1"
    port: int = 8000
    log_sql: bool = False

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("PARALLAX_SECRET_KEY must be set to a long random value in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
