# civicdx — `make run` sets everything up and serves the demo city; `make test` runs the tests.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CIVICDX := $(VENV)/bin/civicdx
SCALE ?= full
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= civicdx.settings.local

.PHONY: run setup env migrate demo serve worker test test-sqlite test-postgres bench lint clean

run: setup
	@$(CIVICDX) survey summary --year R3 >/dev/null 2>&1 || $(CIVICDX) demo --scale $(SCALE)
	@echo ""
	@echo "  civicdx: http://localhost:$(PORT)/  （ログイン: dx / civicdx-demo-2021 ほか、README を参照）"
	@echo ""
	@trap 'kill 0' EXIT; $(CIVICDX) db_worker --interval 1 & $(CIVICDX) runserver $(HOST):$(PORT) --noreload

setup: env migrate

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv venv --quiet --allow-existing $(VENV)
	uv sync --quiet --frozen --extra dev
	@touch $@

migrate: env
	$(CIVICDX) migrate --verbosity 0
	@$(CIVICDX) minutes install-model >/dev/null

demo: setup
	$(CIVICDX) demo --scale $(SCALE)

worker: env
	$(CIVICDX) db_worker

test: env
	DJANGO_SETTINGS_MODULE=civicdx.settings.test $(PY) -m pytest $(PYTEST_ARGS)

bench: env
	DJANGO_SETTINGS_MODULE=civicdx.settings.local $(PY) bench/run.py

clean:
	rm -rf var $(VENV)
