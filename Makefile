# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Development server on SQLite with the demo loaded; DEBUG=1 is for this machine only.
run: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST)

# The whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL).
test: install
	$(PY) -m pytest

# Style, the architecture contracts (import-linter) and types (mypy), as CI runs them.
lint: install
	$(VENV)/bin/ruff check .
	DEBUG=1 $(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy

# Benchmarks print figures; they are not tests. Each exits non-zero if it misses its target.
bench: install
	$(PY) bench/compare.py; $(PY) bench/compare_page.py; $(PY) bench/pages.py; $(PY) bench/page_weight.py; $(PY) bench/rendering_cost.py; $(PY) bench/lineage.py; $(PY) bench/exports.py; $(PY) bench/merge.py; $(PY) bench/brackets.py; $(PY) bench/campaigns.py; $(PY) bench/search.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
