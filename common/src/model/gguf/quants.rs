//! ggml's tensor types and how to turn their bytes into f32 values.
//!
//! A quantised tensor is a sequence of blocks, each holding a fixed number of values
//! (32, or 256 for the "K" types) as small integers with one or two f16 scales per block
//! (and, for the K types, 6-bit scales per sub-block). The layouts below are ggml's (see
//! its `ggml-common.h` and the reference `dequantize_row_*` functions); each is checked
//! value for value against the `gguf` Python package's `gguf.quants.dequantize` in
//! `common/tests/gguf.rs`.

use half::{bf16, f16};

/// The ggml tensor types a token-embedding matrix is stored in, by their GGUF type id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GgmlType {
    F32,
    F16,
    BF16,
    Q8_0,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q4K,
    Q5K,
    Q6K,
}

/// ggml's names of every type id, for messages about the ones not read here.
const TYPE_NAMES: [(u32, &str); 33] = [
    (0, "F32"),
    (1, "F16"),
    (2, "Q4_0"),
    (3, "Q4_1"),
    (6, "Q5_0"),
    (7, "Q5_1"),
    (8, "Q8_0"),
    (9, "Q8_1"),
    (10, "Q2_K"),
    (11, "Q3_K"),
    (12, "Q4_K"),
    (13, "Q5_K"),
    (14, "Q6_K"),
    (15, "Q8_K"),
    (16, "IQ2_XXS"),
    (17, "IQ2_XS"),
    (18, "IQ3_XXS"),
    (19, "IQ1_S"),
    (20, "IQ4_NL"),
    (21, "IQ3_S"),
    (22, "IQ2_S"),
    (23, "IQ4_XS"),
    (24, "I8"),
    (25, "I16"),
    (26, "I32"),
    (27, "I64"),
    (28, "F64"),
    (29, "IQ1_M"),
    (30, "BF16"),
    (34, "TQ1_0"),
    (35, "TQ2_0"),
    (39, "MXFP4"),
    (40, "NVFP4"),
];

/// The name ggml gives type `id` ("type 99" for one it does not define).
pub fn type_name(id: u32) -> String {
    TYPE_NAMES
        .iter()
        .find(|(t, _)| *t == id)
        .map_or_else(|| format!("type {id}"), |(_, name)| name.to_string())
}

/// Values per block of the K types.
const QK_K: usize = 256;

impl GgmlType {
    /// The type with GGUF id `id`, if it is one read here.
    pub fn from_id(id: u32) -> Option<Self> {
        Some(match id {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::Q4_0,
            3 => Self::Q4_1,
            6 => Self::Q5_0,
            7 => Self::Q5_1,
            8 => Self::Q8_0,
            12 => Self::Q4K,
            13 => Self::Q5K,
            14 => Self::Q6K,
            30 => Self::BF16,
            _ => return None,
        })
    }

    /// The types read here, for error messages.
    pub const SUPPORTED: &'static str =
        "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K";

    /// `(values, bytes)` per block.
    pub fn block(self) -> (usize, usize) {
        match self {
            Self::F32 => (1, 4),
            Self::F16 | Self::BF16 => (1, 2),
            Self::Q8_0 => (32, 2 + 32),
            Self::Q4_0 => (32, 2 + 16),
            Self::Q4_1 => (32, 2 + 2 + 16),
            Self::Q5_0 => (32, 2 + 4 + 16),
            Self::Q5_1 => (32, 2 + 2 + 4 + 16),
            Self::Q4K => (QK_K, 2 + 2 + 12 + QK_K / 2),
            Self::Q5K => (QK_K, 2 + 2 + 12 + QK_K / 8 + QK_K / 2),
            Self::Q6K => (QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + 2),
        }
    }

    /// Bytes that `values` values take, or `None` when they do not fill whole blocks.
    pub fn bytes_for(self, values: usize) -> Option<usize> {
        let (per_block, bytes) = self.block();
        values
            .is_multiple_of(per_block)
            .then(|| (values / per_block).checked_mul(bytes))
            .flatten()
    }

    /// Decodes one block (`self.block().1` bytes) into `out` (`self.block().0` values).
    pub fn dequantize_block(self, block: &[u8], out: &mut [f32]) {
        match self {
            Self::F32 => out[0] = f32::from_le_bytes([block[0], block[1], block[2], block[3]]),
            Self::F16 => out[0] = f16_at(block, 0),
            Self::BF16 => out[0] = bf16::from_le_bytes([block[0], block[1]]).to_f32(),
            Self::Q8_0 => q8_0(block, out),
            Self::Q4_0 => q4_0(block, out),
            Self::Q4_1 => q4_1(block, out),
            Self::Q5_0 => q5_0(block, out),
            Self::Q5_1 => q5_1(block, out),
            Self::Q4K => q4_k(block, out),
            Self::Q5K => q5_k(block, out),
            Self::Q6K => q6_k(block, out),
        }
    }

    /// Decodes whole blocks: `bytes` holds `out.len()` values' worth.
    pub fn dequantize(self, bytes: &[u8], out: &mut [f32]) {
        let (per_block, size) = self.block();
        for (block, values) in bytes
            .chunks_exact(size)
            .zip(out.chunks_exact_mut(per_block))
        {
            self.dequantize_block(block, values);
        }
    }
}

fn f16_at(bytes: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([bytes[at], bytes[at + 1]]).to_f32()
}

/// `d` (f16), 32 signed bytes: x = d·q.
fn q8_0(b: &[u8], out: &mut [f32]) {
    let d = f16_at(b, 0);
    for (y, &q) in out.iter_mut().zip(&b[2..34]) {
        *y = d * (q as i8) as f32;
    }
}

/// `d`, 16 bytes of 4-bit values (low nibbles are values 0–15, high nibbles 16–31):
/// x = d·(q − 8).
fn q4_0(b: &[u8], out: &mut [f32]) {
    let d = f16_at(b, 0);
    for (j, &q) in b[2..18].iter().enumerate() {
        out[j] = d * ((q & 0x0F) as i32 - 8) as f32;
        out[j + 16] = d * ((q >> 4) as i32 - 8) as f32;
    }
}

/// `d`, `m`, 16 bytes of 4-bit values: x = d·q + m.
fn q4_1(b: &[u8], out: &mut [f32]) {
    let (d, m) = (f16_at(b, 0), f16_at(b, 2));
    for (j, &q) in b[4..20].iter().enumerate() {
        out[j] = d * (q & 0x0F) as f32 + m;
        out[j + 16] = d * (q >> 4) as f32 + m;
    }
}

/// The fifth bits of a Q5 block's 32 values (`qh`, one u32) joined to their low nibbles.
fn five_bit(qh: u32, qs: &[u8], j: usize) -> (u8, u8) {
    let high_low = (((qh >> j) << 4) & 0x10) as u8;
    let high_high = ((qh >> (j + 12)) & 0x10) as u8;
    ((qs[j] & 0x0F) | high_low, (qs[j] >> 4) | high_high)
}

/// `d`, `qh` (u32), 16 bytes of low nibbles: x = d·(q − 16).
fn q5_0(b: &[u8], out: &mut [f32]) {
    let d = f16_at(b, 0);
    let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
    for j in 0..16 {
        let (lo, hi) = five_bit(qh, &b[6..22], j);
        out[j] = d * (lo as i32 - 16) as f32;
        out[j + 16] = d * (hi as i32 - 16) as f32;
    }
}

/// `d`, `m`, `qh`, 16 bytes of low nibbles: x = d·q + m.
fn q5_1(b: &[u8], out: &mut [f32]) {
    let (d, m) = (f16_at(b, 0), f16_at(b, 2));
    let qh = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    for j in 0..16 {
        let (lo, hi) = five_bit(qh, &b[8..24], j);
        out[j] = d * lo as f32 + m;
        out[j + 16] = d * hi as f32 + m;
    }
}

/// Scale and minimum of sub-block `j` (0–7) of a Q4_K/Q5_K block: 6 bits each, packed
/// into 12 bytes.
fn scale_min(j: usize, q: &[u8]) -> (f32, f32) {
    let (sc, m) = if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    };
    (sc as f32, m as f32)
}

/// `d`, `dmin`, 12 bytes of sub-block scales and minimums, 128 bytes of 4-bit values:
/// 8 sub-blocks of 32, each x = d·sc·q − dmin·m.
fn q4_k(b: &[u8], out: &mut [f32]) {
    let (d, min) = (f16_at(b, 0), f16_at(b, 2));
    let (scales, qs) = (&b[4..16], &b[16..144]);
    for (chunk, (q, y)) in qs
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(64))
        .enumerate()
    {
        let (sc1, m1) = scale_min(2 * chunk, scales);
        let (sc2, m2) = scale_min(2 * chunk + 1, scales);
        let (d1, m1, d2, m2) = (d * sc1, min * m1, d * sc2, min * m2);
        for l in 0..32 {
            y[l] = d1 * (q[l] & 0x0F) as f32 - m1;
            y[l + 32] = d2 * (q[l] >> 4) as f32 - m2;
        }
    }
}

/// As Q4_K, with a fifth bit per value from 32 bytes of `qh`.
fn q5_k(b: &[u8], out: &mut [f32]) {
    let (d, min) = (f16_at(b, 0), f16_at(b, 2));
    let (scales, qh, qs) = (&b[4..16], &b[16..48], &b[48..176]);
    for (chunk, (ql, y)) in qs
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(64))
        .enumerate()
    {
        let (sc1, m1) = scale_min(2 * chunk, scales);
        let (sc2, m2) = scale_min(2 * chunk + 1, scales);
        let (d1, m1, d2, m2) = (d * sc1, min * m1, d * sc2, min * m2);
        let (u1, u2) = (1u8 << (2 * chunk), 2u8 << (2 * chunk));
        for l in 0..32 {
            let high1 = if qh[l] & u1 != 0 { 16 } else { 0 };
            let high2 = if qh[l] & u2 != 0 { 16 } else { 0 };
            y[l] = d1 * ((ql[l] & 0x0F) + high1) as f32 - m1;
            y[l + 32] = d2 * ((ql[l] >> 4) + high2) as f32 - m2;
        }
    }
}

/// 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed sub-block scales,
/// `d`: 16 sub-blocks of 16, x = d·sc·(q − 32).
fn q6_k(b: &[u8], out: &mut [f32]) {
    let d = f16_at(b, 208);
    let (ql_all, qh_all, sc_all) = (&b[0..128], &b[128..192], &b[192..208]);
    for half in 0..2 {
        let ql = &ql_all[64 * half..];
        let qh = &qh_all[32 * half..];
        let sc = &sc_all[8 * half..];
        let y = &mut out[128 * half..];
        for l in 0..32 {
            let is = l / 16;
            let q1 = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) as i32 - 32;
            let q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) as i32 - 32;
            let q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i32 - 32;
            let q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i32 - 32;
            let scale = |k: usize| d * (sc[is + k] as i8) as f32;
            y[l] = scale(0) * q1 as f32;
            y[l + 32] = scale(2) * q2 as f32;
            y[l + 64] = scale(4) * q3 as f32;
            y[l + 96] = scale(6) * q4 as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes_are_ggml_s() {
        // ggml's type_size for each: 34, 18, 20, 22, 24, 144, 176, 210 bytes.
        let sizes: Vec<usize> = [
            GgmlType::Q8_0,
            GgmlType::Q4_0,
            GgmlType::Q4_1,
            GgmlType::Q5_0,
            GgmlType::Q5_1,
            GgmlType::Q4K,
            GgmlType::Q5K,
            GgmlType::Q6K,
        ]
        .iter()
        .map(|t| t.block().1)
        .collect();
        assert_eq!(sizes, [34, 18, 20, 22, 24, 144, 176, 210]);
        assert_eq!(GgmlType::Q8_0.bytes_for(64), Some(68));
        assert_eq!(GgmlType::Q8_0.bytes_for(33), None);
        assert_eq!(type_name(11), "Q3_K");
        assert_eq!(type_name(99), "type 99");
    }

    #[test]
    fn q8_0_by_hand() {
        // d = 0.5 (f16 0x3800), values −2, 0, 3, …
        let mut block = vec![0x00, 0x38];
        block.extend((0..32).map(|i| (i as i8 - 2) as u8));
        let mut out = [0.0; 32];
        GgmlType::Q8_0.dequantize_block(&block, &mut out);
        assert_eq!(&out[..4], &[-1.0, -0.5, 0.0, 0.5]);
    }
}
