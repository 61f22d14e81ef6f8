# Uppdragsboten: `make run` starts the bot locally, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

PLAYGROUND_DIR := .playground
PLAYGROUND_STAMP := $(PLAYGROUND_DIR)/.installed-stamp
# Playwright for Python drives the system's Chromium in tests/browser (it downloads no browser).
PLAYWRIGHT_VERSION := 1.65.2
PLAYWRIGHT_STAMP := $(VENV)/.playwright-$(PLAYWRIGHT_VERSION)
# Microsoft 365 Agents Toolkit's CLI, for the test of m365agents.yml.
ATK_VERSION := 1.1.17
ATK_DIR := .atk
ATK_STAMP := $(ATK_DIR)/.installed-$(ATK_VERSION)

.PHONY: install run test fuzz test-sqlite migrate import manifest clean playground playground-install browser-test-deps agents-toolkit-install bench

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
## The tests pin the bot's clock; to prove nothing reads the machine's date, run them under
## faketime: `faketime '2027-01-15 12:00' make test`. FAKETIME_DONT_FAKE_MONOTONIC keeps the
## monotonic clock (durations, thread and lock timeouts) real there; it does nothing otherwise.
test: install
	FAKETIME_DONT_FAKE_MONOTONIC=1 $(BIN)/python -m pytest

## The fuzz test at full size: 5,000 generated activities over HTTP (make test posts 300).
fuzz: install
	FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest tests/e2e/test_fuzz.py

migrate: install
	$(BIN)/uppdragsbot migrate

## make import FILE=report.txt [PERIOD="T1 2022"]
import: install
	$(BIN)/uppdragsbot import "$(FILE)" $(if $(PERIOD),--period "$(PERIOD)")

## make manifest [BOT_ID=<app id>] [BOT_DOMAIN=<host>]: `uppdragsbot manifest` (the settings from .env unless given)
manifest: install
	$(if $(BOT_ID),MicrosoftAppId="$(BOT_ID)") $(if $(BOT_DOMAIN),BOT_DOMAIN="$(BOT_DOMAIN)") $(BIN)/uppdragsbot manifest --out manifest/build/uppdragsboten.zip

## The bot in local mode and Microsoft 365 Agents Playground (a Teams-like chat) on http://localhost:56150.
playground: install playground-install
	$(BIN)/python playground/start.py

## Agents Playground (Microsoft pre-release licence) at the version pinned in playground/package.json.
playground-install: $(PLAYGROUND_STAMP)

$(PLAYGROUND_STAMP): playground/package.json
	@command -v npm >/dev/null || { echo "Agents Playground needs Node.js 18+ and npm" >&2; exit 1; }
	mkdir -p $(PLAYGROUND_DIR)
	cp playground/package.json $(PLAYGROUND_DIR)/package.json
	cd $(PLAYGROUND_DIR) && npm install --no-audit --no-fund --ignore-scripts --no-package-lock --loglevel=error
	touch $@

## Microsoft 365 Agents Toolkit's CLI (`atk`), for tests/test_agents_toolkit.py: it validates
## m365agents.yml and the manifest offline. --ignore-scripts: keytar (login storage) needs no build.
agents-toolkit-install: $(ATK_STAMP)

$(ATK_STAMP):
	@command -v npm >/dev/null || { echo "the Agents Toolkit CLI needs Node.js 18+ and npm" >&2; exit 1; }
	mkdir -p $(ATK_DIR)
	cd $(ATK_DIR) && npm install --no-audit --no-fund --ignore-scripts --no-package-lock --loglevel=error \
		@microsoft/m365agentstoolkit-cli@$(ATK_VERSION)
	touch $@

## What tests/browser needs besides Chromium (Debian: apt-get install chromium chromium-driver).
browser-test-deps: install playground-install $(PLAYWRIGHT_STAMP)

$(PLAYWRIGHT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet "playwright==$(PLAYWRIGHT_VERSION)"
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache manifest/build

## The benchmark (not part of `make test`; bench/__main__.py): a generated archive of 100,000
## assignments x 3 periods (BENCH_ASSIGNMENTS=N for another size) imported into SQLite and
## PostgreSQL, p50/p95 per question kind over HTTP, the largest message, peak RSS, turns/s against
## echo bots, and the notification fan-out; each figure next to its target. A smoke run:
## `.venv/bin/python -m bench --quick`; options: `.venv/bin/python -m bench --help`.
bench: install
	$(BIN)/python -m bench
