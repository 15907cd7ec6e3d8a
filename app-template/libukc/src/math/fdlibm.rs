//! expm1, log1p, sinh, cosh and tanh as glibc 2.36 has them: Sun's
//! fdlibm algorithms, with glibc's evaluation order (its expm1 and log1p
//! evaluate their polynomials in Estrin's scheme, where FreeBSD and the
//! libm crate use Horner's) and glibc's exp, which here is glibc's own
//! (exp.rs). x86-64 glibc 2.36 runs its FMA build of expm1 (so tanh and
//! the expm1 parts of sinh and cosh are fused too): `fused` computes its
//! multiply-adds with one rounding, as the compiler fuses them there.
//! log1p, sinh, cosh and tanh themselves are not fused.
use super::exp;
use super::exp::fused;

const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

fn high(x: f64) -> u32 {
    (x.to_bits() >> 32) as u32
}

fn with_high(x: f64, hi: u32) -> f64 {
    f64::from_bits((u64::from(hi) << 32) | (x.to_bits() & 0xffff_ffff))
}

/// e^x - 1, accurate near 0.
pub fn expm1(x: f64) -> f64 {
    const INVLN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
    const O_THRESHOLD: f64 = f64::from_bits(0x4086_2e42_fefa_39ef);
    let hx = high(x) & 0x7fff_ffff;
    let neg = x.is_sign_negative();
    if hx >= 0x4043_687a {
        // |x| >= 56 ln2.
        if hx >= 0x4086_2e42 {
            if hx >= 0x7ff0_0000 {
                if x.is_nan() {
                    return x + x;
                }
                return if neg { -1.0 } else { x };
            }
            if x > O_THRESHOLD {
                return f64::INFINITY;
            }
        }
        if neg {
            return 1.0e-300 - 1.0;
        }
    }
    let (x, c, k) = if hx > 0x3fd6_2e42 {
        // |x| > ln2/2: x = k ln2 + (hi - lo).
        let (hi, lo, k) = if hx < 0x3ff0_a2b2 {
            if neg {
                (x + LN2_HI, -LN2_LO, -1)
            } else {
                (x - LN2_HI, LN2_LO, 1)
            }
        } else {
            let k = fused(INVLN2, x, if neg { -0.5 } else { 0.5 }) as i32;
            let t = f64::from(k);
            let hi = fused(-t, LN2_HI, x);
            let r = fused(-t, LN2_LO, hi);
            return finish_expm1(r, fused(-t, LN2_LO, hi - r), k);
        };
        let r = hi - lo;
        (r, (hi - r) - lo, k)
    } else if hx < 0x3c90_0000 {
        // |x| < 2^-54.
        return x;
    } else {
        (x, 0.0, 0)
    };
    finish_expm1(x, c, k)
}

fn finish_expm1(x: f64, c: f64, k: i32) -> f64 {
    const Q: [f64; 6] = [
        1.0,
        f64::from_bits(0xbfa1_1111_1111_10f4),
        f64::from_bits(0x3f5a_01a0_19fe_5585),
        f64::from_bits(0xbf14_ce19_9eaa_dbb7),
        f64::from_bits(0x3ed0_cfca_86e6_5239),
        f64::from_bits(0xbe8a_fdb7_6e09_c32d),
    ];
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = fused(hxs, Q[1], Q[0]);
    let h2 = hxs * hxs;
    let r2 = fused(hxs, Q[3], Q[2]);
    let h4 = h2 * h2;
    let r3 = fused(hxs, Q[5], Q[4]);
    let r1 = fused(h4, r3, fused(h2, r2, r1));
    let t = fused(-r1, hfx, 3.0);
    let e = hxs * ((r1 - t) / fused(-x, t, 6.0));
    if k == 0 {
        return x - fused(x, e, -hxs);
    }
    let e = fused(x, e - c, -c) - hxs;
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
    let add_exp = |y: f64, k: i32| with_high(y, high(y).wrapping_add((k as u32) << 20));
    if k <= -2 || k > 56 {
        let y = 1.0 - (e - x);
        return add_exp(y, k) - 1.0;
    }
    if k < 20 {
        let t = with_high(0.0, 0x3ff0_0000 - (0x0020_0000 >> k)); // 1 - 2^-k
        add_exp(t - (e - x), k)
    } else {
        let t = with_high(0.0, ((0x3ff - k) as u32) << 20); // 2^-k
        add_exp(x - (e + t) + 1.0, k)
    }
}

/// log(1 + x), accurate near 0.
pub fn log1p(x: f64) -> f64 {
    const LP: [f64; 8] = [
        0.0,
        f64::from_bits(0x3fe5_5555_5555_5593),
        f64::from_bits(0x3fd9_9999_9997_fa04),
        f64::from_bits(0x3fd2_4924_9422_9359),
        f64::from_bits(0x3fcc_71c5_1d8e_78af),
        f64::from_bits(0x3fc7_4664_96cb_03de),
        f64::from_bits(0x3fc3_9a09_d078_c69f),
        f64::from_bits(0x3fc2_f112_df3e_5244),
    ];
    let hx = high(x) as i32;
    let ax = hx & 0x7fff_ffff;
    let mut k = 1;
    let (mut f, mut hu, mut c) = (0.0, 0, 0.0);
    if hx < 0x3fda_827a {
        // x < 0.41422.
        if ax >= 0x3ff0_0000 {
            // x <= -1.0 (or a negative NaN).
            if x == -1.0 {
                return f64::NEG_INFINITY;
            }
            return super::invalid(x);
        }
        if ax < 0x3e20_0000 {
            // |x| < 2^-29.
            if ax < 0x3c90_0000 {
                return x;
            }
            return x - x * x * 0.5;
        }
        if hx > 0 || hx <= 0xbfd2_bec3_u32 as i32 {
            // -0.2929 < x < 0.41422.
            k = 0;
            f = x;
            hu = 1;
        }
    } else if hx >= 0x7ff0_0000 {
        return x + x;
    }
    if k != 0 {
        let mut u;
        if hx < 0x4340_0000 {
            u = 1.0 + x;
            hu = high(u) as i32;
            k = (hu >> 20) - 1023;
            // The rounding error of 1 + x, relative to u.
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) };
            c /= u;
        } else {
            u = x;
            hu = high(u) as i32;
            k = (hu >> 20) - 1023;
            c = 0.0;
        }
        hu &= 0x000f_ffff;
        if hu < 0x6a09e {
            u = with_high(u, (hu | 0x3ff0_0000) as u32);
        } else {
            k += 1;
            u = with_high(u, (hu | 0x3fe0_0000) as u32);
            hu = (0x0010_0000 - hu) >> 2;
        }
        f = u - 1.0;
    }
    let hfsq = 0.5 * f * f;
    let kd = f64::from(k);
    if hu == 0 {
        // |f| < 2^-20.
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            c += kd * LN2_LO;
            return kd * LN2_HI + c;
        }
        let r = hfsq * (1.0 - 0.666_666_666_666_666_6 * f);
        if k == 0 {
            return f - r;
        }
        return kd * LN2_HI - ((r - (kd * LN2_LO + c)) - f);
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let r1 = z * LP[1];
    let z2 = z * z;
    let r2 = LP[2] + z * LP[3];
    let z4 = z2 * z2;
    let r3 = LP[4] + z * LP[5];
    let z6 = z4 * z2;
    let r4 = LP[6] + z * LP[7];
    let r = r1 + z2 * r2 + z4 * r3 + z6 * r4;
    if k == 0 {
        return f - (hfsq - s * (hfsq + r));
    }
    kd * LN2_HI - ((hfsq - (s * (hfsq + r) + (kd * LN2_LO + c))) - f)
}

/// Whether |x| (high word `ix`) is at most the largest x with a finite
/// sinh/cosh (0x408633ce_8fb9f87d).
fn below_overflow(ix: u32, x: f64) -> bool {
    let lx = x.to_bits() as u32;
    ix < 0x4086_33ce || (ix == 0x4086_33ce && lx <= 0x8fb9_f87d)
}

/// The hyperbolic sine.
pub fn sinh(x: f64) -> f64 {
    let ix = high(x) & 0x7fff_ffff;
    if ix >= 0x7ff0_0000 {
        return x + x;
    }
    let h = if x.is_sign_negative() { -0.5 } else { 0.5 };
    if ix < 0x4036_0000 {
        // |x| < 22.
        if ix < 0x3e30_0000 {
            // |x| < 2^-28.
            return x;
        }
        let t = expm1(x.abs());
        if ix < 0x3ff0_0000 {
            return h * (2.0 * t - t * t / (t + 1.0));
        }
        return h * (t + t / (t + 1.0));
    }
    if ix < 0x4086_2e42 {
        return h * exp(x.abs());
    }
    if below_overflow(ix, x) {
        let w = exp(0.5 * x.abs());
        let t = h * w;
        return t * w;
    }
    x * 1.0e307
}

/// The hyperbolic cosine.
pub fn cosh(x: f64) -> f64 {
    let ix = high(x) & 0x7fff_ffff;
    if ix < 0x4036_0000 {
        if ix < 0x3fd6_2e43 {
            // |x| < ln2/2.
            if ix < 0x3c80_0000 {
                return 1.0;
            }
            let t = expm1(x.abs());
            let w = 1.0 + t;
            return 1.0 + (t * t) / (w + w);
        }
        let t = exp(x.abs());
        return 0.5 * t + 0.5 / t;
    }
    if ix < 0x4086_2e42 {
        return 0.5 * exp(x.abs());
    }
    if below_overflow(ix, x) {
        let w = exp(0.5 * x.abs());
        let t = 0.5 * w;
        return t * w;
    }
    if ix >= 0x7ff0_0000 {
        return x * x;
    }
    f64::INFINITY
}

/// The hyperbolic tangent.
pub fn tanh(x: f64) -> f64 {
    let jx = high(x);
    let ix = jx & 0x7fff_ffff;
    if ix >= 0x7ff0_0000 {
        return if x.is_sign_negative() {
            1.0 / x - 1.0
        } else {
            1.0 / x + 1.0
        };
    }
    let z = if ix < 0x4036_0000 {
        if x == 0.0 {
            return x;
        }
        if ix < 0x3c80_0000 {
            return x * (1.0 + x);
        }
        if ix >= 0x3ff0_0000 {
            let t = expm1(2.0 * x.abs());
            1.0 - 2.0 / (t + 2.0)
        } else {
            let t = expm1(-2.0 * x.abs());
            -t / (t + 2.0)
        }
    } else {
        1.0 - 1.0e-300
    };
    if x.is_sign_negative() {
        -z
    } else {
        z
    }
}

const LN2: f64 = f64::from_bits(0x3fe6_2e42_fefa_39ef);

/// The inverse hyperbolic sine.
pub fn asinh(x: f64) -> f64 {
    let ix = high(x) & 0x7fff_ffff;
    if ix < 0x3e30_0000 {
        // |x| < 2^-28.
        return x;
    }
    let xa = x.abs();
    let w = if ix > 0x41b0_0000 {
        if ix >= 0x7ff0_0000 {
            return x + x;
        }
        super::log(xa) + LN2
    } else if ix > 0x4000_0000 {
        super::log(2.0 * xa + 1.0 / (super::sqrt(xa * xa + 1.0) + xa))
    } else {
        let t = xa * xa;
        log1p(xa + t / (1.0 + super::sqrt(1.0 + t)))
    };
    w.copysign(x)
}

/// The inverse hyperbolic cosine.
pub fn acosh(x: f64) -> f64 {
    let hx = x.to_bits() as i64;
    if hx > 0x4000_0000_0000_0000 {
        if hx >= 0x41b0_0000_0000_0000 {
            if hx >= 0x7ff0_0000_0000_0000 {
                return x + x;
            }
            return super::log(x) + LN2;
        }
        let t = x * x;
        return super::log(2.0 * x - 1.0 / (x + super::sqrt(t - 1.0)));
    }
    if hx > 0x3ff0_0000_0000_0000 {
        let t = x - 1.0;
        return log1p(t + super::sqrt(2.0 * t + t * t));
    }
    if hx == 0x3ff0_0000_0000_0000 {
        return 0.0;
    }
    super::invalid(x)
}

/// The inverse hyperbolic tangent.
pub fn atanh(x: f64) -> f64 {
    let xa = x.abs();
    let t = if xa < 0.5 {
        if xa < f64::from_bits(0x3e30_0000_0000_0000) {
            return x;
        }
        let t = xa + xa;
        0.5 * log1p(t + t * xa / (1.0 - xa))
    } else if xa < 1.0 {
        0.5 * log1p((xa + xa) / (1.0 - xa))
    } else {
        if xa > 1.0 || x.is_nan() {
            return super::invalid(x);
        }
        return x / 0.0;
    };
    t.copysign(x)
}
