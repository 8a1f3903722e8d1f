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


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        return None  # no password: the user cannot log in until one is set
    import getpass

    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise InputError("The two passwords differ.")
    return first


def _cmd_user_add(args: argparse.Namespace) -> int:
    from app.services.accounts import create_user

    password = _read_password(args)
    engine = make_engine(get_settings().database_url)
    with write_session(engine) as session:
        create_user(session, name=args.name, role=args.role, password=password)
    note = "" if password else " (no password: it can use API tokens, not log in)"
    print(f"user {args.name} added as {args.role}{note}")
    return 0


def _cmd_user_token(args: argparse.Namespace) -> int:
    from app.services.accounts import get_user, issue_token, list_tokens, revoke_token
    from app.services.errors import NotFoundError

    engine = make_engine(get_settings().database_url)
    with write_session(engine) as session:
        try:
            user = get_user(session, args.name)
        except NotFoundError as exc:
            raise InputError(str(exc)) from None
        if args.revoke is not None:
            if not args.revoke.strip():
                raise InputError("Give the start of the token to revoke (see --list).")
            n = revoke_token(session, user, args.revoke)
            if not n:
                raise InputError(f"No live token of {args.name} starts with {args.revoke!r}.")
            print(f"revoked {n} token{'' if n == 1 else 's'} of {args.name}")
            return 0
        if args.list:
            for t in list_tokens(session, user):
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "live"
                print(f"{t.prefix}...  created {t.created_at:%Y-%m-%d}  {state}")
            return 0
        print(issue_token(session, user))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    import json

    from app.services.errors import NotFoundError
    from app.services.export import story_csv, story_jsonld

    settings = get_settings()
    engine = make_engine(settings.database_url)
    origin = settings.public_origin or f"http://{settings.host}:{settings.port}"
    with engine.connect() as conn:
        try:
            if args.format == "csv":
                text = story_csv(conn, args.story)
            else:
                text = (
                    json.dumps(story_jsonld(conn, args.story, origin), indent=2, ensure_ascii=False)
                    + "\n"
                )
        except NotFoundError as exc:
            raise InputError(str(exc)) from None
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
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

    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add an analyst or admin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["analyst", "admin"])
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=_cmd_user_add)
    token = user_sub.add_parser("token", help="print a new API token (or list, or revoke)")
    token.add_argument("name")
    token.add_argument("--list", action="store_true", help="list the user's tokens")
    token.add_argument("--revoke", metavar="PREFIX", help="revoke the tokens starting so")
    token.set_defaults(func=_cmd_user_token)

    export = sub.add_parser("export", help="a story's passages, frames and annotations")
    export.add_argument("story")
    export.add_argument("--format", required=True, choices=["csv", "jsonld"])
    export.add_argument("--output", "-o", help="write here instead of standard output")
    export.set_defaults(func=_cmd_export)
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
