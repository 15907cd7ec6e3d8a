//! Symbol resolution and relocation for one app instance.
//!
//! The scope is the app, then its `DT_NEEDED` libraries breadth-first, then
//! the runtime's exports. A reference resolves to the first definition in
//! scope order (a local or hidden symbol to its own object); a weak
//! reference with no definition resolves to 0; a strong one is an error
//! naming the symbol and the file that needs it.
use crate::elf::{RelocKind, SharedObject};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// One object of the instance and where it is loaded. `base +
/// object.image_size` must not pass 2^64 (the runtime's slots lie in the
/// 1 TiB application region); linking an object placed otherwise panics, as
/// that is a bug of the caller, not bad input.
#[derive(Clone, Copy)]
pub struct Placed<'a> {
    pub object: &'a SharedObject,
    pub base: u64,
}

/// Where symbols not defined by any object come from.
pub trait Exports {
    fn lookup(&self, name: &str) -> Option<u64>;
}

impl<F: Fn(&str) -> Option<u64>> Exports for F {
    fn lookup(&self, name: &str) -> Option<u64> {
        self(name)
    }
}

/// One 8-byte store the relocations ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    pub addr: u64,
    pub value: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSymbol {
    pub symbol: String,
    pub file: String,
}

impl fmt::Display for MissingSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: undefined symbol \"{}\" (not in the app, its libraries or the runtime)",
            self.file, self.symbol
        )
    }
}

/// `p.base + offset`, for an offset in `p`'s image. `SharedObject::parse`
/// keeps relocation offsets and symbol values within the image, and `Placed`
/// leaves room for the image, so this never overflows for parsed objects.
fn address(p: &Placed, offset: u64) -> u64 {
    match (
        p.base.checked_add(p.object.image_size),
        p.base.checked_add(offset),
    ) {
        (Some(_), Some(a)) => a,
        _ => panic!(
            "{}: placed where base + image offset passes 2^64 (base {:#x})",
            p.object.file, p.base
        ),
    }
}

/// Resolves `name` in scope order.
pub fn resolve(scope: &[Placed], exports: &dyn Exports, name: &str) -> Option<u64> {
    scope
        .iter()
        .find_map(|p| p.object.export(name).map(|v| address(p, v)))
        .or_else(|| exports.lookup(name))
}

/// Computes every relocation write for the objects of `scope`.
pub fn relocate(scope: &[Placed], exports: &dyn Exports) -> Result<Vec<Write>, MissingSymbol> {
    let mut writes = Vec::new();
    for &p in scope {
        for r in &p.object.relocs {
            writes.push(relocation(scope, p, r, exports)?);
        }
    }
    Ok(writes)
}

/// The write relocation `r` of object `p` asks for, resolving its symbol
/// in `scope` then `exports`.
pub fn relocation(
    scope: &[Placed],
    p: Placed,
    r: &crate::elf::Reloc,
    exports: &dyn Exports,
) -> Result<Write, MissingSymbol> {
    let addr = address(&p, r.offset);
    // The psABI computes values modulo 2^64: B + A and S + A wrap.
    let value = if r.kind == RelocKind::Relative {
        p.base.wrapping_add(r.addend as u64)
    } else if r.symbol == 0 {
        // Symbol index 0 (STN_UNDEF) names no symbol: the gABI says the
        // relocation then uses 0 as the symbol value, so S + A is A and S
        // is 0. Not an error: linkers emit such entries.
        match r.kind {
            RelocKind::Abs64 => r.addend as u64,
            _ => 0,
        }
    } else {
        // parse checked the index against the symbol table.
        let sym = &p.object.symbols[r.symbol];
        let s = if sym.defined && sym.binds_locally {
            Some(address(&p, sym.value))
        } else {
            resolve(scope, exports, &sym.name)
        };
        let s = match (s, sym.weak) {
            (Some(v), _) => v,
            (None, true) => 0,
            (None, false) => {
                return Err(MissingSymbol {
                    symbol: sym.name.clone(),
                    file: p.object.file.to_string(),
                })
            }
        };
        match r.kind {
            RelocKind::Abs64 => s.wrapping_add(r.addend as u64),
            _ => s,
        }
    };
    Ok(Write { addr, value })
}

/// The objects an app needs, app first, then `DT_NEEDED` breadth-first
/// without repeats. `find` maps a needed name to its object.
pub fn load_order<'a, E>(
    app: &'a SharedObject,
    mut find: impl FnMut(&str) -> Result<&'a SharedObject, E>,
) -> Result<Vec<&'a SharedObject>, E> {
    let mut order: Vec<&SharedObject> = alloc::vec![app];
    let mut i = 0;
    while i < order.len() {
        let needed: Vec<String> = order[i].needed.clone();
        for name in needed {
            if !order.iter().any(|o| o.file == name) {
                order.push(find(&name)?);
            }
        }
        i += 1;
    }
    Ok(order)
}

/// The order to run initialisers in: every object after the objects it
/// needs (a depth-first post-order from the app, `objects[0]`), so a
/// library is initialised before anything that uses it. Finalisers run in
/// the reverse order.
pub fn init_order(objects: &[&SharedObject]) -> Vec<usize> {
    fn visit(i: usize, objects: &[&SharedObject], seen: &mut [bool], order: &mut Vec<usize>) {
        if seen[i] {
            return;
        }
        seen[i] = true;
        for name in &objects[i].needed {
            if let Some(j) = objects.iter().position(|o| &o.file == name) {
                visit(j, objects, seen, order);
            }
        }
        order.push(i);
    }
    let mut seen = alloc::vec![false; objects.len()];
    let mut order = Vec::with_capacity(objects.len());
    for i in 0..objects.len() {
        visit(i, objects, &mut seen, &mut order);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(name: &str, needed: &[&str]) -> SharedObject {
        let mut o = SharedObject::empty_for_tests();
        o.file = name.to_string();
        o.needed = needed.iter().map(|s| s.to_string()).collect();
        o
    }

    /// An object with one writable page and one relocation of `kind`.
    fn with_reloc(kind: RelocKind, addend: i64) -> SharedObject {
        use crate::elf::{Reloc, Segment, Symbol};
        let mut o = obj("r.so", &[]);
        o.segments = alloc::vec![Segment {
            vaddr: 0,
            memsz: 0x1000,
            offset: 0,
            filesz: 0x1000,
            writable: true,
            executable: false,
        }];
        o.symbols = alloc::vec![Symbol {
            name: String::new(),
            defined: false,
            weak: false,
            binds_locally: true,
            value: 0,
        }];
        o.relocs = alloc::vec![Reloc {
            offset: 0xff8,
            kind,
            symbol: 0,
            addend,
        }];
        o.image_size = 0x1000;
        o
    }

    #[test]
    fn values_wrap_as_the_psabi_defines_them() {
        // B + A is modular: a negative addend below the base wraps.
        let o = with_reloc(RelocKind::Relative, -0x20);
        let none = |_: &str| None;
        let w = relocate(
            &[Placed {
                object: &o,
                base: 0x10,
            }],
            &none,
        )
        .unwrap();
        assert_eq!(
            w,
            [Write {
                addr: 0x1008,
                value: 0xffff_ffff_ffff_fff0
            }]
        );
    }

    #[test]
    #[should_panic(expected = "placed where base + image offset passes 2^64")]
    fn a_base_that_leaves_no_room_for_the_image_is_a_caller_bug() {
        let o = with_reloc(RelocKind::Relative, 0);
        let none = |_: &str| None;
        let _ = relocate(
            &[Placed {
                object: &o,
                base: u64::MAX - 0xfff,
            }],
            &none,
        );
    }

    #[test]
    fn libraries_initialise_before_their_users() {
        // app needs libc and libgreet; libgreet needs libc too.
        let (app, libc, greet) = (
            obj("app", &["libgreet", "libc"]),
            obj("libc", &[]),
            obj("libgreet", &["libc"]),
        );
        let objects = [&app, &greet, &libc];
        assert_eq!(init_order(&objects), [2, 1, 0]);
        // A cycle still lists everyone once.
        let (a, b) = (obj("a", &["b"]), obj("b", &["a"]));
        assert_eq!(init_order(&[&a, &b]), [1, 0]);
    }
}
