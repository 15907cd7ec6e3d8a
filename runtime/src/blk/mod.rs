//! Disks: every `device/vbd/*` of the domain, connected through blkfront
//! at boot, named as Linux names them (`xvda`), and handed to the file
//! layer as [`crate::fs::block::BlockDevice`]s.
use crate::drivers::blkfront::Geometry;
use alloc::format;
use alloc::string::String;

/// The name of virtual device number `vdev` (Xen's vbd-interface.txt):
/// 202 << 8 | disk << 4 | partition is `xvd` + letters (51712 → xvda,
/// 51728 → xvdb), the extended form 1 << 28 | disk << 8 | partition
/// reaches further (xvdq and on), 8 << 8 is `sd`, 3 << 8 and 22 << 8 are
/// `hd`; a partition adds its number (xvda1). Anything else is `vbd<N>`.
pub fn vdev_name(vdev: u32) -> String {
    let (prefix, disk, part) = if vdev & (1 << 28) != 0 {
        ("xvd", (vdev >> 8) & 0xfffff, vdev & 0xff)
    } else {
        match vdev >> 8 {
            202 => ("xvd", (vdev >> 4) & 0xf, vdev & 0xf),
            8 => ("sd", (vdev >> 4) & 0xf, vdev & 0xf),
            3 => ("hd", (vdev >> 6) & 1, vdev & 0x3f),
            22 => ("hd", 2 + ((vdev >> 6) & 1), vdev & 0x3f),
            _ => return format!("vbd{vdev}"),
        }
    };
    let mut name = String::from(prefix);
    name.push_str(&letters(disk));
    if part != 0 {
        name.push_str(&format!("{part}"));
    }
    name
}

/// Disk index → a, b, ..., z, aa, ab, ... (as Linux names its disks).
fn letters(disk: u32) -> String {
    let mut n = disk as u64 + 1;
    let mut out = alloc::vec::Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// A size for people: whole GiB, MiB or KiB when it is one, else MiB with
/// a decimal.
fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b < MIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b if b < MIB => format!("{b} B"),
        b => format!("{}.{} MiB", b / MIB, b % MIB * 10 / MIB),
    }
}

/// The line a disk gets when it is ready:
/// `ukrt: blk: xvda 64 MiB (131072 sectors of 512 B) read-write flush=cache`.
pub fn ready_line(name: &str, g: &Geometry) -> String {
    format!(
        "ukrt: blk: {name} {} ({} sectors of {} B) {} flush={}",
        size_text(g.bytes()),
        g.sectors,
        g.sector_size,
        if g.read_only {
            "read-only"
        } else {
            "read-write"
        },
        g.flush.name()
    )
}

#[cfg(target_os = "none")]
mod guest;
// names, take and Disk are the file layer's (not merged yet; the
// self-test uses them meanwhile).
#[cfg(target_os = "none")]
#[allow(unused_imports)]
pub use guest::{init, names, shutdown, take, take_event, Disk};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::blkfront::Flush;

    #[test]
    fn virtual_device_numbers_are_named_as_linux_names_them() {
        assert_eq!(vdev_name(51712), "xvda");
        assert_eq!(vdev_name(51728), "xvdb");
        assert_eq!(vdev_name(51713), "xvda1");
        assert_eq!(vdev_name(51712 + 15 * 16), "xvdp");
        assert_eq!(vdev_name((1 << 28) | (16 << 8)), "xvdq");
        assert_eq!(vdev_name((1 << 28) | (26 << 8) | 2), "xvdaa2");
        assert_eq!(vdev_name((1 << 28) | (701 << 8)), "xvdzz");
        assert_eq!(vdev_name((1 << 28) | (702 << 8)), "xvdaaa");
        assert_eq!(vdev_name(2048), "sda");
        assert_eq!(vdev_name(2064 + 1), "sdb1");
        assert_eq!(vdev_name(768), "hda");
        assert_eq!(vdev_name(832), "hdb");
        assert_eq!(vdev_name(5632), "hdc");
        assert_eq!(vdev_name(77), "vbd77");
    }

    #[test]
    fn the_ready_line_gives_size_sectors_access_and_flush() {
        let g = Geometry {
            sector_size: 512,
            sectors: 131072,
            read_only: false,
            flush: Flush::Cache,
        };
        assert_eq!(
            ready_line("xvda", &g),
            "ukrt: blk: xvda 64 MiB (131072 sectors of 512 B) read-write flush=cache"
        );
        let g = Geometry {
            sector_size: 4096,
            sectors: 3,
            read_only: true,
            flush: Flush::None,
        };
        assert_eq!(
            ready_line("xvdb", &g),
            "ukrt: blk: xvdb 12 KiB (3 sectors of 4096 B) read-only flush=none"
        );
        assert_eq!(size_text(2 << 30), "2 GiB");
        assert_eq!(size_text((1 << 20) + (1 << 19)), "1.5 MiB");
        assert_eq!(size_text(1536), "1536 B");
    }
}
