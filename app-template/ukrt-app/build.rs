//! Links the app against libukc.so (the libc-like layer in the bundle).
fn main() {
    println!("cargo:rerun-if-env-changed=UKRT_LIB_DIR");
    if let Ok(dir) = std::env::var("UKRT_LIB_DIR") {
        println!("cargo:rustc-link-search=native={dir}");
    }
    println!("cargo:rustc-link-lib=dylib=ukc");
}
