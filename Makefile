# The two commands people need: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# `make serve` / `make worker`: the production profile, on plain HTTP at 127.0.0.1 unless
# told otherwise. A local secret is made once (.secret_key, never committed).
SERVE_ENV = DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .secret_key 2>/dev/null || \
		(python3 -c 'import secrets; print(secrets.token_urlsafe(50))' | tee .secret_key))}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DJANGO_SECURE_SSL_REDIRECT="$${DJANGO_SECURE_SSL_REDIRECT:-0}" \
	DJANGO_SECURE_COOKIES="$${DJANGO_SECURE_COOKIES:-0}" \
	TASKS_BACKEND="$${TASKS_BACKEND:-db}"

.PHONY: install axe run test lint lock clean serve worker

$(BIN)/.installed: requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 13), "Likewise needs Python 3.13 (see .python-version)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(BIN)/.installed

# axe-core for the accessibility tests (pinned in its package-lock.json), when npm is here;
# without it those tests skip (or fail under REQUIRE_BROWSER=1, as CI sets).
AXE := tests/browser/axe
$(AXE)/node_modules/.installed: $(AXE)/package-lock.json
	npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error
	touch $@

axe:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -s --no-print-directory $(AXE)/node_modules/.installed; \
	else echo "npm is missing: the accessibility tests will be skipped"; fi

## Run the site with demo data on http://127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 to this machine only, with debug pages (local development)."
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## The production profile on http://127.0.0.1:8000 through gunicorn (see "Running at scale")
serve: install
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:8000 \
		--workers $${WEB_WORKERS:-4} --threads $${WEB_THREADS:-1} \
		--max-requests 10000 --max-requests-jitter 1000 --graceful-timeout 20

## A background task worker (TASKS_BACKEND=db); run as many as needed, on any machine
worker: install
	$(SERVE_ENV) $(BIN)/python manage.py worker

## Run the whole test suite (browser tests included; set DATABASE_URL for PostgreSQL)
test: install axe
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Re-resolve requirements.lock from pyproject.toml
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.13 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media staticfiles test-artifacts .secret_key $(AXE)/node_modules
