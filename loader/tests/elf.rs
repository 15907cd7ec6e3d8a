//! Host tests of ELF validation and linking on real shared objects built
//! here by gcc and rustc, checked against what readelf says.
use std::path::Path;
use std::process::Command;
use ukrt_loader::elf::{ElfErrorKind, RelocKind, SharedObject};
use ukrt_loader::link::{load_order, relocate, resolve, Placed, Write};

mod common;
use common::{fixture, gcc, load, out_dir, pic};

/// (offset, type name, symbol name or "") for each dynamic relocation, as
/// readelf prints them.
fn readelf_relocs(path: &Path) -> Vec<(u64, String, String)> {
    let out = Command::new("readelf")
        .args(["-rW"])
        .arg(path)
        .output()
        .expect("readelf runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut v = vec![];
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 3 && w[2].starts_with("R_X86_64_") {
            let offset = u64::from_str_radix(w[0], 16).unwrap();
            let sym = if w.len() >= 5 && !w[3].chars().all(|c| c.is_ascii_hexdigit()) {
                String::new()
            } else if w.len() >= 5 {
                w[4].split('@').next().unwrap().to_string()
            } else {
                String::new()
            };
            v.push((offset, w[2].to_string(), sym));
        }
    }
    v.sort();
    v
}

fn kind_name(k: RelocKind) -> &'static str {
    match k {
        RelocKind::Abs64 => "R_X86_64_64",
        RelocKind::GlobDat => "R_X86_64_GLOB_DAT",
        RelocKind::JumpSlot => "R_X86_64_JUMP_SLOT",
        RelocKind::Relative => "R_X86_64_RELATIVE",
    }
}

fn our_relocs(o: &SharedObject) -> Vec<(u64, String, String)> {
    let mut v: Vec<_> = o
        .relocs
        .iter()
        .map(|r| {
            let sym = if r.symbol == 0 {
                String::new()
            } else {
                o.symbols[r.symbol].name.clone()
            };
            (r.offset, kind_name(r.kind).to_string(), sym)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn gcc_objects_parse_like_readelf_says() {
    let lib = pic("libfix.so", "lib.c", &[]);
    let app = pic("app.so", "app.c", &["-lfix"]);
    for path in [&lib, &app] {
        let o = load(path);
        assert_eq!(our_relocs(&o), readelf_relocs(path), "{}", path.display());
    }
    let app = load(&app);
    assert_eq!(app.needed, ["libfix.so"]);
    assert!(app.export("main").is_some());
    let lib = load(&lib);
    assert!(
        lib.init_array.is_some(),
        "the constructor is in DT_INIT_ARRAY"
    );
    assert!(lib.fini_array.is_some());
    // Code and data fall in different 2 MiB ranges with these link flags.
    let code_end = lib.code_segments().map(|s| s.page_end()).max().unwrap();
    let data_start = lib
        .segments
        .iter()
        .filter(|s| s.writable)
        .map(|s| s.vaddr)
        .min()
        .unwrap();
    assert!(
        code_end <= (data_start & !0x1f_ffff),
        "code and data share a 2 MiB range"
    );
}

#[test]
fn rustc_objects_parse_like_readelf_says() {
    let dir = out_dir();
    let path = dir.join("librustfix.so");
    let st = Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "cdylib",
            "-O",
            "-C",
            "panic=abort",
        ])
        .args([
            "-C",
            "relocation-model=pic",
            "-C",
            "link-arg=-nostartfiles",
            "-C",
            "link-arg=-nostdlib",
        ])
        .args([
            "-C",
            "link-arg=-Wl,-z,max-page-size=0x200000",
            "-C",
            "link-arg=-Wl,-z,noseparate-code",
        ])
        .args(["-C", "link-arg=-Wl,-z,norelro"])
        .arg("-o")
        .arg(&path)
        .arg(fixture("rustlib.rs"))
        .status()
        .expect("rustc runs");
    assert!(st.success());
    let o = load(&path);
    assert_eq!(our_relocs(&o), readelf_relocs(&path));
    assert!(o.export("rust_sum").is_some());
    // Link it on its own with the runtime's export and apply the writes.
    let base = 0x4000_0000;
    let exports = |n: &str| (n == "ukrt_test_export_fn").then_some(0x1234u64);
    let writes = relocate(&[Placed { object: &o, base }], &exports).unwrap();
    assert_eq!(writes.len(), o.relocs.len());
    for w in &writes {
        assert!(o
            .segments
            .iter()
            .any(|s| s.writable && s.contains(w.addr - base, 8)));
    }
}

#[test]
fn linking_resolves_app_then_libraries_then_runtime() {
    pic("libfix.so", "lib.c", &[]);
    let app_path = pic("app.so", "app.c", &["-lfix"]);
    let app = load(&app_path);
    let lib = load(&out_dir().join("libfix.so"));
    let order = load_order(&app, |name| {
        if name == "libfix.so" {
            Ok(&lib)
        } else {
            Err(name.to_string())
        }
    })
    .unwrap();
    assert_eq!(order.len(), 2);
    let scope = [
        Placed {
            object: &app,
            base: 0x1000_0000,
        },
        Placed {
            object: &lib,
            base: 0x2000_0000,
        },
    ];
    let exports = |n: &str| (n == "ukrt_test_export").then_some(0xabcd_0000u64);
    let writes = relocate(&scope, &exports).unwrap();
    let value_at = |obj: &SharedObject, base: u64, sym: &str| {
        let r = obj
            .relocs
            .iter()
            .find(|r| r.symbol != 0 && obj.symbols[r.symbol].name == sym)
            .unwrap();
        writes
            .iter()
            .find(|w| w.addr == base + r.offset)
            .unwrap()
            .value
    };
    // The app's calls land in the library; the library's callback in the app.
    assert_eq!(
        value_at(&app, 0x1000_0000, "lib_add"),
        0x2000_0000 + lib.export("lib_add").unwrap()
    );
    assert_eq!(
        value_at(&lib, 0x2000_0000, "app_callback"),
        0x1000_0000 + app.export("app_callback").unwrap()
    );
    assert_eq!(value_at(&lib, 0x2000_0000, "ukrt_test_export"), 0xabcd_0000);
    assert_eq!(
        value_at(&lib, 0x2000_0000, "maybe_missing"),
        0,
        "weak and undefined is 0"
    );
    // RELATIVE relocations add the object's base.
    let rel = lib
        .relocs
        .iter()
        .find(|r| r.kind == RelocKind::Relative)
        .unwrap();
    let w = writes
        .iter()
        .find(|w| w.addr == 0x2000_0000 + rel.offset)
        .unwrap();
    assert_eq!(w.value, 0x2000_0000 + rel.addend as u64);
    assert_eq!(
        resolve(&scope, &exports, "lib_counter"),
        Some(0x2000_0000 + lib.export("lib_counter").unwrap())
    );
}

#[test]
fn a_missing_strong_symbol_names_symbol_and_file() {
    let path = pic("missing.so", "missing.c", &[]);
    let o = load(&path);
    let none = |_: &str| None;
    let e = relocate(
        &[Placed {
            object: &o,
            base: 0,
        }],
        &none,
    )
    .unwrap_err();
    assert_eq!(e.symbol, "nonexistent_function");
    assert_eq!(e.file, "missing.so");
    assert!(e
        .to_string()
        .contains("missing.so: undefined symbol \"nonexistent_function\""));
}

#[test]
fn a_missing_library_is_reported_by_name() {
    pic("libfix.so", "lib.c", &[]);
    let app = load(&pic("app.so", "app.c", &["-lfix"]));
    let r = load_order(&app, |name| {
        Err::<&SharedObject, _>(format!("needs {name}"))
    });
    assert_eq!(r.unwrap_err(), "needs libfix.so");
}

fn reason(name: &str, data: &[u8]) -> ElfErrorKind {
    SharedObject::parse(name, data).unwrap_err().reason
}

#[test]
fn hostile_inputs_give_named_errors_and_never_panic() {
    let good = std::fs::read(pic("libfix.so", "lib.c", &[])).unwrap();
    // Truncated at every length up to the program headers, then coarser.
    for len in (0..256).chain((256..good.len()).step_by(97)) {
        let _ = SharedObject::parse("t.so", &good[..len]);
    }
    assert!(matches!(
        reason("t.so", &good[..10]),
        ElfErrorKind::Malformed(_)
    ));
    let mut b = good.clone();
    b[4] = 1; // ELFCLASS32
    assert_eq!(reason("t.so", &b), ElfErrorKind::NotElf64);
    let mut b = good.clone();
    b[18] = 3; // EM_386
    b[19] = 0;
    assert_eq!(reason("t.so", &b), ElfErrorKind::WrongMachine(3));
    let mut b = good.clone();
    b[16] = 2; // ET_EXEC
    assert_eq!(reason("t.so", &b), ElfErrorKind::NotSharedObject(2));

    // Edit the program headers: find the PT_LOADs.
    let phoff = u64::from_le_bytes(good[32..40].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(good[56..58].try_into().unwrap()) as usize;
    let loads: Vec<usize> = (0..phnum)
        .map(|i| phoff + i * 56)
        .filter(|&p| u32::from_le_bytes(good[p..p + 4].try_into().unwrap()) == 1)
        .collect();
    let field = |b: &mut Vec<u8>, ph: usize, off: usize, v: u64| {
        b[ph + off..ph + off + 8].copy_from_slice(&v.to_le_bytes())
    };
    let get = |ph: usize, off: usize| {
        u64::from_le_bytes(good[ph + off..ph + off + 8].try_into().unwrap())
    };
    let mut b = good.clone();
    field(&mut b, loads[0], 8, get(loads[0], 8) + 1); // p_offset
    assert!(
        matches!(reason("t.so", &b), ElfErrorKind::SegmentMisaligned { .. }),
        "{:?}",
        reason("t.so", &b)
    );
    let mut b = good.clone();
    field(&mut b, loads[1], 8, good.len() as u64); // p_offset past the end
    field(
        &mut b,
        loads[1],
        16,
        good.len() as u64 % 4096 + (get(loads[1], 16) & !0xfff),
    ); // keep congruent
    assert!(matches!(
        reason("t.so", &b),
        ElfErrorKind::SegmentOutsideFile { .. }
    ));
    let mut b = good.clone();
    field(&mut b, loads[1], 16, get(loads[0], 16)); // p_vaddr onto the first segment
    field(&mut b, loads[1], 24, get(loads[0], 16));
    field(&mut b, loads[1], 8, get(loads[0], 8));
    assert!(matches!(
        reason("t.so", &b),
        ElfErrorKind::SegmentsOverlap { .. }
    ));
    let mut b = good.clone();
    field(&mut b, loads[1], 40, 1 << 40); // p_memsz
    assert!(matches!(reason("t.so", &b), ElfErrorKind::ImageTooLarge(_)));

    // Deterministic random byte edits: errors, never panics.
    let mut seed = 0x1234_5678u64;
    for _ in 0..3000 {
        let mut b = good.clone();
        for _ in 0..4 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % b.len().min(4096);
            b[at] = (seed >> 20) as u8;
        }
        let _ = SharedObject::parse("fuzz.so", &b);
    }
}

#[test]
fn text_relocations_are_refused() {
    let path = gcc(
        "textrel.so",
        "textrel.c",
        &["-fno-pic", "-mcmodel=large", "-Wl,-z,notext"],
    );
    let data = std::fs::read(&path).unwrap();
    let e = SharedObject::parse("textrel.so", &data).unwrap_err();
    assert_eq!(e.reason, ElfErrorKind::TextRelocations);
    assert!(e
        .to_string()
        .starts_with("textrel.so: has text relocations"));
}

#[test]
fn unsupported_relocations_are_named() {
    let path = pic("tls.so", "tls.c", &[]);
    let data = std::fs::read(&path).unwrap();
    let e = SharedObject::parse("tls.so", &data).unwrap_err();
    assert!(
        matches!(
            e.reason,
            ElfErrorKind::UnsupportedRelocation { kind: 16, .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("R_X86_64_DTPMOD64"), "{e}");
}

/// A shared object's bytes, with helpers that find and edit its program
/// headers, dynamic entries and relocations in place (for hostile inputs).
#[derive(Clone)]
struct Bytes(Vec<u8>);

const DT_NULL: u64 = 0;
const DT_INIT: u64 = 12;
const DT_FINI: u64 = 13;
const DT_INIT_ARRAY: u64 = 25;
const DT_FINI_ARRAY: u64 = 26;
const DT_INIT_ARRAYSZ: u64 = 27;
const DT_FINI_ARRAYSZ: u64 = 28;
const DT_RELA: u64 = 7;
const DT_RELASZ: u64 = 8;
const DT_JMPREL: u64 = 23;
const DT_PLTRELSZ: u64 = 2;
const DT_GNU_HASH: u64 = 0x6fff_fef5;
const DT_DEBUG: u64 = 21;

impl Bytes {
    fn read(path: &Path) -> Self {
        Bytes(std::fs::read(path).unwrap())
    }
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().unwrap())
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().unwrap())
    }
    fn set(&mut self, at: usize, v: u64) {
        self.0[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    /// File offsets of the program headers of type `p_type`.
    fn phdrs(&self, p_type: u32) -> Vec<usize> {
        let phoff = self.u64(32) as usize;
        let phnum = u16::from_le_bytes(self.0[56..58].try_into().unwrap()) as usize;
        (0..phnum)
            .map(|i| phoff + i * 56)
            .filter(|&p| self.u32(p) == p_type)
            .collect()
    }
    /// The load segments' program headers (p_vaddr at +16, p_filesz at
    /// +32, p_memsz at +40).
    fn loads(&self) -> Vec<usize> {
        self.phdrs(1)
    }
    /// The file offset of image offset `vaddr` (inside a segment's file data).
    fn file_offset(&self, vaddr: u64) -> usize {
        self.loads()
            .into_iter()
            .find_map(|p| {
                let (off, va, filesz) = (self.u64(p + 8), self.u64(p + 16), self.u64(p + 32));
                (va <= vaddr && vaddr < va + filesz).then(|| (off + vaddr - va) as usize)
            })
            .expect("vaddr in a segment's file data")
    }
    /// File offsets of every dynamic entry slot (tag at +0, value at +8).
    fn dyn_slots(&self) -> Vec<usize> {
        let p = self.phdrs(2)[0];
        let (off, size) = (self.u64(p + 8) as usize, self.u64(p + 32) as usize);
        (off..off + size).step_by(16).collect()
    }
    fn dyn_value(&self, tag: u64) -> Option<u64> {
        let slot = self.dyn_slots().into_iter().find(|&s| self.u64(s) == tag)?;
        Some(self.u64(slot + 8))
    }
    /// Sets `tag` to `value`, adding the entry in a spare DT_NULL slot (ld
    /// leaves some) if the object has none.
    fn set_dyn(&mut self, tag: u64, value: u64) {
        let slots = self.dyn_slots();
        let slot = slots
            .iter()
            .copied()
            .find(|&s| self.u64(s) == tag)
            .or_else(|| {
                let nulls: Vec<usize> = slots
                    .iter()
                    .copied()
                    .filter(|&s| self.u64(s) == DT_NULL)
                    .collect();
                assert!(nulls.len() >= 2, "no spare dynamic slot");
                Some(nulls[0])
            })
            .unwrap();
        self.set(slot, tag);
        self.set(slot + 8, value);
    }
    /// Renames dynamic entry `from` to `to` (to hide it from the parsers).
    fn retag(&mut self, from: u64, to: u64) {
        let slot = self
            .dyn_slots()
            .into_iter()
            .find(|&s| self.u64(s) == from)
            .unwrap();
        self.set(slot, to);
    }
    /// File offsets of every RELA entry (r_offset at +0, r_info at +8,
    /// r_addend at +16), `.rela.dyn` first, then `.rela.plt`.
    fn relas(&self) -> Vec<usize> {
        let mut v = vec![];
        for (at, size) in [(DT_RELA, DT_RELASZ), (DT_JMPREL, DT_PLTRELSZ)] {
            if let (Some(a), Some(n)) = (self.dyn_value(at), self.dyn_value(size)) {
                let start = self.file_offset(a);
                v.extend((start..start + n as usize).step_by(24));
            }
        }
        v
    }
    /// The file offset of dynamic symbol `name`'s entry (st_value at +8).
    fn symbol(&self, name: &str) -> usize {
        let symtab = self.file_offset(self.dyn_value(6).unwrap()); // DT_SYMTAB
        let strtab = self.file_offset(self.dyn_value(5).unwrap()); // DT_STRTAB
        (1..)
            .map(|i| symtab + i * 24)
            .find(|&e| {
                let at = strtab + self.u32(e) as usize;
                self.0[at..].split(|&c| c == 0).next() == Some(name.as_bytes())
            })
            .unwrap()
    }
    fn parse(&self) -> Result<SharedObject, ukrt_loader::elf::ElfError> {
        SharedObject::parse("t.so", &self.0)
    }
    fn reason(&self) -> ElfErrorKind {
        self.parse().unwrap_err().reason
    }
    fn message(&self) -> String {
        self.parse().unwrap_err().to_string()
    }
}

#[test]
fn offsets_that_wrap_past_2_pow_64_are_named_errors() {
    let good = Bytes::read(&pic("libfix.so", "lib.c", &[]));
    good.parse().unwrap();

    // A relocation whose 8 bytes end exactly at 2^64.
    let mut b = good.clone();
    b.set(good.relas()[0], 0xffff_ffff_ffff_fff8);
    assert_eq!(
        b.reason(),
        ElfErrorKind::Wraps {
            what: "relocation".into(),
            start: 0xffff_ffff_ffff_fff8,
            len: 8
        }
    );
    assert_eq!(
        b.message(),
        "t.so: relocation at 0xfffffffffffffff8 (0x8 bytes) wraps past the end of the address space"
    );
    // One that starts in the last writable segment's last 8 bytes is fine,
    // one that starts 4 bytes before its end is not (no wrap, just outside).
    let data = *good.loads().last().unwrap();
    let end = good.u64(data + 16) + good.u64(data + 40);
    let mut b = good.clone();
    b.set(good.relas()[0], end - 8);
    b.parse().unwrap();
    b.set(good.relas()[0], end - 4);
    assert_eq!(
        b.reason(),
        ElfErrorKind::RelocationOutsideWritableSegment { offset: end - 4 }
    );

    // An init array at 2^64 - 8, and one whose size runs past 2^64.
    let mut b = good.clone();
    b.set_dyn(DT_INIT_ARRAY, u64::MAX - 7);
    assert_eq!(
        b.reason(),
        ElfErrorKind::Wraps {
            what: "DT_INIT_ARRAY".into(),
            start: u64::MAX - 7,
            len: 8
        }
    );
    assert_eq!(
        b.message(),
        "t.so: DT_INIT_ARRAY at 0xfffffffffffffff8 (0x8 bytes) wraps past the end of the address space"
    );
    let mut b = good.clone();
    let fini = good.dyn_value(DT_FINI_ARRAY).unwrap();
    b.set_dyn(DT_FINI_ARRAYSZ, u64::MAX - 7);
    assert_eq!(
        b.reason(),
        ElfErrorKind::Wraps {
            what: "DT_FINI_ARRAY".into(),
            start: fini,
            len: u64::MAX - 7
        }
    );
    // A size that is no whole number of pointers.
    let mut b = good.clone();
    b.set_dyn(DT_INIT_ARRAYSZ, 12);
    assert_eq!(
        b.reason(),
        ElfErrorKind::BadArraySize {
            which: "DT_INIT_ARRAYSZ",
            size: 12
        }
    );
    assert_eq!(
        b.message(),
        "t.so: DT_INIT_ARRAYSZ is 12 bytes, not a whole number of 8-byte pointers"
    );

    // A load segment that runs past 2^64 (still page-congruent).
    let mut b = good.clone();
    let vaddr = good.u64(data + 16);
    b.set(data + 16, !0xfff | (vaddr & 0xfff));
    b.set(data + 40, 0x1000); // p_memsz: now the end is past 2^64
    assert_eq!(
        b.reason(),
        ElfErrorKind::Wraps {
            what: "load segment 1".into(),
            start: !0xfff | (vaddr & 0xfff),
            len: 0x1000
        }
    );
}

#[test]
fn a_symbol_value_past_the_image_is_refused() {
    let good = Bytes::read(&pic("libfix.so", "lib.c", &[]));
    let image_size = good.parse().unwrap().image_size;
    let mut b = good.clone();
    b.set(good.symbol("lib_counter") + 8, u64::MAX - 7);
    assert_eq!(
        b.reason(),
        ElfErrorKind::SymbolOutsideImage {
            name: "lib_counter".into(),
            value: u64::MAX - 7,
            image_size
        }
    );
    assert_eq!(
        b.message(),
        format!(
            "t.so: symbol \"lib_counter\" has value 0xfffffffffffffff8, past the end of the image ({image_size:#x} bytes)"
        )
    );
    // The end of the image itself is a fine value (like `_end`).
    let mut b = good.clone();
    b.set(good.symbol("lib_counter") + 8, image_size);
    assert_eq!(b.parse().unwrap().export("lib_counter"), Some(image_size));
}

/// Relocates `o` alone at `base` (no runtime exports).
fn link_alone(o: &SharedObject, base: u64) -> Vec<Write> {
    let none = |_: &str| None;
    relocate(&[Placed { object: o, base }], &none).unwrap()
}

#[test]
fn a_relocation_naming_symbol_0_uses_0_as_the_symbol_value() {
    // No dynamic symbols at all: without its hash table the object has
    // none (goblin counts them from it).
    let mut nosym = Bytes::read(&pic("nosym.so", "nosym.c", &[]));
    nosym.retag(DT_GNU_HASH, DT_DEBUG);
    let rela = nosym.relas()[0];
    let (offset, addend) = (nosym.u64(rela), nosym.u64(rela + 16));
    assert_eq!(nosym.u64(rela + 8), 8, "R_X86_64_RELATIVE, symbol 0");
    let base = 0x4000_0000;
    // S + A with S = 0 is A; GLOB_DAT and JUMP_SLOT (S) give 0.
    for (r_type, kind, value) in [
        (1, RelocKind::Abs64, addend),
        (6, RelocKind::GlobDat, 0),
        (7, RelocKind::JumpSlot, 0),
    ] {
        let mut b = nosym.clone();
        b.set(rela + 8, r_type);
        let o = b.parse().unwrap();
        assert!(o.symbols.is_empty());
        assert_eq!(o.relocs[0].kind, kind);
        assert_eq!(o.relocs[0].symbol, 0);
        assert_eq!(
            link_alone(&o, base),
            [Write {
                addr: base + offset,
                value
            }]
        );
    }
    // The same in an object that has symbols (index 0 is its null symbol).
    let lib = Bytes::read(&pic("libfix.so", "lib.c", &[]));
    let rela = lib.relas()[0];
    assert_eq!(lib.u64(rela + 8), 8, "R_X86_64_RELATIVE, symbol 0");
    let mut b = lib.clone();
    b.set(rela + 8, 1); // R_X86_64_64, symbol 0
    let o = b.parse().unwrap();
    let any = |_: &str| Some(0x1234); // for its other, named imports
    let w = relocate(&[Placed { object: &o, base }], &any).unwrap();
    assert_eq!(
        w[0],
        Write {
            addr: base + lib.u64(rela),
            value: lib.u64(rela + 16)
        }
    );
}

#[test]
fn a_relocation_naming_a_symbol_past_the_table_is_refused() {
    let lib = Bytes::read(&pic("libfix.so", "lib.c", &[]));
    let count = lib.parse().unwrap().symbols.len();
    assert_eq!(count, 10, "readelf: .dynsym has 10 entries");
    let rela = lib.relas()[2];
    assert_eq!(lib.u64(rela + 8) & 0xffff_ffff, 6, "a GLOB_DAT");
    let mut b = lib.clone();
    b.set(rela + 8, (10 << 32) | 6);
    assert_eq!(
        b.reason(),
        ElfErrorKind::BadSymbolIndex {
            offset: lib.u64(rela),
            index: 10,
            count: 10
        }
    );
    assert_eq!(
        b.message(),
        format!(
            "t.so: relocation at {:#x} names symbol 10, but there are only 10 dynamic symbols",
            lib.u64(rela)
        )
    );
    // Without a hash table to count them, the .dynsym section still does.
    let mut b = Bytes::read(&pic("nosym.so", "nosym.c", &[]));
    b.retag(DT_GNU_HASH, DT_DEBUG);
    let rela = b.relas()[0];
    b.set(rela + 8, (1 << 32) | 1); // R_X86_64_64 against symbol 1
    assert!(
        matches!(
            b.reason(),
            ElfErrorKind::BadSymbolIndex {
                index: 1,
                count: 1,
                ..
            }
        ),
        "{}",
        b.message()
    );
}

#[test]
fn init_and_fini_arrays_must_lie_in_file_data() {
    let good = Bytes::read(&pic("libfix.so", "lib.c", &[]));
    let data = *good.loads().last().unwrap();
    let (offset, vaddr, filesz) = (good.u64(data + 8), good.u64(data + 16), good.u64(data + 32));
    let file_end = vaddr + filesz;
    assert_eq!(file_end % 8, 0);
    // The arrays as built are file data: the runtime can read them there.
    let o = good.parse().unwrap();
    let (init, n) = o.init_array.unwrap();
    assert_eq!(o.file_offset(init, n * 8), Some(offset + (init - vaddr)));
    // Give the data segment a 256 MiB bss and move the arrays into it.
    let mut huge = good.clone();
    huge.set(data + 40, good.u64(data + 40) + (256 << 20));
    huge.parse().unwrap();
    let mut b = huge.clone();
    b.set_dyn(DT_INIT_ARRAY, file_end);
    assert_eq!(
        b.reason(),
        ElfErrorKind::ArrayOutsideFileData {
            which: "DT_INIT_ARRAY",
            start: file_end,
            len: 8
        }
    );
    assert_eq!(
        b.message(),
        format!(
            "t.so: DT_INIT_ARRAY at {file_end:#x} (0x8 bytes) is not in the file-backed part of a load segment"
        )
    );
    // Straddling the end of the file data.
    let mut b = huge.clone();
    b.set_dyn(DT_FINI_ARRAY, file_end - 8);
    b.set_dyn(DT_FINI_ARRAYSZ, 16);
    assert_eq!(
        b.reason(),
        ElfErrorKind::ArrayOutsideFileData {
            which: "DT_FINI_ARRAY",
            start: file_end - 8,
            len: 16
        }
    );
    // The last 8 bytes of file data are fine.
    b.set_dyn(DT_FINI_ARRAYSZ, 8);
    let o = b.parse().unwrap();
    assert_eq!(o.fini_array, Some((file_end - 8, 1)));
    assert_eq!(o.file_offset(file_end - 8, 8), Some(offset + filesz - 8));
    assert_eq!(o.file_offset(file_end - 8, 9), None);
}

#[test]
fn init_and_fini_functions_must_lie_in_executable_file_data() {
    let good = Bytes::read(&pic("libfix.so", "lib.c", &[]));
    let (code, data) = (good.loads()[0], good.loads()[1]);
    let lib_add = good.parse().unwrap().export("lib_add").unwrap();
    // In the code: fine.
    let mut b = good.clone();
    b.set_dyn(DT_INIT, lib_add);
    b.set_dyn(DT_FINI, lib_add);
    let o = b.parse().unwrap();
    assert_eq!((o.init, o.fini), (Some(lib_add), Some(lib_add)));
    // Past the code segment's file data, in memory it gained.
    let code_file_end = good.u64(code + 16) + good.u64(code + 32);
    let mut b = good.clone();
    b.set(code + 40, good.u64(code + 40) + 0x1000);
    b.parse().unwrap();
    b.set_dyn(DT_INIT, code_file_end);
    assert_eq!(
        b.reason(),
        ElfErrorKind::FunctionOutsideCode {
            which: "DT_INIT",
            addr: code_file_end
        }
    );
    assert_eq!(
        b.message(),
        format!(
            "t.so: DT_INIT at {code_file_end:#x} is not in the file-backed part of an executable load segment"
        )
    );
    // In the (file-backed, not executable) data segment.
    let mut b = good.clone();
    b.set_dyn(DT_FINI, good.u64(data + 16));
    assert_eq!(
        b.reason(),
        ElfErrorKind::FunctionOutsideCode {
            which: "DT_FINI",
            addr: good.u64(data + 16)
        }
    );
}
