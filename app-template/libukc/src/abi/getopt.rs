//! getopt.h (and unistd.h's getopt) on crate::getopt: the C globals
//! optind, opterr, optopt and optarg, messages on stderr, argv permuted in
//! place as glibc does.
use crate::getopt::{getopt as step, Argv, Call, LongOpt, LongOpts, State};
use core::ffi::c_char;

#[no_mangle]
pub static mut optind: i32 = 1;
#[no_mangle]
pub static mut opterr: i32 = 1;
#[no_mangle]
pub static mut optopt: i32 = b'?' as i32;
#[no_mangle]
pub static mut optarg: *mut c_char = core::ptr::null_mut();

static mut STATE: State = State::new();

/// C's `struct option`.
#[repr(C)]
pub struct COption {
    name: *const c_char,
    has_arg: i32,
    flag: *mut i32,
    val: i32,
}

/// The bytes of a C string.
///
/// # Safety
/// `p` must be NUL-terminated and stay unchanged while the slice is used.
unsafe fn bytes<'a>(p: *const c_char) -> &'a [u8] {
    // SAFETY: the caller's contract; c_strlen stops at the NUL.
    unsafe { core::slice::from_raw_parts(p.cast(), super::c_strlen(p.cast())) }
}

/// The caller's argv: `argc` pointers to NUL-terminated strings.
struct CArgv {
    argv: *mut *mut c_char,
    argc: usize,
}

impl Argv for CArgv {
    fn argc(&self) -> usize {
        self.argc
    }
    fn arg(&self, i: usize) -> &[u8] {
        // SAFETY: i < argc (getopt asks only for those), and C's contract
        // for getopt is that argv holds argc pointers to NUL-terminated
        // strings that do not change during the call.
        unsafe { bytes(*self.argv.add(i)) }
    }
    fn rotate(&mut self, from: usize, mid: usize, to: usize) {
        // SAFETY: from <= mid <= to <= argc, so the slice is inside argv's
        // argc pointers, which getopt may reorder (glibc does, too).
        let s = unsafe { core::slice::from_raw_parts_mut(self.argv.add(from), to - from) };
        s.rotate_left(mid - from);
    }
}

/// The caller's `struct option` array, up to its all-zero entry.
struct COptions {
    opts: *const COption,
    n: usize,
}

impl LongOpts for COptions {
    fn count(&self) -> usize {
        self.n
    }
    fn get(&self, i: usize) -> LongOpt<'_> {
        // SAFETY: i < n, the entries before the terminator, whose names are
        // NUL-terminated (C's contract for getopt_long).
        unsafe {
            let o = &*self.opts.add(i);
            LongOpt {
                name: bytes(o.name),
                has_arg: o.has_arg,
                flag: o.flag as usize,
                val: o.val,
            }
        }
    }
}

/// # Safety
/// C's contract for getopt_long: argv holds argc strings, optstring is
/// NUL-terminated, longopts NULL or an array ending with a zero entry,
/// longindex NULL or writable.
unsafe fn run(
    argc: i32,
    argv: *mut *mut c_char,
    optstring: *const c_char,
    longopts: *const COption,
    longindex: *mut i32,
    long_only: bool,
) -> i32 {
    let mut args = CArgv {
        argv,
        argc: argc.max(0) as usize,
    };
    // SAFETY: the caller's contract: longopts is NULL or ends with an
    // entry whose name is NULL; optstring is NUL-terminated.
    let (opts, optstring) = unsafe {
        let mut n = 0;
        if !longopts.is_null() {
            while !(*longopts.add(n)).name.is_null() {
                n += 1;
            }
        }
        (COptions { opts: longopts, n }, bytes(optstring))
    };
    // SAFETY: getenv's argument is a C string; reading its result's
    // nullness only.
    let posixly_correct = unsafe { !super::stdlib::getenv(c"POSIXLY_CORRECT".as_ptr()).is_null() };
    // SAFETY: the globals and STATE are this module's; one thread of
    // control, and no reference to them outlives this block.
    unsafe {
        let st = &mut *core::ptr::addr_of_mut!(STATE);
        st.optind = optind;
        let call = Call {
            optstring,
            longopts: (!longopts.is_null()).then_some(&opts as &dyn LongOpts),
            long_only,
            opterr: opterr != 0,
            posixly_correct,
        };
        let f = step(st, &mut args, &call, &mut |b: &[u8]| {
            super::stdio::stderr_bytes(b)
        });
        optind = st.optind;
        optopt = st.optopt;
        optarg = match f.optarg {
            Some((i, off)) => (*argv.add(i)).add(off),
            None => core::ptr::null_mut(),
        };
        if let (Some(i), false) = (f.longindex, longindex.is_null()) {
            *longindex = i as i32;
        }
        if let Some(i) = f.set_flag {
            let o = &*longopts.add(i);
            *o.flag = o.val;
        }
        f.ret
    }
}

/// # Safety
/// C's contract for getopt: argv holds argc NUL-terminated strings and
/// optstring is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn getopt(
    argc: i32,
    argv: *mut *mut c_char,
    optstring: *const c_char,
) -> i32 {
    // SAFETY: the caller's contract, with no long options.
    unsafe {
        run(
            argc,
            argv,
            optstring,
            core::ptr::null(),
            core::ptr::null_mut(),
            false,
        )
    }
}

/// # Safety
/// C's contract for getopt_long.
#[no_mangle]
pub unsafe extern "C" fn getopt_long(
    argc: i32,
    argv: *mut *mut c_char,
    optstring: *const c_char,
    longopts: *const COption,
    longindex: *mut i32,
) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { run(argc, argv, optstring, longopts, longindex, false) }
}

/// # Safety
/// C's contract for getopt_long_only.
#[no_mangle]
pub unsafe extern "C" fn getopt_long_only(
    argc: i32,
    argv: *mut *mut c_char,
    optstring: *const c_char,
    longopts: *const COption,
    longindex: *mut i32,
) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { run(argc, argv, optstring, longopts, longindex, true) }
}
