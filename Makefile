# Two commands set everything up on a fresh machine:
#   make run   installs, migrates, seeds the demo and serves http://127.0.0.1:8000 (SQLite, no Redis)
#   make test  runs the whole suite against PostgreSQL and Redis (as CI does)
#   make test-fast  the same without the Celery worker and browser tests (no Chromium needed)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dataplatform
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test test-fast lint chromium messages screenshots demo-two-nodes

$(STAMP): pyproject.toml package.json
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	npm install --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

run: install messages
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	@echo "Timers run in-process beside the web server (manage.py run_timers); stop both with Ctrl-C."
	$(PY) manage.py run_timers & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# A province node (http://127.0.0.1:8001) and a city node (http://localhost:8002) that trust each other, each
# with its own SQLite file, key and settings under var/two-nodes/ (docs/federation.md; tools/two_nodes.py).
demo-two-nodes: install messages
	$(PY) tools/two_nodes.py

chromium:
	@test -x /usr/bin/chromium -a -n "$$(fc-list :lang=zh 2>/dev/null)" || { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# The suite runs on PostgreSQL and Redis; the Celery tests start a real worker on Redis.
test: install messages chromium
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest

# The same suite without the real-worker and browser tests, for a quicker run while working.
test-fast: install messages
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -m "not browser and not worker"

# The README's screenshots: a fresh demo (SQLite in a temporary folder) shot in Chromium into docs/screenshots/.
screenshots: install messages chromium
	$(PY) tools/screenshots.py --out docs/screenshots

# bandit: no high-severity finding in the project's own code (issue 9); medium and low are read, not failed on.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/check_locks.py
	$(PY) tools/check_translations.py  # every message collected (no gettext alias) and translated into Simplified Chinese
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports  # the layers of pyproject.toml's [tool.importlinter]: no app imports one above it
	$(VENV)/bin/mypy  # the apps and the strictness of pyproject.toml's [tool.mypy] (README: Type checking)
	$(PY) manage.py check_openapi  # the OpenAPI schema: no generator warning, and openapi-spec-validator passes
	$(VENV)/bin/bandit -q -r dataplatform catalog sharing opening correction audit supervision federation governance operations \
		-x '*/migrations/*' --severity-level high
