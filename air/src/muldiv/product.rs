//! The multiply-add gadget of both mul/div tables: `X·Y + Z ≡ P (mod 2^128)`.
//!
//! `X`, `Y`, `Z` are 64-bit operands extended to 128 bits (`Wide`): four 16-bit limbs
//! (range-checked by the table) and one value `ext` for limbs 4..7, 0 or `0xffff` (a
//! sign extension). `P` is given as four 32-bit digits (range-checked limbs, trusted
//! inputs, or `(2^32 − 1)·sign`). With `S_k = Σ_{i+j=k} x_i·y_j` (positions `k < 8`, so
//! the product is taken mod 2^128) the gadget constrains, for digits `K = 0..3`,
//!
//! ```text
//! S_2K + 2^16·S_2K+1 + z_2K + 2^16·z_2K+1 + carry_K−1 = P_K + 2^32·carry_K      (degree 2)
//! ```
//!
//! with `carry_K = lo_K + 2^16·hi_K`, `lo_K` range-checked (RANGE16, 4 lookups) and the
//! `hi_K` as bytes (BYTE_PAIR of `(hi_0, hi_1)` and `(hi_2, hi_3)`, 2 lookups), so
//! `carry_K < 2^24`. Soundness: the left side is below `7·2^32 + 8·2^48 + 2^32 + 2^24 <
//! 2^52` and the right side below `2^32 + 2^56`, both below `p`, so each field equation
//! is an integer equation; weighting digit `K` by `2^32K` and summing gives
//! `X·Y + Z = P + 2^128·carry_3` over the integers. An honest carry is below `2^20`.
//!
//! Columns owned: `carry_lo[4]`, `carry_hi[4]`. Interactions: 6.

use super::{join, k, RowSink};
use crate::bus::{BYTE_PAIR, RANGE16};
use p3_field::PrimeCharacteristicRing;

/// A 64-bit operand extended to 128 bits: its 16-bit limbs and the value of limbs 4..7.
pub(super) struct Wide<E> {
    pub limbs: [E; 4],
    pub ext: E,
}

impl<E: PrimeCharacteristicRing> Wide<E> {
    /// The operand whose limbs 4..7 are `0xffff·sign`.
    pub fn new(limbs: [E; 4], sign: &E) -> Self {
        Self { limbs, ext: sign.clone() * k::<E>(0xffff) }
    }

    fn limb(&self, i: usize) -> E {
        if i < 4 {
            self.limbs[i].clone()
        } else {
            self.ext.clone()
        }
    }
}

/// Constrains `x·y + z ≡ P (mod 2^128)` with `P`'s 32-bit digits `p` and the carry
/// columns; the carries' lookups are sent with multiplicity `enabled`.
pub(super) fn mul_add<E: PrimeCharacteristicRing, S: RowSink<E>>(
    sink: &mut S,
    [x, y, z]: [&Wide<E>; 3],
    p: [E; 4],
    [carry_lo, carry_hi]: [&[E; 4]; 2],
    enabled: &E,
) {
    let column = |pos: usize| -> E { (0..=pos).map(|i| x.limb(i) * y.limb(pos - i)).sum::<E>() + z.limb(pos) };
    let carry = |digit: usize| join(&carry_lo[digit], &carry_hi[digit]);
    for (digit, p) in p.into_iter().enumerate() {
        let carry_in = if digit == 0 { E::ZERO } else { carry(digit - 1) };
        let left = join(&column(2 * digit), &column(2 * digit + 1)) + carry_in;
        sink.zero(left - p - carry(digit) * k::<E>(1 << 32));
    }
    for lo in carry_lo {
        sink.interact(RANGE16, vec![lo.clone()], enabled.clone());
    }
    for pair in carry_hi.chunks(2) {
        sink.interact(BYTE_PAIR, pair.to_vec(), enabled.clone());
    }
}

/// The 16-bit limbs of the 128-bit two's complement of `v`.
pub(super) fn limbs(v: i128) -> [i64; 8] {
    std::array::from_fn(|i| ((v as u128 >> (16 * i)) & 0xffff) as i64)
}

/// The witness of [`mul_add`]: the 32-bit digits of `x·y + z mod 2^128` and the carry
/// columns, from the operands' limbs (each `< 2^16`).
pub(super) struct MulAdd {
    pub digits: [u64; 4],
    pub carry_lo: [i64; 4],
    pub carry_hi: [i64; 4],
}

pub(super) fn mul_add_witness(x: &[i64; 8], y: &[i64; 8], z: &[i64; 8]) -> MulAdd {
    let column = |pos: usize| (0..=pos).map(|i| (x[i] * y[pos - i]) as u128).sum::<u128>() + z[pos] as u128;
    let mut out = MulAdd { digits: [0; 4], carry_lo: [0; 4], carry_hi: [0; 4] };
    let mut carry = 0u128;
    for digit in 0..4 {
        let total = column(2 * digit) + (column(2 * digit + 1) << 16) + carry;
        carry = total >> 32;
        assert!(carry < 1 << 24, "product carry {carry} out of range");
        out.digits[digit] = (total & 0xffff_ffff) as u64;
        out.carry_lo[digit] = (carry & 0xffff) as i64;
        out.carry_hi[digit] = (carry >> 16) as i64;
    }
    out
}

/// The 16-bit limbs of four 32-bit digits.
pub(super) fn digit_limbs(digits: &[u64; 4]) -> [i64; 8] {
    std::array::from_fn(|i| ((digits[i / 2] >> (16 * (i % 2))) & 0xffff) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_the_product_mod_2_128() {
        let cases: [(i128, i128, i128); 5] = [
            (0, 0, 0),
            (-1, -1, 0),
            (u64::MAX as i128, u64::MAX as i128, u64::MAX as i128),
            (i64::MIN as i128, -1, 0),
            (-(1 << 63), i64::MIN as i128, -5),
        ];
        for (x, y, z) in cases {
            let w = mul_add_witness(&limbs(x), &limbs(y), &limbs(z));
            let want = (x as u128).wrapping_mul(y as u128).wrapping_add(z as u128);
            let got = (0..4).map(|d| (w.digits[d] as u128) << (32 * d)).sum::<u128>();
            assert_eq!(got, want, "{x} * {y} + {z}");
            assert_eq!(digit_limbs(&w.digits), limbs(want as i128));
        }
    }
}
