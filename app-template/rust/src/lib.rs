//! A ukrt Rust app.
#![no_std]

use ukrt_app::{alloc::vec::Vec, println};

ukrt_app::entry!(main);

fn main(args: ukrt_app::Args) -> i32 {
    println!("Hello from {}!", args.get(0).unwrap_or("?"));
    let rest: Vec<&str> = args.iter().skip(1).collect();
    println!("{} arguments: {:?}", rest.len(), rest);
    if let Some(who) = ukrt_app::env(c"GREETING") {
        println!("GREETING is {who}");
    }
    0
}
