# The two commands of the README: `make run` and `make test`. Both start with `make install`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-packages lint messages migrate seed clean

# Python writes bytecode here even where the machine's environment says not to: otherwise every
# pytest-xdist worker and every server a test starts compiles the whole project again (and pytest
# rewrites every test module's asserts again), some seconds per process. `make test` compiles the
# project once, on every core, before the run.
unexport PYTHONDONTWRITEBYTECODE

# uv installs the packages (seconds where pip takes most of a minute: it resolves and fetches in
# parallel and links from its cache); pip does it if uv cannot be had. The bytecode of what is
# installed is written by the first process that imports it (uv compiling all of it took 13 s).
# The virtualenv gets no pip of its own unless it is needed (ensurepip is 3 s): the interpreter's
# pip puts uv in it, and the venv's own pip comes only where that or uv cannot be had.
$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11+ is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(PY) install --quiet --disable-pip-version-check uv 2>/dev/null || \
		{ $(PY) -m ensurepip --default-pip >/dev/null && $(PY) -m pip install --quiet uv; } || true

$(STAMP): $(PY) pyproject.toml
	$(VENV)/bin/uv pip install --python $(PY) --quiet -e ".[test]" || \
		{ $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --default-pip >/dev/null; \
		  $(PY) -m pip install --quiet -e ".[test]"; }
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The web server and the task worker that sends the outbox; Ctrl-C stops both. The printable
# notices need pango and a CJK font (installed as root with apt-get, else named).
run: seed
	@scripts/test-env.sh runtime-packages
	@PY=$(PY) scripts/run.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Chromium, gettext, a CJK font and redis-server: installed as root with apt-get, else named.
test-packages:
	@scripts/test-env.sh packages

# pytest runs with a redis-server of its own on a free port (unless REDIS_URL is set), stopped after,
# on PYTEST_WORKERS pytest-xdist workers (one test database each, and one for the seeded demo),
# which take the slow tests first (tests/conftest.py). Django's system checks and
# `makemigrations --check` are tests of the suite (tests/cms/test_project_checks.py).
PYTEST_WORKERS ?= auto
test: test-packages install
	$(PY) -m compileall -q -j 0 cms deliberation meetings tests bench manage.py
	$(VENV)/bin/ruff check .
	@PY=$(PY) scripts/test-env.sh run $(PY) -m pytest --durations=15 -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py makemessages -d djangojs -l zh_Hans -l en --ignore=.venv --ignore=static
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 media static
