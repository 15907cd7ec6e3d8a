//! log10f, expm1f, log1pf, the hyperbolic functions and their inverses
//! (float) as glibc 2.36 has them: Sun's
//! float versions of fdlibm's algorithms, in float arithmetic, on glibc's
//! logf and expf (which logf.rs and expf.rs reproduce).
use super::{expf, logf, sqrtf};

fn f(bits: u32) -> f32 {
    f32::from_bits(bits)
}

/// log10 of a positive finite x: n log10(2) (in two parts) plus
/// logf(m)/ln10, with x = 2^n m and m in [1/2, 2).
pub fn log10f_finite(x: f32) -> f32 {
    let (mut hx, mut k) = (x.to_bits() as i32, 0i32);
    if hx < 0x0080_0000 {
        // Subnormal: scaled by 2^25.
        k -= 25;
        hx = (x * f(0x4c00_0000)).to_bits() as i32;
    }
    k += (hx >> 23) - 127;
    let i = i32::from(k < 0);
    let m = f(((hx & 0x007f_ffff) | ((0x7f - i) << 23)) as u32);
    let y = (k + i) as f32;
    let z = y * f(0x3554_27db) + f(0x3ede_5bd9) * logf(m);
    z + y * f(0x3e9a_2080)
}

/// e^x - 1 (float).
pub fn expm1f(x: f32) -> f32 {
    let ln2_hi = f(0x3f31_7180);
    let ln2_lo = f(0x3717_f7d1);
    let q = [
        0xbd08_8889,
        0x3ad0_0d01,
        0xb8a6_70cd,
        0x3686_7e54,
        0xb457_edbb,
    ]
    .map(f);
    let hx = x.to_bits() & 0x7fff_ffff;
    let neg = x.is_sign_negative();
    if hx >= 0x4195_b844 {
        // |x| >= 27 ln2.
        if hx >= 0x42b1_7218 {
            if hx > 0x7f80_0000 {
                return x + x;
            }
            if hx == 0x7f80_0000 {
                return if neg { -1.0 } else { x };
            }
            if x > f(0x42b1_7180) {
                return f32::INFINITY;
            }
        }
        if neg {
            return 1.0e-30 - 1.0;
        }
    }
    let (x, c, k) = if hx > 0x3eb1_7218 {
        let (hi, lo, k) = if hx < 0x3f85_1592 {
            if neg {
                (x + ln2_hi, -ln2_lo, -1)
            } else {
                (x - ln2_hi, ln2_lo, 1)
            }
        } else {
            let k = (f(0x3fb8_aa3b) * x + if neg { -0.5 } else { 0.5 }) as i32;
            let t = k as f32;
            (x - t * ln2_hi, t * ln2_lo, k)
        };
        let r = hi - lo;
        (r, (hi - r) - lo, k)
    } else if hx < 0x3300_0000 {
        return x;
    } else {
        (x, 0.0, 0)
    };
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = 1.0 + hxs * (q[0] + hxs * (q[1] + hxs * (q[2] + hxs * (q[3] + hxs * q[4]))));
    let t = 3.0 - r1 * hfx;
    let e = hxs * ((r1 - t) / (6.0 - x * t));
    if k == 0 {
        return x - (x * e - hxs);
    }
    let e = (x * (e - c) - c) - hxs;
    if k == -1 {
        return 0.5 * (x - e) - 0.5;
    }
    if k == 1 {
        return if x < -0.25 {
            -2.0 * (e - (x + 0.5))
        } else {
            1.0 + 2.0 * (x - e)
        };
    }
    let add_exp = |y: f32| f((y.to_bits() as i32).wrapping_add(k << 23) as u32);
    if k <= -2 || k > 56 {
        return add_exp(1.0 - (e - x)) - 1.0;
    }
    if k < 23 {
        let t = f(0x3f80_0000 - (0x0100_0000 >> k)); // 1 - 2^-k
        add_exp(t - (e - x))
    } else {
        let t = f(((0x7f - k) << 23) as u32); // 2^-k
        add_exp(x - (e + t) + 1.0)
    }
}

/// The hyperbolic sine (float).
pub fn sinhf(x: f32) -> f32 {
    let ix = x.to_bits() & 0x7fff_ffff;
    if ix >= 0x7f80_0000 {
        return x + x;
    }
    let h = if x.is_sign_negative() { -0.5 } else { 0.5 };
    if ix < 0x41b0_0000 {
        // |x| < 22.
        if ix < 0x3180_0000 {
            return x;
        }
        let t = expm1f(x.abs());
        if ix < 0x3f80_0000 {
            return h * (2.0 * t - t * t / (t + 1.0));
        }
        return h * (t + t / (t + 1.0));
    }
    if ix < 0x42b1_7180 {
        return h * expf(x.abs());
    }
    if ix <= 0x42b2_d4fc {
        let w = expf(0.5 * x.abs());
        let t = h * w;
        return t * w;
    }
    x * 1.0e37
}

/// The hyperbolic cosine (float).
pub fn coshf(x: f32) -> f32 {
    let ix = x.to_bits() & 0x7fff_ffff;
    if ix < 0x41b0_0000 {
        if ix < 0x3eb1_7218 {
            if ix < 0x2400_0000 {
                return 1.0;
            }
            let t = expm1f(x.abs());
            let w = 1.0 + t;
            return 1.0 + (t * t) / (w + w);
        }
        let t = expf(x.abs());
        return 0.5 * t + 0.5 / t;
    }
    if ix < 0x42b1_7180 {
        return 0.5 * expf(x.abs());
    }
    if ix <= 0x42b2_d4fc {
        let w = expf(0.5 * x.abs());
        let t = 0.5 * w;
        return t * w;
    }
    if ix >= 0x7f80_0000 {
        return x * x;
    }
    f32::INFINITY
}

/// The hyperbolic tangent (float).
pub fn tanhf(x: f32) -> f32 {
    let ix = x.to_bits() & 0x7fff_ffff;
    if ix >= 0x7f80_0000 {
        return if x.is_sign_negative() {
            1.0 / x - 1.0
        } else {
            1.0 / x + 1.0
        };
    }
    let z = if ix < 0x41b0_0000 {
        if ix == 0 {
            return x;
        }
        if ix < 0x2400_0000 {
            return x * (1.0 + x);
        }
        if ix >= 0x3f80_0000 {
            let t = expm1f(2.0 * x.abs());
            1.0 - 2.0 / (t + 2.0)
        } else {
            let t = expm1f(-2.0 * x.abs());
            -t / (t + 2.0)
        }
    } else {
        1.0 - 1.0e-30
    };
    if x.is_sign_negative() {
        -z
    } else {
        z
    }
}

/// log(1 + x) (float).
pub fn log1pf(x: f32) -> f32 {
    let ln2_hi = f(0x3f31_7180);
    let ln2_lo = f(0x3717_f7d1);
    let lp = [
        0x3f2a_aaab,
        0x3ecc_cccd,
        0x3e92_4925,
        0x3e63_8e29,
        0x3e3a_3325,
        0x3e1c_d04f,
        0x3e17_8897,
    ]
    .map(f);
    let hx = x.to_bits() as i32;
    let ax = hx & 0x7fff_ffff;
    let mut k = 1;
    let (mut f_, mut hu, mut c) = (0.0f32, 0, 0.0f32);
    if hx < 0x3ed4_13d7 {
        // x < 0.41422.
        if ax >= 0x3f80_0000 {
            if x == -1.0 {
                return f32::NEG_INFINITY;
            }
            return super::invalid_f(x);
        }
        if ax < 0x3100_0000 {
            if ax < 0x2480_0000 {
                return x;
            }
            return x - x * x * 0.5;
        }
        if hx > 0 || hx <= 0xbe95_f61f_u32 as i32 {
            k = 0;
            f_ = x;
            hu = 1;
        }
    }
    if hx >= 0x7f80_0000 {
        return x + x;
    }
    if k != 0 {
        let mut u;
        if hx < 0x5a00_0000 {
            u = 1.0 + x;
            hu = u.to_bits() as i32;
            k = (hu >> 23) - 127;
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) };
            c /= u;
        } else {
            u = x;
            hu = u.to_bits() as i32;
            k = (hu >> 23) - 127;
            c = 0.0;
        }
        hu &= 0x007f_ffff;
        if hu < 0x0035_04f7 {
            u = f((hu | 0x3f80_0000) as u32);
        } else {
            k += 1;
            u = f((hu | 0x3f00_0000) as u32);
            hu = (0x0080_0000 - hu) >> 2;
        }
        f_ = u - 1.0;
    }
    let f = f_;
    let hfsq = 0.5 * f * f;
    let kf = k as f32;
    if hu == 0 {
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            c += kf * ln2_lo;
            return kf * ln2_hi + c;
        }
        let r = hfsq * (1.0 - f32::from_bits(0x3f2a_aaab) * f);
        if k == 0 {
            return f - r;
        }
        return kf * ln2_hi - ((r - (kf * ln2_lo + c)) - f);
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z
        * (lp[0] + z * (lp[1] + z * (lp[2] + z * (lp[3] + z * (lp[4] + z * (lp[5] + z * lp[6]))))));
    if k == 0 {
        return f - (hfsq - s * (hfsq + r));
    }
    kf * ln2_hi - ((hfsq - (s * (hfsq + r) + (kf * ln2_lo + c))) - f)
}

const LN2: u32 = 0x3f31_7218;

/// The inverse hyperbolic sine (float).
pub fn asinhf(x: f32) -> f32 {
    let ix = x.to_bits() & 0x7fff_ffff;
    if ix < 0x3800_0000 {
        // |x| < 2^-14.
        return x;
    }
    let xa = x.abs();
    let w = if ix > 0x4700_0000 {
        if ix >= 0x7f80_0000 {
            return x + x;
        }
        logf(xa) + f(LN2)
    } else if ix > 0x4000_0000 {
        logf(2.0 * xa + 1.0 / (sqrtf(xa * xa + 1.0) + xa))
    } else {
        let t = xa * xa;
        log1pf(xa + t / (1.0 + sqrtf(1.0 + t)))
    };
    w.copysign(x)
}

/// The inverse hyperbolic cosine (float).
pub fn acoshf(x: f32) -> f32 {
    let hx = x.to_bits() as i32;
    if hx < 0x3f80_0000 {
        return super::invalid_f(x);
    }
    if hx >= 0x4d80_0000 {
        if hx >= 0x7f80_0000 {
            return x + x;
        }
        return logf(x) + f(LN2);
    }
    if hx == 0x3f80_0000 {
        return 0.0;
    }
    if hx > 0x4000_0000 {
        let t = x * x;
        return logf(2.0 * x - 1.0 / (x + sqrtf(t - 1.0)));
    }
    let t = x - 1.0;
    log1pf(t + sqrtf(2.0 * t + t * t))
}

/// The inverse hyperbolic tangent (float).
pub fn atanhf(x: f32) -> f32 {
    let xa = x.abs();
    let t = if xa < 0.5 {
        if xa < f(0x3180_0000) {
            // |x| < 2^-28.
            return x;
        }
        let t = xa + xa;
        0.5 * log1pf(t + t * xa / (1.0 - xa))
    } else if xa < 1.0 {
        0.5 * log1pf((xa + xa) / (1.0 - xa))
    } else {
        if xa > 1.0 || x.is_nan() {
            return super::invalid_f(x);
        }
        return x / 0.0;
    };
    t.copysign(x)
}
