# Consult: `make run` to try it, `make test` to check it. Everything else is for developers.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# pip's notes about package indexes this machine is configured with but does not have.
PIP_QUIET := grep -v "is ignored: it is neither a file nor a directory" || true
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(INSTALLED): setup.cfg pyproject.toml requirements/constraints.txt
	@echo "Installing Consult and its tools into $(VENV) (once; takes about a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade 'pip>=24' 2>&1 | $(PIP_QUIET)
	@$(BIN)/python -m pip install --quiet --quiet -c requirements/constraints.txt -e '.[dev]' 2>&1 | $(PIP_QUIET)
	@touch $@

.PHONY: install
install: $(INSTALLED) $(COMPILED) ## Create .venv and install Consult with its development tools

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(INSTALLED)
	@$(BIN)/pybabel compile -d translations -l $* 2>&1 | grep -v '^compiling' || true

.PHONY: run
run: export CONSULT_BASE_URL ?= http://$(HOST):$(PORT)
run: install pdf-libs ## Migrate, seed the regions and demo data, and serve on http://127.0.0.1:5000
	$(BIN)/consult db upgrade
	$(BIN)/consult seed regions
	$(BIN)/consult seed demo
	@echo "Consult is starting on http://$(HOST):$(PORT)/ (stop with Ctrl+C)"
	$(BIN)/consult run --host $(HOST) --port $(PORT)

.PHONY: chromium
chromium: ## Install Debian's Chromium for the browser tests when it is missing
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

.PHONY: pg-client
pg-client: ## Install PostgreSQL's client tools (pg_dump, pg_restore) for the backup tests when missing
	@command -v pg_dump >/dev/null && command -v pg_restore >/dev/null || { \
	  echo "Installing Debian's postgresql-client for the backup and restore tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    postgresql-client >/dev/null; }

.PHONY: pdf-libs
pdf-libs: ## Install the Pango libraries WeasyPrint draws PDFs with, when missing
	@{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q 'libpangoft2-1.0.so.0' || { \
	  echo "Installing Debian's Pango for the PDF reactienota"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }

# Go and golang.org/x/mod as Debian packages them: the reference verifier test builds a small
# Go program (tests/reference/verify_record.go) in GOPATH mode against /usr/share/gocode.
GOPATH_DEBIAN := /usr/share/gocode

.PHONY: golang
golang: ## Install Debian's Go and golang.org/x/mod for the reference-verifier test, when missing
	@{ command -v go >/dev/null && test -d $(GOPATH_DEBIAN)/src/golang.org/x/mod/sumdb/tlog; } || { \
	  echo "Installing Debian's golang-go and golang-golang-x-mod-dev for the reference verifier test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    golang-go golang-golang-x-mod-dev >/dev/null; }

.PHONY: bench
bench: install pdf-libs ## Run every benchmark, print the table and write BENCHMARKS.md (needs PostgreSQL on 127.0.0.1:5432)
	$(BIN)/python -m bench

.PHONY: bench-smoke
bench-smoke: install pdf-libs ## Every benchmark at a tiny size, to prove each still works (writes no BENCHMARKS.md)
	$(BIN)/python -m bench --smoke

.PHONY: lint
lint: install ## Lint and format check with ruff; the import layers with import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

.PHONY: format
format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: check-translations
check-translations: install ## Fail when the catalogs are stale or a message is untranslated
	$(BIN)/python scripts/catalogs.py check

.PHONY: translations
translations: install ## Extract messages and update the catalogs (then translate nl)
	$(BIN)/python scripts/catalogs.py update

.PHONY: test
test: install chromium pdf-libs pg-client golang lint check-translations ## Lint, check the catalogs and run the whole suite
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/pytest $(PYTEST_ARGS)

.PHONY: clean
clean: ## Remove the virtualenv and caches (keeps instance/, your local data)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

.PHONY: constraints
constraints: ## Re-pin requirements/constraints.txt from a fresh resolve of setup.cfg
	rm -rf /tmp/consult-pin && $(PYTHON) -m venv /tmp/consult-pin
	/tmp/consult-pin/bin/pip install --quiet -e '.[dev]'
	{ echo "# Pinned versions for reproducible installs: pip install -c requirements/constraints.txt -e '.[dev]'"; \
	  echo "# Refresh with: make constraints"; \
	  /tmp/consult-pin/bin/pip freeze --exclude-editable | grep -v '^-e' | sort -f; } > requirements/constraints.txt
