//! GDB's remote serial protocol, as the stub speaks it: packet framing
//! (`$data#cs`, `}` escapes, acks, the 0x03 interrupt byte), the amd64
//! register layout of `g`/`G`/`p`/`P`, memory packets, software
//! breakpoints and the resume commands. Plain Rust over a [`Memory`] trait,
//! tested on the host; the guest side (`gdb::guest`) only moves bytes and
//! carries out what [`Stub::handle`] decides.
use crate::arch::traps::TrapFrame;
use alloc::vec::Vec;

/// The largest packet the stub accepts (said in `qSupported`).
pub const PACKET_SIZE: usize = 4096;
/// The byte gdb sends to interrupt a running target.
pub const INTERRUPT: u8 = 0x03;
/// x86's one-byte breakpoint instruction.
pub const INT3: u8 = 0xcc;
/// RFLAGS' trap flag: one instruction, then #DB.
pub const TRAP_FLAG: u64 = 1 << 8;

/// What the framing layer made of the bytes so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A whole packet with a good checksum, escapes undone.
    Packet(Vec<u8>),
    /// A whole packet whose checksum did not match (answer `-`).
    BadChecksum,
    /// The interrupt byte, outside a packet.
    Interrupt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Data,
    Escape,
    Sum1,
    Sum2(u8),
}

/// Reassembles packets from the byte stream.
pub struct Decoder {
    state: State,
    data: Vec<u8>,
    sum: u8,
    overflow: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub const fn new() -> Self {
        Decoder {
            state: State::Idle,
            data: Vec::new(),
            sum: 0,
            overflow: false,
        }
    }

    /// Feeds one byte; returns what it completed, if anything. Acks (`+`,
    /// `-`) and noise between packets are dropped.
    pub fn push(&mut self, b: u8) -> Option<Event> {
        match self.state {
            State::Idle => match b {
                b'$' => {
                    self.data.clear();
                    self.sum = 0;
                    self.overflow = false;
                    self.state = State::Data;
                    None
                }
                INTERRUPT => Some(Event::Interrupt),
                _ => None,
            },
            State::Data if b == b'#' => {
                self.state = State::Sum1;
                None
            }
            State::Data => {
                self.sum = self.sum.wrapping_add(b);
                if b == b'}' {
                    self.state = State::Escape;
                } else {
                    self.store(b);
                }
                None
            }
            State::Escape => {
                self.sum = self.sum.wrapping_add(b);
                self.store(b ^ 0x20);
                self.state = State::Data;
                None
            }
            State::Sum1 => {
                self.state = match hex_value(b) {
                    Some(h) => State::Sum2(h),
                    None => State::Idle,
                };
                if self.state == State::Idle {
                    Some(Event::BadChecksum)
                } else {
                    None
                }
            }
            State::Sum2(high) => {
                self.state = State::Idle;
                let good = hex_value(b).is_some_and(|low| (high << 4 | low) == self.sum);
                if good && !self.overflow {
                    Some(Event::Packet(core::mem::take(&mut self.data)))
                } else {
                    Some(Event::BadChecksum)
                }
            }
        }
    }

    fn store(&mut self, b: u8) {
        if self.data.len() < PACKET_SIZE {
            self.data.push(b);
        } else {
            self.overflow = true;
        }
    }
}

/// `data` as a packet on the wire: `$`, the data with `$ # } *` escaped,
/// `#` and the checksum.
pub fn frame(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 4);
    out.push(b'$');
    let mut sum = 0u8;
    for &b in data {
        let escaped: &[u8] = if matches!(b, b'$' | b'#' | b'}' | b'*') {
            &[b'}', b ^ 0x20]
        } else {
            &[b]
        };
        for &e in escaped {
            sum = sum.wrapping_add(e);
            out.push(e);
        }
    }
    out.push(b'#');
    push_hex_byte(&mut out, sum);
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn push_hex_byte(out: &mut Vec<u8>, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push(DIGITS[(b >> 4) as usize]);
    out.push(DIGITS[(b & 15) as usize]);
}

/// Hex digits to bytes (pairs); `None` for an odd count or a non-digit.
pub fn decode_hex(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| Some(hex_value(p[0])? << 4 | hex_value(p[1])?))
        .collect()
}

/// A big-endian hex number as gdb writes addresses and lengths.
pub fn parse_number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    s.iter()
        .try_fold(0u64, |n, &c| Some(n << 4 | hex_value(c)? as u64))
}

/// The registers of gdb's amd64 description (no target XML: gdb's default
/// for `i386:x86-64`), in `g` packet order, with their sizes in bytes.
pub const REGISTERS: &[(&str, usize)] = &[
    ("rax", 8),
    ("rbx", 8),
    ("rcx", 8),
    ("rdx", 8),
    ("rsi", 8),
    ("rdi", 8),
    ("rbp", 8),
    ("rsp", 8),
    ("r8", 8),
    ("r9", 8),
    ("r10", 8),
    ("r11", 8),
    ("r12", 8),
    ("r13", 8),
    ("r14", 8),
    ("r15", 8),
    ("rip", 8),
    ("eflags", 4),
    ("cs", 4),
    ("ss", 4),
    ("ds", 4),
    ("es", 4),
    ("fs", 4),
    ("gs", 4),
    ("st0", 10),
    ("st1", 10),
    ("st2", 10),
    ("st3", 10),
    ("st4", 10),
    ("st5", 10),
    ("st6", 10),
    ("st7", 10),
    ("fctrl", 4),
    ("fstat", 4),
    ("ftag", 4),
    ("fiseg", 4),
    ("fioff", 4),
    ("foseg", 4),
    ("fooff", 4),
    ("fop", 4),
    ("xmm0", 16),
    ("xmm1", 16),
    ("xmm2", 16),
    ("xmm3", 16),
    ("xmm4", 16),
    ("xmm5", 16),
    ("xmm6", 16),
    ("xmm7", 16),
    ("xmm8", 16),
    ("xmm9", 16),
    ("xmm10", 16),
    ("xmm11", 16),
    ("xmm12", 16),
    ("xmm13", 16),
    ("xmm14", 16),
    ("xmm15", 16),
    ("mxcsr", 4),
    ("fs_base", 8),
    ("gs_base", 8),
];

/// Register `n`'s value from the trap frame; `None` for one the frame does
/// not hold (the FPU and SSE state: the runtime is soft-float and leaves
/// them as the app had them, but the stub does not save them).
pub fn register(f: &TrapFrame, n: usize) -> Option<u64> {
    Some(match n {
        0 => f.rax,
        1 => f.rbx,
        2 => f.rcx,
        3 => f.rdx,
        4 => f.rsi,
        5 => f.rdi,
        6 => f.rbp,
        7 => f.rsp,
        8 => f.r8,
        9 => f.r9,
        10 => f.r10,
        11 => f.r11,
        12 => f.r12,
        13 => f.r13,
        14 => f.r14,
        15 => f.r15,
        16 => f.rip,
        17 => f.rflags,
        18 => f.cs,
        19 => f.ss,
        20..=23 => 0,
        57 | 58 => 0,
        _ => return None,
    })
}

/// Sets register `n`; the ones the frame does not hold, and the selectors
/// (which must stay what Xen gave), are ignored.
pub fn set_register(f: &mut TrapFrame, n: usize, v: u64) {
    let slot = match n {
        0 => &mut f.rax,
        1 => &mut f.rbx,
        2 => &mut f.rcx,
        3 => &mut f.rdx,
        4 => &mut f.rsi,
        5 => &mut f.rdi,
        6 => &mut f.rbp,
        7 => &mut f.rsp,
        8 => &mut f.r8,
        9 => &mut f.r9,
        10 => &mut f.r10,
        11 => &mut f.r11,
        12 => &mut f.r12,
        13 => &mut f.r13,
        14 => &mut f.r14,
        15 => &mut f.r15,
        16 => &mut f.rip,
        17 => &mut f.rflags,
        _ => return,
    };
    *slot = v;
}

fn push_register(out: &mut Vec<u8>, f: &TrapFrame, n: usize) {
    let size = REGISTERS[n].1;
    match register(f, n) {
        Some(v) => {
            let bytes = v.to_le_bytes();
            for i in 0..size {
                push_hex_byte(out, bytes.get(i).copied().unwrap_or(0));
            }
        }
        // gdb's mark for "unavailable".
        None => out.extend(core::iter::repeat_n(b'x', 2 * size)),
    }
}

/// The `g` reply: every register in order.
pub fn all_registers(f: &TrapFrame) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..REGISTERS.len() {
        push_register(&mut out, f, n);
    }
    out
}

/// Applies a `G` packet's register bytes (as many registers as it holds
/// whole; `x` digits, gdb's "unavailable", count as 0); false if it is not
/// hex.
pub fn set_all_registers(f: &mut TrapFrame, hex: &[u8]) -> bool {
    let digits: Vec<u8> = hex
        .iter()
        .map(|&c| if c == b'x' { b'0' } else { c })
        .collect();
    let Some(bytes) = decode_hex(&digits) else {
        return false;
    };
    let mut at = 0;
    for (n, &(_, size)) in REGISTERS.iter().enumerate() {
        let Some(b) = bytes.get(at..at + size) else {
            break;
        };
        at += size;
        if n <= 17 {
            set_register(f, n, le_value(b));
        }
    }
    true
}

fn le_value(b: &[u8]) -> u64 {
    b.iter().take(8).rev().fold(0u64, |v, &x| v << 8 | x as u64)
}

/// Memory as the stub may reach it: reads and writes that report failure
/// instead of faulting.
pub trait Memory {
    /// Copies from `addr` into `buf`; returns how many leading bytes could
    /// be read (0 if `addr` itself is unreadable).
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize;
    /// Writes all of `data` at `addr`, or nothing and false.
    fn write(&mut self, addr: u64, data: &[u8]) -> bool;
}

/// How the target is to go on after a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    Continue,
    Step,
    /// gdb detached: breakpoints are removed, the target runs freely.
    Detach,
    /// gdb asked to kill the target.
    Kill,
}

/// Why the target stopped, for the stop reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// One of our breakpoints (the pc is already back on it).
    Breakpoint,
    /// A single step ended, or an `int3` that is not ours.
    Trap,
    /// gdb's interrupt.
    Interrupt,
    /// A fatal exception, with the Unix signal it maps to.
    Signal(u8),
}

impl Stop {
    fn signal(self) -> u8 {
        match self {
            Stop::Breakpoint | Stop::Trap => 5,
            Stop::Interrupt => 2,
            Stop::Signal(s) => s,
        }
    }
}

/// The stop reply packet's data (`T05swbreak:;` for a breakpoint).
pub fn stop_reply(stop: Stop) -> Vec<u8> {
    let mut out = Vec::from(&b"T"[..]);
    push_hex_byte(&mut out, stop.signal());
    out.extend_from_slice(b"thread:1;");
    if stop == Stop::Breakpoint {
        out.extend_from_slice(b"swbreak:;");
    }
    out
}

/// The most software breakpoints at once.
pub const MAX_BREAKPOINTS: usize = 64;

/// The stub's state that lasts between stops: the inserted breakpoints.
#[derive(Default)]
pub struct Stub {
    /// Address and the byte the `int3` replaced.
    breakpoints: Vec<(u64, u8)>,
    last_stop: Option<Stop>,
}

/// What a packet asks for: a reply to send (if any), then a resume (if any).
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub reply: Option<Vec<u8>>,
    pub resume: Option<Resume>,
}

fn reply(data: &[u8]) -> Outcome {
    Outcome {
        reply: Some(data.to_vec()),
        resume: None,
    }
}

const ERROR_FAULT: &[u8] = b"E0e";
const ERROR_ARGS: &[u8] = b"E16";

impl Stub {
    pub const fn new() -> Self {
        Stub {
            breakpoints: Vec::new(),
            last_stop: None,
        }
    }

    /// Whether one of our breakpoints is at `addr`.
    pub fn has_breakpoint(&self, addr: u64) -> bool {
        self.breakpoints.iter().any(|&(a, _)| a == addr)
    }

    /// Remembers why the target stopped (for `?`) and returns the reply.
    pub fn stopped(&mut self, stop: Stop) -> Vec<u8> {
        self.last_stop = Some(stop);
        stop_reply(stop)
    }

    /// Handles one packet against the stopped target's registers `f` and
    /// its memory.
    pub fn handle(&mut self, packet: &[u8], f: &mut TrapFrame, mem: &mut impl Memory) -> Outcome {
        let (&cmd, args) = match packet.split_first() {
            Some(x) => x,
            None => return reply(b""),
        };
        match cmd {
            b'?' => reply(&stop_reply(self.last_stop.unwrap_or(Stop::Trap))),
            b'g' => reply(&all_registers(f)),
            b'G' => reply(if set_all_registers(f, args) {
                b"OK"
            } else {
                ERROR_ARGS
            }),
            b'p' => match parse_number(args).map(|n| n as usize) {
                Some(n) if n < REGISTERS.len() => {
                    let mut out = Vec::new();
                    push_register(&mut out, f, n);
                    reply(&out)
                }
                _ => reply(ERROR_ARGS),
            },
            b'P' => {
                let parsed = split_once(args, b'=').and_then(|(n, v)| {
                    let n = parse_number(n)? as usize;
                    let bytes = decode_hex(v)?;
                    (n < REGISTERS.len()).then_some((n, le_value(&bytes)))
                });
                match parsed {
                    Some((n, v)) => {
                        set_register(f, n, v);
                        reply(b"OK")
                    }
                    None => reply(ERROR_ARGS),
                }
            }
            b'm' => match address_length(args) {
                Some((addr, len)) => reply(&self.read_memory(mem, addr, len)),
                None => reply(ERROR_ARGS),
            },
            b'M' => {
                let parsed = split_once(args, b':')
                    .and_then(|(al, data)| Some((address_length(al)?, decode_hex(data)?)));
                match parsed {
                    Some(((addr, len), data)) if data.len() as u64 == len => {
                        reply(self.write_memory(mem, addr, &data))
                    }
                    _ => reply(ERROR_ARGS),
                }
            }
            b'X' => match split_once(args, b':') {
                Some((al, data)) => match address_length(al) {
                    Some((addr, len)) if data.len() as u64 == len => {
                        reply(self.write_memory(mem, addr, data))
                    }
                    _ => reply(ERROR_ARGS),
                },
                None => reply(ERROR_ARGS),
            },
            b'c' | b's' => {
                if !args.is_empty() {
                    match parse_number(args) {
                        Some(addr) => f.rip = addr,
                        None => return reply(ERROR_ARGS),
                    }
                }
                let resume = if cmd == b'c' {
                    Resume::Continue
                } else {
                    Resume::Step
                };
                Outcome {
                    reply: None,
                    resume: Some(resume),
                }
            }
            b'D' => {
                self.remove_all(mem);
                Outcome {
                    reply: Some(b"OK".to_vec()),
                    resume: Some(Resume::Detach),
                }
            }
            b'k' => {
                self.remove_all(mem);
                Outcome {
                    reply: None,
                    resume: Some(Resume::Kill),
                }
            }
            b'Z' | b'z' => reply(self.breakpoint(cmd == b'Z', args, mem)),
            b'H' | b'T' => reply(b"OK"),
            b'q' => reply(query(args)),
            // vCont, vMustReplyEmpty and everything else: not supported,
            // so gdb falls back to the basic packets.
            _ => reply(b""),
        }
    }

    fn read_memory(&self, mem: &mut impl Memory, addr: u64, len: u64) -> Vec<u8> {
        let len = (len as usize).min((PACKET_SIZE - 4) / 2);
        let mut buf = alloc::vec![0u8; len];
        let got = mem.read(addr, &mut buf);
        if got == 0 && len > 0 {
            return ERROR_FAULT.to_vec();
        }
        // Show the program's bytes, not our int3s.
        for &(a, orig) in &self.breakpoints {
            if let Some(i) = a.checked_sub(addr).filter(|&i| i < got as u64) {
                buf[i as usize] = orig;
            }
        }
        let mut out = Vec::with_capacity(2 * got);
        for &b in &buf[..got] {
            push_hex_byte(&mut out, b);
        }
        out
    }

    fn write_memory(&mut self, mem: &mut impl Memory, addr: u64, data: &[u8]) -> &'static [u8] {
        if mem.write(addr, data) {
            b"OK"
        } else {
            ERROR_FAULT
        }
    }

    fn breakpoint(&mut self, insert: bool, args: &[u8], mem: &mut impl Memory) -> &'static [u8] {
        let mut parts = args.split(|&c| c == b',');
        let (Some(kind), Some(addr)) = (parts.next(), parts.next().and_then(parse_number)) else {
            return ERROR_ARGS;
        };
        if kind != b"0" {
            return b""; // hardware breakpoints and watchpoints: not supported
        }
        if insert {
            if self.has_breakpoint(addr) {
                return b"OK";
            }
            if self.breakpoints.len() == MAX_BREAKPOINTS {
                return ERROR_ARGS;
            }
            let mut orig = [0u8];
            if mem.read(addr, &mut orig) != 1 || !mem.write(addr, &[INT3]) {
                return ERROR_FAULT;
            }
            self.breakpoints.push((addr, orig[0]));
            b"OK"
        } else {
            match self.breakpoints.iter().position(|&(a, _)| a == addr) {
                Some(i) => {
                    let (a, orig) = self.breakpoints.swap_remove(i);
                    if mem.write(a, &[orig]) {
                        b"OK"
                    } else {
                        ERROR_FAULT
                    }
                }
                None => b"OK",
            }
        }
    }

    /// Puts every replaced byte back.
    pub fn remove_all(&mut self, mem: &mut impl Memory) {
        for (a, orig) in self.breakpoints.drain(..) {
            mem.write(a, &[orig]);
        }
    }
}

fn query(args: &[u8]) -> &'static [u8] {
    let name = args.split(|&c| c == b':').next().unwrap_or(b"");
    match name {
        b"Supported" => b"PacketSize=1000;swbreak+",
        b"Attached" => b"1",
        b"C" => b"QC1",
        b"fThreadInfo" => b"m1",
        b"sThreadInfo" => b"l",
        _ => b"",
    }
}

fn split_once(s: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = s.iter().position(|&c| c == sep)?;
    Some((&s[..i], &s[i + 1..]))
}

fn address_length(s: &[u8]) -> Option<(u64, u64)> {
    let (a, l) = split_once(s, b',')?;
    Some((parse_number(a)?, parse_number(l)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn decode_all(bytes: &[u8]) -> Vec<Event> {
        let mut d = Decoder::new();
        bytes.iter().filter_map(|&b| d.push(b)).collect()
    }

    #[test]
    fn packets_are_framed_with_checksums_and_escapes() {
        assert_eq!(frame(b"OK"), b"$OK#9a");
        assert_eq!(frame(b""), b"$#00");
        // '#' goes out as "}\x03", and the checksum covers the escaped form.
        assert_eq!(frame(b"a#"), b"$a}\x03#e1");
        assert_eq!(decode_all(b"+$a}\x03#e1"), [Event::Packet(b"a#".to_vec())]);
    }

    #[test]
    fn the_decoder_reports_bad_checksums_and_interrupts() {
        assert_eq!(
            decode_all(b"$OK#9b\x03$g#67"),
            [
                Event::BadChecksum,
                Event::Interrupt,
                Event::Packet(b"g".to_vec())
            ]
        );
        // A 0x03 inside a packet is data, not an interrupt.
        assert_eq!(
            decode_all(&frame(b"\x03x")),
            [Event::Packet(b"\x03x".to_vec())]
        );
        // Too long: refused rather than grown without bound.
        let mut long = vec![b'$'];
        long.extend(std::iter::repeat_n(b'a', PACKET_SIZE + 1));
        let sum = (PACKET_SIZE as u64 + 1) * b'a' as u64;
        long.extend(format!("#{:02x}", sum & 0xff).bytes());
        assert_eq!(decode_all(&long), [Event::BadChecksum]);
    }

    /// Memory with holes: only the pages present in the map exist.
    struct FakeMemory {
        bytes: BTreeMap<u64, u8>,
        read_only: std::ops::Range<u64>,
    }

    impl FakeMemory {
        fn new(range: std::ops::Range<u64>) -> Self {
            FakeMemory {
                bytes: range.map(|a| (a, a as u8)).collect(),
                read_only: 0..0,
            }
        }
    }

    impl Memory for FakeMemory {
        fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize {
            for (i, b) in buf.iter_mut().enumerate() {
                match self.bytes.get(&(addr + i as u64)) {
                    Some(&v) => *b = v,
                    None => return i,
                }
            }
            buf.len()
        }
        fn write(&mut self, addr: u64, data: &[u8]) -> bool {
            let end = addr + data.len() as u64;
            let ok = (addr..end).all(|a| self.bytes.contains_key(&a))
                && (end <= self.read_only.start || addr >= self.read_only.end);
            if ok {
                for (i, &b) in data.iter().enumerate() {
                    self.bytes.insert(addr + i as u64, b);
                }
            }
            ok
        }
    }

    fn run(stub: &mut Stub, f: &mut TrapFrame, mem: &mut FakeMemory, p: &str) -> Outcome {
        stub.handle(p.as_bytes(), f, mem)
    }

    fn text(o: &Outcome) -> String {
        String::from_utf8(o.reply.clone().unwrap()).unwrap()
    }

    #[test]
    fn registers_follow_gdbs_amd64_layout() {
        let size: usize = REGISTERS.iter().map(|r| r.1).sum();
        assert_eq!(size, 536 + 16, "gdb's amd64 g packet with fs_base/gs_base");
        let mut f = TrapFrame {
            rax: 0x1122334455667788,
            rip: 0xffff_8000_0000_1234,
            rflags: 0x246,
            rsp: 0x10,
            ..Default::default()
        };
        let g = all_registers(&f);
        assert_eq!(g.len(), 2 * size);
        assert_eq!(&g[..16], b"8877665544332211");
        let rip_at = 16 * 16;
        assert_eq!(&g[rip_at..rip_at + 16], b"341200000080ffff");
        assert_eq!(&g[rip_at + 16..rip_at + 24], b"46020000");
        // The x87 state is marked unavailable.
        let st0 = 2 * (17 * 8 + 7 * 4);
        assert_eq!(&g[st0..st0 + 20], &[b'x'; 20]);

        let (mut stub, mut mem) = (Stub::new(), FakeMemory::new(0..0));
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "p10")),
            "341200000080ffff"
        );
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "p18")),
            "xxxxxxxxxxxxxxxxxxxx"
        );
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "p99")), "E16");
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "P0=0100000000000000")),
            "OK"
        );
        assert_eq!(f.rax, 1);
        // The selectors stay what Xen gave.
        f.cs = 0xe033;
        run(&mut stub, &mut f, &mut mem, "P12=10000000");
        assert_eq!(f.cs, 0xe033);
        // G: what g gave, with rsp changed.
        let mut g2 = g.clone();
        g2[7 * 16..7 * 16 + 2].copy_from_slice(b"20");
        assert_eq!(
            text(&stub.handle(&[b"G".as_slice(), &g2].concat(), &mut f, &mut mem)),
            "OK"
        );
        assert_eq!(
            (f.rsp, f.rax, f.rip),
            (0x20, 0x1122334455667788, 0xffff_8000_0000_1234)
        );
    }

    #[test]
    fn memory_reads_stop_at_holes_and_writes_are_all_or_nothing() {
        let (mut stub, mut f) = (Stub::new(), TrapFrame::default());
        let mut mem = FakeMemory::new(0x1000..0x1004);
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "m1000,4")),
            "00010203"
        );
        // Partly readable: the readable part; wholly unreadable: an error.
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "m1002,8")), "0203");
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "m2000,4")), "E0e");
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "M1001,2:abcd")),
            "OK"
        );
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "m1000,4")),
            "00abcd03"
        );
        assert_eq!(
            text(&run(&mut stub, &mut f, &mut mem, "M1003,2:0102")),
            "E0e"
        );
        assert_eq!(mem.bytes[&0x1003], 3);
        // X: binary data, escapes already undone by the decoder.
        assert_eq!(text(&stub.handle(b"X1000,2:#}", &mut f, &mut mem)), "OK");
        assert_eq!((mem.bytes[&0x1000], mem.bytes[&0x1001]), (b'#', b'}'));
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "M1000,2:ab")), "E16");
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "mzz,2")), "E16");
    }

    #[test]
    fn breakpoints_replace_a_byte_with_int3_and_hide_it_from_reads() {
        let (mut stub, mut f) = (Stub::new(), TrapFrame::default());
        let mut mem = FakeMemory::new(0x1000..0x1010);
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "Z0,1004,1")), "OK");
        assert_eq!(mem.bytes[&0x1004], INT3);
        assert!(stub.has_breakpoint(0x1004));
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "m1003,3")), "030405");
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "z0,1004,1")), "OK");
        assert_eq!(mem.bytes[&0x1004], 4);
        assert!(!stub.has_breakpoint(0x1004));
        // Unwritable or absent memory: an error, nothing recorded.
        mem.read_only = 0x1008..0x1009;
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "Z0,1008,1")), "E0e");
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "Z0,5000,1")), "E0e");
        assert!(!stub.has_breakpoint(0x1008));
        // Watchpoints are not supported: the empty reply.
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "Z2,1000,4")), "");
        // Detach puts every byte back.
        run(&mut stub, &mut f, &mut mem, "Z0,1001,1");
        run(&mut stub, &mut f, &mut mem, "Z0,1002,1");
        let o = run(&mut stub, &mut f, &mut mem, "D");
        assert_eq!((text(&o), o.resume), ("OK".into(), Some(Resume::Detach)));
        assert_eq!((mem.bytes[&0x1001], mem.bytes[&0x1002]), (1, 2));
    }

    #[test]
    fn resume_commands_and_queries() {
        let (mut stub, mut f) = (Stub::new(), TrapFrame::default());
        let mut mem = FakeMemory::new(0..0);
        let o = run(&mut stub, &mut f, &mut mem, "c");
        assert_eq!((o.reply, o.resume), (None, Some(Resume::Continue)));
        let o = run(&mut stub, &mut f, &mut mem, "s1234");
        assert_eq!((o.resume, f.rip), (Some(Resume::Step), 0x1234));
        assert_eq!(
            run(&mut stub, &mut f, &mut mem, "k").resume,
            Some(Resume::Kill)
        );
        assert_eq!(
            text(&run(
                &mut stub,
                &mut f,
                &mut mem,
                "qSupported:multiprocess+;swbreak+"
            )),
            "PacketSize=1000;swbreak+"
        );
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "vCont?")), "");
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "Hg0")), "OK");
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "?")), "T05thread:1;");
        stub.stopped(Stop::Signal(11));
        assert_eq!(text(&run(&mut stub, &mut f, &mut mem, "?")), "T0bthread:1;");
        assert_eq!(stub.stopped(Stop::Breakpoint), b"T05thread:1;swbreak:;");
        assert_eq!(stop_reply(Stop::Interrupt), b"T02thread:1;");
    }
}
