# ÅMP Case. `make run` for a local demo, `make test` for the whole suite on PostgreSQL.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ampcase
export DJANGO_SETTINGS_MODULE := ampcase.settings
# `make test` runs pytest-xdist with a worker per core (`auto`: the CPUs this process may run
# on, or PYTEST_XDIST_AUTO_NUM_WORKERS), each with its own test database (test_<name>_gw0, ...).
# `worksteal` splits the tests evenly and lets an idle worker take the end of the other's queue,
# where the long browser journeys are. `make test PYTEST_PARALLEL=` runs in one process.
PYTEST_PARALLEL ?= -n auto --dist worksteal

.PHONY: run test lint format migrate messages makemessages setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed messages

# Compiled translations are built from the .po files, never committed.
messages: $(VENV)/.installed
	DEBUG=true $(BIN)/python manage.py compilemessages --verbosity 0 --ignore '.venv' --ignore 'node_modules'

makemessages: $(VENV)/.installed
	DEBUG=true $(BIN)/python manage.py makemessages -l sv -l en --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'tests/*' --ignore 'var/*' --ignore 'staticfiles/*' --no-obsolete

run: setup
	mkdir -p var
	DEBUG=true $(BIN)/python manage.py migrate --verbosity 0
	DEBUG=true $(BIN)/python manage.py seed_demo --with-history
	DEBUG=true $(BIN)/python manage.py demo_logins
	@# The outbox worker beside the server: notification mail shows in this console (DEBUG
	@# uses the console mail backend). It stops with the server.
	DEBUG=true $(BIN)/python manage.py send_outbox --loop --interval 5 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

migrate: setup
	mkdir -p var
	DEBUG=true $(BIN)/python manage.py migrate

test: setup node_modules/.installed lint
	@scripts/check-system-packages
	@# django-fsm (archived) and django-fsm-2 install into the same folder: never both.
	@if $(BIN)/pip show django-fsm >/dev/null 2>&1; then \
		echo "django-fsm (archived) is installed beside django-fsm-2: uninstall it." >&2; exit 1; fi
	@DATABASE_URL=$(DATABASE_URL) $(BIN)/python scripts/check-postgres.py
	DATABASE_URL=$(DATABASE_URL) DEBUG=false SECRET_KEY=test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
		$(BIN)/pytest $(PYTEST_PARALLEL)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles var .pytest_cache
