# Pasokh: `make ask Q="..."` answers from the seed article; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pasokh-installed
Q ?= کره شمالی چند کانتینر به روسیه فرستاده است؟

.PHONY: install ask test bot bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# the CPU build of torch, pinned: an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test]'
	$(BIN)/pasokh prepare-model >/dev/null
	touch $(STAMP)

install: $(STAMP)

ask: install
	@$(BIN)/pasokh index --quiet seeds >/dev/null
	@$(BIN)/pasokh ask "$(Q)"

test: install
	$(BIN)/python -m pytest -q

bot: install
	$(BIN)/pasokh bot

bench: install
	$(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) build *.egg-info
