//! pow: glibc's (and musl's) algorithm from Arm's optimized-routines:
//! x^y = exp(y log x), with log x computed to about 68 bits as hi + lo
//! from a table (tables::POW_LOG) and a degree-8 polynomial, and the
//! exponential by exp.rs's exp_inline, which takes the low part too.
//!
//! This follows glibc's FMA build (what x86-64 glibc runs on CPUs with
//! FMA): its fused steps are exact error terms here, computed with Dekker's
//! product.
use super::exp::{exp_inline, fused, two_prod, SIGN_BIAS};
use super::tables::POW_LOG as T;

const OFF: u64 = 0x3fe6_9555_0000_0000;
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fefa_3800);
const LN2_LO: f64 = f64::from_bits(0x3d2e_f357_93c7_6730);
// log1p(r) ~= r + A0 r^2 + ... (scaled as the evaluation uses them).
const A: [f64; 7] = [
    -0.5,
    f64::from_bits(0xbfe5_5555_5555_5560), // 0x1.555555555556p-2 * -2
    f64::from_bits(0x3fe0_0000_0000_0006), // -0x1.0000000000006p-2 * -2
    f64::from_bits(0x3fe9_9999_9959_554e), // 0x1.999999959554ep-3 * 4
    f64::from_bits(0xbfe5_5555_5529_a47a), // -0x1.555555529a47ap-3 * 4
    f64::from_bits(0xbff2_495b_9b48_45e9), // 0x1.2495b9b4845e9p-3 * -8
    f64::from_bits(0x3ff0_002b_8b26_3fc3), // -0x1.0002b8b263fc3p-3 * -8
];

/// log(x) as hi + lo for the representation `ix` of a positive x
/// (subnormals normalised with a negative exponent).
fn log_inline(ix: u64) -> (f64, f64) {
    // x = 2^k z with z in [OFF, 2 OFF), in subinterval i.
    let tmp = ix.wrapping_sub(OFF);
    let i = ((tmp >> (52 - 7)) % 128) as usize;
    let k = (tmp as i64) >> 52;
    let iz = ix.wrapping_sub(tmp & (0xfff << 52));
    let z = f64::from_bits(iz);
    let kd = k as f64;
    let [invc, logc, logctail] = T[i].map(f64::from_bits);
    // r = z/c - 1 is exact (1/c has few bits): the FMA's z * invc - 1.
    let (p, e) = two_prod(z, invc);
    let r = (p - 1.0) + e;
    // log(x) = k ln2 + log(c) + log1p(r).
    let t1 = kd * LN2_HI + logc;
    let t2 = t1 + r;
    let lo1 = fused(kd, LN2_LO, logctail);
    let lo2 = t1 - t2 + r;
    let ar = A[0] * r;
    let (ar2, ar2_err) = two_prod(r, ar);
    let ar3 = r * ar2;
    let hi = t2 + ar2;
    let lo3 = ar2_err;
    let lo4 = t2 - hi + ar2;
    // The FMA build fuses every multiply-add here, the last product
    // (ar3 times the polynomial) into the sum of the low parts.
    let q = fused(
        ar2,
        fused(ar2, fused(r, A[6], A[5]), fused(r, A[4], A[3])),
        fused(r, A[2], A[1]),
    );
    let lo = fused(ar3, q, lo1 + lo2 + lo3 + lo4);
    let y = hi + lo;
    (y, hi - y + lo)
}

/// 0 if `iy` is not an integer, 1 if odd, 2 if even.
fn checkint(iy: u64) -> u32 {
    let e = (iy >> 52 & 0x7ff) as u32;
    if e < 0x3ff {
        return 0;
    }
    if e > 0x3ff + 52 {
        return 2;
    }
    if iy & ((1 << (0x3ff + 52 - e)) - 1) != 0 {
        return 0;
    }
    if iy & (1 << (0x3ff + 52 - e)) != 0 {
        return 1;
    }
    2
}

/// Zero, infinity or NaN.
fn zeroinfnan(i: u64) -> bool {
    (i << 1).wrapping_sub(1) >= 2 * f64::INFINITY.to_bits() - 1
}

fn signaling(i: u64) -> bool {
    (i ^ 0x0008_0000_0000_0000) << 1 > 2 * 0x7ff8_0000_0000_0000
}

/// x^y.
pub fn pow(x: f64, y: f64) -> f64 {
    let mut sign_bias = 0;
    let (mut ix, iy) = (x.to_bits(), y.to_bits());
    let mut topx = (ix >> 52) as u32;
    let topy = (iy >> 52) as u32;
    if topx.wrapping_sub(1) >= 0x7ff - 1 || (topy & 0x7ff).wrapping_sub(0x3be) >= 0x43e - 0x3be {
        // x is 0, subnormal, inf, NaN or negative; or |y| < 2^-65 or
        // |y| >= 2^63 or y is inf or NaN.
        if zeroinfnan(iy) {
            if (iy << 1) == 0 {
                return if signaling(ix) { x + y } else { 1.0 };
            }
            if ix == 1f64.to_bits() {
                return if signaling(iy) { x + y } else { 1.0 };
            }
            if (ix << 1) > 2 * f64::INFINITY.to_bits() || (iy << 1) > 2 * f64::INFINITY.to_bits() {
                return x + y;
            }
            if (ix << 1) == 2 * 1f64.to_bits() {
                return 1.0;
            }
            if ((ix << 1) < 2 * 1f64.to_bits()) == (iy >> 63 == 0) {
                return 0.0;
            }
            return y * y;
        }
        if zeroinfnan(ix) {
            let mut x2 = x * x;
            if ix >> 63 != 0 && checkint(iy) == 1 {
                x2 = -x2;
            }
            return if iy >> 63 != 0 { 1.0 / x2 } else { x2 };
        }
        // x and y are finite and not 0.
        if ix >> 63 != 0 {
            match checkint(iy) {
                // Invalid: x86-64's default NaN, as glibc's (x - x) / (x - x).
                0 => return f64::from_bits(0xfff8_0000_0000_0000),
                1 => sign_bias = SIGN_BIAS,
                _ => {}
            }
            ix &= 0x7fff_ffff_ffff_ffff;
            topx &= 0x7ff;
        }
        if (topy & 0x7ff).wrapping_sub(0x3be) >= 0x43e - 0x3be {
            // sign_bias is 0: y is too large to be odd.
            if ix == 1f64.to_bits() {
                return 1.0;
            }
            if (topy & 0x7ff) < 0x3be {
                // |y| < 2^-65: x^y ~= 1 + y log(x).
                return if ix > 1f64.to_bits() {
                    1.0 + y
                } else {
                    1.0 - y
                };
            }
            let big = f64::from_bits(0x7000_0000_0000_0000);
            let tiny = f64::from_bits(0x1000_0000_0000_0000);
            return if (ix > 1f64.to_bits()) == (topy < 0x800) {
                big * big
            } else {
                tiny * tiny
            };
        }
        if topx == 0 {
            // Subnormal x: normalise, with a negative exponent.
            ix = (f64::from_bits(ix) * f64::from_bits(0x4330_0000_0000_0000)).to_bits();
            ix &= 0x7fff_ffff_ffff_ffff;
            ix = ix.wrapping_sub(52 << 52);
        }
    }
    let (hi, lo) = log_inline(ix);
    let (ehi, err) = two_prod(y, hi);
    let elo = fused(y, lo, err);
    exp_inline(ehi, elo, sign_bias)
}

/// log2(x) from pow's log times 1/ln2 (both about 68 bits), rounded once.
pub fn log2_via_pow(x: f64) -> f64 {
    const INV_LN2_HI: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
    const INV_LN2_LO: f64 = f64::from_bits(0x3c77_77d0_ffda_0d24);
    let (hi, lo) = log_parts(x);
    let (p, e) = two_prod(hi, INV_LN2_HI);
    p + (e + (hi * INV_LN2_LO + lo * INV_LN2_HI))
}

/// pow's log of a positive finite x as hi + lo.
fn log_parts(x: f64) -> (f64, f64) {
    let mut ix = x.to_bits();
    if ix < 0x0010_0000_0000_0000 {
        // Subnormal: normalised with a negative exponent, as pow does.
        ix = (x * f64::from_bits(0x4330_0000_0000_0000))
            .to_bits()
            .wrapping_sub(52 << 52);
    }
    log_inline(ix)
}

/// log(x) from pow's log, rounded once: about 68 bits before the rounding,
/// so nearly always the correctly rounded value.
pub fn log_via_pow(x: f64) -> f64 {
    let (hi, lo) = log_parts(x);
    hi + lo
}
