# Engagement Portal — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# XStatic-Bootstrap builds from source with pkg_resources, which setuptools 81 removed.
export PIP_CONSTRAINT := $(CURDIR)/.build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format messages worker beat bench-dashboard clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

## run: a working portal with demo data on http://127.0.0.1:8000/ (SQLite, console email)
##      and a Celery worker with its beat beside it: reminders, distributions and the
##      dashboards' refresh happen as in production, the queue kept in files (.run/broker).
##      `make run PORT=8001` serves on another port; links in messages follow it.
PORT ?= 8000
run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --reminder-soon
	export CELERY_BROKER_URL=filesystem://; \
	$(BIN)/celery -A engagement_portal worker --beat -Q default,mail --pool solo \
	  --loglevel info & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set);
##       `make test AS_OF=2027-12-31T23:30` runs it as of another instant, ARGS= adds pytest arguments
test: $(VENV)/.dev
	$(BIN)/python -m pytest $(if $(AS_OF),--as-of $(AS_OF)) $(ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh every catalogue under locale/ after changing strings, compile them and
##           say how much of each is translated (README, "Languages")
LOCALES := $(notdir $(wildcard locale/*))
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages $(addprefix -l ,$(LOCALES)) --no-obsolete --no-location --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv
	$(BIN)/python manage.py translation_status

worker: $(VENV)/.runtime
	$(BIN)/celery -A engagement_portal worker -Q default,mail -l info

beat: $(VENV)/.runtime
	$(BIN)/celery -A engagement_portal beat -l info

## bench-dashboard: build a city-sized data set on PostgreSQL and time the dashboards
bench-dashboard: $(VENV)/.dev
	$(BIN)/python bench/dashboard_scale.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
