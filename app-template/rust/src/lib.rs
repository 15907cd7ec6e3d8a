//! A ukrt Rust app: greets, prints its arguments and the GREETING
//! variable, and with an argument `serve=PORT` runs a tiny TCP service on
//! that port: it answers each connection with one line and closes it.
#![no_std]

use ukrt_app::net::{Ipv4Addr, TcpListener};
use ukrt_app::{alloc::vec::Vec, eprintln, println};

ukrt_app::entry!(main);

fn main(args: ukrt_app::Args) -> i32 {
    let name = args.get(0).unwrap_or("?");
    println!("Hello from {name}!");
    let rest: Vec<&str> = args.iter().skip(1).collect();
    println!("{} arguments: {:?}", rest.len(), rest);
    if let Some(who) = ukrt_app::env(c"GREETING") {
        println!("GREETING is {who}");
    }
    let serve = rest.iter().find_map(|a| a.strip_prefix("serve="));
    match serve.map(str::parse::<u16>) {
        None => 0,
        Some(Ok(port)) => serve_forever(name, port),
        Some(Err(_)) => {
            eprintln!("{name}: serve= takes a port number");
            2
        }
    }
}

/// Answers every connection on `port` with a line, then closes it.
fn serve_forever(name: &str, port: u16) -> i32 {
    let listener = match TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{name}: cannot listen on port {port}: {e}");
            return 1;
        }
    };
    let port = listener.local_addr().map_or(port, |a| a.port());
    println!("{name}: listening on port {port}");
    let mut served: u64 = 0;
    for stream in listener.incoming() {
        match stream {
            Ok(s) => {
                served += 1;
                let peer = s
                    .peer_addr()
                    .map(|a| *a.ip())
                    .unwrap_or(Ipv4Addr::UNSPECIFIED);
                if let Err(e) = writeln!(
                    s,
                    "Hello from {name}! You are visitor {served}, from {peer}."
                ) {
                    eprintln!("{name}: write: {e}");
                }
                // Dropping the stream closes the connection.
            }
            Err(e) => eprintln!("{name}: accept: {e}"),
        }
    }
    0
}
