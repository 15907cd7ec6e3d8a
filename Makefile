# ukrt: the user's entry points. `make help` lists them.
#
#   make run [APP=dir] [ARGS="..."] [V=1]  build an app's image and boot it on Xen under QEMU
#   make image APP=dir [FILES=folder]      build build/<name>/<name>.xen and <name>.cfg
#   make new-app NAME=foo [LANG=c|rust]    start an app from app-template/
#   make test                              lint, host unit and harness tests, boot tests under Xen
#   make bench                             benchmarks (figures, not pass/fail)
#   make bench-net                         the HTTP server on ukrt vs Linux, under the xl harness
#   make bench-disk                        file I/O on ukrt vs Linux, same disk, under the xl harness

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
# The app `make run` and `make image` build; the default is the C hello.
APP      ?= examples/hello-c
TIMEOUT  ?= 120
# A host folder packed into the image as the read-only tree the guest sees
# at /; replaces the folder of the manifest's `files` line, if any.
FILES    ?=

# Apps: C with gcc (flags in app-template/mk/c-app.mk), Rust with the app
# target; both as PIC shared objects with code and data in different 2 MiB
# ranges (docs/writing-apps.md).
PACK        := target/release/ukrt-pack
APP_TARGET  := app-template/targets/x86_64-ukrt-app.json
RUST_APP_FLAGS := -Z build-std=core,compiler_builtins,alloc \
                  -Z build-std-features=compiler-builtins-mem -Z json-target-spec
# libukc provides memcpy & co. itself (in assembly), so no -mem feature.
LIBC_FLAGS  := -Z build-std=core,compiler_builtins -Z json-target-spec
LIBDIR      := build/lib
# The pinned toolchain, also for apps outside this checkout.
TOOLCHAIN   := $(shell sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
LIBUKC      := $(LIBDIR)/libukc.so

# make image / make run APP=dir: the app's name is its folder's name.
APP_NAME := $(notdir $(abspath $(APP)))
APP_OUT  := build/$(APP_NAME)
APP_KIND := $(if $(wildcard $(APP)/Cargo.toml),rust,c)

XENRUN = $(PYTHON) ci/xenrun.py --xen $(XEN) --memory $(MEMORY) --timeout $(TIMEOUT) $(if $(V),-v)

.PHONY: disk disk-ls disk-get xl-run deploy help deps kernel selftest-kernel pack libukc test-images run image new-app app-so test lint unit-test harness-test image-test boot-test fuzz fuzz-smoke bench bench-net bench-disk bench-cpu clean

help:
	@echo "make run [APP=dir] [ARGS=\"...\"] [V=1]  build and boot an app image (default: examples/hello-c)"
	@echo "make image APP=dir [FILES=folder]      build build/<name>/<name>.xen and .cfg (FILES: a tree at /)"
	@echo "make new-app NAME=foo [LANG=c|rust]    create apps/foo from app-template"
	@echo "make test                    lint + host unit tests + harness tests + boot tests under Xen"
	@echo "make bench                   benchmarks"
	@echo "make bench-net [BENCH_DURATION=5] [BENCH_BOOTS=3]  HTTP server: ukrt image vs Linux domU (docs/bench-net.md)"
	@echo "make bench-disk [BENCH_MIB=16] [BENCH_ROUNDS=1]  file I/O: ukrt image vs Linux domU, one disk (docs/bench-disk.md)"
	@echo "make bench-cpu [BENCH_CPU_ROUNDS=5] [BENCH_CPU_ARGS=--icount]  CPU-bound code: ukrt image vs Linux process in dom0 (docs/bench-cpu.md)"
	@echo "make fuzz [FUZZ_TIME=600] [FUZZ_TARGETS=...]  fuzz the loader and xen-config (docs/loader.md)"
	@echo "make xl-run APP=dir [DISK=a.img[,b.img] [DISK_RO=1]] [NET=1] ...  run as a domU under xl (docs/deploy.md)"
	@echo "make disk OUT=img [SIZE=64M] [DIR=folder]  a FAT32 disk image; make disk-ls IMG=img, disk-get IMG= FILE= OUT="
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
	cargo build --release -p ukrt-loader --bin ukrt-pack -p xen-config --bin xen-config

# The libc-like layer every app links, built for the app target.
libukc: deps
	cargo rustc --release -p ukc --target $(APP_TARGET) --crate-type cdylib $(LIBC_FLAGS) \
		--target-dir target/app
	@mkdir -p $(LIBDIR)
	strip --strip-debug -o $(LIBUKC) target/app/x86_64-ukrt-app/release/libukc.so

# One app folder -> its .so files in build/<name>/ (C: the folder's
# Makefile; Rust: cargo with the app target).
app-so: libukc
	@test -d "$(APP)" || { echo "make: APP=$(APP) is not a folder (try APP=examples/hello-c)"; exit 2; }
	@mkdir -p $(APP_OUT)
	cp $(LIBUKC) $(APP_OUT)/
ifeq ($(APP_KIND),rust)
	cd $(APP) && RUSTUP_TOOLCHAIN=$(TOOLCHAIN) UKRT_LIB_DIR=$(abspath $(LIBDIR)) cargo build --release \
		--target $(abspath $(APP_TARGET)) $(RUST_APP_FLAGS) --target-dir $(abspath $(APP_OUT))/target
	cp $(APP_OUT)/target/x86_64-ukrt-app/release/*.so $(APP_OUT)/$(APP_NAME).so
else
	$(MAKE) -C $(APP) UKRT=$(abspath .) OUT=$(abspath $(APP_OUT))
endif

# The image: the kernel with a bundle of the app's .so files and libukc;
# the manifest is the app's manifest.txt, or one app named after the folder.
# FILES=folder (or the manifest's `files DIR` line) adds a file tree.
# The pack fails, naming every missing library and undefined symbol of
# every app, unless LOAD_CHECK=0 (for images that test the runtime's own
# load errors, as examples/greet's broken app does).
image: app-so kernel pack
	$(PACK) pack -o $(APP_OUT)/$(APP_NAME).ukb \
		$(if $(wildcard $(APP)/manifest.txt),--manifest $(APP)/manifest.txt,--manifest-text "app $(APP_NAME) $(APP_NAME).so") \
		$(if $(FILES),--files "$(FILES)") $(if $(filter 0,$(LOAD_CHECK)),--no-check) $(APP_OUT)/*.so
	$(PACK) image --kernel $(KERNEL) --bundle $(APP_OUT)/$(APP_NAME).ukb -o $(APP_OUT)/$(APP_NAME).xen
	target/release/xen-config generate --image $(abspath $(APP_OUT))/$(APP_NAME).xen \
		--name $(APP_NAME) --extra "$(ARGS)" > $(APP_OUT)/$(APP_NAME).cfg
	@echo "image: $(APP_OUT)/$(APP_NAME).xen  xl config: $(APP_OUT)/$(APP_NAME).cfg"

# Run the app's image as a domU with xl: a Linux dom0 on Xen under QEMU
# (built and cached in build/xl-dom0). SCENARIO=run|shutdown|destroy|crash
# (default run, or shutdown with CLIENT); WAIT_FOR="text" (a plain
# substring of a console line); NET=1 gives the domU a vif at IP (default
# 198.18.0.2, dom0 is 198.18.0.1); CLIENT='shell command' runs in dom0 once
# the guest printed WAIT_FOR; LINUX_GUEST='shell script' boots the
# harness's Linux domU running that script instead of the app's image.
# DISK=a.img[,b.img] attaches raw image files as xvda, xvdb, ... (DISK_RO=1:
# read-only); what the guest writes is in the files afterwards.
# CLIENT, WAIT_FOR and LINUX_GUEST reach xlrun.py verbatim ($GUEST_IP stays
# for dom0's shell). See docs/deploy.md.
SCENARIO ?=
# 'TEXT' for the shell, from a variable's unexpanded value.
shell_quote = '$(subst ','\'',$(value $(1)))'
xl-run: $(if $(value LINUX_GUEST),,image) $(XEN)
	@$(PYTHON) ci/xl/xlrun.py \
		$(if $(value LINUX_GUEST),--linux-guest $(call shell_quote,LINUX_GUEST),$(APP_OUT)/$(APP_NAME).xen --cfg $(APP_OUT)/$(APP_NAME).cfg) \
		--xen $(XEN) $(if $(SCENARIO),--scenario $(SCENARIO)) \
		$(if $(value WAIT_FOR),--wait-for $(call shell_quote,WAIT_FOR)) \
		$(if $(NET),--net) $(if $(IP),--ip $(IP)) \
		$(if $(DISK),--disk $(DISK)) $(if $(DISK_RO),--disk-ro) \
		$(if $(value CLIENT),--client $(call shell_quote,CLIENT)) $(if $(V),-v)

# Disk images (FAT32, host tools only; docs/storage.md):
#   make disk OUT=img [SIZE=64M] [DIR=folder]   a new image, DIR's files copied in
#   make disk-ls IMG=img [DIR=/path]            list it
#   make disk-get IMG=img FILE=path OUT=dest    copy a file out (OUT=- prints it)
SIZE ?= 64M
disk: deps
	@test -n "$(OUT)" || { echo "make disk: give OUT=file.img [SIZE=64M] [DIR=folder]"; exit 2; }
	@ci/disk.sh make "$(OUT)" "$(SIZE)" "$(DIR)"

disk-ls: deps
	@test -n "$(IMG)" || { echo "make disk-ls: give IMG=file.img [DIR=/path]"; exit 2; }
	@ci/disk.sh ls "$(IMG)" "$(or $(DIR),/)"

disk-get: deps
	@test -n "$(IMG)" -a -n "$(FILE)" -a -n "$(OUT)" || { echo "make disk-get: give IMG=file.img FILE=path OUT=dest"; exit 2; }
	@ci/disk.sh get "$(IMG)" "$(FILE)" "$(OUT)"


# Copy the app's image and config to a Xen host and start it: HOST=[user@]host.
deploy: image
	@test -n "$(HOST)" || { echo "make deploy: give HOST=[user@]host (docs/deploy.md)"; exit 2; }
	ci/deploy.sh $(APP_OUT)/$(APP_NAME).xen $(APP_OUT)/$(APP_NAME).cfg $(HOST) $(REMOTE_DIR)

# A new app from the template: APPS_DIR/NAME (default apps/NAME).
# LANG=c (default) or rust.
APPS_DIR ?= apps
LANG_ := $(if $(filter rust,$(LANG)),rust,c)
new-app:
	@test -n "$(NAME)" || { echo "make new-app: give NAME=<app name>"; exit 2; }
	@test ! -e $(APPS_DIR)/$(NAME) || { echo "make new-app: $(APPS_DIR)/$(NAME) exists already"; exit 2; }
	@mkdir -p $(APPS_DIR)
	cp -r app-template/$(LANG_) $(APPS_DIR)/$(NAME)
	@if [ $(LANG_) = rust ]; then \
		rel=$$(realpath -m --relative-to=$(APPS_DIR)/$(NAME) app-template/ukrt-app); \
		sed -i "s|^name = \"app\"|name = \"$(NAME)\"|; s|path = \"../ukrt-app\"|path = \"$$rel\"|" \
			$(APPS_DIR)/$(NAME)/Cargo.toml; fi
	@echo "created $(APPS_DIR)/$(NAME) ($(LANG_)); run it with: make run APP=$(APPS_DIR)/$(NAME)"

# The images the boot tests run.
test-images:
	$(MAKE) image APP=examples/hello-c
	$(MAKE) image APP=examples/hello-rust
	$(MAKE) image APP=examples/greet LOAD_CHECK=0
	$(MAKE) image APP=ci/apps/libc-check
	$(MAKE) image APP=ci/apps/malloc-stress
	$(MAKE) image APP=ci/apps/timing
	$(MAKE) image APP=ci/apps/limits
	$(MAKE) image APP=examples/http-server
	$(MAKE) image APP=examples/tcp-echo
	$(MAKE) image APP=examples/udp-echo
	$(MAKE) image APP=ci/apps/net-services
	$(MAKE) image APP=ci/apps/net-client
	$(MAKE) image APP=ci/apps/files-check
	$(MAKE) image APP=ci/apps/disk-check
	$(MAKE) image APP=ci/apps/image-files
	$(MAKE) image APP=ci/apps/crash
	$(MAKE) image APP=ci/apps/zlib
	$(MAKE) image APP=ci/apps/lua
	$(MAKE) image APP=ci/apps/sqlite

$(XEN): $(XEN_GZ)
	@mkdir -p $(dir $@)
	zcat $< > $@

$(XEN_GZ): | deps

run: image $(XEN)
	@$(XENRUN) $(APP_OUT)/$(APP_NAME).xen --args "$(ARGS)"

test: lint unit-test harness-test image-test fuzz-smoke boot-test

# ruff, pinned and installed into build/tools by ci/install-deps; settings in ruff.toml.
RUFF := build/tools/ruff/bin/ruff

lint: deps
	$(RUFF) check ci
	cargo fmt --all --check
	cargo clippy --workspace --exclude ukrt --all-targets -- -D warnings
	cargo clippy -p ukrt --tests -- -D warnings
	cargo clippy -p ukrt --release --target $(TARGET) -- -D warnings
	cargo clippy -p ukrt --release --target $(TARGET) --features selftest --target-dir target/selftest -- -D warnings
	cargo clippy -p ukc --release --target $(APP_TARGET) $(LIBC_FLAGS) --target-dir target/app -- -D warnings
	cd app-template/ukrt-app && cargo fmt --check
	cd app-template/ukrt-app && RUSTUP_TOOLCHAIN=$(TOOLCHAIN) UKRT_LIB_DIR=$(abspath $(LIBDIR)) cargo clippy --release \
		--target $(abspath $(APP_TARGET)) $(RUST_APP_FLAGS) --target-dir $(abspath target/ukrt-app) -- -D warnings

unit-test: deps
	cargo test --workspace

# The harness package's own tests: recorded consoles replayed, on the host.
harness-test:
	$(PYTHON) -m unittest discover -s ci/ukharness/tests -t ci

# make image itself: FILES= and the manifest's files line give a tree, and
# without them the bundle is what ukrt-pack makes of the .so files alone.
image-test: kernel pack libukc
	$(PYTHON) ci/image_tests.py

# Fuzzing (ci/fuzz.sh): `make fuzz` runs every target, or FUZZ_TARGETS, for
# FUZZ_TIME seconds each; the smoke run in `make test` only checks that the
# targets build and that their seeds pass.
FUZZ_TIME    ?= 600
FUZZ_TARGETS ?=

fuzz: deps
	FUZZ_TIME=$(FUZZ_TIME) ci/fuzz.sh run $(FUZZ_TARGETS)

fuzz-smoke: deps
	ci/fuzz.sh smoke

boot-test: kernel selftest-kernel test-images $(XEN)
	$(PYTHON) ci/boot_tests.py --kernel $(KERNEL) --selftest-kernel $(SELFTEST_KERNEL) \
		--build build --xen $(XEN)

bench: selftest-kernel test-images $(XEN)
	@$(PYTHON) ci/bench.py --selftest-kernel $(SELFTEST_KERNEL) --kernel $(KERNEL) \
		--greet-image build/greet/greet.xen --pack $(PACK) --examples build/greet --xen $(XEN)

# examples/http-server as a ukrt image and as a static Linux program in the
# xl harness's Linux domU, measured from dom0 in one dom0 boot: figures
# (build/bench-net/figures.json), not pass/fail. See docs/bench-net.md.
BENCH_DURATION ?= 5
BENCH_BOOTS    ?= 3
bench-net: $(XEN)
	$(MAKE) image APP=examples/http-server
	@$(PYTHON) ci/bench_net.py --image build/http-server/http-server.xen \
		--cfg build/http-server/http-server.cfg --xen $(XEN) \
		--duration $(BENCH_DURATION) --boots $(BENCH_BOOTS)

# ci/apps/cpu-bench as a ukrt image and as a static Linux process in the xl
# harness's dom0, one after the other in one dom0 boot: figures
# (build/bench-cpu/figures.json), not pass/fail. See docs/bench-cpu.md.
BENCH_CPU_ROUNDS ?= 5
BENCH_CPU_ARGS ?=
bench-cpu: $(XEN)
	$(MAKE) image APP=ci/apps/cpu-bench
	@$(PYTHON) ci/bench_cpu.py --image build/cpu-bench/cpu-bench.xen \
		--cfg build/cpu-bench/cpu-bench.cfg --xen $(XEN) --rounds $(BENCH_CPU_ROUNDS) $(BENCH_CPU_ARGS)

# ci/apps/disk-bench as a ukrt image and as a static Linux program in the
# xl harness's Linux domU, one after the other on the same FAT32 disk image,
# in one dom0 boot: figures (build/bench-disk/figures.json), not pass/fail.
# See docs/bench-disk.md.
BENCH_MIB    ?= 16
BENCH_ROUNDS ?= 1
BENCH_DISK_ARGS ?=
bench-disk: $(XEN)
	$(MAKE) image APP=ci/apps/disk-bench
	@$(PYTHON) ci/bench_disk.py --image build/disk-bench/disk-bench.xen \
		--cfg build/disk-bench/disk-bench.cfg --xen $(XEN) \
		--mib $(BENCH_MIB) --rounds $(BENCH_ROUNDS) $(BENCH_DISK_ARGS)

clean:
	cargo clean
	rm -rf build
