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
//! Bus: sends `(ai, bi, ri, ai + bi − ri, ai + bi − 2·ri)` on LOGIC for each byte with
//! multiplicity `is_real`; receives `(Xor·sel_xor + Or·sel_or + And·sel_and, Σ 2^8i·ai,
//! …, Σ 2^8i·ci, …)` with `ci = sel_and·ri + sel_or·(ai + bi − ri) + sel_xor·(ai + bi −
//! 2·ri)`, multiplicity `count`. 9 interactions.
//!
//! Soundness: the LOGIC table holds exactly the rows `(a, b, a AND b, a OR b, a XOR b)`
//! for bytes `a`, `b`, so each lookup proves `ai`, `bi` bytes and `ri` their AND (the OR
//! and XOR entries must then match too). The limbs on the bus are the operands' byte
//! decompositions (for well-formed `a`, `b` the only ones), and each `ci` is the byte
//! the selected operation gives, so `c` is well-formed and right. Padding rows are all
//! zero and look nothing up.

use super::{assert_ids, constant, count_needs_real, receive, val, Chip, COUNT};
use crate::bus::{AluEvent, AluOp, LOGIC};
use crate::bytes::Lookups;
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, Val};

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
            row[A + i] = val(a);
            row[B + i] = val(b);
            row[R + i] = val(a & b);
        }
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let [sel_xor, sel_or, sel_and] = [SEL_XOR, SEL_OR, SEL_AND].map(|i| -> AB::Expr { row[i].into() });
        let is_real = sel_xor.clone() + sel_or.clone() + sel_and.clone();
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in [&sel_xor, &sel_or, &sel_and] {
            builder.assert_bool(flag.clone());
        }
        let limb = |bytes: &[AB::Expr]| -> AB::Expr {
            bytes.iter().rev().fold(AB::Expr::ZERO, |acc, byte| acc * constant::<AB::Expr>(256) + byte.clone())
        };
        let mut c = Vec::with_capacity(8);
        for i in 0..8 {
            let (a, b, r): (AB::Expr, AB::Expr, AB::Expr) = (row[A + i].into(), row[B + i].into(), row[R + i].into());
            let or = a.clone() + b.clone() - r.clone();
            let xor = or.clone() - r.clone();
            builder.send(LOGIC, [a, b, r.clone(), or.clone(), xor.clone()], is_real.clone());
            c.push(sel_and.clone() * r + sel_or.clone() * or + sel_xor.clone() * xor);
        }
        let op = sel_xor * constant::<AB::Expr>(AluOp::Xor.id())
            + sel_or * constant::<AB::Expr>(AluOp::Or.id())
            + sel_and * constant::<AB::Expr>(AluOp::And.id());
        let bytes = |start: usize| -> Vec<AB::Expr> { (start..start + 8).map(|i| row[i].into()).collect() };
        let (a, b) = (bytes(A), bytes(B));
        receive(
            builder,
            row[COUNT],
            op,
            [limb(&a[..4]), limb(&a[4..])],
            [limb(&b[..4]), limb(&b[4..])],
            [limb(&c[..4]), limb(&c[4..])],
        );
    }
}
