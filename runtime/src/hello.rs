//! The built-in hello app: the default image until apps are loaded from a
//! bundle. It greets, echoes its arguments, and understands two switches used
//! by the boot tests: `exit=N` (exit with status N), `panic[=message]`, and
//! `lines=N` (print N numbered lines, to check that no output is lost), and
//! `hang` (never exit, to check the harness's time limit).

/// What the app was asked to do by its arguments.
#[derive(Debug, PartialEq, Eq)]
pub enum Action<'a> {
    Exit(i32),
    Panic(&'a str),
    Hang,
}

/// Reads the switches from the arguments; the last one wins.
pub fn action<'a>(args: impl Iterator<Item = &'a str>) -> Result<Action<'a>, &'a str> {
    let mut action = Action::Exit(0);
    for arg in args {
        if let Some(n) = arg.strip_prefix("exit=") {
            action = Action::Exit(n.parse().map_err(|_| arg)?);
        } else if arg == "panic" {
            action = Action::Panic("requested by the command line");
        } else if arg == "hang" {
            action = Action::Hang;
        } else if let Some(msg) = arg.strip_prefix("panic=") {
            action = Action::Panic(msg);
        }
    }
    Ok(action)
}

/// Runs the app and returns its exit status.
pub fn main(cmdline: &crate::cmdline::Cmdline) -> i32 {
    crate::println!("Hello, world! (from the built-in hello app)");
    for (i, arg) in cmdline.app_args().enumerate() {
        crate::println!("argv[{i}] = {arg:?}");
        if let Some(n) = arg
            .strip_prefix("lines=")
            .and_then(|n| n.parse::<u32>().ok())
        {
            for line in 0..n {
                crate::println!("line {line} of {n}: the quick brown fox jumps over the lazy dog");
            }
        }
    }
    match action(cmdline.app_args()) {
        Ok(Action::Exit(status)) => status,
        Ok(Action::Panic(msg)) => panic!("hello: {msg}"),
        Ok(Action::Hang) => {
            crate::println!("hello: hanging as asked");
            loop {
                #[cfg(target_os = "none")]
                crate::xen::hypercall::sched_yield();
                #[cfg(not(target_os = "none"))]
                core::hint::spin_loop();
            }
        }
        Err(bad) => {
            crate::println!("hello: bad argument {bad:?}: expected exit=<integer>");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches() {
        assert_eq!(action("a b".split(' ')), Ok(Action::Exit(0)));
        assert_eq!(action("exit=3".split(' ')), Ok(Action::Exit(3)));
        assert_eq!(action("exit=-1".split(' ')), Ok(Action::Exit(-1)));
        assert_eq!(action("panic=boom".split(' ')), Ok(Action::Panic("boom")));
        assert_eq!(action("exit=x".split(' ')), Err("exit=x"));
    }
}
