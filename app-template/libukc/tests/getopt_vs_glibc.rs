//! ukc::getopt against glibc's getopt, getopt_long and getopt_long_only:
//! generated argument vectors and option sets, step by step (return
//! value, optind, optarg, optopt, longindex, *flag), the messages on
//! stderr and the final order of argv.
//!
//! glibc's getopt state and stderr are process-wide, so this is one test.
use std::ffi::{c_char, c_int, CString};
use std::io::{Read, Seek};
use std::os::fd::AsRawFd;
use ukc::getopt::{getopt, Argv, Call, LongOpt, LongOpts, State};

struct Opts<'a>(&'a [LongOpt<'a>]);

impl LongOpts for Opts<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn get(&self, i: usize) -> LongOpt<'_> {
        self.0[i]
    }
}

#[repr(C)]
struct COption {
    name: *const c_char,
    has_arg: c_int,
    flag: *mut c_int,
    val: c_int,
}

extern "C" {
    static mut optind: c_int;
    static mut opterr: c_int;
    static mut optopt: c_int;
    static mut optarg: *mut c_char;
    #[link_name = "getopt"]
    fn c_getopt(argc: c_int, argv: *mut *mut c_char, optstring: *const c_char) -> c_int;
    fn getopt_long(
        argc: c_int,
        argv: *mut *mut c_char,
        s: *const c_char,
        l: *const COption,
        i: *mut c_int,
    ) -> c_int;
    fn getopt_long_only(
        argc: c_int,
        argv: *mut *mut c_char,
        s: *const c_char,
        l: *const COption,
        i: *mut c_int,
    ) -> c_int;
    fn dup(fd: c_int) -> c_int;
    fn dup2(a: c_int, b: c_int) -> c_int;
    fn close(fd: c_int) -> c_int;
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// ukc's argv: indices into the original arguments.
struct Perm<'a> {
    order: Vec<usize>,
    args: &'a [Vec<u8>],
}

impl Argv for Perm<'_> {
    fn argc(&self) -> usize {
        self.order.len()
    }
    fn arg(&self, i: usize) -> &[u8] {
        &self.args[self.order[i]]
    }
    fn rotate(&mut self, from: usize, mid: usize, to: usize) {
        self.order[from..to].rotate_left(mid - from);
    }
}

/// One step as both sides report it: return value, optind, optarg as
/// (original argument, offset), optopt, longindex, the flag's value.
type Step = (i32, i32, Option<(usize, usize)>, i32, i32, i32);

const TOKENS: &[&str] = &[
    "-a",
    "-b",
    "-c",
    "-ab",
    "-abc",
    "-bval",
    "-cval",
    "-ac",
    "-z",
    "-:",
    "-;",
    "x",
    "file",
    "--",
    "-",
    "--alpha",
    "--al",
    "--a",
    "--beta",
    "--beta=3",
    "--be",
    "--b=x",
    "--gamma",
    "--gamma=1",
    "--g",
    "--delta",
    "--del=",
    "--unknown",
    "--alpha=1",
    "-alpha",
    "-beta",
    "-gam",
    "-al",
    "--=x",
    "--verbose",
    "--ver",
    "--v",
    "-W",
    "-d",
    "-dd",
];

const OPTSTRINGS: &[&str] = &[
    "ab:c::d", "+ab:c", "-ab:c::", ":ab:c", "+:ab:", "-:a:bc", "abc", "", "a:b::c:d",
];

fn longopts(r: &mut Rng, flags: &mut [c_int; 4]) -> Vec<(String, i32, usize, i32)> {
    let names = [
        "alpha", "beta", "gamma", "delta", "verbose", "version", "al", "betamax",
    ];
    let mut v = vec![];
    for &n in &names {
        if r.below(3) == 0 {
            continue;
        }
        let flag = if r.below(4) == 0 {
            &mut flags[r.below(4) as usize] as *mut c_int as usize
        } else {
            0
        };
        let val = r.pick(&[b'a' as i32, b'b' as i32, 1, 2, 300, b'v' as i32]);
        v.push((n.to_string(), r.pick(&[0, 1, 2]), flag, val));
    }
    v
}

fn run_case(r: &mut Rng, st: &mut State) {
    let argc = r.below(10) as usize + 1;
    let mut args: Vec<Vec<u8>> = vec![b"prog".to_vec()];
    for _ in 1..argc {
        args.push(r.pick(TOKENS).as_bytes().to_vec());
    }
    let optstring = r.pick(OPTSTRINGS);
    let mode = r.below(3); // 0 getopt, 1 getopt_long, 2 getopt_long_only
    let mut gflags = [0 as c_int; 4];
    let mut uflags = [0 as c_int; 4];
    let lo = longopts(r, &mut gflags);
    let opterr_on = r.below(4) != 0;

    // glibc.
    let cstrings: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.clone()).unwrap())
        .collect();
    let mut gargv: Vec<*mut c_char> = cstrings.iter().map(|c| c.as_ptr() as *mut c_char).collect();
    gargv.push(std::ptr::null_mut());
    let cnames: Vec<CString> = lo
        .iter()
        .map(|o| CString::new(o.0.clone()).unwrap())
        .collect();
    let mut copts: Vec<COption> = lo
        .iter()
        .zip(&cnames)
        .map(|(o, n)| COption {
            name: n.as_ptr(),
            has_arg: o.1,
            flag: o.2 as *mut c_int,
            val: o.3,
        })
        .collect();
    copts.push(COption {
        name: std::ptr::null(),
        has_arg: 0,
        flag: std::ptr::null_mut(),
        val: 0,
    });
    let copt = CString::new(optstring).unwrap();
    let where_is = |p: *mut c_char| -> Option<(usize, usize)> {
        if p.is_null() {
            return None;
        }
        cstrings.iter().enumerate().find_map(|(i, c)| {
            let base = c.as_ptr() as usize;
            let a = p as usize;
            (a >= base && a <= base + c.as_bytes().len()).then(|| (i, a - base))
        })
    };
    let mut gsteps: Vec<Step> = vec![];
    let mut file = tempfile();
    // SAFETY: one thread uses glibc's getopt globals and fd 2 here.
    let gerr = unsafe {
        let saved = dup(2);
        dup2(file.as_raw_fd(), 2);
        optind = 0;
        opterr = opterr_on as c_int;
        for _ in 0..20 {
            let mut li: c_int = -1;
            optarg = std::ptr::null_mut();
            let ret = match mode {
                0 => c_getopt(argc as c_int, gargv.as_mut_ptr(), copt.as_ptr()),
                1 => getopt_long(
                    argc as c_int,
                    gargv.as_mut_ptr(),
                    copt.as_ptr(),
                    copts.as_ptr(),
                    &mut li,
                ),
                _ => getopt_long_only(
                    argc as c_int,
                    gargv.as_mut_ptr(),
                    copt.as_ptr(),
                    copts.as_ptr(),
                    &mut li,
                ),
            };
            let flag_sum: c_int = gflags.iter().sum();
            gsteps.push((ret, optind, where_is(optarg), optopt, li, flag_sum));
            if ret == -1 {
                break;
            }
        }
        dup2(saved, 2);
        close(saved);
        let mut s = vec![];
        file.rewind().unwrap();
        file.read_to_end(&mut s).unwrap();
        s
    };
    let gorder: Vec<usize> = gargv[..argc]
        .iter()
        .map(|&p| where_is(p).unwrap().0)
        .collect();

    // ukc, with the same options (flags in its own array, same slots).
    let ulong: Vec<LongOpt> = lo
        .iter()
        .map(|o| {
            let flag = if o.2 == 0 {
                0
            } else {
                (o.2 - gflags.as_ptr() as usize) / 4 + 1
            };
            LongOpt {
                name: o.0.as_bytes(),
                has_arg: o.1,
                flag,
                val: o.3,
            }
        })
        .collect();
    let opts = Opts(&ulong);
    let call = Call {
        optstring: optstring.as_bytes(),
        longopts: (mode != 0).then_some(&opts as &dyn LongOpts),
        long_only: mode == 2,
        opterr: opterr_on,
        posixly_correct: false,
    };
    // One state for all cases, as glibc has: optind = 0 starts over but
    // keeps the last optopt.
    st.optind = 0;
    let mut perm = Perm {
        order: (0..argc).collect(),
        args: &args,
    };
    let mut usteps: Vec<Step> = vec![];
    let mut uerr = vec![];
    let mut optopt_now = st.optopt;
    for _ in 0..20 {
        let f = getopt(st, &mut perm, &call, &mut |b: &[u8]| {
            uerr.extend_from_slice(b)
        });
        if let Some(k) = f.set_flag {
            uflags[ulong[k].flag - 1] = ulong[k].val;
        }
        optopt_now = st.optopt;
        let oa = f.optarg.map(|(i, off)| (perm.order[i], off));
        let li = f.longindex.map_or(-1, |i| i as c_int);
        usteps.push((f.ret, st.optind, oa, optopt_now, li, uflags.iter().sum()));
        if f.ret == -1 {
            break;
        }
    }
    let _ = optopt_now;
    let ctx = format!(
        "mode {mode} optstring {optstring:?} args {:?} longopts {:?}",
        args.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>(),
        lo.iter()
            .map(|o| (&o.0, o.1, o.2 != 0, o.3))
            .collect::<Vec<_>>()
    );
    assert_eq!(usteps, gsteps, "steps: {ctx}");
    assert_eq!(perm.order, gorder, "argv order: {ctx}");
    assert_eq!(
        String::from_utf8_lossy(&uerr),
        String::from_utf8_lossy(&gerr),
        "stderr: {ctx}"
    );
}

fn tempfile() -> std::fs::File {
    let path = std::env::temp_dir().join(format!("ukc-getopt-{}", std::process::id()));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f
}

#[test]
fn getopt_matches_glibc() {
    assert!(
        std::env::var_os("POSIXLY_CORRECT").is_none(),
        "run without POSIXLY_CORRECT"
    );
    let mut r = Rng(0x6e70_0123);
    let mut st = State::new();
    for _ in 0..60_000 {
        run_case(&mut r, &mut st);
    }
}
