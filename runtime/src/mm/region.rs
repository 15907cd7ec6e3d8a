//! The application region's map: which virtual ranges exist and what backs
//! each page of them. The page-fault handler looks addresses up here.
use super::pte::PAGE_SIZE;

/// Bytes one L1 table maps.
pub const CHUNK: u64 = 2 << 20;
use alloc::vec::Vec;

/// The virtual range reserved for app slots: 1024 slots of 64 GiB, from
/// the lower half's third top-level (512 GiB) entry, so it holds every kind
/// of page-table boundary.
pub const APP_REGION_START: u64 = 0x0000_0100_0000_0000;
pub const APP_REGION_END: u64 = 0x0000_4100_0000_0000;

/// What backs the pages of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Page `i` is frame `first_pfn + i`, shared and mapped read-only.
    Frames { first_pfn: u64 },
    /// Page `i` starts as frame `first_pfn + i`, mapped read-only; the first
    /// write gives the region a private copy.
    CopyOnWrite { first_pfn: u64 },
    /// Each page gets a private zeroed frame on first touch.
    ZeroFill,
    /// Page `i` gets a private copy of frame `first_pfn + i` on first touch
    /// (code when sharing is switched off, for comparison).
    PrivateCopy { first_pfn: u64 },
    /// Every access is an error (stack guards, gaps between slots).
    Guard,
}

/// Marks a read-only frame-backed region whose L1 tables may be shared by
/// every instance of the same object: `object` names the object, `base` is
/// where this instance's image starts (2 MiB-aligned), so the table for the
/// 2 MiB chunk `(va - base) >> 21` is the same in every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareKey {
    pub object: u32,
    pub base: u64,
}

/// A range of the application region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub backing: Backing,
    /// Whether pages may be written (always false for `Frames`).
    pub writable: bool,
    pub executable: bool,
    /// Set when the region's L1 tables are shared between instances.
    pub share: Option<ShareKey>,
    pub name: heapless::String<32>,
}

impl Region {
    pub fn new(name: &str, start: u64, len: u64, backing: Backing) -> Self {
        let writable = matches!(backing, Backing::CopyOnWrite { .. } | Backing::ZeroFill);
        let mut n = heapless::String::new();
        for c in name.chars().take(32) {
            let _ = n.push(c);
        }
        Self {
            start,
            end: start + len,
            backing,
            writable,
            executable: false,
            share: None,
            name: n,
        }
    }

    pub fn executable(mut self) -> Self {
        self.executable = true;
        self
    }

    pub fn shared(mut self, key: ShareKey) -> Self {
        self.share = Some(key);
        self
    }

    /// The range of whole 2 MiB chunks the region touches.
    fn chunk_span(&self) -> (u64, u64) {
        (self.start & !(CHUNK - 1), self.end.div_ceil(CHUNK) * CHUNK)
    }

    /// The source frame of the page holding `va`, for frame-backed kinds.
    pub fn source_pfn(&self, va: u64) -> Option<u64> {
        let page = (va - self.start) / PAGE_SIZE;
        match self.backing {
            Backing::Frames { first_pfn }
            | Backing::CopyOnWrite { first_pfn }
            | Backing::PrivateCopy { first_pfn } => Some(first_pfn + page),
            Backing::ZeroFill | Backing::Guard => None,
        }
    }
}

/// Why a region could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionError {
    Empty,
    NotPageAligned,
    OutsideAppRegion,
    Overlaps {
        other_start: u64,
    },
    WritableSharedFrames,
    /// A region with shared tables must have its 2 MiB chunks to itself.
    SharesTableRange {
        other_start: u64,
    },
    BadShareKey,
    NotFound,
}

impl core::fmt::Display for RegionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => write!(f, "region is empty"),
            Self::NotPageAligned => write!(f, "region is not page-aligned"),
            Self::OutsideAppRegion => write!(
                f,
                "region lies outside the application region {APP_REGION_START:#x}..{APP_REGION_END:#x}"
            ),
            Self::Overlaps { other_start } => {
                write!(f, "region overlaps the region at {other_start:#x}")
            }
            Self::WritableSharedFrames => write!(f, "shared frames can only be mapped read-only"),
            Self::SharesTableRange { other_start } => write!(
                f,
                "region shares a 2 MiB page-table range with the region at {other_start:#x}, but one of them shares its tables"
            ),
            Self::BadShareKey => {
                write!(f, "shared tables need read-only frames and a 2 MiB-aligned base")
            }
            Self::NotFound => write!(f, "no region starts there"),
        }
    }
}

/// The regions, sorted by start address and never overlapping.
#[derive(Default)]
pub struct RegionMap {
    regions: Vec<Region>,
}

impl RegionMap {
    pub const fn new() -> Self {
        Self {
            regions: Vec::new(),
        }
    }

    pub fn insert(&mut self, r: Region) -> Result<(), RegionError> {
        if r.end <= r.start {
            return Err(RegionError::Empty);
        }
        if !r.start.is_multiple_of(PAGE_SIZE) || !r.end.is_multiple_of(PAGE_SIZE) {
            return Err(RegionError::NotPageAligned);
        }
        if r.start < APP_REGION_START || r.end > APP_REGION_END {
            return Err(RegionError::OutsideAppRegion);
        }
        if matches!(r.backing, Backing::Frames { .. }) && r.writable {
            return Err(RegionError::WritableSharedFrames);
        }
        if let Some(key) = r.share {
            let frames = matches!(r.backing, Backing::Frames { .. });
            if !frames || !key.base.is_multiple_of(CHUNK) || r.start < key.base {
                return Err(RegionError::BadShareKey);
            }
        }
        let at = self.regions.partition_point(|x| x.start < r.start);
        for neighbour in self.regions[at.saturating_sub(1)..].iter().take(2) {
            if neighbour.start < r.end && r.start < neighbour.end {
                return Err(RegionError::Overlaps {
                    other_start: neighbour.start,
                });
            }
        }
        // A shared L1 table maps its whole 2 MiB: nothing else may live there.
        let (lo, hi) = r.chunk_span();
        let sharing = |o: &&Region| o.share.is_some() || r.share.is_some();
        for other in self.regions.iter().filter(sharing) {
            let (olo, ohi) = other.chunk_span();
            if olo < hi && lo < ohi {
                return Err(RegionError::SharesTableRange {
                    other_start: other.start,
                });
            }
        }
        self.regions.insert(at, r);
        Ok(())
    }

    /// Removes and returns the region that starts at `start`.
    pub fn remove(&mut self, start: u64) -> Result<Region, RegionError> {
        let at = self.regions.binary_search_by_key(&start, |r| r.start);
        at.map(|i| self.regions.remove(i))
            .map_err(|_| RegionError::NotFound)
    }

    /// The region holding `va`, if any.
    pub fn find(&self, va: u64) -> Option<&Region> {
        let at = self.regions.partition_point(|r| r.start <= va);
        self.regions[..at].last().filter(|r| va < r.end)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.regions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const B: u64 = APP_REGION_START;

    #[test]
    fn finds_the_region_holding_an_address() {
        let mut m = RegionMap::new();
        m.insert(Region::new("a", B, 0x2000, Backing::ZeroFill))
            .unwrap();
        m.insert(Region::new("c", B + 0x10000, 0x1000, Backing::Guard))
            .unwrap();
        m.insert(Region::new(
            "b",
            B + 0x4000,
            0x1000,
            Backing::Frames { first_pfn: 9 },
        ))
        .unwrap();
        assert_eq!(m.find(B).unwrap().name.as_str(), "a");
        assert_eq!(m.find(B + 0x1fff).unwrap().name.as_str(), "a");
        assert!(m.find(B + 0x2000).is_none());
        assert_eq!(m.find(B + 0x4800).unwrap().source_pfn(B + 0x4800), Some(9));
        assert_eq!(m.find(B + 0x10000).unwrap().backing, Backing::Guard);
        assert!(m.find(B - 1).is_none());
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn rejects_bad_regions_by_reason() {
        let mut m = RegionMap::new();
        m.insert(Region::new("a", B + 0x1000, 0x2000, Backing::ZeroFill))
            .unwrap();
        let over = m.insert(Region::new("b", B, 0x2000, Backing::ZeroFill));
        assert_eq!(
            over,
            Err(RegionError::Overlaps {
                other_start: B + 0x1000
            })
        );
        let over = m.insert(Region::new("b", B + 0x2000, 0x2000, Backing::ZeroFill));
        assert_eq!(
            over,
            Err(RegionError::Overlaps {
                other_start: B + 0x1000
            })
        );
        assert_eq!(
            m.insert(Region::new("c", B + 0x10, 0x1000, Backing::ZeroFill)),
            Err(RegionError::NotPageAligned)
        );
        assert_eq!(
            m.insert(Region::new("d", 0x1000, 0x1000, Backing::ZeroFill)),
            Err(RegionError::OutsideAppRegion)
        );
        assert_eq!(
            m.insert(Region::new("e", B, 0, Backing::ZeroFill)),
            Err(RegionError::Empty)
        );
        let mut w = Region::new("f", B + 0x8000, 0x1000, Backing::Frames { first_pfn: 1 });
        w.writable = true;
        assert_eq!(m.insert(w), Err(RegionError::WritableSharedFrames));
        assert_eq!(m.remove(B + 0x1000).unwrap().name.as_str(), "a");
        assert_eq!(m.remove(B + 0x1000), Err(RegionError::NotFound));
    }
}
