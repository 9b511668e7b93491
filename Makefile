# Everything runs from a virtualenv at .venv; the first target that needs it creates it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install kafka tools contract bench soak clean k8s-rules dashboards

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Fetch the Kafka broker's jars from Maven Central into STREAM_KAFKA_CACHE_DIR (.cache/kafka), once.
kafka: install
	$(BIN)/python -c "from stream.config import load_settings; from stream.broker.jars import ensure_jars; print(ensure_jars(load_settings().kafka_cache_dir))"

## System tools the tests use (Prometheus, promtool, kcat, chromium, kustomize); installs once.
tools:
	@bash scripts/install-test-tools.sh

## The main job: local Kafka, worker, seeds replayed, alerts and metrics shown.
demo: install kafka
	$(BIN)/stream demo

## Dashboards without Docker: the worker (and broker) if none answers, a local Prometheus with the console;
## its URL is printed, Ctrl-C stops. Pass options as ARGS, e.g. make dashboards ARGS="--replay --rate 2".
dashboards: install kafka
	$(BIN)/stream dashboards $(ARGS)

## The test suite: unit tests and integration tests against a real broker.
test: install kafka tools
	$(BIN)/pytest

contract: install
	bash ../shared/contract/check.sh

## End-to-end benchmark (own broker): tagger, worker vs Faust and raw Kafka relays, latency, scaling, memory;
## prints a table and writes bench/results.json. N paragraphs per run (default 20,000); ARGS for more (e.g. --out).
N ?= 20000
bench: install kafka
	$(BIN)/python -m bench --n $(N) $(ARGS)

## Soak (not part of `make test`): MINUTES of steady replay at RATE/s, a worker restart every RESTART s, one broker restart; then an account.
MINUTES ?= 10
RATE ?= 200
RESTART ?= 150
soak: install kafka
	$(BIN)/python -m bench.soak --minutes $(MINUTES) --rate $(RATE) --restart-every $(RESTART)

clean:
	rm -rf $(VENV) .state .pytest_cache .hypothesis

## Resync the Kubernetes rules ConfigMap source with the packaged rules (tests/deploy checks it).
k8s-rules:
	rm -f deploy/k8s/rules/*.yaml && cp stream/tagging/rules/*.yaml deploy/k8s/rules/
