//! The second serial port (COM2, I/O ports 0x2f8-0x2ff), polled: the gdb
//! stub's channel, which carries nothing else. A PV guest's `in`/`out`
//! trap to Xen, which carries them out when the guest's virtual IOPL
//! allows it (`PHYSDEVOP_set_iopl`, asked for in [`init`]) and the domain
//! may use the ports (the first domain may use every port Xen does not
//! keep; Xen keeps COM1 for its console, not COM2).
use core::arch::asm;

const BASE: u16 = 0x2f8;
const DATA: u16 = BASE; // receive / transmit holding register (DLAB 0)
const IER: u16 = BASE + 1; // interrupt enable (DLAB 0) / divisor high (DLAB 1)
const FCR: u16 = BASE + 2;
const LCR: u16 = BASE + 3;
const MCR: u16 = BASE + 4;
const LSR: u16 = BASE + 5;
const SCRATCH: u16 = BASE + 7;

const LSR_DATA_READY: u8 = 1;
const LSR_THR_EMPTY: u8 = 1 << 5;

fn outb(port: u16, v: u8) {
    // SAFETY: only COM2's eight ports are ever named (the constants above);
    // Xen checks the guest's I/O permission and emulates the access, so the
    // worst a wrong value does is confuse the UART.
    unsafe {
        asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack, preserves_flags))
    }
}

fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: a read of one of COM2's eight ports (the constants above);
    // Xen checks the guest's I/O permission and emulates it.
    unsafe {
        asm!("in al, dx", in("dx") port, out("al") v, options(nomem, nostack, preserves_flags))
    }
    v
}

/// Gets I/O privilege for guest kernel mode and sets COM2 up: 115200 8N1,
/// FIFOs on, no interrupts. Errs when Xen refuses the privilege or no UART
/// answers at 0x2f8 (its scratch register does not keep a value).
pub fn init() -> Result<(), &'static str> {
    crate::xen::hypercall::set_iopl(1)
        .map_err(|_| "Xen refused I/O privilege (PHYSDEVOP_set_iopl)")?;
    outb(SCRATCH, 0x5a);
    if inb(SCRATCH) != 0x5a {
        return Err("no UART at COM2 (0x2f8)");
    }
    outb(IER, 0);
    outb(LCR, 0x80); // divisor latch
    outb(DATA, 1); // 115200 baud
    outb(IER, 0);
    outb(LCR, 0x03); // 8N1
    outb(FCR, 0xc7); // FIFOs on and cleared
    outb(MCR, 0x03); // DTR, RTS; OUT2 off: no IRQ
    Ok(())
}

/// A received byte, if one is waiting.
pub fn try_read() -> Option<u8> {
    (inb(LSR) & LSR_DATA_READY != 0).then(|| inb(DATA))
}

/// Waits for a byte.
pub fn read() -> u8 {
    loop {
        if let Some(b) = try_read() {
            return b;
        }
        core::hint::spin_loop();
    }
}

/// Sends `bytes`, waiting for room before each.
pub fn write(bytes: &[u8]) {
    for &b in bytes {
        while inb(LSR) & LSR_THR_EMPTY == 0 {
            core::hint::spin_loop();
        }
        outb(DATA, b);
    }
}

/// The `int3` instruction: a #BP trap right here (how `uk.gdb=wait` hands
/// control to the stub with a trap frame).
pub fn breakpoint() {
    // SAFETY: int3 only raises #BP, which the runtime's trap handler takes
    // (and returns from, to the next instruction).
    unsafe { asm!("int3", options(nomem, nostack)) }
}
