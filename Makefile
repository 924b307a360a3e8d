# Two commands do all the set-up: `make run` starts the app, `make test` runs the tests.
# Each creates .venv if missing and installs what it needs into it.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_APP  := $(VENV)/.installed-app
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint bench clean screenshots system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_APP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_APP)

# Qt needs a few shared libraries that minimal Linux images lack; install them when missing
# and when we are allowed to (root with apt). Elsewhere this prints what to install.
system-deps:
	@$(PYTHON) tools/system_deps.py

run: $(STAMP_APP) system-deps
	$(VENV)/bin/inpaint-desktop $(ARGS)

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check inpaint_desktop tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: $(STAMP_TEST) system-deps lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP_TEST) system-deps
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run_all.py

screenshots: $(STAMP_APP) system-deps
	$(PY) tools/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
