#!/usr/bin/env bash
# Builds the Linux dom0 that ci/xl/xlrun.py boots under Xen:
#
#   ci/xl/build-dom0.sh OUTDIR
#
# OUTDIR/vmlinuz    the Debian kernel: its plain ELF (Xen loads that about
#                   2 s faster under TCG than the bzImage), else the bzImage
# OUTDIR/initrd.gz  busybox, the Xen modules, the xl toolstack and ci/xl/init
#
# Packages come from Debian with `apt-get download` and are unpacked with
# `dpkg -x` into OUTDIR/pkgs: nothing is installed on the host. Libraries
# the packages lack (glibc & co.) come from the host, which is Debian 12 too.
# Cached: nothing is done when both files exist and OUTDIR/stamp matches
# the hash of this script and the files it puts in the image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-dom0.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

log() { echo "build-dom0: $*" >&2; }
die() { log "error: $*"; exit 1; }

# One build at a time per OUTDIR (harness runs may start side by side).
exec 9>"$out/.lock"
flock 9

stamp=$(cat "$here/build-dom0.sh" "$here/init" "$here/cpio.py" "$here/vmlinux.py" | sha256sum | cut -d' ' -f1)
if [[ -f $out/vmlinuz && -f $out/initrd.gz && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
    log "up to date ($out)"
    exit 0
fi
rm -f "$out/stamp"

# --- Packages ---------------------------------------------------------------

apt_updated=
apt_update() {
    [[ -n $apt_updated ]] && return 1
    log "apt-get update"
    apt-get update -qq >&2
    apt_updated=1
}

# The current 6.1 kernel, as the linux-image-amd64 metapackage names it.
kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1
}
kpkg=$(kernel_pkg)
if [[ -z $kpkg ]]; then
    apt_update
    kpkg=$(kernel_pkg)
fi
[[ -n $kpkg ]] || die "apt-cache names no linux-image-6.1.*-amd64 for linux-image-amd64"

pkgs=("$kpkg" xen-utils-4.17 xenstore-utils busybox-static
      libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenmisc4.17
      libxenstore4 libxentoollog1 libxendevicemodel1 libxenhypfs1 libxentoolcore1 libyajl2)

# Download what is not here yet (a package's .deb is named NAME_VERSION_ARCH).
debs=$out/debs
mkdir -p "$debs"
missing=()
for p in "${pkgs[@]}"; do
    compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
t0=$EPOCHREALTIME
if ((${#missing[@]})); then
    log "apt-get download ${missing[*]}"
    download() { (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "${missing[@]}" >&2); }
    if ! download; then
        apt_update || die "apt-get download failed"
        download || die "apt-get download failed after apt-get update"
    fi
fi
t1=$EPOCHREALTIME
size=$(du -cb "$debs"/*.deb | tail -n1 | cut -f1)
log "downloaded ${#missing[@]} packages in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s;" \
    "the ${#pkgs[@]} packages are $((size / 1000000)) MB"

# Unpack them all afresh (cheap next to the download).
rm -rf "$out/pkgs"
mkdir -p "$out/pkgs"
for p in "${pkgs[@]}"; do
    for deb in "$debs/${p}"_*.deb; do dpkg -x "$deb" "$out/pkgs"; done
done
P=$out/pkgs

# --- The kernel --------------------------------------------------------------

kver=${kpkg#linux-image-}
bzimage=$P/boot/vmlinuz-$kver
[[ -f $bzimage ]] || die "the kernel package has no /boot/vmlinuz-$kver"
if python3 "$here/vmlinux.py" "$bzimage" "$out/vmlinuz.tmp" >&2; then
    log "kernel: the ELF of $kver"
else
    log "kernel: cannot take the ELF out; using the bzImage of $kver"
    cp "$bzimage" "$out/vmlinuz.tmp"
fi
mv "$out/vmlinuz.tmp" "$out/vmlinuz"

# --- The root folder ---------------------------------------------------------

R=$out/root
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,etc/xen,proc,sys,dev,run,tmp,job}
mkdir -p "$R"/var/{lib/xen,lib/xenstored,log/xen/console}
ln -s ../run "$R/var/run"
ln -s ../run/lock "$R/var/lock"

# busybox and a link for each of its applets.
cp "$P/bin/busybox" "$R/bin/busybox"
for applet in $("$R/bin/busybox" --list-full); do
    [[ -e $R/$applet || -L $R/$applet ]] || ln -s /bin/busybox "$R/$applet"
done

# The toolstack (the Debian /usr/sbin/xl is a wrapper script; take the real ones).
xbin=usr/lib/xen-4.17/bin
mkdir -p "$R/$xbin"
for t in xl xenstored xenconsoled xenconsole xen-init-dom0; do
    [[ -f $P/$xbin/$t ]] || die "xen-utils-4.17 has no /$xbin/$t"
    cp "$P/$xbin/$t" "$R/$xbin/$t"
    ln -sf "/$xbin/$t" "$R/usr/sbin/$t"
done
# xenstore-utils: one program, `xenstore`, and xenstore-* links to it.
cp -a "$P"/usr/bin/xenstore* "$R/usr/bin/"
# A real file among them (not a link), for ldd below.
xenstore_bin=$(find "$R/usr/bin" -name 'xenstore*' -type f | head -n1)
[[ -n $xenstore_bin ]] || die "xenstore-utils has no xenstore program"

# The libraries that ldd names, from the packages first, else from the host.
libpath=$P/usr/lib/x86_64-linux-gnu:$P/lib/x86_64-linux-gnu
copy_lib() {
    local src=$1 name=$2
    [[ -e $R/lib/x86_64-linux-gnu/$name ]] || cp -L "$src" "$R/lib/x86_64-linux-gnu/$name"
}
for bin in "$R/$xbin"/* "$xenstore_bin"; do
    deps=$(LD_LIBRARY_PATH=$libpath ldd "$bin") || die "ldd $bin failed"
    if grep -q "not found" <<<"$deps"; then
        die "$bin: libraries found neither in the packages nor on the host: $(grep 'not found' <<<"$deps" | tr -s ' \t' ' ')"
    fi
    while read -r name arrow path _; do
        if [[ $arrow == "=>" && -f $path ]]; then
            copy_lib "$path" "$name"
        elif [[ $name == /* && -f $name ]]; then
            # The program interpreter (ld-linux-x86-64.so.2).
            [[ -e $R$name ]] || cp -L "$name" "$R$name"
        fi
    done <<<"$deps"
done
# glibc loads libgcc_s at run time (thread cancellation, backtraces):
# without it `xl create` aborts.
for d in "$P/lib/x86_64-linux-gnu" /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
    if [[ -f $d/libgcc_s.so.1 ]]; then copy_lib "$d/libgcc_s.so.1" libgcc_s.so.1; break; fi
done
[[ -e $R/lib/x86_64-linux-gnu/libgcc_s.so.1 ]] || die "no libgcc_s.so.1 on the host"

# Kernel modules: the ones the notes name, with their dependencies first
# (read from each module's .modinfo, since the package has no modules.dep).
moddir=$P/lib/modules/$kver
declare -A seen=()
order=()
# Module names write - and _ alike (.modinfo says xen_privcmd for xen-privcmd.ko).
find_module() {
    local glob=${1//[-_]/[-_]}
    find "$moddir/kernel" \( -name "$glob.ko" -o -name "$glob.ko.xz" \) | head -n1
}
add_module() {
    local name=${1//_/-} file deps dep plain
    [[ -n ${seen[$name]:-} ]] && return 0
    seen[$name]=1
    file=$(find_module "$name")
    [[ -n $file ]] || die "no module $name under $moddir"
    plain=$R/lib/modules/$name.ko
    mkdir -p "$R/lib/modules"
    if [[ $file == *.xz ]]; then xz -dc "$file" >"$plain"; else cp "$file" "$plain"; fi
    deps=$(objcopy -O binary -j .modinfo "$plain" /dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p')
    for dep in ${deps//,/ }; do add_module "$dep"; done
    order+=("$name")
}
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$R/lib/modules/load-order"
log "modules: ${order[*]}"

# The rest of the configuration and /init.
cat >"$R/etc/xen/xl.conf" <<'EOF'
# xl for the harness's dom0: its memory is fixed (dom0_mem=...,max:...).
autoballoon="off"
EOF
echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
install -m 755 "$here/init" "$R/init"

# --- The archive -------------------------------------------------------------

python3 "$here/cpio.py" "$R" --node dev/console:c:5:1 | gzip -6 -n >"$out/initrd.gz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
echo "$stamp" >"$out/stamp"
log "done: $out/vmlinuz ($(($(stat -c %s "$out/vmlinuz") / 1024 / 1024)) MiB)," \
    "$out/initrd.gz ($(($(stat -c %s "$out/initrd.gz") / 1024 / 1024)) MiB)"
