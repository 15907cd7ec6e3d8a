#!/usr/bin/env python3
"""Take the kernel ELF out of a Linux bzImage:

    vmlinux.py [--gzip] [--trim] BZIMAGE OUT

Xen's dom0 builder has to unpack the bzImage's xz payload, which takes
about 2 s under TCG; a gzip'ed ELF saves about 1 s of that, the plain ELF
(62 MiB for Debian's 6.1) about 2 s. The payload's place is in the boot
protocol's setup header: setup_sects at 0x1f1, payload_offset and
payload_length at 0x248 (counted from the protected-mode code, after the
setup sectors).
Exits 1 (and writes nothing) when the payload is in a format that Python
cannot unpack; the caller then uses the bzImage itself.

--trim leaves out the zeros that end each loaded segment (the ELF loader
zero-fills from p_filesz to p_memsz): for Debian's 6.1 the last segment
ends in 23 MiB of .bss and .brk, so the file shrinks from 63 to 39 MiB,
and a domain builder that gunzips it (the harness's Linux domU) has that
much less to unpack. Section headers, which would point past the new end
and which no loader of a PV kernel needs, are dropped.
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


PT_LOAD = 1


def trim(elf):
    """The ELF64 without the trailing zeros of its loaded segments."""
    if elf[4] != 2 or elf[5] != 1:
        raise ValueError("not a little-endian ELF64")
    out = bytearray(elf)
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    end = phoff + phentsize * phnum
    for i in range(phnum):
        at = phoff + i * phentsize
        kind, _, offset = struct.unpack_from("<IIQ", elf, at)
        filesz, = struct.unpack_from("<Q", elf, at + 32)
        if kind == PT_LOAD:
            filesz = len(elf[offset:offset + filesz].rstrip(b"\0"))
            struct.pack_into("<Q", out, at + 32, filesz)
        end = max(end, offset + filesz)
    struct.pack_into("<Q", out, 0x28, 0)          # e_shoff
    struct.pack_into("<HH", out, 0x3c, 0, 0)      # e_shnum, e_shstrndx
    return bytes(out[:end])


def main(argv):
    zipped = "--gzip" in argv
    trimmed = "--trim" in argv
    argv = [x for x in argv if x not in ("--gzip", "--trim")]
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
    if trimmed:
        elf = trim(elf)
    with open(argv[1], "wb") as f:
        f.write(gzip.compress(elf, compresslevel=6, mtime=0) if zipped else elf)
    print(f"vmlinux.py: {len(elf) >> 20} MiB ELF{' (trimmed)' if trimmed else ''}, "
          f"{len(image) >> 20} MiB bzImage")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
