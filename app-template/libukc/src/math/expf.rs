//! expf and exp2f: glibc's float algorithm (since 2.27; Szabolcs Nagy's,
//! from Arm's optimized-routines), computed in double: x = k/32 + r (in
//! units of log2 e for expf), 2^(k/32) from a table and 2^r from a cubic.
//! The table is exp's (2^(k/32) is exp's entry 4k, whose high part is
//! the double nearest it), so nothing new is stored.
//!
//! x86-64 glibc runs these compiled for FMA, and the compiler fuses each
//! multiply-add into one rounding; `fused` does the same in software.
use super::exp::fused;
use super::tables::EXP;

/// 2^(i/32) as a double, less i << 47 (the caller adds k << 47 back).
fn tab(i: u64) -> u64 {
    EXP[2 * 4 * i as usize + 1]
}

const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000); // 0x1.8p52
const SHIFT_32: f64 = f64::from_bits(0x42e8_0000_0000_0000); // 0x1.8p52 / 32
const INV_LN2_32: f64 = f64::from_bits(0x4047_1547_652b_82fe); // 32/ln2
                                                               // 2^r - 1 ~= P0 r^3 + P1 r^2 + P2 r for |r| <= 1/64.
const P0: f64 = f64::from_bits(0x3fac_6af8_4b91_2394);
const P1: f64 = f64::from_bits(0x3fce_bfce_50fa_c4f3);
const P2: f64 = f64::from_bits(0x3fe6_2e42_ff0c_52d6);

fn top12(x: f32) -> u32 {
    x.to_bits() >> 20
}

/// 2^(k/32) (1 + p(r)) for kd_bits = k + a multiple of 2^52 (the bits of
/// k + SHIFT), with p's coefficients already scaled for r's unit; negated
/// when `sign` (powf's negative results).
pub(super) fn finish(kd_bits: u64, r: f64, c: [f64; 3], sign: bool) -> f32 {
    let ski = kd_bits.wrapping_add(u64::from(sign) << 16);
    let t = tab(kd_bits % 32).wrapping_add(ski << (52 - 5));
    let s = f64::from_bits(t);
    let z = fused(c[0], r, c[1]);
    let r2 = r * r;
    let y = fused(c[2], r, 1.0);
    let y = fused(z, r2, y);
    (y * s) as f32
}

/// e^x.
pub fn expf(x: f32) -> f32 {
    let xd = f64::from(x);
    let abstop = top12(x) & 0x7ff;
    if abstop >= top12(88.0) {
        if x == f32::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= top12(f32::INFINITY) {
            return x + x;
        }
        if x > f32::from_bits(0x42b1_7217) {
            return f32::from_bits(0x7000_0000) * f32::from_bits(0x7000_0000);
        }
        if x < f32::from_bits(0xc2cf_f1b4) {
            return f32::from_bits(0x1000_0000) * f32::from_bits(0x1000_0000);
        }
    }
    // z = x 32/ln2 = k + r; the FMA build fuses the product into both
    // the shift and the subtraction.
    let kd = fused(INV_LN2_32, xd, SHIFT);
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = fused(INV_LN2_32, xd, -kd);
    const N: f64 = 32.0;
    finish(ki, r, [P0 / (N * N * N), P1 / (N * N), P2 / N], false)
}

/// 2^x.
pub fn exp2f(x: f32) -> f32 {
    let xd = f64::from(x);
    let abstop = top12(x) & 0x7ff;
    if abstop >= top12(128.0) {
        if x == f32::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= top12(f32::INFINITY) {
            return x + x;
        }
        if x > 0.0 {
            return f32::from_bits(0x7000_0000) * f32::from_bits(0x7000_0000);
        }
        if x <= -150.0 {
            return f32::from_bits(0x1000_0000) * f32::from_bits(0x1000_0000);
        }
    }
    exp2_core(xd, false)
}

/// 2^xd (negated if `sign`) for |xd| < 150, as a float.
pub(super) fn exp2_core(xd: f64, sign: bool) -> f32 {
    let kd = xd + SHIFT_32;
    let ki = kd.to_bits();
    let kd = kd - SHIFT_32;
    finish(ki, xd - kd, [P0, P1, P2], sign)
}

/// 10^x: glibc's (since 2.32, Paul Zimmermann's), exp2f's method with
/// x 32 log2(10) = k + r; glibc builds it without FMA, so nothing fuses.
pub fn exp10f(x: f32) -> f32 {
    const INV_LN10_32: f64 = f64::from_bits(0x405a_934f_0979_a371); // 32 log2(10)
    const N: f64 = 32.0;
    let xd = f64::from(x);
    let abstop = (x.to_bits() >> 19) & 0xfff;
    if abstop >= (38.0f32.to_bits() >> 19) {
        if x == f32::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= (f32::INFINITY.to_bits() >> 19) {
            return x + x;
        }
        if x > f32::from_bits(0x421a_209a) {
            return f32::from_bits(0x7000_0000) * f32::from_bits(0x7000_0000);
        }
        if x < f32::from_bits(0xc234_9e35) {
            return f32::from_bits(0x1000_0000) * f32::from_bits(0x1000_0000);
        }
        if xd < -44.853_468_894_958_496 {
            // glibc's "may underflow" result, 0x1.4p-75^2.
            let t = f32::from_bits(0x1a20_0000);
            return t * t;
        }
    }
    let z = INV_LN10_32 * xd;
    let kd = z + SHIFT;
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = z - kd;
    let s = f64::from_bits(tab(ki % 32).wrapping_add(ki << (52 - 5)));
    let c = [P0 / (N * N * N), P1 / (N * N), P2 / N];
    let z = c[0] * r + c[1];
    let r2 = r * r;
    let y = c[2] * r + 1.0;
    ((z * r2 + y) * s) as f32
}
