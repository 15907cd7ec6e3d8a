//! Loading one app instance, decided on the host's terms: every choice the
//! runtime makes to load an app — which objects, where each goes, what
//! backs every page, which words relocation writes, which functions run
//! before and after `main`, and the argument block — computed as data from
//! the bundle alone. The runtime only carries a [`Plan`] out (maps its
//! regions, applies its writes, calls its functions); `ukrt-pack check`
//! builds the same plans, so the tool and the guest agree.
use crate::elf::{SharedObject, PAGE};
use crate::layout::{self, Backing, Piece};
use crate::link::{self, Exports, MissingSymbol, Placed, Write};
use crate::manifest::AppSpec;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

/// One object of the app, as the caller has it: the parsed object, its
/// file's bytes, and an id that is the same for every instance of the
/// image (it keys shared page tables).
#[derive(Clone, Copy)]
pub struct Object<'a> {
    pub object: &'a SharedObject,
    pub file: &'a [u8],
    pub id: u32,
}

/// What backs a planned region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// Read-only pages straight from `object`'s file, from `file_page` on.
    /// `shareable`: the object keeps its code chunks to itself, so its L1
    /// tables can be shared by every instance.
    Code {
        object: usize,
        file_page: u64,
        executable: bool,
        shareable: bool,
    },
    /// Writable pages that start as the file's pages (copy-on-write).
    Data { object: usize, file_page: u64 },
    /// One private page holding the first `keep` bytes of a file page, then
    /// zeros (where a segment's file data ends inside a page).
    Boundary {
        object: usize,
        file_page: u64,
        keep: u64,
    },
    /// Zero-filled pages: bss, the heap, the argument block.
    Zero,
    /// The stack: zero-filled, mapped as the app touches it.
    Stack,
    /// Never mapped: any access is an error.
    Guard,
}

/// A range of the slot and what backs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub name: String,
    pub start: u64,
    pub len: u64,
    pub kind: RegionKind,
}

/// The arguments block: argv and environ arrays, then their strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Where the block goes (the start of the args region).
    pub base: u64,
    pub bytes: Vec<u8>,
    pub argc: i32,
    pub argv: u64,
    pub environ: u64,
}

impl Args {
    /// `argv[i]`: the address of the `i`-th argument string (0 past the
    /// end).
    pub fn argv_string(&self, i: usize) -> u64 {
        let at = i * 8;
        self.bytes
            .get(at..at + 8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

/// Everything the runtime needs to load and run one instance.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The slot's range: all the app's memory.
    pub slot: Range<u64>,
    /// The objects in scope order (app first) and their bases.
    pub bases: Vec<u64>,
    pub regions: Vec<Region>,
    /// `main`.
    pub entry: u64,
    /// The app's `exit` (from libukc), if it has one: a shutdown request
    /// ends the app through it.
    pub exit_fn: Option<u64>,
    /// Initialisers in run order, and finalisers in run order.
    pub init: Vec<u64>,
    pub fini: Vec<u64>,
    pub args: Args,
    pub stack: Range<u64>,
    pub heap: Range<u64>,
}

/// Why an app cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The app and its libraries need more than a slot's object area.
    TooBig {
        file: String,
        needed: u64,
    },
    /// A read-only segment has memory beyond its file bytes.
    ReadOnlyZeroFill {
        file: String,
        segment: usize,
    },
    NoMain {
        file: String,
    },
    MissingSymbol(MissingSymbol),
    /// The argument and environment block does not fit its region.
    ArgumentsTooBig {
        needed: u64,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooBig { file, needed } => write!(
                f,
                "{file}: the app and its libraries need {} MiB of address space with their \
                 gaps; a slot holds {} MiB of objects",
                needed.div_ceil(1 << 20),
                layout::OBJECTS_SIZE >> 20
            ),
            Self::ReadOnlyZeroFill { file, segment } => write!(
                f,
                "{file}: read-only segment {segment} has a zero-filled part"
            ),
            Self::NoMain { file } => write!(f, "{file}: no `main` function is exported"),
            Self::MissingSymbol(e) => write!(f, "{e}"),
            Self::ArgumentsTooBig { needed } => write!(
                f,
                "the arguments and environment take {needed} bytes; at most {} fit",
                layout::ARGS_SIZE
            ),
        }
    }
}

/// The app `file` and what it needs: the app first, then `DT_NEEDED`
/// breadth-first without repeats, the order symbols resolve in. `needed`
/// gives an object's `DT_NEEDED` names (parsing it on first sight).
pub fn dependencies<E>(
    file: &str,
    mut needed: impl FnMut(&str) -> Result<Vec<String>, E>,
) -> Result<Vec<String>, E> {
    let mut order = alloc::vec![String::from(file)];
    let mut i = 0;
    while i < order.len() {
        let name = order[i].clone();
        for dep in needed(&name)? {
            if !order.contains(&dep) {
                order.push(dep);
            }
        }
        i += 1;
    }
    Ok(order)
}

/// Plans loading the app `spec` into the slot at `slot_base`. `objects` are
/// the app and its libraries in scope order (see [`dependencies`]); `env`
/// and `extra_args` come from the command line. Whether code is mapped from
/// shared frames is the runtime's choice (`uk.share`); the plan says which
/// code regions could share their page tables.
pub fn plan(
    spec: &AppSpec,
    objects: &[Object],
    env: &[&str],
    extra_args: &[&str],
    slot_base: u64,
    exports: &dyn Exports,
) -> Result<Plan, PlanError> {
    let app = objects.first().expect("the app is the first object");
    let sizes: Vec<u64> = objects.iter().map(|o| o.object.image_size).collect();
    let bases = layout::place(&sizes, slot_base).ok_or_else(|| PlanError::TooBig {
        file: spec.file.clone(),
        needed: layout::objects_span(&sizes),
    })?;
    let mut regions = Vec::new();
    for (i, (o, &base)) in objects.iter().zip(&bases).enumerate() {
        object_regions(i, o.object, base, &mut regions)?;
    }

    let scope: Vec<Placed> = objects
        .iter()
        .zip(&bases)
        .map(|(o, &base)| Placed {
            object: o.object,
            base,
        })
        .collect();
    let entry = app
        .object
        .export("main")
        .map(|v| bases[0] + v)
        .ok_or_else(|| PlanError::NoMain {
            file: spec.file.clone(),
        })?;
    let no_exports = |_: &str| None;
    let exit_fn = link::resolve(&scope, &no_exports, "exit");
    let (init, fini) = init_and_fini(objects, &scope, exports)?;

    // In address order: the stack, the arguments, the heap.
    let top = layout::stack_top(slot_base);
    let stack_size = spec.stack.unwrap_or(layout::STACK_SIZE);
    let bottom = top - stack_size;
    regions.push(Region {
        name: "stack guard".into(),
        start: bottom - PAGE,
        len: PAGE,
        kind: RegionKind::Guard,
    });
    regions.push(Region {
        name: "stack".into(),
        start: bottom,
        len: stack_size,
        kind: RegionKind::Stack,
    });
    let args = args_block(spec, env, extra_args, layout::args_base(slot_base))?;
    regions.push(Region {
        name: "args".into(),
        start: args.base,
        len: layout::ARGS_SIZE,
        kind: RegionKind::Zero,
    });
    let heap = layout::heap_base(slot_base);
    let heap_size = spec.heap.unwrap_or(layout::HEAP_MAX);
    regions.push(Region {
        name: "heap".into(),
        start: heap,
        len: heap_size,
        kind: RegionKind::Zero,
    });
    Ok(Plan {
        slot: slot_base..slot_base + layout::SLOT_SIZE,
        bases,
        regions,
        entry,
        exit_fn,
        init,
        fini,
        args,
        stack: bottom..top,
        heap: heap..heap + heap_size,
    })
}

impl Plan {
    /// The relocation writes of every object, computed one at a time (an
    /// object may have a million), in scope order.
    pub fn relocations<'a>(
        &'a self,
        objects: &'a [Object<'a>],
        exports: &'a dyn Exports,
    ) -> impl Iterator<Item = Result<Write, MissingSymbol>> + 'a {
        let scope: Vec<Placed<'a>> = self.scope(objects);
        (0..objects.len()).flat_map(move |i| {
            let p = scope[i];
            let scope = scope.clone();
            p.object
                .relocs
                .iter()
                .map(move |r| link::relocation(&scope, p, r, exports))
        })
    }

    fn scope<'a>(&self, objects: &'a [Object<'a>]) -> Vec<Placed<'a>> {
        objects
            .iter()
            .zip(&self.bases)
            .map(|(o, &base)| Placed {
                object: o.object,
                base,
            })
            .collect()
    }
}

/// The regions of one object's load segments.
fn object_regions(
    index: usize,
    obj: &SharedObject,
    base: u64,
    out: &mut Vec<Region>,
) -> Result<(), PlanError> {
    let pieces = layout::pieces(obj).map_err(|e| PlanError::ReadOnlyZeroFill {
        file: obj.file.clone(),
        segment: e.segment,
    })?;
    let shareable = layout::can_share(obj);
    for Piece {
        start,
        end,
        backing,
    } in pieces
    {
        let kind = match backing {
            Backing::Code {
                file_page,
                executable,
            } => RegionKind::Code {
                object: index,
                file_page,
                executable,
                shareable,
            },
            Backing::Data { file_page } => RegionKind::Data {
                object: index,
                file_page,
            },
            Backing::Boundary { file_page, keep } => RegionKind::Boundary {
                object: index,
                file_page,
                keep,
            },
            Backing::Zero => RegionKind::Zero,
        };
        out.push(Region {
            name: obj.file.clone(),
            start: base + start,
            len: end - start,
            kind,
        });
    }
    Ok(())
}

/// The value an 8-byte word of `obj`'s image holds after relocation: the
/// relocation's value if one targets it, else the file's bytes (init and
/// fini arrays lie in the file-backed part of a segment; the ELF check
/// makes sure).
fn relocated_word(
    o: &Object,
    scope: &[Placed],
    p: Placed,
    offset: u64,
    exports: &dyn Exports,
) -> Result<u64, MissingSymbol> {
    if let Some(r) = o.object.relocs.iter().rev().find(|r| r.offset == offset) {
        return link::relocation(scope, p, r, exports).map(|w| w.value);
    }
    let word = o
        .object
        .file_offset(offset, 8)
        .and_then(|at| o.file.get(at as usize..at as usize + 8))
        .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    Ok(word)
}

/// The function addresses of an init or fini array, after relocation;
/// 0 and -1 entries are skipped, as the dynamic linker does.
fn array(
    o: &Object,
    scope: &[Placed],
    p: Placed,
    array: Option<(u64, u64)>,
    exports: &dyn Exports,
) -> Result<Vec<u64>, MissingSymbol> {
    let Some((offset, count)) = array else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for i in 0..count {
        let f = relocated_word(o, scope, p, offset + i * 8, exports)?;
        if f != 0 && f != u64::MAX {
            out.push(f);
        }
    }
    Ok(out)
}

/// Initialisers (libraries before the objects that need them) and
/// finalisers (the other way round).
fn init_and_fini(
    objects: &[Object],
    scope: &[Placed],
    exports: &dyn Exports,
) -> Result<(Vec<u64>, Vec<u64>), PlanError> {
    let parsed: Vec<&SharedObject> = objects.iter().map(|o| o.object).collect();
    let order = link::init_order(&parsed);
    let (mut init, mut fini) = (Vec::new(), Vec::new());
    for &i in &order {
        let p = scope[i];
        if let Some(f) = p.object.init {
            init.push(p.base + f);
        }
        init.extend(
            array(&objects[i], scope, p, p.object.init_array, exports)
                .map_err(PlanError::MissingSymbol)?,
        );
    }
    for &i in order.iter().rev() {
        let p = scope[i];
        let mut f = array(&objects[i], scope, p, p.object.fini_array, exports)
            .map_err(PlanError::MissingSymbol)?;
        f.reverse();
        fini.extend(f);
        if let Some(f) = p.object.fini {
            fini.push(p.base + f);
        }
    }
    Ok((init, fini))
}

/// The argument block at `base`: argv (the app's name, its manifest
/// arguments, then the command line's), then environ, both
/// NULL-terminated pointer arrays, then the strings they point at.
fn args_block(spec: &AppSpec, env: &[&str], extra: &[&str], base: u64) -> Result<Args, PlanError> {
    let words: Vec<&str> = core::iter::once(spec.name.as_str())
        .chain(spec.args.iter().map(String::as_str))
        .chain(extra.iter().copied())
        .collect();
    let tables = (words.len() as u64 + 1 + env.len() as u64 + 1) * 8;
    let strings: u64 = words.iter().chain(env).map(|w| w.len() as u64 + 1).sum();
    let needed = tables + strings;
    if needed > layout::ARGS_SIZE {
        return Err(PlanError::ArgumentsTooBig { needed });
    }
    let mut bytes = alloc::vec![0u8; needed as usize];
    let environ = base + (words.len() as u64 + 1) * 8;
    let mut at = tables;
    for (table, list) in [(base, &words[..]), (environ, env)] {
        for (i, w) in list.iter().enumerate() {
            let slot = (table - base) as usize + i * 8;
            bytes[slot..slot + 8].copy_from_slice(&(base + at).to_le_bytes());
            bytes[at as usize..at as usize + w.len()].copy_from_slice(w.as_bytes());
            at += w.len() as u64 + 1; // the NUL is the block's zero
        }
    }
    Ok(Args {
        base,
        bytes,
        argc: words.len() as i32,
        argv: base,
        environ,
    })
}
