# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/revhub demo

# The tests spend much of their time waiting on sandboxes and subprocesses, so they run on
# every core (pytest-xdist); PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto

test: $(STAMP) chromium
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS)

# The browser tests drive Debian's Chromium (never `playwright install`). Installed only when
# absent; without root the browser tests skip and say so (.ci/run makes them mandatory).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing chromium (apt-get) for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	} || echo "warning: could not install chromium; the browser tests will be skipped"

lint: $(STAMP)
	$(BIN)/ruff check revhub tests bench

# Benchmarks run on demand and print their figures; the webhook one needs wrk (Debian).
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	for b in bench/bench_sandbox_*.py; do $(BIN)/python $$b; done
	$(BIN)/python -m bench.bench_webhooks --postgres-url "$${REVHUB_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

clean:
	rm -rf $(VENV) .pytest_cache
