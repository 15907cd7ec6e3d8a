# ukrt: the user's entry points. `make help` lists them.
#
#   make run [ARGS="..."] [V=1]   boot the default image on Xen under QEMU
#   make test                     lint, host unit tests, boot tests under Xen
#   make bench                    benchmarks (figures, not pass/fail)

SHELL := /bin/bash
.DEFAULT_GOAL := help

TARGET   := x86_64-unknown-none
KERNEL   := target/$(TARGET)/release/ukrt
# The same kernel with the built-in self-tests, for the boot tests.
SELFTEST_KERNEL := target/selftest/$(TARGET)/release/ukrt
XEN      := build/xen
XEN_GZ   := /boot/xen-4.17-amd64.gz
PYTHON   := python3
ARGS     ?=
MEMORY   ?= 64
TIMEOUT  ?= 120

XENRUN = $(PYTHON) ci/xenrun.py --xen $(XEN) --memory $(MEMORY) --timeout $(TIMEOUT) $(if $(V),-v)

.PHONY: help deps kernel selftest-kernel run test lint unit-test boot-test bench clean

help:
	@echo "make run [ARGS=\"...\"] [V=1]  boot the hello image on Xen under QEMU; exits with its status"
	@echo "make test                    lint + host unit tests + boot tests under Xen"
	@echo "make bench                   benchmarks"
	@echo "make kernel                  build the runtime ($(KERNEL))"
	@echo "make deps                    install missing tools (apt, rustup)"

# Installs only what is missing; cheap enough to run before every target.
deps:
	@ci/install-deps

kernel: deps
	cargo build --release -p ukrt --target $(TARGET)

selftest-kernel: deps
	cargo build --release -p ukrt --target $(TARGET) --features selftest --target-dir target/selftest

$(XEN): $(XEN_GZ)
	@mkdir -p $(dir $@)
	zcat $< > $@

$(XEN_GZ): | deps

run: kernel $(XEN)
	@$(XENRUN) $(KERNEL) --args "$(ARGS)"

test: lint unit-test boot-test

lint: deps
	cargo fmt --all --check
	cargo clippy --workspace --exclude ukrt --all-targets -- -D warnings
	cargo clippy -p ukrt --tests -- -D warnings
	cargo clippy -p ukrt --release --target $(TARGET) -- -D warnings
	cargo clippy -p ukrt --release --target $(TARGET) --features selftest --target-dir target/selftest -- -D warnings

unit-test: deps
	cargo test --workspace

boot-test: kernel selftest-kernel $(XEN)
	$(PYTHON) ci/boot_tests.py --kernel $(KERNEL) --selftest-kernel $(SELFTEST_KERNEL) --xen $(XEN)

bench: selftest-kernel $(XEN)
	@$(PYTHON) ci/bench.py --selftest-kernel $(SELFTEST_KERNEL) --xen $(XEN)

clean:
	cargo clean
	rm -rf build
