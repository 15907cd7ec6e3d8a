//! sin, cos and sincos: glibc's algorithm (IBM's Accurate Mathematical
//! Library, dbl-64/s_sin.c, as simplified in glibc 2.28). |x| is reduced
//! to a + da = x - n pi/2 in double-double (a three-part pi/2 below
//! 105414350, else the 2/pi digits of branred), then split as
//! a = t + r with t = i/128: sin and cos of t come from a table
//! (tables::SINCOS, hi and lo each) and of r from short polynomials, and
//! the addition formulas combine them. Small |x| use a Taylor polynomial.
//!
//! x86-64 glibc runs sin and cos compiled for FMA (the compiler fuses
//! multiply-adds; `mad` does the same exactly in software), but
//! not sincos and branred (`mad::<false>`).
use super::exp::fused;
use super::tables::{SINCOS, TOVERP};

const S1: f64 = f64::from_bits(0xbfc5_5555_5555_5555);
const S2: f64 = f64::from_bits(0x3f81_1111_1111_0ece);
const S3: f64 = f64::from_bits(0xbf2a_01a0_19db_08b8);
const S4: f64 = f64::from_bits(0x3ec7_1de2_7b9a_7ed9);
const S5: f64 = f64::from_bits(0xbe5a_ddff_c2fc_df59);
const BIG: f64 = f64::from_bits(0x42c8_0000_0000_0000); // 0x1.8p45
const HP0: f64 = f64::from_bits(0x3ff9_21fb_5444_2d18); // pi/2, high
const HP1: f64 = f64::from_bits(0x3c91_a626_3314_5c07); // and the rest
const MP1: f64 = f64::from_bits(0x3ff9_21fb_5800_0000); // pi/2 in 3 parts
const MP2: f64 = f64::from_bits(0xbe4d_de97_3c00_0000);
const PP3: f64 = f64::from_bits(0xbc8c_b3b3_9800_0000);
const PP4: f64 = f64::from_bits(0xbacd_747f_23e3_2ed7);
const HPINV: f64 = f64::from_bits(0x3fe4_5f30_6dc9_c883); // 2/pi
const TOINT: f64 = f64::from_bits(0x4338_0000_0000_0000); // 0x1.8p52
                                                          // sin r ~= r + SN3 r^3 + SN5 r^5, cos r ~= 1 - (CS2 r^2 + CS4 r^4 + CS6 r^6).
const SN3: f64 = f64::from_bits(0xbfc5_5555_5555_5515);
const SN5: f64 = f64::from_bits(0x3f81_1110_e829_872f);
const CS2: f64 = f64::from_bits(0x3fe0_0000_0000_0000);
const CS4: f64 = f64::from_bits(0xbfa5_5555_5555_5535);
const CS6: f64 = f64::from_bits(0x3f56_c16b_edd9_e239);

/// The table entry for |x| rounded to a multiple of 1/128, and |x| less it.
fn split(ax: f64) -> (f64, [f64; 4]) {
    let u = BIG + ax;
    let i = (u.to_bits() & 0xffff_ffff) as usize;
    (ax - (u - BIG), SINCOS[i].map(f64::from_bits))
}

/// sin(x + dx), |x + dx| < 0.86.
fn do_sin(x: f64, dx: f64) -> f64 {
    if x.abs() < 0.126 {
        // Taylor: x + (((P(xx) x - dx/2) xx) + dx).
        let xx = x * x;
        let p = fused(fused(fused(fused(S5, xx, S4), xx, S3), xx, S2), xx, S1);
        let t = fused(fused(p, x, -(0.5 * dx)), xx, dx);
        return x + t;
    }
    let dx = if x <= 0.0 { -dx } else { dx };
    let (r, [sn, ssn, cs, ccs]) = split(x.abs());
    let xx = r * r;
    let s = r + fused(r * xx, fused(xx, SN5, SN3), dx);
    let c = fused(r, dx, xx * fused(xx, fused(xx, CS6, CS4), CS2));
    let cor = fused(cs, s, fused(-sn, c, fused(s, ccs, ssn)));
    (sn + cor).copysign(x)
}

/// cos(x + dx), |x + dx| < 0.86.
fn do_cos(x: f64, dx: f64) -> f64 {
    let dx = if x < 0.0 { -dx } else { dx };
    let (r, [sn, ssn, cs, ccs]) = split(x.abs());
    let r = r + dx;
    let xx = r * r;
    let s = fused(r * xx, fused(xx, SN5, SN3), r);
    let c = xx * fused(xx, fused(xx, CS6, CS4), CS2);
    let cor = fused(-sn, s, fused(-cs, c, fused(-s, ssn, ccs)));
    cs + cor
}

/// x = n pi/2 + a + da for |x| < 105414350: (n mod 4, a, da).
fn reduce(x: f64) -> (u32, f64, f64) {
    let t = fused(x, HPINV, TOINT);
    let xn = t - TOINT;
    let n = (t.to_bits() & 3) as u32;
    let y = fused(-xn, MP2, fused(-xn, MP1, x));
    // Both uses of xn * PP3 (and of xn * PP4) fuse.
    let t2 = fused(-xn, PP3, y);
    let db = fused(-xn, PP3, y - t2);
    let b = fused(-xn, PP4, t2);
    let db = db + fused(-xn, PP4, t2 - b);
    (n, b, db)
}

/// x = n pi/2 + a + da for any finite x (glibc's branred, never fused):
/// x's two halves times 144 bits of 2/pi around their exponent, the
/// integer parts dropped.
fn branred(x: f64) -> (u32, f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    const BIG: f64 = f64::from_bits(0x4338_0000_0000_0000); // 0x1.8p52
    const BIG1: f64 = f64::from_bits(0x4358_0000_0000_0000); // 0x1.8p54
    let x = x * f64::from_bits(0x1a70_0000_0000_0000); // 2^-600
    let t = x * SPLIT;
    let x1 = t - (t - x);
    let x2 = x - x1;
    let part = |xp: f64| {
        let k = ((((xp.to_bits() >> 52) & 2047) as i64 - 450) / 24).max(0) as usize;
        // 2^576 / 2^(24k): each digit's weight.
        let mut gor = f64::from_bits(0x63f0_0000_0000_0000 - (((k * 24) as u64) << 52));
        let mut r = [0.0; 6];
        for (i, ri) in r.iter_mut().enumerate() {
            *ri = xp * f64::from_bits(TOVERP[k + i]) * gor;
            gor *= f64::from_bits(0x3e70_0000_0000_0000); // 2^-24
        }
        let mut sum = 0.0;
        for ri in r.iter_mut().take(3) {
            let s = (*ri + BIG) - BIG;
            sum += s;
            *ri -= s;
        }
        let mut t = 0.0;
        for i in 0..6 {
            t += r[5 - i];
        }
        let bb = (((((r[0] - t) + r[1]) + r[2]) + r[3]) + r[4]) + r[5];
        let s = (t + BIG) - BIG;
        sum += s;
        let t = t - s;
        let b = t + bb;
        let bb = (t - b) + bb;
        let s = (sum + BIG1) - BIG1;
        (b, bb, sum - s)
    };
    let (b1, bb1, sum1) = part(x1);
    let (b2, bb2, sum2) = part(x2);
    let mut sum = sum1 + sum2;
    let mut b = b1 + b2;
    let bb = if b1.abs() > b2.abs() {
        (b1 - b) + b2
    } else {
        (b2 - b) + b1
    };
    if b > 0.5 {
        b -= 1.0;
        sum += 1.0;
    } else if b < -0.5 {
        b += 1.0;
        sum -= 1.0;
    }
    let s = b + (bb + bb1 + bb2);
    let t = ((b - s) + bb) + (bb1 + bb2);
    let b = s * SPLIT;
    let t1 = b - (b - s);
    let t2 = s - t1;
    let b = s * HP0;
    // branred's own split of pi/2: MP1 + MP2 (its MP2 has more bits).
    const MP2: f64 = f64::from_bits(0xbe4d_de97_4000_0000);
    let bb = (((t1 * MP1 - b) + t1 * MP2) + t2 * MP1) + (t2 * MP2 + s * HP1 + t * HP0);
    let s = b + bb;
    let t = (b - s) + bb;
    ((sum as i32 & 3) as u32, s, t)
}

/// sin (n even) or cos (n odd) of a + da, negated for n & 2.
fn do_sincos(a: f64, da: f64, n: u32) -> f64 {
    let r = if n & 1 == 1 {
        do_cos(a, da)
    } else {
        do_sin(a, da)
    };
    if n & 2 != 0 {
        -r
    } else {
        r
    }
}

fn high_word(x: f64) -> u32 {
    ((x.to_bits() >> 32) as u32) & 0x7fff_ffff
}

/// The sine.
pub fn sin(x: f64) -> f64 {
    let k = high_word(x);
    if k < 0x3e50_0000 {
        x
    } else if k < 0x3feb_6000 {
        do_sin(x, 0.0)
    } else if k < 0x4003_68fd {
        do_cos(HP0 - x.abs(), HP1).copysign(x)
    } else if k < 0x4199_21fb {
        let (n, a, da) = reduce(x);
        do_sincos(a, da, n)
    } else if k < 0x7ff0_0000 {
        let (n, a, da) = branred(x);
        do_sincos(a, da, n)
    } else {
        super::invalid(x)
    }
}

/// The cosine.
pub fn cos(x: f64) -> f64 {
    let k = high_word(x);
    if k < 0x3e40_0000 {
        1.0
    } else if k < 0x3feb_6000 {
        do_cos(x, 0.0)
    } else if k < 0x4003_68fd {
        let y = HP0 - x.abs();
        let a = y + HP1;
        do_sin(a, (y - a) + HP1)
    } else if k < 0x4199_21fb {
        let (n, a, da) = reduce(x);
        do_sincos(a, da, n + 1)
    } else if k < 0x7ff0_0000 {
        let (n, a, da) = branred(x);
        do_sincos(a, da, n + 1)
    } else {
        super::invalid(x)
    }
}

/// Both, as (sin, cos).
pub fn sincos(x: f64) -> (f64, f64) {
    let k = high_word(x);
    if k < 0x4003_68fd {
        if k < 0x3e40_0000 {
            return (x, 1.0);
        }
        if k < 0x3feb_6000 {
            return (do_sin(x, 0.0), do_cos(x, 0.0));
        }
        let y = HP0 - x.abs();
        let a = y + HP1;
        let da = (y - a) + HP1;
        return (do_cos(a, da).copysign(x), do_sin(a, da));
    }
    if k < 0x7ff0_0000 {
        let (n, a, da) = if k < 0x4199_21fb {
            reduce(x)
        } else {
            branred(x)
        };
        let (a, da) = if n == 1 || n == 2 { (-a, -da) } else { (a, da) };
        let s = do_sin(a, da);
        let c = do_cos(a, da);
        let c = if n & 2 != 0 { -c } else { c };
        return if n & 1 == 1 { (c, s) } else { (s, c) };
    }
    let nan = super::invalid(x);
    (nan, nan)
}
