//! The comparison table: `Slt Sltu Eq Min Max Minu Maxu MinW MaxW MinuW MaxuW`.
//!
//! One three-way unsigned comparison of the top differing 16-bit limb pair (chosen by a
//! one-hot `z`), the signs of the top limbs to turn it into a signed one, and a
//! multiplexer for the result.
//!
//! Columns (31):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `sel_lt sel_eq sel_min sel_max` | the kind (`Slt`/`Sltu`, `Eq`, `Min*`, `Max*`); their sum `is_real` |
//! | `signed` `w` | signed comparison; `W` form (32-bit, only with min/max) |
//! | `a0..a3`, `b0..b3` | the operands' 16-bit limbs (trusted: from the sender) |
//! | `z0..z3` | `z_k = 1` iff limb `k` is the top limb where `a` and `b` differ (limbs 0, 1 only for `W`); all 0 if they are equal |
//! | `lt gt` | unsigned three-way result on the selected limbs `x = Σ z_k·a_k`, `y = Σ z_k·b_k` |
//! | `d` | `D = (lt − gt)·(y − x) − lt − gt` |
//! | `ta sa`, `tb sb` | the top limbs (`a3`, `b3`; `a1`, `b1` for `W`) and their bit 15 (the sign) |
//! | `take_a` | the min/max result is `a` |
//! | `c0..c3` | the result |
//!
//! Constraints, with `LT = lt + signed·(sa − sb)`, `GT = gt − signed·(sa − sb)`:
//!
//! * `sel_*`, `is_real`, `signed`, `w`, `z_k`, `lt`, `gt` boolean; `count·(1 − is_real) = 0`
//! * `(sel_lt + sel_eq)·w = 0`: `W` only for min/max (an `Eq` with `w` would compare
//!   the low limbs only)
//! * `w·(z2 + z3) = 0`: a `W` row compares limbs 0 and 1 only
//! * `z0 + z1 + z2 + z3 = lt + gt`: a limb is chosen iff the operands differ
//! * `(1 − Σ_{k ≥ j} z_k)·(a_j − b_j) = 0` for `j = 0, 1` and
//!   `(1 − w − Σ_{k ≥ j} z_k)·(a_j − b_j) = 0` for `j = 2, 3`: every limb above the
//!   chosen one is equal (for `W`, limbs 2 and 3 are ignored)
//! * `D = d`, `d` in RANGE16: the three-way result is right
//! * `ta = a3 + w·(a1 − a3)`, `tb` likewise; [`sign16`]`(ta, sa)`, `sign16(tb, sb)`
//! * `take_a = sel_min·LT + sel_max·GT`
//! * `c0 = take_a·(a0 − b0) + (sel_min + sel_max)·b0 + sel_lt·LT + sel_eq·(1 − lt − gt)`
//! * `c1 = take_a·(a1 − b1) + (sel_min + sel_max)·b1`
//! * `c_k = take_a·(A_k − B_k) + (sel_min + sel_max)·B_k` for `k = 2, 3`, with
//!   `A_k = a_k + w·(sa·(2^16 − 1) − a_k)`, `B_k` likewise
//!
//! Bus: receives `(segment, op, a0..a3, b0..b3, c0..c3)` with `op = sel_lt·(Sltu −
//! signed) + sel_eq·Eq + sel_min·(Minu − 2·signed + 4·w) + sel_max·(Maxu − 2·signed +
//! 4·w)`, multiplicity `count`; sends `d`, `2·ta − 2^16·sa`, `2·tb − 2^16·sb` on RANGE16
//! with multiplicity `is_real`. 4 interactions (3 LogUp columns); constraint degree 3.
//!
//! Soundness (for `p = 2^31 − 2^24 + 1`; each range is an integer range of width `< p`).
//! A row with `count ≠ 0` has `is_real = 1`, so its three lookups hold; the sender's
//! limbs are `< 2^16`. Booleans `lt`, `gt` and `Σ z_k = lt + gt` leave `Σ z_k ∈ {0, 1,
//! 2}`; 2 means `lt = gt = 1` and `D = −2`, out of range, so `z` is one-hot or zero and
//! `x`, `y` are limbs `< 2^16` (or both 0). `D ∈ [−2^16, 2^16)` as an integer, so
//! RANGE16 puts it in `[0, 2^16)`: `lt ⇒ y − x − 1 ≥ 0 ⇒ x < y`, `gt ⇒ x > y`, and with
//! neither, `z = 0`. The limb constraints make every limb above the chosen one equal
//! (with `z = 0`: every compared limb), and `z2 = z3 = 0` on `W` rows. So `lt`/`gt` are
//! the unsigned order of `a`, `b` (64-bit) or of their low 32 bits (`W`): the top
//! differing limb decides it, and `lt = gt = 0` iff the compared values are equal.
//! `ta` equals a trusted limb (`w` boolean), so [`sign16`]'s `2·ta − 2^16·sa ∈ (−2^16,
//! 2^17)` is exact and `sa` is bit 15 of the top limb: the sign of `a` (64-bit) or of its
//! low word (`W`). If the signs differ, so do the top limbs and the unsigned order is the
//! opposite of the signed one, which `±(sa − sb)` flips; so `LT`/`GT` are the signed
//! order when `signed`, else the unsigned one. `take_a` is then boolean and right; the
//! result limbs are `a`'s or `b`'s (trusted), `sa·0xffff`/`sb·0xffff` (the sign
//! extension of the selected low word), or 0 and 1, so `c` is well-formed and equal to
//! [`AluOp::eval`]. `signed` on an `Eq` row changes nothing (`LT + GT = lt + gt`).
//! Padding rows are all zero and satisfy every constraint.
//!
//! [`sign16`]: crate::gadgets::sign16

use super::{assert_ids, constant, count_needs_real, receive, Chip, COUNT};
use crate::bus::{limbs, AluEvent, AluOp};
use crate::bytes::Lookups;
use crate::gadgets::{limb_vals, range16, sign16, sign16_col, to_val};
use crate::Val;
use p3_field::PrimeCharacteristicRing;
use std::cmp::Ordering;
use ziskjit_prover::BusBuilder;

pub const SEL_LT: usize = 1;
pub const SEL_EQ: usize = 2;
pub const SEL_MIN: usize = 3;
pub const SEL_MAX: usize = 4;
pub const SIGNED: usize = 5;
pub const W: usize = 6;
/// `a0..a3`.
pub const A: usize = 7;
/// `b0..b3`.
pub const B: usize = 11;
/// `z0..z3`: the one-hot choice of the compared limb.
pub const Z: usize = 15;
pub const LT: usize = 19;
pub const GT: usize = 20;
pub const D: usize = 21;
/// `ta, sa`: `a`'s top limb and its sign.
pub const SA: usize = 22;
/// `tb, sb`.
pub const SB: usize = 24;
pub const TAKE_A: usize = 26;
/// `c0..c3`.
pub const C: usize = 27;
pub const WIDTH: usize = 31;

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
        let (a, b) = (limbs(e.a), limbs(e.b));
        let compared = if w { 2 } else { 4 };
        let top = (0..compared).rev().find(|&k| a[k] != b[k]);
        let (x, y) = top.map_or((0, 0), |k| (a[k], b[k]));
        let order = x.cmp(&y);
        let d = match order {
            Ordering::Less => y - x - 1,
            Ordering::Greater => x - y - 1,
            Ordering::Equal => 0,
        };
        lookups.range16(d);
        let (ta, tb) = (a[compared - 1], b[compared - 1]);
        let (sa, sb) = (sign16_col(ta, lookups), sign16_col(tb, lookups));
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
            row[SEL_LT + i] = to_val(flag.into());
        }
        row[A..A + 4].copy_from_slice(&limb_vals(e.a));
        row[B..B + 4].copy_from_slice(&limb_vals(e.b));
        if let Some(k) = top {
            row[Z + k] = Val::ONE;
        }
        row[LT] = to_val((order == Ordering::Less).into());
        row[GT] = to_val((order == Ordering::Greater).into());
        row[D] = to_val(d);
        row[SA..SA + 2].copy_from_slice(&[to_val(ta), sa]);
        row[SB..SB + 2].copy_from_slice(&[to_val(tb), sb]);
        row[TAKE_A] = to_val(take_a.into());
        row[C..C + 4].copy_from_slice(&limb_vals(e.c));
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let limbs = |start: usize| -> [AB::Expr; 4] { std::array::from_fn(|i| e(start + i)) };
        let one = AB::Expr::ONE;
        let (sel_lt, sel_eq, sel_min, sel_max) = (e(SEL_LT), e(SEL_EQ), e(SEL_MIN), e(SEL_MAX));
        let (signed, w) = (e(SIGNED), e(W));
        let (a, b, z, c) = (limbs(A), limbs(B), limbs(Z), limbs(C));
        let (lt, gt) = (e(LT), e(GT));
        let is_real = sel_lt.clone() + sel_eq.clone() + sel_min.clone() + sel_max.clone();
        let minmax = sel_min.clone() + sel_max.clone();
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in [&sel_lt, &sel_eq, &sel_min, &sel_max, &signed, &w, &lt, &gt].into_iter().chain(&z) {
            builder.assert_bool(flag.clone());
        }
        builder.assert_zero((sel_lt.clone() + sel_eq.clone()) * w.clone());

        // Which limbs are compared: the top differing one (limbs 0 and 1 for `W`).
        builder.assert_zero(w.clone() * (z[2].clone() + z[3].clone())); // ∈ [0, 2]
        let chosen = z.iter().cloned().fold(AB::Expr::ZERO, |sum, z| sum + z);
        builder.assert_zero(chosen - lt.clone() - gt.clone()); // ∈ [−2, 4]
        let mut at_or_above = AB::Expr::ZERO;
        for j in (0..4).rev() {
            at_or_above += z[j].clone();
            let free = if j >= 2 { w.clone() + at_or_above.clone() } else { at_or_above.clone() };
            // A product is 0 iff a factor is; `a_j − b_j ∈ (−2^16, 2^16)` is 0 mod p iff
            // the limbs are equal.
            builder.assert_zero((one.clone() - free) * (a[j].clone() - b[j].clone()));
        }
        let pick = |v: &[AB::Expr; 4]| -> AB::Expr {
            z.iter().zip(v).fold(AB::Expr::ZERO, |sum, (z, v)| sum + z.clone() * v.clone())
        };
        let (x, y) = (pick(&a), pick(&b));

        // The unsigned three-way comparison of x and y: D ∈ [−2^16, 2^16).
        let d = e(D);
        builder.assert_zero((lt.clone() - gt.clone()) * (y - x) - lt.clone() - gt.clone() - d.clone());
        range16(builder, d, is_real.clone());

        // The signs of the top limbs, and the signed order. `ta`, `tb` are equal (as field
        // elements) to trusted limbs, so they are integers < 2^16 as `sign16` needs:
        // `2·t − 2^16·s ∈ (−2^16, 2^17)`.
        let (ta, sa, tb, sb) = (e(SA), e(SA + 1), e(SB), e(SB + 1));
        builder.assert_zero(ta.clone() - a[3].clone() - w.clone() * (a[1].clone() - a[3].clone()));
        builder.assert_zero(tb.clone() - b[3].clone() - w.clone() * (b[1].clone() - b[3].clone()));
        sign16(builder, ta, sa.clone(), is_real.clone());
        sign16(builder, tb, sb.clone(), is_real);
        let flip = signed.clone() * (sa.clone() - sb.clone());
        let big_lt = lt.clone() + flip.clone();
        let big_gt = gt.clone() - flip;

        // The result.
        let take_a = e(TAKE_A);
        builder.assert_zero(take_a.clone() - sel_min.clone() * big_lt.clone() - sel_max.clone() * big_gt);
        let ones = constant::<AB::Expr>(0xffff);
        let ext = |v: &[AB::Expr; 4], s: &AB::Expr, k: usize| -> AB::Expr {
            if k < 2 {
                v[k].clone()
            } else {
                v[k].clone() + w.clone() * (s.clone() * ones.clone() - v[k].clone())
            }
        };
        // With the flags boolean (module docs), each `value` is one of a_k, b_k,
        // sa·0xffff, sb·0xffff, 0, 1: a limb, so `c` is well-formed without a range check.
        for (k, c_k) in c.iter().enumerate() {
            let (a_k, b_k) = (ext(&a, &sa, k), ext(&b, &sb, k));
            let mut value = take_a.clone() * (a_k - b_k.clone()) + minmax.clone() * b_k;
            if k == 0 {
                value += sel_lt.clone() * big_lt.clone() + sel_eq.clone() * (one.clone() - lt.clone() - gt.clone());
            }
            builder.assert_zero(c_k.clone() - value);
        }

        let four_w = w * constant::<AB::Expr>(4);
        let two_signed = signed.clone() * AB::Expr::TWO;
        let op = sel_lt * (constant::<AB::Expr>(AluOp::Sltu.id()) - signed)
            + sel_eq * constant::<AB::Expr>(AluOp::Eq.id())
            + sel_min * (constant::<AB::Expr>(AluOp::Minu.id()) - two_signed.clone() + four_w.clone())
            + sel_max * (constant::<AB::Expr>(AluOp::Maxu.id()) - two_signed + four_w);
        receive(builder, row[COUNT], op, a, b, c);
    }
}
