//! The texts of signals as glibc's `strsignal` gives them in the C locale
//! (the numbers of x86_64 Linux): "Segmentation fault" for 11, "Real-time
//! signal N" for 34 + N up to 64, "Unknown signal N" otherwise.

/// The messages of signals 1..=31, NUL-terminated.
static MESSAGES: [&[u8]; 31] = [
    b"Hangup\0",
    b"Interrupt\0",
    b"Quit\0",
    b"Illegal instruction\0",
    b"Trace/breakpoint trap\0",
    b"Aborted\0",
    b"Bus error\0",
    b"Floating point exception\0",
    b"Killed\0",
    b"User defined signal 1\0",
    b"Segmentation fault\0",
    b"User defined signal 2\0",
    b"Broken pipe\0",
    b"Alarm clock\0",
    b"Terminated\0",
    b"Stack fault\0",
    b"Child exited\0",
    b"Continued\0",
    b"Stopped (signal)\0",
    b"Stopped\0",
    b"Stopped (tty input)\0",
    b"Stopped (tty output)\0",
    b"Urgent I/O condition\0",
    b"CPU time limit exceeded\0",
    b"File size limit exceeded\0",
    b"Virtual timer expired\0",
    b"Profiling timer expired\0",
    b"Window changed\0",
    b"I/O possible\0",
    b"Power failure\0",
    b"Bad system call\0",
];

/// The first real-time signal (glibc keeps 32 and 33 for itself).
pub const SIGRTMIN: i32 = 34;
pub const SIGRTMAX: i32 = 64;

/// The fixed message of `sig` with its NUL, for 1..=31.
pub fn message(sig: i32) -> Option<&'static [u8]> {
    usize::try_from(sig - 1)
        .ok()
        .and_then(|i| MESSAGES.get(i))
        .copied()
}

/// Writes `sig`'s message into `buf` with a NUL (cut to fit), returning
/// its length without the NUL.
pub fn message_into(sig: i32, buf: &mut [u8]) -> usize {
    let mut text = [0u8; 32];
    let mut len = 0;
    let mut put = |s: &[u8]| {
        text[len..len + s.len()].copy_from_slice(s);
        len += s.len();
    };
    let number = match message(sig) {
        Some(m) => {
            put(&m[..m.len() - 1]);
            None
        }
        None if (SIGRTMIN..=SIGRTMAX).contains(&sig) => {
            put(b"Real-time signal ");
            Some(sig - SIGRTMIN)
        }
        None => {
            put(b"Unknown signal ");
            Some(sig)
        }
    };
    if let Some(n) = number {
        if n < 0 {
            put(b"-");
        }
        let mut digits = [0u8; 10];
        let mut k = 0;
        let mut u = n.unsigned_abs();
        loop {
            digits[k] = b'0' + (u % 10) as u8;
            k += 1;
            u /= 10;
            if u == 0 {
                break;
            }
        }
        for i in (0..k).rev() {
            put(&digits[i..=i]);
        }
    }
    if let Some(room) = buf.len().checked_sub(1) {
        let n = len.min(room);
        buf[..n].copy_from_slice(&text[..n]);
        buf[n] = 0;
    }
    len
}
