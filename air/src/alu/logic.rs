//! The logic table: `Xor Or And`, byte by byte through the bytes table's LOGIC lookup.
//!
//! Columns (28):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `sel_xor sel_or sel_and` | the operation; their sum `is_real` |
//! | `a0..a7`, `b0..b7` | the bytes of `a` and `b`, low first |
//! | `r0..r7` | `ri = ai AND bi` |
//!
//! Per byte, `ai OR bi = ai + bi − ri` and `ai XOR bi = ai + bi − 2·ri`, so one result
//! column per byte serves all three operations.
//!
//! Constraints: `sel_*` and `is_real` boolean; `count·(1 − is_real) = 0`.
//!
//! Bus: sends `(segment, ai, bi, ri, ai + bi − ri, ai + bi − 2·ri)` on LOGIC for each byte
//! with multiplicity `is_real` ([`gadgets::logic`](crate::gadgets::logic)); receives
//! `(segment, Xor·sel_xor + Or·sel_or + And·sel_and, a0 + 2^8·a1, …, a6 + 2^8·a7, b…, c…)`
//! (each 16-bit limb two bytes) with `ci = sel_and·ri + sel_or·(ai + bi − ri) +
//! sel_xor·(ai + bi − 2·ri)`, multiplicity `count`. 9 interactions (5 LogUp columns);
//! constraint degree 2.
//!
//! Soundness (for `p = 2^31 − 2^24 + 1`): a row with `count ≠ 0` has `is_real = 1` and
//! exactly one selector set. The LOGIC table holds exactly the rows `(a, b, a AND b, a OR
//! b, a XOR b)` for bytes `a`, `b`, so each lookup proves `ai`, `bi` bytes and `ri` their
//! AND (the OR and XOR entries must then match too). A limb `a_{2k} + 2^8·a_{2k+1}` of
//! two bytes is an integer in `[0, 2^16)`, and the sender's limb is `< 2^16` too, so
//! their equality mod `p` is an integer equality: the bytes are the limb's (unique) byte
//! decomposition. Each `ci` is the byte the selected operation gives, so each result limb
//! `c_{2k} + 2^8·c_{2k+1} < 2^16` is the true one. Padding rows are all zero and look
//! nothing up.

use super::{assert_ids, constant, count_needs_real, receive, Chip, COUNT};
use crate::bus::{AluEvent, AluOp};
use crate::bytes::Lookups;
use crate::gadgets::{logic, to_val};
use crate::Val;
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::BusBuilder;

pub const SEL_XOR: usize = 1;
pub const SEL_OR: usize = 2;
pub const SEL_AND: usize = 3;
/// The 8 bytes of `a`, low first.
pub const A: usize = 4;
/// The 8 bytes of `b`.
pub const B: usize = 12;
/// The 8 bytes of `a AND b`.
pub const R: usize = 20;
pub const WIDTH: usize = 28;

// The op id is `Xor·sel_xor + Or·sel_or + And·sel_and`; the selector columns follow the
// same order.
const _: () = assert_ids(&[AluOp::Xor, AluOp::Or, AluOp::And], 1);

pub(super) struct Logic;

impl Chip for Logic {
    const NAME: &'static str = "logic";
    const WIDTH: usize = WIDTH;

    fn handles(op: AluOp) -> bool {
        matches!(op, AluOp::Xor | AluOp::Or | AluOp::And)
    }

    fn fill(e: &AluEvent, row: &mut [Val], lookups: &mut Lookups) {
        row[SEL_XOR + (e.op.id() - AluOp::Xor.id()) as usize] = Val::ONE;
        for i in 0..8 {
            let (a, b) = ((e.a >> (8 * i)) & 0xff, (e.b >> (8 * i)) & 0xff);
            lookups.logic(a, b);
            row[A + i] = to_val(a);
            row[B + i] = to_val(b);
            row[R + i] = to_val(a & b);
        }
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let [sel_xor, sel_or, sel_and] = [SEL_XOR, SEL_OR, SEL_AND].map(|i| -> AB::Expr { row[i].into() });
        let is_real = sel_xor.clone() + sel_or.clone() + sel_and.clone();
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in [&sel_xor, &sel_or, &sel_and] {
            builder.assert_bool(flag.clone());
        }
        let mut c = Vec::with_capacity(8);
        for i in 0..8 {
            let (a, b, r): (AB::Expr, AB::Expr, AB::Expr) = (row[A + i].into(), row[B + i].into(), row[R + i].into());
            let or = a.clone() + b.clone() - r.clone();
            let xor = or.clone() - r.clone();
            logic(builder, [a, b, r.clone(), or.clone(), xor.clone()], is_real.clone());
            c.push(sel_and.clone() * r + sel_or.clone() * or + sel_xor.clone() * xor);
        }
        let op = sel_xor * constant::<AB::Expr>(AluOp::Xor.id())
            + sel_or * constant::<AB::Expr>(AluOp::Or.id())
            + sel_and * constant::<AB::Expr>(AluOp::And.id());
        // Limb k = bytes 2k, 2k + 1 ∈ [0, 2^16) (LOGIC-checked bytes): equal mod p to the
        // sender's limb < 2^16, so equal as integers.
        let limbs = |bytes: &[AB::Expr]| -> [AB::Expr; 4] {
            std::array::from_fn(|k| bytes[2 * k].clone() + bytes[2 * k + 1].clone() * constant::<AB::Expr>(256))
        };
        let bytes = |start: usize| -> Vec<AB::Expr> { (start..start + 8).map(|i| row[i].into()).collect() };
        receive(builder, row[COUNT], op, limbs(&bytes(A)), limbs(&bytes(B)), limbs(&c));
    }
}
