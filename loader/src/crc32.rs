//! CRC-32 (IEEE 802.3, the one of zlib and gzip) for bundle checksums,
//! sixteen bytes a step (slice-by-16).
//!
//! Its 16 KiB of tables are built on the heap for each checksum (4 096
//! entries, a few microseconds) rather than kept as a constant: as
//! crc32fast's constant table they were 16 KiB of every image
//! (docs/image-size.md), for the one checksum a boot computes.
use alloc::boxed::Box;
use alloc::vec;

/// The reflected IEEE polynomial.
const POLY: u32 = 0xedb8_8320;

type Tables = [[u32; 256]; 16];

/// A running CRC-32.
pub struct Crc32 {
    tables: Box<Tables>,
    crc: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    pub fn new() -> Crc32 {
        // Built in place on the heap: 16 KiB is too much for a stack.
        let mut t: Box<Tables> = match vec![[0u32; 256]; 16].into_boxed_slice().try_into() {
            Ok(t) => t,
            Err(_) => unreachable!("16 tables were made"),
        };
        for i in 0..256 {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            }
            t[0][i] = c;
        }
        for i in 0..256 {
            for k in 1..16 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            }
        }
        Crc32 { tables: t, crc: !0 }
    }

    pub fn update(&mut self, data: &[u8]) {
        let t = &*self.tables;
        let mut crc = self.crc;
        let mut chunks = data.chunks_exact(16);
        for c in &mut chunks {
            let a = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            // Written out: the optimiser for size would keep a loop here.
            crc = t[15][(a & 0xff) as usize]
                ^ t[14][((a >> 8) & 0xff) as usize]
                ^ t[13][((a >> 16) & 0xff) as usize]
                ^ t[12][(a >> 24) as usize]
                ^ t[11][c[4] as usize]
                ^ t[10][c[5] as usize]
                ^ t[9][c[6] as usize]
                ^ t[8][c[7] as usize]
                ^ t[7][c[8] as usize]
                ^ t[6][c[9] as usize]
                ^ t[5][c[10] as usize]
                ^ t[4][c[11] as usize]
                ^ t[3][c[12] as usize]
                ^ t[2][c[13] as usize]
                ^ t[1][c[14] as usize]
                ^ t[0][c[15] as usize];
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xff) as usize];
        }
        self.crc = crc;
    }

    pub fn finalize(self) -> u32 {
        !self.crc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One bit at a time, straight from the definition.
    fn reference(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ POLY
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn crc(parts: &[&[u8]]) -> u32 {
        let mut h = Crc32::new();
        for p in parts {
            h.update(p);
        }
        h.finalize()
    }

    #[test]
    fn the_check_value_of_the_standard() {
        assert_eq!(crc(&[b"123456789"]), 0xcbf4_3926);
        assert_eq!(crc(&[b""]), 0);
    }

    #[test]
    fn any_length_and_any_split_match_the_bitwise_definition() {
        let mut x = 0x1234_5678u32;
        let data: alloc::vec::Vec<u8> = (0..300)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        for len in 0..data.len() {
            let d = &data[..len];
            assert_eq!(crc(&[d]), reference(d), "length {len}");
            let cut = len * 7 / 13;
            assert_eq!(
                crc(&[&d[..cut], &d[cut..]]),
                reference(d),
                "length {len} cut {cut}"
            );
        }
    }
}
