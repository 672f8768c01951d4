# farl_mm: `make demo` and `make test` work on a fresh clone; both create the
# virtual environment in $(VENV) on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.farl_mm-installed

.PHONY: install install-ranges demo test lint lock clean

install: $(STAMP)

# mim (0.3.9) looks for farl_mm/.mim next to the installed distribution, in
# site-packages; an editable install leaves the package in the repository
# (setup.py links configs, tools and model-index.yml into farl_mm/.mim), so
# site-packages/farl_mm points there.
MIM_LINK = ln -sfn "$(CURDIR)/farl_mm" \
	"$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/farl_mm"

# The pinned set (requirements/lock.txt) installed with --no-deps: it already
# holds every transitive dependency, and mmpose's declared `chumpy` (which
# cannot be built on Python 3.11 and is never imported) is never asked for.
$(STAMP): requirements/lock.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-deps -r requirements/lock.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(MIM_LINK)
	touch $@

# Newest versions within the supported ranges instead of the lock: the
# two-step install (mmpose/mmdet without their dependencies).
install-ranges:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements/runtime.txt -r requirements/tests.txt
	$(PY) -m pip install --no-deps -r requirements/mminstall.txt
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	$(MIM_LINK)
	touch $(STAMP)

# The whole FaRL story on generated faces (tools/misc/run_demo.py): tiny
# pretraining, frozen transfer to parsing / alignment / attributes against a
# random backbone, tests, work_dirs/demo/report.md. One console line per stage
# (start, done in N s with its metric, or failed); full logs in
# work_dirs/demo/logs/; the metric table at the end.
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
