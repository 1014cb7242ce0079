# The two set-up commands of the README: `make serve` and `make test`. Each creates the
# virtualenv and installs the pinned dependencies the first time, and installs the pinned npm
# packages of web/ (YASGUI for the query page; Comunica and playwright-core for the tests) with
# `npm ci`, copying YASGUI's built files into server/static/vendor/ (git-ignored).
PYTHON ?= python3
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000
WEB := web
VENDOR := server/static/vendor
YASGUI := $(WEB)/node_modules/@zazuko/yasgui/build

.PHONY: serve test build lint web

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/yasgui.min.js: $(WEB)/node_modules/.installed
	mkdir -p $(VENDOR)
	cp $(YASGUI)/yasgui.min.js $(YASGUI)/yasgui.min.css $(VENDOR)/
	touch $@

web: $(VENDOR)/yasgui.min.js

serve: $(VENV)/.installed web
	$(VENV)/bin/vrlkg serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed web
	$(VENV)/bin/ruff check kg server tests bench
	$(VENV)/bin/python -m pytest -q

build: $(VENV)/.installed
	$(VENV)/bin/vrlkg build

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check kg server tests bench
