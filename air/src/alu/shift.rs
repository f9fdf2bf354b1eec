//! The shift table: `Sll Srl Sra Sllw Srlw Sraw`, as multiplications by powers of two.
//!
//! A shift by `sh = 32·β5 + s` (`s < 32`) is a shift by `s` inside the limbs, then a
//! move by one limb if `β5` (not for `W`, where `sh = s`). Both directions multiply each
//! input limb by `m = 2^e` and split the product into 32-bit halves:
//! `a_lo·m = X_lo + 2^32·X_hi`, `a_hi·m = Y_lo + 2^32·Y_hi`. A left shift uses `e = s`:
//! `a << s = (X_lo, X_hi + Y_lo)`. A right shift uses `e = 32 − s`, i.e. looks at
//! `a·2^(32−s) >> 32`: `a >> s = (X_hi + Y_lo, Y_hi)`; `Sra` adds the sign fill
//! `sign·(2^32 − m)` to the top limb. (`X_hi + Y_lo` never carries: one of them is below
//! `2^e` or `m`, the other a multiple of it.)
//!
//! Columns (37):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `sll srl sra` | the direction; their sum `is_real`; `right = srl + sra` |
//! | `w` | `W` form |
//! | `a_lo a_hi b_lo b_hi` | the operands |
//! | `β0..β5`, `q u` | `b_lo = Σ 2^i·βi + 64·q + 2^16·u` |
//! | `p1`, `pow` | `2^(s mod 8)` and `2^s` |
//! | `m` | `2^s` (left) or `2^(32−s)` (right) |
//! | `x0 x1 x2 x3`, `y0 y1 y2 y3` | 16-bit halves of `X_lo, X_hi` and `Y_lo, Y_hi` |
//! | `gx gy` | the product splits' guards (see below) |
//! | `sign sg0 sg1` | bit 31 of `t` (below) and the halves of its check |
//! | `r` | the right-shifted top limb: `(w ? X_hi : Y_hi) + sra·sign·(2^32 − m)` |
//! | `lsh` | `β5·(1 − w)`: move by one limb |
//! | `c_lo c_hi` | the result |
//!
//! Constraints (`M = 2^32 − 1`, `mid = X_hi + Y_lo`):
//!
//! * `sll srl sra is_real w β0..β5` boolean, `count·(1 − is_real) = 0`
//! * `b_lo = Σ 2^i·βi + 64·q + 2^16·u`, `q`, `u` range-checked
//! * `p1 = (1 + β0)(1 + 3·β1)(1 + 15·β2)`, `pow = p1·(1 + 255·β3)(1 + 65535·β4)`
//! * `sll·(m − pow) + right·(m·pow − 2^32) = 0`
//! * `a_lo·m = X_lo + 2^32·X_hi`, `a_hi·m = Y_lo + 2^32·Y_hi` (halves range-checked)
//! * `X_lo·(1 − (X_hi − M)·gx) = 0`, `Y_lo·(1 − (Y_hi − M)·gy) = 0`
//! * `2·t − 2^32·sign = sg0 + 2^16·sg1` (range-checked) with `t = a_hi + w·(T − a_hi)`,
//!   `T = sll·X_lo + srl·X_hi + sra·a_lo`: the sign of `a_hi` for `Sra`, of the 32-bit
//!   result for `Sllw`/`Srlw`, of `a_lo` (and so of the result) for `Sraw`
//! * `r = Y_hi + w·(X_hi − Y_hi) + sra·sign·(2^32 − m)`, `lsh = β5·(1 − w)`
//! * `c_lo = sll·X_lo·(1 − lsh) + right·(r·(w + lsh) + mid·(1 − w − lsh))`
//! * `c_hi = w·sign·M + (1 − w − lsh)·(sll·mid + right·r) + lsh·(sll·X_lo + sra·sign·M)`
//!
//! Bus: receives `(Sll·sll + Srl·srl + Sra·sra + (Sllw − Sll)·w, a, b, c)` with
//! multiplicity `count`; sends `q u x0..x3 y0..y3 sg0 sg1` on RANGE16 with multiplicity
//! `is_real`. 13 interactions.
//!
//! Soundness:
//! * shift amount: `b_lo < 2^32` and the right side is an integer `< 2^33 ≪ p`, so the
//!   decomposition holds over the integers and `Σ 2^i·βi = b_lo mod 64` (`64·q + 2^16·u`
//!   is a multiple of 64; `q`, `u` need not be unique). So `pow = 2^s`, and `m` is `2^s`
//!   or the unique field element with `m·2^s = 2^32`, i.e. `2^(32−s)`.
//! * products: `a_lo·m ≤ (2^32 − 1)·2^32 = p − 1`, an integer below `p`. A split
//!   `X_lo + 2^32·X_hi` with both halves `< 2^32` is an integer `< 2^64`: it equals the
//!   product unless it is the product plus `p`, which needs `X_hi = 2^32 − 1` and
//!   `X_lo ≥ 1`. The true split never has both (it would exceed `p − 1`), and the guard
//!   rules them out (`X_hi = M` forces `X_lo = 0`; otherwise `gx = 1/(X_hi − M)`). Without
//!   it, `a_lo = 1, s = 0` could claim `X = (2, 2^32 − 1)`. So `X_lo`, `X_hi`, `Y_lo`,
//!   `Y_hi` are the true halves.
//! * `sign`: bit 31 of `t < 2^32` (see `sign_bit`).
//! * result: every case of the formulas above is one of the shift identities in the
//!   first paragraph (by `lsh`, `w` and the direction), all sums of true halves that do
//!   not carry, so `c` is the true, well-formed result.
//!
//! Padding rows are zero except `p1 = pow = 1` (the power constraints are not gated).

use super::{
    assert_ids, constant, count_needs_real, limb16, limb16_cols, receive, sign_bit, sign_cols, two32, val, Chip, COUNT,
    ONES32,
};
use crate::bus::{limbs, AluEvent, AluOp, RANGE16};
use crate::bytes::Lookups;
use crate::gadgets::two16;
use p3_field::{Field, PrimeCharacteristicRing};
use ziskjit_prover::{BusBuilder, Val};

pub const SLL: usize = 1;
pub const SRL: usize = 2;
pub const SRA: usize = 3;
pub const W: usize = 4;
/// `a_lo, a_hi`.
pub const A: usize = 5;
/// `b_lo, b_hi`.
pub const B: usize = 7;
/// `β0..β5`, the low 6 bits of `b`.
pub const BITS: usize = 9;
/// `q, u`: the rest of `b_lo`.
pub const REST: usize = 15;
pub const P1: usize = 17;
pub const POW: usize = 18;
pub const MUL: usize = 19;
/// The halves of `X_lo`, then of `X_hi`.
pub const X: usize = 20;
/// The halves of `Y_lo`, then of `Y_hi`.
pub const Y: usize = 24;
/// `gx, gy`.
pub const GUARD: usize = 28;
/// `sign, sg0, sg1`.
pub const SIGN: usize = 30;
pub const R: usize = 33;
pub const LSH: usize = 34;
/// `c_lo, c_hi`.
pub const C: usize = 35;
pub const WIDTH: usize = 37;

// The op id is `Sll·sll + Srl·srl + Sra·sra + (Sllw − Sll)·w`.
const _: () = assert_ids(&[AluOp::Sll, AluOp::Srl, AluOp::Sra], 1);
const _: () = assert_ids(&[AluOp::Sllw, AluOp::Srlw, AluOp::Sraw], 1);

pub(super) struct Shift;

/// The split of a product `< p` into 32-bit halves, as field elements, with its guard.
fn split(product: u64, lookups: &mut Lookups) -> ([Val; 4], Val) {
    let [lo, hi] = limbs(product);
    let [h0, h1] = limb16_cols(lo, lookups);
    let [h2, h3] = limb16_cols(hi, lookups);
    let guard = (val(hi) - val(ONES32)).try_inverse().unwrap_or(Val::ZERO);
    ([h0, h1, h2, h3], guard)
}

impl Chip for Shift {
    const NAME: &'static str = "shift";
    const WIDTH: usize = WIDTH;

    fn handles(op: AluOp) -> bool {
        use AluOp::*;
        matches!(op, Sll | Srl | Sra | Sllw | Srlw | Sraw)
    }

    fn fill(e: &AluEvent, row: &mut [Val], lookups: &mut Lookups) {
        use AluOp::*;
        let (left, arith, w) = match e.op {
            Sll => (true, false, false),
            Srl => (false, false, false),
            Sra => (false, true, false),
            Sllw => (true, false, true),
            Srlw => (false, false, true),
            _ => (false, true, true),
        };
        let ([a_lo, a_hi], [b_lo, b_hi], [c_lo, c_hi]) = (limbs(e.a), limbs(e.b), limbs(e.c));
        let s = b_lo & 31;
        let m = if left { 1 << s } else { 1 << (32 - s) };
        let (x, y) = (a_lo * m, a_hi * m);
        let ([x_lo, x_hi], y_hi) = (limbs(x), y >> 32);
        let t = match (w, left, arith) {
            (false, ..) => a_hi,
            (true, true, _) => x_lo,
            (true, false, false) => x_hi,
            (true, false, true) => a_lo,
        };
        let sign = t >> 31;
        let r = if w { x_hi } else { y_hi } + if arith { sign * ((1 << 32) - m) } else { 0 };

        row[if left {
            SLL
        } else if arith {
            SRA
        } else {
            SRL
        }] = Val::ONE;
        row[W] = val(w.into());
        row[A..A + 4].copy_from_slice(&[a_lo, a_hi, b_lo, b_hi].map(val));
        for i in 0..6 {
            row[BITS + i] = val((b_lo >> i) & 1);
        }
        let (q, u) = ((b_lo >> 6) & 0x3ff, b_lo >> 16);
        lookups.range16(q);
        lookups.range16(u);
        row[REST] = val(q);
        row[REST + 1] = val(u);
        row[P1] = val(1 << (s & 7));
        row[POW] = val(1 << s);
        row[MUL] = val(m);
        let (x_cols, gx) = split(x, lookups);
        let (y_cols, gy) = split(y, lookups);
        row[X..X + 4].copy_from_slice(&x_cols);
        row[Y..Y + 4].copy_from_slice(&y_cols);
        row[GUARD] = gx;
        row[GUARD + 1] = gy;
        row[SIGN..SIGN + 3].copy_from_slice(&sign_cols(t, lookups));
        row[R] = val(r);
        row[LSH] = val(u64::from(!w) * ((b_lo >> 5) & 1));
        row[C] = val(c_lo);
        row[C + 1] = val(c_hi);
    }

    fn padding(row: &mut [Val]) {
        row[P1] = Val::ONE;
        row[POW] = Val::ONE;
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let one = AB::Expr::ONE;
        let (sll, srl, sra, w) = (e(SLL), e(SRL), e(SRA), e(W));
        let is_real = sll.clone() + srl.clone() + sra.clone();
        let right = srl.clone() + sra.clone();
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in [&sll, &srl, &sra, &w] {
            builder.assert_bool(flag.clone());
        }

        // The shift amount and its powers.
        let bits: Vec<AB::Expr> = (0..6).map(|i| e(BITS + i)).collect();
        for bit in &bits {
            builder.assert_bool(bit.clone());
        }
        let low = bits.iter().rev().fold(AB::Expr::ZERO, |acc, bit| acc * AB::Expr::TWO + bit.clone());
        builder.send(RANGE16, [row[REST]], is_real.clone());
        builder.send(RANGE16, [row[REST + 1]], is_real.clone());
        builder.assert_zero(e(B) - low - e(REST) * constant::<AB::Expr>(64) - e(REST + 1) * two16::<AB::Expr>());
        // `1 + (2^(2^i) − 1)·βi` is `2^(2^i)` or 1.
        let factor = |i: usize| one.clone() + bits[i].clone() * constant::<AB::Expr>((1 << (1 << i)) - 1);
        let (p1, pow, m) = (e(P1), e(POW), e(MUL));
        builder.assert_zero(p1.clone() - factor(0) * factor(1) * factor(2));
        builder.assert_zero(pow.clone() - p1 * factor(3) * factor(4));
        builder.assert_zero(
            sll.clone() * (m.clone() - pow.clone()) + right.clone() * (m.clone() * pow - two32::<AB::Expr>()),
        );

        // The products' halves.
        let x_lo = limb16(builder, &row[X..X + 2], is_real.clone());
        let x_hi = limb16(builder, &row[X + 2..X + 4], is_real.clone());
        let y_lo = limb16(builder, &row[Y..Y + 2], is_real.clone());
        let y_hi = limb16(builder, &row[Y + 2..Y + 4], is_real.clone());
        let ones = constant::<AB::Expr>(ONES32);
        for (input, lo, hi, guard) in [(A, &x_lo, &x_hi, GUARD), (A + 1, &y_lo, &y_hi, GUARD + 1)] {
            builder.assert_zero(e(input) * m.clone() - lo.clone() - hi.clone() * two32::<AB::Expr>());
            builder.assert_zero(lo.clone() * (one.clone() - (hi.clone() - ones.clone()) * e(guard)));
        }

        // The sign, the right-shifted top limb, the result.
        let (a_lo, a_hi) = (e(A), e(A + 1));
        let top32 = sll.clone() * x_lo.clone() + srl.clone() * x_hi.clone() + sra.clone() * a_lo.clone();
        let t = a_hi.clone() + w.clone() * (top32 - a_hi.clone());
        sign_bit(builder, t, &row[SIGN..SIGN + 3], is_real);
        let sign = e(SIGN);
        let r = e(R);
        builder.assert_zero(
            r.clone()
                - y_hi.clone()
                - w.clone() * (x_hi.clone() - y_hi)
                - sra.clone() * sign.clone() * (two32::<AB::Expr>() - m),
        );
        let lsh = e(LSH);
        builder.assert_zero(lsh.clone() - bits[5].clone() * (one.clone() - w.clone()));
        let in_limb = one - w.clone() - lsh.clone();
        let mid = x_hi + y_lo;
        let (c_lo, c_hi) = (e(C), e(C + 1));
        builder.assert_zero(
            c_lo.clone()
                - sll.clone() * x_lo.clone() * (AB::Expr::ONE - lsh.clone())
                - right.clone() * (r.clone() * (w.clone() + lsh.clone()) + mid.clone() * in_limb.clone()),
        );
        builder.assert_zero(
            c_hi.clone()
                - w.clone() * sign.clone() * ones.clone()
                - in_limb * (sll.clone() * mid + right * r)
                - lsh * (sll.clone() * x_lo + sra.clone() * sign * ones),
        );

        let op = sll * constant::<AB::Expr>(AluOp::Sll.id())
            + srl * constant::<AB::Expr>(AluOp::Srl.id())
            + sra * constant::<AB::Expr>(AluOp::Sra.id())
            + w * constant::<AB::Expr>(AluOp::Sllw.id() - AluOp::Sll.id());
        receive(builder, row[COUNT], op, [a_lo, a_hi], [e(B), e(B + 1)], [c_lo, c_hi]);
    }
}
