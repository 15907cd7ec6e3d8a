//! Cooperative threads: each app runs as a thread with its own stacks, and
//! gives the CPU up only when it sleeps, waits for input, yields or ends.
//! When no thread can run, the vCPU blocks until the next timer or event.
//!
//! One vCPU and no preemption: the scheduler's state is touched only from
//! thread context (event handlers just set flags), so it needs no lock.
#[cfg(target_os = "none")]
mod guest;
#[cfg(target_os = "none")]
pub use guest::*;

/// What a thread is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Runnable,
    /// Asleep until system time `deadline` (ns).
    Sleeping(u64),
    /// Waiting for console input.
    WaitingInput,
    /// Waiting for the network (a socket), until system time `deadline`
    /// (0: no deadline).
    WaitingNet(u64),
    /// Waiting for a disk's backend to answer, until system time
    /// `deadline`.
    WaitingDisk(u64),
    Done,
}

/// The next thread to run: round-robin from the one after `last`
/// (`usize::MAX` before any ran, so thread 0 goes first).
pub fn next_runnable(states: &[State], last: usize) -> Option<usize> {
    let n = states.len();
    (1..=n)
        .map(|k| last.wrapping_add(k) % n)
        .find(|&i| states[i] == State::Runnable)
}

/// The earliest wake-up time among sleeping threads.
pub fn earliest_deadline(states: &[State]) -> Option<u64> {
    states
        .iter()
        .filter_map(|s| match *s {
            State::Sleeping(d) => Some(d),
            State::WaitingNet(d) if d != 0 => Some(d),
            State::WaitingDisk(d) => Some(d),
            _ => None,
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::*;

    #[test]
    fn round_robin_skips_threads_that_cannot_run() {
        let s = [Runnable, Sleeping(5), Runnable, Done];
        assert_eq!(next_runnable(&s, 0), Some(2));
        assert_eq!(next_runnable(&s, 2), Some(0));
        assert_eq!(next_runnable(&[Done, WaitingInput], 0), None);
        assert_eq!(
            next_runnable(&s, usize::MAX),
            Some(0),
            "the first thread goes first"
        );
        assert_eq!(
            earliest_deadline(&[Sleeping(9), Runnable, Sleeping(4)]),
            Some(4)
        );
        assert_eq!(earliest_deadline(&[Runnable]), None);
        assert_eq!(
            earliest_deadline(&[WaitingNet(0), WaitingNet(7), Sleeping(9)]),
            Some(7),
            "a network wait without a deadline has none"
        );
    }
}
