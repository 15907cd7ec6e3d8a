//! Walking an app's stack from a fault: the callers of the faulting code,
//! found with each object's `.eh_frame` call-frame information (CFI), or
//! with the frame-pointer chain where an object has none.
//!
//! The walk runs inside the runtime's fault handler, so it is built to be
//! harmless there: the unwind tables are read from the object's file bytes
//! (the bundle, always mapped), never from app memory; the stack is read
//! only through a [`Memory`] the caller provides (the runtime's checks
//! that a word is on a known, mapped stack), at most [`MAX_STACK_READS`]
//! times; the walk stops after [`MAX_FRAMES`] frames, when the stack
//! pointer stops growing, or at the first thing it cannot make sense of;
//! and nothing here allocates. gimli parses the tables (with fixed-size
//! storage), this module evaluates the rows.
//!
//! Registers use the DWARF numbering of the x86_64 psABI (0 rax, 1 rdx,
//! 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 the return
//! address).
use core::ops::Range;
use gimli::{
    BaseAddresses, CfaRule, EhFrame, EhFrameHdr, LittleEndian, Register, RegisterRule,
    UnwindContext, UnwindContextStorage, UnwindSection, UnwindTableRow,
};
use goblin::elf::{program_header as ph, Elf};

/// The most frames a backtrace holds (the faulting one included).
pub const MAX_FRAMES: usize = 32;
/// The most stack words one backtrace reads.
pub const MAX_STACK_READS: usize = 512;

/// DWARF register numbers used here.
pub const RBP: usize = 6;
pub const RSP: usize = 7;
/// The return-address column (the caller's rip).
pub const RA: usize = 16;
const REGS: usize = 17;

/// Where one section of an object lies: its link-time address and its
/// bytes in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub vaddr: u64,
    pub file: Range<usize>,
}

/// Where an object's unwind tables are, found once when it is parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnwindInfo {
    pub eh_frame: Option<Section>,
    pub eh_frame_hdr: Option<Section>,
}

impl UnwindInfo {
    /// Finds `.eh_frame` and `.eh_frame_hdr` in `data` (a parsed ELF
    /// file): by section header, else through `PT_GNU_EH_FRAME`. Anything
    /// that does not lie inside the file is left out.
    pub fn find(elf: &Elf, data: &[u8]) -> UnwindInfo {
        let in_file = |off: u64, len: u64| {
            let end = off.checked_add(len)?;
            (end <= data.len() as u64).then_some(off as usize..end as usize)
        };
        let mut info = UnwindInfo::default();
        for sh in &elf.section_headers {
            let name = elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("");
            let slot = match name {
                ".eh_frame" => &mut info.eh_frame,
                ".eh_frame_hdr" => &mut info.eh_frame_hdr,
                _ => continue,
            };
            if sh.sh_type == goblin::elf::section_header::SHT_NOBITS {
                continue;
            }
            if let Some(file) = in_file(sh.sh_offset, sh.sh_size) {
                *slot = Some(Section {
                    vaddr: sh.sh_addr,
                    file,
                });
            }
        }
        if info.eh_frame_hdr.is_none() {
            if let Some(p) = elf
                .program_headers
                .iter()
                .find(|p| p.p_type == ph::PT_GNU_EH_FRAME)
            {
                info.eh_frame_hdr = in_file(p.p_offset, p.p_filesz).map(|file| Section {
                    vaddr: p.p_vaddr,
                    file,
                });
            }
        }
        if info.eh_frame.is_none() {
            info.eh_frame = info
                .eh_frame_hdr
                .as_ref()
                .and_then(|h| eh_frame_from_hdr(elf, data, h));
        }
        info
    }
}

/// `.eh_frame` as `.eh_frame_hdr` points to it, up to the end of the load
/// segment that holds it (the section's own size is not in the header).
fn eh_frame_from_hdr(elf: &Elf, data: &[u8], hdr: &Section) -> Option<Section> {
    let bases = BaseAddresses::default().set_eh_frame_hdr(hdr.vaddr);
    let parsed = EhFrameHdr::new(data.get(hdr.file.clone())?, LittleEndian)
        .parse(&bases, 8)
        .ok()?;
    let gimli::Pointer::Direct(vaddr) = parsed.eh_frame_ptr() else {
        return None;
    };
    let seg = elf.program_headers.iter().find(|p| {
        p.p_type == ph::PT_LOAD && p.p_vaddr <= vaddr && vaddr < p.p_vaddr + p.p_filesz
    })?;
    let start = seg.p_offset.checked_add(vaddr - seg.p_vaddr)?;
    let end = seg.p_offset.checked_add(seg.p_filesz)?;
    (end <= data.len() as u64).then_some(Section {
        vaddr,
        file: start as usize..end as usize,
    })
}

/// One loaded object, as the walk sees it.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    /// Where its image offset 0 is in memory.
    pub base: u64,
    /// The bytes of its image (from its base).
    pub len: u64,
    /// Its file.
    pub file: &'a [u8],
    pub unwind: &'a UnwindInfo,
}

impl Object<'_> {
    fn contains(&self, addr: u64) -> bool {
        self.base <= addr && addr - self.base < self.len
    }
}

/// Reads 8-byte words of the stack for the walk; `None` for a word it
/// must not or cannot read (the walk ends there).
pub trait Memory {
    fn read_u64(&mut self, addr: u64) -> Option<u64>;
}

impl<F: FnMut(u64) -> Option<u64>> Memory for F {
    fn read_u64(&mut self, addr: u64) -> Option<u64> {
        self(addr)
    }
}

/// Register values known at a frame; `None` where unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Registers(pub [Option<u64>; REGS]);

impl Registers {
    /// The state at a fault: rip and all sixteen general registers, in
    /// DWARF order (rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8-r15).
    pub fn at_fault(rip: u64, gprs: [u64; 16]) -> Registers {
        let mut r = [None; REGS];
        for (slot, v) in r.iter_mut().zip(gprs) {
            *slot = Some(v);
        }
        r[RA] = Some(rip);
        Registers(r)
    }
    pub fn get(&self, reg: usize) -> Option<u64> {
        self.0.get(reg).copied().flatten()
    }
}

/// How a frame's address was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The faulting instruction itself.
    Fault,
    /// The caller's return address, by the callee's CFI.
    Cfi,
    /// By the frame-pointer chain (the callee had no CFI).
    FramePointer,
    /// The return address at the stack pointer: the faulting pc was in no
    /// object (a call through a bad pointer), so the call had just pushed it.
    CallSite,
}

/// Why the walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The outermost frame: its CFI marks the return address undefined, or
    /// the return address or frame pointer is 0.
    Outermost,
    /// The return address lies in no loaded object (the runtime called the
    /// app there).
    LeftObjects,
    /// The object has no CFI for the pc and no usable frame pointer.
    NoUnwindInfo,
    /// A rule this walk does not evaluate (a DWARF expression).
    Unsupported,
    /// The stack could not be read where the rules say (unmapped, not the
    /// stack, or the read budget is spent).
    Unreadable,
    /// The stack pointer did not move up: corrupt tables or stack.
    NoProgress,
    /// [`MAX_FRAMES`] frames.
    FrameLimit,
}

impl Stop {
    /// A few words for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Stop::Outermost => "outermost frame",
            Stop::LeftObjects => "return address outside the app's objects",
            Stop::NoUnwindInfo => "no unwind information or frame pointer",
            Stop::Unsupported => "unwind rule not supported (DWARF expression)",
            Stop::Unreadable => "stack not readable there",
            Stop::NoProgress => "stack pointer did not move up (corrupt stack?)",
            Stop::FrameLimit => "frame limit reached",
        }
    }
}

/// One frame of a backtrace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub pc: u64,
    pub via: Via,
}

/// A backtrace: up to [`MAX_FRAMES`] frames, innermost first, and why it
/// ended.
#[derive(Debug, Clone)]
pub struct Backtrace {
    frames: [Frame; MAX_FRAMES],
    len: usize,
    pub stop: Stop,
    /// Stack words read.
    pub reads: usize,
}

impl Backtrace {
    pub fn frames(&self) -> &[Frame] {
        &self.frames[..self.len]
    }
    fn push(&mut self, f: Frame) -> bool {
        if self.len == MAX_FRAMES {
            return false;
        }
        self.frames[self.len] = f;
        self.len += 1;
        true
    }
}

/// Fixed-size storage for gimli's unwind context: no allocation in the
/// fault handler. 24 rules cover every x86_64 register; 4 saved rows is
/// gimli's own default depth for `DW_CFA_remember_state`.
struct FixedStorage;
impl<T: gimli::ReaderOffset> UnwindContextStorage<T> for FixedStorage {
    type Rules = [(Register, RegisterRule<T>); 24];
    type Stack = [UnwindTableRow<T, Self>; 4];
}

/// A [`Memory`] that counts: at most [`MAX_STACK_READS`] words.
struct Budget<'m, M: Memory> {
    mem: &'m mut M,
    reads: usize,
}

impl<M: Memory> Budget<'_, M> {
    fn read(&mut self, addr: u64) -> Option<u64> {
        if self.reads >= MAX_STACK_READS {
            return None;
        }
        self.reads += 1;
        self.mem.read_u64(addr)
    }
}

/// Walks the stack from `regs` (the state at a fault) through `objects`.
pub fn backtrace<M: Memory>(objects: &[Object], regs: Registers, mem: &mut M) -> Backtrace {
    let mut bt = Backtrace {
        frames: [Frame {
            pc: 0,
            via: Via::Fault,
        }; MAX_FRAMES],
        len: 0,
        stop: Stop::FrameLimit,
        reads: 0,
    };
    let mut budget = Budget { mem, reads: 0 };
    let mut ctx = UnwindContext::<usize, FixedStorage>::new_in();
    let mut regs = regs;
    let mut via = Via::Fault;
    bt.stop = loop {
        let Some(pc) = regs.get(RA) else {
            break Stop::Outermost;
        };
        if pc == 0 && via != Via::Fault {
            break Stop::Outermost;
        }
        if !bt.push(Frame { pc, via }) {
            break Stop::FrameLimit;
        }
        let object = objects.iter().find(|o| o.contains(pc));
        let step = match object {
            // A fault in no object (a call through a bad pointer): the call
            // just pushed its return address.
            None if via == Via::Fault => call_site(&regs, &mut budget),
            None => Err(Stop::LeftObjects),
            Some(o) => {
                // A return address is one past the call: look up the call.
                // (A return address at the object's first byte has no call
                // before it in the object: checked, not wrapped.)
                let at = pc - o.base;
                let lookup = if via == Via::Fault {
                    Some(at)
                } else {
                    at.checked_sub(1)
                };
                let step = match lookup {
                    Some(addr) => cfi_step(o, addr, &regs, &mut budget, &mut ctx),
                    None => Err(Stop::NoUnwindInfo),
                };
                match step {
                    Err(Stop::NoUnwindInfo) => frame_pointer(&regs, &mut budget),
                    other => other,
                }
            }
        };
        let (next, next_via) = match step {
            Ok(s) => s,
            Err(stop) => break stop,
        };
        match (regs.get(RSP), next.get(RSP)) {
            (Some(old), Some(new)) if new > old => {}
            _ => break Stop::NoProgress,
        }
        regs = next;
        via = next_via;
    };
    bt.reads = budget.reads;
    bt
}

fn call_site<M: Memory>(regs: &Registers, mem: &mut Budget<M>) -> Result<(Registers, Via), Stop> {
    let rsp = regs.get(RSP).ok_or(Stop::Unreadable)?;
    let ra = mem.read(rsp).ok_or(Stop::Unreadable)?;
    let mut next = *regs;
    next.0[RA] = Some(ra);
    next.0[RSP] = Some(rsp.wrapping_add(8));
    Ok((next, Via::CallSite))
}

fn frame_pointer<M: Memory>(
    regs: &Registers,
    mem: &mut Budget<M>,
) -> Result<(Registers, Via), Stop> {
    let fp = regs.get(RBP).ok_or(Stop::NoUnwindInfo)?;
    let rsp = regs.get(RSP).ok_or(Stop::NoUnwindInfo)?;
    // The chain only ever points up the stack, from at or above rsp.
    if fp == 0 || !fp.is_multiple_of(8) || fp < rsp {
        return Err(Stop::NoUnwindInfo);
    }
    let ra = mem.read(fp.wrapping_add(8)).ok_or(Stop::Unreadable)?;
    let saved_fp = mem.read(fp).ok_or(Stop::Unreadable)?;
    let mut next = Registers::default();
    // Callee-saved registers other than rbp are unknown from here on.
    next.0[RBP] = Some(saved_fp);
    next.0[RSP] = Some(fp.wrapping_add(16));
    next.0[RA] = Some(ra);
    Ok((next, Via::FramePointer))
}

/// The caller's registers by the CFI row for `addr` (an image offset).
fn cfi_step<M: Memory>(
    o: &Object,
    addr: u64,
    regs: &Registers,
    mem: &mut Budget<M>,
    ctx: &mut UnwindContext<usize, FixedStorage>,
) -> Result<(Registers, Via), Stop> {
    let eh = o.unwind.eh_frame.as_ref().ok_or(Stop::NoUnwindInfo)?;
    let bytes = o.file.get(eh.file.clone()).ok_or(Stop::NoUnwindInfo)?;
    let mut section = EhFrame::new(bytes, LittleEndian);
    section.set_address_size(8);
    let mut bases = BaseAddresses::default().set_eh_frame(eh.vaddr);
    let hdr = o
        .unwind
        .eh_frame_hdr
        .as_ref()
        .and_then(|h| Some((h.vaddr, o.file.get(h.file.clone())?)));
    // The header's sorted table finds the FDE by binary search; without
    // one, the section is scanned (bounded by its size).
    let fde = match hdr {
        Some((vaddr, hdr_bytes)) => {
            bases = bases.set_eh_frame_hdr(vaddr);
            let parsed = EhFrameHdr::new(hdr_bytes, LittleEndian)
                .parse(&bases, 8)
                .map_err(|_| Stop::NoUnwindInfo)?;
            match parsed.table() {
                // The offset is computed here, checked: gimli's own
                // conversion subtracts unchecked, which corrupt tables
                // overflow.
                Some(table) => {
                    let ptr = table.lookup(addr, &bases).and_then(|p| p.direct());
                    let start = parsed.eh_frame_ptr().direct();
                    let offset = match (ptr, start) {
                        (Ok(p), Ok(s)) => p.checked_sub(s).ok_or(Stop::NoUnwindInfo)?,
                        _ => return Err(Stop::NoUnwindInfo),
                    };
                    let offset = usize::try_from(offset).map_err(|_| Stop::NoUnwindInfo)?;
                    section.fde_from_offset(
                        &bases,
                        gimli::EhFrameOffset(offset),
                        EhFrame::cie_from_offset,
                    )
                }
                None => section.fde_for_address(&bases, addr, EhFrame::cie_from_offset),
            }
        }
        None => section.fde_for_address(&bases, addr, EhFrame::cie_from_offset),
    }
    .map_err(|_| Stop::NoUnwindInfo)?;
    if !fde.contains(addr) {
        return Err(Stop::NoUnwindInfo);
    }
    let row = fde
        .unwind_info_for_address(&section, &bases, ctx, addr)
        .map_err(|_| Stop::NoUnwindInfo)?;
    let cfa = match row.cfa() {
        CfaRule::RegisterAndOffset { register, offset } => regs
            .get(register.0 as usize)
            .ok_or(Stop::Unreadable)?
            .wrapping_add_signed(*offset),
        CfaRule::Expression(_) => return Err(Stop::Unsupported),
    };
    let mut next = Registers::default();
    for reg in 0..REGS {
        if reg == RSP {
            continue;
        }
        let rule = row.register(Register(reg as u16));
        next.0[reg] = match rule {
            // The return address has no default: undefined ends the walk.
            RegisterRule::Undefined if reg == RA => return Err(Stop::Outermost),
            // gimli reports an unmentioned register as undefined; compilers
            // mention every callee-saved register they move, so the others
            // keep their values (what unwinders on x86_64 assume).
            RegisterRule::Undefined | RegisterRule::SameValue => regs.get(reg),
            RegisterRule::Offset(n) => {
                let v = mem.read(cfa.wrapping_add_signed(n));
                if v.is_none() && reg == RA {
                    return Err(Stop::Unreadable);
                }
                v
            }
            RegisterRule::ValOffset(n) => Some(cfa.wrapping_add_signed(n)),
            RegisterRule::Register(r) => regs.get(r.0 as usize),
            RegisterRule::Constant(v) => Some(v),
            _ if reg == RA => return Err(Stop::Unsupported),
            _ => None,
        };
    }
    next.0[RSP] = Some(cfa);
    Ok((next, Via::Cfi))
}
