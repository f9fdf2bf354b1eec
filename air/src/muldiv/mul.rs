//! The mul table: `Mul Mulh Mulhsu Mulhu Mulw`, one row per event.
//!
//! A row computes the 128-bit product `P = ã·b̃ mod 2^128` of the operands extended to
//! 128 bits (signed for `a` in `Mulh`/`Mulhsu` and for `b` in `Mulh`, unsigned
//! otherwise) with the [`product`](super::product) gadget; `Mul` returns `P`'s low half,
//! `Mulh*` its high half (the high half of the signed/mixed/unsigned product, since
//! `P = a_s·b_s mod 2^128`), `Mulw` its low 32 bits sign-extended.
//!
//! # Columns (48)
//!
//! | group | n | meaning |
//! |---|---:|---|
//! | `flags` | 5 | one-hot op (`Mul Mulh Mulhsu Mulhu Mulw`), all 0 on padding rows; `is_real = Σ flags` |
//! | `x` | 8 | `a`'s bytes |
//! | `y` | 8 | `b`'s bytes |
//! | `p` | 8 | `P`'s 16-bit limbs |
//! | `s_x`, `s_y` | 2 | sign bits of `a` (`Mulh`, `Mulhsu`) and `b` (`Mulh`); 0 otherwise |
//! | `s_p` | 1 | `Mulw`: bit 31 of the product (the result's sign); 0 otherwise |
//! | `carry_lo`, `carry_hi` | 16 | the product's carries `lo + 2^6·hi` |
//!
//! # Constraints (17)
//!
//! * each flag boolean, `is_real` boolean: one op per real row, none on padding;
//! * `s_x·(signed_x − s_x) = 0` (`signed_x = Mulh + Mulhsu`), `s_y·(Mulh − s_y) = 0`,
//!   `s_p·(Mulw − s_p) = 0`: each sign boolean, and 0 where the op reads the operand
//!   unsigned (a free sign would change an unsigned product);
//! * `x·y ≡ P (mod 2^128)` with `x`, `y` extended by `0xff·s_x`, `0xff·s_y` (8 digit
//!   equations, degree 2, each an integer equation: see [`product`](super::product)).
//!
//! # Bus (25 interactions, multiplicity `is_real`)
//!
//! * receive ALU `(op, a0..a3, b0..b3, c0..c3)` with `op = Σ id·flag`,
//!   `a_i = x_2i + 2^8·x_2i+1`, `b_i` likewise from `y`, and `c` = `P`'s limbs 0..3
//!   (`Mul`), 4..7 (`Mulh*`), or `(p0, p1, 0xffff·s_p, 0xffff·s_p)` (`Mulw`). The tuple
//!   binds the limbs to the sender's `a` and `b`;
//! * BYTE_PAIR of `(x_2i, x_2i+1)` and `(y_2i, y_2i+1)`, `i = 0..3`, where the top pairs
//!   check `(x6, x7 + 2^7·signed_x − 2^8·s_x)` and `(y6, y7 + 2^7·Mulh − 2^8·s_y)`:
//!   bytes, and on signed reads the sign bit of the trusted `a3` / `b3` (see the module
//!   docs of [`muldiv`](super));
//! * RANGE16 of `p0..p7`, except that on `Mulw` rows the slot of `p4` checks
//!   `2·p1 − 2^16·s_p` instead (`p1` is range-checked on its own, so `s_p` is its top
//!   bit). `Mulw` only reads digits 0 and 1, whose equations are exact with `P_0`, `P_1`,
//!   `carry_0` and `carry_1` in range (`P_0 + 2^16·P_1 = a·b mod 2^32`), so `p4` (only in
//!   digit 4) does not matter there;
//! * the product's 8 BYTE_PAIR carry lookups.

use super::product::{bytes, mul_add, mul_add_witness, Bytes, Wide};
use super::{bit_if, boolean, columns, k, limbs_of, signed_byte, sum, Reading, RowSink};
use crate::bus::{AluOp, ALU};
use crate::gadgets::sign_check;
use crate::gadgets::to_val;
use crate::Val;
use p3_field::PrimeCharacteristicRing;

/// The ops, in flag order.
pub(super) const OPS: [AluOp; 5] = [AluOp::Mul, AluOp::Mulh, AluOp::Mulhsu, AluOp::Mulhu, AluOp::Mulw];

columns! {
    flags: 5,
    x: 8,
    y: 8,
    p: 8,
    s_x: 1,
    s_y: 1,
    s_p: 1,
    carry_lo: 8,
    carry_hi: 8,
}

pub(super) fn eval<E: PrimeCharacteristicRing, S: RowSink<E>>(row: &[E], sink: &mut S) {
    let c = Cols::read(row);
    let [mul, mulh, mulhsu, mulhu, mulw] = c.flags.clone();
    let ([s_x], [s_y], [s_p]) = (&c.s_x, &c.s_y, &c.s_p);
    let (x, y, p) = (&c.x, &c.y, &c.p);
    let is_real = sum(&c.flags);
    let signed_x = mulh.clone() + mulhsu.clone();
    let high = signed_x.clone() + mulhu.clone();

    for flag in &c.flags {
        boolean(sink, flag);
    }
    // One op per real row, none on padding rows.
    boolean(sink, &is_real);
    // Sign bits where the op reads the operand signed; zero otherwise (a free sign would
    // extend an unsigned operand).
    bit_if(sink, s_x, &signed_x);
    bit_if(sink, s_y, &mulh);
    bit_if(sink, s_p, &mulw);

    // P = a·b mod 2^128 with the operands extended by their signs.
    let operands = (&Bytes::new(x.clone(), s_x), &Bytes::new(y.clone(), s_y), &Wide::zero());
    mul_add(sink, operands, p.clone(), [&c.carry_lo, &c.carry_hi], &is_real);

    let op = OPS.iter().zip(&c.flags).map(|(op, f)| f.clone() * k::<E>(op.id())).sum::<E>();
    // The tuple binds x, y to the sender's well-formed a, b and c to P's chosen limbs.
    let low = mul.clone() + mulw.clone();
    // Mulw: limbs 2, 3 are the sign extension of bit 31 (s_p is 0 on other rows).
    let ext = s_p.clone() * k::<E>(0xffff);
    let c_limbs = [
        low.clone() * p[0].clone() + high.clone() * p[4].clone(),
        low * p[1].clone() + high.clone() * p[5].clone(),
        mul.clone() * p[2].clone() + high.clone() * p[6].clone() + ext.clone(),
        mul * p[3].clone() + high * p[7].clone() + ext,
    ];
    let tuple = [vec![op], limbs_of(x).to_vec(), limbs_of(y).to_vec(), c_limbs.to_vec()].concat();
    sink.receive(ALU, tuple, is_real.clone());

    // Bytes, and the signs of the trusted a3, b3 in their top pairs (module docs of
    // `muldiv`).
    for i in 0..4 {
        let (x_top, y_top) = match i {
            3 => (signed_byte(&x[7], &signed_x, s_x), signed_byte(&y[7], &mulh, s_y)),
            _ => (x[2 * i + 1].clone(), y[2 * i + 1].clone()),
        };
        sink.byte_pair(x[2 * i].clone(), x_top, is_real.clone());
        sink.byte_pair(y[2 * i].clone(), y_top, is_real.clone());
    }
    // Canonical limbs; on Mulw rows p4's slot takes p1's sign (p1 range-checked itself).
    for (i, limb) in p.iter().enumerate() {
        let slot = match i {
            4 => limb.clone() + mulw.clone() * (sign_check(&p[1], s_p, 16) - limb.clone()),
            _ => limb.clone(),
        };
        sink.range16(slot, is_real.clone());
    }
}

/// The honest reading: `a` signed for `Mulh`/`Mulhsu`, `b` signed for `Mulh`.
pub(super) fn reading(op: AluOp, a: u64, b: u64) -> Reading {
    let signed = |v: u64, yes: bool| if yes { v as i64 as i128 } else { v as i128 };
    let a = signed(a, matches!(op, AluOp::Mulh | AluOp::Mulhsu));
    let b = signed(b, op == AluOp::Mulh);
    Reading { a, b, q: 0, r: 0 }
}

/// The row of `op` reading its operands as `reading.a`, `reading.b` (their low 64 bits
/// are the row's `a` and `b`).
pub(super) fn row(op: AluOp, reading: Reading) -> Cols<Val> {
    let (x, y) = (bytes(reading.a), bytes(reading.b));
    let product = mul_add_witness(&x, &y, &[0; 8]);
    let v = to_val;
    Cols {
        flags: OPS.map(|o| Val::from_bool(o == op)),
        x: std::array::from_fn(|i| v(x[i])),
        y: std::array::from_fn(|i| v(y[i])),
        p: product.digits.map(v),
        s_x: [Val::from_bool(reading.a < 0)],
        s_y: [Val::from_bool(reading.b < 0)],
        s_p: [Val::from_bool(op == AluOp::Mulw && product.digits[1] >> 15 == 1)],
        carry_lo: product.carry_lo.map(v),
        carry_hi: product.carry_hi.map(v),
    }
}
