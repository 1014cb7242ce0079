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

.PHONY: serve test build lint web chromium

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

# The query page's browser test drives Debian's Chromium (headless): installed when missing and
# we are root (as on CI and these machines); otherwise say what to install.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "install the Debian packages chromium and chromium-driver" >&2; exit 1; fi; }

test: $(VENV)/.installed web chromium
	$(VENV)/bin/ruff check kg server tests bench
	$(VENV)/bin/python -m pytest -q

build: $(VENV)/.installed
	$(VENV)/bin/vrlkg build

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check kg server tests bench
