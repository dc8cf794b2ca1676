# SEN Track: `make run` serves the demo; `make test` runs the whole suite. Both set everything up.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app sentrack
STAMP := $(VENV)/.installed

.PHONY: run test lint install lock assets db demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo --if-empty

run: demo
	@echo ""
	@echo "SEN Track is at http://localhost:$(PORT) (security keys and passkeys work at localhost only)"
	@echo "Demo sign-ins (password: sentrack-demo):"
	@echo "  head@demo.test  senco@demo.test  teacher@demo.test  ta@demo.test"
	@echo "  governor@demo.test  admin@demo.test  la@demo.test"
	@echo ""
	@# The scheduler (daily sweep, outbox) runs in its own process beside the web server.
	$(FLASK) scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The browser journeys (tests/browser) need axe-core from npm and a Chromium, which
# scripts/find-chromium finds or installs (and fails, saying what to do, when it cannot).
# The suite runs on one worker per core (at most four), each with its own database.
test: install node_modules/.package-lock.json
	SENTRACK_CHROMIUM="$$(scripts/find-chromium)" && export SENTRACK_CHROMIUM && \
	$(BIN)/python -m pytest -n auto --maxprocesses 4

# ruff.toml holds the rules: pyflakes, pycodestyle, bugbear, simplify, pyupgrade, import order and
# complexity, with the format every file keeps (`.venv/bin/ruff format .` applies it).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check-structure

node_modules/.package-lock.json: package-lock.json
	npm ci

# Re-pin every dependency after changing requirements*.in.
lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements-dev.txt requirements-dev.in

# Rebuild the committed front-end files from package-lock.json (needs Node.js; running does not).
assets:
	npm ci
	npm run build

clean:
	rm -rf $(VENV) instance .pytest_cache

# The README's screenshots (docs/images) from the demo, in Chromium: never part of `make test`.
.PHONY: screenshots
screenshots: install
	SENTRACK_CHROMIUM="$$(scripts/find-chromium)" $(BIN)/python scripts/screenshots.py

# The benchmark: a local authority of the demo in PostgreSQL, served by gunicorn and driven at 8
# concurrent requests; every key page is held to the floor page of the same run. SCALE picks the
# size: standard (100 schools, 60,000 pupils, database sentrack_bench) or large (`make bench
# SCALE=large`: 400 schools, 250,000 pupils, database sentrack_bench_large). Each size is built once
# in its own database and reused. Writes the size's results into bench/results.json beside the
# other's, and both into bench/results.md and README.md. BENCH_DATABASE_URL overrides the database;
# bench/run.py lists the other BENCH_* settings.
SCALE ?= standard
.PHONY: bench
bench: install
	SCALE=$(SCALE) $(BIN)/python bench/run.py
