# farl_mm: `make demo` and `make test` work on a fresh clone; both create the
# virtual environment in $(VENV) on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.farl_mm-installed

.PHONY: install install-ranges demo test lint lock clean

install: $(STAMP)

# The pinned set (requirements/lock.txt) installed with --no-deps: it already
# holds every transitive dependency, and mmpose's declared `chumpy` (which
# cannot be built on Python 3.11 and is never imported) is never asked for.
$(STAMP): requirements/lock.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-deps -r requirements/lock.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

# Newest versions within the supported ranges instead of the lock: the
# two-step install (mmpose/mmdet without their dependencies).
install-ranges:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements/runtime.txt -r requirements/tests.txt
	$(PY) -m pip install --no-deps -r requirements/mminstall.txt
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The whole FaRL story on generated faces (tools/misc/run_demo.py): tiny
# pretraining, frozen transfer to parsing / alignment / attributes against a
# random backbone, tests, work_dirs/demo/report.md.
demo: $(STAMP)
	$(PY) tools/misc/run_demo.py

# One process per core (pytest-xdist), each with one BLAS thread: the suite
# is many small CPU jobs, which threads inside one process do not speed up.
TEST_WORKERS ?= auto
test: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n $(TEST_WORKERS) tests

lint: $(STAMP)
	$(VENV)/bin/ruff check farl_mm tools tests configs

lock: $(STAMP)
	@{ sed -n '1,3p' requirements/lock.txt; \
	  $(PY) -m pip freeze --all | grep -v -E '^(-e |farl.mm|pip==)'; \
	} > requirements/lock.txt.new && mv requirements/lock.txt.new requirements/lock.txt

clean:
	rm -rf $(VENV) work_dirs data/synthetic_lapa data/demo
