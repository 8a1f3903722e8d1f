"""The Jinja environment: autoescaped, with URL builders and asset URLs as globals."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments import render_block
from markupsafe import Markup, escape

from app import urls

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"


def build_id() -> str:
    """A hash of the templates and static files: part of every ETag, so a deploy that
    changes how pages look never answers 304 with an old page."""
    digest = hashlib.sha256()
    for base in (TEMPLATES_DIR, STATIC_DIR):
        for path in sorted(base.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _asset_versions() -> dict[str, str]:
    out = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            rel = path.relative_to(STATIC_DIR).as_posix()
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return out


@lru_cache(maxsize=256)
def swatch(colour: str) -> Markup:
    """A frame's colour as a small square: an SVG fill attribute, not an inline style
    (the Content-Security-Policy allows none). Cached: a page draws dozens."""
    return Markup(
        '<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" '
        f'focusable="false"><rect width="12" height="12" rx="3" fill="{escape(colour)}"/></svg>'
    )


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    versions = _asset_versions()

    def asset(path: str) -> str:
        version = versions.get(path)
        return urls.static(path) + (f"?v={version}" if version else "")

    env.globals.update(urls=urls, asset=asset, swatch=swatch)
    env.filters["date"] = format_date
    return env


def render(env: Environment, name: str, block: str | None = None, **context: Any) -> str:
    if block is not None:
        return render_block(env, name, block, **context)
    return env.get_template(name).render(**context)
