# Pasokh: `make ask Q="..."` answers from the seed article; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pasokh-installed
Q ?= کره شمالی چند کانتینر به روسیه فرستاده است؟

DATA ?= ../shared/data

.PHONY: install ask test bot bench bench-1m train eval reliability screenshots clean

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

# a million sentences: 100k embedded for real, the rest derived; IVF, memory-mapped (about an hour)
bench-1m: install
	$(BIN)/python benchmarks/bench_1m.py --keep .bench-1m

# docs/screenshots/*.png: the bot's replies in a chat bubble (needs Debian's chromium)
screenshots: install
	$(BIN)/python docs/render_screenshots.py

# the reliability suite with many trials; prints the table the README shows (~20 minutes)
reliability: install
	$(BIN)/python -m tests.reliability.suite

# rebuild retrieval/models/*.json from the training files (about 45 minutes on 2 cores; indexes kept in .train-work)
train: install
	$(BIN)/pip install --disable-pip-version-check -q -e '.[train]'
	$(BIN)/python -m pasokh.retrieval.training $(DATA) --work-dir .train-work

# the held-out figures of docs/quality.md (run once, after tuning on the even halves)
eval: install
	$(BIN)/pasokh eval $(DATA)/news_qa_dev.json --split odd
	$(BIN)/pasokh eval $(DATA)/pqa_test.json --split odd
	$(BIN)/pasokh eval $(DATA)/pquad_heldout.json --split all
	$(BIN)/pasokh eval $(DATA)/pquad_heldout.json --split all --titles none

clean:
	rm -rf $(VENV) build *.egg-info
