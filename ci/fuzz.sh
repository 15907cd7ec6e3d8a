#!/usr/bin/env bash
# Fuzzing the loader and xen-config with cargo fuzz (the targets are in
# fuzz/fuzz_targets/; fuzz/ is its own workspace).
#
#   ci/fuzz.sh seeds             build the seed corpora in fuzz/seeds/<target>/
#   ci/fuzz.sh run [TARGET...]   run each target (default: all) for FUZZ_TIME
#                                seconds (default 600), one after the other
#   ci/fuzz.sh smoke             build every target and run each for SMOKE_RUNS
#                                inputs (default 5000) from its seeds only
#                                (make test: the targets keep building)
#
# Seeds come from real inputs: the loader's test fixtures built here with
# gcc, bundles and images made from them by ukrt-pack, xl configs from
# xen-config generate, the examples' manifests, and whatever `make image`
# left in build/ (UKRT_BUILD=dir to take them from elsewhere).
# Findings land in fuzz/artifacts/<target>/; the corpus grows in
# fuzz/corpus/<target>/. Both are ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(manifest bundle_raw bundle_checksummed elf image xen_config_check tree)
FUZZ_TIME=${FUZZ_TIME:-600}
SMOKE_RUNS=${SMOKE_RUNS:-5000}
BUILD=${UKRT_BUILD:-build}
SEEDS=fuzz/seeds

log() { echo "fuzz: $*" >&2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

install_cargo_fuzz() {
    # libfuzzer-sys compiles libFuzzer, which is C++.
    if ! command -v c++ >/dev/null; then
        log "apt-get install g++"
        if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends g++ >/dev/null
    fi
    if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
        log "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
        cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
    fi
}

# A seed file named after its contents: identical files (libukc.so in every
# app's build folder) make one seed.
add_seed() { # target file
    local sum
    sum=$(sha1sum "$2" | cut -c1-16)
    cp "$2" "$SEEDS/$1/seed-$sum"
}

# The image target's input: a 2-byte little-endian bundle length, the
# bundle, then the kernel (ukrt_fuzz::split).
image_seed() { # bundle kernel out
    python3 - "$@" <<'EOF'
import struct, sys
bundle = open(sys.argv[1], "rb").read()
kernel = open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(struct.pack("<H", len(bundle)) + bundle + kernel)
EOF
}

seeds() {
    log "building the seed corpora in $SEEDS/"
    cargo build -q -p ukrt-loader --bin ukrt-pack -p xen-config --bin xen-config
    local pack=target/debug/ukrt-pack xencfg=target/debug/xen-config
    local fix=loader/tests/fixtures
    rm -rf "$SEEDS"
    for t in "${TARGETS[@]}"; do mkdir -p "$SEEDS/$t"; done

    # Shared objects, with the flags of loader/tests/elf.rs.
    local so=(-O2 -shared -nostdlib -fno-stack-protector -Wl,-z,max-page-size=0x200000
        -Wl,-z,noseparate-code -Wl,-z,norelro -fPIC -mno-red-zone)
    gcc "${so[@]}" -o "$tmp/libfix.so" $fix/lib.c
    gcc "${so[@]}" -o "$tmp/app.so" $fix/app.c -L"$tmp" -lfix
    gcc "${so[@]}" -o "$tmp/nosym.so" $fix/nosym.c
    gcc "${so[@]}" -o "$tmp/missing.so" $fix/missing.c
    gcc "${so[@]}" -o "$tmp/tls.so" $fix/tls.c
    # The kernel-like executable of loader/tests/image.rs.
    gcc -O2 -static -nostdlib -no-pie -fno-pic -mcmodel=kernel -Wl,--build-id=none \
        -Wl,-T $fix/kernel.ld -o "$tmp/kernel.elf" $fix/kernel.c
    for f in "$tmp"/*.so; do add_seed elf "$f"; done
    # Real apps and libraries; files over 1 MiB would set libFuzzer's
    # input length limit too high (and are slow to mutate).
    local real=()
    if [ -d "$BUILD/app" ]; then
        mapfile -t real < <(find "$BUILD/app" -name '*.so' -size -1024k ! -path '*/target/*' | sort)
    fi
    for f in "${real[@]}"; do add_seed elf "$f"; done

    # Manifests: the examples', and the quoting of docs/loader.md.
    for f in examples/*/manifest.txt ci/apps/*/manifest.txt; do
        [ -e "$f" ] && add_seed manifest "$f"
    done
    printf '%s\n' '# app NAME FILE [ARGS...]' 'app greet-a greet-a.so' \
        'app web     httpd.so --port 8080 "--motd=hello there" "say \"hi\""   # 4 arguments' \
        >"$tmp/m1"
    printf 'app hello-c hello-c.so a#b --name="a b" ""\r\n\tapp x.y-z a.so \\n\n' >"$tmp/m2"
    add_seed manifest "$tmp/m1"
    add_seed manifest "$tmp/m2"

    # Bundles, packed by ukrt-pack (--no-check: seeds need not load): the
    # fixtures, and each app make image
    # built with its manifest. Without libukc.so and other files over
    # 1 MiB: big inputs make every run slow (the checksum and padding
    # checks are instrumented per byte) and the manifest names only apps.
    $pack pack --no-check -o "$tmp/fix.ukb" --manifest-text 'app app app.so "an arg"' \
        "$tmp/app.so" "$tmp/libfix.so" >/dev/null
    $pack pack --no-check -o "$tmp/one.ukb" --manifest-text 'app nosym nosym.so' "$tmp/nosym.so" >/dev/null
    local bundles=("$tmp/fix.ukb" "$tmp/one.ukb") d name files manifest
    for d in "$BUILD"/app/examples/*/ "$BUILD"/app/ci/apps/*/; do
        [ -d "$d" ] || continue
        name=$(basename "$d")
        mapfile -t files < <(find "$d" -maxdepth 1 -name '*.so' ! -name libukc.so -size -1024k | sort)
        [ ${#files[@]} -gt 0 ] || continue
        manifest=(--manifest-text "app $name $name.so")
        for m in examples/"$name"/manifest.txt ci/apps/"$name"/manifest.txt; do
            [ -e "$m" ] && manifest=(--manifest "$m")
        done
        if $pack pack --no-check -o "$tmp/$name.ukb" "${manifest[@]}" "${files[@]}" >/dev/null 2>&1; then
            bundles+=("$tmp/$name.ukb")
        fi
    done
    # A bundle with a file tree (nested folders, an empty one, an empty
    # file, a 3-page file), and its tree entry as the tree target's input:
    # the entry's page number (4 bytes, little-endian), then its bytes.
    mkdir -p "$tmp/tree/etc" "$tmp/tree/a/b/c" "$tmp/tree/empty"
    printf 'hello\n' >"$tmp/tree/etc/motd"
    : >"$tmp/tree/etc/blank"
    head -c 12288 /dev/zero | tr '\0' 'x' >"$tmp/tree/a/b/c/big"
    printf 'deep' >"$tmp/tree/a/b/deep"
    $pack pack --no-check -o "$tmp/tree.ukb" --manifest-text 'app nosym nosym.so' --files "$tmp/tree" \
        "$tmp/nosym.so" >/dev/null
    bundles+=("$tmp/tree.ukb")
    python3 - "$tmp/tree.ukb" "$tmp/tree.seed" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
for i in range(struct.unpack_from("<I", b, 12)[0]):
    at = 64 + 80 * i
    if struct.unpack_from("<I", b, at + 56)[0] == 2:
        off, size = struct.unpack_from("<QQ", b, at + 64)
        open(sys.argv[2], "wb").write(struct.pack("<I", off // 4096) + b[off:off + size])
EOF
    add_seed tree "$tmp/tree.seed"
    for f in "${bundles[@]}"; do
        add_seed bundle_raw "$f"
        add_seed bundle_checksummed "$f"
    done

    # Images: the kernel fixture with and without a bundle, and the
    # runtime's kernel (without debug info) if it was built.
    $pack image --kernel "$tmp/kernel.elf" --bundle "$tmp/fix.ukb" -o "$tmp/fix.xen" >/dev/null
    local kernels=("$tmp/kernel.elf" "$tmp/fix.xen")
    local runtime=target/x86_64-unknown-none/release/ukrt
    if [ -e $runtime ]; then
        strip --strip-debug -o "$tmp/ukrt" $runtime
        kernels+=("$tmp/ukrt")
    fi
    local i=0
    for k in "${kernels[@]}"; do
        for b in "$tmp/fix.ukb" "$tmp/one.ukb"; do
            image_seed "$b" "$k" "$tmp/image$i"
            add_seed image "$tmp/image$i"
            i=$((i + 1))
        done
    done

    # xl configs: generated ones, those make image left, and round trips
    # (name, kernel and extra separated by NULs).
    $xencfg generate --image "$tmp/fix.xen" --name fix --extra 'uk.stats a "b c" d\e' >"$tmp/fix.cfg"
    $xencfg generate --image "$tmp/fix.xen" >"$tmp/plain.cfg"
    add_seed xen_config_check "$tmp/fix.cfg"
    add_seed xen_config_check "$tmp/plain.cfg"
    if [ -d "$BUILD" ]; then
        while read -r f; do add_seed xen_config_check "$f"; done \
            < <(find "$BUILD" -maxdepth 2 -name '*.cfg' | sort)
    fi
    printf 'hello-c\0/var/lib/ukrt/hello-c.xen\0uk.stats exit=3 "quoted #"' >"$tmp/rt1"
    printf "a'b\\\\\0k.xen\0" >"$tmp/rt2"
    add_seed xen_config_check "$tmp/rt1"
    add_seed xen_config_check "$tmp/rt2"

    for t in "${TARGETS[@]}"; do log "$t: $(ls "$SEEDS/$t" | wc -l) seeds"; done
}

# The final stats libFuzzer prints, as one line: runs, their rate, and the
# corpus it ended with (seeds included; new inputs are in the corpus dir).
summary() { # target log corpus-dir
    local execs rate corp
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$2" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$2" | tail -1)
    corp=$(sed -n 's/.*DONE .* corp: \([^ ]*\).*/\1/p' "$2" | tail -1)
    log "$1: ${execs:-?} execs, ${rate:-?} execs/s, corpus ${corp:-?} (inputs/bytes)," \
        "$(ls "$3" | wc -l) new in $3"
}

# One target from fuzz/corpus/<target> and its seeds; extra arguments go
# to libFuzzer. One fuzzing process (libFuzzer's default; -jobs would fork
# workers that log to files): the machine is shared. QUIET=1 shows
# libFuzzer's output only when the target fails.
run_target() { # target corpus libfuzzer-args...
    local t=$1 corpus=$2 out=$tmp/$1.log st=0
    shift 2
    mkdir -p "$corpus"
    if [ -n "${QUIET:-}" ]; then
        cargo fuzz run "$t" "$corpus" "$SEEDS/$t" -- \
            -timeout=10 -print_final_stats=1 "$@" >"$out" 2>&1 || st=$?
        [ $st = 0 ] || tail -n 40 "$out" >&2
    else
        cargo fuzz run "$t" "$corpus" "$SEEDS/$t" -- \
            -timeout=10 -print_final_stats=1 "$@" 2>&1 | tee "$out" >&2 || st=$?
    fi
    summary "$t" "$out" "$corpus"
    return $st
}

case "${1:-}" in
seeds)
    seeds
    ;;
run)
    shift
    install_cargo_fuzz
    seeds
    [ $# -gt 0 ] || set -- "${TARGETS[@]}"
    # A finding stops its target; the others still run.
    failed=()
    for t in "$@"; do
        run_target "$t" "fuzz/corpus/$t" -max_total_time="$FUZZ_TIME" || failed+=("$t")
    done
    if [ ${#failed[@]} -gt 0 ]; then
        log "findings in: ${failed[*]} (inputs in fuzz/artifacts/)"
        exit 1
    fi
    ;;
smoke)
    install_cargo_fuzz
    seeds
    cargo fuzz build
    for t in "${TARGETS[@]}"; do
        # A scratch corpus: the seeds only, and the real corpus unchanged.
        QUIET=1 run_target "$t" "$tmp/corpus-$t" -runs="$SMOKE_RUNS"
    done
    ;;
*)
    echo "usage: ci/fuzz.sh seeds | run [TARGET...] | smoke" >&2
    exit 2
    ;;
esac
