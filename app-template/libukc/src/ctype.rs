//! ctype.h in the C locale, matching glibc: the classes are the ASCII ones;
//! EOF (-1), the bytes 128..=255 and any other value belong to none of them.
//!
//! A true result is not 1 but the bit glibc's class table uses for the class
//! (`isalpha('a')` is 1024 there), so that a program printing the result
//! prints the same thing.
//!
//! `tolower`/`toupper` change only the ASCII letters. Like glibc's tables,
//! they map the other values a `signed char` can hold, -128..=-2, to the
//! same byte as `unsigned char` (c + 256); EOF and everything else is
//! returned unchanged.

/// The byte `c` stands for, if it is one of 0..=255.
#[inline]
fn byte(c: i32) -> Option<u8> {
    u8::try_from(c).ok()
}

#[inline]
fn class(c: i32, f: fn(&u8) -> bool, bit: i32) -> i32 {
    match byte(c) {
        Some(b) if f(&b) => bit,
        _ => 0,
    }
}

// glibc's class bits (bits/ctype.h's `_ISbit` on a little-endian machine).
const UPPER: i32 = 1 << 8;
const LOWER: i32 = 1 << 9;
const ALPHA: i32 = 1 << 10;
const DIGIT: i32 = 1 << 11;
const XDIGIT: i32 = 1 << 12;
const SPACE: i32 = 1 << 13;
const PRINT: i32 = 1 << 14;
const GRAPH: i32 = 1 << 15;
const BLANK: i32 = 1;
const CNTRL: i32 = 1 << 1;
const PUNCT: i32 = 1 << 2;
const ALNUM: i32 = 1 << 3;

/// Letters and digits.
pub fn isalnum(c: i32) -> i32 {
    class(c, u8::is_ascii_alphanumeric, ALNUM)
}

/// Letters.
pub fn isalpha(c: i32) -> i32 {
    class(c, u8::is_ascii_alphabetic, ALPHA)
}

/// Space and tab.
pub fn isblank(c: i32) -> i32 {
    if c == b' ' as i32 || c == b'\t' as i32 {
        BLANK
    } else {
        0
    }
}

/// 0..=31 and 127.
pub fn iscntrl(c: i32) -> i32 {
    class(c, u8::is_ascii_control, CNTRL)
}

/// 0..=9.
pub fn isdigit(c: i32) -> i32 {
    class(c, u8::is_ascii_digit, DIGIT)
}

/// Printable characters other than space: 33..=126.
pub fn isgraph(c: i32) -> i32 {
    class(c, u8::is_ascii_graphic, GRAPH)
}

/// a..=z.
pub fn islower(c: i32) -> i32 {
    class(c, u8::is_ascii_lowercase, LOWER)
}

/// Printable characters including space: 32..=126.
pub fn isprint(c: i32) -> i32 {
    if (0x20..0x7f).contains(&c) {
        PRINT
    } else {
        0
    }
}

/// Printable characters that are neither letters, digits nor space.
pub fn ispunct(c: i32) -> i32 {
    class(c, u8::is_ascii_punctuation, PUNCT)
}

/// Space, \t, \n, \v, \f and \r (Rust's `is_ascii_whitespace` lacks \v).
pub fn isspace(c: i32) -> i32 {
    if c == b' ' as i32 || (0x09..=0x0d).contains(&c) {
        SPACE
    } else {
        0
    }
}

/// A..=Z.
pub fn isupper(c: i32) -> i32 {
    class(c, u8::is_ascii_uppercase, UPPER)
}

/// 0..=9, a..=f and A..=F.
pub fn isxdigit(c: i32) -> i32 {
    class(c, u8::is_ascii_hexdigit, XDIGIT)
}

/// 0..=127.
pub fn isascii(c: i32) -> i32 {
    (c & !0x7f == 0) as i32
}

/// The low seven bits.
pub fn toascii(c: i32) -> i32 {
    c & 0x7f
}

/// A..=Z to a..=z; see the module notes for negative values.
pub fn tolower(c: i32) -> i32 {
    match c {
        0x41..=0x5a => c + 0x20,
        -128..=-2 => c + 256,
        _ => c,
    }
}

/// a..=z to A..=Z; see the module notes for negative values.
pub fn toupper(c: i32) -> i32 {
    match c {
        0x61..=0x7a => c - 0x20,
        -128..=-2 => c + 256,
        _ => c,
    }
}

/// `isspace` for a byte, for the parsers in this crate.
#[inline]
pub(crate) fn is_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}
