# ukrt: the user's entry points. `make help` lists them.
#
#   make run [APP=dir] [ARGS="..."] [V=1]  build an app's image and boot it on Xen under QEMU
#   make image APP=dir [FILES=folder] [COMPRESS=gzip]  build build/app/<dir>/<name>.xen and .cfg
#   make new-app NAME=foo [LANG=c|rust]    start an app from app-template/
#   make debug APP=dir [ARGS=...] [GDB_ARGS=...]  boot it with the gdb stub, gdb attached
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
# MEMORY given on the command line or in the environment also goes into
# the image's xl config; otherwise the config gets what the image needs.
MEMORY_SET := $(filter-out file default,$(origin MEMORY))
# The runtime uses one vCPU; the config says so explicitly.
VCPUS    ?= 1
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
# One target folder for every Rust app, per toolchain: core and alloc are
# compiled once (app-template/mk/rust-app.py).
RUST_TARGET_DIR := build/rust/$(TOOLCHAIN)
LIBUKC      := $(LIBDIR)/libukc.so

# make image / make run APP=dir: the app's name is its folder's name. Its
# build folder is keyed by the folder's path (build/app/examples/hello-c,
# build/app/abs/home/me/web for an app outside this checkout), so no two
# apps and no app and the tools (build/xen, build/lib, ...) share one.
APP_ABS  := $(abspath $(APP))
APP_NAME := $(notdir $(APP_ABS))
APP_KEY  := $(if $(filter $(CURDIR)/%,$(APP_ABS)),$(patsubst $(CURDIR)/%,%,$(APP_ABS)),abs$(APP_ABS))
APP_OUT  := build/app/$(APP_KEY)
APP_KIND := $(if $(wildcard $(APP)/Cargo.toml),rust,c)

XENRUN = $(PYTHON) ci/xenrun.py --xen $(XEN) --memory $(MEMORY) --timeout $(TIMEOUT) $(if $(V),-v)

# `make help`: every target and every variable a user sets
# (ci/image_tests.py checks that none is missing).
define HELP_TEXT
Build and run (docs/running.md, docs/writing-apps.md)
  make run [APP=dir] [ARGS="..."] [MEMORY=64] [TIMEOUT=120] [V=1]
                                  build an app's image and boot it as Xen's first domain under
                                  QEMU; the terminal's lines go to its console, Ctrl-C ends it
  make image APP=dir [FILES=folder] [ARGS="..."] [MEMORY=MiB] [VCPUS=1] [LOAD_CHECK=0]
             [COMPRESS=gzip]
                                  build build/app/<dir>/<name>.xen (stripped; the symbols stay
                                  in build/app/<dir>/) and its xl config .cfg
                                  (FILES: a tree at /; MEMORY: the config's memory, else what
                                  the image needs; LOAD_CHECK=0 packs apps that cannot load;
                                  COMPRESS=gzip: the image gzip'ed, docs/image-size.md)
  make new-app NAME=foo [LANG=c|rust] [APPS_DIR=apps]
                                  create APPS_DIR/foo from app-template
  make debug APP=dir [ARGS=...] [GDB_ARGS='-batch -x script'] [DEBUG_TIMEOUT=86400]
                                  boot it with the runtime's gdb stub and gdb attached, every
                                  object's symbols loaded (docs/debugging.md)
  make xl-run APP=dir [SCENARIO=run|shutdown|destroy|crash] [NET=1] [IP=198.18.0.2]
              [DISK=a.img[,b.img]] [DISK_RO=1] [WAIT_FOR="text"] [CLIENT='cmd']
              [LINUX_GUEST='script'] [TIMEOUT=120] [V=1]
                                  run the image as a domU under xl, in a Linux dom0 under QEMU
                                  (docs/deploy.md)
  make deploy HOST=[user@]host [APP=dir | CFG=edited.cfg] [REMOTE_DIR=/var/lib/ukrt]
                                  copy the image and its config to a Xen host and start it
Disks (docs/storage.md)
  make disk OUT=img [SIZE=64M] [DIR=folder]   a FAT32 disk image with DIR's files
  make disk-ls IMG=img [DIR=/path]            list it
  make disk-get IMG=img FILE=path OUT=dest    copy a file out (OUT=- prints it)
Test and measure
  make test                       lint, host unit tests, harness tests, image tests, fuzz smoke
                                  run, boot tests under Xen, the docs' commands
  make lint | unit-test | harness-test | image-test | fuzz-smoke | boot-test | docs-test
                                  one part of make test (docs-test: every command the docs
                                  show, run)
  make test-images                the images the boot tests run
  make fuzz [FUZZ_TIME=600] [FUZZ_TARGETS=...]  fuzz the loader and xen-config (docs/loader.md)
  make bench                      runtime benchmarks: boot phase by memory, faults, instances, image sizes, malloc
  make bench-net [BENCH_DURATION=5] [BENCH_BOOTS=3]   HTTP server: ukrt vs Linux (docs/bench-net.md)
  make bench-disk [BENCH_MIB=16] [BENCH_ROUNDS=1] [BENCH_DISK_ARGS=...]
                                  file I/O: ukrt vs Linux on one disk (docs/bench-disk.md)
  make bench-cpu [BENCH_CPU_ROUNDS=5] [BENCH_CPU_ARGS=--icount]
                                  CPU-bound code: ukrt vs a Linux process (docs/bench-cpu.md)
Pieces
  make kernel | selftest-kernel   the runtime ($(KERNEL)), and with its self-tests
  make pack | libukc | app-so APP=dir | app-check APP=dir
                                  ukrt-pack and xen-config, libukc.so, an app's .so files,
                                  the check that APP is an app folder
  make deps                       install missing tools (apt, rustup, pip)
  make clean                      remove target/ and build/
  make help                       this text
endef
export HELP_TEXT

.PHONY: app-check debug disk disk-ls disk-get xl-run deploy help deps kernel selftest-kernel pack libukc test-images run image new-app app-so test lint unit-test harness-test image-test boot-test docs-test fuzz fuzz-smoke bench bench-net bench-disk bench-cpu clean

help:
	@echo "$$HELP_TEXT"

# Installs only what is missing; cheap enough to run before every target.
deps:
	@ci/install-deps

# The kernel's build: the release profile optimised for size and linked as
# one unit (fat LTO, one codegen unit), which takes its stripped size from
# 1129 to 700 KiB (docs/image-size.md). Given here, not in Cargo.toml,
# because Cargo has no per-target profile and LTO is not per package: libukc
# and the host tools keep the plain release profile.
KERNEL_PROFILE := --config 'profile.release.opt-level="z"' --config 'profile.release.lto="fat"' \
                  --config 'profile.release.codegen-units=1'

kernel: deps
	cargo build --release -p ukrt --target $(TARGET) $(KERNEL_PROFILE)

selftest-kernel: deps
	cargo build --release -p ukrt --target $(TARGET) --features selftest --target-dir target/selftest \
		$(KERNEL_PROFILE)

pack: deps
	cargo build --release -p ukrt-loader --bin ukrt-pack -p xen-config --bin xen-config

# The libc-like layer every app links, built for the app target.
libukc: deps
	cargo rustc --release -p ukc --target $(APP_TARGET) --crate-type cdylib $(LIBC_FLAGS) \
		--target-dir target/app
	@mkdir -p $(LIBDIR)
	@# Replaced in one step, and only when it changed: builds running at
	@# once (the boot tests') never read a half-written copy.
	strip --strip-debug -o $(LIBUKC).$$$$ target/app/x86_64-ukrt-app/release/libukc.so && \
		{ cmp -s $(LIBUKC).$$$$ $(LIBUKC) && rm $(LIBUKC).$$$$ || mv $(LIBUKC).$$$$ $(LIBUKC); }

# The app folder exists and has a build file (before anything is built).
app-check:
	@test -d "$(APP)" || { echo "make: APP=$(APP) is not a folder (try APP=examples/hello-c)"; exit 2; }
	@test -f "$(APP)/Makefile" -o -f "$(APP)/Cargo.toml" || { echo "make: APP=$(APP) has no build file: a C app needs a Makefile, a Rust app a Cargo.toml (make new-app NAME=... makes one)"; exit 2; }

# One app folder -> its .so files in build/app/<dir>/ (C: the folder's
# Makefile; Rust: cargo with the app target).
app-so: app-check libukc
	@mkdir -p $(APP_OUT)
	@# Only what this build makes goes into the image: no .so of an earlier one.
	rm -f $(APP_OUT)/*.so
	cp $(LIBUKC) $(APP_OUT)/
ifeq ($(APP_KIND),rust)
	RUSTUP_TOOLCHAIN=$(TOOLCHAIN) UKRT_LIB_DIR=$(abspath $(LIBDIR)) $(PYTHON) app-template/mk/rust-app.py \
		$(APP) $(APP_OUT) $(APP_NAME) $(abspath $(APP_TARGET)) $(abspath $(RUST_TARGET_DIR)) $(RUST_APP_FLAGS)
else
	$(MAKE) -C $(APP) UKRT=$(abspath .) OUT=$(abspath $(APP_OUT))
endif

# The image: the kernel with a bundle of the app's .so files and libukc;
# the manifest is the app's manifest.txt, or one app named after the folder.
# FILES=folder (or the manifest's `files DIR` line) adds a file tree.
# The pack fails, naming every missing library and undefined symbol of
# every app, unless LOAD_CHECK=0 (for images that test the runtime's own
# load errors, as examples/greet's broken app does).
#
# COMPRESS=gzip writes the image gzip'ed (Xen's domain builders, its own
# for the first domain and libxenguest's for xl create, both inflate it).
COMPRESS ?=
# The image is stripped (docs/image-size.md): the bundle packs copies of the
# .so files without debug information (ci/strip-for-image, into
# $(APP_OUT)/packed/), and the kernel in it has no symbols. What the
# symbolizer and gdb read stays beside it: the .so files as built in
# $(APP_OUT)/, and $(APP_OUT)/ukrt, the kernel with its symbols and debug
# information (a hard link to $(KERNEL) as it was, so a later kernel build
# does not change it).
image: app-so kernel pack
	@case "$(COMPRESS)" in ""|gzip) ;; *) echo "make image: COMPRESS=$(COMPRESS) is not a format both of Xen's PV domain builders load (COMPRESS=gzip; docs/image-size.md)"; exit 2;; esac
	@rm -rf $(APP_OUT)/packed
	ci/strip-for-image $(APP_OUT)/packed $(APP_OUT)/*.so
	$(PACK) pack -o $(APP_OUT)/$(APP_NAME).ukb \
		$(if $(wildcard $(APP)/manifest.txt),--manifest $(APP)/manifest.txt,--manifest-text "app $(APP_NAME) $(APP_NAME).so") \
		$(if $(FILES),--files "$(FILES)") $(if $(filter 0,$(LOAD_CHECK)),--no-check) $(APP_OUT)/packed/*.so
	@rm -f $(APP_OUT)/ukrt
	ln $(KERNEL) $(APP_OUT)/ukrt 2>/dev/null || cp $(KERNEL) $(APP_OUT)/ukrt
	strip --strip-all -o $(APP_OUT)/ukrt.stripped $(KERNEL)
	$(PACK) image --kernel $(APP_OUT)/ukrt.stripped --bundle $(APP_OUT)/$(APP_NAME).ukb -o $(APP_OUT)/$(APP_NAME).xen
	@rm -f $(APP_OUT)/ukrt.stripped
	target/release/xen-config generate --image $(abspath $(APP_OUT))/$(APP_NAME).xen \
		--name $(APP_NAME) --extra "$(ARGS)" $(if $(MEMORY_SET),--memory $(MEMORY)) --vcpus $(VCPUS) \
		> $(APP_OUT)/$(APP_NAME).cfg.new || { rm -f $(APP_OUT)/$(APP_NAME).cfg.new; exit 1; }
	@mv $(APP_OUT)/$(APP_NAME).cfg.new $(APP_OUT)/$(APP_NAME).cfg
ifeq ($(COMPRESS),gzip)
	gzip -9 -n -c $(APP_OUT)/$(APP_NAME).xen > $(APP_OUT)/$(APP_NAME).xen.gz && \
		mv $(APP_OUT)/$(APP_NAME).xen.gz $(APP_OUT)/$(APP_NAME).xen
endif
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
		--xen $(XEN) --timeout $(TIMEOUT) $(if $(SCENARIO),--scenario $(SCENARIO)) \
		$(if $(value WAIT_FOR),--wait-for $(call shell_quote,WAIT_FOR)) \
		$(if $(NET),--net) $(if $(IP),--ip $(IP)) \
		$(if $(DISK),--disk $(DISK)) $(if $(DISK_RO),--disk-ro) \
		$(if $(value CLIENT),--client $(call shell_quote,CLIENT)) $(if $(V),-v) \
		$(if $(or $(value CLIENT),$(value LINUX_GUEST),$(filter-out run,$(SCENARIO))),,--stdin)

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
# CFG=path deploys that (edited) config and the image its kernel line names,
# after xen-config check, instead of building and generating one.
deploy: $(if $(CFG),pack,image)
	@test -n "$(HOST)" || { echo "make deploy: give HOST=[user@]host (docs/deploy.md)"; exit 2; }
	$(if $(CFG),ci/deploy.sh --cfg $(CFG) $(HOST) $(REMOTE_DIR),ci/deploy.sh $(APP_OUT)/$(APP_NAME).xen $(APP_OUT)/$(APP_NAME).cfg $(HOST) $(REMOTE_DIR))

# A new app from the template: APPS_DIR/NAME (default apps/NAME).
# LANG=c (default) or rust, read only from make's command line: the
# environment's LANG is the locale.
APPS_DIR ?= apps
LANG_ := $(if $(filter command line,$(origin LANG)),$(LANG),c)
new-app:
	@test -n "$(NAME)" || { echo "make new-app: give NAME=<app name>"; exit 2; }
	@case "$(LANG_)" in c|rust) ;; *) echo "make new-app: LANG=$(LANG_) is not a language of the templates (LANG=c or LANG=rust)"; exit 2;; esac
	@echo "$(NAME)" | grep -Eqx '[A-Za-z][A-Za-z0-9_-]{0,62}' || { echo "make new-app: NAME=$(NAME) is not a valid app name (a letter, then letters, digits, - or _; it names the library and, for Rust, the crate)"; exit 2; }
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
	$(MAKE) image APP=ci/apps/backtrace
	$(MAKE) image APP=ci/apps/backtrace-rust
	$(MAKE) image APP=examples/http-server
	$(MAKE) image APP=examples/tcp-echo
	$(MAKE) image APP=examples/udp-echo
	$(MAKE) image APP=ci/apps/net-services
	$(MAKE) image APP=ci/apps/net-client
	$(MAKE) image APP=ci/apps/files-check
	$(MAKE) image APP=ci/apps/disk-check
	$(MAKE) image APP=ci/apps/image-files
	$(MAKE) image APP=ci/apps/crash
	$(MAKE) image APP=ci/apps/gdb-check
	$(MAKE) image APP=ci/apps/zlib
	$(MAKE) image APP=ci/apps/lua
	$(MAKE) image APP=ci/apps/sqlite

$(XEN): $(XEN_GZ)
	@mkdir -p $(dir $@)
	zcat $< > $@

$(XEN_GZ): | deps

run: image $(XEN)
	@$(XENRUN) $(APP_OUT)/$(APP_NAME).xen --args "$(ARGS)" --stdin

# The image with the runtime's gdb stub on COM2 (QEMU serves it on a
# loopback TCP port) and gdb attached once the guest waits: before the
# first app's main (uk.gdb=wait, added unless ARGS has a uk.gdb word), or
# at a fatal fault (ARGS=uk.gdb=crash). GDB_ARGS go to gdb, e.g.
# GDB_ARGS='-batch -x script'. See docs/debugging.md.
GDB_ARGS ?=
DEBUG_TIMEOUT ?= 86400
debug: image $(XEN)
	@$(PYTHON) ci/gdbrun.py $(APP_OUT)/$(APP_NAME).xen --xen $(XEN) --memory $(MEMORY) \
		--timeout $(DEBUG_TIMEOUT) --symbols $(APP_OUT)/ukrt \
		--args "$(if $(findstring uk.gdb,$(ARGS)),$(ARGS),uk.gdb=wait $(ARGS))" \
		--symbols-dir target/app/x86_64-ukrt-app/release --symbols-dir $(APP_OUT) $(if $(V),-v) \
		-- $(GDB_ARGS)

test: lint unit-test harness-test image-test fuzz-smoke boot-test docs-test

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

# Every shell command README.md and docs/ show, run (ci/docs_tests.py):
# a stale option or figure fails. Uses the boot tests' images and Xen.
docs-test: kernel selftest-kernel test-images pack $(XEN)
	$(PYTHON) ci/docs_tests.py

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
		--greet-image build/app/examples/greet/greet.xen --hello-image build/app/examples/hello-c/hello-c.xen \
		--pack $(PACK) --examples build/app/examples/greet --xen $(XEN)

# examples/http-server as a ukrt image and as a static Linux program in the
# xl harness's Linux domU, measured from dom0 in one dom0 boot: figures
# (build/bench-net/figures.json), not pass/fail. See docs/bench-net.md.
BENCH_DURATION ?= 5
BENCH_BOOTS    ?= 3
bench-net: $(XEN)
	$(MAKE) image APP=examples/http-server
	@$(PYTHON) ci/bench_net.py --image build/app/examples/http-server/http-server.xen \
		--cfg build/app/examples/http-server/http-server.cfg --xen $(XEN) \
		--duration $(BENCH_DURATION) --boots $(BENCH_BOOTS)

# ci/apps/cpu-bench as a ukrt image and as a static Linux process in the xl
# harness's dom0, one after the other in one dom0 boot: figures
# (build/bench-cpu/figures.json), not pass/fail. See docs/bench-cpu.md.
BENCH_CPU_ROUNDS ?= 5
BENCH_CPU_ARGS ?=
bench-cpu: $(XEN)
	$(MAKE) image APP=ci/apps/cpu-bench
	@$(PYTHON) ci/bench_cpu.py --image build/app/ci/apps/cpu-bench/cpu-bench.xen \
		--cfg build/app/ci/apps/cpu-bench/cpu-bench.cfg --xen $(XEN) --rounds $(BENCH_CPU_ROUNDS) $(BENCH_CPU_ARGS)

# ci/apps/disk-bench as a ukrt image and as a static Linux program in the
# xl harness's Linux domU, one after the other on the same FAT32 disk image,
# in one dom0 boot: figures (build/bench-disk/figures.json), not pass/fail.
# See docs/bench-disk.md.
BENCH_MIB    ?= 16
BENCH_ROUNDS ?= 1
BENCH_DISK_ARGS ?=
bench-disk: $(XEN)
	$(MAKE) image APP=ci/apps/disk-bench
	@$(PYTHON) ci/bench_disk.py --image build/app/ci/apps/disk-bench/disk-bench.xen \
		--cfg build/app/ci/apps/disk-bench/disk-bench.cfg --xen $(XEN) \
		--mib $(BENCH_MIB) --rounds $(BENCH_ROUNDS) $(BENCH_DISK_ARGS)

clean:
	cargo clean
	rm -rf build
