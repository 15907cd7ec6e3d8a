//! sinf, cosf and sincosf: glibc's float algorithm (since 2.28; Szabolcs
//! Nagy's and Wilco Dijkstra's, from Arm's optimized-routines), computed
//! in double. x is reduced to r = x - n pi/2 in [-pi/4, pi/4] (one
//! multiply-subtract below 120, else an exact fixed-point product with
//! 2/pi's bits, tables::INV_PIO4), then a short odd polynomial gives sin r
//! and an even one cos r, with the quadrant n choosing which and the sign.
//!
//! As for expf, glibc's FMA build fuses each multiply-add; `fused` does
//! the same exactly.
use super::exp::fused;
use super::tables::INV_PIO4;

/// The polynomials: cos r ~= C0 + C1 r^2 + ... + C4 r^8 and
/// sin r ~= r + S1 r^3 + S2 r^5 + S3 r^7.
struct Poly {
    c: [f64; 5],
    s: [f64; 3],
}

const COS: [f64; 5] = [
    1.0,
    f64::from_bits(0xbfdf_ffff_fd0c_621c),
    f64::from_bits(0x3fa5_5553_e106_8f19),
    f64::from_bits(0xbf56_c087_e89a_359d),
    f64::from_bits(0x3ef9_9343_027b_f8c3),
];
const SIN: [f64; 3] = [
    f64::from_bits(0xbfc5_5554_5995_a603),
    f64::from_bits(0x3f81_1076_0523_0bc4),
    f64::from_bits(0xbf29_94eb_3774_cf24),
];
/// Quadrants 0 and 1 (cos as is) and 2 and 3 (the cosine polynomial
/// negated, which negates the result for free).
const POLY: [Poly; 2] = [
    Poly { c: COS, s: SIN },
    Poly {
        c: [-COS[0], -COS[1], -COS[2], -COS[3], -COS[4]],
        s: SIN,
    },
];
const SIGN: [f64; 4] = [1.0, -1.0, -1.0, 1.0];
const HPI_INV: f64 = f64::from_bits(0x4164_5f30_6dc9_c883); // 2/pi * 2^24
const HPI: f64 = f64::from_bits(0x3ff9_21fb_5444_2d18); // pi/2
const PI63: f64 = f64::from_bits(0x3c19_21fb_5444_2d18); // 2 pi * 2^-64

fn abstop12(x: f32) -> u32 {
    (x.to_bits() >> 20) & 0x7ff
}

const PIO4_TOP: u32 = 0x3f4; // abstop12 of pi/4 (0x1.921fb6p-1)
const TINY_TOP: u32 = 0x398; // of 2^-12
const FAST_TOP: u32 = 0x42f; // of 120
const INF_TOP: u32 = 0x7f8;

/// sin (n even) or cos (n odd) of x, x2 = x*x.
fn poly(x: f64, x2: f64, p: &Poly, n: u32) -> f32 {
    if n & 1 == 0 {
        let x3 = x * x2;
        let s1 = fused(x2, p.s[2], p.s[1]);
        let x7 = x3 * x2;
        let s = fused(x3, p.s[0], x);
        fused(x7, s1, s) as f32
    } else {
        let x4 = x2 * x2;
        let c2 = fused(x2, p.c[4], p.c[3]);
        let c1 = fused(x2, p.c[1], p.c[0]);
        let x6 = x4 * x2;
        let c = fused(x4, p.c[2], c1);
        fused(x6, c2, c) as f32
    }
}

/// sin and cos of x together (swapped when n is odd).
fn poly_both(x: f64, x2: f64, p: &Poly, n: u32) -> (f32, f32) {
    let x4 = x2 * x2;
    let x3 = x2 * x;
    let c2 = fused(x2, p.c[4], p.c[3]);
    let s1 = fused(x2, p.s[2], p.s[1]);
    let c1 = fused(x2, p.c[1], p.c[0]);
    let x5 = x3 * x2;
    let x6 = x4 * x2;
    let s = fused(x3, p.s[0], x);
    let c = fused(x4, p.c[2], c1);
    let (s, c) = (fused(x5, s1, s) as f32, fused(x6, c2, c) as f32);
    if n & 1 == 0 {
        (s, c)
    } else {
        (c, s)
    }
}

/// x - n pi/2 for |x| < 120, and n.
fn reduce_fast(x: f64) -> (f64, u32) {
    let r = x * HPI_INV;
    let n = ((r as i32).wrapping_add(0x80_0000)) >> 24;
    (fused(-f64::from(n), HPI, x), n as u32)
}

/// x - n pi/2 for the float representation `xi` of |x| >= 2 (its sign
/// ignored), and n: the exact product of x's 24 bits with 96 bits of 2/pi
/// around x's exponent, as a fraction of 4 quadrants in 2.62 fixed point.
fn reduce_large(xi: u32) -> (f64, u32) {
    let arr = &INV_PIO4[((xi >> 26) & 15) as usize..];
    let shift = (xi >> 23) & 7;
    let m = ((xi & 0xff_ffff) | 0x80_0000) << shift;
    let res0 = u64::from(m.wrapping_mul(arr[0]));
    let res1 = u64::from(m) * u64::from(arr[4]);
    let res2 = u64::from(m) * u64::from(arr[8]);
    let res = ((res2 >> 32) | (res0 << 32)).wrapping_add(res1);
    let n = res.wrapping_add(1 << 61) >> 62;
    let res = res.wrapping_sub(n << 62);
    ((res as i64) as f64 * PI63, n as u32)
}

/// The reduced argument, the quadrant and the polynomials for x outside
/// [-pi/4, pi/4] (finite), with x's sign folded in.
fn reduce(y: f32) -> (f64, u32, &'static Poly) {
    let (x, n, q) = if abstop12(y) < FAST_TOP {
        let (x, n) = reduce_fast(f64::from(y));
        (x, n, n)
    } else {
        let xi = y.to_bits();
        let (x, n) = reduce_large(xi);
        (x, n, n.wrapping_add(xi >> 31))
    };
    let s = SIGN[(q & 3) as usize];
    (x * s, n, &POLY[((q >> 1) & 1) as usize])
}

/// The sine.
pub fn sinf(y: f32) -> f32 {
    let top = abstop12(y);
    if top < PIO4_TOP {
        if top < TINY_TOP {
            return y;
        }
        let x = f64::from(y);
        return poly(x, x * x, &POLY[0], 0);
    }
    if top >= INF_TOP {
        return super::invalid_f(y);
    }
    let (x, n, p) = reduce(y);
    poly(x, x * x, p, n)
}

/// The cosine.
pub fn cosf(y: f32) -> f32 {
    let top = abstop12(y);
    if top < PIO4_TOP {
        if top < TINY_TOP {
            return 1.0;
        }
        let x = f64::from(y);
        return poly(x, x * x, &POLY[0], 1);
    }
    if top >= INF_TOP {
        return super::invalid_f(y);
    }
    let (x, n, p) = reduce(y);
    poly(x, x * x, p, n ^ 1)
}

/// Both, as (sin, cos).
pub fn sincosf(y: f32) -> (f32, f32) {
    let top = abstop12(y);
    if top < PIO4_TOP {
        if top < TINY_TOP {
            return (y, 1.0);
        }
        let x = f64::from(y);
        return poly_both(x, x * x, &POLY[0], 0);
    }
    if top >= INF_TOP {
        let nan = super::invalid_f(y);
        return (nan, nan);
    }
    let (x, n, p) = reduce(y);
    poly_both(x, x * x, p, n)
}

/// tanf: glibc's (Sun's float kernel, with the reduction above; glibc
/// builds tanf without FMA, so its reduce_fast is not fused).
pub fn tanf(x: f32) -> f32 {
    let ix = x.to_bits() & 0x7fff_ffff;
    if ix <= 0x3f49_0fda {
        return kernel_tanf(x, 0.0, 1);
    }
    if ix >= 0x7f80_0000 {
        return super::invalid_f(x);
    }
    let (dx, n) = if abstop12(x) < FAST_TOP {
        let xd = f64::from(x);
        let r = xd * HPI_INV;
        let n = ((r as i32).wrapping_add(0x80_0000)) >> 24;
        (xd - f64::from(n) * HPI, n as u32)
    } else {
        let xi = x.to_bits();
        let (r, n) = reduce_large(xi);
        (if xi >> 31 != 0 { -r } else { r }, n)
    };
    let hi = dx as f32;
    let lo = (dx - f64::from(hi)) as f32;
    kernel_tanf(hi, lo, 1 - (((n & 1) as i32) << 1))
}

/// tan(x + y) (iy = 1) or -1/tan(x + y) (iy = -1) for |x + y| <= pi/4.
fn kernel_tanf(x: f32, y: f32, iy: i32) -> f32 {
    let t = [
        0x3eaa_aaab,
        0x3e08_8889,
        0x3d5d_0dd1,
        0x3cb3_27a4,
        0x3c11_371f,
        0x3b6b_6916,
        0x3abe_de48,
        0x3a1a_26c8,
        0x3981_37b9,
        0x38a3_f445,
        0x3895_c07a,
        0xb79b_ae5f,
        0x37d9_5384,
    ]
    .map(f32::from_bits);
    let pio4 = f32::from_bits(0x3f49_0fda);
    let pio4lo = f32::from_bits(0x3322_2168);
    let hx = x.to_bits() as i32;
    let ix = hx & 0x7fff_ffff;
    if ix < 0x3900_0000 {
        // |x| < 2^-13.
        if ix == 0 && iy == -1 {
            return 1.0 / x.abs();
        }
        return if iy == 1 { x } else { -1.0 / x };
    }
    let big = ix >= 0x3f2c_a140; // |x| >= 0.6744
    let (x, y) = if big {
        let (x, y) = if hx < 0 { (-x, -y) } else { (x, y) };
        let x = (pio4 - x) + (pio4lo - y);
        if x.abs() < f32::from_bits(0x3900_0000) {
            let sign = (1 - ((hx >> 30) & 2)) * iy;
            return sign as f32 * (1.0 - (2 * iy) as f32 * x);
        }
        (x, 0.0)
    } else {
        (x, y)
    };
    let z = x * x;
    let w = z * z;
    let r = t[1] + w * (t[3] + w * (t[5] + w * (t[7] + w * (t[9] + w * t[11]))));
    let v = z * (t[2] + w * (t[4] + w * (t[6] + w * (t[8] + w * (t[10] + w * t[12])))));
    let s = z * x;
    let r = y + z * (s * (r + v) + y);
    let r = r + t[0] * s;
    let w = x + r;
    if big {
        let v = iy as f32;
        return (1 - ((hx >> 30) & 2)) as f32 * (v - 2.0 * (x - (w * w / (w + v) - r)));
    }
    if iy == 1 {
        return w;
    }
    // -1/(x + r), accurately.
    let z = f32::from_bits(w.to_bits() & 0xffff_f000);
    let v = r - (z - x);
    let a = -1.0 / w;
    let t = f32::from_bits(a.to_bits() & 0xffff_f000);
    let s = 1.0 + t * z;
    t + a * (s + t * v)
}
