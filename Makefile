# Crossline: `make demo` builds everything and serves the demo; `make test` runs the suite.
# Exact versions come from constraints.txt (regenerate with `make constraints`).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format constraints clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crossline demo

# The suite runs on two processes, each test file whole on one (tests of a file share
# module fixtures); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests scripts
	$(BIN)/ruff check --fix src tests scripts

# Re-pin every dependency to the newest versions pyproject.toml allows.
constraints:
	rm -rf /tmp/crossline-pin && $(PYTHON) -m venv /tmp/crossline-pin
	/tmp/crossline-pin/bin/pip install --quiet --upgrade pip
	/tmp/crossline-pin/bin/pip install --quiet -e '.[dev]'
	/tmp/crossline-pin/bin/pip freeze --exclude-editable | grep -v '^crossline' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
