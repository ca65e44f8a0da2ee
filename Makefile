# The two commands a newcomer needs (see README): `make run` and `make test`.
# Both install what is missing first: Debian packages (deploy/install-deps.sh) and a venv in .venv
# with mixerd installed editable (which builds the realtime core in ext/). `make test` first builds mixerd
# in a Debian 13 root and runs the offline tests there (tests/systems/debian-root.sh), then the whole suite
# here; `make test-arm64` does the former for arm64 under qemu-user.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SOURCES := pyproject.toml setup.py $(wildcard ext/*.c ext/*.h ext/*.pyx ext/*.pxd ext/*.pxi)

.PHONY: run test test-debian13 test-arm64 deps deps-test bench clean

run: deps $(STAMP)
	$(VENV)/bin/mixerd demo

test: deps-test $(STAMP) test-debian13
	$(PY) -m pytest || { cat test-artifacts/stuck-test.txt 2>/dev/null; exit 1; }

test-debian13: deps-test
	tests/systems/debian-root.sh trixie

test-arm64: deps-test
	tests/systems/debian-root.sh trixie arm64

bench: $(STAMP)
	$(VENV)/bin/mixerd bench

deps:
	@deploy/install-deps.sh

deps-test:
	@deploy/install-deps.sh --test

$(STAMP): $(SOURCES)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info ext/_core.c mixerd/_core*.so .pytest_cache
