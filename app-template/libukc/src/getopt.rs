//! getopt, getopt_long and getopt_long_only as glibc's behave (tested
//! against them in tests/getopt_vs_glibc.rs): the same return values,
//! `optind`, `optarg`, `optopt`, messages on stderr, and the same
//! reordering of `argv`.
//!
//! By default the arguments are permuted as glibc does: options are
//! returned wherever they are, non-options are moved after them, and at
//! the end `optind` is the first non-option; `--` ends the options. An
//! optstring starting with `+` (or POSIXLY_CORRECT in the environment)
//! stops at the first non-option; one starting with `-` returns each
//! non-option as the option 1 with it in `optarg`. A `:` next makes a
//! missing argument return ':' and print nothing. Long options may be
//! abbreviated to any unambiguous prefix; `--name=value` and, for a
//! required argument, `--name value`. Setting `optind` to 0 starts over
//! (re-reading those settings), as in glibc. An ambiguous abbreviation
//! lists the candidates among the first 256 long options. Not supported: `W;` in the
//! optstring (glibc's `-W name` for `--name`); `W` is then a plain option.

/// The argument vector, which getopt reorders.
pub trait Argv {
    /// argc.
    fn argc(&self) -> usize;
    /// Argument `i` without its NUL.
    fn arg(&self, i: usize) -> &[u8];
    /// `argv[from..to].rotate_left(mid - from)`: the arguments from `mid`
    /// on come first.
    fn rotate(&mut self, from: usize, mid: usize, to: usize);
}

/// The `struct option` array.
pub trait LongOpts {
    /// How many options (before the terminating entry).
    fn count(&self) -> usize;
    fn get(&self, i: usize) -> LongOpt<'_>;
}

/// One `struct option`.
#[derive(Clone, Copy, Debug)]
pub struct LongOpt<'a> {
    pub name: &'a [u8],
    /// 0 none, 1 required, 2 optional.
    pub has_arg: i32,
    /// The `flag` pointer as a number (0 for NULL).
    pub flag: usize,
    pub val: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ordering {
    Permute,
    RequireOrder,
    ReturnInOrder,
}

/// getopt's state between calls. `optind` mirrors the C global, which the
/// caller copies in before each call and out after; `optopt` is copied out
/// (glibc's is 0 until an error sets it, though the C global starts as
/// '?').
#[derive(Debug)]
pub struct State {
    pub optind: i32,
    pub optopt: i32,
    initialized: bool,
    /// Where in which argument the next short option is.
    nextchar: Option<(usize, usize)>,
    first_nonopt: usize,
    last_nonopt: usize,
    ordering: Ordering,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    pub const fn new() -> Self {
        State {
            optind: 1,
            optopt: 0,
            initialized: false,
            nextchar: None,
            first_nonopt: 1,
            last_nonopt: 1,
            ordering: Ordering::Permute,
        }
    }
}

/// What a call found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// getopt's return value.
    pub ret: i32,
    /// `optarg`: argument and offset into it, `None` for NULL.
    pub optarg: Option<(usize, usize)>,
    /// The long option's index (for `*longindex`).
    pub longindex: Option<usize>,
    /// The long option whose `*flag` is to be set to its `val`.
    pub set_flag: Option<usize>,
}

/// The call's settings.
pub struct Call<'a> {
    pub optstring: &'a [u8],
    pub longopts: Option<&'a dyn LongOpts>,
    pub long_only: bool,
    pub opterr: bool,
    pub posixly_correct: bool,
}

/// The optstring without its ordering prefix (`+` or `-`).
fn strip(optstring: &[u8]) -> &[u8] {
    match optstring.first() {
        Some(b'-' | b'+') => &optstring[1..],
        _ => optstring,
    }
}

fn is_nonoption(s: &[u8]) -> bool {
    s.first() != Some(&b'-') || s.len() == 1
}

/// Moves the non-options seen so far after the options that followed them.
fn exchange(st: &mut State, argv: &mut dyn Argv) {
    let optind = st.optind as usize;
    argv.rotate(st.first_nonopt, st.last_nonopt, optind);
    st.first_nonopt += optind - st.last_nonopt;
    st.last_nonopt = optind;
}

/// The message writer: glibc's texts, `argv[0]` first.
struct Err<'a> {
    out: &'a mut dyn FnMut(&[u8]),
    on: bool,
}

impl Err<'_> {
    fn say(&mut self, argv: &dyn Argv, parts: &[&[u8]]) {
        if !self.on {
            return;
        }
        (self.out)(argv.arg(0));
        for p in parts {
            (self.out)(p);
        }
    }
    fn more(&mut self, parts: &[&[u8]]) {
        if self.on {
            for p in parts {
                (self.out)(p);
            }
        }
    }
}

/// One getopt step. `err` receives the messages (the C layer writes them
/// to stderr).
pub fn getopt(
    st: &mut State,
    argv: &mut dyn Argv,
    call: &Call,
    err: &mut dyn FnMut(&[u8]),
) -> Found {
    let mut found = Found {
        ret: -1,
        optarg: None,
        longindex: None,
        set_flag: None,
    };
    let argc = argv.argc();
    if argc < 1 {
        return found;
    }
    let mut optstring = call.optstring;
    if st.optind == 0 || !st.initialized {
        if st.optind == 0 {
            st.optind = 1;
        }
        st.first_nonopt = st.optind as usize;
        st.last_nonopt = st.optind as usize;
        st.nextchar = None;
        st.ordering = match optstring.first() {
            Some(b'-') => Ordering::ReturnInOrder,
            Some(b'+') => Ordering::RequireOrder,
            _ if call.posixly_correct => Ordering::RequireOrder,
            _ => Ordering::Permute,
        };
        st.initialized = true;
    }
    optstring = strip(optstring);
    let colon = optstring.first() == Some(&b':');
    let mut e = Err {
        out: err,
        on: call.opterr && !colon,
    };
    let at_end = |st: &State, argv: &dyn Argv| match st.nextchar {
        None => true,
        Some((i, off)) => i >= argv.argc() || off >= argv.arg(i).len(),
    };
    if at_end(st, argv) {
        st.nextchar = None;
        let optind = (st.optind.max(0) as usize).min(argc);
        st.optind = optind as i32;
        if st.last_nonopt > optind {
            st.last_nonopt = optind;
        }
        if st.first_nonopt > optind {
            st.first_nonopt = optind;
        }
        if st.ordering == Ordering::Permute {
            if st.first_nonopt != st.last_nonopt && st.last_nonopt != optind {
                exchange(st, argv);
            } else if st.last_nonopt != optind {
                st.first_nonopt = optind;
            }
            while (st.optind as usize) < argc && is_nonoption(argv.arg(st.optind as usize)) {
                st.optind += 1;
            }
            st.last_nonopt = st.optind as usize;
        }
        if st.optind as usize != argc && argv.arg(st.optind as usize) == b"--" {
            st.optind += 1;
            if st.first_nonopt != st.last_nonopt && st.last_nonopt != st.optind as usize {
                exchange(st, argv);
            } else if st.first_nonopt == st.last_nonopt {
                st.first_nonopt = st.optind as usize;
            }
            st.last_nonopt = argc;
            st.optind = argc as i32;
        }
        if st.optind as usize == argc {
            if st.first_nonopt != st.last_nonopt {
                st.optind = st.first_nonopt as i32;
            }
            return found;
        }
        let optind = st.optind as usize;
        if is_nonoption(argv.arg(optind)) {
            if st.ordering == Ordering::RequireOrder {
                return found;
            }
            st.optind += 1;
            found.ret = 1;
            found.optarg = Some((optind, 0));
            return found;
        }
        if let Some(longopts) = call.longopts {
            let a = argv.arg(optind);
            if a[1] == b'-' {
                st.nextchar = Some((optind, 2));
                return long_option(st, argv, call, longopts, b"--", &mut e);
            }
            if call.long_only && (a.len() > 2 || !optstring.contains(&a[1])) {
                st.nextchar = Some((optind, 1));
                let f = long_option(st, argv, call, longopts, b"-", &mut e);
                if f.ret != -1 {
                    return f;
                }
            }
        }
        st.nextchar = Some((optind, 1));
    }
    let (ai, off) = st.nextchar.unwrap_or((st.optind as usize, 1));
    let arg = argv.arg(ai);
    let c = arg[off];
    let rest = off + 1;
    st.nextchar = Some((ai, rest));
    if rest >= arg.len() {
        st.optind += 1;
    }
    let pos = optstring.iter().position(|&o| o == c);
    let Some(p) = pos.filter(|_| c != b':' && c != b';') else {
        e.say(argv, &[b": invalid option -- '", &[c], b"'\n"]);
        st.optopt = c.into();
        found.ret = b'?'.into();
        return found;
    };
    if optstring.get(p + 1) == Some(&b':') {
        if optstring.get(p + 2) == Some(&b':') {
            if rest < arg.len() {
                found.optarg = Some((ai, rest));
                st.optind += 1;
            }
        } else if rest < arg.len() {
            found.optarg = Some((ai, rest));
            st.optind += 1;
        } else if st.optind as usize >= argc {
            e.say(argv, &[b": option requires an argument -- '", &[c], b"'\n"]);
            st.optopt = c.into();
            found.ret = if colon { b':' } else { b'?' }.into();
            st.nextchar = None;
            return found;
        } else {
            found.optarg = Some((st.optind as usize, 0));
            st.optind += 1;
        }
        st.nextchar = None;
    }
    found.ret = c.into();
    found
}

/// A long option at `st.nextchar` (after `prefix`). Returns `ret == -1`
/// when getopt_long_only should try it as short options instead.
fn long_option(
    st: &mut State,
    argv: &dyn Argv,
    call: &Call,
    longopts: &dyn LongOpts,
    prefix: &[u8],
    e: &mut Err,
) -> Found {
    let mut found = Found {
        ret: -1,
        optarg: None,
        longindex: None,
        set_flag: None,
    };
    let (ai, off) = st.nextchar.unwrap_or((st.optind as usize, 2));
    let text = &argv.arg(ai)[off..];
    let namelen = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
    let name = &text[..namelen];
    let n = longopts.count();
    let mut index = (0..n).find(|&i| longopts.get(i).name == name);
    if index.is_none() {
        let mut first: Option<usize> = None;
        let mut ambiguous = [false; 256];
        let mut any_ambiguous = false;
        for i in 0..n {
            let o = longopts.get(i);
            if !o.name.starts_with(name) {
                continue;
            }
            match first {
                None => first = Some(i),
                Some(f) => {
                    let p = longopts.get(f);
                    if call.long_only
                        || p.has_arg != o.has_arg
                        || p.flag != o.flag
                        || p.val != o.val
                    {
                        any_ambiguous = true;
                        ambiguous[f.min(255)] = true;
                        ambiguous[i.min(255)] = true;
                    }
                }
            }
        }
        if any_ambiguous {
            e.say(
                argv,
                &[
                    b": option '",
                    prefix,
                    text,
                    b"' is ambiguous; possibilities:",
                ],
            );
            for (i, _) in ambiguous.iter().enumerate().take(n).filter(|(_, &a)| a) {
                e.more(&[b" '", prefix, longopts.get(i).name, b"'"]);
            }
            e.more(&[b"\n"]);
            st.nextchar = None;
            st.optind += 1;
            st.optopt = 0;
            found.ret = b'?'.into();
            return found;
        }
        index = first;
    }
    let Some(index) = index else {
        let a = argv.arg(st.optind as usize);
        let optstring = strip(call.optstring);
        if !call.long_only
            || a.get(1) == Some(&b'-')
            || !optstring.contains(&text.first().copied().unwrap_or(0))
        {
            e.say(argv, &[b": unrecognized option '", prefix, text, b"'\n"]);
            st.nextchar = None;
            st.optind += 1;
            st.optopt = 0;
            found.ret = b'?'.into();
        }
        return found;
    };
    let o = longopts.get(index);
    st.optind += 1;
    st.nextchar = None;
    if namelen < text.len() {
        if o.has_arg != 0 {
            found.optarg = Some((ai, off + namelen + 1));
        } else {
            e.say(
                argv,
                &[
                    b": option '",
                    prefix,
                    o.name,
                    b"' doesn't allow an argument\n",
                ],
            );
            st.optopt = o.val;
            found.ret = b'?'.into();
            return found;
        }
    } else if o.has_arg == 1 {
        if (st.optind as usize) < argv.argc() {
            found.optarg = Some((st.optind as usize, 0));
            st.optind += 1;
        } else {
            e.say(
                argv,
                &[b": option '", prefix, o.name, b"' requires an argument\n"],
            );
            st.optopt = o.val;
            let colon = strip(call.optstring).first() == Some(&b':');
            found.ret = if colon { b':' } else { b'?' }.into();
            return found;
        }
    }
    found.longindex = Some(index);
    if o.flag != 0 {
        found.set_flag = Some(index);
        found.ret = 0;
    } else {
        found.ret = o.val;
    }
    found
}
