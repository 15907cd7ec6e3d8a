//! rand and srand, producing glibc's sequence for every seed.
//!
//! glibc's rand is its `random`: an additive lagged Fibonacci generator
//! over 31 words, r[i] = r[i - 31] + r[i - 3] (mod 2^32), returning
//! r[i] >> 1. `srand(seed)` fills the words from the seed with the
//! "minimal standard" generator x' = 16807 x mod (2^31 - 1), computed the
//! way glibc computes it (Schrage's method, starting from the seed taken as
//! a signed 32-bit value, which matters for seeds of 2^31 and up), replaces
//! seed 0 by 1, and throws away the first 310 outputs. Before any `srand` the
//! sequence is that of `srand(1)`. The same generator can serve `random`
//! and `srandom`.
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};

/// The largest value `rand` returns.
pub const RAND_MAX: i32 = 2147483647;

/// The number of state words.
const DEGREE: usize = 31;
/// The distance between the two words that are added.
const SEP: usize = 3;

/// The generator: the state words, and the index of the word that the next
/// output updates (the other operand is `SEP` words behind it).
#[derive(Clone, Copy)]
struct Generator {
    words: [u32; DEGREE],
    front: usize,
}

impl Generator {
    const fn seeded(seed: u32) -> Generator {
        let seed = if seed == 0 { 1 } else { seed };
        let mut words = [0u32; DEGREE];
        words[0] = seed;
        let mut word = seed as i32 as i64;
        let mut i = 1;
        while i < DEGREE {
            // 16807 * word mod (2^31 - 1) without overflowing 31 bits.
            let hi = word / 127773;
            let lo = word % 127773;
            word = 16807 * lo - 2836 * hi;
            if word < 0 {
                word += 2147483647;
            }
            words[i] = word as u32;
            i += 1;
        }
        let mut g = Generator { words, front: SEP };
        let mut k = 0;
        while k < 10 * DEGREE {
            g.next();
            k += 1;
        }
        g
    }

    const fn next(&mut self) -> i32 {
        let rear = (self.front + DEGREE - SEP) % DEGREE;
        let sum = self.words[self.front].wrapping_add(self.words[rear]);
        self.words[self.front] = sum;
        self.front = (self.front + 1) % DEGREE;
        (sum >> 1) as i32
    }
}

/// The state before any `srand`.
const INITIAL: Generator = Generator::seeded(1);

/// The generator's state, in atomics so that the statics are `Sync`
/// without `unsafe` (an app instance has one thread of control, so relaxed
/// loads and stores are enough).
static WORDS: [AtomicU32; DEGREE] = {
    let mut words = [const { AtomicU32::new(0) }; DEGREE];
    let mut i = 0;
    while i < DEGREE {
        words[i] = AtomicU32::new(INITIAL.words[i]);
        i += 1;
    }
    words
};
static FRONT: AtomicUsize = AtomicUsize::new(INITIAL.front);

/// `srand`: restarts the sequence from `seed`.
pub fn srand(seed: u32) {
    let g = Generator::seeded(seed);
    for (w, &v) in WORDS.iter().zip(g.words.iter()) {
        w.store(v, Relaxed);
    }
    FRONT.store(g.front, Relaxed);
}

/// `rand`: the next number of the sequence, in 0..=RAND_MAX.
pub fn rand() -> i32 {
    let front = FRONT.load(Relaxed);
    let rear = (front + DEGREE - SEP) % DEGREE;
    let sum = WORDS[front]
        .load(Relaxed)
        .wrapping_add(WORDS[rear].load(Relaxed));
    WORDS[front].store(sum, Relaxed);
    FRONT.store((front + 1) % DEGREE, Relaxed);
    (sum >> 1) as i32
}
