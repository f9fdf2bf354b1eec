//! The add/sub table: `Add Sub Addw Subw`.
//!
//! Columns (21):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `is_real` | 1 on event rows, 0 on padding (multiplicity of the lookups) |
//! | `sub` | 1 for `Sub`/`Subw` |
//! | `w` | 1 for the `W` forms |
//! | `a0..a3`, `b0..b3` | the operands' 16-bit limbs, low first (trusted: from the sender) |
//! | `c0..c3` | the result's 16-bit limbs; on `W` rows `c2` holds `2·c1 − 2^16·sign` and `c3` is unused (0) |
//! | `carry0..carry3` | the carry out of each limb |
//! | `sign` | bit 31 of the result (`W` forms; 0 on the others) |
//!
//! The addition is checked as `x + b = z + 2^64·carry3` with `(x, z) = (a, c)` for add
//! and `(c, a)` for sub (`c = a − b ⇔ c + b ≡ a`), one equation per limb `i`, with
//! `dir = 1 − 2·sub` (so `dir·(a_i − c_i) = x_i − z_i`) and `carry_{−1} = 0`:
//!
//! * `E_i = dir·(a_i − c_i) + b_i + carry_{i−1} − 2^16·carry_i = 0` for `i = 0, 1`
//! * `(1 − w)·E_i = 0` for `i = 2, 3`: a `W` form computes the low 32 bits only
//! * `w·(c2 − (2·c1 − 2^16·sign)) = 0`: a `W` form needs no limbs 2 and 3, so `c2`'s
//!   range check is reused to extract the sign (see below)
//! * `is_real, sub, w, carry0..carry3, sign` boolean; `count·(1 − is_real) = 0`
//!
//! Bus: receives `(segment, Add + sub + (Addw − Add)·w, a0..a3, b0..b3, c0, c1,
//! (1 − w)·c2 + w·sign·(2^16 − 1), (1 − w)·c3 + w·sign·(2^16 − 1))` with multiplicity
//! `count`; sends `c0..c3` on RANGE16 with multiplicity `is_real`. 5 interactions (3 LogUp
//! columns); constraint degree 3.
//!
//! Soundness (for `p = 2^31 − 2^24 + 1`; every range below is an integer range of width
//! `< p`, so a constraint that holds mod `p` holds over the integers). A row with
//! `count ≠ 0` has `is_real = 1`, so `c0..c3 ∈ [0, 2^16)`; the sender's `a_i`, `b_i` are
//! limbs `< 2^16`. With `dir = ±1` (`sub` boolean) and boolean carries, each `E_i` lies
//! in `(−2^16, 2^16) + [0, 2^16] − [0, 2^16] = (−2^17, 2^17)`, so `E_i = 0` is the integer
//! equation `x_i + b_i + carry_{i−1} = z_i + 2^16·carry_i`; summing them weighted by
//! `2^(16i)` gives `x + b = z + 2^64·carry3` (64-bit forms), i.e. `c = a ± b mod 2^64`,
//! and the received limbs are `c`'s. (A carry without its boolean constraint would be a
//! free field element making its equation vacuous.) For `W`, only `E_0`, `E_1` hold:
//! `c0 + 2^16·c1 = a ± b mod 2^32` (the high input limbs are ignored, as
//! [`AluOp::eval`] does), and `c2 = 2·c1 − 2^16·sign`, an integer in `(−2^16, 2^17)`
//! equal to a residue in `[0, 2^16)`, forces `sign = c1 >> 15`, bit 31 of the result,
//! so the received limbs 2 and 3 are its sign extension `sign·0xffff`. Padding rows are
//! all zero and satisfy every constraint.

use super::{assert_ids, constant, count_needs_real, receive, Chip, COUNT};
use crate::bus::{limbs, AluEvent, AluOp};
use crate::bytes::Lookups;
use crate::gadgets::{limb_vals, range16, to_val, two16};
use crate::Val;
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::BusBuilder;

pub const IS_REAL: usize = 1;
pub const SUB: usize = 2;
pub const W: usize = 3;
/// `a0..a3`.
pub const A: usize = 4;
/// `b0..b3`.
pub const B: usize = 8;
/// The four 16-bit limbs of `c`, low first (`W`: `c0, c1, 2·c1 − 2^16·sign, 0`).
pub const C: usize = 12;
/// `carry0..carry3`.
pub const CARRY: usize = 16;
pub const SIGN: usize = 20;
pub const WIDTH: usize = 21;

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
        let (b, r) = (limbs(e.b), limbs(result));
        // `x + b = z + 2^64·carry`: x is the result for sub.
        let x = if sub { r } else { limbs(e.a) };
        let mut carry = [0u64; 4];
        let mut carry_in = 0;
        for i in 0..4 {
            carry[i] = (x[i] + b[i] + carry_in) >> 16;
            carry_in = carry[i];
        }
        let sign = if w { r[1] >> 15 } else { 0 };
        let c = if w { [r[0], r[1], 2 * r[1] - (sign << 16), 0] } else { r };
        c.iter().for_each(|&limb| lookups.range16(limb));
        row[IS_REAL] = Val::ONE;
        row[SUB] = to_val(sub.into());
        row[W] = to_val(w.into());
        row[A..A + 4].copy_from_slice(&limb_vals(e.a));
        row[B..B + 4].copy_from_slice(&limb_vals(e.b));
        row[C..C + 4].copy_from_slice(&c.map(to_val));
        row[CARRY..CARRY + 4].copy_from_slice(&carry.map(to_val));
        row[SIGN] = to_val(sign);
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let [is_real, sub, w, sign] = [IS_REAL, SUB, W, SIGN].map(e);
        let a: [AB::Expr; 4] = std::array::from_fn(|i| e(A + i));
        let b: [AB::Expr; 4] = std::array::from_fn(|i| e(B + i));
        let c: [AB::Expr; 4] = std::array::from_fn(|i| e(C + i));
        let carry: [AB::Expr; 4] = std::array::from_fn(|i| e(CARRY + i));
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in [&sub, &w, &sign].into_iter().chain(&carry) {
            builder.assert_bool(flag.clone());
        }
        // c_i ∈ [0, 2^16) (on `W` rows c2 = 2·c1 − 2^16·sign; c3 is unused there, 0 in
        // the witness).
        for limb in &c {
            range16(builder, limb.clone(), is_real.clone());
        }

        // +1 for add, −1 for sub: `dir·(a_i − c_i)` is `x_i − z_i`.
        let dir = AB::Expr::ONE - sub.clone() * AB::Expr::TWO;
        let not_w = AB::Expr::ONE - w.clone();
        for i in 0..4 {
            let carry_in = if i == 0 { AB::Expr::ZERO } else { carry[i - 1].clone() };
            // ∈ (−2^17, 2^17) (module docs).
            let limb = dir.clone() * (a[i].clone() - c[i].clone()) + b[i].clone() + carry_in
                - carry[i].clone() * two16::<AB::Expr>();
            match i {
                0 | 1 => builder.assert_zero(limb),
                _ => builder.assert_zero(not_w.clone() * limb),
            }
        }
        // `c2 − (2·c1 − 2^16·sign)`: c2 ∈ [0, 2^16), 2·c1 − 2^16·sign ∈ (−2^16, 2^17).
        builder.assert_zero(
            w.clone() * (c[2].clone() - c[1].clone() * AB::Expr::TWO + sign.clone() * two16::<AB::Expr>()),
        );

        let op = constant::<AB::Expr>(AluOp::Add.id())
            + sub
            + w.clone() * constant::<AB::Expr>(AluOp::Addw.id() - AluOp::Add.id());
        let ext = w * sign * constant::<AB::Expr>(0xffff);
        let [c0, c1, c2, c3] = c;
        let c = [c0, c1, not_w.clone() * c2 + ext.clone(), not_w * c3 + ext];
        receive(builder, row[COUNT], op, a, b, c);
    }
}
