//! asinf, acosf and atanf as glibc 2.36 has them: Sun's float versions of
//! fdlibm's algorithms (asinf with glibc's own polynomial), in float
//! arithmetic. The libm crate has FreeBSD's later rewrites, whose results
//! differ from these in the last bit for many inputs.
use super::{invalid_f, sqrtf};

fn f(bits: u32) -> f32 {
    f32::from_bits(bits)
}

/// asin(x) = x + x^3 p(x^2) on [-0.5, 0.5] (glibc's coefficients).
fn asin_p(t: f32) -> f32 {
    let p = [
        0x3e2a_aae4,
        0x3d99_80f2,
        0x3d3a_3f25,
        0x3cc6_141e,
        0x3d2c_b694,
    ]
    .map(f);
    t * (p[0] + t * (p[1] + t * (p[2] + t * (p[3] + t * p[4]))))
}

/// The arcsine.
pub fn asinf(x: f32) -> f32 {
    let pio2_hi = f(0x3fc9_0fdb);
    let pio2_lo = f(0xb33b_bd2e);
    let pio4_hi = f(0x3f49_0fdb);
    let hx = x.to_bits() as i32;
    let ix = hx & 0x7fff_ffff;
    if ix == 0x3f80_0000 {
        return x * pio2_hi + x * pio2_lo;
    }
    if ix > 0x3f80_0000 {
        return invalid_f(x);
    }
    if ix < 0x3f00_0000 {
        if ix < 0x3200_0000 {
            return x;
        }
        return x + x * asin_p(x * x);
    }
    let t = (1.0 - x.abs()) * 0.5;
    let p = asin_p(t);
    let s = sqrtf(t);
    let t = if ix >= 0x3f79_999a {
        pio2_hi - (2.0 * (s + s * p) - pio2_lo)
    } else {
        let w = f(s.to_bits() & 0xffff_f000);
        let c = (t - w * w) / (s + w);
        let p = 2.0 * s * p - (pio2_lo - 2.0 * c);
        let q = pio4_hi - 2.0 * w;
        pio4_hi - (p - q)
    };
    if hx > 0 {
        t
    } else {
        -t
    }
}

/// p(z)/q(z) of acosf's rational approximation.
fn acos_r(z: f32) -> f32 {
    let ps = [
        0x3e2a_aaab,
        0xbea6_b090,
        0x3e4e_0aa8,
        0xbd24_1146,
        0x3a4f_7f04,
        0x3811_ef08,
    ]
    .map(f);
    let qs = [0xc019_d139, 0x4001_572d, 0xbf30_3361, 0x3d9d_c62e].map(f);
    let p = z * (ps[0] + z * (ps[1] + z * (ps[2] + z * (ps[3] + z * (ps[4] + z * ps[5])))));
    let q = 1.0 + z * (qs[0] + z * (qs[1] + z * (qs[2] + z * qs[3])));
    p / q
}

/// The arccosine.
pub fn acosf(x: f32) -> f32 {
    let pi = f(0x4049_0fda);
    let pio2_hi = f(0x3fc9_0fda);
    let pio2_lo = f(0x33a2_2168);
    let hx = x.to_bits() as i32;
    let ix = hx & 0x7fff_ffff;
    if ix == 0x3f80_0000 {
        return if hx > 0 { 0.0 } else { pi + 2.0 * pio2_lo };
    }
    if ix > 0x3f80_0000 {
        return invalid_f(x);
    }
    if ix < 0x3f00_0000 {
        if ix <= 0x3280_0000 {
            return pio2_hi + pio2_lo;
        }
        let r = acos_r(x * x);
        return pio2_hi - (x - (pio2_lo - x * r));
    }
    if hx < 0 {
        let z = (1.0 + x) * 0.5;
        let s = sqrtf(z);
        let w = acos_r(z) * s - pio2_lo;
        return pi - 2.0 * (s + w);
    }
    let z = (1.0 - x) * 0.5;
    let s = sqrtf(z);
    let df = f(s.to_bits() & 0xffff_f000);
    let c = (z - df * df) / (s + df);
    let w = acos_r(z) * s + c;
    2.0 * (df + w)
}

/// The arctangent.
pub fn atanf(x: f32) -> f32 {
    let atanhi = [0x3eed_6338, 0x3f49_0fda, 0x3f7b_985e, 0x3fc9_0fda].map(f);
    let atanlo = [0x31ac_3769, 0x3322_2168, 0x3314_0fb4, 0x33a2_2168].map(f);
    let at = [
        0x3eaa_aaab,
        0xbe4c_cccd,
        0x3e12_4925,
        0xbde3_8e38,
        0x3dba_2e6e,
        0xbd9d_8795,
        0x3d88_6b35,
        0xbd6e_f16b,
        0x3d4b_da59,
        0xbd15_a221,
        0x3c85_69d7,
    ]
    .map(f);
    let hx = x.to_bits() as i32;
    let ix = hx & 0x7fff_ffff;
    if ix >= 0x4c00_0000 {
        // |x| >= 2^25.
        if ix > 0x7f80_0000 {
            return x + x;
        }
        return if hx > 0 {
            atanhi[3] + atanlo[3]
        } else {
            -atanhi[3] - atanlo[3]
        };
    }
    let (x, id) = if ix < 0x3ee0_0000 {
        // |x| < 0.4375.
        if ix < 0x3100_0000 {
            return x;
        }
        (x, None)
    } else {
        let x = x.abs();
        if ix < 0x3f98_0000 {
            if ix < 0x3f30_0000 {
                ((2.0 * x - 1.0) / (2.0 + x), Some(0))
            } else {
                ((x - 1.0) / (x + 1.0), Some(1))
            }
        } else if ix < 0x401c_0000 {
            ((x - 1.5) / (1.0 + 1.5 * x), Some(2))
        } else {
            (-1.0 / x, Some(3))
        }
    };
    let z = x * x;
    let w = z * z;
    let s1 = z * (at[0] + w * (at[2] + w * (at[4] + w * (at[6] + w * (at[8] + w * at[10])))));
    let s2 = w * (at[1] + w * (at[3] + w * (at[5] + w * (at[7] + w * at[9]))));
    let Some(id) = id else {
        return x - x * (s1 + s2);
    };
    let z = atanhi[id] - ((x * (s1 + s2) - atanlo[id]) - x);
    if hx < 0 {
        -z
    } else {
        z
    }
}

/// atan(y/x) in the quadrant of (x, y).
pub fn atan2f(y: f32, x: f32) -> f32 {
    let tiny = 1.0e-30f32;
    let pi_o_4 = f(0x3f49_0fdb);
    let pi_o_2 = f(0x3fc9_0fdb);
    let pi = f(0x4049_0fdb);
    let pi_lo = f(0xb3bb_bd2e);
    let (hx, hy) = (x.to_bits() as i32, y.to_bits() as i32);
    let (ix, iy) = (hx & 0x7fff_ffff, hy & 0x7fff_ffff);
    if ix > 0x7f80_0000 || iy > 0x7f80_0000 {
        // glibc's x + y: x86 gives the first NaN operand, quieted (the
        // compiler may swap a Rust addition's operands).
        return invalid_f(if ix > 0x7f80_0000 { x } else { y });
    }
    if hx == 0x3f80_0000 {
        return atanf(y);
    }
    // 2 sign(x) + sign(y).
    let m = ((hy >> 31) & 1) | ((hx >> 30) & 2);
    if iy == 0 {
        return match m {
            0 | 1 => y,
            2 => pi + tiny,
            _ => -pi - tiny,
        };
    }
    if ix == 0 {
        return if hy < 0 {
            -pi_o_2 - tiny
        } else {
            pi_o_2 + tiny
        };
    }
    if ix == 0x7f80_0000 {
        return if iy == 0x7f80_0000 {
            match m {
                0 => pi_o_4 + tiny,
                1 => -pi_o_4 - tiny,
                2 => 3.0 * pi_o_4 + tiny,
                _ => -3.0 * pi_o_4 - tiny,
            }
        } else {
            match m {
                0 => 0.0,
                1 => -0.0,
                2 => pi + tiny,
                _ => -pi - tiny,
            }
        };
    }
    if iy == 0x7f80_0000 {
        return if hy < 0 {
            -pi_o_2 - tiny
        } else {
            pi_o_2 + tiny
        };
    }
    let k = (iy - ix) >> 23;
    let z = if k > 60 {
        pi_o_2 + 0.5 * pi_lo
    } else if hx < 0 && k < -60 {
        0.0
    } else {
        atanf((y / x).abs())
    };
    match m {
        0 => z,
        1 => -z,
        2 => pi - (z - pi_lo),
        _ => (z - pi_lo) - pi,
    }
}
