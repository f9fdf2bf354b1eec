//! The comparison table: `Slt Sltu Eq Min Max Minu Maxu MinW MaxW MinuW MaxuW`.
//!
//! One three-way unsigned comparison of a single selected 32-bit limb pair, the signs of
//! the top limbs to turn it into a signed one, and a multiplexer for the result.
//!
//! Columns (25):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `sel_lt sel_eq sel_min sel_max` | the kind (`Slt`/`Sltu`, `Eq`, `Min*`, `Max*`); their sum `is_real` |
//! | `signed` `w` | signed comparison; `W` form (32-bit, only with min/max) |
//! | `a_lo a_hi b_lo b_hi` | the operands |
//! | `pick_hi` | the high limbs are compared (64-bit and `a_hi ≠ b_hi`), else the low ones |
//! | `lt gt` | unsigned three-way result on the selected limbs `x`, `y` |
//! | `d0 d1` | 16-bit halves of `D = lt·(y − x − 1) + gt·(x − y − 1)` |
//! | `sa sa0 sa1`, `sb sb0 sb1` | bit 31 of the top limbs `ta`, `tb` (`a_hi`, `b_hi`; `a_lo`, `b_lo` for `W`) and the halves of its check |
//! | `take_a` | the min/max result is `a` |
//! | `c_lo c_hi` | the result |
//!
//! Constraints, with `x = a_lo + pick_hi·(a_hi − a_lo)`, `y` likewise, `LT = lt +
//! signed·(sa − sb)`, `GT = gt − signed·(sa − sb)`, `M = 2^32 − 1`:
//!
//! * `sel_*`, `is_real`, `signed`, `w`, `pick_hi`, `lt`, `gt` boolean; `count·(1 − is_real) = 0`
//! * `(sel_lt + sel_eq)·w = 0`: `W` only for min/max (an `Eq` with `w` would compare the low limbs only)
//! * `w·pick_hi = 0`, `(1 − pick_hi − w)·(a_hi − b_hi) = 0`: a 64-bit comparison picks
//!   the low limbs only when the high limbs are equal
//! * `pick_hi·(1 − lt − gt) = 0`: it picks the high limbs only when they differ
//! * `(1 − lt − gt)·(x − y) = 0`, `D = d0 + 2^16·d1` (both range-checked): the
//!   three-way result is right (`lt = gt = 1` gives `D = −2`, out of range)
//! * `2·ta − 2^32·sa = sa0 + 2^16·sa1` (range-checked), `sa` boolean; same for `b`
//! * `take_a = sel_min·LT + sel_max·GT`
//! * `c_lo = take_a·(a_lo − b_lo) + (sel_min + sel_max)·b_lo + sel_lt·LT + sel_eq·(1 − lt − gt)`
//! * `c_hi = take_a·(A_hi − B_hi) + (sel_min + sel_max)·B_hi` with `A_hi = a_hi + w·(sa·M − a_hi)`
//!
//! Bus: receives `(op, a, b, c)` with `op = sel_lt·(Sltu − signed) + sel_eq·Eq +
//! sel_min·(Minu − 2·signed + 4·w) + sel_max·(Maxu − 2·signed + 4·w)`, multiplicity
//! `count`; sends `d0 d1 sa0 sa1 sb0 sb1` on RANGE16 with multiplicity `is_real`.
//! 7 interactions.
//!
//! Soundness: `pick_hi` is boolean (a non-boolean one would scale `x − y` and let `D`
//! fit whatever `lt` claims). A 64-bit row compares the high limbs iff they differ, else
//! the low limbs with equal high limbs; a `W` row compares the low limbs. On the
//! selected limbs (< 2^32), `D` is an integer in `(−2^33, 2^32)` that the range check
//! puts in `[0, 2^32)`, so `lt ⇒ x < y`, `gt ⇒ x > y`, and neither ⇒ `x = y`: `lt`/`gt`
//! are the unsigned order of `a`, `b` (64-bit) or `a_lo`, `b_lo` (`W`). With the sign
//! bits (see `sign_bit`), `LT`/`GT` are the signed order when `signed` (if the signs
//! differ the unsigned order is the opposite of the signed one, and `±(sa − sb)` flips
//! it), else the unsigned one. `take_a` is then boolean and correct; the results are
//! `a`, `b` (well-formed), `sa·M`/`sb·M` (the sign extension of the selected low limb),
//! 0 or 1, so `c` is well-formed. `signed` on an `Eq` row changes nothing
//! (`LT + GT = lt + gt`). Padding rows are all zero and satisfy every constraint.

use super::{
    assert_ids, constant, count_needs_real, limb16, limb16_cols, receive, sign_bit, sign_cols, val, Chip, COUNT, ONES32,
};
use crate::bus::{limbs, AluEvent, AluOp};
use crate::bytes::Lookups;
use p3_field::PrimeCharacteristicRing;
use std::cmp::Ordering;
use ziskjit_prover::{BusBuilder, Val};

pub const SEL_LT: usize = 1;
pub const SEL_EQ: usize = 2;
pub const SEL_MIN: usize = 3;
pub const SEL_MAX: usize = 4;
pub const SIGNED: usize = 5;
pub const W: usize = 6;
/// `a_lo, a_hi`.
pub const A: usize = 7;
/// `b_lo, b_hi`.
pub const B: usize = 9;
pub const PICK_HI: usize = 11;
pub const LT: usize = 12;
pub const GT: usize = 13;
/// `d0, d1`.
pub const D: usize = 14;
/// `sa, sa0, sa1`.
pub const SA: usize = 16;
/// `sb, sb0, sb1`.
pub const SB: usize = 19;
pub const TAKE_A: usize = 22;
/// `c_lo, c_hi`.
pub const C: usize = 23;
pub const WIDTH: usize = 25;

// The op id is `Sltu − signed` or `Minu/Maxu − 2·signed + 4·w`.
const _: () = assert_ids(&[AluOp::Slt, AluOp::Sltu], 1);
const _: () = assert_ids(&[AluOp::Min, AluOp::Minu, AluOp::MinW, AluOp::MinuW], 2);
const _: () = assert_ids(&[AluOp::Max, AluOp::Maxu, AluOp::MaxW, AluOp::MaxuW], 2);

pub(super) struct Compare;

/// What a comparison row computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lt,
    Eq,
    Min,
    Max,
}

/// The kind, signedness and width of `op`.
fn decode(op: AluOp) -> Option<(Kind, bool, bool)> {
    use AluOp::*;
    Some(match op {
        Slt => (Kind::Lt, true, false),
        Sltu => (Kind::Lt, false, false),
        Eq => (Kind::Eq, false, false),
        Min => (Kind::Min, true, false),
        Max => (Kind::Max, true, false),
        Minu => (Kind::Min, false, false),
        Maxu => (Kind::Max, false, false),
        MinW => (Kind::Min, true, true),
        MaxW => (Kind::Max, true, true),
        MinuW => (Kind::Min, false, true),
        MaxuW => (Kind::Max, false, true),
        _ => return None,
    })
}

impl Chip for Compare {
    const NAME: &'static str = "compare";
    const WIDTH: usize = WIDTH;

    fn handles(op: AluOp) -> bool {
        decode(op).is_some()
    }

    fn fill(e: &AluEvent, row: &mut [Val], lookups: &mut Lookups) {
        let (kind, signed, w) = decode(e.op).expect("a comparison");
        let ([a_lo, a_hi], [b_lo, b_hi], [c_lo, c_hi]) = (limbs(e.a), limbs(e.b), limbs(e.c));
        let pick_hi = !w && a_hi != b_hi;
        let (x, y) = if pick_hi { (a_hi, b_hi) } else { (a_lo, b_lo) };
        let order = x.cmp(&y);
        let d = match order {
            Ordering::Less => y - x - 1,
            Ordering::Greater => x - y - 1,
            Ordering::Equal => 0,
        };
        let d = limb16_cols(d, lookups);
        let (ta, tb) = if w { (a_lo, b_lo) } else { (a_hi, b_hi) };
        let (sa, sb) = (sign_cols(ta, lookups), sign_cols(tb, lookups));
        // The order the op asks for, as `LT`/`GT` compute it.
        let signed_order = match (signed, w) {
            (true, false) => (e.a as i64).cmp(&(e.b as i64)),
            (true, true) => (e.a as i32).cmp(&(e.b as i32)),
            (false, _) => order,
        };
        let take_a = match kind {
            Kind::Min => signed_order == Ordering::Less,
            Kind::Max => signed_order == Ordering::Greater,
            Kind::Lt | Kind::Eq => false,
        };
        let flags = [kind == Kind::Lt, kind == Kind::Eq, kind == Kind::Min, kind == Kind::Max, signed, w];
        for (i, flag) in flags.into_iter().enumerate() {
            row[SEL_LT + i] = val(flag.into());
        }
        row[A..A + 4].copy_from_slice(&[a_lo, a_hi, b_lo, b_hi].map(val));
        row[PICK_HI] = val(pick_hi.into());
        row[LT] = val((order == Ordering::Less).into());
        row[GT] = val((order == Ordering::Greater).into());
        row[D..D + 2].copy_from_slice(&d);
        row[SA..SA + 3].copy_from_slice(&sa);
        row[SB..SB + 3].copy_from_slice(&sb);
        row[TAKE_A] = val(take_a.into());
        row[C] = val(c_lo);
        row[C + 1] = val(c_hi);
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let one = AB::Expr::ONE;
        let (sel_lt, sel_eq, sel_min, sel_max) = (e(SEL_LT), e(SEL_EQ), e(SEL_MIN), e(SEL_MAX));
        let (signed, w) = (e(SIGNED), e(W));
        let (a_lo, a_hi, b_lo, b_hi) = (e(A), e(A + 1), e(B), e(B + 1));
        let (pick_hi, lt, gt) = (e(PICK_HI), e(LT), e(GT));
        let is_real = sel_lt.clone() + sel_eq.clone() + sel_min.clone() + sel_max.clone();
        let minmax = sel_min.clone() + sel_max.clone();
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in [&sel_lt, &sel_eq, &sel_min, &sel_max, &signed, &w, &pick_hi, &lt, &gt] {
            builder.assert_bool(flag.clone());
        }
        builder.assert_zero((sel_lt.clone() + sel_eq.clone()) * w.clone());

        // Which limbs are compared.
        builder.assert_zero(w.clone() * pick_hi.clone());
        builder.assert_zero((one.clone() - pick_hi.clone() - w.clone()) * (a_hi.clone() - b_hi.clone()));
        let equal = one.clone() - lt.clone() - gt.clone();
        builder.assert_zero(pick_hi.clone() * equal.clone());
        let x = a_lo.clone() + pick_hi.clone() * (a_hi.clone() - a_lo.clone());
        let y = b_lo.clone() + pick_hi * (b_hi.clone() - b_lo.clone());

        // The unsigned three-way comparison of x and y.
        builder.assert_zero(equal.clone() * (x.clone() - y.clone()));
        let d = limb16(builder, &row[D..D + 2], is_real.clone());
        builder.assert_zero((lt.clone() - gt.clone()) * (y - x) - lt.clone() - gt.clone() - d);

        // The signs of the top limbs, and the signed order.
        let ta = a_hi.clone() + w.clone() * (a_lo.clone() - a_hi.clone());
        let tb = b_hi.clone() + w.clone() * (b_lo.clone() - b_hi.clone());
        sign_bit(builder, ta, &row[SA..SA + 3], is_real.clone());
        sign_bit(builder, tb, &row[SB..SB + 3], is_real);
        let (sa, sb) = (e(SA), e(SB));
        let flip = signed.clone() * (sa.clone() - sb.clone());
        let big_lt = lt + flip.clone();
        let big_gt = gt - flip;

        // The result.
        let take_a = e(TAKE_A);
        builder.assert_zero(take_a.clone() - sel_min.clone() * big_lt.clone() - sel_max.clone() * big_gt);
        let (c_lo, c_hi) = (e(C), e(C + 1));
        builder.assert_zero(
            c_lo.clone()
                - take_a.clone() * (a_lo.clone() - b_lo.clone())
                - minmax.clone() * b_lo.clone()
                - sel_lt.clone() * big_lt
                - sel_eq.clone() * equal,
        );
        let ones = constant::<AB::Expr>(ONES32);
        let top_a = a_hi.clone() + w.clone() * (sa * ones.clone() - a_hi.clone());
        let top_b = b_hi.clone() + w.clone() * (sb * ones - b_hi.clone());
        builder.assert_zero(c_hi.clone() - take_a * (top_a - top_b.clone()) - minmax * top_b);

        let four_w = w * constant::<AB::Expr>(4);
        let two_signed = signed.clone() * AB::Expr::TWO;
        let op = sel_lt * (constant::<AB::Expr>(AluOp::Sltu.id()) - signed)
            + sel_eq * constant::<AB::Expr>(AluOp::Eq.id())
            + sel_min * (constant::<AB::Expr>(AluOp::Minu.id()) - two_signed.clone() + four_w.clone())
            + sel_max * (constant::<AB::Expr>(AluOp::Maxu.id()) - two_signed + four_w);
        receive(builder, row[COUNT], op, [a_lo, a_hi], [b_lo, b_hi], [c_lo, c_hi]);
    }
}
