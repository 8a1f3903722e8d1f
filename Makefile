# Parallax: `make run` sets everything up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
HOST ?= 127.0.0.1
PORT ?= 8000
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run env static migrate seed serve test test-fast lint typecheck bench clean

run: env static migrate seed serve  ## environment, migrations, seeds, server on $(HOST):$(PORT)

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

env: $(UV)  ## the Python environment, exactly as uv.lock pins it
	$(UV) sync --frozen --inexact --quiet

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static: node_modules/.package-lock.json  ## htmx and Swagger UI from npm, served from static/vendor
	mkdir -p static/vendor/swagger-ui
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css static/vendor/swagger-ui/

migrate: env
	$(BIN)/parallax db upgrade

seed: env
	$(BIN)/parallax seed

serve: env
	$(BIN)/parallax serve --host $(HOST) --port $(PORT)

test: env static  ## the whole suite (browser and PostgreSQL legs run when available; always in CI)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: env
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests migrations

typecheck: env
	$(BIN)/mypy app

bench: env static  ## throughput of the story page against baselines (see tests/bench/)
	$(BIN)/python tests/bench/bench_story.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .mypy_cache .ruff_cache
