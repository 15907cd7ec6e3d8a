//! The crash report for a fatal exception: what it was, where, the
//! registers and a backtrace. Plain formatting, tested on the host.
//!
//! An app's backtrace is walked with its objects' unwind tables and each
//! frame named from their symbols (docs/backtraces.md); the runtime's own
//! is the frame-pointer chain (the kernel is built with frame pointers),
//! as raw addresses the harness names from the kernel's ELF file.
use crate::arch::traps::TrapFrame;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt::{self, Write};
use ukrt_loader::debug::DebugInfo;
use ukrt_loader::unwind::{self, Backtrace, Registers, Via};

/// The exception's mnemonic and name.
pub fn exception_name(vector: u64) -> (&'static str, &'static str) {
    match vector {
        0 => ("#DE", "divide error"),
        1 => ("#DB", "debug"),
        3 => ("#BP", "breakpoint"),
        4 => ("#OF", "overflow"),
        5 => ("#BR", "bound range exceeded"),
        6 => ("#UD", "invalid opcode"),
        7 => ("#NM", "device not available"),
        9 => ("#CSO", "coprocessor segment overrun"),
        10 => ("#TS", "invalid TSS"),
        11 => ("#NP", "segment not present"),
        12 => ("#SS", "stack-segment fault"),
        13 => ("#GP", "general protection fault"),
        14 => ("#PF", "page fault"),
        16 => ("#MF", "x87 floating-point error"),
        17 => ("#AC", "alignment check"),
        19 => ("#XM", "SIMD floating-point error"),
        257 => ("failsafe", "failsafe callback"),
        _ => ("#??", "unknown exception"),
    }
}

/// The signal a Linux process gets for the exception (what ends an app
/// whose own code raised it), and its name.
pub fn signal_of(vector: u64) -> (i32, &'static str) {
    match vector {
        0 | 16 | 19 => (8, "SIGFPE"),
        1 | 3 => (5, "SIGTRAP"),
        6 => (4, "SIGILL"),
        7 | 12 | 17 => (7, "SIGBUS"),
        _ => (11, "SIGSEGV"),
    }
}

/// Whose fault the report is about: the runtime's (the domain ends) or an
/// app's (the app ends with a signal).
#[derive(Debug, Clone, Copy)]
pub enum Culprit<'a> {
    Runtime,
    App(&'a str),
}

/// A page fault's error code, decoded.
pub struct PageFaultCode(pub u64);

impl fmt::Display for PageFaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let bit = |n: u32| c & (1 << n) != 0;
        write!(
            f,
            "{:#x} ({}, {}, {}{}{})",
            c,
            if bit(0) { "present" } else { "not-present" },
            if bit(1) { "write" } else { "read" },
            if bit(2) { "user" } else { "kernel" },
            if bit(3) { ", reserved-bit" } else { "" },
            if bit(4) { ", instruction-fetch" } else { "" },
        )
    }
}

/// The most return addresses a backtrace shows.
pub const MAX_FRAMES: usize = 24;

/// Return addresses from the frame-pointer chain starting at `rbp`, reading
/// memory only inside `stack` (the bounds of the stack the code ran on).
pub fn backtrace(
    rbp: u64,
    stack: core::ops::Range<u64>,
    read: impl Fn(u64) -> u64,
) -> heapless::Vec<u64, MAX_FRAMES> {
    let mut out = heapless::Vec::new();
    let mut fp = rbp;
    while out.len() < MAX_FRAMES
        && fp.is_multiple_of(8)
        && stack.start <= fp
        && fp + 16 <= stack.end
    {
        let ret = read(fp + 8);
        if ret == 0 || out.push(ret).is_err() {
            break;
        }
        let next = read(fp);
        if next <= fp {
            break; // frames move up the stack; anything else is corrupt
        }
        fp = next;
    }
    out
}

/// One object loaded into an app, as its crash report needs it.
#[derive(Debug, Clone)]
pub struct AppObject {
    /// Its file name in the bundle.
    pub name: String,
    /// Where its image offset 0 is.
    pub base: u64,
    /// Its image's size.
    pub len: u64,
    /// Its file's bytes (in the bundle, mapped read-only for good).
    pub file: &'static [u8],
    pub debug: Arc<DebugInfo>,
}

impl AppObject {
    fn as_unwind(&self) -> unwind::Object<'_> {
        unwind::Object {
            base: self.base,
            len: self.len,
            file: self.file,
            unwind: &self.debug.unwind,
        }
    }
}

/// The register state at `frame`, for the unwinder.
pub fn registers(f: &TrapFrame) -> Registers {
    Registers::at_fault(
        f.rip,
        [
            f.rax, f.rdx, f.rcx, f.rbx, f.rsi, f.rdi, f.rbp, f.rsp, f.r8, f.r9, f.r10, f.r11,
            f.r12, f.r13, f.r14, f.r15,
        ],
    )
}

/// The most app objects a backtrace looks at (an app and its libraries).
pub const MAX_OBJECTS: usize = 16;

/// Walks an app's stack from `frame` through `objects`, reading stack
/// words with `read` (which must refuse anything unsafe to read).
pub fn app_backtrace(
    objects: &[AppObject],
    frame: &TrapFrame,
    read: impl FnMut(u64) -> Option<u64>,
) -> Backtrace {
    let list: heapless::Vec<unwind::Object, MAX_OBJECTS> = objects
        .iter()
        .take(MAX_OBJECTS)
        .map(AppObject::as_unwind)
        .collect();
    let mut read = read;
    unwind::backtrace(&list, registers(frame), &mut read)
}

/// Where the runtime's kernel image starts (its code is linked there).
pub const KERNEL_BASE: u64 = 0xffff_ffff_8000_0000;

/// An app backtrace's frames, one a line: `#N 0xPC OBJECT+0xOFF
/// FUNCTION+0xOFF`, how a frame was found where it was not by CFI, and
/// why the walk ended.
pub fn write_app_frames(w: &mut impl Write, objects: &[AppObject], bt: &Backtrace) -> fmt::Result {
    writeln!(w, "    backtrace:")?;
    for (i, f) in bt.frames().iter().enumerate() {
        write!(w, "      #{i} {:#018x}", f.pc)?;
        match objects
            .iter()
            .find(|o| o.base <= f.pc && f.pc - o.base < o.len)
        {
            Some(o) => {
                let off = f.pc - o.base;
                write!(w, " {}+{off:#x}", o.name)?;
                if let Some(loc) = o.debug.functions.lookup(o.file, off) {
                    write!(w, " {loc}")?;
                }
            }
            None if f.pc >= KERNEL_BASE => write!(w, " ukrt")?,
            None => {}
        }
        match f.via {
            Via::FramePointer => write!(w, " (frame pointer)")?,
            Via::CallSite => write!(w, " (return address at rsp)")?,
            Via::Fault | Via::Cfi => {}
        }
        writeln!(w)?;
    }
    writeln!(w, "    backtrace ends: {}", bt.stop.describe())
}

/// The runtime's backtrace: the faulting rip and the frame-pointer chain's
/// return addresses.
pub fn write_kernel_frames(w: &mut impl Write, rip: u64, trace: &[u64]) -> fmt::Result {
    writeln!(w, "    backtrace:")?;
    for (i, pc) in core::iter::once(&rip).chain(trace).enumerate() {
        write!(w, "      #{i} {pc:#018x}")?;
        if *pc >= KERNEL_BASE {
            write!(w, " ukrt")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Writes the report's head (what, where, the registers) to `w`; the
/// backtrace follows it.
pub fn write_report(
    w: &mut impl Write,
    culprit: Culprit,
    frame: &TrapFrame,
    cr2: Option<u64>,
    reason: Option<&dyn fmt::Display>,
) -> fmt::Result {
    let (mnemonic, name) = exception_name(frame.vector);
    match culprit {
        Culprit::Runtime => writeln!(
            w,
            "*** ukrt: fatal {name} ({mnemonic}, vector {})",
            frame.vector
        )?,
        Culprit::App(app) => {
            let (signal, signal_name) = signal_of(frame.vector);
            writeln!(
                w,
                "*** ukrt: app {app:?} ended by {signal_name} (status {}): {name} ({mnemonic}, vector {})",
                128 + signal,
                frame.vector
            )?
        }
    }
    if frame.vector == 14 {
        writeln!(w, "    error code {}", PageFaultCode(frame.error_code))?;
    } else {
        writeln!(w, "    error code {:#x}", frame.error_code)?;
    }
    if let Some(addr) = cr2 {
        writeln!(w, "    address    {addr:#018x}")?;
    }
    if let Some(reason) = reason {
        writeln!(w, "    reason     {reason}")?;
    }
    let f = frame;
    writeln!(
        w,
        "    rip {:#018x}  rsp {:#018x}  rflags {:#x}",
        f.rip, f.rsp, f.rflags
    )?;
    let regs = [
        ("rax", f.rax),
        ("rbx", f.rbx),
        ("rcx", f.rcx),
        ("rdx", f.rdx),
        ("rsi", f.rsi),
        ("rdi", f.rdi),
        ("rbp", f.rbp),
        ("r8 ", f.r8),
        ("r9 ", f.r9),
        ("r10", f.r10),
        ("r11", f.r11),
        ("r12", f.r12),
        ("r13", f.r13),
        ("r14", f.r14),
        ("r15", f.r15),
    ];
    for row in regs.chunks(3) {
        write!(w, "   ")?;
        for (name, v) in row {
            write!(w, " {name} {v:#018x}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_page_fault_error_codes() {
        assert_eq!(
            PageFaultCode(0x2).to_string(),
            "0x2 (not-present, write, kernel)"
        );
        assert_eq!(
            PageFaultCode(0x1d).to_string(),
            "0x1d (present, read, user, reserved-bit, instruction-fetch)"
        );
    }

    #[test]
    fn backtrace_follows_frame_pointers_within_the_stack() {
        // A fake stack: frames at 0x1000 -> 0x1040 -> 0x1080 -> outside.
        let mem = |a: u64| match a {
            0x1000 => 0x1040,
            0x1008 => 0xaaa,
            0x1040 => 0x1080,
            0x1048 => 0xbbb,
            0x1080 => 0x9000,
            0x1088 => 0xccc,
            _ => 0,
        };
        assert_eq!(
            &backtrace(0x1000, 0x1000..0x2000, mem)[..],
            &[0xaaa, 0xbbb, 0xccc]
        );
        // A loop in the chain stops instead of hanging.
        let looped = |a: u64| if a.is_multiple_of(16) { 0x1000 } else { 0x123 };
        assert_eq!(&backtrace(0x1000, 0x1000..0x2000, looped)[..], &[0x123]);
        assert!(backtrace(0x10, 0x1000..0x2000, mem).is_empty());
    }

    #[test]
    fn report_names_the_fault_and_shows_registers() {
        let frame = TrapFrame {
            vector: 14,
            error_code: 2,
            rip: 0xffffffff80001234,
            rax: 7,
            ..Default::default()
        };
        let mut s = String::new();
        let reason: &dyn fmt::Display = &"guard page of region \"stack\"";
        write_report(
            &mut s,
            Culprit::Runtime,
            &frame,
            Some(0x10000000000),
            Some(reason),
        )
        .unwrap();
        write_kernel_frames(&mut s, frame.rip, &[0xffffffff80005678, 0x1234]).unwrap();
        assert!(s.starts_with("*** ukrt: fatal page fault (#PF, vector 14)\n"));
        assert!(s.contains("    error code 0x2 (not-present, write, kernel)\n"));
        assert!(s.contains("    address    0x0000010000000000\n"));
        assert!(s.contains("    reason     guard page of region \"stack\"\n"));
        assert!(s.contains("rax 0x0000000000000007"));
        assert!(s.contains(
            "    backtrace:\n      #0 0xffffffff80001234 ukrt\n      #1 0xffffffff80005678 ukrt\n      #2 0x0000000000001234\n"
        ));
    }

    /// loader/tests/fixtures/unwind.S built as a shared object.
    fn fixture_object() -> &'static [u8] {
        let dir = std::env::temp_dir().join(format!("ukrt-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let so = dir.join("unwind.so");
        let src = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../loader/tests/fixtures/unwind.S"
        );
        let st = std::process::Command::new("gcc")
            .args(["-shared", "-nostdlib", "-o"])
            .arg(&so)
            .arg(src)
            .status()
            .unwrap();
        assert!(st.success());
        std::fs::read(&so).unwrap().leak()
    }

    #[test]
    fn app_frames_are_named_by_object_and_function() {
        let file = fixture_object();
        let elf = goblin::elf::Elf::parse(file).unwrap();
        let sym = |name: &str| {
            elf.syms
                .iter()
                .find(|s| elf.strtab.get_at(s.st_name) == Some(name))
                .unwrap()
                .st_value
        };
        let base = 0x4000_0000;
        let objects = [AppObject {
            name: "app.so".into(),
            base,
            len: 0x10000,
            file,
            debug: Arc::new(DebugInfo::parse(file)),
        }];
        let frame = TrapFrame {
            rip: base + sym("leaf_fault"),
            rsp: 0x7000_0000,
            rbp: 0x7000_0028,
            ..Default::default()
        };
        // leaf's return address, then mid's, then a runtime address.
        let stack = [
            (0x7000_0000, base + sym("mid_ret")),
            (0x7000_0020, base + sym("top_ret")),
            (0x7000_0028, 0),
            (0x7000_0030, KERNEL_BASE + 0x1234),
        ];
        let read = |a| stack.iter().find(|(k, _)| *k == a).map(|(_, v)| *v);
        let bt = app_backtrace(&objects, &frame, read);
        let mut s = String::new();
        write_app_frames(&mut s, &objects, &bt).unwrap();
        let want = format!(
            "    backtrace:\n\
             \x20     #0 {:#018x} app.so+{:#x} leaf+0x1\n\
             \x20     #1 {:#018x} app.so+{:#x} mid+0xa\n\
             \x20     #2 {:#018x} app.so+{:#x} top+0x9\n\
             \x20     #3 0xffffffff80001234 ukrt\n\
             \x20   backtrace ends: return address outside the app's objects\n",
            base + sym("leaf_fault"),
            sym("leaf_fault"),
            base + sym("mid_ret"),
            sym("mid_ret"),
            base + sym("top_ret"),
            sym("top_ret"),
        );
        assert_eq!(s, want);
    }

    #[test]
    fn registers_follow_dwarf_numbering() {
        let frame = TrapFrame {
            rip: 1,
            rdx: 2,
            rbx: 3,
            rsp: 4,
            r15: 5,
            ..Default::default()
        };
        let r = registers(&frame);
        assert_eq!(
            [r.get(16), r.get(1), r.get(3), r.get(7), r.get(15)],
            [Some(1), Some(2), Some(3), Some(4), Some(5)]
        );
    }

    #[test]
    fn an_apps_report_names_the_app_and_its_signal() {
        let cases = [
            (14, "SIGSEGV (status 139): page fault (#PF, vector 14)"),
            (
                13,
                "SIGSEGV (status 139): general protection fault (#GP, vector 13)",
            ),
            (6, "SIGILL (status 132): invalid opcode (#UD, vector 6)"),
            (0, "SIGFPE (status 136): divide error (#DE, vector 0)"),
            (
                19,
                "SIGFPE (status 136): SIMD floating-point error (#XM, vector 19)",
            ),
            (3, "SIGTRAP (status 133): breakpoint (#BP, vector 3)"),
            (17, "SIGBUS (status 135): alignment check (#AC, vector 17)"),
        ];
        for (vector, want) in cases {
            let frame = TrapFrame {
                vector,
                ..Default::default()
            };
            let mut s = String::new();
            write_report(&mut s, Culprit::App("web"), &frame, None, None).unwrap();
            let first = s.lines().next().unwrap();
            assert_eq!(first, format!("*** ukrt: app \"web\" ended by {want}"));
        }
    }
}
