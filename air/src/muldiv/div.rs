//! The div table: `Div Divu Rem Remu Divw Divuw Remw Remuw`, one row per event.
//!
//! A row holds the quotient `q` and remainder `r` and proves, with the operands read as
//! integers (signed or unsigned; the W forms on the low 32 bits), `a = b·q + r` through
//! the [`product`](super::product) gadget (`X = q`, `Y = b`, `Z = r`, `P = a`, mod 2^128,
//! which is exact: `|b·q + r − a| < 2^128`), plus
//! * `b ≠ 0`: `|r| < |b|`, and `r = 0` or `r` has the sign of `a` (so `q` is the
//!   quotient rounded toward zero and `r` its remainder; both unique);
//! * `b = 0`: `q` all ones (so `r = a` by the identity), as RISC-V specifies.
//!
//! `q` and `r` are read with *extension flags* `e_x`, `e_z` (the value of their limbs
//! 4..7, or 2..7 for W forms), not with their top bits: `q`'s extension is free for signed
//! ops (0 or 1). That is what makes signed overflow free of special cases: `MIN / −1`
//! has the integer quotient `2^63` (`2^31`), which the row holds as `q = 2^63` with
//! `e_x = 0`, and whose low 64 (32) bits are the RISC-V result `MIN`. Any other choice
//! is ruled out: the quotient is unique as an integer, and `q mod 2^64` is the result.
//! Likewise `e_z` is pinned by `|r| < |b|` and the sign rule (or by `r = a` when
//! `b = 0`). Only the W results' sign extension needs a true bit 31 (`s_c`).
//!
//! # Columns (41)
//!
//! | group | n | meaning |
//! |---|---:|---|
//! | `flags` | 4 | one-hot `div rem divw remw` (each with its unsigned twin), all 0 on padding; `is_real = Σ flags`, `is_w = divw + remw` |
//! | `unsigned` | 1 | the unsigned twin (`Divu Remu Divuw Remuw`); `signed = is_real − unsigned` |
//! | `a` | 2 | `a_lo`, `a_hi` as on the bus (`a_hi` unused by W forms) |
//! | `b_hi` | 1 | W forms: `b_hi` as on the bus (unused); other rows ignore it (the witness puts 0) |
//! | `x`, `y`, `z` | 12 | 16-bit limbs of `q`, `b`, `r`; for W forms limbs 2, 3 are the extension `0xffff·e` |
//! | `a_top` | 1 | the top 16 bits of `a`'s 32-bit half holding its sign (`a_hi`; W: `a_lo`) |
//! | `s_c` | 1 | W forms: bit 31 of the result (`q` or `r`); 0 otherwise |
//! | `e_x`, `e_z` | 2 | the extension flags of `q` and `r` (0 for unsigned ops) |
//! | `s_y`, `s_a` | 2 | signed ops: the sign bits of `b` and `a` (bit 63, W: 31); 0 otherwise |
//! | `carry_lo`, `carry_hi` | 8 | the product's carries |
//! | `b_zero`, `b_inv` | 2 | `b_zero = 1` iff `b = 0` (real rows); `b_inv` the inverse of `Σ y` |
//! | `d` | 4 | 16-bit limbs of `|b| − |r| − 1 ≥ 0` (when `b ≠ 0`) |
//! | `borrow` | 1 | 0, 1 or 2: the borrow between the two 32-bit digits of `d` |
//!
//! # Constraints (`cmp = is_real − b_zero`: a real row with `b ≠ 0`)
//!
//! * flags boolean, `is_real` boolean, `unsigned·(is_real − unsigned) = 0`;
//! * `s_c·(is_w − s_c)`, `e_x·(signed − e_x)`, `e_z·(signed − e_z)`, `s_y·(signed − s_y)`,
//!   `s_a·(signed − s_a)` all 0: booleans, zero where meaningless (an unsigned op must not
//!   extend);
//! * W forms: `is_w·(x_i − 0xffff·e_x) = 0` for `i = 2, 3`, the same for `y` (`s_y`) and
//!   `z` (`e_z`): the operands are 32-bit values extended from bit 31 (or zero-extended);
//! * `q·b + r ≡ a (mod 2^128)` with `P`'s digits `(a_lo, a_hi, ext, ext)` (W:
//!   `(a_lo, ext, ext, ext)`), `ext = (2^32 − 1)·s_a` (4 digit equations, degree 2);
//! * sign rule: `(s_a − e_z)·Σz = 0`: a nonzero remainder has `a`'s sign;
//! * `b = 0`: `b_zero·Σy = 0` and `b_zero = is_real·(1 − Σy·b_inv)` (so on real rows
//!   `b_zero = [Σy = 0]`, `Σy` being a sum of range-checked limbs; on padding 0); then
//!   `b_zero·(x0 + x1 − 2·0xffff) = 0`, `b_zero·(1 − is_w)·(x2 + x3 − 2·0xffff) = 0`;
//! * `|r| < |b|` when `cmp`: with the ones' complements `b'_i = y_i + s_y·(0xffff − 2y_i)`
//!   and `r'_i` (with `e_z`), `|b| = Σ b'_i·2^16i + s_y`, and `|b| − |r| − 1 = e0 + 2^32·e1`
//!   with `e0 = join(b'_0 − r'_0, b'_1 − r'_1) + s_y − e_z − 1 ∈ [−2^32 − 1, 2^32)`,
//!   `e1 = join(b'_2 − r'_2, b'_3 − r'_3)`: `cmp·(e0 + 2^32·borrow − join(d0, d1)) = 0`,
//!   `cmp·(e1 − borrow − join(d2, d3)) = 0`, `borrow·(borrow − 1)·(borrow − 2) = 0`. All
//!   terms are below 2^36, so these are integer equations and `|b| − |r| − 1 =
//!   join(d0, d1) + 2^32·join(d2, d3) ≥ 0`.
//!
//! # Bus (25 interactions)
//!
//! * receive ALU `(op, a_lo, a_hi, join(y0, y1), b_hi', c_lo, c_hi)` with multiplicity
//!   `is_real`, `op = Σ id·flag + unsigned`, `b_hi' = join(y2, y3)` (W: the `b_hi`
//!   column), `c` = `q`'s or `r`'s limbs, for W forms `(join(limb 0, limb 1),
//!   (2^32 − 1)·s_c)`;
//! * RANGE16 (`is_real`) of `x0 x1 x2 x3`, `y0 y1 y2`, `y3 + 2^15·signed − 2^16·s_y`,
//!   `z0 z1 z2 z3`, where on W rows the slot of limb 2 (the extension, already pinned)
//!   checks limb 1's sign instead: `x1 + 2^15 − 2^16·s_c` (`divw`), `y1 + 2^15·signed −
//!   2^16·s_y`, `z1 + 2^15 − 2^16·s_c` (`remw`). `b`'s bit 63 comes from the trusted
//!   `b_hi` (see [`muldiv`](super));
//! * RANGE16 (`signed`) of `a_sel − 2^16·a_top` and `a_top + 2^15 − 2^16·s_a`, with
//!   `a_sel = a_hi` (W: `a_lo`): the sign of the trusted `a`;
//! * RANGE16 (`cmp`) of `d0..d3`;
//! * the product's 4 RANGE16 + 2 BYTE_PAIR carry lookups (`is_real`).
//!
//! Cells left free, none of which can change a result: `d`, `borrow` and `b_inv` when
//! `b = 0`, `a_top` on unsigned rows, `e_x` on signed rows with `b = 0`, `b_hi` on
//! non-W rows (and on padding rows whatever no constraint reaches: they send nothing).

use super::product::{limbs, mul_add, mul_add_witness, Wide};
use super::{bit_if, boolean, columns, join, k, signed_top, sum, Reading, RowSink};
use crate::bus::{AluOp, ALU};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use ziskjit_prover::Val;

/// The ops: flag `i` is `OPS[2i]` (signed) or `OPS[2i + 1]` (with `unsigned`).
pub(super) const OPS: [AluOp; 8] = {
    use AluOp::*;
    [Div, Divu, Rem, Remu, Divw, Divuw, Remw, Remuw]
};

columns! {
    flags: 4,
    unsigned: 1,
    a: 2,
    b_hi: 1,
    x: 4,
    y: 4,
    z: 4,
    a_top: 1,
    s_c: 1,
    e_x: 1,
    e_z: 1,
    s_y: 1,
    s_a: 1,
    carry_lo: 4,
    carry_hi: 4,
    b_zero: 1,
    b_inv: 1,
    d: 4,
    borrow: 1,
}

/// `0xffff`, one limb of all ones.
const ONES: u64 = 0xffff;

pub(super) fn eval<E: PrimeCharacteristicRing, S: RowSink<E>>(row: &[E], sink: &mut S) {
    let c = Cols::read(row);
    let [div, rem, divw, remw] = c.flags.clone();
    let ([unsigned], [a_lo, a_hi], [b_hi]) = (&c.unsigned, &c.a, &c.b_hi);
    let ([a_top], [s_c], [e_x], [e_z], [s_y], [s_a]) = (&c.a_top, &c.s_c, &c.e_x, &c.e_z, &c.s_y, &c.s_a);
    let ([b_zero], [b_inv], [borrow]) = (&c.b_zero, &c.b_inv, &c.borrow);
    let (x, y, z, d) = (&c.x, &c.y, &c.z, &c.d);
    let is_real = sum(&c.flags);
    let is_w = divw.clone() + remw.clone();
    let signed = is_real.clone() - unsigned.clone();

    for flag in &c.flags {
        boolean(sink, flag);
    }
    boolean(sink, &is_real);
    bit_if(sink, unsigned, &is_real);
    bit_if(sink, s_c, &is_w);
    // Bits where the op is signed; zero otherwise, as a free extension would change an
    // unsigned operand's value.
    for sign in [e_x, e_z, s_y, s_a] {
        bit_if(sink, sign, &signed);
    }
    // W forms: limbs 2, 3 are the extension, so each operand is its 32-bit value.
    for (limbs, ext) in [(x, e_x), (y, s_y), (z, e_z)] {
        for limb in &limbs[2..] {
            sink.zero(is_w.clone() * (limb.clone() - ext.clone() * k::<E>(ONES)));
        }
    }

    // a = b·q + r over the integers (mod 2^128, which the operands' bounds make exact).
    let ext = s_a.clone() * k::<E>(0xffff_ffff);
    let digits = [a_lo.clone(), a_hi.clone() + is_w.clone() * (ext.clone() - a_hi.clone()), ext.clone(), ext];
    let operands = [&Wide::new(x.clone(), e_x), &Wide::new(y.clone(), s_y), &Wide::new(z.clone(), e_z)];
    mul_add(sink, operands, digits, [&c.carry_lo, &c.carry_hi], &is_real);
    // A nonzero remainder has a's sign (truncation toward zero; with |r| < |b| this makes
    // q and r unique). Σz, a sum of range-checked limbs, is 0 iff r = 0.
    sink.zero((s_a.clone() - e_z.clone()) * sum(z));

    // b_zero = [b = 0] on real rows (Σy is 0 iff every limb is), 0 on padding rows; then
    // RISC-V's q = all ones (r = a follows from the identity).
    let b_sum = sum(y);
    sink.zero(b_zero.clone() * b_sum.clone());
    sink.zero(b_zero.clone() - is_real.clone() * (E::ONE - b_sum * b_inv.clone()));
    sink.zero(b_zero.clone() * (x[0].clone() + x[1].clone() - k::<E>(2 * ONES)));
    sink.zero(b_zero.clone() * (E::ONE - is_w.clone()) * (x[2].clone() + x[3].clone() - k::<E>(2 * ONES)));

    // b ≠ 0: |b| − |r| − 1 = join(d0, d1) + 2^32·join(d2, d3) ≥ 0, exact as every term is
    // below 2^36; the borrow (0..=2) carries e0 ≥ −2^32 − 1 into the high digit.
    let cmp = is_real.clone() - b_zero.clone();
    let [e0, e1] = magnitude_gap(&c);
    sink.zero(cmp.clone() * (e0 + borrow.clone() * k::<E>(1 << 32) - join(&d[0], &d[1])));
    sink.zero(cmp.clone() * (e1 - borrow.clone() - join(&d[2], &d[3])));
    sink.zero(borrow.clone() * (borrow.clone() - E::ONE) * (borrow.clone() - E::TWO));

    let op = [(&div, AluOp::Div), (&rem, AluOp::Rem), (&divw, AluOp::Divw), (&remw, AluOp::Remw)]
        .map(|(flag, op)| flag.clone() * k::<E>(op.id()))
        .into_iter()
        .sum::<E>()
        + unsigned.clone();
    // The tuple binds a, b to the sender's well-formed values and c to this row's result.
    let y_hi = join(&y[2], &y[3]);
    let b_hi = y_hi.clone() + is_w.clone() * (b_hi.clone() - y_hi);
    let c_lo = (div.clone() + divw.clone()) * join(&x[0], &x[1]) + (rem.clone() + remw.clone()) * join(&z[0], &z[1]);
    let c_hi = div * join(&x[2], &x[3]) + rem * join(&z[2], &z[3]) + s_c.clone() * k::<E>(0xffff_ffff);
    let tuple = vec![op, a_lo.clone(), a_hi.clone(), join(&y[0], &y[1]), b_hi, c_lo, c_hi];
    sink.interact(ALU, tuple, -is_real.clone());

    // On W rows, slot 2 of each operand checks limb 1's sign (limb 2 is the extension).
    let slot2 = |limbs: &[E; 4], when: &E, signed: &E, sign: &E| {
        limbs[2].clone() + when.clone() * (signed_top(&limbs[1], signed, sign) - limbs[2].clone())
    };
    let slots = [
        x[0].clone(),
        x[1].clone(),
        slot2(x, &divw, &E::ONE, s_c),
        x[3].clone(),
        y[0].clone(),
        y[1].clone(),
        slot2(y, &is_w, &signed, s_y),
        signed_top(&y[3], &signed, s_y),
        z[0].clone(),
        z[1].clone(),
        slot2(z, &remw, &E::ONE, s_c),
        z[3].clone(),
    ];
    for slot in slots {
        sink.range16(slot, is_real.clone());
    }
    // a's sign: with a_sel trusted and its low 16 bits range-checked, the sign lookup pins
    // a_top < 2^16 and s_a to its top bit (see the module docs of `muldiv`).
    let a_sel = a_hi.clone() + is_w * (a_lo.clone() - a_hi.clone());
    sink.range16(a_sel - a_top.clone() * k::<E>(1 << 16), signed.clone());
    sink.range16(signed_top(a_top, &E::ONE, s_a), signed);
    for limb in d {
        sink.range16(limb.clone(), cmp.clone());
    }
}

/// `[e0, e1]` with `|b| − |r| − 1 = e0 + 2^32·e1` (see the module docs), from the
/// ones' complements of the negative operands.
fn magnitude_gap<E: PrimeCharacteristicRing>(c: &Cols<E>) -> [E; 2] {
    let ([s_y], [e_z]) = (&c.s_y, &c.e_z);
    let ones = |limbs: &[E; 4], negative: &E| {
        limbs.clone().map(|l| l.clone() + negative.clone() * (k::<E>(ONES) - l.double()))
    };
    let (b, r) = (ones(&c.y, s_y), ones(&c.z, e_z));
    let gap = |i: usize| b[i].clone() - r[i].clone();
    [join(&gap(0), &gap(1)) + s_y.clone() - e_z.clone() - E::ONE, join(&gap(2), &gap(3))]
}

/// The honest reading: `a`, `b` as signed or unsigned 64- or 32-bit integers, `q` the
/// quotient rounded toward zero (`MIN / −1 = 2^63` as an integer), `r` the remainder;
/// for `b = 0`, `q` all ones (−1 when signed) and `r = a`.
pub(super) fn reading(op: AluOp, a: u64, b: u64) -> Reading {
    use AluOp::*;
    let (w, signed) = (matches!(op, Divw | Divuw | Remw | Remuw), matches!(op, Div | Rem | Divw | Remw));
    let read = |v: u64| match (w, signed) {
        (false, false) => v as i128,
        (false, true) => v as i64 as i128,
        (true, false) => v as u32 as i128,
        (true, true) => v as i32 as i128,
    };
    let (a, b) = (read(a), read(b));
    let (q, r) = match b {
        0 if signed => (-1, a),
        0 if w => (u32::MAX.into(), a),
        0 => (u64::MAX.into(), a),
        _ => (a / b, a % b),
    };
    Reading { a, b, q, r }
}

/// The row of `op(a, b)` reading `b`, `q`, `r` and `a`'s sign from `reading` (the
/// carries follow from `b·q + r`, the comparison from `|b| − |r| − 1`, whatever they are).
pub(super) fn row(op: AluOp, a: u64, b: u64, reading: Reading) -> Cols<Val> {
    let index = OPS.iter().position(|&o| o == op).expect("a div-table op");
    let (flag, w, is_rem) = (index / 2, index >= 4, index % 4 >= 2);
    let (x, y, z) = (limbs(reading.q), limbs(reading.b), limbs(reading.r));
    let product = mul_add_witness(&x, &y, &z);
    let result = if is_rem { z } else { x };
    let a_sel = if w { a as u32 } else { (a >> 32) as u32 };
    let b_sum: i64 = y[..4].iter().sum();
    let v = Val::from_i64;
    let mut cols = Cols {
        flags: std::array::from_fn(|f| Val::from_bool(f == flag)),
        unsigned: [Val::from_bool(index % 2 == 1)],
        a: [Val::from_u64(a & 0xffff_ffff), Val::from_u64(a >> 32)],
        b_hi: [Val::from_u64(if w { b >> 32 } else { 0 })],
        x: std::array::from_fn(|i| v(x[i])),
        y: std::array::from_fn(|i| v(y[i])),
        z: std::array::from_fn(|i| v(z[i])),
        a_top: [Val::from_u32(a_sel >> 16)],
        s_c: [Val::from_bool(w && result[1] >> 15 == 1)],
        e_x: [Val::from_bool(reading.q < 0)],
        e_z: [Val::from_bool(reading.r < 0)],
        s_y: [Val::from_bool(reading.b < 0)],
        s_a: [Val::from_bool(reading.a < 0)],
        carry_lo: product.carry_lo.map(v),
        carry_hi: product.carry_hi.map(v),
        b_zero: [Val::from_bool(b_sum == 0)],
        b_inv: [v(b_sum).try_inverse().unwrap_or(Val::ZERO)],
        d: [Val::ZERO; 4],
        borrow: [Val::ZERO],
    };
    if b_sum != 0 {
        // The least borrow making the low digit non-negative; a forged `|r| ≥ |b|`
        // leaves the high digit negative (not a 32-bit value).
        let [e0, e1] = magnitude_gap(&cols).map(signed);
        let borrow = if e0 >= 0 { 0 } else { (-e0 + (1 << 32) - 1) >> 32 };
        let (low, high) = (e0 + (borrow << 32), e1 - borrow);
        cols.d = [low & 0xffff, low >> 16, high.rem_euclid(1 << 16), high.div_euclid(1 << 16)].map(v);
        cols.borrow = [v(borrow)];
    }
    cols
}

/// A small field element as a signed integer.
fn signed(value: Val) -> i64 {
    let u = value.as_canonical_u64();
    if u > Val::ORDER_U64 / 2 {
        -((Val::ORDER_U64 - u) as i64)
    } else {
        u as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_twins_are_numbered_next() {
        for pair in OPS.chunks(2) {
            assert_eq!(pair[1].id(), pair[0].id() + 1, "{pair:?}");
        }
    }
}
