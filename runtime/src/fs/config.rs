//! The file options of the command line: `uk.mount=DISK:PATH[,DISK:PATH]`
//! (or `none`) says where disks are mounted, `uk.tmp=SIZE` how much `/tmp`
//! may hold.
use super::path::{resolve, Resolved};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Where a disk goes when nothing says otherwise.
pub const DEFAULT_MOUNT: &str = "/data";

/// One `DISK:PATH` of `uk.mount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    pub disk: String,
    pub at: Resolved,
}

/// What `uk.mount` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mounts {
    /// No option: the first disk at `/data`.
    Default,
    /// `uk.mount=none`: no disk mounted.
    None,
    List(Vec<MountSpec>),
}

/// Parses `uk.mount`'s value; the error says what is wrong with it.
pub fn parse_mounts(value: Option<&str>) -> Result<Mounts, String> {
    let Some(value) = value else {
        return Ok(Mounts::Default);
    };
    if value == "none" {
        return Ok(Mounts::None);
    }
    let mut list: Vec<MountSpec> = Vec::new();
    for item in value.split(',') {
        let (disk, at) = item
            .split_once(':')
            .ok_or_else(|| format!("uk.mount={value}: {item:?} is not DISK:PATH"))?;
        let valid_disk = !disk.is_empty() && disk.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid_disk {
            return Err(format!(
                "uk.mount={value}: {disk:?} is not a disk name (xvda, xvdb, ...)"
            ));
        }
        if !at.starts_with('/') {
            return Err(format!("uk.mount={value}: {at:?} is not an absolute path"));
        }
        let at = resolve(&[], at).map_err(|e| format!("uk.mount={value}: {at:?}: {e:?}"))?;
        if at.components.is_empty() {
            return Err(format!("uk.mount={value}: a disk cannot be mounted at /"));
        }
        if list
            .iter()
            .any(|m| m.at.components == at.components || m.disk == disk)
        {
            return Err(format!(
                "uk.mount={value}: {item:?} repeats a disk or a path"
            ));
        }
        list.push(MountSpec {
            disk: disk.to_string(),
            at,
        });
    }
    Ok(Mounts::List(list))
}

/// Parses a size: bytes, or a number with K, M or G (powers of 1024).
pub fn parse_size(value: &str) -> Result<u64, String> {
    let (digits, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => value.split_at(i),
        None => (value, ""),
    };
    let shift = match unit {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        _ => return Err(format!("{value:?}: the unit must be K, M or G")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{value:?} is not a size (like 64M)"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{value:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_parse_and_bad_ones_are_named() {
        assert_eq!(parse_mounts(None), Ok(Mounts::Default));
        assert_eq!(parse_mounts(Some("none")), Ok(Mounts::None));
        let Ok(Mounts::List(l)) = parse_mounts(Some("xvda:/data,xvdb:/var/log/")) else {
            panic!("a list");
        };
        assert_eq!(l[0].disk, "xvda");
        assert_eq!(l[1].at.display(), "/var/log");
        for (bad, says) in [
            ("xvda", "is not DISK:PATH"),
            ("xvda:data", "not an absolute path"),
            ("xv/da:/d", "not a disk name"),
            (":/d", "not a disk name"),
            ("xvda:/", "cannot be mounted at /"),
            ("xvda:/a,xvda:/b", "repeats"),
            ("xvda:/a,xvdb:/a/", "repeats"),
        ] {
            let e = parse_mounts(Some(bad)).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
            assert!(e.starts_with(&format!("uk.mount={bad}")), "{e}");
        }
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert!(parse_size("12T").unwrap_err().contains("unit"));
        assert!(parse_size("M").unwrap_err().contains("not a size"));
        assert!(parse_size("99999999999999G")
            .unwrap_err()
            .contains("too large"));
    }
}
