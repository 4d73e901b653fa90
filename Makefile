# The two commands of the README: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQUIREMENTS_HASH := $(shell sha1sum requirements.txt | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQUIREMENTS_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000
# make test runs the suite in this many processes (pytest-xdist; auto = one per core).
# One test process per core, but at least 3: many tests wait on subprocesses (a worker,
# Prometheus, Chromium), so on 2 cores a third process finishes the suite ~15 % sooner.
PYTEST_WORKERS ?= $(shell python3 -c 'import os; print(max(3, os.cpu_count() or 1))')

.PHONY: run test bench install system-deps lint format check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; set PYTHON=python3.11")'

$(STAMP): requirements.txt | check-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

system-deps:
	./scripts/system-deps.sh

## make run: migrate, load the demo account, serve on http://$(HOST):$(PORT), by default
## http://127.0.0.1:8000; PORT and HOST come from the environment or make arguments
## (`PORT=8080 make run`, `make run PORT=8080`).
## Without REDIS_URL the periodic jobs (rollups) run in-process in the background; Ctrl-C
## stops both. With REDIS_URL, start a Celery worker and beat yourself (README).
# Links printed and shown by the demo point at this server unless SLA_PUBLIC_BASE_URL says.
run: export SLA_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@if [ -z "$$REDIS_URL" ]; then \
	  $(BIN)/python manage.py run_periodic_inprocess & jobs=$$!; \
	  trap 'kill $$jobs 2>/dev/null; wait $$jobs 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
test: install system-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

## make bench: the benchmarks under bench/ (not part of make test)
bench: install
	./scripts/system-deps.sh --bench
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
