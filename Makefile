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

# Apps: C with gcc, Rust with the app target; both as PIC shared objects
# with code and data in different 2 MiB ranges (docs/writing-apps.md).
PACK        := target/release/ukrt-pack
APP_TARGET  := app-template/targets/x86_64-ukrt-app.json
APP_CC      := gcc
APP_CFLAGS  := -O2 -fPIC -mno-red-zone -fno-stack-protector -ffreestanding -fno-builtin \
               -I app-template/include
APP_LDFLAGS := -shared -nostdlib -Wl,-z,max-page-size=0x200000 -Wl,-z,noseparate-code \
               -Wl,-z,norelro
RUST_APP_FLAGS := -Z build-std=core,compiler_builtins \
                  -Z build-std-features=compiler-builtins-mem -Z json-target-spec
EX := build/examples

XENRUN = $(PYTHON) ci/xenrun.py --xen $(XEN) --memory $(MEMORY) --timeout $(TIMEOUT) $(if $(V),-v)

.PHONY: help deps kernel selftest-kernel pack test-images run test lint unit-test boot-test bench clean

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

pack: deps
	cargo build --release -p ukrt-loader --bin ukrt-pack

$(EX)/hello-c.so: examples/hello-c/hello.c app-template/include/ukrt.h | deps
	@mkdir -p $(dir $@)
	$(APP_CC) $(APP_CFLAGS) $(APP_LDFLAGS) -o $@ $<

$(EX)/libgreet.so: examples/greet/libgreet.c app-template/include/ukrt.h | deps
	@mkdir -p $(dir $@)
	$(APP_CC) $(APP_CFLAGS) $(APP_LDFLAGS) -o $@ $<

$(EX)/greet-a.so $(EX)/greet-b.so: examples/greet/greet-app.c $(EX)/libgreet.so
	$(APP_CC) $(APP_CFLAGS) $(APP_LDFLAGS) -o $@ $< -L$(EX) -lgreet

$(EX)/broken.so: examples/greet/broken.c | deps
	@mkdir -p $(dir $@)
	$(APP_CC) $(APP_CFLAGS) $(APP_LDFLAGS) -o $@ $<

$(EX)/hello-rust.so: examples/hello-rust/src/lib.rs examples/hello-rust/Cargo.toml $(APP_TARGET) | deps
	@mkdir -p $(dir $@)
	cd examples/hello-rust && cargo build --release --target ../../$(APP_TARGET) $(RUST_APP_FLAGS)
	cp examples/hello-rust/target/x86_64-ukrt-app/release/libhello_rust.so $@

# The images the boot tests run: one bundle each, embedded in the kernel.
$(EX)/hello-c.xen: $(EX)/hello-c.so kernel pack
	$(PACK) pack -o $(EX)/hello-c.ukb --manifest-text "app hello-c hello-c.so" $<
	$(PACK) image --kernel $(KERNEL) --bundle $(EX)/hello-c.ukb -o $@

$(EX)/hello-rust.xen: $(EX)/hello-rust.so kernel pack
	$(PACK) pack -o $(EX)/hello-rust.ukb --manifest-text "app hello-rust hello-rust.so" $<
	$(PACK) image --kernel $(KERNEL) --bundle $(EX)/hello-rust.ukb -o $@

$(EX)/greet.xen: $(EX)/greet-a.so $(EX)/greet-b.so $(EX)/broken.so $(EX)/libgreet.so examples/greet/manifest.txt kernel pack
	$(PACK) pack -o $(EX)/greet.ukb --manifest examples/greet/manifest.txt \
		$(EX)/greet-a.so $(EX)/greet-b.so $(EX)/broken.so $(EX)/libgreet.so
	$(PACK) image --kernel $(KERNEL) --bundle $(EX)/greet.ukb -o $@

test-images: $(EX)/hello-c.xen $(EX)/hello-rust.xen $(EX)/greet.xen

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

boot-test: kernel selftest-kernel test-images $(XEN)
	$(PYTHON) ci/boot_tests.py --kernel $(KERNEL) --selftest-kernel $(SELFTEST_KERNEL) \
		--examples $(EX) --xen $(XEN)

bench: selftest-kernel $(XEN)
	@$(PYTHON) ci/bench.py --selftest-kernel $(SELFTEST_KERNEL) --xen $(XEN)

clean:
	cargo clean
	rm -rf build
