//! ctype.h under its C names (the logic is crate::ctype).
macro_rules! export {
    ($($name:ident),*) => {$(
        #[no_mangle]
        pub extern "C" fn $name(c: i32) -> i32 {
            crate::ctype::$name(c)
        }
    )*};
}

export!(
    isalnum, isalpha, isblank, iscntrl, isdigit, isgraph, islower, isprint, ispunct, isspace,
    isupper, isxdigit, isascii, toascii, tolower, toupper
);
