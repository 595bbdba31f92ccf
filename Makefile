# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make serve   installs Docket and runs it on the embedded default (SQLite + ./docket-files) with demo data
#   make test    installs Docket, its test tools and the real client tools, then runs every test lane
PYTHON ?= python3
VENV ?= .venv
CLIENTS ?= .venv-clients
PORT ?= 8000

.PHONY: install clients browser serve test test-sqlite test-postgres lint bench bench-upload

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Submit4DN, dcicutils and awscli pin old libraries (urllib3 1.x, pyramid), so they live in their own
# virtualenv; tests run them as the separate programs they are for users.
$(CLIENTS)/.installed: scripts/install-clients.sh
	PYTHON=$(PYTHON) CLIENTS=$(CLIENTS) bash scripts/install-clients.sh
	touch $@

clients: $(CLIENTS)/.installed

# Debian's chromium for the browser tests (tests/web/test_browser.py); Playwright downloads no browser.
browser:
	bash scripts/install-browser.sh

serve: install
	$(VENV)/bin/docket serve --demo --port $(PORT)

test: install clients browser
	$(MAKE) lint
	$(MAKE) test-sqlite
	@if [ -n "$$DOCKET_TEST_DATABASE_URL" ]; then $(MAKE) test-postgres; \
	else echo "PostgreSQL lane skipped: set DOCKET_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)"; fi

test-sqlite: install clients
	env -u DOCKET_TEST_DATABASE_URL DOCKET_CLIENTS_VENV=$(CLIENTS) $(VENV)/bin/python -m pytest -q

test-postgres: install clients
	DOCKET_CLIENTS_VENV=$(CLIENTS) $(VENV)/bin/python -m pytest -q

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src

bench: install
	$(VENV)/bin/python bench/bench_api.py

bench-upload: install
	$(VENV)/bin/python bench/bench_upload.py
