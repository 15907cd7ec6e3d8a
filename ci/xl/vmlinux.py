#!/usr/bin/env python3
"""Take the kernel ELF out of a Linux bzImage:

    vmlinux.py [--gzip] BZIMAGE OUT

Xen's dom0 builder has to unpack the bzImage's xz payload, which takes
about 2 s under TCG; a gzip'ed ELF saves about 1 s of that, the plain ELF
(62 MiB for Debian's 6.1) about 2 s. The payload's place is in the boot
protocol's setup header: setup_sects at 0x1f1, payload_offset and
payload_length at 0x248 (counted from the protected-mode code, after the
setup sectors).
Exits 1 (and writes nothing) when the payload is in a format that Python
cannot unpack; the caller then uses the bzImage itself.
"""
import gzip
import lzma
import struct
import sys
import zlib


def payload(image):
    if image[0x202:0x206] != b"HdrS":
        raise ValueError("not a bzImage (no HdrS setup header)")
    setup_sects = image[0x1f1] or 4
    offset, length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + offset
    return image[start:start + length]


def unpack(data):
    if data.startswith(b"\xfd7zXZ\0"):
        # The stream is followed by the uncompressed size; the decompressor
        # stops at the stream's end.
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if data.startswith(b"\x1f\x8b"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if data.startswith(b"\x5d\0\0"):
        return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(data)
    raise ValueError(f"payload format {data[:4].hex()} is not one Python unpacks")


def main(argv):
    zipped = "--gzip" in argv
    argv = [x for x in argv if x != "--gzip"]
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[0], "rb") as f:
        image = f.read()
    try:
        elf = unpack(payload(image))
    except (ValueError, lzma.LZMAError, zlib.error) as e:
        print(f"vmlinux.py: {argv[0]}: {e}", file=sys.stderr)
        return 1
    if not elf.startswith(b"\x7fELF"):
        print(f"vmlinux.py: {argv[0]}: the payload is not an ELF", file=sys.stderr)
        return 1
    with open(argv[1], "wb") as f:
        f.write(gzip.compress(elf, compresslevel=6, mtime=0) if zipped else elf)
    print(f"vmlinux.py: {len(elf) >> 20} MiB ELF, {len(image) >> 20} MiB bzImage")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
