# civicdx — `make run` sets everything up and serves the demo city; `make test` runs the tests.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CIVICDX := $(VENV)/bin/civicdx
SCALE ?= full
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= civicdx.settings.local

.PHONY: run setup system env migrate demo serve worker test test-sqlite test-postgres bench lint clean

run: setup
	@$(CIVICDX) survey summary --year R3 >/dev/null 2>&1 || $(CIVICDX) demo --scale $(SCALE)
	@echo ""
	@echo "  civicdx: http://localhost:$(PORT)/  （ログイン: dx / civicdx-demo-2021 ほか、README を参照）"
	@echo ""
	@trap 'kill 0' EXIT; $(CIVICDX) db_worker --interval 1 & $(CIVICDX) runserver $(HOST):$(PORT) --noreload

setup: system env migrate

# Debian packages the engines call: ffmpeg (AI議事録), Tesseract with Japanese (AI-OCR). Installed when missing and
# this is root on Debian/Ubuntu; otherwise the command to run is printed and the rest of the platform still works.
SYSTEM_PACKAGES := ffmpeg tesseract-ocr tesseract-ocr-jpn
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "apt-get install$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
	  else echo "注意: 次のパッケージがありません。sudo apt-get install$$missing を実行してください（AI議事録・AI-OCR に必要）。"; fi; \
	fi

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
