"""The `parallax` command: thin wrappers over the services and Alembic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import get_settings
from app.db import make_engine, write_session
from app.services.errors import InputError


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
    )
    return 0


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from app.migrate import upgrade

    upgrade(get_settings().database_url, args.revision)
    print(f"database at {args.revision}")
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from app.services.seed import load_seeds

    settings = get_settings()
    engine = make_engine(settings.database_url)
    report = load_seeds(engine, Path(args.dir or settings.seeds_dir))
    print(
        f"seeded {report.dimensions} dimensions, stories {', '.join(report.stories) or 'none'}: "
        f"{report.articles_changed} articles and {report.tags_changed} tags changed"
    )
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from app.services.ingest import get_or_create_outlet, get_or_create_story, import_article

    engine = make_engine(get_settings().database_url)
    if len(args.files) > 1:
        raise InputError("One outlet has one article per story: give one FILE per --outlet.")
    path = Path(args.files[0])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    with write_session(engine) as session:
        story = get_or_create_story(session, slug=args.story)
        outlet = get_or_create_outlet(session, slug=args.outlet)
        result = import_article(session, story=story, outlet=outlet, raw=raw, source_name=path.name)
    if result.unchanged:
        print(f"{path}: unchanged")
    else:
        print(
            f"{path}: {args.story}/{args.outlet} {result.article.headline!r}: "
            f"{result.added} passages added, {result.kept} kept, {result.removed} removed"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parallax", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web app")
    settings = get_settings()
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_cmd_db_upgrade)

    seed = sub.add_parser("seed", help="load seeds/ (idempotent)")
    seed.add_argument("dir", nargs="?")
    seed.set_defaults(func=_cmd_seed)

    imp = sub.add_parser("import", help="import an article as received")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--story", required=True)
    imp.add_argument("--outlet", required=True)
    imp.set_defaults(func=_cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        print(f"parallax: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
