//! The backtrace walker and the symbol lookup against a real object:
//! tests/fixtures/unwind.S, whose frames have layouts known by
//! construction, on a simulated stack.
mod common;
use std::collections::HashMap;
use ukrt_loader::debug::DebugInfo;
use ukrt_loader::unwind::{
    backtrace, Object, Registers, Stop, Via, MAX_FRAMES, MAX_STACK_READS, RA, RBP, RSP,
};

const BASE: u64 = 0x4000_0000;
const S: u64 = 0x7000_0000;

struct Fixture {
    data: Vec<u8>,
    info: DebugInfo,
    syms: HashMap<String, u64>,
    len: u64,
}

fn fixture(extra: &[&str]) -> Fixture {
    let path = common::gcc("unwind.so", "unwind.S", extra);
    let data = std::fs::read(&path).unwrap();
    let elf = goblin::elf::Elf::parse(&data).unwrap();
    let syms = elf
        .syms
        .iter()
        .filter_map(|s| Some((elf.strtab.get_at(s.st_name)?.to_string(), s.st_value)))
        .collect();
    let len = common::load(&path).image_size;
    let info = DebugInfo::parse(&data);
    Fixture {
        data,
        info,
        syms,
        len,
    }
}

impl Fixture {
    fn at(&self, name: &str) -> u64 {
        BASE + self.syms[name]
    }
    fn object(&self) -> Object<'_> {
        Object {
            base: BASE,
            len: self.len,
            file: &self.data,
            unwind: &self.info.unwind,
        }
    }
}

/// The registers of a fault at `rip` with the stack pointer at `S`.
fn regs(rip: u64, rbx: u64, rbp: u64) -> Registers {
    let mut gprs = [0u64; 16];
    gprs[3] = rbx;
    gprs[RBP] = rbp;
    gprs[RSP] = S;
    Registers::at_fault(rip, gprs)
}

/// The stack of start -> top -> mid -> leaf (top's caller is `top_caller`
/// and top's saved rbp `saved_rbp`).
fn stack(f: &Fixture, top_caller: u64, saved_rbp: u64) -> HashMap<u64, u64> {
    HashMap::from([
        (S, f.at("mid_ret")),      // leaf: CFA = S+8
        (S + 24, 0x7777),          // mid: CFA = S+40, rbx at CFA-16
        (S + 32, f.at("top_ret")), // mid's return address at CFA-8
        (S + 40, saved_rbp),       // top: rbp = S+40, CFA = rbp+16
        (S + 48, top_caller),
    ])
}

fn pcs(bt: &ukrt_loader::unwind::Backtrace) -> Vec<(u64, Via)> {
    bt.frames().iter().map(|f| (f.pc, f.via)).collect()
}

#[test]
fn cfi_walks_frames_without_frame_pointers_to_the_outermost() {
    let f = fixture(&[]);
    assert!(f.info.unwind.eh_frame.is_some() && f.info.unwind.eh_frame_hdr.is_some());
    let mem = stack(&f, f.at("start_ret"), 0);
    let mut read = |a: u64| mem.get(&a).copied();
    let bt = backtrace(
        &[f.object()],
        regs(f.at("leaf_fault"), 0x5555, S + 40),
        &mut read,
    );
    assert_eq!(
        pcs(&bt),
        [
            (f.at("leaf_fault"), Via::Fault),
            (f.at("mid_ret"), Via::Cfi),
            (f.at("top_ret"), Via::Cfi),
            (f.at("start_ret"), Via::Cfi),
        ]
    );
    // start's CFI marks its return address undefined.
    assert_eq!(bt.stop, Stop::Outermost);
    assert!(bt.reads <= 8, "{} reads", bt.reads);
}

#[test]
fn a_frame_without_cfi_falls_back_to_the_frame_pointer_chain() {
    let f = fixture(&[]);
    let fp = S + 56; // fp_only's rbp: top's CFA
    let mut mem = stack(&f, f.at("fp_only_ret"), fp);
    let runtime = 0xffff_ffff_8000_1234;
    mem.insert(fp, 0);
    mem.insert(fp + 8, runtime);
    let mut read = |a: u64| mem.get(&a).copied();
    let bt = backtrace(
        &[f.object()],
        regs(f.at("leaf_fault"), 1, S + 40),
        &mut read,
    );
    assert_eq!(
        pcs(&bt),
        [
            (f.at("leaf_fault"), Via::Fault),
            (f.at("mid_ret"), Via::Cfi),
            (f.at("top_ret"), Via::Cfi),
            (f.at("fp_only_ret"), Via::Cfi),
            (runtime, Via::FramePointer),
        ]
    );
    assert_eq!(bt.stop, Stop::LeftObjects);
}

#[test]
fn an_object_without_unwind_tables_is_walked_by_frame_pointers() {
    let f = fixture(&[]);
    let no_tables = Default::default();
    let o = Object {
        unwind: &no_tables,
        ..f.object()
    };
    // Three frame records chained up the stack, then a zero frame pointer.
    let mem = HashMap::from([
        (S + 16, S + 64),
        (S + 24, f.at("mid_ret")),
        (S + 64, 0),
        (S + 72, f.at("top_ret")),
    ]);
    let mut read = |a: u64| mem.get(&a).copied();
    let bt = backtrace(&[o], regs(f.at("leaf_fault"), 0, S + 16), &mut read);
    assert_eq!(
        pcs(&bt),
        [
            (f.at("leaf_fault"), Via::Fault),
            (f.at("mid_ret"), Via::FramePointer),
            (f.at("top_ret"), Via::FramePointer),
        ]
    );
    // top_ret's frame has rbp 0: the chain ends.
    assert_eq!(bt.stop, Stop::NoUnwindInfo);
}

#[test]
fn a_call_through_a_null_pointer_starts_at_the_call_site() {
    let f = fixture(&[]);
    let mem = stack(&f, f.at("start_ret"), 0);
    let mut read = |a: u64| mem.get(&a).copied();
    // leaf "called" address 0: rip 0, its return address at rsp.
    let bt = backtrace(&[f.object()], regs(0, 0, S + 40), &mut read);
    assert_eq!(
        pcs(&bt)[..3],
        [
            (0, Via::Fault),
            (f.at("mid_ret"), Via::CallSite),
            (f.at("top_ret"), Via::Cfi),
        ]
    );
}

#[test]
fn an_unreadable_stack_ends_the_walk_there() {
    let f = fixture(&[]);
    let mut mem = stack(&f, f.at("start_ret"), 0);
    mem.remove(&(S + 32)); // mid's return address
    let mut read = |a: u64| mem.get(&a).copied();
    let bt = backtrace(
        &[f.object()],
        regs(f.at("leaf_fault"), 0, S + 40),
        &mut read,
    );
    assert_eq!(bt.frames().len(), 2);
    assert_eq!(bt.stop, Stop::Unreadable);
}

#[test]
fn loops_and_endless_chains_are_bounded() {
    let f = fixture(&[]);
    let no_tables = Default::default();
    let o = Object {
        unwind: &no_tables,
        ..f.object()
    };
    // A frame pointer that points at itself ends the chain at once.
    let mut looped = |a: u64| Some(if a == S + 16 { S + 16 } else { f.at("mid_ret") });
    let bt = backtrace(&[o], regs(f.at("leaf_fault"), 0, S + 16), &mut looped);
    assert_eq!(bt.stop, Stop::NoUnwindInfo);
    assert_eq!(bt.frames().len(), 2);
    // CFI that puts the caller's frame below this one (top's CFA is
    // rbp+16, with rbp under the stack pointer): no progress.
    let mut any = |_| Some(f.at("mid_ret"));
    let bt = backtrace(&[f.object()], regs(f.at("top_ret"), 0, S - 64), &mut any);
    assert_eq!(bt.stop, Stop::NoProgress);
    assert_eq!(bt.frames().len(), 1);
    // An endless chain that always moves up: MAX_FRAMES frames.
    let mut endless = |a: u64| {
        Some(if a.is_multiple_of(16) {
            a + 16
        } else {
            f.at("mid_ret")
        })
    };
    let bt = backtrace(&[o], regs(f.at("leaf_fault"), 0, S), &mut endless);
    assert_eq!(bt.stop, Stop::FrameLimit);
    assert_eq!(bt.frames().len(), MAX_FRAMES);
    assert!(bt.reads <= MAX_STACK_READS);
}

#[test]
fn corrupt_unwind_tables_never_panic_and_stay_bounded() {
    let f = fixture(&[]);
    let eh = f.info.unwind.eh_frame.clone().unwrap();
    let hdr = f.info.unwind.eh_frame_hdr.clone().unwrap();
    let mem = stack(&f, f.at("start_ret"), 0);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..2000 {
        let mut data = f.data.clone();
        // Overwrite a few bytes of .eh_frame or .eh_frame_hdr at random.
        for _ in 0..1 + round % 4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let r = if seed & 1 == 0 { &eh.file } else { &hdr.file };
            let at = r.start + (seed >> 8) as usize % r.len();
            data[at] = (seed >> 32) as u8;
        }
        let o = Object {
            file: &data,
            ..f.object()
        };
        let mut reads = 0;
        let mut read = |a: u64| {
            reads += 1;
            mem.get(&a).copied()
        };
        let bt = backtrace(&[o], regs(f.at("leaf_fault"), 0, S + 40), &mut read);
        assert!(bt.frames().len() <= MAX_FRAMES);
        assert!(reads <= MAX_STACK_READS);
        assert_eq!(bt.frames()[0].pc, f.at("leaf_fault"));
    }
    // Tables that are pure garbage: the frame pointer still works.
    let mut data = f.data.clone();
    data[eh.file.clone()].fill(0xff);
    data[hdr.file.clone()].fill(0xff);
    let o = Object {
        file: &data,
        ..f.object()
    };
    let mut read = |a: u64| mem.get(&a).copied();
    let bt = backtrace(&[o], regs(f.at("leaf_fault"), 0, S + 40), &mut read);
    assert_eq!(
        bt.frames()[1],
        ukrt_loader::unwind::Frame {
            pc: f.at("start_ret"),
            via: Via::FramePointer
        }
    );
}

#[test]
fn a_return_address_at_an_objects_first_byte_is_not_looked_up_before_it() {
    let f = fixture(&[]);
    // leaf's return address is the object's base: no call precedes it in
    // the object, so no CFI lookup (and no underflow); the frame-pointer
    // fallback is tried instead (rbp 0 here: the walk ends).
    let mut read = |a: u64| (a == S).then_some(BASE);
    let bt = backtrace(&[f.object()], regs(f.at("leaf_fault"), 0, 0), &mut read);
    assert_eq!(
        pcs(&bt),
        [(f.at("leaf_fault"), Via::Fault), (BASE, Via::Cfi)]
    );
    assert_eq!(bt.stop, Stop::NoUnwindInfo);
}

#[test]
fn registers_at_a_fault_are_all_known() {
    let r = Registers::at_fault(0x1234, core::array::from_fn(|i| i as u64 * 10));
    assert_eq!(r.get(RA), Some(0x1234));
    assert_eq!(r.get(RSP), Some(70));
    assert_eq!(r.get(17), None);
}

#[test]
fn functions_are_named_from_symtab_statics_included() {
    let f = fixture(&[]);
    let syms = &f.info.functions;
    let at = |name: &str| f.syms[name];
    let name = |addr: u64| syms.lookup(&f.data, addr).map(|l| l.to_string());
    assert_eq!(name(at("leaf_fault")).as_deref(), Some("leaf+0x1"));
    assert_eq!(name(at("mid_ret")).as_deref(), Some("mid+0xa"));
    assert_eq!(
        name(at("hidden_helper")).as_deref(),
        Some("hidden_helper+0x0")
    );
    // Past the end of the last function, and before the first: nothing.
    assert_eq!(name(at("hidden_helper") + 1), None);
    assert_eq!(name(0), None);
}

#[test]
fn a_stripped_object_is_named_from_dynsym() {
    let f = fixture(&["-s"]);
    assert!(f.syms.is_empty(), "stripped: no .symtab");
    let full = fixture(&[]);
    let leaf = full.syms["leaf_fault"];
    let loc = f.info.functions.lookup(&f.data, leaf).unwrap();
    assert_eq!((loc.name, loc.offset), ("leaf", 1));
    // Static functions are gone with .symtab.
    assert_eq!(
        f.info.functions.lookup(&f.data, full.syms["hidden_helper"]),
        None
    );
}

#[test]
fn an_object_stripped_for_an_image_keeps_every_name() {
    // ci/strip-for-image, as `make image` runs it: .symtab keeps only the
    // local functions, .dynsym has the exported ones; both are used.
    let full = fixture(&[]);
    let src = common::gcc("unwind.so", "unwind.S", &[]);
    let out = src.parent().unwrap().join("stripped-for-image");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../ci/strip-for-image");
    let st = std::process::Command::new(script)
        .arg(&out)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let data = std::fs::read(out.join("unwind.so")).unwrap();
    let elf = goblin::elf::Elf::parse(&data).unwrap();
    let kept: Vec<_> = elf
        .syms
        .iter()
        .filter_map(|s| elf.strtab.get_at(s.st_name))
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(kept, ["hidden_helper"], "only the local function stays");
    let info = DebugInfo::parse(&data);
    let name = |sym: &str| {
        info.functions
            .lookup(&data, full.syms[sym])
            .map(|l| l.to_string())
    };
    assert_eq!(name("leaf_fault").as_deref(), Some("leaf+0x1"));
    assert_eq!(name("mid_ret").as_deref(), Some("mid+0xa"));
    assert_eq!(name("hidden_helper").as_deref(), Some("hidden_helper+0x0"));
}

#[test]
fn rust_names_are_demangled_without_their_hash() {
    let l = ukrt_loader::symbols::Location {
        name: "_ZN4core3fmt5write17h0123456789abcdefE",
        offset: 0x10,
    };
    assert_eq!(l.to_string(), "core::fmt::write+0x10");
    let c = ukrt_loader::symbols::Location {
        name: "strlen",
        offset: 0,
    };
    assert_eq!(c.to_string(), "strlen+0x0");
}

#[test]
fn random_stacks_and_registers_never_panic_and_stay_bounded() {
    let f = fixture(&[]);
    let text: Vec<u64> = [
        "leaf_fault",
        "mid_ret",
        "top_ret",
        "start_ret",
        "fp_only_ret",
    ]
    .iter()
    .map(|n| f.at(n))
    .collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..5000 {
        // Words that are code addresses, stack addresses or noise.
        let salt = next();
        let mut mem = |a: u64| {
            let h = (a ^ salt).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            Some(match h >> 62 {
                0 => text[(h >> 8) as usize % text.len()],
                1 => S + (h >> 20) % 4096,
                2 => 0,
                _ => h,
            })
        };
        let pc = match next() % 3 {
            0 => text[next() as usize % text.len()],
            1 => BASE + next() % f.len,
            _ => next(),
        };
        let r = regs(pc, next(), S + next() % 256);
        let bt = backtrace(&[f.object()], r, &mut mem);
        assert!(bt.frames().len() <= MAX_FRAMES);
        assert!(bt.reads <= MAX_STACK_READS);
    }
}
