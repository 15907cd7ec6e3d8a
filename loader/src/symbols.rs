//! Function names for addresses in an object, for crash reports: every
//! defined function of `.symtab` (static functions, when the file keeps
//! them; `make image` keeps those) and of `.dynsym` (the exported ones),
//! sorted by address. Names stay in the file: the table holds offsets, so
//! a lookup in the fault handler allocates nothing.
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;
use goblin::elf::{sym, Elf};

/// The most functions kept per object (beyond it, the lowest addresses).
pub const MAX_FUNCTIONS: usize = 1 << 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    start: u64,
    size: u64,
    /// Offset of the name in its string table; `dynamic`: which table.
    name: u32,
    dynamic: bool,
}

/// The functions of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionSymbols {
    entries: Vec<Entry>,
    strtab: Range<usize>,
    dynstr: Range<usize>,
}

/// A function name and an address's offset into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location<'a> {
    pub name: &'a str,
    pub offset: u64,
}

impl fmt::Display for Location<'_> {
    /// `name+0xoff`, Rust names demangled without their hash.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:#}+{:#x}",
            rustc_demangle::demangle(self.name),
            self.offset
        )
    }
}

fn section_range(data_len: usize, off: u64, size: u64) -> Range<usize> {
    match off.checked_add(size) {
        Some(end) if end <= data_len as u64 => off as usize..end as usize,
        _ => 0..0,
    }
}

impl FunctionSymbols {
    /// The function symbols of `elf` (parsed from `data`).
    pub fn find(elf: &Elf, data: &[u8]) -> FunctionSymbols {
        let strtab_range = |link: usize| {
            elf.section_headers
                .get(link)
                .map(|sh| section_range(data.len(), sh.sh_offset, sh.sh_size))
                .unwrap_or(0..0)
        };
        let table = |ty: u32| {
            elf.section_headers
                .iter()
                .find(|sh| sh.sh_type == ty)
                .map(|sh| strtab_range(sh.sh_link as usize))
                .unwrap_or(0..0)
        };
        let mut out = FunctionSymbols {
            entries: Vec::new(),
            strtab: table(goblin::elf::section_header::SHT_SYMTAB),
            dynstr: table(goblin::elf::section_header::SHT_DYNSYM),
        };
        let funcs = |syms: &goblin::elf::Symtab, dynamic: bool| {
            syms.iter()
                .filter(|s| s.st_type() == sym::STT_FUNC && s.st_shndx != 0 && s.st_value != 0)
                .map(move |s| Entry {
                    start: s.st_value,
                    size: s.st_size,
                    name: s.st_name as u32,
                    dynamic,
                })
                .collect::<Vec<_>>()
        };
        // Both tables: `make image` keeps only local functions in .symtab
        // (ci/strip-for-image), the exported ones are in .dynsym.
        if !out.strtab.is_empty() {
            out.entries = funcs(&elf.syms, false);
        }
        out.entries.extend(funcs(&elf.dynsyms, true));
        // A function in both tables is named from .symtab (sorted first).
        out.entries
            .sort_by_key(|e| (e.start, core::cmp::Reverse(e.size), e.dynamic));
        out.entries.dedup_by_key(|e| e.start);
        out.entries.truncate(MAX_FUNCTIONS);
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The function holding image offset `addr` of the object whose file
    /// is `data`.
    pub fn lookup<'a>(&self, data: &'a [u8], addr: u64) -> Option<Location<'a>> {
        let i = self.entries.partition_point(|e| e.start <= addr);
        let e = self.entries.get(i.checked_sub(1)?)?;
        let offset = addr - e.start;
        // A size of 0 (hand-written assembly) is taken to run to the next.
        if e.size != 0 && offset >= e.size {
            return None;
        }
        let table = data.get(if e.dynamic {
            self.dynstr.clone()
        } else {
            self.strtab.clone()
        })?;
        let name = table.get(e.name as usize..)?;
        let len = name.iter().position(|&b| b == 0)?;
        let name = core::str::from_utf8(&name[..len]).ok()?;
        Some(Location { name, offset })
    }
}
