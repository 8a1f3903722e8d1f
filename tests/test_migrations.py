"""The schema changes only through Alembic: the migrations and the models must agree."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.db import make_engine
from app.migrate import alembic_config
from app.models import metadata


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
            )
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def test_models_and_migrations_agree(empty_db_url: str) -> None:
    assert _diff(empty_db_url) == []


def test_one_linear_chain(empty_db_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_db_url))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_downgrade_to_nothing_and_up_again(empty_db_url: str) -> None:
    config = alembic_config(empty_db_url)
    command.downgrade(config, "base")
    engine = make_engine(empty_db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")
    assert _diff(empty_db_url) == []
