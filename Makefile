# The two commands a newcomer needs:  make up   and   make test
# Everything else here is what those two are made of.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SERVICES := common api-gateway order-worker workload-generator payment-provider live-updates

.DEFAULT_GOAL := help
.PHONY: help up test lint bench reset deps venv frontend types clean k8s-demo k8s-down

help:  ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

up: deps venv frontend  ## install what is missing and run the whole stack on localhost (Ctrl-C stops it; MONITORING=1 adds Prometheus)
	@if [ -n "$${MONITORING:-}" ] && [ "$${MONITORING}" != 0 ]; then tools/install-system-deps.sh prometheus; fi
	$(PY) -m tools.stack up

test: deps venv frontend lint  ## run every check and test: linters, unit, integration, system, manifests, frontend, end-to-end
	@tools/install-system-deps.sh chromium shellcheck prometheus
	$(PY) -m pytest
	cd frontend && npm test
	$(PY) -m tools.e2e

lint: venv  ## ruff (lint and format) and mypy; the frontend's eslint and tsc run in its npm test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: deps venv  ## run the benchmarks (~10 min; ARGS=--quick ~3 min; ARGS="--only NAME") and write bench/results/
	@tools/install-system-deps.sh wrk
	$(PY) -m bench $(ARGS)

reset: venv  ## delete all orders and reset stock to make up's demo catalogue (the stack must be running)
	REDIS_SHARDS=$${REDIS_SHARDS:-$$([ "$${REDIS_CLUSTER:-0}" = 0 ] && echo 1 || echo 3)} REDIS_URL=redis://127.0.0.1:$${REDIS_PORT:-6380}/0 CATALOGUE_PATH=$${CATALOGUE_PATH:-k8s/overlays/local/catalogue-demo.json} $(PY) -m api_gateway reset-demo --yes

k8s-demo:  ## deploy to the current kubectl context, start load, show how to watch the HPA
	bash k8s/demo.sh

k8s-down:  ## remove everything k8s-demo created
	bash k8s/down.sh

deps:  ## system programs: redis-server and nginx (apt-get as root, brew on macOS)
	@tools/install-system-deps.sh redis-server nginx

# The virtualenv is rebuilt when a requirements file changes.
venv: $(VENV)/.installed
$(VENV)/.installed: $(foreach s,$(SERVICES),$(wildcard $(s)/requirements.txt) $(s)/pyproject.toml) requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(foreach s,$(SERVICES),$(if $(wildcard $(s)/requirements.txt),-r $(s)/requirements.txt)) -r requirements-dev.txt
	$(PIP) install --quiet --no-deps $(foreach s,$(SERVICES),-e $(s))
	touch $@

frontend: frontend/dist/index.html  ## build the web app (npm ci + vite build)
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/public frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build

# npm ci writes node_modules/.package-lock.json: the packages are reinstalled when the lock file changes.
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

# The web app's API types: the services' OpenAPI documents (built in-process), then TypeScript from them.
types: venv frontend/node_modules/.package-lock.json  ## regenerate frontend/src/api/schema/ after an API model changes
	$(PY) -m tools.openapi_dump
	cd frontend && npm run gen:types

clean:  ## remove the virtualenv, builds and local data
	rm -rf $(VENV) frontend/node_modules frontend/dist .run test-artifacts
