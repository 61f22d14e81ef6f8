# Uppdragsboten: `make run` starts the bot locally, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-sqlite migrate import manifest clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Start the bot on http://localhost:3978/api/messages (SQLite, demo data on first start).
run: install
	$(BIN)/uppdragsbot serve

## The whole test suite (PostgreSQL tests skip when no server is reachable, unless REQUIRE_POSTGRES=1).
test: install
	$(BIN)/python -m pytest

migrate: install
	$(BIN)/uppdragsbot migrate

## make import FILE=report.txt [PERIOD="T1 2022"]
import: install
	$(BIN)/uppdragsbot import "$(FILE)" $(if $(PERIOD),--period "$(PERIOD)")

## make manifest BOT_ID=<app id> BOT_DOMAIN=<host>
manifest: install
	$(BIN)/python -m manifest.build --bot-id "$(BOT_ID)" --domain "$(BOT_DOMAIN)"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache manifest/build
