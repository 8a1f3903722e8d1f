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
    # Pages rendered at once per process: rendering holds the GIL, so 1 is fastest on
    # SQLite; with PostgreSQL's network waits in the loads, 2-4 can help.
    render_concurrency: int = 1
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
