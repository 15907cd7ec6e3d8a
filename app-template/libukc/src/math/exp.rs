//! exp and exp2: the algorithm glibc (since 2.28) and musl use, by
//! Szabolcs Nagy (Arm's optimized-routines): with N = 128,
//! x = k ln2/N + r, |r| <= ln2/2N, and exp(x) = 2^(k/N) exp(r), where
//! 2^(k/N) comes from a table (tables::EXP, as H (1 + T)) and exp(r) - 1
//! from a degree-5 polynomial. The constants are the published ones, so
//! results are glibc's bit for bit.
//!
//! On x86-64 glibc runs its exp compiled for FMA where the CPU has it, and
//! the compiler fuses its multiply-adds (the reduction, the polynomial and
//! the last step, scale + scale * tmp) into one rounding each; `fused`
//! does the same exactly in software (the app target has
//! no FMA instruction). exp2 has no FMA build in glibc and stays unfused.
use super::tables::EXP as T;

const N: u64 = 128;
const INV_LN2_N: f64 = f64::from_bits(0x4067_1547_652b_82fe); // N/ln2
const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf76_2e42_fefa_0000); // -ln2/N, high bits
const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0c_f79a_bc9e_3b3a); // and the rest
const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000); // 0x1.8p52
                                                          // exp(r) - 1 ~= r + C2 r^2 + ... + C5 r^5 for |r| <= ln2/256.
const C2: f64 = f64::from_bits(0x3fdf_ffff_ffff_fdbd);
const C3: f64 = f64::from_bits(0x3fc5_5555_5555_543c);
const C4: f64 = f64::from_bits(0x3fa5_5555_cf17_2b91);
const C5: f64 = f64::from_bits(0x3f81_1111_67a4_d017);
// exp2: 2^r - 1 ~= E1 r + ... + E5 r^5 for |r| <= 1/256.
const EXP2_SHIFT: f64 = f64::from_bits(0x42c8_0000_0000_0000); // 0x1.8p52 / N
const E1: f64 = f64::from_bits(0x3fe6_2e42_fefa_39ef);
const E2: f64 = f64::from_bits(0x3fce_bfbd_ff82_c424);
const E3: f64 = f64::from_bits(0x3fac_6b08_d70c_f4b5);
const E4: f64 = f64::from_bits(0x3f83_b2ab_d246_50cc);
const E5: f64 = f64::from_bits(0x3f55_d7e0_9b4e_3a84);

/// a * b as hi + lo exactly (Dekker's product with Veltkamp's split; no
/// overflow for |a|, |b| < 2^995).
pub(super) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let p = a * b;
    let (ca, cb) = (SPLIT * a, SPLIT * b);
    let (ah, bh) = (ca - (ca - a), cb - (cb - b));
    let (al, bl) = (a - ah, b - bh);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// a * b + c with one rounding, as an FMA instruction computes it (the
/// rare double rounding of hi + (lo + error) aside, which needs the exact
/// sum within 2^-100 of a rounding boundary).
pub(super) fn fused(a: f64, b: f64, c: f64) -> f64 {
    let (p, e) = two_prod(a, b);
    let s = c + p;
    let bb = s - c;
    let t = (c - (s - bb)) + (p - bb);
    s + (t + e)
}

fn top12(x: f64) -> u32 {
    (x.to_bits() >> 52) as u32
}

/// The result for k near the ends of the range (the scale's exponent may
/// have overflowed): `ki`'s sign says which end. `fma` selects glibc's
/// FMA build (exp, pow), which fuses the multiply-add of the overflow side
/// only (on the underflow side scale * tmp has two uses).
fn special(tmp: f64, sbits: u64, ki: u64, fma: bool, up: (u64, f64)) -> f64 {
    if ki & 0x8000_0000 == 0 {
        // k > 0: scale's exponent may have overflowed.
        let scale = f64::from_bits(sbits.wrapping_sub(up.0 << 52));
        let y = if fma {
            fused(scale, tmp, scale)
        } else {
            scale + scale * tmp
        };
        return up.1 * y;
    }
    // k < 0: round y to its precision before scaling it into the
    // subnormal range, which would round it a second time. The scale is
    // negative for pow's negative results.
    let sbits = sbits.wrapping_add(1022 << 52);
    let scale = f64::from_bits(sbits);
    let mut y = scale + scale * tmp;
    if y.abs() < 1.0 {
        let one = if y < 0.0 { -1.0 } else { 1.0 };
        let lo = scale - y + scale * tmp;
        let hi = one + y;
        let lo = one - hi + y + lo;
        y = (hi + lo) - one;
        if y == 0.0 {
            y = f64::from_bits(sbits & 0x8000_0000_0000_0000);
        }
    }
    f64::from_bits(0x0010_0000_0000_0000) * y
}

/// exp(x + xtail), negated if `sign_bias` is SIGN_BIAS: the core of exp and
/// pow. |xtail| < 2^-8/N and |xtail| <= |x|.
pub(super) const SIGN_BIAS: u64 = 0x800 << 7;

pub(super) fn exp_inline(x: f64, xtail: f64, sign_bias: u64) -> f64 {
    let mut abstop = top12(x) & 0x7ff;
    if abstop.wrapping_sub(top12(f64::from_bits(0x3c90_0000_0000_0000)))
        >= top12(512.0) - top12(f64::from_bits(0x3c90_0000_0000_0000))
    {
        if abstop.wrapping_sub(top12(f64::from_bits(0x3c90_0000_0000_0000))) >= 0x8000_0000 {
            // |x| < 2^-54; also 0.
            let one = 1.0 + x;
            return if sign_bias != 0 { -one } else { one };
        }
        if abstop >= top12(1024.0) {
            // Callers have handled inf and NaN.
            let sign = if sign_bias != 0 { -1.0 } else { 1.0 };
            return if x.is_sign_negative() {
                sign * f64::from_bits(0x1000_0000_0000_0000) * f64::from_bits(0x1000_0000_0000_0000)
            } else {
                sign * f64::from_bits(0x7000_0000_0000_0000) * f64::from_bits(0x7000_0000_0000_0000)
            };
        }
        // Large |x|: the special path below.
        abstop = 0;
    }
    // glibc's FMA build fuses x N/ln2 into the shift, the multiply-adds of
    // the reduction and of the polynomial, and the final scaling.
    let kd = fused(INV_LN2_N, x, SHIFT);
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    // kd * NEG_LN2_HI_N is exact, so only the LO product's fusing matters.
    let r = fused(kd, NEG_LN2_LO_N, x + kd * NEG_LN2_HI_N) + xtail;
    let idx = 2 * (ki % N) as usize;
    let top = ki.wrapping_add(sign_bias) << (52 - 7);
    let tail = f64::from_bits(T[idx]);
    let sbits = T[idx + 1].wrapping_add(top);
    let r2 = r * r;
    let tmp = fused(
        r2 * r2,
        fused(r, C5, C4),
        fused(r2, fused(r, C3, C2), tail + r),
    );
    if abstop == 0 {
        return special(
            tmp,
            sbits,
            ki,
            true,
            (1009, f64::from_bits(0x7f00_0000_0000_0000)),
        );
    }
    let scale = f64::from_bits(sbits);
    fused(scale, tmp, scale)
}

/// e^x.
pub fn exp(x: f64) -> f64 {
    let abstop = top12(x) & 0x7ff;
    if abstop >= top12(1024.0) {
        if x == f64::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= top12(f64::INFINITY) {
            return 1.0 + x;
        }
    }
    exp_inline(x, 0.0, 0)
}

/// 2^x.
pub fn exp2(x: f64) -> f64 {
    let mut abstop = top12(x) & 0x7ff;
    if abstop.wrapping_sub(top12(f64::from_bits(0x3c90_0000_0000_0000)))
        >= top12(512.0) - top12(f64::from_bits(0x3c90_0000_0000_0000))
    {
        if abstop.wrapping_sub(top12(f64::from_bits(0x3c90_0000_0000_0000))) >= 0x8000_0000 {
            return 1.0 + x;
        }
        if abstop >= top12(1024.0) {
            if x == f64::NEG_INFINITY {
                return 0.0;
            }
            if abstop >= top12(f64::INFINITY) {
                return 1.0 + x;
            }
            if !x.is_sign_negative() {
                return f64::from_bits(0x7000_0000_0000_0000)
                    * f64::from_bits(0x7000_0000_0000_0000);
            } else if x.to_bits() >= (-1075.0f64).to_bits() {
                return f64::from_bits(0x1000_0000_0000_0000)
                    * f64::from_bits(0x1000_0000_0000_0000);
            }
        }
        if x.to_bits() << 1 > 2 * 928.0f64.to_bits() {
            abstop = 0;
        }
    }
    let kd = x + EXP2_SHIFT;
    let ki = kd.to_bits();
    let kd = kd - EXP2_SHIFT;
    let r = x - kd;
    let idx = 2 * (ki % N) as usize;
    let top = ki << (52 - 7);
    let tail = f64::from_bits(T[idx]);
    let sbits = T[idx + 1].wrapping_add(top);
    let r2 = r * r;
    let tmp = tail + r * E1 + r2 * (E2 + r * E3) + r2 * r2 * (E4 + r * E5);
    if abstop == 0 {
        return special(tmp, sbits, ki, false, (1, 2.0));
    }
    let scale = f64::from_bits(sbits);
    scale + scale * tmp
}
