# The two commands: `make run` (demo, embedded by default) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The suite's own PostgreSQL database and Redis database: nothing else is created or emptied.
TEST_DATABASE_NAME ?= test_platform
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Lockfiles (uv pip compile): requirements/base.txt for the image, requirements/dev.txt here.
LOCK_COMPILE = $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --quiet --no-header \
	--annotation-style line $(LOCK_ARGS)

.PHONY: install chromium lock protos run test lint services migrate demo demo-check key bench fuzz clean

install: $(VENV)/.installed chromium

# Installs exactly the locked versions; stops (naming the way out) if the lock is stale.
$(VENV)/.installed: pyproject.toml requirements/base.txt requirements/dev.txt
	$(PYTHON) bin/lockcheck.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# Regenerate the lockfiles after a change of pyproject.toml (keeps the other pins as they are;
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed version).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install -q "$$(grep -o '"uv==[^"]*"' pyproject.toml | tr -d '"')"
	$(LOCK_COMPILE) -o requirements/base.txt
	$(LOCK_COMPILE) --extra dev -c requirements/base.txt -o requirements/dev.txt
	$(PYTHON) bin/lockcheck.py

# Python code of the gRPC interface from grpcapi/protos/conveer/*.proto, committed in grpcapi/gen/
# (tests/grpcapi/test_codegen.py fails when it no longer matches the protos).
protos: install
	$(BIN)/python grpcapi/codegen.py

# The browser tests (tests/browser/) drive Debian's chromium through Playwright's Python package;
# Playwright never downloads a browser of its own. Installed once, silent when present.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { \
	  command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) (browser tests)" >&2; exit 1; }; \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing" >&2; exit 1; }

# Start the local PostgreSQL and Redis if they are down; fail loudly if they cannot be started.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "PostgreSQL is down: starting it"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; sleep 2; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL on 127.0.0.1:5432 is not reachable" >&2; exit 1; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  echo "Redis is down: starting it"; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; sleep 1; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Redis on 127.0.0.1:6379 is not reachable" >&2; exit 1; }

# ruff, then mypy (its rules: pyproject.toml [tool.mypy]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

# The suite touches only the PostgreSQL database $TEST_DATABASE_NAME (created and dropped by
# pytest-django) and the Redis database of $REDIS_URL (emptied before every test; the suite
# refuses one holding keys it did not write). The checks before it use an in-memory SQLite.
test: install services lint
	DATABASE_URL=sqlite://:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL=sqlite://:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	@echo "tests use PostgreSQL database $${TEST_DATABASE_NAME:-$(TEST_DATABASE_NAME)} and Redis $${REDIS_URL:-$(TEST_REDIS_URL)}"
	TEST_DATABASE_NAME=$${TEST_DATABASE_NAME:-$(TEST_DATABASE_NAME)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(BIN)/pytest -q $(PYTEST_ARGS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Demo: embedded (SQLite, file broker and cache) unless DATABASE_URL / REDIS_URL are set.
run: demo
	$(BIN)/python manage.py collectstatic --noinput -v 0
	bin/run-all

# Against a running `make run` (same PORT and DEMO_PORT_BASE): a purchase, its refund, a
# warming task with progress, a view count and a live proxy within 60 s of the demo's start.
demo-check: install
	$(BIN)/python bin/demo-check

key: install
	@$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

bench: install services
	for script in bench/[!_]*.py; do $(BIN)/python $$script || exit 1; done

# schemathesis over the whole OpenAPI schema as an admin and as a plain user (no 5xx), against
# gunicorn with the demo fakes, on a database and Redis db of its own (bin/fuzz). Not in `test`:
# it takes many minutes.
fuzz: install services
	$(BIN)/python bin/fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) .run
