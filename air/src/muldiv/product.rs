//! The multiply-add gadget of both mul/div tables: `X·Y + Z ≡ P (mod 2^128)`
//! (`PORT31.md` §2.7).
//!
//! `X`, `Y` are 64-bit operands as eight bytes each (range-checked by the table, which
//! also binds them to the bus limbs), extended to 16 bytes by `0xff·s` ([`Bytes`]). `Z`
//! is four 16-bit limbs extended to eight by `0xffff·e` ([`Wide`]). `P` is eight 16-bit
//! digits (range-checked limbs, trusted inputs, or `0xffff·sign`). With
//! `S_k = Σ_{i+j=k} x̃_i·ỹ_j` (byte positions `k < 16`, so the product is taken mod
//! 2^128) the gadget constrains, for digits `K = 0..7` (`carry_−1 = 0`),
//!
//! ```text
//! S_2K + 2^8·S_2K+1 + Z_K + carry_K−1 = P_K + 2^16·carry_K                 (degree 2)
//! ```
//!
//! with `carry_K = lo_K + 2^6·hi_K` and `(lo_K, hi_K)` one BYTE_PAIR lookup (8 lookups),
//! so `carry_K ∈ [0, 255 + 64·255] = [0, 16 575]`.
//!
//! Soundness (`p = 2^31 − 2^24 + 1`): every byte is an integer in `[0, 255]`, so
//! `S_k ≤ 16·255² = 1 040 400` (at most 16 pairs per position). Each equation's left
//! side is an integer in `[0, 1 040 400·257 + 65 535 + 16 575] = [0, 267 464 910]`
//! (`< 2^28`), its right side in `[0, 65 535 + 2^16·16 575] = [0, 1 086 324 735]`: both
//! non-negative and below `p`, so the field equation is an integer equation. Weighting
//! digit `K` by `2^16K` and summing gives `X·Y + Z = P + 2^128·carry_7` over the
//! integers. An honest carry is at most `⌊267 464 910 / 2^16⌋ = 4 081 < 2^12`.
//! A carry checked by one RANGE16 alone would not do: `2^16·carry` could then reach
//! 2^32, and `2^16·32 512 = p − 1 ≡ −1` lets a carry raised by 32 512 absorb a digit
//! raised by 1 (`tests/muldiv.rs`, `a_carry_past_the_byte_pair_fails`).
//!
//! Columns owned: `carry_lo[8]`, `carry_hi[8]`. Interactions: 8 BYTE_PAIR.

use super::{k, RowSink};
use p3_field::PrimeCharacteristicRing;

/// A 64-bit operand as 8 bytes, extended to 16 bytes by `ext = 0xff·sign`.
pub(super) struct Bytes<E> {
    pub bytes: [E; 8],
    pub ext: E,
}

impl<E: PrimeCharacteristicRing> Bytes<E> {
    /// The operand whose bytes 8..15 are `0xff·sign`.
    pub fn new(bytes: [E; 8], sign: &E) -> Self {
        Self { bytes, ext: sign.clone() * k::<E>(0xff) }
    }

    fn byte(&self, i: usize) -> E {
        if i < 8 {
            self.bytes[i].clone()
        } else {
            self.ext.clone()
        }
    }
}

/// A 64-bit operand as four 16-bit limbs, extended to eight by `ext = 0xffff·sign`.
pub(super) struct Wide<E> {
    pub limbs: [E; 4],
    pub ext: E,
}

impl<E: PrimeCharacteristicRing> Wide<E> {
    /// The operand whose limbs 4..7 are `0xffff·sign`.
    pub fn new(limbs: [E; 4], sign: &E) -> Self {
        Self { limbs, ext: sign.clone() * k::<E>(0xffff) }
    }

    /// Zero.
    pub fn zero() -> Self {
        Self { limbs: [E::ZERO, E::ZERO, E::ZERO, E::ZERO], ext: E::ZERO }
    }

    fn limb(&self, i: usize) -> E {
        if i < 4 {
            self.limbs[i].clone()
        } else {
            self.ext.clone()
        }
    }
}

/// Constrains `x·y + z ≡ P (mod 2^128)` with `P`'s 16-bit digits `p` and the carry
/// columns `carry_K = lo_K + 2^6·hi_K`; the carries' BYTE_PAIR lookups are sent with
/// multiplicity `enabled`.
pub(super) fn mul_add<E: PrimeCharacteristicRing, S: RowSink<E>>(
    sink: &mut S,
    (x, y, z): (&Bytes<E>, &Bytes<E>, &Wide<E>),
    p: [E; 8],
    [carry_lo, carry_hi]: [&[E; 8]; 2],
    enabled: &E,
) {
    let position = |pos: usize| -> E { (0..=pos).map(|i| x.byte(i) * y.byte(pos - i)).sum::<E>() };
    let carry = |digit: usize| carry_lo[digit].clone() + carry_hi[digit].clone() * k::<E>(1 << 6);
    for (digit, p) in p.into_iter().enumerate() {
        let carry_in = if digit == 0 { E::ZERO } else { carry(digit - 1) };
        // Left in [0, 267 464 910], right in [0, 1 086 324 735]: both in [0, p), exact
        // (see the module docs).
        let left = position(2 * digit) + position(2 * digit + 1) * k::<E>(1 << 8) + z.limb(digit) + carry_in;
        sink.zero(left - p - carry(digit) * k::<E>(1 << 16));
    }
    for (lo, hi) in carry_lo.iter().zip(carry_hi) {
        sink.byte_pair(lo.clone(), hi.clone(), enabled.clone());
    }
}

/// The 16 bytes of the 128-bit two's complement of `v`.
pub(super) fn bytes(v: i128) -> [u64; 16] {
    std::array::from_fn(|i| ((v as u128 >> (8 * i)) & 0xff) as u64)
}

/// The 8 16-bit limbs of the 128-bit two's complement of `v`.
pub(super) fn limbs(v: i128) -> [u64; 8] {
    std::array::from_fn(|i| ((v as u128 >> (16 * i)) & 0xffff) as u64)
}

/// The witness of [`mul_add`]: the 16-bit digits of `x·y + z mod 2^128` and the carry
/// columns.
pub(super) struct MulAdd {
    pub digits: [u64; 8],
    pub carry_lo: [u64; 8],
    pub carry_hi: [u64; 8],
}

/// [`MulAdd`] from the operands' bytes `x`, `y` (each `< 2^8`) and `z`'s limbs (each
/// `< 2^16`), all extended to 128 bits.
pub(super) fn mul_add_witness(x: &[u64; 16], y: &[u64; 16], z: &[u64; 8]) -> MulAdd {
    let position = |pos: usize| (0..=pos).map(|i| x[i] * y[pos - i]).sum::<u64>();
    let mut out = MulAdd { digits: [0; 8], carry_lo: [0; 8], carry_hi: [0; 8] };
    let mut carry = 0;
    for (digit, z) in z.iter().enumerate() {
        let total = position(2 * digit) + (position(2 * digit + 1) << 8) + z + carry;
        carry = total >> 16;
        assert!(carry < 1 << 12, "product carry {carry} out of range");
        out.digits[digit] = total & 0xffff;
        out.carry_lo[digit] = carry & 0x3f;
        out.carry_hi[digit] = carry >> 6;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_the_product_mod_2_128() {
        let cases: [(i128, i128, i128); 6] = [
            (0, 0, 0),
            (-1, -1, 0),
            // Every byte 0xff: the largest positions and carries.
            (-1, -1, -1),
            (u64::MAX as i128, u64::MAX as i128, u64::MAX as i128),
            (i64::MIN as i128, -1, 0),
            (-(1 << 63), i64::MIN as i128, -5),
        ];
        for (x, y, z) in cases {
            let w = mul_add_witness(&bytes(x), &bytes(y), &limbs(z));
            let want = (x as u128).wrapping_mul(y as u128).wrapping_add(z as u128);
            let got = (0..8).map(|d| (w.digits[d] as u128) << (16 * d)).sum::<u128>();
            assert_eq!(got, want, "{x} * {y} + {z}");
            assert_eq!(w.digits, limbs(want as i128));
            // The carries' pieces fit one BYTE_PAIR lookup.
            assert!(w.carry_lo.iter().chain(&w.carry_hi).all(|&b| b < 1 << 8), "{x} * {y} + {z}");
        }
    }
}
