# Career Connections. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
FLASK := $(BIN)/flask --app marketplace
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
# The suite runs in this many processes (pytest-xdist): the browser journeys in one, every
# other file whole in one, the slow ones first (tests/conftest.py).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder
# The Nu HTML Checker, from npm into .tools/ (tests/journeys/conftest.py runs it).
VNU_VERSION := 26.9.27
VNU_PACKAGE := .tools/node_modules/vnu-jar/package.json

.PHONY: run test test-services worker install browser pdflibs vnu idp xmlsec lint bench bench-worker bench-outcomes clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the browser tests; install it when it is missing
# and we are allowed to (root, apt available).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium."; \
	  else echo "chromium is missing and cannot be installed here: browser tests will skip (CI fails)."; fi; \
	fi

# WeasyPrint builds the annual report's PDF with Pango from Debian: install its
# libraries when they are missing and we are allowed to (root, apt available).
pdflibs:
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's Pango for WeasyPrint (the annual report's PDF)..."; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null \
	      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	          libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)) || echo "Could not install Pango."; \
	  else echo "Pango is missing and cannot be installed here: annual report PDFs will fail."; fi; \
	fi

# The Nu HTML Checker validates every page the browser journeys visit: vnu.jar from npm
# (pinned; --ignore-scripts, since its postinstall would fetch a Java from GitHub) and
# Debian's Java to run it, each installed when missing and we are allowed to.
vnu:
	@if ! command -v java >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's default-jre-headless and npm for the HTML checker..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      $$(command -v java >/dev/null || echo default-jre-headless) \
	      $$(command -v npm >/dev/null || echo npm) >/dev/null) \
	      || echo "Could not install java or npm."; \
	  else echo "java or npm is missing and cannot be installed here: the HTML check will skip (CI fails)."; fi; \
	fi
	@if ! grep -qs '"version": *"$(VNU_VERSION)"' $(VNU_PACKAGE) && command -v npm >/dev/null; then \
	  echo "Installing vnu-jar $(VNU_VERSION) into .tools/ for the HTML checker..."; \
	  npm install --prefix .tools --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
	    vnu-jar@$(VNU_VERSION) >/dev/null || echo "Could not install vnu-jar."; \
	fi

# xmlsec1 checks SAML signatures (pysaml2 calls it): campus sign-in needs it at run time.
xmlsec:
	@if ! command -v xmlsec1 >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's xmlsec1 for SAML sign-in..."; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xmlsec1 >/dev/null \
	      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	          --no-install-recommends xmlsec1 >/dev/null)) || echo "Could not install xmlsec1."; \
	  else echo "xmlsec1 is missing and cannot be installed here: SAML sign-in will not work."; fi; \
	fi

# The tests sign in through real identity providers: SimpleSAMLphp (Debian's package, run
# by PHP's built-in server) and oidc-provider (npm, run by Node), installed when missing.
idp: xmlsec
	@bash tests/idp/install_saml.sh
	@bash tests/idp/install_oidc.sh || echo "Could not install oidc-provider."

run: $(STAMP) xmlsec pdflibs
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(STAMP) browser pdflibs vnu idp lint
	$(PYTEST) $(PYTEST_ARGS)

test-services: $(STAMP) browser pdflibs vnu idp
	TEST_DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) $(PYTEST) $(PYTEST_ARGS)

worker: $(STAMP) pdflibs
	$(BIN)/python -m workers

# Browse, search and detail under load, next to a trivial route (PostgreSQL, gunicorn, wrk).
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench.bench_web

# 10,000 outbox jobs through two workers vs RQ's own worker on an empty job.
bench-worker: $(STAMP)
	$(BIN)/python -m bench.bench_worker

# The outcomes summary and dashboard on 50,000 students and 200,000 evidence rows.
bench-outcomes: $(STAMP)
	$(BIN)/python -m bench.bench_outcomes

# ruff, then the import contracts in pyproject.toml: core imports no domain, and each
# domain imports only the domains below it (docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check marketplace workers tests bench
	$(BIN)/lint-imports

# The guardian's pages and e-mails in Spanish (Flask-Babel). The compiled .mo files are
# committed, so `make run` and `make test` need no step; after changing a translated text:
# `make translations`, fill in the Spanish in the .po, then `make translations` again.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d marketplace/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .tools
