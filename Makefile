# The two commands a reader needs:
#   make book   build the HTML book into _build/html
#   make test   run every test (lint, unit tests, doctests, every chapter through nbval, the
#               browser test, the helper tests in a torch-only environment)
# Both create .venv and install the pinned dependencies the first time (--no-compile: Python
# compiles only the modules that are imported, when they are first imported).
#
# Each chapter executes once per change: `make book` runs it through nbval as the notebook a
# reader downloads, in an empty directory (conftest.py), and stores the outputs in the build's
# jupyter-cache, which jupyter-book then renders without executing the chapter again. `make test`
# builds the book first, so a changed chapter or helper runs again there too.

# The venvs are installed with --no-compile: Python compiles each module when it is first imported
# and keeps the bytecode. An inherited PYTHONDONTWRITEBYTECODE would stop it keeping it, and every
# kernel and subprocess would compile TensorFlow, Keras and PyTorch again (about 6 s each).
unexport PYTHONDONTWRITEBYTECODE

PYTHON ?= python3
JOBS ?= 2
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Chapters run on $(JOBS) pytest-xdist workers; loadfile keeps a chapter's cells on one worker, in
# order. The helper tests and the browser tests run on $(JOBS) workers too, beside the torch-only
# run (the browser tests spend much of their time waiting for pages, so a second worker pays).
PYTEST := $(BIN)/pytest -n $(JOBS) --dist loadfile

.PHONY: book test lint clean chapter chromium torch-only test-helpers test-browser

$(STAMP): requirements.txt constraints.txt pyproject.toml scripts/install_kernel.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python scripts/install_kernel.py
	touch $(STAMP)

# When only chapter sources changed since the last run, only those run again (pytest's exit
# status 5, "no tests", is a changed page without code); any other change runs every chapter.
CHAPTERS_STAMP := _build/.chapters-passed
CHAPTER_INPUTS := _toc.yml conftest.py $(wildcard book/*.md _ext/*.py lstm_notes/*.py lstm_notes/data/*)
CHANGED_OTHER = $(filter-out $(wildcard book/*.md),$?)
$(CHAPTERS_STAMP): $(STAMP) $(CHAPTER_INPUTS)
	@if [ -f $@ ] && [ -z "$(CHANGED_OTHER)" ]; then \
	  echo "$(PYTEST) --save-executed $(filter book/%.md,$?)"; \
	  $(PYTEST) --save-executed $(filter book/%.md,$?) || [ $$? = 5 ]; \
	else \
	  rm -rf _build/.jupyter_cache && echo "$(PYTEST) --save-executed book" && \
	  $(PYTEST) --save-executed book; \
	fi
	touch $@

# The HTML (with the notebooks and the wheel), rebuilt when anything it shows has changed.
BOOK_STAMP := _build/.book-built
BOOK_INPUTS := _config.yml _toc.yml pyproject.toml $(wildcard book/* _static/* _ext/*.py lstm_notes/*.py lstm_notes/data/*)
$(BOOK_STAMP): $(CHAPTERS_STAMP) $(BOOK_INPUTS)
	$(BIN)/jupyter-book build --all --warningiserror --keep-going .
	touch $@

book: $(BOOK_STAMP)

# Three pytest runs side by side on the two cores; each prints its own report when it ends.
test: chromium book lint
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target test-helpers test-browser torch-only

test-helpers:
	$(BIN)/pytest -n $(JOBS) --dist worksteal lstm_notes tests --ignore=tests/test_browser.py

test-browser:
	$(BIN)/pytest -n $(JOBS) tests/test_browser.py

chromium:
	@scripts/ensure_chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The helpers with PyTorch alone (no TensorFlow, no Keras): their unit tests and doctests, less
# those marked `keras`, and the book's source checks (PyYAML and markdown-it read the chapters).
# Left out: the browser test (it needs the built HTML) and the notebook/packaging test (jupytext).
TORCH_VENV := _build/venv-torch
$(TORCH_VENV)/.installed: constraints.txt pyproject.toml
	rm -rf $(TORCH_VENV)
	$(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet --no-compile torch numpy pytest hypothesis \
	  pyyaml markdown-it-py mdit-py-plugins -c constraints.txt
	$(TORCH_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

torch-only: $(TORCH_VENV)/.installed
	$(TORCH_VENV)/bin/python -c "import importlib.util as u; assert not u.find_spec('keras')"
	$(TORCH_VENV)/bin/pytest -o addopts="" -p no:cacheprovider --doctest-modules -m "not keras" \
	  lstm_notes tests --ignore=tests/test_browser.py --ignore=tests/test_packaging.py

clean:
	rm -rf _build

# Run one chapter through nbval: make chapter NAME=lstm_cell
chapter: $(STAMP)
	$(BIN)/pytest book -k "$(NAME)"
