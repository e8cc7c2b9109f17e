# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test test-fast killtest constraints clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup  ## serve the bundled demo site, crawl it, index it, show a search
	$(PY) search_cli.py demo

test: setup  ## the linter, the type checker and every test, unit and integration (what CI runs)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

test-fast: setup  ## the linter and the unit tests only: no crawl, no server, no slow test
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -m "not integration and not slow"

killtest: setup  ## SIGKILL 30 real crawls at random moments: nothing lost (CI runs it)
	$(PY) tests/kill_crawl.py --kills 30

constraints: setup  ## pin every transitive dependency as installed now (after a pyproject change)
	( sed -n '1,2p' constraints.txt; $(PY) -m pip freeze --exclude-editable ) > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
