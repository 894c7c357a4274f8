# TurboAPI: `make serve` and `make test` do the whole set-up on a fresh Debian machine.
PYTHON ?= /usr/bin/python3
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps configure build serve test unit python e2e compare bench fuzz format clean

all: build

deps:
	scripts/install-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DPython3_EXECUTABLE=$(PYTHON)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR)

serve: build
	$(BUILD_DIR)/turbo serve examples/app.py:app --workers 2 --bind 127.0.0.1:8000

unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure

python: build
	$(PYTHON) -m pytest -q tests/python

e2e: build
	$(PYTHON) -m pytest -q tests/e2e

compare: build
	$(PYTHON) tests/compare/run.py

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	$(PYTHON) -m pytest -q tests/python
	$(PYTHON) -m pytest -q tests/e2e

bench: build
	bench/run

fuzz:
	scripts/fuzz

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR)
