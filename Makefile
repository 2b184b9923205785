# Two commands do all set-up on a fresh machine (see README.md):
#   make run    install, migrate, load the demo league, serve on 127.0.0.1:8000 (DEBUG off)
#   make test   the suite on SQLite with Celery eager, on every core, plus lint, format and
#               migrations checks (scale tests marked `slow` run in `make test-slow` and in CI)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installs come from the lock files (exact versions with hashes); `make lock` refreshes them
# after pyproject.toml changes (tests/test_lock_files.py fails while they disagree).
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed-$(shell sha1sum $(LOCK) | cut -c1-12)
HOST ?= 127.0.0.1:8000
# `make test` is the embedded default whatever the developer's shell or .env says.
EMBEDDED := DATABASE_URL=sqlite:///db.sqlite3 CELERY_BROKER_URL=

# Test processes (pytest-xdist): `auto` is one per core; PYTEST_WORKERS=0 runs in this process.
# Tests of the seeded demo league share one worker, so the demo is seeded once (tests/conftest.py).
PYTEST_WORKERS ?= auto
PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup
# A fresh test database per run takes its schema from the models instead of replaying every
# migration in every worker (half a minute of CPU each); tests/conftest.py writes the reference
# rows, `make lint` checks models and migrations agree, .ci/run's PostgreSQL suite migrates.
FRESH_DB := --no-migrations
SUITE := not e2e and not broker

.PHONY: install lock wheelhouse run dev test test-slow test-fast test-e2e lint format bench backup restore clean

$(STAMP): $(LOCK)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || { echo "创建虚拟环境失败：请先安装 python3-venv（apt-get install python3-venv）"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# Re-resolve both lock files from pyproject.toml (needs the package index).
lock: install
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 --quiet --custom-compile-command "make lock" -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --generate-hashes --python-version 3.11 --quiet --custom-compile-command "make lock" -o requirements/dev.lock

# Wheels for an intranet server without internet (Linux x86_64, CPython 3.11): copy
# wheelhouse/ and requirements/base.lock across, then on the server
#   pip install --no-index --find-links wheelhouse --require-hashes -r requirements/base.lock
WHEEL_PLATFORMS := --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
wheelhouse: install
	$(BIN)/python -m pip download --quiet --require-hashes -r requirements/base.lock -d wheelhouse \
	  --only-binary=:all: --python-version 3.11 --implementation cp $(WHEEL_PLATFORMS)
	@echo "wheelhouse/ 已就绪：$$(ls wheelhouse | wc -l) 个安装包（Linux x86_64，Python 3.11）。"

# `make run` serves the portal as users see it: DEBUG off (the portal's own Chinese error
# pages), static files collected and served by WhiteNoise, plain HTTP on the local machine.
# `make dev` is the same with Django's debug pages and auto-reload of static files.
LOCAL_HTTP := SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0

run: install
	@# A server with DEBUG off refuses the published development key: make this machine its own.
	@grep -qs '^SECRET_KEY=' .env || echo "SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env
	$(LOCAL_HTTP) $(BIN)/python manage.py migrate --noinput
	$(LOCAL_HTTP) $(BIN)/python manage.py seed_demo
	$(LOCAL_HTTP) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "打开 http://$(HOST)/ 用上面的演示账号登录（Ctrl+C 停止）。"
	DEBUG=false $(LOCAL_HTTP) $(BIN)/python manage.py runserver --nostatic $(HOST)

dev: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "开发模式（DEBUG 开启）：打开 http://$(HOST)/（Ctrl+C 停止）。"
	DEBUG=true $(BIN)/python manage.py runserver $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache
	$(EMBEDDED) $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(EMBEDDED) $(BIN)/pytest -m "$(SUITE) and not slow" $(PARALLEL) $(FRESH_DB)

# Scale tests (the demo seeded at --scale 2, the largest imports): .ci/run runs them too.
test-slow: install
	$(EMBEDDED) $(BIN)/pytest -m "$(SUITE) and slow" $(PARALLEL) $(FRESH_DB) --durations=10

# The edit-test loop: no lint, the test database kept between runs (files .test-db.sqlite3*;
# new migrations are applied to it, ARGS=--create-db builds it afresh), the 15 slowest tests
# listed. Pick tests with ARGS, e.g. `make test-fast ARGS="tests/branches -x"`.
test-fast: install
	$(EMBEDDED) TEST_DATABASE_NAME=.test-db.sqlite3 $(BIN)/pytest -m "$(SUITE) and not slow" \
		$(PARALLEL) --reuse-db --durations=15 $(ARGS)

# Browser tests: need Debian's chromium and fonts-noto-cjk (.ci/run installs them).
test-e2e: install
	$(BIN)/pytest -m e2e tests/e2e

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/pages.py

# Database and uploaded files, with the settings the site runs with (environment or .env):
#   make backup [BACKUP_DIR=backups]      a new dated directory under BACKUP_DIR
#   make restore FROM=backups/<dated>     replaces the database and MEDIA_ROOT (asks first)
BACKUP_DIR ?= backups
backup: install
	$(BIN)/python manage.py backup --to $(BACKUP_DIR)

restore: install
	@test -n "$(FROM)" || { echo "用法：make restore FROM=backups/<备份目录>"; exit 2; }
	$(BIN)/python manage.py restore $(FROM)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .test-db.sqlite3*
