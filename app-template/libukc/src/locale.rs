//! locale.h: there is only the C locale. `setlocale` accepts "C",
//! "POSIX" and "" (the environment's choice, whatever it names, is the C
//! locale here) for every category, and NULL to ask; any other name fails,
//! as glibc fails for a locale it does not have (glibc 2.35+ also has a
//! built-in "C.UTF-8", which this layer does not: no multibyte support).

/// glibc's category numbers.
pub const LC_CTYPE: i32 = 0;
pub const LC_NUMERIC: i32 = 1;
pub const LC_TIME: i32 = 2;
pub const LC_COLLATE: i32 = 3;
pub const LC_MONETARY: i32 = 4;
pub const LC_MESSAGES: i32 = 5;
pub const LC_ALL: i32 = 6;
pub const LC_PAPER: i32 = 7;
pub const LC_NAME: i32 = 8;
pub const LC_ADDRESS: i32 = 9;
pub const LC_TELEPHONE: i32 = 10;
pub const LC_MEASUREMENT: i32 = 11;
pub const LC_IDENTIFICATION: i32 = 12;

/// A category number that does not exist (setlocale's EINVAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadCategory;

/// What setlocale does: `Err` for an unknown category, `Ok(None)` for a
/// locale that does not exist, else the locale's name with its NUL (always
/// "C").
pub fn setlocale(category: i32, name: Option<&[u8]>) -> Result<Option<&'static [u8]>, BadCategory> {
    if !(LC_CTYPE..=LC_IDENTIFICATION).contains(&category) {
        return Err(BadCategory);
    }
    Ok(match name {
        None | Some(b"" | b"C" | b"POSIX") => Some(b"C\0"),
        Some(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_c_locale_exists() {
        assert_eq!(setlocale(LC_ALL, Some(b"")), Ok(Some(&b"C\0"[..])));
        assert_eq!(setlocale(LC_NUMERIC, Some(b"POSIX")), Ok(Some(&b"C\0"[..])));
        assert_eq!(setlocale(LC_ALL, None), Ok(Some(&b"C\0"[..])));
        assert_eq!(setlocale(LC_ALL, Some(b"fr_FR.UTF-8")), Ok(None));
        assert_eq!(setlocale(13, Some(b"C")), Err(BadCategory));
        assert_eq!(setlocale(-1, None), Err(BadCategory));
    }
}
