//! The scanf family on crate::scan: sscanf and vsscanf on strings, scanf,
//! fscanf, vscanf and vfscanf on this library's streams (which put back
//! the one byte a conversion reads too far with ungetc).
use super::malloc::{free, malloc, realloc};
use super::stdio::{fgetc, ungetc, FILE};
use crate::errno::ENOMEM;
use crate::scan::{scan, Args, Float, Input, IntSize, StrInput};
use core::ffi::{c_char, c_void, VaList};

/// A stream as scan's input.
struct FileInput(*mut FILE);

impl Input for FileInput {
    fn get(&mut self) -> Option<u8> {
        // SAFETY: the stream is one of this library's (the caller of the
        // scanf function promised so), and no reference to it is live.
        let c = unsafe { fgetc(self.0) };
        u8::try_from(c).ok()
    }
    fn unget(&mut self, b: u8) {
        // SAFETY: the stream is one of this library's and no reference to it is live (the scanf caller's promise); ungetc takes back the byte just read.
        unsafe { ungetc(i32::from(b), self.0) };
    }
}

/// The string being stored (`%s`, `%c`, `%[`).
struct Str {
    /// Where the next character goes.
    at: *mut u8,
    wide: bool,
    /// For `%m`: the caller's `char **`, the block and its size in bytes.
    alloc: Option<(*mut *mut u8, *mut u8, usize)>,
    /// Bytes stored so far into an allocated block.
    len: usize,
}

/// The arguments of a scanf call, from its va_list: pointers to store
/// through, in the types the conversions name.
struct VaStore<'a, 'f> {
    ap: &'a mut VaList<'f>,
    /// A copy of the list at its start, for `%N$`.
    start: VaList<'f>,
    position: usize,
    s: Str,
}

impl VaStore<'_, '_> {
    /// The argument the next store goes to.
    fn ptr(&mut self) -> *mut u8 {
        // SAFETY: scan asks for an argument only for a directive that takes
        // one, and C's contract for the scanf family is that the caller
        // passed a pointer of the directive's type there (for `%N$`, that
        // the first N arguments are pointers), so each va_arg reads a
        // pointer that was passed.
        unsafe {
            if self.position == 0 {
                return self.ap.next_arg::<*mut c_void>().cast();
            }
            let mut copy = self.start.clone();
            for _ in 1..self.position {
                copy.next_arg::<*mut c_void>();
            }
            copy.next_arg::<*mut c_void>().cast()
        }
    }

    /// Room for `n` more bytes in an allocated string; false when memory
    /// ran out.
    fn grow(&mut self, n: usize) -> bool {
        let Some((slot, block, cap)) = self.s.alloc else {
            return true;
        };
        if self.s.len + n <= cap {
            return true;
        }
        let new_cap = (cap * 2).max(self.s.len + n);
        // SAFETY: `block` came from malloc/realloc here and is still live.
        let p = unsafe { realloc(block.cast(), new_cap) }.cast::<u8>();
        if p.is_null() {
            super::set_errno(ENOMEM);
            return false;
        }
        // SAFETY: `slot` is the caller's `char **` for this %m directive.
        unsafe { slot.write(p) };
        self.s.alloc = Some((slot, p, new_cap));
        // SAFETY: len < new_cap, inside the new block.
        self.s.at = unsafe { p.add(self.s.len) };
        true
    }

    fn put(&mut self, b: u8) {
        let n = if self.s.wide { 4 } else { 1 };
        if !self.grow(n) {
            return;
        }
        // SAFETY: C's contract for the scanf family: the caller's buffer
        // for %s, %c and %[ has room for what the directive stores (an
        // allocated one was grown above); a wide one is a wchar_t array.
        unsafe {
            if self.s.wide {
                self.s.at.cast::<u32>().write_unaligned(u32::from(b));
            } else {
                self.s.at.write(b);
            }
            self.s.at = self.s.at.add(n);
        }
        self.s.len += n;
    }
}

impl Args for VaStore<'_, '_> {
    fn position(&mut self, n: usize) {
        self.position = n;
    }

    fn int(&mut self, size: IntSize, v: u64) {
        let p = self.ptr();
        // SAFETY: the caller passed a pointer to an integer of this size
        // (C's contract for the directive's length modifier).
        unsafe {
            match size {
                IntSize::Char => p.write(v as u8),
                IntSize::Short => p.cast::<u16>().write_unaligned(v as u16),
                IntSize::Int => p.cast::<u32>().write_unaligned(v as u32),
                IntSize::Long => p.cast::<u64>().write_unaligned(v),
            }
        }
    }

    fn float(&mut self, v: Float) {
        let p = self.ptr();
        // SAFETY: the caller passed a pointer to a float, double or long
        // double as the directive says (C's contract).
        unsafe {
            match v {
                Float::Single(f) => p.cast::<f32>().write_unaligned(f),
                Float::Double(f) => p.cast::<f64>().write_unaligned(f),
                Float::Long(f) => {
                    let x = crate::scan::f64_to_x87(f);
                    core::ptr::copy_nonoverlapping(x.as_ptr(), p, x.len());
                }
            }
        }
    }

    fn start_str(&mut self, wide: bool, alloc: bool) {
        let p = self.ptr();
        self.s = Str {
            at: p,
            wide,
            alloc: None,
            len: 0,
        };
        if alloc {
            let slot = p.cast::<*mut u8>();
            let cap = 64;
            let block = malloc(cap).cast::<u8>();
            // SAFETY: for %m the caller passed a `char **` (C's contract).
            unsafe { slot.write(block) };
            if block.is_null() {
                super::set_errno(ENOMEM);
                self.s.at = core::ptr::null_mut();
                return;
            }
            self.s.at = block;
            self.s.alloc = Some((slot, block, cap));
        }
    }

    fn push(&mut self, b: u8) {
        if !self.s.at.is_null() {
            self.put(b);
        }
    }

    fn end_str(&mut self, nul: bool) {
        // (For a wide string, put(0) writes a whole zero wchar_t.)
        if nul && !self.s.at.is_null() {
            self.put(0);
        }
    }

    fn fail_str(&mut self) {
        if let Some((slot, block, _)) = self.s.alloc.take() {
            // SAFETY: `block` came from malloc here; `slot` is the caller's
            // `char **`, set back to NULL as glibc does.
            unsafe {
                free(block.cast());
                slot.write(core::ptr::null_mut());
            }
        }
    }
}

fn run(fmt: *const c_char, input: &mut dyn Input, ap: &mut VaList) -> i32 {
    // SAFETY: the scanf functions' callers pass a NUL-terminated format,
    // unchanged during the call.
    let fmt = unsafe { core::slice::from_raw_parts(fmt.cast::<u8>(), super::c_strlen(fmt.cast())) };
    let start = ap.clone();
    let mut store = VaStore {
        ap,
        start,
        position: 0,
        s: Str {
            at: core::ptr::null_mut(),
            wide: false,
            alloc: None,
            len: 0,
        },
    };
    scan(fmt, input, &mut store)
}

/// # Safety
/// C's contract for vsscanf: `s` and `fmt` are NUL-terminated, and `ap`
/// holds a pointer of the right type, to enough memory, for each of the
/// format's directives.
#[no_mangle]
pub unsafe extern "C" fn vsscanf(s: *const c_char, fmt: *const c_char, mut ap: VaList) -> i32 {
    // SAFETY: the caller passes a NUL-terminated `s`, unchanged during the
    // call.
    let s = unsafe { core::slice::from_raw_parts(s.cast::<u8>(), super::c_strlen(s.cast())) };
    run(fmt, &mut StrInput::new(s), &mut ap)
}

/// # Safety
/// C's contract for sscanf: as vsscanf's, with the variadic arguments.
#[no_mangle]
pub unsafe extern "C" fn sscanf(s: *const c_char, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: the caller meets vsscanf's contract; `args` is the list of
    // its variadic arguments.
    unsafe { vsscanf(s, fmt, args) }
}

/// # Safety
/// C's contract for vfscanf: `f` is a stream from this library, `fmt` is
/// NUL-terminated, and `ap` holds a pointer of the right type, to enough
/// memory, for each of the format's directives.
#[no_mangle]
pub unsafe extern "C" fn vfscanf(f: *mut FILE, fmt: *const c_char, mut ap: VaList) -> i32 {
    if f.is_null() {
        return -1;
    }
    run(fmt, &mut FileInput(f), &mut ap)
}

/// # Safety
/// C's contract for fscanf: as vfscanf's, with the variadic arguments.
#[no_mangle]
pub unsafe extern "C" fn fscanf(f: *mut FILE, fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: the caller meets vfscanf's contract; `args` is the list of
    // its variadic arguments.
    unsafe { vfscanf(f, fmt, args) }
}

/// # Safety
/// C's contract for vscanf: as vfscanf's, on stdin.
#[no_mangle]
pub unsafe extern "C" fn vscanf(fmt: *const c_char, ap: VaList) -> i32 {
    // SAFETY: `stdin` is read with no write racing it and holds one of this
    // library's streams; the caller meets the rest of vfscanf's contract.
    unsafe { vfscanf(super::stdio::stdin, fmt, ap) }
}

/// # Safety
/// C's contract for scanf: as vscanf's, with the variadic arguments.
#[no_mangle]
pub unsafe extern "C" fn scanf(fmt: *const c_char, args: ...) -> i32 {
    // SAFETY: as vscanf; `args` is the list of the variadic arguments.
    unsafe { vscanf(fmt, args) }
}
