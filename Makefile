# The two set-up commands of the README: `make serve` and `make test`. Each creates the
# virtualenv and installs the pinned dependencies the first time.
PYTHON ?= python3
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test build lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

serve: $(VENV)/.installed
	$(VENV)/bin/vrlkg serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check kg server tests
	$(VENV)/bin/python -m pytest -q

build: $(VENV)/.installed
	$(VENV)/bin/vrlkg build

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check kg server tests
