# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: serve test index lint reliability hot-reload bench eval install browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: the CPU build that ships on our machines (an open range pulls GBs of CUDA packages).
# `build` adds what makes the index and the ONNX export (torch, sentence-transformers, the model); the server
# itself needs only the runtime dependencies (see pyproject.toml and the Dockerfile).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[build,dev]'
	touch $@

install: $(VENV)/.installed

index: install
	$(BIN)/cablewise index build --if-stale

serve: index
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py 'service.app:create_app()'

browser-deps:
	bash scripts/ensure-chromium.sh

test: install browser-deps
	$(BIN)/ruff check service index tests
	$(BIN)/cablewise kb check
	$(BIN)/pytest -m 'not perf' -q

eval: index
	$(BIN)/cablewise eval

lint: install
	$(BIN)/ruff check service index tests

# Not part of `make test`: starts the server as `make serve` does and measures slow clients, overload and bad
# input; writes reliability-out/report.md. RELIABILITY_MODEL=hash skips the model (a throwaway index).
RELIABILITY_MODEL ?= bundled
reliability: index
	$(BIN)/python -m tests.reliability.run --out reliability-out --model $(RELIABILITY_MODEL)

# Not part of `make test` (its 8-s variant is): two gunicorn workers answer a 30-s client loop while
# `cablewise index build` (hash embedder, throwaway index) runs; 0 failed requests and the switch time,
# written to hot-reload-out/report.json.
hot-reload: install
	$(BIN)/python -m tests.integration.hot_reload_load --seconds 30 --rebuild build --out hot-reload-out

bench: index
	$(BIN)/python -m tests.perf.bench --out bench-out

clean:
	rm -rf var bench-out hot-reload-out tests/artifacts
