# The two commands: `make run` (demo, embedded by default) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/platform
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint services migrate demo key bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# Start the local PostgreSQL and Redis if they are down; fail loudly if they cannot be started.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "PostgreSQL is down: starting it"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; sleep 2; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL on 127.0.0.1:5432 is not reachable" >&2; exit 1; }
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='platform'" | grep -q 1 || \
	  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE platform"
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  echo "Redis is down: starting it"; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; sleep 1; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Redis on 127.0.0.1:6379 is not reachable" >&2; exit 1; }

lint: install
	$(BIN)/ruff check .

test: install services lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -q $(PYTEST_ARGS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Demo: embedded (SQLite, file broker and cache) unless DATABASE_URL / REDIS_URL are set.
run: demo
	$(BIN)/python manage.py collectstatic --noinput -v 0
	bin/run-all

key: install
	@$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

bench: install services
	for script in bench/[!_]*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .run
