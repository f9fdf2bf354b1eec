//! The mul/div tables: the M extension, received from the [`ALU`](crate::bus::ALU) bus.
//!
//! Two tables, one row per event, each receiving `(segment, op, a0..a3, b0..b3, c0..c3)`
//! (16-bit limbs, `PORT31.md` §2.2) with multiplicity `is_real` (0 or 1: one row per
//! event, no deduplication):
//!
//! | table | ops | columns | constraints | interactions per row |
//! |---|---|---:|---:|---:|
//! | [`MulDivTable::Mul`] ([`mul`]) | `Mul Mulh Mulhsu Mulhu Mulw` | 48 | 17 | 25 (1 ALU, 8 RANGE16, 16 BYTE_PAIR) |
//! | [`MulDivTable::Div`] ([`div`]) | `Div Divu Rem Remu Divw Divuw Remw Remuw` | 61 | 41 | 26 (1 ALU, 9 RANGE16, 16 BYTE_PAIR) |
//!
//! Splitting pays: a division row needs a remainder, a comparison `|r| < |b|` and the
//! division-by-zero gadget (13 more columns, 1 more interaction) that multiplications,
//! usually far more frequent, would otherwise carry.
//!
//! Both tables are built on one gadget ([`product`]): `X·Y + Z ≡ P (mod 2^128)` with the
//! multiplicands `X`, `Y` as bytes (every product of two data values is byte × byte,
//! `PORT31.md` §2.7) sign- or zero-extended to 16 bytes, `Z` and `P` as 16-bit digits,
//! checked as eight 16-bit digit equations with carries in one BYTE_PAIR lookup each.
//! The mul table reads `X = a`, `Y = b`, `Z = 0` and takes its result from `P`; the div
//! table reads `X = q`, `Y = b`, `Z = r`, `P = a` (truncated signed division is
//! `a = b·q + r` with `|r| < |b|` and `r` zero or of the sign of `a`).
//!
//! Each table's row is written once, generically over the ring (`RowSink`): the AIR
//! evaluates it over the builder's expressions, the witness generator over field values
//! to report exactly the lookups the AIR sends. Every bus these tables use (ALU, RANGE16,
//! BYTE_PAIR) is local: the AIR side sends and receives through
//! [`segment::send`]/[`segment::receive`], which put the segment number in front.
//!
//! # Limbs, bytes and signs
//!
//! Every limb a table creates is range-checked: 16-bit limbs by RANGE16, bytes in pairs
//! by BYTE_PAIR. The multiplicands' byte pairs also bind the bus limbs
//! `v_i = x_2i + 2^8·x_2i+1` (`< 2^16`, exact). Inputs `a`, `b` are well-formed (the
//! senders' guarantee, limbs `< 2^16`), so the sign of a trusted top limb
//! `t = x_6 + 2^8·x_7` costs no lookup of its own (`PORT31.md` §2.4, byte form): its pair
//! checks `(x_6, x_7 + 2^7·signed − 2^8·s)` with `s` boolean. Then
//! `t = x_6 + 2^8·x'_7 − 2^15 + 2^16·s` is an integer equation (the right side lies in
//! `[−2^15, 2^17)`), so `s = 0` forces `t < 2^15` and `s = 1` forces `t ≥ 2^15`: `s` is
//! bit 15 of `t`, and `x_7 = (t − x_6)/2^8` is a byte either way. A trusted 16-bit limb
//! held as one column takes `2t − 2^16·s` in RANGE16 (an integer in `(−2^16, 2^17)`,
//! exact: `gadgets::sign16`); so does a range-checked limb the table creates, and a
//! range-checked byte `x` takes `2x − 2^8·s` in a BYTE_PAIR slot.
//!
//! # Test support
//!
//! [`MulDivTable::reading`], [`MulDivTable::row`] and [`MulDivTable::columns`] are public
//! for the tests, which forge rows (a wrong reading of a sign, a quotient with `r ≥ b`)
//! to check that no such row can be proved.

pub mod div;
pub mod mul;
pub mod product;

use crate::bus::{AluEvent, AluOp, BYTE_PAIR, LOCAL_BUSES, RANGE16};
use crate::bytes::Lookups;
use crate::segment;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use std::ops::Range;
use ziskjit_prover::{BusBuilder, BusId, TableName};

use crate::columns::columns;
use crate::parts::Rows;

/// The mul/div tables (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MulDivTable {
    /// `Mul Mulh Mulhsu Mulhu Mulw`.
    Mul,
    /// `Div Divu Rem Remu Divw Divuw Remw Remuw`.
    Div,
}

/// How a row reads its operation as integers: `a` and `b` as the 128-bit values the
/// product uses (sign- or zero-extended, `a` being the product's `P` in the div table),
/// and for the div table the quotient `q` and remainder `r` it claims (the other table
/// ignores them). [`MulDivTable::reading`] gives the honest reading; tests forge others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub a: i128,
    pub b: i128,
    pub q: i128,
    pub r: i128,
}

impl MulDivTable {
    /// Both tables, in the order of [`Self::traces`].
    pub fn all() -> Vec<MulDivTable> {
        vec![Self::Mul, Self::Div]
    }

    /// The table receiving `op`, if one does.
    pub fn of(op: AluOp) -> Option<MulDivTable> {
        if mul::OPS.contains(&op) {
            Some(Self::Mul)
        } else if div::OPS.contains(&op) {
            Some(Self::Div)
        } else {
            None
        }
    }

    /// Whether `op` is an M-extension operation (received by these tables).
    pub fn handles(op: AluOp) -> bool {
        Self::of(op).is_some()
    }

    /// The traces of [`Self::all`] for the M-extension `events` (events of other
    /// operations are skipped: they belong to the alu table), reporting their lookups.
    /// A row holds `op(a, b)` whatever the event's `c`: an event with a wrong `c` leaves
    /// the bus unbalanced.
    pub fn traces(events: &[AluEvent], lookups: &mut Lookups) -> Vec<RowMajorMatrix<Val>> {
        Self::all().into_iter().map(|table| table.rows(events, lookups).into_trace()).collect()
    }

    /// This table's rows for the events it handles among `events`.
    pub fn rows(self, events: &[AluEvent], lookups: &mut Lookups) -> Rows {
        let mut values = Vec::new();
        for event in events.iter().filter(|e| Self::of(e.op) == Some(self)) {
            let row = self.row(event.op, event.a, event.b, Self::reading(event.op, event.a, event.b));
            self.eval_row(&row, &mut LookupSink { lookups });
            values.extend_from_slice(&row);
        }
        // A zero row is the padding: every constraint holds, every multiplicity is 0.
        Rows::new(values, vec![Val::ZERO; self.width()])
    }

    /// The honest [`Reading`] of `op(a, b)`.
    pub fn reading(op: AluOp, a: u64, b: u64) -> Reading {
        match Self::of(op) {
            Some(Self::Mul) => mul::reading(op, a, b),
            Some(Self::Div) => div::reading(op, a, b),
            None => panic!("{op:?} is not an M-extension operation"),
        }
    }

    /// The row of this table for the event `op(a, b)` read as `reading` (honest or
    /// forged; lookups are not reported). Panics if `op` belongs to the other table.
    pub fn row(self, op: AluOp, a: u64, b: u64, reading: Reading) -> Vec<Val> {
        assert_eq!(Self::of(op), Some(self), "{op:?} is not an op of the {self:?} table");
        let mut row = vec![Val::ZERO; self.width()];
        match self {
            Self::Mul => mul::row(op, reading).write(&mut row),
            Self::Div => div::row(op, a, b, reading).write(&mut row),
        }
        row
    }

    /// The columns of group `name` (as named in the tables' docs), for tests that tamper
    /// with a witness.
    pub fn columns(self, name: &str) -> Option<Range<usize>> {
        match self {
            Self::Mul => mul::columns(name),
            Self::Div => div::columns(name),
        }
    }

    fn eval_row<E: PrimeCharacteristicRing, S: RowSink<E>>(self, row: &[E], sink: &mut S) {
        match self {
            Self::Mul => mul::eval(row, sink),
            Self::Div => div::eval(row, sink),
        }
    }
}

impl TableName for MulDivTable {
    fn name(&self) -> String {
        match self {
            Self::Mul => "mul".into(),
            Self::Div => "div".into(),
        }
    }
}

impl BaseAir<Val> for MulDivTable {
    fn width(&self) -> usize {
        match self {
            Self::Mul => mul::WIDTH,
            Self::Div => div::WIDTH,
        }
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MulDivTable {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        self.eval_row(&row, &mut AirSink(builder));
    }
}

/// Where a row's constraints and bus messages go: the AIR builder, or the witness
/// generator's lookup report. A table's row is written once against this. Every bus
/// is local: the tuples are written without the segment number, which the AIR side
/// puts in front.
pub(super) trait RowSink<E> {
    /// `e = 0` on every row.
    fn zero(&mut self, e: E);
    /// `multiplicity` copies of `(segment, values…)` sent on the local `bus`.
    fn send(&mut self, bus: BusId, values: Vec<E>, multiplicity: E);
    /// `multiplicity` copies of `(segment, values…)` received from the local `bus`.
    fn receive(&mut self, bus: BusId, values: Vec<E>, multiplicity: E);

    /// `value < 2^16` when `enabled` is 1.
    fn range16(&mut self, value: E, enabled: E) {
        self.send(RANGE16, vec![value], enabled);
    }

    /// `a < 2^8` and `b < 2^8` when `enabled` is 1.
    fn byte_pair(&mut self, a: E, b: E, enabled: E) {
        self.send(BYTE_PAIR, vec![a, b], enabled);
    }
}

/// The AIR side: constraints go to the builder, messages through [`segment::send`] and
/// [`segment::receive`].
struct AirSink<'a, AB>(&'a mut AB);

impl<AB: BusBuilder> RowSink<AB::Expr> for AirSink<'_, AB> {
    fn zero(&mut self, e: AB::Expr) {
        self.0.assert_zero(e);
    }

    fn send(&mut self, bus: BusId, values: Vec<AB::Expr>, multiplicity: AB::Expr) {
        debug_assert!(LOCAL_BUSES.contains(&bus), "bus {bus} is not local");
        segment::send(self.0, bus, values, multiplicity);
    }

    fn receive(&mut self, bus: BusId, values: Vec<AB::Expr>, multiplicity: AB::Expr) {
        debug_assert!(LOCAL_BUSES.contains(&bus), "bus {bus} is not local");
        segment::receive(self.0, bus, values, multiplicity);
    }
}

/// The witness side: reports the row's lookups (every multiplicity is 0 or 1).
struct LookupSink<'a> {
    lookups: &'a mut Lookups,
}

impl RowSink<Val> for LookupSink<'_> {
    fn zero(&mut self, e: Val) {
        debug_assert_eq!(e, Val::ZERO, "a mul/div witness row breaks a constraint");
    }

    fn send(&mut self, bus: BusId, values: Vec<Val>, multiplicity: Val) {
        if multiplicity == Val::ZERO {
            return;
        }
        assert_eq!(multiplicity, Val::ONE, "lookups are sent once");
        let v: Vec<u64> = values.iter().map(|v| v.as_canonical_u64()).collect();
        match bus {
            RANGE16 => self.lookups.range16(v[0]),
            BYTE_PAIR => self.lookups.byte_pair(v[0], v[1]),
            _ => unreachable!("the mul/div tables send lookups only"),
        }
    }

    /// The ALU receive: the main table's concern, nothing to report.
    fn receive(&mut self, _: BusId, _: Vec<Val>, _: Val) {}
}

/// A constant.
fn k<E: PrimeCharacteristicRing>(v: u64) -> E {
    E::from_u64(v)
}

/// `lo + 2^8·hi`: two bytes as one 16-bit limb.
fn limb<E: PrimeCharacteristicRing>(lo: &E, hi: &E) -> E {
    lo.clone() + hi.clone() * k::<E>(1 << 8)
}

/// The four 16-bit limbs of eight bytes.
fn limbs_of<E: PrimeCharacteristicRing>(bytes: &[E; 8]) -> [E; 4] {
    std::array::from_fn(|i| limb(&bytes[2 * i], &bytes[2 * i + 1]))
}

/// `Σ values`.
fn sum<E: PrimeCharacteristicRing>(values: &[E]) -> E {
    values.iter().cloned().sum()
}

/// The byte form of a trusted top limb's sign (see the module docs): the top byte's
/// lookup value `top + 2^7·signed − 2^8·sign`, a byte iff `sign` is bit 7 of `top`
/// (`signed = 1`, `sign` boolean), and just `top` when `signed = sign = 0`.
fn signed_byte<E: PrimeCharacteristicRing>(top: &E, signed: &E, sign: &E) -> E {
    top.clone() + signed.clone() * k::<E>(1 << 7) - sign.clone() * k::<E>(1 << 8)
}

/// `x·(1 − x) = 0`.
fn boolean<E: PrimeCharacteristicRing, S: RowSink<E>>(sink: &mut S, x: &E) {
    sink.zero(x.clone() * (E::ONE - x.clone()));
}

/// `x·(allowed − x) = 0`: `x` is boolean if `allowed` is 1 and zero if it is 0.
fn bit_if<E: PrimeCharacteristicRing, S: RowSink<E>>(sink: &mut S, x: &E, allowed: &E) {
    sink.zero(x.clone() * (allowed.clone() - x.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts a row's constraints and interactions.
    #[derive(Default)]
    struct Count {
        constraints: usize,
        interactions: usize,
    }

    impl RowSink<Val> for Count {
        fn zero(&mut self, _: Val) {
            self.constraints += 1;
        }

        fn send(&mut self, _: BusId, _: Vec<Val>, _: Val) {
            self.interactions += 1;
        }

        fn receive(&mut self, _: BusId, _: Vec<Val>, _: Val) {
            self.interactions += 1;
        }
    }

    #[test]
    fn the_docs_count_columns_and_interactions() {
        for (table, width, constraints, interactions) in
            [(MulDivTable::Mul, 48, 17, 25), (MulDivTable::Div, 61, 41, 26)]
        {
            assert_eq!(table.width(), width, "{table:?}");
            let mut count = Count::default();
            table.eval_row(&vec![Val::ZERO; width], &mut count);
            assert_eq!((count.constraints, count.interactions), (constraints, interactions), "{table:?}");
        }
    }

    #[test]
    fn every_m_op_has_one_table() {
        let m = AluOp::ALL.iter().filter(|&&op| MulDivTable::handles(op)).count();
        assert_eq!(m, 13);
        assert_eq!(mul::OPS.len() + div::OPS.len(), 13);
    }
}
