//! Hello in Rust, with the ukrt-app wrappers. With the argument `read`,
//! it also reads lines from the console until `quit` or the end of input.
#![no_std]

use ukrt_app::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use ukrt_app::{alloc::string::String, alloc::vec::Vec, env, fs, io, println, thread};

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
    // The environment, the clocks and sleep, shaped like std's.
    match env::var("GREETING") {
        Ok(g) => println!("env: GREETING={g} ({} variables)", env::vars().count()),
        Err(e) => println!("env: GREETING: {e}"),
    }
    let start = Instant::now();
    thread::sleep(Duration::from_millis(20));
    let slept = start.elapsed();
    let year = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| 1970 + d.as_secs() / 31_556_952);
    println!(
        "time: slept at least 20 ms: {}; the wall clock is past 2020: {}",
        slept >= Duration::from_millis(20),
        year > 2020
    );
    if args.iter().any(|a| a == "read") {
        read_lines();
    }
    0
}

/// Echoes console lines until `quit` or the end of input.
fn read_lines() {
    println!("type lines; quit ends");
    for line in io::stdin().lines() {
        match line {
            Ok(l) if l == "quit" => break,
            Ok(l) => println!("rust read: {l} ({} bytes)", l.len()),
            Err(e) => {
                println!("stdin: {e}");
                break;
            }
        }
    }
    println!("done reading");
}
