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
//! `q` and `r` are read with *extension flags* `e_x`, `e_z` (`q`'s bytes 8..15 are
//! `0xff·e_x`, `r`'s limbs 4..7 `0xffff·e_z`; W forms: from byte 4, limb 2), not with
//! their top bits: `q`'s extension is free for signed
//! ops (0 or 1). That is what makes signed overflow free of special cases: `MIN / −1`
//! has the integer quotient `2^63` (`2^31`), which the row holds as `q = 2^63` with
//! `e_x = 0`, and whose low 64 (32) bits are the RISC-V result `MIN`. Any other choice
//! is ruled out: the quotient is unique as an integer, and `q mod 2^64` is the result.
//! Likewise `e_z` is pinned by `|r| < |b|` and the sign rule (or by `r = a` when
//! `b = 0`). Only the W results' sign extension needs a true bit 31 (`s_c`).
//!
//! # Columns (61)
//!
//! | group | n | meaning |
//! |---|---:|---|
//! | `flags` | 4 | one-hot `div rem divw remw` (each with its unsigned twin), all 0 on padding; `is_real = Σ flags`, `is_w = divw + remw` |
//! | `unsigned` | 1 | the unsigned twin (`Divu Remu Divuw Remuw`); `signed = is_real − unsigned` |
//! | `a` | 4 | `a`'s limbs as on the bus (limbs 2, 3 unused by W forms) |
//! | `b_hi` | 2 | W forms: `b`'s limbs 2, 3 as on the bus (unused); other rows ignore them (the witness puts 0) |
//! | `x`, `y` | 16 | bytes of `q` and `b`; for W forms bytes 4..7 are the extension `0xff·e` |
//! | `z` | 4 | 16-bit limbs of `r`; for W forms limbs 2, 3 are the extension `0xffff·e_z` |
//! | `s_c` | 1 | W forms: bit 31 of the result (`q` or `r`); 0 otherwise |
//! | `e_x`, `e_z` | 2 | the extension flags of `q` and `r` (0 for unsigned ops) |
//! | `s_y`, `s_a` | 2 | signed ops: the sign bits of `b` and `a` (bit 63, W: 31); 0 otherwise |
//! | `carry_lo`, `carry_hi` | 16 | the product's carries `lo + 2^6·hi` |
//! | `b_zero`, `b_inv` | 2 | `b_zero = 1` iff `b = 0` (real rows); `b_inv` the inverse of `Σ y` |
//! | `d` | 4 | 16-bit digits of `|b| − |r| − 1 ≥ 0` (when `b ≠ 0`) |
//! | `borrow` | 3 | 0, 1 or 2: the borrows out of digits 0..2 of `d` |
//!
//! # Constraints (41; `cmp = is_real − b_zero`: a real row with `b ≠ 0`)
//!
//! * flags boolean, `is_real` boolean, `unsigned·(is_real − unsigned) = 0`;
//! * `s_c·(is_w − s_c)`, `e_x·(signed − e_x)`, `e_z·(signed − e_z)`, `s_y·(signed − s_y)`,
//!   `s_a·(signed − s_a)` all 0: booleans, zero where meaningless (an unsigned op must not
//!   extend);
//! * W forms: `is_w·(x_j − 0xff·e_x) = 0` for bytes `j = 4..7`, the same for `y` (`s_y`),
//!   and `is_w·(z_i − 0xffff·e_z) = 0` for limbs `i = 2, 3`: the operands are 32-bit
//!   values extended from bit 31 (or zero-extended);
//! * `q·b + r ≡ a (mod 2^128)` with `P`'s digits `(a0, a1, a2, a3, ext, ext, ext, ext)`
//!   (W: `(a0, a1, ext, …)`), `ext = 0xffff·s_a` (8 digit equations, degree 2, each an
//!   integer equation: see [`product`](super::product));
//! * sign rule: `(s_a − e_z)·Σz = 0`: a nonzero remainder has `a`'s sign (`Σz`, a sum of
//!   four range-checked limbs, is below `2^18`, and 0 iff every limb is);
//! * `b = 0`: `b_zero·Σy = 0` and `b_zero = is_real·(1 − Σy·b_inv)` (so on real rows
//!   `b_zero = [Σy = 0]`, `Σy` being a sum of eight range-checked bytes, below `2^11`; on
//!   padding 0); then `b_zero·(x0 + x1 + x2 + x3 − 4·0xff) = 0`,
//!   `b_zero·(1 − is_w)·(x4 + x5 + x6 + x7 − 4·0xff) = 0` (bytes: all `0xff`);
//! * `|b| < |r|` ruled out when `cmp`: with the ones' complements
//!   `b'_i = b_i + s_y·(0xffff − 2b_i)` of `b`'s limbs `b_i = y_2i + 2^8·y_2i+1` and
//!   `r'_i` (with `e_z`), `|b| = Σ b'_i·2^16i + s_y` and `|b| − |r| − 1 = Σ g_i·2^16i`
//!   with `g_0 = b'_0 − r'_0 + s_y − e_z − 1 ∈ [−2^16 − 1, 2^16)` and
//!   `g_i = b'_i − r'_i ∈ (−2^16, 2^16)`. Four digit equations
//!   `cmp·(g_i − borrow_i−1 + 2^16·borrow_i − d_i) = 0` (`borrow_−1 = borrow_3 = 0`) and
//!   `borrow_i·(borrow_i − 1)·(borrow_i − 2) = 0`: each bracket is an integer in
//!   `(−2^18, 2^18)` (`|g_i| ≤ 2^16 + 1`, `2^16·borrow ≤ 2^17`, `d_i < 2^16`), so each
//!   equation is exact, and weighting digit `i` by `2^16i` and summing telescopes the
//!   borrows: `|b| − |r| − 1 = Σ d_i·2^16i ≥ 0`.
//!
//! # Bus (26 interactions)
//!
//! * receive ALU `(op, a0..a3, b0, b1, b2', b3', c0..c3)` with multiplicity `is_real`,
//!   `op = Σ id·flag + unsigned`, `b_i = y_2i + 2^8·y_2i+1` and `b'_i = b_i` (W: the
//!   `b_hi` columns), `c` = `q`'s or `r`'s limbs, for W forms `(limb 0, limb 1,
//!   0xffff·s_c, 0xffff·s_c)`;
//! * BYTE_PAIR (`is_real`) of `(x_2i, x_2i+1)` and `(y_2i, y_2i+1)`, `i = 0..3`, where
//!   `b`'s sign rides on the pair of the trusted limb holding it (see the module docs of
//!   [`muldiv`](super)): `(y6, y7 + 2^7·signed − 2^8·s_y)` on 64-bit rows,
//!   `(y2, y3 + 2^7·signed − 2^8·s_y)` on W rows; and on `divw` rows the pair of `x4`
//!   (the extension, already pinned) checks `(2·x3 − 2^8·s_c, x5)`, `q`'s bit 31;
//! * RANGE16 (`is_real`) of `z0 z1 z2 z3`, where on `remw` rows the slot of `z2` (the
//!   extension) checks `2·z1 − 2^16·s_c` instead, `r`'s bit 31;
//! * RANGE16 (`signed`) of `2·a_sel − 2^16·s_a`, with `a_sel = a3` (W: `a1`): the sign of
//!   the trusted `a` (`gadgets::sign16`);
//! * RANGE16 (`cmp`) of `d0..d3`;
//! * the product's 8 BYTE_PAIR carry lookups (`is_real`).
//!
//! Cells left free, none of which can change a result: `d`, `borrow` and `b_inv` when
//! `b = 0`, `e_x` on signed rows with `b = 0`, `b_hi` on non-W rows, `a2`, `a3` on W
//! rows (and on padding rows whatever no constraint reaches: they send nothing).

use super::product::{bytes, limbs, mul_add, mul_add_witness, Bytes, Wide};
use super::{bit_if, boolean, columns, k, limbs_of, signed_byte, sum, Reading, RowSink};
use crate::bus::{AluOp, ALU};
use crate::gadgets::sign_check;
use crate::gadgets::{limb_vals, to_val};
use crate::Val;
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};

/// The ops: flag `i` is `OPS[2i]` (signed) or `OPS[2i + 1]` (with `unsigned`).
pub(super) const OPS: [AluOp; 8] = {
    use AluOp::*;
    [Div, Divu, Rem, Remu, Divw, Divuw, Remw, Remuw]
};

columns! {
    flags: 4,
    unsigned: 1,
    a: 4,
    b_hi: 2,
    x: 8,
    y: 8,
    z: 4,
    s_c: 1,
    e_x: 1,
    e_z: 1,
    s_y: 1,
    s_a: 1,
    carry_lo: 8,
    carry_hi: 8,
    b_zero: 1,
    b_inv: 1,
    d: 4,
    borrow: 3,
}

/// `0xff`, one byte of all ones.
const BYTE_ONES: u64 = 0xff;
/// `0xffff`, one limb of all ones.
const ONES: u64 = 0xffff;

pub(super) fn eval<E: PrimeCharacteristicRing, S: RowSink<E>>(row: &[E], sink: &mut S) {
    let c = Cols::read(row);
    let [div, rem, divw, remw] = c.flags.clone();
    let ([unsigned], a, [b2, b3]) = (&c.unsigned, &c.a, &c.b_hi);
    let ([s_c], [e_x], [e_z], [s_y], [s_a]) = (&c.s_c, &c.e_x, &c.e_z, &c.s_y, &c.s_a);
    let ([b_zero], [b_inv]) = (&c.b_zero, &c.b_inv);
    let (x, y, z, d, borrow) = (&c.x, &c.y, &c.z, &c.d, &c.borrow);
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
    // W forms: bytes 4..7 (limbs 2, 3) are the extension, so each operand is its 32-bit
    // value.
    for (bytes, ext) in [(x, e_x), (y, s_y)] {
        for byte in &bytes[4..] {
            sink.zero(is_w.clone() * (byte.clone() - ext.clone() * k::<E>(BYTE_ONES)));
        }
    }
    for limb in &z[2..] {
        sink.zero(is_w.clone() * (limb.clone() - e_z.clone() * k::<E>(ONES)));
    }

    // a = b·q + r over the integers (mod 2^128, which the operands' bounds make exact).
    let ext = s_a.clone() * k::<E>(ONES);
    let a_w = |limb: &E| limb.clone() + is_w.clone() * (ext.clone() - limb.clone());
    let digits = [a[0].clone(), a[1].clone(), a_w(&a[2]), a_w(&a[3]), ext.clone(), ext.clone(), ext.clone(), ext];
    let operands = (&Bytes::new(x.clone(), e_x), &Bytes::new(y.clone(), s_y), &Wide::new(z.clone(), e_z));
    mul_add(sink, operands, digits, [&c.carry_lo, &c.carry_hi], &is_real);
    // A nonzero remainder has a's sign (truncation toward zero; with |r| < |b| this makes
    // q and r unique). Σz, a sum of range-checked limbs, is 0 iff r = 0.
    sink.zero((s_a.clone() - e_z.clone()) * sum(z));

    // b_zero = [b = 0] on real rows (Σy is 0 iff every byte is), 0 on padding rows; then
    // RISC-V's q = all ones (r = a follows from the identity).
    let b_sum = sum(y);
    sink.zero(b_zero.clone() * b_sum.clone());
    sink.zero(b_zero.clone() - is_real.clone() * (E::ONE - b_sum * b_inv.clone()));
    sink.zero(b_zero.clone() * (sum(&x[..4]) - k::<E>(4 * BYTE_ONES)));
    sink.zero(b_zero.clone() * (E::ONE - is_w.clone()) * (sum(&x[4..]) - k::<E>(4 * BYTE_ONES)));

    // b ≠ 0: |b| − |r| − 1 = Σ d_i·2^16i ≥ 0. Each bracket is an integer in
    // (−2^18, 2^18), so each equation is exact; the borrows telescope (module docs).
    let cmp = is_real.clone() - b_zero.clone();
    for (i, g) in magnitude_gap(&c).into_iter().enumerate() {
        let borrow_in = if i == 0 { E::ZERO } else { borrow[i - 1].clone() };
        let borrow_out = if i == 3 { E::ZERO } else { borrow[i].clone() * k::<E>(1 << 16) };
        sink.zero(cmp.clone() * (g - borrow_in + borrow_out - d[i].clone()));
    }
    for b in borrow {
        sink.zero(b.clone() * (b.clone() - E::ONE) * (b.clone() - E::TWO));
    }

    let op = [(&div, AluOp::Div), (&rem, AluOp::Rem), (&divw, AluOp::Divw), (&remw, AluOp::Remw)]
        .map(|(flag, op)| flag.clone() * k::<E>(op.id()))
        .into_iter()
        .sum::<E>()
        + unsigned.clone();
    // The tuple binds a, b to the sender's well-formed values and c to this row's result.
    let [b0, b1, y2, y3] = limbs_of(y);
    let b_w = |own: E, column: &E| own.clone() + is_w.clone() * (column.clone() - own);
    let (q, quotient, remainder) = (limbs_of(x), div.clone() + divw.clone(), rem.clone() + remw.clone());
    let ones = s_c.clone() * k::<E>(ONES);
    let result = [
        quotient.clone() * q[0].clone() + remainder.clone() * z[0].clone(),
        quotient * q[1].clone() + remainder * z[1].clone(),
        div.clone() * q[2].clone() + rem.clone() * z[2].clone() + ones.clone(),
        div * q[3].clone() + rem * z[3].clone() + ones,
    ];
    let tuple = [vec![op], a.to_vec(), vec![b0, b1, b_w(y2, b2), b_w(y3, b3)], result.to_vec()].concat();
    sink.receive(ALU, tuple, is_real.clone());

    // Bytes. b's sign rides on the pair of the trusted limb holding bit 63 (W: 31); on
    // divw rows the pair of x4 (the pinned extension) checks q's bit 31.
    let (w_signed, w_sign) = (is_w.clone() * signed.clone(), is_w.clone() * s_y.clone());
    for i in 0..4 {
        let x_lo = match i {
            2 => x[4].clone() + divw.clone() * (sign_check(&x[3], s_c, 8) - x[4].clone()),
            _ => x[2 * i].clone(),
        };
        let y_hi = match i {
            1 => signed_byte(&y[3], &w_signed, &w_sign),
            3 => signed_byte(&y[7], &(signed.clone() - w_signed.clone()), &(s_y.clone() - w_sign.clone())),
            _ => y[2 * i + 1].clone(),
        };
        sink.byte_pair(x_lo, x[2 * i + 1].clone(), is_real.clone());
        sink.byte_pair(y[2 * i].clone(), y_hi, is_real.clone());
    }
    // r's limbs; on remw rows z2's slot (the pinned extension) checks r's bit 31.
    for (i, limb) in z.iter().enumerate() {
        let slot = match i {
            2 => limb.clone() + remw.clone() * (sign_check(&z[1], s_c, 16) - limb.clone()),
            _ => limb.clone(),
        };
        sink.range16(slot, is_real.clone());
    }
    // a's sign: bit 15 of the trusted a_sel (gadgets::sign16).
    let a_sel = a[3].clone() + is_w * (a[1].clone() - a[3].clone());
    sink.range16(sign_check(&a_sel, s_a, 16), signed);
    for limb in d {
        sink.range16(limb.clone(), cmp.clone());
    }
}

/// `[g_0, g_1, g_2, g_3]` with `|b| − |r| − 1 = Σ g_i·2^16i` (see the module docs),
/// from the ones' complements of the negative operands.
fn magnitude_gap<E: PrimeCharacteristicRing>(c: &Cols<E>) -> [E; 4] {
    let ([s_y], [e_z]) = (&c.s_y, &c.e_z);
    let ones = |limbs: [E; 4], negative: &E| limbs.map(|l| l.clone() + negative.clone() * (k::<E>(ONES) - l.double()));
    let (b, r) = (ones(limbs_of(&c.y), s_y), ones(c.z.clone(), e_z));
    std::array::from_fn(|i| {
        let gap = b[i].clone() - r[i].clone();
        if i == 0 {
            gap + s_y.clone() - e_z.clone() - E::ONE
        } else {
            gap
        }
    })
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
    let (x, y, z) = (bytes(reading.q), bytes(reading.b), limbs(reading.r));
    let product = mul_add_witness(&x, &y, &z);
    let bit31 = if is_rem { z[1] >> 15 } else { x[3] >> 7 };
    let b_sum: u64 = y[..8].iter().sum();
    let [_, _, b2, b3] = crate::bus::limbs(b);
    let v = to_val;
    let mut cols = Cols {
        flags: std::array::from_fn(|f| Val::from_bool(f == flag)),
        unsigned: [Val::from_bool(index % 2 == 1)],
        a: limb_vals(a),
        b_hi: if w { [v(b2), v(b3)] } else { [Val::ZERO; 2] },
        x: std::array::from_fn(|i| v(x[i])),
        y: std::array::from_fn(|i| v(y[i])),
        z: std::array::from_fn(|i| v(z[i])),
        s_c: [Val::from_bool(w && bit31 == 1)],
        e_x: [Val::from_bool(reading.q < 0)],
        e_z: [Val::from_bool(reading.r < 0)],
        s_y: [Val::from_bool(reading.b < 0)],
        s_a: [Val::from_bool(reading.a < 0)],
        carry_lo: product.carry_lo.map(v),
        carry_hi: product.carry_hi.map(v),
        b_zero: [Val::from_bool(b_sum == 0)],
        b_inv: [v(b_sum).try_inverse().unwrap_or(Val::ZERO)],
        d: [Val::ZERO; 4],
        borrow: [Val::ZERO; 3],
    };
    if b_sum != 0 {
        // The least borrows making digits 0..2 non-negative; a forged `|r| ≥ |b|` leaves
        // the top digit negative (not a 16-bit value).
        let mut borrow_in = 0;
        for (i, g) in magnitude_gap(&cols).map(signed).into_iter().enumerate() {
            let t = g - borrow_in;
            let borrow_out = if i == 3 || t >= 0 { 0 } else { (-t + 0xffff) >> 16 };
            cols.d[i] = Val::from_i64(t + (borrow_out << 16));
            if i < 3 {
                cols.borrow[i] = v(borrow_out as u64);
            }
            borrow_in = borrow_out;
        }
    }
    cols
}

/// A small field element (`|value| < 2^20`) as a signed integer.
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
