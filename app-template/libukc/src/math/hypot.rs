//! hypot: glibc's (since 2.35), Borges' "improved algorithm" (MyHypot3):
//! sqrt(x^2 + y^2) in double, corrected by one Newton-like step from the
//! exactly computable error terms. x86-64 glibc has no FMA build of it.
use super::sqrt;

const SCALE: f64 = f64::from_bits(0x1a70_0000_0000_0000); // 2^-600
const LARGE: f64 = f64::from_bits(0x5fe0_0000_0000_0000); // 2^511
const TINY: f64 = f64::from_bits(0x2340_0000_0000_0000); // 2^-459
const EPS: f64 = f64::from_bits(0x3c90_0000_0000_0000); // 2^-54

/// For ax >= ay >= 0 whose squares and difference's square are normal.
fn kernel(ax: f64, ay: f64) -> f64 {
    let h = sqrt(ax * ax + ay * ay);
    let (t1, t2) = if h <= 2.0 * ay {
        let delta = h - ay;
        (ax * (2.0 * delta - ax), (delta - 2.0 * (ax - ay)) * delta)
    } else {
        let delta = h - ax;
        (
            2.0 * delta * (ax - 2.0 * ay),
            (4.0 * delta - ay) * ay + delta * delta,
        )
    };
    h - (t1 + t2) / (2.0 * h)
}

fn signaling(x: f64) -> bool {
    (x.to_bits() ^ 0x0008_0000_0000_0000) << 1 > 0x7ff8_0000_0000_0000 << 1
}

/// sqrt(x^2 + y^2) without undue overflow or underflow.
pub fn hypot(x: f64, y: f64) -> f64 {
    if !x.is_finite() || !y.is_finite() {
        if (x.is_infinite() || y.is_infinite()) && !signaling(x) && !signaling(y) {
            return f64::INFINITY;
        }
        return x + y;
    }
    let (x, y) = (x.abs(), y.abs());
    let (ax, ay) = if x < y { (y, x) } else { (x, y) };
    if ax > LARGE {
        if ay <= ax * EPS {
            return ax + ay;
        }
        return kernel(ax * SCALE, ay * SCALE) / SCALE;
    }
    if ay < TINY {
        if ax >= ay / EPS {
            return ax + ay;
        }
        return kernel(ax / SCALE, ay / SCALE) * SCALE;
    }
    if ay <= ax * EPS {
        return ax + ay;
    }
    kernel(ax, ay)
}

/// hypotf: glibc's (since 2.35), the double sqrt of the double sum of
/// squares, rounded once to float.
pub fn hypotf(x: f32, y: f32) -> f32 {
    let signaling = |v: f32| (v.to_bits() ^ 0x0040_0000) << 1 > 0x7fc0_0000 << 1;
    if !x.is_finite() || !y.is_finite() {
        if (x.is_infinite() || y.is_infinite()) && !signaling(x) && !signaling(y) {
            return f32::INFINITY;
        }
        return x + y;
    }
    let (x, y) = (f64::from(x), f64::from(y));
    sqrt(x * x + y * y) as f32
}
