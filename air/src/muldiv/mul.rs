//! The mul table: `Mul Mulh Mulhsu Mulhu Mulw`, one row per event.
//!
//! A row computes the 128-bit product `P = ã·b̃ mod 2^128` of the operands extended to
//! 128 bits (signed for `a` in `Mulh`/`Mulhsu` and for `b` in `Mulh`, unsigned
//! otherwise) with the [`product`](super::product) gadget; `Mul` returns `P`'s low half,
//! `Mulh*` its high half (the high half of the signed/mixed/unsigned product, since
//! `P = a_s·b_s mod 2^128`), `Mulw` its low 32 bits sign-extended.
//!
//! # Columns (32)
//!
//! | group | n | meaning |
//! |---|---:|---|
//! | `flags` | 5 | one-hot op (`Mul Mulh Mulhsu Mulhu Mulw`), all 0 on padding rows; `is_real = Σ flags` |
//! | `x` | 4 | `a`'s 16-bit limbs |
//! | `y` | 4 | `b`'s 16-bit limbs |
//! | `p` | 8 | `P`'s 16-bit limbs |
//! | `s_x`, `s_y` | 2 | sign bits of `a` (`Mulh`, `Mulhsu`) and `b` (`Mulh`); 0 otherwise |
//! | `s_p` | 1 | `Mulw`: bit 31 of the product (the result's sign); 0 otherwise |
//! | `carry_lo`, `carry_hi` | 8 | the product's carries |
//!
//! # Constraints
//!
//! * each flag boolean, `is_real` boolean: one op per real row, none on padding;
//! * `s_x·(signed_x − s_x) = 0` (`signed_x = Mulh + Mulhsu`), `s_y·(Mulh − s_y) = 0`,
//!   `s_p·(Mulw − s_p) = 0`: each sign boolean, and 0 where the op reads the operand
//!   unsigned (a free sign would change an unsigned product);
//! * `x·y ≡ P (mod 2^128)` with `x`, `y` extended by `0xffff·s_x`, `0xffff·s_y`
//!   (4 digit equations, degree 2).
//!
//! # Bus (23 interactions, multiplicity `is_real`)
//!
//! * receive ALU `(op, join(x0,x1), join(x2,x3), join(y0,y1), join(y2,y3), c_lo, c_hi)`
//!   with `op = Σ id·flag`, `c` = `P`'s limbs 0..3 (`Mul`), 4..7 (`Mulh*`), or
//!   `(join(p0,p1), (2^32−1)·s_p)` (`Mulw`). The tuple binds the limbs to the sender's
//!   `a` and `b`;
//! * RANGE16 of `x0 x1 x2`, `x3 + 2^15·signed_x − 2^16·s_x`, `y0 y1 y2`,
//!   `y3 + 2^15·Mulh − 2^16·s_y`: canonical limbs, and on signed reads the sign bit of the
//!   trusted `a_hi` / `b_hi` (see the module docs of [`muldiv`](super));
//! * RANGE16 of `p0..p7`, except that on `Mulw` rows the slot of `p4` checks
//!   `p1 + 2^15 − 2^16·s_p` instead (`p1` is range-checked on its own, so `s_p` is its
//!   top bit). `Mulw` only reads digit 0, `D_0 = P_0 + 2^32·carry_0`, exact with `P_0`
//!   and `carry_0` in range, so `p4` (only in digit 2) does not matter there;
//! * the product's 4 RANGE16 + 2 BYTE_PAIR carry lookups.

use super::product::{digit_limbs, limbs, mul_add, mul_add_witness, Wide};
use super::{bit_if, boolean, columns, join, k, signed_top, sum, Reading, RowSink};
use crate::bus::{AluOp, ALU};
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::Val;

/// The ops, in flag order.
pub(super) const OPS: [AluOp; 5] = [AluOp::Mul, AluOp::Mulh, AluOp::Mulhsu, AluOp::Mulhu, AluOp::Mulw];

columns! {
    flags: 5,
    x: 4,
    y: 4,
    p: 8,
    s_x: 1,
    s_y: 1,
    s_p: 1,
    carry_lo: 4,
    carry_hi: 4,
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
    let digits = [0, 1, 2, 3].map(|d| join(&p[2 * d], &p[2 * d + 1]));
    let zero = Wide { limbs: [E::ZERO, E::ZERO, E::ZERO, E::ZERO], ext: E::ZERO };
    let operands = [&Wide::new(x.clone(), s_x), &Wide::new(y.clone(), s_y), &zero];
    mul_add(sink, operands, digits.clone(), [&c.carry_lo, &c.carry_hi], &is_real);

    let op = OPS.iter().zip(&c.flags).map(|(op, f)| f.clone() * k::<E>(op.id())).sum::<E>();
    // The tuple binds x, y to the sender's well-formed a, b and c to P's chosen limbs.
    let low = mul.clone() + mulw.clone();
    let c_lo = low * digits[0].clone() + high.clone() * digits[2].clone();
    let c_hi = mul * digits[1].clone() + high * digits[3].clone() + mulw.clone() * s_p.clone() * k::<E>(0xffff_ffff);
    let tuple = vec![op, join(&x[0], &x[1]), join(&x[2], &x[3]), join(&y[0], &y[1]), join(&y[2], &y[3]), c_lo, c_hi];
    sink.interact(ALU, tuple, -is_real.clone());

    // Canonical limbs; the signs of a_hi, b_hi (trusted) and, on Mulw rows in p4's slot,
    // of p1 (range-checked itself), see the module docs.
    let p4_slot = p[4].clone() + mulw * (signed_top(&p[1], &E::ONE, s_p) - p[4].clone());
    let slots = [
        x[0].clone(),
        x[1].clone(),
        x[2].clone(),
        signed_top(&x[3], &signed_x, s_x),
        y[0].clone(),
        y[1].clone(),
        y[2].clone(),
        signed_top(&y[3], &mulh, s_y),
        p[0].clone(),
        p[1].clone(),
        p[2].clone(),
        p[3].clone(),
        p4_slot,
        p[5].clone(),
        p[6].clone(),
        p[7].clone(),
    ];
    for slot in slots {
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
    let (x, y) = (limbs(reading.a), limbs(reading.b));
    let product = mul_add_witness(&x, &y, &[0; 8]);
    let v = Val::from_i64;
    Cols {
        flags: OPS.map(|o| Val::from_bool(o == op)),
        x: std::array::from_fn(|i| v(x[i])),
        y: std::array::from_fn(|i| v(y[i])),
        p: digit_limbs(&product.digits).map(v),
        s_x: [Val::from_bool(reading.a < 0)],
        s_y: [Val::from_bool(reading.b < 0)],
        s_p: [Val::from_bool(op == AluOp::Mulw && product.digits[0] >> 31 == 1)],
        carry_lo: product.carry_lo.map(v),
        carry_hi: product.carry_hi.map(v),
    }
}
