//! The shift table: `Sll Srl Sra Sllw Srlw Sraw` on 16-bit limbs (`PORT31.md` §2.10).
//!
//! A shift by `sh = 16·k + s` (`s < 16`) is a move by `k` whole limbs, then a shift by
//! `s` inside the limbs. The row first writes the *moved* limbs `m_0..m_3` (each one
//! input limb, 0, or the sign fill `0xffff`), then splits each at bit `t`:
//! `m_j = lower_j + M·higher_j` with `M = 2^t`, `lower_j < M`, `higher_j < M̄ = 2^(16−t)`.
//! * left (`t = 16 − s`, so `M̄ = 2^s`): `m = a << 16k` and
//!   `c_j = M̄·lower_j + higher_(j−1)`;
//! * right (`t = s`, so `M = 2^s`): `m = a >> 16k` (limbs past the top are the fill
//!   `F·0xffff`, `F` the sign for `Sra`, else 0) and `c_j = higher_j + M̄·lower_(j+1)`,
//!   where the virtual `m_4 = F·0xffff` has `M̄·lower_4 = F·(2^16 − M̄)`.
//!
//! Each output limb is a sum of two disjoint pieces (`M̄·lower_j < 2^16` is a multiple of
//! `M̄`, the other piece is below `M̄`), so it is an exact 16-bit limb: no carry, no range
//! check. The `W` forms shift the 32-bit value `(a_0, a_1)` by `b mod 32` (`k ≤ 1`) and
//! sign-extend the 32-bit result: their moved limbs 2 and 3 are 0 (left) or the fill
//! `F·0xffff` of `sext32(a)` (right), the left shift's spill into `c_2` is dropped, and
//! `c_2 = c_3 = sign·0xffff`.
//!
//! Columns (41):
//!
//! | column | meaning |
//! |---|---|
//! | `count` | multiplicity on the ALU bus |
//! | `sll sra` | the direction (`srl = is_real − sll − sra`, `right = is_real − sll`) |
//! | `g0..g3` | one-hot: a 64-bit shift moving by `k` limbs |
//! | `gw0 gw1` | one-hot: a `W` shift moving by `k` limbs (`w = gw0 + gw1`) |
//! | `a0..a3 b0..b3` | the operands (`b1..b3` only for the tuple) |
//! | `c0..c3` | the result |
//! | `β0..β5`, `q` | `b0 = Σ 2^i·βi + 64·q` |
//! | `p1` | `2^(s mod 8)` |
//! | `M`, `M̄` | `2^t` and `2^(16−t)` |
//! | `lower0..3`, `higher0..3` | the pieces of the moved limbs |
//! | `top` | the limb whose sign is `sign`: `a3` (64-bit), `a1` (`Sraw`), `c1` (`Sllw Srlw`) |
//! | `sign` | bit 15 of `top` |
//!
//! `is_real = Σ g + Σ gw` (one-hot or zero), `pow = p1·(1 + 255·β3)`, `F = sra·sign`.
//! Constraints, with the integer range of each equation for `p = 2^31 − 2^24 + 1`:
//!
//! * `sll sra srl is_real β0..β5 g0..g3 gw0 gw1` boolean; `count·(1 − is_real) = 0`
//! * `b0 = Σ 2^i·βi + 64·q`, RANGE16(q): both sides in `[0, 2^22)`
//! * `g1 + 2·g2 + 3·g3 + gw1 = β4 + 2·β5·(1 − w)`: both sides in `[0, 3]`
//! * `p1 = (1 + β0)(1 + 3·β1)(1 + 15·β2)`, `sll·(M̄ − pow) + right·(M − pow) = 0`,
//!   `M·M̄ = 2^16`: identities of field elements, which fix `pow = 2^s` and `M`, `M̄`
//!   (the side that is not `pow` is `2^16·pow⁻¹ = 2^(16−s)`)
//! * `m_j = lower_j + M·higher_j` with bound(lower_j, M), bound(higher_j, M̄) (four
//!   RANGE16 each): `m_j ∈ [0, 2^16)`, the right side in `[0, M + M·(M̄ − 1)) = [0, 2^16)`
//! * `c_j = sll·(M̄·lower_j + higher_(j−1)) + right·(higher_j + M̄·lower_(j+1))`, with
//!   `higher_1`'s term in `c_2` multiplied by `1 − w`, `+ sra·sign·(2^16 − M̄)` in `c_3`
//!   (the fill's piece `M̄·lower_4`) and `+ w·(1 − sra)·sign·0xffff` in `c_2`, `c_3`: the
//!   right side is in `[0, 2^16)` (see below), and it defines `c_j`
//! * `top = a3 + w·(c1 − a3) + w·sra·(a1 − c1)`, sign16(top, sign):
//!   `2·top − 2^16·sign ∈ (−2^16, 2^17)`
//!
//! where `m_j = sll·(Σ_{k≤j} g_k·a_(j−k) + [j ≤ 1]·Σ_{k≤j} gw_k·a_(j−k))
//! + right·(Σ_{j+k≤3} g_k·a_(j+k) + Σ_{j+k≤1} gw_k·a_(j+k))
//! + F·0xffff·(Σ_{j+k≥4} g_k + Σ_{j+k≥2} gw_k)`. All constraints have degree ≤ 3.
//!
//! Bus: receives `(segment, Sll·sll + Srl·srl + Sra·sra + (Sllw − Sll)·w, a, b, c)` with
//! multiplicity `count`; sends on RANGE16 `q`, the 16 lookups of the pieces' bounds and
//! `2·top − 2^16·sign` with multiplicity `is_real`. 19 interactions, all with degree-1
//! tuples (10 LogUp batches).
//!
//! Soundness (on a row with `is_real = 1`; the bus limbs `a_i`, `b_0` are trusted,
//! `< 2^16`):
//! * amount: `q < 2^16` makes the decomposition of `b0` an integer equation, so
//!   `β0..β5` are the low six bits of `b` and `q` the rest of `b0`. The booleans make
//!   exactly one of `g`, `gw` 1 and `sll + sra ≤ 1`; the op in the tuple then fixes the
//!   direction and `w`. The move equation makes `k = β4 + 2β5` (64-bit) or `β4` (`W`),
//!   so `sh = 16k + s` is `b mod 64` or `b mod 32`.
//! * powers: `pow` is the field element `2^s`, so `M̄ = 2^s` (left) or `M = 2^s` (right),
//!   and `M·M̄ = 2^16` makes the other `2^(16−s)`: integers in `[1, 2^16]`.
//! * pieces: the flags select one term of `m_j`, so its value is an input limb, 0 or
//!   `0xffff` (`F` is boolean): an integer below `2^16`. With `lower_j < M` and
//!   `higher_j < M̄` proven (gadgets::bound: exact), the split is an integer equation, and
//!   the pieces are the true `m_j mod M` and `m_j div M`.
//! * sign: `top` is `a3` (`Sll Srl Sra`), `a1` (`Sraw`) or `c1` (`Sllw Srlw`), an
//!   integer below `2^16` (`c1` by the next point), so `sign` is its bit 15
//!   (gadgets::sign16). `Sraw` takes the fill from `a1` itself: the sign of `c1` would
//!   not do, as `c1`'s top bits *are* the fill when the amount is not 0, so either fill
//!   would be consistent with it.
//!   `Sllw`/`Srlw` take it from `c1` after the fact (`F = 0` for them).
//! * result: for each op the right side of `c_j` is the sum of two pieces that do not
//!   overlap, `M̄·lower < M̄·M = 2^16` (a multiple of `M̄`) and a value `< M̄`, i.e. the
//!   limb of the shift identities of the first paragraph. `W` rows: the left shift's
//!   moved limbs 2 and 3 are 0 and its spill is dropped, the right shift's moved limbs
//!   past limb 1 are the fill, and both get `sign·0xffff` in `c_2`, `c_3` unless `sra`,
//!   where the fill pieces already sum to `F·0xffff`. So `c` is the true, well-formed
//!   result.
//!
//! Against `PORT31.md` §3 (41 columns, 19 interactions): `pow` is an expression instead
//! of a column, and the column `top` keeps the sign lookup's tuple of degree 1 (an
//! expression choosing among `a3`, `a1`, `c1` has degree 3); `w` and `srl` are sums of
//! flags, and `gw0 gw1` take the place of `srl w`. Moving the limbs before the split (by
//! one-hot flags times trusted limbs) rather than moving the shifted pieces keeps every
//! constraint of degree ≤ 3: a move of the pieces would multiply a direction, a move
//! flag, a piece and `M̄`.
//!
//! Padding rows are zero except `p1 = 1`, `M = 1`, `M̄ = 2^16` (the power constraints are
//! not gated).

use super::{assert_ids, constant, count_needs_real, receive, Chip, COUNT};
use crate::bus::{limbs, AluEvent, AluOp};
use crate::bytes::Lookups;
use crate::gadgets::{bound, range16, sign16, sign16_col, to_val, two16};
use crate::Val;
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::BusBuilder;

pub const SLL: usize = 1;
pub const SRA: usize = 2;
/// `g0..g3`: a 64-bit shift's limb move.
pub const G: usize = 3;
/// `gw0, gw1`: a `W` shift's limb move.
pub const GW: usize = 7;
/// `a0..a3`.
pub const A: usize = 9;
/// `b0..b3`.
pub const B: usize = 13;
/// `c0..c3`.
pub const C: usize = 17;
/// `β0..β5`, the low 6 bits of `b`.
pub const BITS: usize = 21;
/// `q = b0 >> 6`.
pub const Q: usize = 27;
pub const P1: usize = 28;
/// `M = 2^t`.
pub const M: usize = 29;
/// `M̄ = 2^(16−t)`.
pub const MBAR: usize = 30;
/// `lower0..lower3`.
pub const LOWER: usize = 31;
/// `higher0..higher3`.
pub const HIGHER: usize = 35;
/// `top`, the limb whose bit 15 is `sign`.
pub const TOP: usize = 39;
pub const SIGN: usize = 40;
pub const WIDTH: usize = 41;

// The op id is `Sll·sll + Srl·srl + Sra·sra + (Sllw − Sll)·w`.
const _: () = assert_ids(&[AluOp::Sll, AluOp::Srl, AluOp::Sra], 1);
const _: () = assert_ids(&[AluOp::Sllw, AluOp::Srlw, AluOp::Sraw], 1);

/// `0xffff`, the fill limb.
const ONES16: u64 = 0xffff;

pub(super) struct Shift;

/// The moved limbs `m_0..m_3` of a shift of the limbs `a` by `k` whole limbs (see the
/// module docs): `width` is 4 or 2 (`W`) limbs, `fill` the limb shifted in from above by
/// a right shift.
fn moved(a: [u64; 4], k: usize, left: bool, width: usize, fill: u64) -> [u64; 4] {
    std::array::from_fn(|j| match left {
        true if j < width && j >= k => a[j - k],
        true => 0,
        false if j + k < width => a[j + k],
        false => fill,
    })
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
        let (a, b, c) = (limbs(e.a), limbs(e.b), limbs(e.c));
        let b0 = b[0];
        let s = (b0 & 15) as u32;
        let k = ((b0 >> 4) & if w { 1 } else { 3 }) as usize;
        // `M = 2^t`: the split point of each moved limb.
        let t = if left { 16 - s } else { s };
        let top = if !w {
            a[3]
        } else if arith {
            a[1]
        } else {
            c[1]
        };
        let sign = top >> 15;
        let fill = if arith { sign * ONES16 } else { 0 };

        row[SLL] = to_val(left.into());
        row[SRA] = to_val(arith.into());
        row[if w { GW } else { G } + k] = Val::ONE;
        row[A..A + 4].copy_from_slice(&a.map(to_val));
        row[B..B + 4].copy_from_slice(&b.map(to_val));
        row[C..C + 4].copy_from_slice(&c.map(to_val));
        for i in 0..6 {
            row[BITS + i] = to_val((b0 >> i) & 1);
        }
        lookups.range16(b0 >> 6);
        row[Q] = to_val(b0 >> 6);
        row[P1] = to_val(1 << (s & 7));
        row[M] = to_val(1 << t);
        row[MBAR] = to_val(1 << (16 - t));
        let m = moved(a, k, left, if w { 2 } else { 4 }, fill);
        for (j, m) in m.into_iter().enumerate() {
            let (lower, higher) = (m & ((1 << t) - 1), m >> t);
            lookups.bound(lower, t);
            lookups.bound(higher, 16 - t);
            row[LOWER + j] = to_val(lower);
            row[HIGHER + j] = to_val(higher);
        }
        row[TOP] = to_val(top);
        row[SIGN] = sign16_col(top, lookups);
    }

    fn padding(row: &mut [Val]) {
        row[P1] = Val::ONE;
        row[M] = Val::ONE;
        row[MBAR] = two16();
    }

    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]) {
        let e = |i: usize| -> AB::Expr { row[i].into() };
        let one = AB::Expr::ONE;
        let g: Vec<AB::Expr> = (0..4).map(|k| e(G + k)).collect();
        let gw: Vec<AB::Expr> = (0..2).map(|k| e(GW + k)).collect();
        let is_real = g.iter().chain(&gw).fold(AB::Expr::ZERO, |acc, x| acc + x.clone());
        let w = gw[0].clone() + gw[1].clone();
        let (sll, sra) = (e(SLL), e(SRA));
        let right = is_real.clone() - sll.clone();
        let srl = right.clone() - sra.clone();
        count_needs_real(builder, row[COUNT], is_real.clone());
        for flag in g.iter().chain(&gw).chain([&sll, &sra, &srl]) {
            builder.assert_bool(flag.clone());
        }

        // The amount: `b0 = Σ 2^i·βi + 64·q` (both sides in [0, 2^22)), `k` by the move.
        let bits: Vec<AB::Expr> = (0..6).map(|i| e(BITS + i)).collect();
        for bit in &bits {
            builder.assert_bool(bit.clone());
        }
        let low = bits.iter().rev().fold(AB::Expr::ZERO, |acc, bit| acc * AB::Expr::TWO + bit.clone());
        range16(builder, e(Q), is_real.clone());
        builder.assert_zero(e(B) - low - e(Q) * constant::<AB::Expr>(64));
        // Both sides in [0, 3].
        let k = g[1].clone() + g[2].clone() * AB::Expr::TWO + g[3].clone() * constant::<AB::Expr>(3) + gw[1].clone();
        builder.assert_zero(k - bits[4].clone() - bits[5].clone() * AB::Expr::TWO * (one.clone() - w.clone()));

        // The powers: `1 + (2^(2^i) − 1)·βi` is `2^(2^i)` or 1; `pow = 2^s`.
        let factor = |i: usize| one.clone() + bits[i].clone() * constant::<AB::Expr>((1 << (1 << i)) - 1);
        let (p1, m, mbar) = (e(P1), e(M), e(MBAR));
        builder.assert_zero(p1.clone() - factor(0) * factor(1) * factor(2));
        let pow = p1 * factor(3);
        builder.assert_zero(sll.clone() * (mbar.clone() - pow.clone()) + right.clone() * (m.clone() - pow));
        builder.assert_zero(m.clone() * mbar.clone() - two16::<AB::Expr>());

        // The sign of `top`: `a3`, `a1` (`Sraw`) or `c1` (`Sllw Srlw`); `F = sra·sign`.
        let a: [AB::Expr; 4] = std::array::from_fn(|i| e(A + i));
        let c: [AB::Expr; 4] = std::array::from_fn(|i| e(C + i));
        let (top, sign) = (e(TOP), e(SIGN));
        builder.assert_zero(
            top.clone()
                - a[3].clone()
                - w.clone() * (c[1].clone() - a[3].clone())
                - w.clone() * sra.clone() * (a[1].clone() - c[1].clone()),
        );
        sign16(builder, top, sign.clone(), is_real.clone());
        let fill = sra.clone() * sign.clone();
        let ones = constant::<AB::Expr>(ONES16);

        // The moved limbs, split at `M`: `m_j ∈ [0, 2^16)` and
        // `lower_j + M·higher_j ∈ [0, 2^16)` by the bounds.
        let lower: Vec<AB::Expr> = (0..4).map(|j| e(LOWER + j)).collect();
        let higher: Vec<AB::Expr> = (0..4).map(|j| e(HIGHER + j)).collect();
        for j in 0..4 {
            let mut moved_left = AB::Expr::ZERO;
            let mut moved_right = AB::Expr::ZERO;
            let mut filled = AB::Expr::ZERO;
            for (k, moves) in g.iter().chain(&gw).enumerate() {
                let (k, width) = if k < 4 { (k, 4) } else { (k - 4, 2) };
                if j < width && k <= j {
                    moved_left += moves.clone() * a[j - k].clone();
                }
                if j + k < width {
                    moved_right += moves.clone() * a[j + k].clone();
                } else {
                    filled += moves.clone();
                }
            }
            let moved = sll.clone() * moved_left + right.clone() * moved_right + fill.clone() * ones.clone() * filled;
            builder.assert_zero(moved - lower[j].clone() - m.clone() * higher[j].clone());
            bound(builder, lower[j].clone(), m.clone(), is_real.clone());
            bound(builder, higher[j].clone(), mbar.clone(), is_real.clone());
        }

        // The result: disjoint pieces, each side in [0, 2^16).
        let extended = w.clone() * (one.clone() - sra.clone()) * sign * ones;
        for j in 0..4 {
            let mut from_left = mbar.clone() * lower[j].clone();
            if j == 2 {
                from_left += (one.clone() - w.clone()) * higher[1].clone();
            } else if j > 0 {
                from_left += higher[j - 1].clone();
            }
            let mut from_right = higher[j].clone();
            let mut rest = AB::Expr::ZERO;
            if j < 3 {
                from_right += mbar.clone() * lower[j + 1].clone();
            } else {
                rest += fill.clone() * (two16::<AB::Expr>() - mbar.clone());
            }
            if j >= 2 {
                rest += extended.clone();
            }
            builder.assert_zero(c[j].clone() - sll.clone() * from_left - right.clone() * from_right - rest);
        }

        let op = sll * constant::<AB::Expr>(AluOp::Sll.id())
            + srl * constant::<AB::Expr>(AluOp::Srl.id())
            + sra * constant::<AB::Expr>(AluOp::Sra.id())
            + w * constant::<AB::Expr>(AluOp::Sllw.id() - AluOp::Sll.id());
        receive(builder, row[COUNT], op, a, std::array::from_fn(|i| e(B + i)), c);
    }
}
