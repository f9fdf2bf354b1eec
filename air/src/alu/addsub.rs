//! The add/sub table: `Add Sub Addw Subw`.
//!
//! Columns (15):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `is_real` | 1 on event rows, 0 on padding (multiplicity of the lookups) |
//! | `sub` | 1 for `Sub`/`Subw` |
//! | `w` | 1 for the `W` forms |
//! | `a_lo a_hi b_lo b_hi` | the operands |
//! | `c0 c1 c2 c3` | 16-bit quarters of the result: `c_lo = c0 + 2^16·c1`, `c_hi = c2 + 2^16·c3` (64-bit forms) |
//! | `carry0 carry1` | the carries out of the low and high limbs |
//! | `sign` | bit 31 of `c_lo` (`W` forms) |
//!
//! The addition is checked as `x + b = z + 2^64·carry` with `(x, z) = (a, c)` for add and
//! `(c, a)` for sub (`c = a − b ⇔ c + b ≡ a`), one equation per limb:
//!
//! * `(1 − 2·sub)·(a_lo − c_lo) + b_lo − 2^32·carry0 = 0`
//! * `(1 − w)·((1 − 2·sub)·(a_hi − c_hi) + b_hi + carry0 − 2^32·carry1) = 0`
//! * `w·(c2 − (2·c1 − 2^16·sign)) = 0`: a `W` form needs no high quarters, so `c2`'s
//!   range check is reused to extract the sign (see below)
//! * `is_real, sub, w, carry0, carry1, sign` boolean; `count·(1 − is_real) = 0`
//!
//! Bus: receives `(Add + sub + (Addw − Add)·w, a_lo, a_hi, b_lo, b_hi, c_lo,
//! (1 − w)·c_hi + w·sign·(2^32 − 1))` with multiplicity `count`; sends `c0..c3` on
//! RANGE16 with multiplicity `is_real`. 5 interactions.
//!
//! Soundness: the quarters are < 2^16, so `c_lo`, `c_hi < 2^32`. Each limb equation is
//! an integer of magnitude < 2^34 ≪ p, so it holds over the integers, and with a boolean
//! carry it says exactly "`z` limb = `x + b` limb (+ carry in) mod 2^32" (the carry is
//! then determined: without its boolean constraint it would be a free field element
//! making the equation vacuous). For `W`, only the low limb is computed (the high input
//! limbs are ignored, as `AluOp::eval` does) and `c2 = 2·c1 − 2^16·sign ∈ [0, 2^16)`,
//! an integer in `(−2^16, 2^17)`, forces `sign = c1 >> 15`, bit 31 of `c_lo`.
//! Padding rows are all zero and satisfy every constraint.

use super::{assert_ids, constant, count_needs_real, limb16, limb16_cols, receive, two32, val, Chip, COUNT, ONES32};
use crate::bus::{limbs, AluEvent, AluOp};
use crate::bytes::Lookups;
use crate::gadgets::two16;
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, Val};

pub const IS_REAL: usize = 1;
pub const SUB: usize = 2;
pub const W: usize = 3;
/// `a_lo, a_hi`.
pub const A: usize = 4;
/// `b_lo, b_hi`.
pub const B: usize = 6;
/// The four 16-bit quarters of `c`, low first.
pub const C: usize = 8;
/// `carry0, carry1`.
pub const CARRY: usize = 12;
pub const SIGN: usize = 14;
pub const WIDTH: usize = 15;

// The op id is `Add + sub + (Addw − Add)·w`.
const _: () = assert_ids(&[AluOp::Add, AluOp::Sub], 1);
const _: () = assert_ids(&[AluOp::Addw, AluOp::Subw], 1);

pub(super) struct AddSub;

impl Chip for AddSub {
    const NAME: &'static str = "addsub";
    const WIDTH: usize = WIDTH;

    fn handles(op: AluOp) -> bool {
        matches!(op, AluOp::Add | AluOp::Sub | AluOp::Addw | AluOp::Subw)
    }

    fn fill(e: &AluEvent, row: &mut [Val], lookups: &mut Lookups) {
        let sub = matches!(e.op, AluOp::Sub | AluOp::Subw);
        let w = matches!(e.op, AluOp::Addw | AluOp::Subw);
        let result = if sub { e.a.wrapping_sub(e.b) } else { e.a.wrapping_add(e.b) };
        let ([a_lo, a_hi], [b_lo, b_hi], [r_lo, r_hi]) = (limbs(e.a), limbs(e.b), limbs(result));
        // `x + b = z + 2^64·carry`: x is the result for sub.
        let [x_lo, x_hi] = if sub { [r_lo, r_hi] } else { [a_lo, a_hi] };
        let carry0 = (x_lo + b_lo) >> 32;
        let carry1 = (x_hi + b_hi + carry0) >> 32;
        let [c0, c1] = limb16_cols(r_lo, lookups);
        let sign = r_lo >> 31;
        let [c2, c3] = if w {
            let c2 = 2 * (r_lo >> 16) - (sign << 16);
            lookups.range16(c2);
            lookups.range16(0);
            [val(c2), Val::ZERO]
        } else {
            limb16_cols(r_hi, lookups)
        };
        row[COUNT + 1..].copy_from_slice(&[
            Val::ONE,
            val(sub.into()),
            val(w.into()),
            val(a_lo),
            val(a_hi),
            val(b_lo),
            val(b_hi),
            c0,
            c1,
            c2,
            c3,
            val(carry0),
            val(carry1),
            val(sign),
        ]);
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let [count, is_real, sub, w] = [row[COUNT], row[IS_REAL], row[SUB], row[W]];
        let [a_lo, a_hi, b_lo, b_hi] = [row[A], row[A + 1], row[B], row[B + 1]];
        let [carry0, carry1, sign] = [row[CARRY], row[CARRY + 1], row[SIGN]];
        count_needs_real(builder, count, is_real.into());
        for flag in [sub, w, carry0, carry1, sign] {
            builder.assert_bool(flag);
        }
        let c_lo = limb16(builder, &row[C..C + 2], is_real.into());
        let c_hi = limb16(builder, &row[C + 2..C + 4], is_real.into());

        // +1 for add, −1 for sub: `x − z` is `a − c` or `c − a`.
        let dir = AB::Expr::ONE - sub.into() * AB::Expr::TWO;
        builder.assert_zero(
            dir.clone() * (a_lo.into() - c_lo.clone()) + b_lo.into() - carry0.into() * two32::<AB::Expr>(),
        );
        let not_w = AB::Expr::ONE - w.into();
        builder.assert_zero(
            not_w.clone()
                * (dir * (a_hi.into() - c_hi.clone()) + b_hi.into() + carry0.into()
                    - carry1.into() * two32::<AB::Expr>()),
        );
        let c1 = row[C + 1];
        let c2 = row[C + 2];
        builder.assert_zero(w.into() * (c2.into() - c1.into() * AB::Expr::TWO + sign.into() * two16::<AB::Expr>()));

        let op = constant::<AB::Expr>(AluOp::Add.id())
            + sub.into()
            + w.into() * constant::<AB::Expr>(AluOp::Addw.id() - AluOp::Add.id());
        let c_hi = not_w * c_hi + w.into() * sign.into() * constant::<AB::Expr>(ONES32);
        receive(builder, count, op, [a_lo.into(), a_hi.into()], [b_lo.into(), b_hi.into()], [c_lo, c_hi]);
    }
}
