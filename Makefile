# The two commands of the README: `make run` and `make test`. `make check` is what CI runs.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
SCHEMA ?= tests/schemas/slack-manifest.v1.schema.json

.PHONY: run serve install install-test test test-pg lint format types imports check i18n bench clean

$(VENV)/.run-installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.run-installed

install: $(VENV)/.run-installed
install-test: $(VENV)/.test-installed

## Polaris in Socket Mode with an embedded SQLite database (needs SLACK_BOT_TOKEN, SLACK_APP_TOKEN).
run: install
	@$(VENV)/bin/polaris run

## Polaris over HTTP on port 3000 (needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET).
serve: install
	@$(VENV)/bin/polaris serve

## The tests on SQLite (set TEST_DATABASE_URL to run them on PostgreSQL).
test: install-test
	$(PY) -m pytest

test-pg: install-test
	TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

types: install-test
	$(VENV)/bin/mypy bot storage handlers

imports: install-test
	$(VENV)/bin/lint-imports

manifest: install-test
	$(PY) -m pytest -q tests/test_manifest.py

## Everything CI checks: lint, types, import layers, manifest schema, tests on SQLite and PostgreSQL.
check: lint types imports manifest test test-pg

## Extract new strings and merge them into the English and French catalogs.
i18n: install-test
	$(VENV)/bin/pybabel extract -k t -k plural:1,2 -k N_ --no-location --sort-output \
		--project=polaris-okr -o bot/locales/messages.pot bot handlers storage
	$(VENV)/bin/pybabel update --ignore-obsolete -w 100 \
		-i bot/locales/messages.pot -d bot/locales

## The benchmarks' quick runs (under a minute each); see bench/README.md for the full ones.
bench: install-test
	$(PY) bench/request_load.py --quick
	$(PY) bench/rhythm.py --quick

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build *.egg-info
