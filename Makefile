# parcours-engine: `make run` to try it, `make test` before every commit. See README.md.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: deps deps-run install assets run serve test lint typecheck contracts migrations pytest bench bench-large bench-http bench-spiffarena clean

## deps: the Debian packages (tools/install-deps.sh installs what is missing when it may, else says
## the one command to run; a no-op when all is there). `deps-run` is the part `make run` needs.
deps:
	@PYTHON=$(PYTHON) bash tools/install-deps.sh test

deps-run:
	@PYTHON=$(PYTHON) bash tools/install-deps.sh run

$(STAMP): pyproject.toml | deps-run
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## assets: front-end bundles (frontend/ → src/parcours_engine/web/static/dist/, never committed)
NODE_STAMP   := node_modules/.installed-stamp
ASSETS_STAMP := src/parcours_engine/web/static/dist/.built-stamp

$(NODE_STAMP): package.json package-lock.json | deps-run
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(ASSETS_STAMP): $(NODE_STAMP) $(shell find frontend -type f 2>/dev/null)
	node frontend/build.mjs
	touch $(ASSETS_STAMP)

assets: $(ASSETS_STAMP)

## run: install, migrate the embedded database, publish processes/, load demo data, serve on :5000
run: deps-run install assets
	$(BIN)/parcours-engine db upgrade
	$(BIN)/parcours-engine processes publish processes/
	$(BIN)/parcours-engine demo load
	$(BIN)/parcours-engine serve --host 127.0.0.1 --port 5000

serve: install
	$(BIN)/parcours-engine serve

## test: lint, types, layer contracts, migrations in sync, then pytest on SQLite and PostgreSQL
test: deps install assets lint typecheck contracts migrations pytest

lint:
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck:
	$(BIN)/mypy src

contracts:
	$(BIN)/lint-imports

# The models and the migrations agree (on a scratch database of its own, so parallel runs don't clash).
migrations:
	@set -e; dir=$$(mktemp -d); \
	  DATABASE_URL=sqlite:///$$dir/check.sqlite3 $(BIN)/alembic upgrade head; \
	  DATABASE_URL=sqlite:///$$dir/check.sqlite3 $(BIN)/alembic check; \
	  test "$$(DATABASE_URL=sqlite:///$$dir/check.sqlite3 $(BIN)/alembic heads | wc -l)" -eq 1 || \
	    { echo "several Alembic heads: chain the newest migration onto the other"; exit 1; }; \
	  rm -rf $$dir

# On every core (pytest-xdist; the workers share one PostgreSQL cluster, a database each):
# PYTEST_WORKERS=0 runs in this one process. --dist loadgroup keeps the tests of one xdist_group on
# one worker (tests/e2e/test_walk.py loads the demo once and walks each role once).
PYTEST_WORKERS ?= auto
pytest:
	$(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## bench: print throughput figures and ratios to a baseline measured in the same run
bench: deps install
	$(BIN)/python -m bench.engine_throughput
	$(BIN)/python -m bench.http_load
	$(BIN)/python -m bench.supervision $(BENCH_SUPERVISION)  # BENCH_SUPERVISION=--large: 1,000,000 pathways
	$(BIN)/python -m bench.model_check
	$(BIN)/python -m bench.pages  # every page's server time at 200,000 pathways (issue 16)

## bench-large: the supervision queries at 1,000,000 pathways (issue 16's scale on PostgreSQL; about
## 45 minutes on 2 cores), each goal printed beside its figure and baseline
bench-large: deps install
	$(BIN)/python -m bench.supervision --large --runs 5

## bench-http: 1, 4 and 16 clients completing tasks over HTTP against real serve processes, on SQLite
## and on PostgreSQL (two serve, one scheduler): transitions/s, p50/p95, answers by kind
bench-http: deps install
	$(BIN)/python -m bench.http_load $(BENCH_HTTP)

## bench-spiffarena (optional): SpiffArena's backend over HTTP, one client completing user tasks, on
## SQLite. Needs SPIFFARENA_SRC=<a spiff-arena checkout>/spiffworkflow-backend (never copied here);
## installs it once into SPIFFARENA_VENV (default /tmp/spiffarena-venv) from PyPI. With SPIFFARENA_SRC
## set, `make bench-http` measures it too and compares with that figure instead of the pinned one.
bench-spiffarena: install
	@test -n "$(SPIFFARENA_SRC)" || { echo "set SPIFFARENA_SRC to a spiffworkflow-backend checkout"; exit 1; }
	$(BIN)/python -m bench.spiffarena --source "$(SPIFFARENA_SRC)" $(BENCH_SPIFFARENA)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
