#!/usr/bin/env bash
# Disk images for ukrt's disks (xl's disk lines, `make xl-run DISK=...`):
# FAT32, made and read on the host with dosfstools and mtools, no root and
# no loop device needed.
#
#   ci/disk.sh make IMG SIZE [DIR]   a new FAT32 image of SIZE (64M, 1G, ...:
#                                    truncate's units), DIR's contents copied in
#   ci/disk.sh ls IMG [PATH]         list PATH (default /) recursively
#   ci/disk.sh get IMG FILE OUT      copy FILE out of the image to OUT
#                                    (OUT "-": standard output)
set -euo pipefail

die() { echo "disk.sh: $*" >&2; exit 2; }
mkfs=$(PATH=$PATH:/usr/sbin:/sbin command -v mkfs.fat) || die "mkfs.fat is missing (dosfstools; make deps installs it)"
command -v mcopy >/dev/null || die "mcopy is missing (mtools; make deps installs it)"
# mtools refuses images whose geometry it does not like unless told not to care.
export MTOOLS_SKIP_CHECK=1

cmd=${1:-}
case "$cmd" in
make)
    img=${2:?usage: disk.sh make IMG SIZE [DIR]}
    size=${3:-64M}
    dir=${4:-}
    [[ -z $dir || -d $dir ]] || die "DIR=$dir is not a folder"
    rm -f "$img"
    truncate -s "$size" "$img" || die "cannot make $img of $size"
    bytes=$(stat -c %s "$img")
    # FAT32 wants at least 65525 clusters: below 33 MiB, mkfs.fat warns and
    # makes it anyway with 512-byte clusters.
    ((bytes >= 1 << 20)) || { rm -f "$img"; die "SIZE=$size: give at least 1M"; }
    "$mkfs" -F 32 -n UKRT "$img" >/dev/null 2>"$img.log" ||
        { cat "$img.log" >&2; rm -f "$img" "$img.log"; die "mkfs.fat failed"; }
    rm -f "$img.log"
    if [[ -n $dir ]] && compgen -G "$dir/*" >/dev/null; then
        mcopy -s -p -i "$img" "$dir"/* ::/ || die "mcopy of $dir into $img failed"
    fi
    echo "disk: $img ($size, FAT32${dir:+, with the contents of $dir})"
    ;;
ls)
    img=${2:?usage: disk.sh ls IMG [PATH]}
    [[ -f $img ]] || die "IMG=$img does not exist"
    path=${3:-/}
    [[ $path == / ]] && path=
    # mtools' recursive listing fails on an empty folder ("not found"): the
    # plain listing then tells an empty folder from a missing one.
    mdir -/ -i "$img" "::$path" 2>/dev/null || mdir -i "$img" "::$path"
    ;;
get)
    img=${2:?usage: disk.sh get IMG FILE OUT}
    file=${3:?usage: disk.sh get IMG FILE OUT}
    out=${4:?usage: disk.sh get IMG FILE OUT}
    [[ -f $img ]] || die "IMG=$img does not exist"
    if [[ $out == - ]]; then
        mtype -i "$img" "::/${file#/}"
    else
        mcopy -n -i "$img" "::/${file#/}" "$out"
    fi
    ;;
*)
    die "usage: disk.sh make IMG SIZE [DIR] | ls IMG [PATH] | get IMG FILE OUT"
    ;;
esac
