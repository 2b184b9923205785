# Two commands do all set-up on a fresh machine (see README.md):
#   make run    install, migrate, load the demo league, serve on 127.0.0.1:8000
#   make test   the whole suite on SQLite with Celery eager, plus lint, format and migrations checks
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1:8000
# `make test` is the embedded default whatever the developer's shell or .env says.
EMBEDDED := DATABASE_URL=sqlite:///db.sqlite3 CELERY_BROKER_URL=

.PHONY: install run test test-e2e lint format bench backup restore clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || { echo "创建虚拟环境失败：请先安装 python3-venv（apt-get install python3-venv）"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "打开 http://$(HOST)/ 用上面的演示账号登录（Ctrl+C 停止）。"
	DEBUG=true $(BIN)/python manage.py runserver $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(EMBEDDED) $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(EMBEDDED) $(BIN)/pytest -m "not e2e and not broker"

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
	rm -rf $(VENV) .pytest_cache .ruff_cache
