//! Hello in Rust, with the ukrt-app wrappers.
#![no_std]

use ukrt_app::{alloc::string::String, alloc::vec::Vec, fs, println};

ukrt_app::entry!(main);

fn main(args: ukrt_app::Args) -> i32 {
    println!("Hello from Rust!");
    for a in args.iter() {
        println!("arg: {a}");
    }
    // The heap (libukc's malloc) and floating point (hard-float ABI) work.
    let words: Vec<String> = args.iter().map(|a| a.to_uppercase()).collect();
    println!("upper: {}", words.join(" "));
    let x = core::hint::black_box(1.25f64) * 4.0;
    println!("float: {x:.2}");
    // Files, shaped like std::fs: /tmp is a RAM filesystem.
    let written = fs::create_dir_all("/tmp/hello")
        .and_then(|()| fs::write("/tmp/hello/words.txt", words.join(" ")))
        .and_then(|()| fs::read_to_string("/tmp/hello/words.txt"));
    match written {
        Ok(text) => println!("file: {text}"),
        Err(e) => println!("file: {e}"),
    }
    0
}
