# One command per habit. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
PIP_INSTALL = $(PYTHON) -m pip install -q --disable-pip-version-check --root-user-action=ignore
DEMO_CLIENTS ?= 50000

.PHONY: install run test test-unit test-integration lint bench bench-live soak chaos check-deploy clean

install:  ## Python package and dev tools, broker jars
	$(PIP_INSTALL) -e '.[dev]'
	bash .ci/install-broker
	bash .ci/install-axe
	bash .ci/install-publication || echo "make install: without pango the page's PDF download answers 503; everything else works"

run: install  ## broker + topics + one worker + demo population; prints the URLs
	$(PYTHON) -m streams demo --clients $(DEMO_CLIENTS)

test:  ## the whole suite: unit, real-broker integration, ops checks
	$(PYTHON) -m pytest -q

test-unit:
	$(PYTHON) -m pytest -q tests/unit

test-integration:
	$(PYTHON) -m pytest -q tests/integration

lint:
	ruff check streams tests bench
	ruff format --check streams tests bench
	mypy streams bench

bench:  ## core benchmarks (apply+classify, decode+apply+classify); history (backfill, snapshots)
	$(PYTHON) -m bench.core
	$(PYTHON) -m bench.history

bench-live:  ## live benchmarks on a local broker: plain aiokafka (before and after), naive Faust, Quix Streams (own venv), the worker
	$(PYTHON) -m bench.live --also-memory $(BENCH_LIVE_ARGS)

soak:  ## the worker at 2,000 events/s for 10 minutes, the day moving: RSS slope, p99 latency
	$(PYTHON) -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf .cache/worker .cache/demo .cache/test-broker

chaos:  ## the fault suite, every fault 10 times (CI runs 2 rounds as part of `make test`)
	rm -f .cache/chaos/results.jsonl
	CHAOS_ROUNDS=10 $(PYTHON) -m pytest -q -s tests/chaos
	$(PYTHON) -m tests.chaos.summary
