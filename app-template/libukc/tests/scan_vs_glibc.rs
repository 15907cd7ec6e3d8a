//! ukc::scan (the engine of sscanf, fscanf, scanf) against the host glibc's
//! C99 scanf (`__isoc99_sscanf`, what C programs built against glibc call):
//! hundreds of thousands of generated format/input pairs, with every
//! conversion, width, `*`, length modifier and set, inputs that match,
//! half-match, overflow or end early. The return value, every byte stored
//! through the arguments and, through fmemopen and fscanf, how much input
//! was consumed must all be the same.
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use ukc::scan::{scan, Args, Float, IntSize, StrInput};

extern "C" {
    fn __isoc99_sscanf(s: *const c_char, fmt: *const c_char, ...) -> c_int;
    fn __isoc99_fscanf(f: *mut c_void, fmt: *const c_char, ...) -> c_int;
    fn fmemopen(buf: *mut c_void, size: usize, mode: *const c_char) -> *mut c_void;
    fn ftell(f: *mut c_void) -> i64;
    fn fclose(f: *mut c_void) -> c_int;
    fn free(p: *mut c_void);
}

const SLOTS: usize = 6;
const SLOT: usize = 1024;
const FILL: u8 = 0xa5;

/// The arguments' memory: SLOTS slots, one per pointer argument.
#[repr(C, align(16))]
struct Mem([[u8; SLOT]; SLOTS]);

impl Mem {
    fn new() -> Box<Mem> {
        Box::new(Mem([[FILL; SLOT]; SLOTS]))
    }
    fn ptrs(&mut self) -> [*mut c_void; SLOTS] {
        std::array::from_fn(|i| self.0[i].as_mut_ptr().cast())
    }
}

/// ukc's Args over the same memory layout, and a record of which slots got
/// an allocated string (their glibc counterpart holds a malloc'd pointer).
struct Store<'a> {
    mem: &'a mut Mem,
    next: usize,
    /// The argument `%N$` named (1-based), 0 for the next.
    pos_arg: usize,
    cur: usize,
    pos: usize,
    wide: bool,
    alloc: bool,
    allocated: Vec<(usize, Vec<u8>)>,
}

impl Store<'_> {
    fn take(&mut self) -> usize {
        if self.pos_arg > 0 {
            return self.pos_arg - 1;
        }
        let k = self.next;
        self.next += 1;
        assert!(k < SLOTS, "more arguments than slots");
        k
    }
}

impl Args for Store<'_> {
    fn position(&mut self, n: usize) {
        self.pos_arg = n;
    }
    fn int(&mut self, size: IntSize, v: u64) {
        let k = self.take();
        let n = match size {
            IntSize::Char => 1,
            IntSize::Short => 2,
            IntSize::Int => 4,
            IntSize::Long => 8,
        };
        self.mem.0[k][..n].copy_from_slice(&v.to_le_bytes()[..n]);
    }
    fn float(&mut self, v: Float) {
        let k = self.take();
        match v {
            Float::Single(f) => self.mem.0[k][..4].copy_from_slice(&f.to_le_bytes()),
            Float::Double(f) => self.mem.0[k][..8].copy_from_slice(&f.to_le_bytes()),
            Float::Long(f) => self.mem.0[k][..10].copy_from_slice(&ukc::scan::f64_to_x87(f)),
        }
    }
    fn start_str(&mut self, wide: bool, alloc: bool) {
        self.cur = self.take();
        self.pos = 0;
        self.wide = wide;
        self.alloc = alloc;
        if alloc {
            self.allocated.push((self.cur, vec![]));
        }
    }
    fn push(&mut self, b: u8) {
        if self.alloc {
            self.allocated.last_mut().unwrap().1.push(b);
        } else if self.wide {
            self.mem.0[self.cur][self.pos..self.pos + 4]
                .copy_from_slice(&u32::from(b).to_le_bytes());
            self.pos += 4;
        } else {
            self.mem.0[self.cur][self.pos] = b;
            self.pos += 1;
        }
    }
    fn fail_str(&mut self) {
        if self.alloc {
            self.allocated.pop();
            self.mem.0[self.cur][..8].fill(0);
        }
    }
    fn end_str(&mut self, nul: bool) {
        if nul && !self.alloc {
            let n = if self.wide { 4 } else { 1 };
            self.mem.0[self.cur][self.pos..self.pos + n].fill(0);
        }
    }
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
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One directive of a generated format, and text meant for it.
struct Piece {
    fmt: String,
    input: String,
    /// Whether it takes an argument.
    arg: bool,
    alloc: bool,
}

fn int_text(r: &mut Rng, base: u32) -> String {
    let mut s = String::new();
    if r.chance(25) {
        s.push(r.pick(&['-', '+']));
    }
    if r.chance(25) {
        s.push_str(r.pick(&["0", "0x", "0X", "00"]));
    }
    let digits: &[u8] = match (base, r.below(6)) {
        (_, 0) => b"0123456789abcdefABCDEFxg",
        (8, _) => b"01234567",
        (16, _) => b"0123456789abcdefABCDEF",
        _ => b"0123456789",
    };
    let n = r.pick(&[0, 1, 1, 2, 3, 5, 10, 19, 20, 21, 25]);
    for _ in 0..n {
        s.push(r.pick(digits) as char);
    }
    if r.chance(15) {
        s = r
            .pick(&[
                "(nil)",
                "(nil",
                "(ni)",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "9223372036854775808",
                "4294967296",
                "-2147483649",
                "0x",
                "-0x",
                "+",
                "-",
                "0xffffffffffffffffff",
                "077777777777777777777777",
            ])
            .to_string();
    }
    s
}

fn float_text(r: &mut Rng) -> String {
    if r.chance(20) {
        return r
            .pick(&[
                "inf",
                "INF",
                "infinity",
                "Infinity",
                "infin",
                "infinit",
                "infinityx",
                "nan",
                "NaN",
                "nan(123)",
                "na",
                "nax",
                "i",
                "in",
                "-inf",
                "+nan",
                "-",
                "+",
                ".",
                "-.",
                "0x",
                "0x.",
                "0x.p1",
                "0xp1",
                "0x1p",
                "0x1p+",
                "1e",
                "1e+",
                "1e-x",
                "1.e5",
                ".5",
                "5.",
                "1e400",
                "1e-400",
                "0x1.fffffffffffff8p1023",
                "4.9406564584124654e-324",
                "2.4703282292062327e-324",
                "1.00000000000000011102230246251565404236316680908203125",
                "3.4028235677973366e38",
                "1..2",
                "0e",
                "00.",
                "0x0",
                "1E5",
                "1P5",
                "0X1P5",
                "0x1e2",
                "-0",
                "1e+5e",
            ])
            .to_string();
    }
    let mut s = String::new();
    if r.chance(30) {
        s.push(r.pick(&['-', '+']));
    }
    let hex = r.chance(15);
    if hex {
        s.push_str("0x");
    }
    let digits: &[u8] = if hex {
        b"0123456789abcdefABCDEF"
    } else {
        b"0123456789"
    };
    for _ in 0..r.pick(&[0, 1, 2, 3, 5, 8, 17, 25]) {
        s.push(r.pick(digits) as char);
    }
    if r.chance(60) {
        s.push('.');
        for _ in 0..r.pick(&[0, 1, 2, 4, 8, 17, 30]) {
            s.push(r.pick(digits) as char);
        }
    }
    if r.chance(40) {
        s.push(if hex {
            r.pick(&['p', 'P'])
        } else {
            r.pick(&['e', 'E'])
        });
        if r.chance(50) {
            s.push(r.pick(&['-', '+']));
        }
        for _ in 0..r.pick(&[0, 1, 2, 3]) {
            s.push(r.pick(b"0123456789") as char);
        }
    }
    s
}

fn word(r: &mut Rng) -> String {
    let alphabet: &[u8] = b"abcxyzABC019-_]^[.,;!";
    (0..r.pick(&[0, 1, 2, 3, 5, 8, 20]))
        .map(|_| r.pick(alphabet) as char)
        .collect()
}

fn set_spec(r: &mut Rng) -> String {
    let mut s = String::from("[");
    if r.chance(40) {
        s.push('^');
    }
    if r.chance(15) {
        s.push(r.pick(&[']', '-']));
    }
    for _ in 0..r.below(4) + 1 {
        match r.below(4) {
            0 => s.push_str(r.pick(&["a-c", "x-z", "0-9", "A-Z", "c-a", "a-a", "--0", ".-;"])),
            _ => s.push(r.pick(b"abcxyz019,.;!_") as char),
        }
    }
    if r.chance(10) {
        s.push('-');
    }
    s.push(']');
    s
}

fn space(r: &mut Rng) -> &'static str {
    r.pick(&["", "", "", " ", "  ", "\t", "\n", " \n\t"])
}

fn piece(r: &mut Rng) -> Piece {
    let suppress = r.chance(15);
    let width = if r.chance(30) {
        r.below(12).to_string()
    } else {
        String::new()
    };
    let star = if suppress { "*" } else { "" };
    let mut alloc = false;
    let (conv, input) = match r.below(14) {
        0..=3 => {
            let c = r.pick(&['d', 'i', 'u', 'o', 'x', 'X', 'p']);
            let len = if c == 'p' {
                ""
            } else {
                r.pick(&["", "", "hh", "h", "l", "ll", "j", "z", "t", "q", "L"])
            };
            let base = match c {
                'o' => 8,
                'x' | 'X' | 'p' => 16,
                _ => 10,
            };
            (format!("{len}{c}"), int_text(r, base))
        }
        4..=6 => {
            let c = r.pick(&['f', 'e', 'g', 'a', 'E', 'F', 'G', 'A']);
            let len = r.pick(&["", "l"]);
            (format!("{len}{c}"), float_text(r))
        }
        7 => {
            let len = r.pick(&["", "", "l"]);
            let m = if r.chance(20) && !suppress && len.is_empty() {
                alloc = true;
                "m"
            } else {
                ""
            };
            (format!("{m}{len}s"), word(r))
        }
        8 => {
            let len = r.pick(&["", "", "l"]);
            (format!("{len}c"), word(r))
        }
        9 => {
            let m = if r.chance(20) && !suppress {
                alloc = true;
                "m"
            } else {
                ""
            };
            (format!("{m}{}", set_spec(r)), word(r))
        }
        10 => {
            let len = r.pick(&["", "hh", "h", "l", "ll"]);
            return Piece {
                fmt: format!("%{star}{len}n"),
                input: String::new(),
                arg: !suppress,
                alloc: false,
            };
        }
        11 => {
            return Piece {
                fmt: r.pick(&["%%", " %%", "%5%"]).to_string(),
                input: r.pick(&["%", " %", "x", ""]).to_string(),
                arg: false,
                alloc: false,
            }
        }
        12 => {
            let lit = r.pick(&["abc", ",", ":", "x", " - ", "\n"]);
            return Piece {
                fmt: lit.to_string(),
                input: if r.chance(80) {
                    lit.to_string()
                } else {
                    word(r)
                },
                arg: false,
                alloc: false,
            };
        }
        _ => {
            // A bad or unusual directive.
            let f = r.pick(&[
                "%y", "%1$d", "%2$s", "%3$hhx", "%ld%", "%0d", "%C", "%S", "%hhi", "%lld",
            ]);
            return Piece {
                fmt: f.to_string(),
                input: int_text(r, 10),
                arg: !matches!(f, "%y" | "%1$d" | "%2$s" | "%3$hhx"),
                alloc: false,
            };
        }
    };
    Piece {
        fmt: format!("%{star}{width}{conv}"),
        input,
        arg: !suppress,
        alloc,
    }
}

/// A generated case: the format, the input, and which argument slots take
/// allocated strings.
fn case(r: &mut Rng) -> (String, String, Vec<bool>) {
    let mut fmt = String::new();
    let mut input = String::new();
    let mut alloc_slots = vec![];
    let mut args = 0;
    for _ in 0..r.below(4) + 1 {
        let p = piece(r);
        if p.arg && args == SLOTS - 1 {
            break;
        }
        // A `%N$` store must not land on a slot holding an allocated
        // string's pointer.
        let positional = p.fmt.contains('$');
        if (positional && alloc_slots.contains(&true)) || (p.alloc && fmt.contains('$')) {
            continue;
        }
        fmt.push_str(space(r));
        fmt.push_str(&p.fmt);
        input.push_str(space(r));
        input.push_str(&p.input);
        if p.arg {
            alloc_slots.push(p.alloc);
            args += 1;
        }
        if r.chance(10) {
            input.push_str(&word(r));
        }
    }
    if r.chance(20) {
        fmt.push_str(space(r));
    }
    if r.chance(15) && !input.is_empty() {
        let cut = r.below(input.len() as u64) as usize;
        input.truncate(cut);
    }
    while alloc_slots.len() < SLOTS {
        alloc_slots.push(false);
    }
    (fmt, input, alloc_slots)
}

/// Runs glibc's sscanf; returns its result and the memory.
fn glibc_sscanf(fmt: &CStr, input: &CStr) -> (i32, Box<Mem>) {
    let mut mem = Mem::new();
    let p = mem.ptrs();
    // SAFETY: each pointer is SLOT bytes, 16-aligned, enough for any
    // conversion of a generated format on a generated input (under 1024
    // bytes, wide strings under 256 characters); both strings are
    // NUL-terminated; unused pointers are ignored.
    let n = unsafe {
        __isoc99_sscanf(
            input.as_ptr(),
            fmt.as_ptr(),
            p[0],
            p[1],
            p[2],
            p[3],
            p[4],
            p[5],
        )
    };
    (n, mem)
}

/// glibc's fscanf over fmemopen: how many input bytes it consumed.
fn glibc_consumed(fmt: &CStr, input: &[u8]) -> (i32, i64) {
    let mut mem = Mem::new();
    let p = mem.ptrs();
    let mut buf = input.to_vec();
    buf.push(0);
    // SAFETY: fmemopen reads `input.len()` bytes of `buf`, which outlives
    // the stream; the arguments are as in glibc_sscanf.
    unsafe {
        let f = fmemopen(buf.as_mut_ptr().cast(), input.len(), c"r".as_ptr());
        assert!(!f.is_null());
        let n = __isoc99_fscanf(f, fmt.as_ptr(), p[0], p[1], p[2], p[3], p[4], p[5]);
        let pos = ftell(f);
        fclose(f);
        (n, pos)
    }
}

fn check(r: &mut Rng) -> bool {
    let (fmt, input, alloc_slots) = case(r);
    let cfmt = CString::new(fmt.clone()).unwrap();
    let cinput = CString::new(input.clone()).unwrap();
    let (gn, gmem) = glibc_sscanf(&cfmt, &cinput);
    let mut umem = Mem::new();
    let mut store = Store {
        mem: &mut umem,
        next: 0,
        pos_arg: 0,
        cur: 0,
        pos: 0,
        wide: false,
        alloc: false,
        allocated: vec![],
    };
    let mut inp = StrInput::new(input.as_bytes());
    let un = scan(fmt.as_bytes(), &mut inp, &mut store);
    let allocated = std::mem::take(&mut store.allocated);
    let ctx = || format!("format {fmt:?} input {input:?}");
    assert_eq!(un, gn, "result: {}", ctx());
    for (k, &alloc) in alloc_slots.iter().enumerate() {
        if alloc {
            let ptr = usize::from_le_bytes(gmem.0[k][..8].try_into().unwrap());
            let ours = allocated.iter().find(|(s, _)| *s == k);
            let untouched = gmem.0[k][..8] == [FILL; 8];
            if untouched || ptr == 0 {
                assert!(ours.is_none(), "allocated slot {k}: {}", ctx());
                assert_eq!(
                    umem.0[k][..8],
                    gmem.0[k][..8],
                    "allocated slot {k}: {}",
                    ctx()
                );
                continue;
            }
            if let Some((_, bytes)) = ours {
                // SAFETY: glibc stored a malloc'd NUL-terminated string.
                let theirs = unsafe { CStr::from_ptr(ptr as *const c_char) };
                assert_eq!(bytes.as_slice(), theirs.to_bytes(), "slot {k}: {}", ctx());
                // SAFETY: it came from glibc's malloc and is not used again.
                unsafe { free(ptr as *mut c_void) };
            }
            continue;
        }
        assert!(
            umem.0[k][..] == gmem.0[k][..],
            "slot {k}: ours {:02x?} glibc {:02x?}: {}",
            &umem.0[k][..24],
            &gmem.0[k][..24],
            ctx()
        );
    }
    // (fmemopen cannot make an empty stream.)
    if alloc_slots.iter().any(|&a| a) || input.is_empty() {
        return true;
    }
    let (fn_, pos) = glibc_consumed(&cfmt, input.as_bytes());
    assert_eq!(fn_, gn, "fscanf vs sscanf: {}", ctx());
    assert_eq!(inp.pos() as i64, pos, "consumed: {}", ctx());
    true
}

#[test]
fn scan_matches_glibc_on_generated_cases() {
    let mut r = Rng(0x5ca9_2026);
    for _ in 0..1_000_000 {
        check(&mut r);
    }
}

#[test]
fn the_classic_cases() {
    let cases: &[(&str, &str)] = &[
        ("%d", "  42"),
        ("%d%n", "42"),
        ("%s %s", "hello world"),
        ("%3c", "abcdef"),
        ("%[^,],%d", "name,7"),
        ("%x", "0x"),
        ("%i", "-0x1A"),
        ("%i", "0777"),
        ("%f", "1e5"),
        ("%lf", "nan"),
        ("%p", "(nil)"),
        ("%5s%n", "abcdefgh"),
        (" %c", "   x"),
        ("%d %%", "5 %"),
        ("", ""),
        ("%d", ""),
        (" ", ""),
        ("%n", ""),
        (" %n", ""),
        ("%*d%d", "1 "),
        // An unterminated set fails (it would swallow what follows).
        ("%[abc", "abc"),
        ("%d%[abc", "1abc"),
    ];
    for (fmt, input) in cases {
        let cfmt = CString::new(*fmt).unwrap();
        let cinput = CString::new(*input).unwrap();
        let (gn, gmem) = glibc_sscanf(&cfmt, &cinput);
        let mut umem = Mem::new();
        let mut store = Store {
            mem: &mut umem,
            next: 0,
            pos_arg: 0,
            cur: 0,
            pos: 0,
            wide: false,
            alloc: false,
            allocated: vec![],
        };
        let n = scan(
            fmt.as_bytes(),
            &mut StrInput::new(input.as_bytes()),
            &mut store,
        );
        assert_eq!(n, gn, "{fmt:?} {input:?}");
        assert!(umem.0 == gmem.0, "{fmt:?} {input:?}");
    }
}

#[test]
fn long_double_stores_the_double_value() {
    // For numbers a double holds exactly, %Lf's long double is the same.
    for s in [
        "1.5",
        "-0.25",
        "0",
        "-0",
        "1e10",
        "inf",
        "-inf",
        "0x1.8p-3",
        "65536",
        "0x1p-1070",
        "nan",
    ] {
        let c = CString::new(s).unwrap();
        let (n, gmem) = glibc_sscanf(c"%Lf", &c);
        assert_eq!(n, 1);
        let mut umem = Mem::new();
        let mut store = Store {
            mem: &mut umem,
            next: 0,
            pos_arg: 0,
            cur: 0,
            pos: 0,
            wide: false,
            alloc: false,
            allocated: vec![],
        };
        assert_eq!(
            scan(b"%Lf", &mut StrInput::new(s.as_bytes()), &mut store),
            1
        );
        assert_eq!(umem.0[0][..10], gmem.0[0][..10], "{s}");
    }
}
