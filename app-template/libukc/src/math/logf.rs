//! logf, log2f and powf: glibc's float algorithms (since 2.27; Szabolcs
//! Nagy's, from Arm's optimized-routines), computed in double. x = 2^k z
//! with z in [OFF, 2 OFF), which is split in 16 subintervals by the top
//! bits of z's representation; for the subinterval's c (tables::LOGF),
//! log(x) = k ln2 + log(c) + log1p(z/c - 1), the last from a short
//! polynomial. powf is exp2f's core applied to y log2(x).
//!
//! As for expf, glibc's FMA build fuses each multiply-add; `fused` does
//! the same exactly.
use super::exp::fused;
use super::expf::exp2_core;
use super::tables::LOGF as T;

const OFF: u32 = 0x3f33_0000;
const LN2: f64 = f64::from_bits(0x3fe6_2e42_fefa_39ef);
// log1p(r) ~= r + A0 r^2 + A1 r^3 + A2 r^4.
const LOG_A: [f64; 3] = [
    f64::from_bits(0xbfdf_fffe_f20a_4123),
    f64::from_bits(0x3fd5_575b_0be0_0b6a),
    f64::from_bits(0xbfd0_0ea3_48b8_8334),
];
// log1p(r)/ln2 ~= B3 r + B2 r^2 + B1 r^3 + B0 r^4.
const LOG2_B: [f64; 4] = [
    f64::from_bits(0xbfd7_12b6_f70a_7e4d),
    f64::from_bits(0x3fde_cabf_4968_32e0),
    f64::from_bits(0xbfe7_1547_9ffa_e3de),
    f64::from_bits(0x3ff7_1547_5f35_c8b8),
];
// powf's log2: log1p(r)/ln2 ~= C4 r + C3 r^2 + ... + C0 r^5.
const POW_C: [f64; 5] = [
    f64::from_bits(0x3fd2_7616_c949_6e0b),
    f64::from_bits(0xbfd7_1969_a075_c67a),
    f64::from_bits(0x3fde_c70a_6ca7_badd),
    f64::from_bits(0xbfe7_1547_48be_f6c8),
    f64::from_bits(0x3ff7_1547_652a_b82b),
];

/// For a positive normal float's representation (a subnormal normalised
/// with a negative exponent): k, z/c - 1 (exact but for one rounding)
/// and the table entry `[1/c, log(c), log2(c)]`.
fn reduce(ix: u32) -> (f64, f64, [f64; 3]) {
    let tmp = ix.wrapping_sub(OFF);
    let i = ((tmp >> (23 - 4)) % 16) as usize;
    let k = (tmp as i32) >> 23;
    let z = f64::from(f32::from_bits(ix.wrapping_sub(tmp & 0xff80_0000)));
    let e = T[i].map(f64::from_bits);
    (f64::from(k), fused(z, e[0], -1.0), e)
}

/// The argument checks logf and log2f share: Err(result) for zero,
/// negative, infinite and NaN x, else x's representation, subnormals
/// normalised.
fn log_arg(x: f32) -> Result<u32, f32> {
    let ix = x.to_bits();
    if ix.wrapping_sub(0x0080_0000) < 0x7f80_0000 - 0x0080_0000 {
        return Ok(ix);
    }
    if ix << 1 == 0 {
        return Err(f32::NEG_INFINITY);
    }
    if ix == 0x7f80_0000 {
        return Err(x);
    }
    if ix & 0x8000_0000 != 0 || ix << 1 >= 0xff00_0000 {
        // Invalid (or NaN): glibc's (x - x) / (x - x).
        return Err(super::invalid_f(x));
    }
    Ok((x * f32::from_bits(0x4b00_0000))
        .to_bits()
        .wrapping_sub(23 << 23))
}

/// The natural logarithm.
pub fn logf(x: f32) -> f32 {
    if x.to_bits() == 0x3f80_0000 {
        return 0.0;
    }
    let ix = match log_arg(x) {
        Ok(ix) => ix,
        Err(r) => return r,
    };
    let (k, r, [_, logc, _]) = reduce(ix);
    let y0 = fused(k, LN2, logc);
    let r2 = r * r;
    let y = fused(LOG_A[1], r, LOG_A[0]);
    let y = fused(LOG_A[2], r2, y);
    fused(y, r2, y0 + r) as f32
}

/// The base-2 logarithm.
pub fn log2f(x: f32) -> f32 {
    if x.to_bits() == 0x3f80_0000 {
        return 0.0;
    }
    let ix = match log_arg(x) {
        Ok(ix) => ix,
        Err(r) => return r,
    };
    let (k, r, [_, _, log2c]) = reduce(ix);
    let y0 = log2c + k;
    let r2 = r * r;
    let y = fused(LOG2_B[1], r, LOG2_B[2]);
    let y = fused(LOG2_B[0], r2, y);
    let p = fused(LOG2_B[3], r, y0);
    fused(y, r2, p) as f32
}

/// log2(x) in double for powf.
fn log2_inline(ix: u32) -> f64 {
    let (k, r, [_, _, log2c]) = reduce(ix);
    let y0 = log2c + k;
    let r2 = r * r;
    let y = fused(POW_C[0], r, POW_C[1]);
    let p = fused(POW_C[2], r, POW_C[3]);
    let r4 = r2 * r2;
    let q = fused(POW_C[4], r, y0);
    let q = fused(p, r2, q);
    fused(y, r4, q)
}

/// 0 if `iy` (a nonzero finite float) is not an integer, 1 if odd, 2 if
/// even.
fn checkint(iy: u32) -> u32 {
    let e = iy >> 23 & 0xff;
    if e < 0x7f {
        return 0;
    }
    if e > 0x7f + 23 {
        return 2;
    }
    if iy & ((1 << (0x7f + 23 - e)) - 1) != 0 {
        return 0;
    }
    if iy & (1 << (0x7f + 23 - e)) != 0 {
        return 1;
    }
    2
}

fn zeroinfnan(i: u32) -> bool {
    (i << 1).wrapping_sub(1) >= 2 * 0x7f80_0000 - 1
}

fn signaling(i: u32) -> bool {
    (i ^ 0x0040_0000) << 1 > 2 * 0x7fc0_0000
}

/// x^y.
pub fn powf(x: f32, y: f32) -> f32 {
    let mut neg = false;
    let (mut ix, iy) = (x.to_bits(), y.to_bits());
    if ix.wrapping_sub(0x0080_0000) >= 0x7f80_0000 - 0x0080_0000 || zeroinfnan(iy) {
        // x is subnormal, zero, negative, infinite or NaN, or y is zero,
        // infinite or NaN.
        if zeroinfnan(iy) {
            if (iy << 1) == 0 {
                return if signaling(ix) { x + y } else { 1.0 };
            }
            if ix == 0x3f80_0000 {
                return if signaling(iy) { x + y } else { 1.0 };
            }
            if (ix << 1) > 2 * 0x7f80_0000 || (iy << 1) > 2 * 0x7f80_0000 {
                return x + y;
            }
            if (ix << 1) == 2 * 0x3f80_0000 {
                return 1.0;
            }
            if ((ix << 1) < 2 * 0x3f80_0000) == (iy & 0x8000_0000 == 0) {
                return 0.0;
            }
            return y * y;
        }
        if zeroinfnan(ix) {
            let mut x2 = x * x;
            if ix & 0x8000_0000 != 0 && checkint(iy) == 1 {
                x2 = -x2;
            }
            return if iy & 0x8000_0000 != 0 { 1.0 / x2 } else { x2 };
        }
        // x and y are finite and not zero.
        if ix & 0x8000_0000 != 0 {
            match checkint(iy) {
                0 => return super::invalid_f(x),
                1 => neg = true,
                _ => {}
            }
            ix &= 0x7fff_ffff;
        }
        if ix < 0x0080_0000 {
            ix = (x * f32::from_bits(0x4b00_0000)).to_bits() & 0x7fff_ffff;
            ix = ix.wrapping_sub(23 << 23);
        }
    }
    let logx = log2_inline(ix);
    let ylogx = f64::from(y) * logx;
    if (ylogx.to_bits() >> 47 & 0xffff) >= 126f64.to_bits() >> 47 {
        // |y log2(x)| >= 126.
        let sign = if neg { -1.0 } else { 1.0 };
        if ylogx > f64::from_bits(0x405f_ffff_ffd1_d571) {
            return sign * f32::from_bits(0x7000_0000) * f32::from_bits(0x7000_0000);
        }
        if ylogx <= -150.0 {
            return sign * f32::from_bits(0x1000_0000) * f32::from_bits(0x1000_0000);
        }
        if ylogx < -149.0 {
            // glibc's "may underflow" result, 0x1.4p-75^2 (2^-149).
            let t = f32::from_bits(0x1a20_0000);
            return sign * t * t;
        }
    }
    exp2_core(ylogx, neg)
}
