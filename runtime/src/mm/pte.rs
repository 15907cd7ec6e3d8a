//! x86_64 page-table entries and virtual-address arithmetic.

pub const PAGE_SIZE: u64 = 4096;
pub const ENTRIES: usize = 512;

pub const PRESENT: u64 = 1 << 0;
pub const WRITABLE: u64 = 1 << 1;
pub const USER: u64 = 1 << 2;
pub const ACCESSED: u64 = 1 << 5;
pub const DIRTY: u64 = 1 << 6;
pub const HUGE: u64 = 1 << 7;
pub const NO_EXECUTE: u64 = 1 << 63;
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Flags of an entry that links a lower-level table: the leaf decides the
/// real permissions, so upper levels allow everything.
pub const TABLE_LINK: u64 = PRESENT | WRITABLE | USER | ACCESSED;

/// A page-table entry as the hardware (and Xen) sees it: machine frame
/// number plus flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pte(pub u64);

impl Pte {
    pub const EMPTY: Pte = Pte(0);

    pub fn new(mfn: u64, flags: u64) -> Self {
        Pte((mfn << 12) & ADDRESS_MASK | flags)
    }
    pub fn is_present(self) -> bool {
        self.0 & PRESENT != 0
    }
    pub fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }
    pub fn is_huge(self) -> bool {
        self.0 & HUGE != 0
    }
    pub fn mfn(self) -> u64 {
        (self.0 & ADDRESS_MASK) >> 12
    }
    #[cfg(test)]
    pub fn flags(self) -> u64 {
        self.0 & !ADDRESS_MASK
    }
}

/// The index into the table at `level` (4 = top) that translates `va`.
pub fn index(va: u64, level: u8) -> usize {
    ((va >> (12 + 9 * (level as u64 - 1))) & 511) as usize
}

/// Bytes mapped by one entry of a table at `level` (1: 4 KiB, 2: 2 MiB, ...).
pub fn entry_span(level: u8) -> u64 {
    PAGE_SIZE << (9 * (level as u64 - 1))
}

/// Leaf flags for a data or code page.
pub fn leaf_flags(writable: bool, executable: bool) -> u64 {
    let mut f = PRESENT | ACCESSED | USER;
    if writable {
        f |= WRITABLE | DIRTY;
    }
    if !executable {
        f |= NO_EXECUTE;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_and_spans() {
        let va = 0x0000_0123_4567_8000u64;
        assert_eq!(index(va, 4), ((va >> 39) & 511) as usize);
        assert_eq!(index(va, 1), ((va >> 12) & 511) as usize);
        assert_eq!(entry_span(2), 2 << 20);
        assert_eq!(entry_span(3), 1 << 30);
        assert_eq!(entry_span(4), 512 << 30);
    }

    #[test]
    fn pte_round_trips() {
        let p = Pte::new(0xabcde, leaf_flags(true, false));
        assert_eq!(p.mfn(), 0xabcde);
        assert!(p.is_present() && p.is_writable());
        assert_eq!(p.flags() & NO_EXECUTE, NO_EXECUTE);
        assert!(!Pte::new(1, leaf_flags(false, true)).is_writable());
    }
}
