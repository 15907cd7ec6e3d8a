//! Host tests of the load plan on real shared objects built by gcc: where
//! everything goes, what backs it, what relocation writes, what runs
//! before and after `main`, and the argument block — checked against what
//! nm and readelf say about the objects.
use std::process::Command;
use ukrt_loader::elf::SharedObject;
use ukrt_loader::layout::{self, ARGS_SIZE, OBJECTS_SIZE, SLOT_SIZE, STACK_SIZE};
use ukrt_loader::link::Write;
use ukrt_loader::manifest::AppSpec;
use ukrt_loader::plan::{self, Object, Plan, PlanError, RegionKind};

mod common;
use common::pic;

const SLOT: u64 = 0x100_0000_0000;
const CHUNK: u64 = 2 << 20;

/// The symbol's value in the object's full symbol table (nm sees static
/// functions too).
fn nm(path: &std::path::Path, name: &str) -> u64 {
    let out = Command::new("nm").arg(path).output().expect("nm runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some(name))
        .unwrap_or_else(|| panic!("{name} not in nm's output:\n{text}"));
    u64::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
}

struct Built {
    app: (SharedObject, Vec<u8>, std::path::PathBuf),
    lib: (SharedObject, Vec<u8>, std::path::PathBuf),
}

fn build() -> Built {
    let lib = pic("libfix.so", "lib.c", &[]);
    let app = pic("app.so", "app.c", &["-lfix"]);
    let parse = |p: std::path::PathBuf| {
        let data = std::fs::read(&p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        (SharedObject::parse(&name, &data).unwrap(), data, p)
    };
    Built {
        app: parse(app),
        lib: parse(lib),
    }
}

impl Built {
    fn objects(&self) -> Vec<Object<'_>> {
        vec![
            Object {
                object: &self.app.0,
                file: &self.app.1,
                id: 0,
            },
            Object {
                object: &self.lib.0,
                file: &self.lib.1,
                id: 1,
            },
        ]
    }
}

fn spec(args: &[&str]) -> AppSpec {
    AppSpec {
        name: "demo".into(),
        file: "app.so".into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        stack: None,
        heap: None,
    }
}

/// The runtime's exports, as the tests' runtime offers them.
fn exports(name: &str) -> Option<u64> {
    (name == "ukrt_test_export").then_some(0xffff_ffff_8000_1000)
}

fn make_plan(b: &Built) -> Plan {
    plan::plan(
        &spec(&["one"]),
        &b.objects(),
        &["HOME=/"],
        &["two"],
        SLOT,
        &exports,
    )
    .unwrap()
}

#[test]
fn objects_sit_at_2mib_bases_then_stack_args_and_heap() {
    let b = build();
    let p = make_plan(&b);
    let app_span = b.app.0.image_size.div_ceil(CHUNK) * CHUNK;
    assert_eq!(p.bases, [SLOT, SLOT + app_span + CHUNK]);
    assert_eq!(p.slot, SLOT..SLOT + SLOT_SIZE);
    assert_eq!(
        p.heap,
        layout::heap_base(SLOT)..layout::heap_base(SLOT) + layout::HEAP_MAX
    );
    assert_eq!(p.stack.end, layout::stack_top(SLOT));
    assert_eq!(p.stack.end - p.stack.start, STACK_SIZE);

    // Each object's regions are its layout pieces, at its base; then the
    // slot's own regions, in address order, none overlapping.
    let mut expect = Vec::new();
    for (i, (o, base)) in [(&b.app.0, p.bases[0]), (&b.lib.0, p.bases[1])]
        .into_iter()
        .enumerate()
    {
        for piece in layout::pieces(o).unwrap() {
            expect.push((
                o.file.clone(),
                base + piece.start,
                piece.end - piece.start,
                i,
            ));
        }
    }
    let got: Vec<_> = p
        .regions
        .iter()
        .filter_map(|r| match r.kind {
            RegionKind::Code { object, .. }
            | RegionKind::Data { object, .. }
            | RegionKind::Boundary { object, .. } => Some((r.name.clone(), r.start, r.len, object)),
            RegionKind::Zero if r.start < SLOT + layout::OBJECTS_SIZE => {
                let owner = if r.start < p.bases[1] { 0 } else { 1 };
                Some((r.name.clone(), r.start, r.len, owner))
            }
            _ => None,
        })
        .collect();
    assert_eq!(got, expect);
    let tail: Vec<_> = p
        .regions
        .iter()
        .filter(|r| r.start >= SLOT + layout::OBJECTS_SIZE)
        .map(|r| (r.name.as_str(), r.kind))
        .collect();
    assert_eq!(
        tail,
        [
            ("stack guard", RegionKind::Guard),
            ("stack", RegionKind::Stack),
            ("args", RegionKind::Zero),
            ("heap", RegionKind::Zero),
        ]
    );
    let mut sorted: Vec<_> = p
        .regions
        .iter()
        .map(|r| (r.start, r.start + r.len))
        .collect();
    sorted.sort();
    assert!(
        sorted.windows(2).all(|w| w[0].1 <= w[1].0),
        "regions overlap"
    );
    // Code maps the file's own pages: the first code page is file page 0.
    assert!(matches!(
        p.regions[0].kind,
        RegionKind::Code {
            object: 0,
            file_page: 0,
            executable: true,
            shareable: true
        }
    ));
}

#[test]
fn entry_exit_and_init_fini_come_from_the_objects() {
    let b = build();
    let p = make_plan(&b);
    assert_eq!(p.entry, p.bases[0] + nm(&b.app.2, "main"));
    assert_eq!(p.exit_fn, None, "no object of this app defines exit");
    // The library's constructor and destructor, read from its init and
    // fini arrays with their RELATIVE relocations applied.
    assert_eq!(p.init, [p.bases[1] + nm(&b.lib.2, "lib_init")]);
    assert_eq!(p.fini, [p.bases[1] + nm(&b.lib.2, "lib_fini")]);
}

#[test]
fn relocations_are_computed_one_at_a_time_and_land_in_data() {
    let b = build();
    let p = make_plan(&b);
    let objects = b.objects();
    let writes: Vec<Write> = p
        .relocations(&objects, &exports)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(writes.len(), b.app.0.relocs.len() + b.lib.0.relocs.len());
    let in_data = |a: u64| {
        p.regions.iter().any(|r| {
            matches!(
                r.kind,
                RegionKind::Data { .. } | RegionKind::Boundary { .. }
            ) && r.start <= a
                && a + 8 <= r.start + r.len
        })
    };
    assert!(
        writes.iter().all(|w| in_data(w.addr)),
        "every write lands in data"
    );
    // lib_ptr = &lib_counter: a RELATIVE relocation in the library.
    let lib_ptr = p.bases[1] + nm(&b.lib.2, "lib_ptr");
    let w = writes
        .iter()
        .find(|w| w.addr == lib_ptr)
        .expect("lib_ptr is relocated");
    assert_eq!(w.value, p.bases[1] + nm(&b.lib.2, "lib_counter"));
    // The app's pointer to lib_add resolves into the library.
    let fnptr = p.bases[0] + nm(&b.app.2, "app_fnptr");
    let w = writes.iter().find(|w| w.addr == fnptr).unwrap();
    assert_eq!(w.value, p.bases[1] + nm(&b.lib.2, "lib_add"));
    // An import only the runtime has.
    assert!(writes.iter().any(|w| w.value == 0xffff_ffff_8000_1000));
}

#[test]
fn the_argument_block_holds_argv_then_environ_then_strings() {
    let b = build();
    let p = make_plan(&b);
    let a = &p.args;
    assert_eq!(a.base, layout::args_base(SLOT));
    assert_eq!((a.argc, a.argv), (3, a.base));
    let word = |addr: u64| {
        let at = (addr - a.base) as usize;
        u64::from_le_bytes(a.bytes[at..at + 8].try_into().unwrap())
    };
    let string = |ptr: u64| {
        let at = (ptr - a.base) as usize;
        let end = a.bytes[at..].iter().position(|&c| c == 0).unwrap();
        String::from_utf8(a.bytes[at..at + end].to_vec()).unwrap()
    };
    let argv: Vec<String> = (0..3).map(|i| string(word(a.argv + i * 8))).collect();
    assert_eq!(
        argv,
        ["demo", "one", "two"],
        "name, manifest args, command line"
    );
    assert_eq!(word(a.argv + 24), 0, "argv ends with NULL");
    assert_eq!(a.environ, a.argv + 32);
    assert_eq!(string(word(a.environ)), "HOME=/");
    assert_eq!(word(a.environ + 8), 0);
    assert_eq!(a.argv_string(0), word(a.argv));
}

#[test]
fn errors_name_the_limit_they_hit() {
    let b = build();
    let objects = b.objects();
    let long = "x".repeat(ARGS_SIZE as usize);
    let err = plan::plan(&spec(&[&long]), &objects, &[], &[], SLOT, &exports).unwrap_err();
    assert!(matches!(err, PlanError::ArgumentsTooBig { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "the arguments and environment take {} bytes; at most 65536 fit",
            // two argv pointers and a NULL, an empty environ, "demo", the NULs
            ARGS_SIZE + 4 * 8 + 4 + 1 + 1
        )
    );

    let mut big = b.app.0.clone();
    big.image_size = OBJECTS_SIZE;
    let objs = [Object {
        object: &big,
        file: &b.app.1,
        id: 0,
    }];
    let err = plan::plan(&spec(&[]), &objs, &[], &[], SLOT, &exports).unwrap_err();
    assert_eq!(
        err.to_string(),
        "app.so: the app and its libraries need 258 MiB of address space with their gaps; \
         a slot holds 256 MiB of objects"
    );

    let lib_only = [objects[1]];
    let err = plan::plan(&spec(&[]), &lib_only, &[], &[], SLOT, &exports).unwrap_err();
    assert_eq!(err.to_string(), "app.so: no `main` function is exported");

    // The app alone: the library's symbols are nowhere in scope.
    let app_only = [objects[0]];
    let p = plan::plan(&spec(&[]), &app_only, &[], &[], SLOT, &exports).unwrap();
    let first_error = p.relocations(&app_only, &exports).find_map(Result::err);
    assert_eq!(
        first_error.unwrap().to_string(),
        "app.so: undefined symbol \"lib_ptr\" (not in the app, its libraries or the runtime)"
    );
}

#[test]
fn dependencies_are_breadth_first_without_repeats() {
    let needed = |name: &str| -> Result<Vec<String>, String> {
        Ok(match name {
            "app" => vec!["a".into(), "b".into()],
            "a" => vec!["c".into(), "b".into()],
            "b" => vec!["a".into()],
            "c" => vec![],
            other => return Err(format!("no {other}")),
        })
    };
    assert_eq!(
        plan::dependencies("app", needed).unwrap(),
        ["app", "a", "b", "c"]
    );
    let missing = |name: &str| -> Result<Vec<String>, String> {
        if name == "app" {
            Ok(vec!["gone".into()])
        } else {
            Err(format!("needs {name}"))
        }
    };
    assert_eq!(
        plan::dependencies("app", missing).unwrap_err(),
        "needs gone"
    );
}
