# PATHOS: every target creates .venv and installs what it needs when missing.
# `make notebooks` runs every notebook; `make test` runs the test suite (what CI runs); `make test-fast`
# skips the notebook tier. Installs use constraints.txt (the exact tested versions); pyproject.toml holds
# the ranges that `pip install -e ".[notebooks]"` accepts elsewhere (Colab, other Pythons).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pathos-installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
SOLUTIONS := $(sort $(wildcard notebooks/solutions/[0-9][0-9]_*_solutions.ipynb))
# Folder with the EmoDB / MELD development corpora for `make bench` (never committed), e.g. ../shared/data
REAL_DATA ?=
# Which corpus `make notebooks` runs on (README: "Real voices without a licence"), e.g.
#   make notebooks CORPUS=ravdess CORPUS_ROOT=/data/RAVDESS
# The synthetic corpus writes to build/notebooks/ and build/figures/ (make figures refreshes figures/);
# other corpora to build/notebooks/<corpus>/ and build/figures/<corpus>/.
CORPUS ?= synthetic
# `make test` says so when the browser tier will be skipped (pytest -ra then lists the reason too)
CHROMIUM_CHECK := command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	echo "make test: Chromium not found: the browser tier (tests/test_browser.py) is SKIPPED; make chromium installs it"

CORPUS_ROOT ?=
# Extra papermill arguments, e.g. make notebooks PARAMS="-p quick False -p labels thesis"
PARAMS ?=
ifeq ($(CORPUS),synthetic)
NB_OUT := build/notebooks
NB_ENV :=
else
NB_OUT := build/notebooks/$(CORPUS)
NB_ENV := PATHOS_FIGURES=$(CURDIR)/build/figures/$(CORPUS)
CORPUS_PARAMS := -p corpus $(CORPUS)
SAVE_AS := -p save_as try_it_$(CORPUS)
endif

.DEFAULT_GOAL := help
.PHONY: help setup test test-fast test-browser chromium screenshots notebooks solutions figures lint bench lab caches clean-caches clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[notebooks,dev,pretrained]"
	$(BIN)/python -m ipykernel install --sys-prefix --name pathos --display-name "Python 3 (pathos)"
	@touch $(STAMP)

setup: $(STAMP) ## create .venv, install the versions in constraints.txt and register the `pathos` kernel

test: $(STAMP) ## lint, then run every test tier (unit, network, browser, the notebooks in quick mode): what CI runs
	$(BIN)/ruff check pathos_lib tests notebooks $(wildcard benchmarks)
	@$(CHROMIUM_CHECK)
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): failing" >&2; fi; \
	exit $$rc

test-fast: $(STAMP) ## lint, then the tests without the notebook tier (a few minutes less)
	$(BIN)/ruff check pathos_lib tests notebooks $(wildcard benchmarks)
	@$(BIN)/python -m pytest -m "not notebook"; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest collected no tests (exit 5): failing" >&2; fi; \
	exit $$rc

test-browser: $(STAMP) chromium ## the browser tier alone: notebooks 01 and 07 in JupyterLab in headless Chromium
	@$(BIN)/python -m pytest -m browser; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-browser: pytest collected no tests (exit 5): failing" >&2; fi; \
	exit $$rc

chromium: ## install Debian's chromium and chromium-driver (apt-get, as root or with sudo) when missing
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		echo "chromium: $$(chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	elif command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else \
		echo "make chromium: needs root: apt-get install chromium chromium-driver" >&2; exit 1; \
	fi

screenshots: test-browser ## copy the browser tests' screenshots of the two apps into figures/ (the README shows them)
	cp build/screenshots/01_01_corpus_browser.png figures/app_corpus_browser.png
	cp build/screenshots/07_03_typed_transcript.png figures/app_try_it.png

notebooks: $(STAMP) ## run every notebook in order with papermill into build/notebooks/ (figures into build/figures/); CORPUS=, CORPUS_ROOT= for another corpus
	@mkdir -p "$(NB_OUT)"
	@set -e; root=""; if [ -n "$(CORPUS_ROOT)" ]; then root="$$(cd "$(CORPUS_ROOT)" && pwd)"; fi; \
	for nb in $(NOTEBOOKS); do \
		echo "== $$nb"; extra=""; case "$$nb" in *07_try_it*) extra="$(SAVE_AS)";; esac; \
		PATHOS_PROGRESS=text $(NB_ENV) $(BIN)/papermill --kernel pathos --cwd notebooks --log-level WARNING \
			"$$nb" "$(NB_OUT)/$$(basename $$nb)" $(CORPUS_PARAMS) $${root:+-p corpus_root "$$root"} \
			$$extra $(PARAMS); \
	done

solutions: $(STAMP) ## run the exercises' worked solutions (notebooks/solutions/) into build/notebooks/solutions/; best after make notebooks, whose networks they reuse
	@mkdir -p build/notebooks/solutions
	@set -e; for nb in $(SOLUTIONS); do \
		echo "== $$nb"; \
		PATHOS_PROGRESS=text $(BIN)/papermill --kernel pathos --cwd notebooks/solutions --log-level WARNING \
			"$$nb" "build/notebooks/solutions/$$(basename $$nb)" $(PARAMS); \
	done

figures: $(STAMP) ## run every notebook on the synthetic corpus and refresh the committed figures/ (the README's images)
	$(MAKE) notebooks CORPUS=synthetic NB_ENV="PATHOS_FIGURES=$(CURDIR)/figures"

lint: $(STAMP) ## ruff over the library, tests, benchmarks and notebooks
	$(BIN)/ruff check pathos_lib tests notebooks $(wildcard benchmarks)
	$(BIN)/ruff format --check pathos_lib tests $(wildcard benchmarks)

bench: $(STAMP) ## speed benchmarks (print ratios measured in one run); REAL_DATA=folder adds the real-data check
	@set -e; for b in benchmarks/extract.py benchmarks/train.py benchmarks/concurrency.py benchmarks/corpora.py benchmarks/asr.py; do echo "== $$b"; $(BIN)/python $$b; done
	@echo "== benchmarks/pretrained.py"; $(BIN)/python benchmarks/pretrained.py $(if $(REAL_DATA),--real-data "$(REAL_DATA)")
	@if [ -n "$(REAL_DATA)" ]; then echo "== benchmarks/real_data.py"; \
		$(BIN)/python benchmarks/real_data.py "$(REAL_DATA)" --record benchmarks/measured/real_data.json; fi

lab: $(STAMP) ## start JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks

caches: $(STAMP) ## list the cache folders under data/ (features, ASR, decoded clips, corpora) with their sizes
	@$(BIN)/python -m pathos_lib.paths caches

DAYS ?= 30
clean-caches: $(STAMP) ## remove the cache folders not used for DAYS days (default 30; DAYS=0: all)
	@$(BIN)/python -m pathos_lib.paths remove-caches $(DAYS)

clean: ## remove build outputs and the generated synthetic corpus (not .venv)
	rm -rf build data/synthetic .pytest_cache .ruff_cache
