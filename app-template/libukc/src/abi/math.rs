//! The math subset, from the `libm` crate (a port of musl's libm, the
//! usual choice for no_std Rust).
//!
//! Exported as `ukc_<name>`: compiler_builtins carries hidden weak copies of
//! the libm names, and a hidden definition anywhere hides the symbol from
//! the library's exports. math.h binds each C name to its `ukc_` symbol
//! with an asm label, so C code still calls `sqrt`.
macro_rules! unary {
    ($($name:ident => $sym:literal),* $(,)?) => {$(
        #[export_name = $sym]
        pub extern "C" fn $name(x: f64) -> f64 {
            libm::$name(x)
        }
    )*};
}
macro_rules! binary {
    ($($name:ident => $sym:literal),* $(,)?) => {$(
        #[export_name = $sym]
        pub extern "C" fn $name(x: f64, y: f64) -> f64 {
            libm::$name(x, y)
        }
    )*};
}

unary!(
    sqrt => "ukc_sqrt", fabs => "ukc_fabs", floor => "ukc_floor", ceil => "ukc_ceil",
    exp => "ukc_exp", log => "ukc_log", log10 => "ukc_log10", log2 => "ukc_log2",
    sin => "ukc_sin", cos => "ukc_cos", tan => "ukc_tan", asin => "ukc_asin",
    acos => "ukc_acos", atan => "ukc_atan", sinh => "ukc_sinh", cosh => "ukc_cosh",
    tanh => "ukc_tanh", round => "ukc_round", trunc => "ukc_trunc", cbrt => "ukc_cbrt",
);
binary!(
    fmod => "ukc_fmod", pow => "ukc_pow", atan2 => "ukc_atan2", hypot => "ukc_hypot",
    fmin => "ukc_fmin", fmax => "ukc_fmax",
);
