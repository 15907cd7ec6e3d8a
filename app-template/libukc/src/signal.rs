//! What a signal does when the app raises it: the dispositions signal()
//! and sigaction() set, and the default actions of Linux (see signal(7)),
//! for a runtime where no other process can send one.

/// Signal numbers are 1..NSIG (as on x86_64 Linux: 64 signals).
pub const NSIG: i32 = 65;
pub const SIGKILL: i32 = 9;
pub const SIGSTOP: i32 = 19;
pub const SIGABRT: i32 = 6;

/// `SIG_DFL` and `SIG_IGN` as handler values.
pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;
/// `SIG_ERR`.
pub const SIG_ERR: usize = usize::MAX;

/// sigaction flags libukc acts on.
pub const SA_SIGINFO: u32 = 4;
pub const SA_NODEFER: u32 = 0x4000_0000;
pub const SA_RESETHAND: u32 = 0x8000_0000;

/// What raising a signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Call the handler (with siginfo if `siginfo`), after resetting the
    /// disposition to SIG_DFL if `reset`.
    Handle {
        handler: usize,
        siginfo: bool,
        reset: bool,
    },
    /// Nothing happens (ignored, or a default that ignores).
    Ignore,
    /// The app ends with status 128 + signal; the message is what a shell
    /// prints for it.
    Terminate { status: i32, message: &'static str },
}

/// Whether `sig` is a signal number.
pub fn valid(sig: i32) -> bool {
    (1..NSIG).contains(&sig)
}

/// Whether a handler may be set for `sig` (not for SIGKILL and SIGSTOP).
pub fn catchable(sig: i32) -> bool {
    valid(sig) && sig != SIGKILL && sig != SIGSTOP
}

/// The default action of `sig`: signals whose default is to ignore (or
/// to stop or continue, which means nothing without job control) do
/// nothing; the rest end the app.
pub fn default_action(sig: i32) -> Action {
    match sig {
        // SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH
        17..=23 | 28 => Action::Ignore,
        _ => Action::Terminate {
            status: 128 + sig,
            message: shell_message(sig),
        },
    }
}

/// What bash prints when a child ends by `sig` (glibc's strsignal text for
/// most), so an app that raises one reads as it would on Linux.
pub fn shell_message(sig: i32) -> &'static str {
    match sig {
        1 => "Hangup",
        2 => "",
        3 => "Quit",
        4 => "Illegal instruction",
        5 => "Trace/breakpoint trap",
        6 => "Aborted",
        7 => "Bus error",
        8 => "Floating point exception",
        9 => "Killed",
        10 => "User defined signal 1",
        11 => "Segmentation fault",
        12 => "User defined signal 2",
        13 => "",
        14 => "Alarm clock",
        15 => "Terminated",
        16 => "Stack fault",
        24 => "CPU time limit exceeded",
        25 => "File size limit exceeded",
        26 => "Virtual timer expired",
        27 => "Profiling timer expired",
        29 => "I/O possible",
        30 => "Power failure",
        31 => "Bad system call",
        _ => "Real-time signal",
    }
}

/// One signal's disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Disposition {
    pub handler: usize,
    pub flags: u32,
}

/// What raising `sig` with disposition `d` does.
pub fn action(sig: i32, d: Disposition) -> Action {
    match d.handler {
        SIG_DFL => default_action(sig),
        SIG_IGN => Action::Ignore,
        h => Action::Handle {
            handler: h,
            siginfo: d.flags & SA_SIGINFO != 0,
            reset: d.flags & SA_RESETHAND != 0,
        },
    }
}

/// A signal set: bit `sig - 1` of the 1024-bit glibc `sigset_t` (libukc
/// uses the first 64).
pub fn bit(sig: i32) -> Option<u64> {
    valid(sig).then(|| 1u64 << (sig - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_linux() {
        assert_eq!(
            default_action(6),
            Action::Terminate {
                status: 134,
                message: "Aborted"
            }
        );
        assert_eq!(
            default_action(11),
            Action::Terminate {
                status: 139,
                message: "Segmentation fault"
            }
        );
        assert_eq!(
            default_action(15),
            Action::Terminate {
                status: 143,
                message: "Terminated"
            }
        );
        for ignored in [17, 18, 19, 20, 21, 22, 23, 28] {
            assert_eq!(default_action(ignored), Action::Ignore, "signal {ignored}");
        }
        assert_eq!(
            default_action(34),
            Action::Terminate {
                status: 162,
                message: "Real-time signal"
            }
        );
    }

    #[test]
    fn dispositions_pick_the_action() {
        let d = |handler, flags| Disposition { handler, flags };
        assert_eq!(action(2, d(SIG_IGN, 0)), Action::Ignore);
        assert_eq!(action(2, d(SIG_DFL, 0)), default_action(2));
        assert_eq!(
            action(10, d(0x1234, SA_SIGINFO | SA_RESETHAND)),
            Action::Handle {
                handler: 0x1234,
                siginfo: true,
                reset: true
            }
        );
    }

    #[test]
    fn numbers_and_sets() {
        assert!(!valid(0) && valid(1) && valid(64) && !valid(65) && !valid(-1));
        assert!(!catchable(9) && !catchable(19) && catchable(6));
        assert_eq!(bit(1), Some(1));
        assert_eq!(bit(64), Some(1 << 63));
        assert_eq!(bit(0), None);
    }
}
