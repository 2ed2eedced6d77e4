# The two commands a reader needs:
#   make book   build the HTML book into _build/html
#   make test   run every test (unit tests, doctests, every chapter through nbval, the browser test)
# Both create .venv and install the pinned dependencies the first time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test lint clean chapter

$(STAMP): requirements.txt constraints.txt pyproject.toml scripts/install_kernel.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python scripts/install_kernel.py
	touch $(STAMP)

# Executed chapters are cached by their source; a change to the helpers they call must re-run them.
HELPERS_STAMP := _build/.helpers-stamp
$(HELPERS_STAMP): $(wildcard lstm_notes/*.py)
	rm -rf _build/.jupyter_cache
	mkdir -p _build && touch $@

book: $(STAMP) $(HELPERS_STAMP)
	$(BIN)/jupyter-book build --all --warningiserror --keep-going .

test: book lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf _build

# Run one chapter through nbval: make chapter NAME=lstm_cell
chapter: $(STAMP)
	$(BIN)/pytest book -k "$(NAME)"
