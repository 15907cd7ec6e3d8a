#!/usr/bin/env bash
# Builds the Linux dom0 that ci/xl/xlrun.py boots under Xen:
#
#   ci/xl/build-dom0.sh OUTDIR
#
# OUTDIR/vmlinuz    the Debian kernel: its plain ELF (Xen loads that about
#                   2 s faster under TCG than the bzImage), else the bzImage
# OUTDIR/initrd.gz  busybox, the Xen modules (xen-netback and xen-blkback
#                   too, and virtio's for QEMU's drives), the xl toolstack,
#                   ci/xl/init, the hotplug scripts ci/xl/vif-ukrt and
#                   ci/xl/block-ukrt, and
#                   wrk with its libraries, and our static test tools from
#                   ci/xl/tools (badframes, udpcheck, firstreply)
# OUTDIR/guest/     the Linux PV domU (xlrun.py --linux-guest): the same
#                   kernel for xl to load (guest/vmlinuz) and its initramfs
#                   (guest/initrd.cpio: busybox, xen-netfront, ci/xl/guest-init
#                   as /init, ci/xl/guest-listening as /bin/listening, and
#                   xen-blkfront with vfat in lib/modules, listed in
#                   lib/modules/disk-order, for a script to insmod)
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

# The inputs: this script (the package list is in it) and every file it
# puts in the images.
inputs=(build-dom0.sh init cpio.py vmlinux.py vif-ukrt block-ukrt guest-init guest-listening
        tools/badframes.c tools/udpcheck.c tools/firstreply.c)
stamp=$(cd "$here" && cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)
if [[ -f $out/vmlinuz && -f $out/initrd.gz && -f $out/guest/vmlinuz && -f $out/guest/initrd.cpio &&
      "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
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

# wrk (an HTTP load generator for the network tests' clients) needs luajit;
# its libssl3 comes from the host like glibc.
pkgs=("$kpkg" xen-utils-4.17 xenstore-utils busybox-static wrk libluajit-5.1-2
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

# wrk, for clients in dom0.
[[ -f $P/usr/bin/wrk ]] || die "the wrk package has no /usr/bin/wrk"
cp "$P/usr/bin/wrk" "$R/usr/bin/wrk"

# The libraries that ldd names, from the packages first, else from the host.
libpath=$P/usr/lib/x86_64-linux-gnu:$P/lib/x86_64-linux-gnu
copy_lib() {
    local src=$1 name=$2
    [[ -e $R/lib/x86_64-linux-gnu/$name ]] || cp -L "$src" "$R/lib/x86_64-linux-gnu/$name"
}
for bin in "$R/$xbin"/* "$xenstore_bin" "$R/usr/bin/wrk"; do
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
# add_module ROOT NAME: NAME.ko and the modules it depends on, into
# ROOT/lib/modules, each appended to `order` after its dependencies.
add_module() {
    local root=$1 name=${2//_/-} file deps dep plain
    [[ -n ${seen[$root:$name]:-} ]] && return 0
    seen[$root:$name]=1
    file=$(find_module "$name")
    [[ -n $file ]] || die "no module $name under $moddir"
    plain=$root/lib/modules/$name.ko
    mkdir -p "$root/lib/modules"
    if [[ $file == *.xz ]]; then xz -dc "$file" >"$plain"; else cp "$file" "$plain"; fi
    # (objcopy cannot write the section to a pipe: /dev/stdout gave nothing,
    # so no dependency was ever found.)
    objcopy -O binary -j .modinfo "$plain" "$out/modinfo.tmp"
    deps=$(tr '\0' '\n' <"$out/modinfo.tmp" | sed -n 's/^depends=//p')
    rm -f "$out/modinfo.tmp"
    for dep in ${deps//,/ }; do add_module "$root" "$dep"; done
    order+=("$name")
}
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do add_module "$R" "$m"; done
printf '%s\n' "${order[@]}" >"$R/lib/modules/load-order"
log "modules: ${order[*]}"
# The backend of PV network devices, loaded by /init for jobs with a network.
order=()
add_module "$R" xen-netback
printf '%s\n' "${order[@]}" >"$R/lib/modules/net-order"
log "network modules: ${order[*]}"
# The backend of PV block devices, and the drivers of QEMU's virtio drives
# it serves them from, loaded by /init for jobs with disks.
order=()
for m in virtio_pci virtio_blk xen-blkback; do add_module "$R" "$m"; done
printf '%s\n' "${order[@]}" >"$R/lib/modules/blk-order"
log "block modules: ${order[*]}"

# The rest of the configuration and /init.
cat >"$R/etc/xen/xl.conf" <<'EOF'
# xl for the harness's dom0: its memory is fixed (dom0_mem=...,max:...).
autoballoon="off"
EOF
echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
# Service names for clients (wrk asks getaddrinfo for "http" when a URL has no port).
printf '%s\n' "echo 7/tcp" "http 80/tcp" "https 443/tcp" >"$R/etc/services"
install -m 755 "$here/init" "$R/init"
mkdir -p "$R/etc/xen/scripts"
install -m 755 "$here/vif-ukrt" "$R/etc/xen/scripts/vif-ukrt"
install -m 755 "$here/block-ukrt" "$R/etc/xen/scripts/block-ukrt"
# Our own test tools (ci/xl/tools): static, so they need nothing in dom0.
for src in "$here"/tools/*.c; do
    gcc -static -O2 -Wall -Werror -o "$R/usr/bin/$(basename "$src" .c)" "$src" ||
        die "building $src failed"
done

# --- The Linux domU ----------------------------------------------------------

# Busybox, xen-netfront (and the disk modules), /init and /bin/listening; xlrun.py appends the
# script and the address as a second archive.
G=$out/guest-root
rm -rf "$G"
mkdir -p "$G"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run}
cp "$P/bin/busybox" "$G/bin/busybox"
for applet in $("$G/bin/busybox" --list-full); do
    [[ -e $G/$applet || -L $G/$applet ]] || ln -s /bin/busybox "$G/$applet"
done
order=()
add_module "$G" xen-netfront
[[ ${order[*]} == xen-netfront ]] || die "xen-netfront needs other modules now: ${order[*]}"
# The block frontend and FAT (vfat with the code page and character sets
# its default mount options name: cp437, ascii, utf8), not loaded by /init:
# a script that wants a disk loads lib/modules/disk-order (make bench-disk).
order=()
for m in xen-blkfront vfat nls_cp437 nls_ascii nls_utf8; do add_module "$G" "$m"; done
printf '%s\n' "${order[@]}" >"$G/lib/modules/disk-order"
log "guest disk modules: ${order[*]}"
install -m 755 "$here/guest-init" "$G/init"
rm -f "$G/bin/listening"
install -m 755 "$here/guest-listening" "$G/bin/listening"
echo "root:x:0:0:root:/:/bin/sh" >"$G/etc/passwd"
echo "root:x:0:" >"$G/etc/group"
# Not compressed: libxc's domain builder (4.17) tries to gunzip a gzip'ed
# ramdisk, reading its size from the last 4 bytes, which the appended
# archive makes nonsense; 2 MiB more in the job costs less than that.
mkdir -p "$out/guest"
python3 "$here/cpio.py" "$G" --node dev/console:c:5:1 >"$out/guest/initrd.cpio.tmp"
mv "$out/guest/initrd.cpio.tmp" "$out/guest/initrd.cpio"
# The domU's kernel goes through dom0's initramfs (in the job) and libxc's
# domain builder unpacks it under TCG: a gzip'ed ELF without its trailing
# zeros (11 MiB) makes the quickest whole (xl create about 3 s, against
# about 8 s for the bzImage's xz; the plain 63 MiB ELF slows dom0's boot
# by several seconds).
if python3 "$here/vmlinux.py" --gzip --trim "$bzimage" "$out/guest/vmlinuz.tmp" >&2; then
    log "guest kernel: the trimmed ELF of $kver, gzip'ed"
else
    log "guest kernel: cannot take the ELF out; using the bzImage of $kver"
    cp "$bzimage" "$out/guest/vmlinuz.tmp"
fi
mv "$out/guest/vmlinuz.tmp" "$out/guest/vmlinuz"

# --- The archive -------------------------------------------------------------

python3 "$here/cpio.py" "$R" --node dev/console:c:5:1 | gzip -6 -n >"$out/initrd.gz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
echo "$stamp" >"$out/stamp"
mib() { awk "BEGIN { printf \"%.1f MiB\", $(stat -c %s "$1") / 1048576 }"; }
log "done: $out/vmlinuz ($(mib "$out/vmlinuz")), $out/initrd.gz ($(mib "$out/initrd.gz")," \
    "$(du -sb "$R" | cut -f1) bytes unpacked), guest/vmlinuz ($(mib "$out/guest/vmlinuz"))," \
    "guest/initrd.cpio ($(mib "$out/guest/initrd.cpio"))"
