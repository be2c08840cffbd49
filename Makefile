# pmtool — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test provision fuzz venv lint typecheck bench check-deploy migrations-check ci lock clean

# constraints.txt pins every package, transitive ones too (see `make lock`).
$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP)

## run: create .venv, install, migrate, seed the demo workspace, serve on http://127.0.0.1:8000
run: $(STAMP)
	@mkdir -p var staticfiles
	@DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input -v 0
	@DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	@echo ""
	@echo "  pmtool is running at http://$(HOST):$(PORT)/  (sign in with a demo login above)"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/    Stop: Ctrl-C"
	@echo ""
	@DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

## test: create/update .venv, provision what the tests need (scripts/provision.sh: chromium,
## PostgreSQL, Redis) and run the whole suite
test: $(STAMP)
	@bash scripts/test.sh $(ARGS)

## provision: only the set-up step of `make test` (install chromium, start PostgreSQL and Redis)
provision:
	@bash scripts/provision.sh

## fuzz: the schemathesis test (tests/test_fuzz.py) at length, on the demo data: every phase, more examples, every caller
fuzz: $(STAMP)
	@PMTOOL_FUZZ_DATA=$${PMTOOL_FUZZ_DATA:-demo} PMTOOL_FUZZ_EXAMPLES=$${PMTOOL_FUZZ_EXAMPLES:-25} \
	  PMTOOL_FUZZ_PHASES=examples,coverage,fuzzing PMTOOL_FUZZ_ALL_CALLERS=1 \
	  bash scripts/test.sh tests/test_fuzz.py -q $(ARGS)

## lint: ruff, then mypy (make typecheck)
lint: $(STAMP) typecheck
	@$(VENV)/bin/ruff check .

# Modules held to mypy --strict (pyproject.toml [tool.mypy] overrides list the same ones): the shared
# building blocks and every app's services, selectors and permissions. The rest is checked in normal mode.
STRICT := pmtool/rawrows.py pmtool/versioning.py pmtool/cleaning.py pmtool/timeframes.py pmtool/queue.py pmtool/pages.py \
	pmtool/api/versioned.py
STRICT += strategy/services/metrics.py strategy/selectors/metrics.py strategy/rollups.py strategy/charts.py \
	strategy/templatetags/metrics_tags.py
STRICT += strategy/services/vision.py strategy/services/research.py strategy/selectors/vision.py strategy/selectors/research.py
STRICT += pmtool/services.py pmtool/selectors.py pmtool/permissions.py strategy/permissions.py
STRICT += pmtool/ranking.py backlog/permissions.py backlog/services/statuses.py backlog/scoring.py backlog/filters.py
STRICT += backlog/services/moscow.py backlog/selectors/boards.py backlog/matrix.py
STRICT += backlog/services/ranking.py backlog/selectors/ranking.py backlog/ordering.py backlog/progress.py
STRICT += backlog/services/scorecard.py backlog/selectors/scoring.py backlog/explain.py
STRICT += backlog/services/releases.py backlog/services/teams.py backlog/services/settings.py backlog/services/progress.py backlog/selectors/plan.py
STRICT += strategy/services/goals.py strategy/services/initiatives.py strategy/services/planning.py \
	strategy/selectors/goals.py strategy/selectors/initiatives.py
STRICT += backlog/services/features.py backlog/selectors/features.py backlog/services/inline.py backlog/selectors/inline.py
STRICT += backlog/services/bulk.py backlog/services/csv_import.py backlog/services/saved_views.py \
	backlog/services/references.py backlog/selectors/saved_views.py backlog/selectors/export.py
STRICT += backlog/services/tags.py backlog/selectors/tags.py

## typecheck: mypy (django-stubs, DRF stubs): every app module in normal mode, then the strict modules
typecheck: $(STAMP)
	@$(VENV)/bin/mypy pmtool strategy backlog roadmaps feedback
	@$(VENV)/bin/mypy --follow-imports=silent $(STRICT)

## bench: run every benchmark in bench/ on PostgreSQL (or only some: make bench ARGS=products_list)
bench: $(STAMP)
	@bash scripts/bench.sh $(ARGS)

check-deploy: $(STAMP)
	@DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=pmtool.example.com \
	  DATABASE_URL=$${DATABASE_URL:-sqlite:///var/check.sqlite3} $(PY) manage.py check --deploy --fail-level WARNING

migrations-check: $(STAMP)
	@DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

## ci: what CI runs (.ci/run): fresh .venv, services, tests on PostgreSQL + Redis, lint, SQLite smoke
ci:
	@CI=true bash .ci/run

## lock: after changing requirements*.txt, install them and re-pin every package in constraints.txt
lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@{ sed -n '1,3p' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@touch $(STAMP)
	@echo "constraints.txt updated: review the diff."

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
