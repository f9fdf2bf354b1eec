//! The ALU tables: every [`ALU`] bus message of the base-ISA operations (add/sub,
//! comparisons, min/max, logic, shifts and their `W` forms) is received here, with
//! exactly the semantics of [`AluOp::eval`]; the M extension is the
//! [`muldiv`](crate::muldiv) table's.
//!
//! Four tables rather than one wide one: a row pays for every column of its table, and
//! the operations need very different machinery (an add is 21 columns, a shift 41), so
//! each operation goes to the cheapest table that can do it:
//!
//! | table | operations | columns | interactions per row (LogUp columns) |
//! |---|---|---|---|
//! | [`addsub`] | `Add Sub Addw Subw` | 21 | 5 (ALU, 4 × RANGE16) (3) |
//! | [`compare`] | `Slt Sltu Eq Min Max Minu Maxu MinW MaxW MinuW MaxuW` | 31 | 4 (ALU, 3 × RANGE16) (3) |
//! | [`logic`] | `Xor Or And` | 28 | 9 (ALU, 8 × LOGIC) (5) |
//! | [`shift`] | `Sll Srl Sra Sllw Srlw Sraw` | 41 | 19 (ALU, 18 × RANGE16) (10) |
//!
//! Common to all four (see each module for the rest):
//! * column 0 is `count`, the row's multiplicity on the ALU bus: identical events
//!   (same op and operands) share one row; rows are in the order of the events' first
//!   occurrence, then padding rows (`count = 0`, no lookups). `count ≠ 0` forces the
//!   row's `is_real` flag (boolean, the multiplicity of its lookups) to 1, so a received
//!   message always comes with all of its row's checks; a negative `count` would only
//!   *send* a correct message, which helps no forger.
//! * the ALU tuple is `(segment, op, a0..a3, b0..b3, c0..c3)` (`receive`): 16-bit
//!   limbs, low first. The senders guarantee well-formed `a` and `b` (limbs `< 2^16`);
//!   each table proves its `c` well-formed and equal to `op(a, b)`.
//! * every constraint is an integer equation whose range (written beside it) has width
//!   below the field's order for `p = 2^31 − 2^24 + 1` (KoalaBear), so it holds over the
//!   integers; the lookups (RANGE16, LOGIC) go through [`crate::gadgets`] with the
//!   segment number.
//! * constraints that padding rows satisfy by construction are not gated by `is_real`
//!   (a gate would cost a degree); only the lookups are.

pub mod addsub;
pub mod compare;
pub mod logic;
pub mod shift;

use crate::bus::{AluEvent, AluOp, ALU};
use crate::bytes::Lookups;
use crate::parts::Rows;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use std::collections::HashMap;
use ziskjit_prover::{BusBuilder, TableName};

/// One of the ALU tables (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluTable {
    AddSub,
    Compare,
    Logic,
    Shift,
}

/// The column of every table holding the row's multiplicity on the ALU bus.
pub const COUNT: usize = 0;

/// What each ALU table provides; [`AluTable`] dispatches to it.
trait Chip {
    const NAME: &'static str;
    const WIDTH: usize;
    /// Whether this table computes `op`.
    fn handles(op: AluOp) -> bool;
    /// Writes the row of `event` except [`COUNT`], reporting its lookups.
    fn fill(event: &AluEvent, row: &mut [Val], lookups: &mut Lookups);
    /// Writes the padding row over zeros (which most tables' padding rows are).
    fn padding(_row: &mut [Val]) {}
    /// The constraints and bus messages of one row.
    fn eval<AB: BusBuilder<F = Val>>(builder: &mut AB, row: &[AB::Var]);
}

/// Calls `$body` with `$C` bound to the chip type of `$table`.
macro_rules! dispatch {
    ($table:expr, $C:ident => $body:expr) => {
        match $table {
            AluTable::AddSub => {
                type $C = addsub::AddSub;
                $body
            }
            AluTable::Compare => {
                type $C = compare::Compare;
                $body
            }
            AluTable::Logic => {
                type $C = logic::Logic;
                $body
            }
            AluTable::Shift => {
                type $C = shift::Shift;
                $body
            }
        }
    };
}

impl AluTable {
    /// The tables of [`AluTable::all`].
    const ALL: [AluTable; 4] = [AluTable::AddSub, AluTable::Compare, AluTable::Logic, AluTable::Shift];

    /// Every ALU table, in the order [`AluTable::rows`] returns them.
    pub fn all() -> Vec<AluTable> {
        Self::ALL.to_vec()
    }

    /// Whether `op` is handled by one of the ALU tables (the others go to muldiv).
    pub fn handles(op: AluOp) -> bool {
        Self::ALL.iter().any(|t| t.computes(op))
    }

    /// Whether this table computes `op`.
    pub fn computes(self, op: AluOp) -> bool {
        dispatch!(self, C => C::handles(op))
    }

    /// The rows of [`AluTable::all`] for `events`, reporting their lookups. Panics on an
    /// event not handled here or with a wrong result (a bug in its sender).
    pub fn rows(events: &[AluEvent], lookups: &mut Lookups) -> Vec<Rows> {
        if let Some(e) = events.iter().find(|e| !Self::handles(e.op)) {
            panic!("{:?} is not an ALU-table operation", e.op);
        }
        Self::ALL.iter().map(|t| t.table_rows(events.iter().filter(|e| t.computes(e.op)), lookups)).collect()
    }

    /// [`AluTable::rows`], each table as one padded trace.
    pub fn traces(events: &[AluEvent], lookups: &mut Lookups) -> Vec<RowMajorMatrix<Val>> {
        Self::rows(events, lookups).into_iter().map(Rows::into_trace).collect()
    }

    /// This table's rows for `events` (all of them computed by it).
    fn table_rows<'a>(self, events: impl Iterator<Item = &'a AluEvent>, lookups: &mut Lookups) -> Rows {
        dispatch!(self, C => rows::<C>(events, lookups))
    }
}

/// A table's rows: one per distinct event, counted.
fn rows<'a, C: Chip>(events: impl Iterator<Item = &'a AluEvent>, lookups: &mut Lookups) -> Rows {
    let mut rows: Vec<Val> = Vec::new();
    let mut row_of: HashMap<AluEvent, usize> = HashMap::new();
    for event in events {
        assert_eq!(event.c, event.op.eval(event.a, event.b), "wrong result in {event:?}");
        let row = *row_of.entry(*event).or_insert_with(|| {
            let start = rows.len();
            rows.resize(start + C::WIDTH, Val::ZERO);
            C::fill(event, &mut rows[start..], lookups);
            start / C::WIDTH
        });
        rows[row * C::WIDTH + COUNT] += Val::ONE;
    }
    let mut padding = vec![Val::ZERO; C::WIDTH];
    C::padding(&mut padding);
    Rows::new(rows, padding)
}

impl TableName for AluTable {
    fn name(&self) -> String {
        dispatch!(self, C => format!("alu-{}", C::NAME))
    }
}

impl BaseAir<Val> for AluTable {
    fn width(&self) -> usize {
        dispatch!(self, C => C::WIDTH)
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for AluTable {
    fn eval(&self, builder: &mut AB) {
        let row = builder.main().current_slice().to_vec();
        dispatch!(self, C => C::eval(builder, &row))
    }
}

// ---------------------------------------------------------------------------------
// Constraint helpers shared by the tables.

/// `value` as a field constant.
fn constant<E: PrimeCharacteristicRing>(value: u64) -> E {
    E::from_u64(value)
}

/// `is_real` boolean, and `count ≠ 0 ⇒ is_real = 1` (so a row that receives a message
/// makes its lookups; see the module docs).
fn count_needs_real<AB: BusBuilder>(builder: &mut AB, count: AB::Var, is_real: AB::Expr) {
    builder.assert_bool(is_real.clone());
    builder.assert_zero(count.into() * (AB::Expr::ONE - is_real));
}

/// Receives `(segment, op, a0..a3, b0..b3, c0..c3)` from the ALU bus `count`
/// times.
fn receive<AB: BusBuilder>(
    builder: &mut AB,
    count: AB::Var,
    op: AB::Expr,
    a: [AB::Expr; 4],
    b: [AB::Expr; 4],
    c: [AB::Expr; 4],
) {
    let tuple = [op].into_iter().chain(a).chain(b).chain(c);
    crate::segment::receive(builder, ALU, tuple, count);
}

/// The ids of `ops`, checked to be `first + i·step` (the tables compute an op's id as a
/// linear expression in their flags, which relies on this numbering).
const fn assert_ids(ops: &[AluOp], step: u64) {
    let mut i = 0;
    while i < ops.len() {
        assert!(ops[i].id() == ops[0].id() + i as u64 * step);
        i += 1;
    }
}
