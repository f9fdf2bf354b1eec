//! The AIR-writing API: what a table author implements and nothing of the protocol.
//!
//! A **table** is an AIR in the Plonky3 sense, plus bus interactions:
//!
//! * **main columns**: the witness, `BaseAir::width` columns of Goldilocks elements, one
//!   row per step of whatever the table records. Heights are powers of two and may differ
//!   per table and per segment.
//! * **preprocessed (fixed) columns**: `BaseAir::preprocessed_trace` returns them (and
//!   `BaseAir::preprocessed_width` their width). They are committed once per program by
//!   [`crate::setup`]; that commitment is part of the verification key, so a proof for
//!   another program (other fixed columns) fails. A table with preprocessed columns has
//!   the height of its preprocessed trace in every segment.
//! * **constraints**: polynomial identities over the current and next row
//!   (`builder.main()`, `builder.preprocessed()`), gated by the selectors
//!   `is_first_row` / `is_last_row` / `is_transition`, as in `p3-air`. The next row of
//!   the last row is the first row (the trace is cyclic). `is_first_row` and
//!   `is_last_row` are exact Lagrange selectors (1 on their row, 0 on the others), so
//!   they may also serve as bus multiplicities; `is_transition` is Plonky3's degree-0
//!   gate `x − ω⁻¹`, non-zero (but not 1) off the last row: use it to gate constraints
//!   only, and `1 − is_last_row` where a 0/1 value is needed.
//! * **bus interactions**: [`BusBuilder::send`] / [`BusBuilder::receive`] put a tuple of
//!   field expressions on a numbered bus with a multiplicity expression, evaluated on
//!   every row. Over all tables of all segments plus the boundary messages of the
//!   [`crate::Statement`], every tuple must be sent exactly as often as it is received
//!   (a multiset equality, checked with LogUp; see [`crate::logup`]). A row that should
//!   not interact uses multiplicity zero (typically a selector column).
//!
//! Write tables generically over the builder, as Plonky3 AIRs are:
//!
//! ```no_run
//! use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
//! use p3_field::PrimeCharacteristicRing;
//! use ziskjit_prover::{BusBuilder, TableName, Val};
//!
//! const BUS_RANGE: u32 = 1;
//!
//! /// Columns: a counter, a value, and how many times to look the value up.
//! struct MyTable;
//!
//! impl TableName for MyTable {
//!     fn name(&self) -> String {
//!         "my-table".into()
//!     }
//! }
//!
//! impl BaseAir<Val> for MyTable {
//!     fn width(&self) -> usize {
//!         3
//!     }
//! }
//!
//! impl<AB: BusBuilder<F = Val>> Air<AB> for MyTable {
//!     fn eval(&self, builder: &mut AB) {
//!         let main = builder.main();
//!         let (local, next) = (main.current_slice(), main.next_slice());
//!         builder.when_transition().assert_eq(next[0], local[0] + AB::Expr::ONE);
//!         builder.send(BUS_RANGE, [local[1]], local[2]);
//!     }
//! }
//! # fn assert_table<T: ziskjit_prover::StarkTable<ziskjit_prover::Poseidon2Stark>>() {}
//! # assert_table::<MyTable>();
//! ```
//!
//! The degree analysis, the prover (one builder for the LogUp columns, one for the
//! quotient), the verifier and the debug checker each instantiate `eval` with their own
//! builder ([`crate::symbolic`], [`crate::rows`], [`crate::folder`]); the blanket trait
//! [`StarkTable`] names that set. Several tables of different Rust types are passed as
//! one enum that forwards to its variants (as with `p3-batch-stark`).
//!
//! Rules a table must follow (the protocol relies on them):
//! * a bus carries tuples of one fixed length (a shorter tuple equals the longer one padded
//!   with zeros, so mixing lengths on one bus merges messages);
//! * the number and order of `send`/`receive`/`assert_*` calls may not depend on the row
//!   (they never can with a generic builder: the symbolic pass sees every call once);
//! * the constraint degree, selectors included, must stay within what the configured
//!   blowup allows (degree ≤ 2^log_blowup + 1); [`crate::setup`] checks it.

use p3_air::{Air, AirBuilder, BaseAir};
use p3_field::{Field, PrimeCharacteristicRing};

use crate::folder::{ProverFolder, VerifierFolder};
use crate::rows::{PackedRowBuilder, RowBuilder};
use crate::symbolic::SymbolicBusBuilder;
use p3_uni_stark::{StarkGenericConfig, Val};

/// A bus number. Messages on different buses never cancel each other.
pub type BusId = u32;

/// An AIR builder that can also put messages on the bus.
///
/// `multiplicity` is signed: positive sends, negative receives. [`Self::send`] and
/// [`Self::receive`] are the readable forms; [`Self::interact`] is what builders implement.
pub trait BusBuilder: AirBuilder {
    /// Adds `multiplicity` copies of the tuple `values` to bus `bus` on every row
    /// (negative multiplicity removes copies).
    fn interact<I>(&mut self, bus: BusId, values: I, multiplicity: Self::Expr)
    where
        I: IntoIterator<Item = Self::Expr>;

    /// Sends `multiplicity` copies of `values` on `bus`.
    fn send<I, E>(&mut self, bus: BusId, values: I, multiplicity: impl Into<Self::Expr>)
    where
        I: IntoIterator<Item = E>,
        E: Into<Self::Expr>,
    {
        self.interact(bus, values.into_iter().map(Into::into), multiplicity.into());
    }

    /// Receives `multiplicity` copies of `values` from `bus`.
    fn receive<I, E>(&mut self, bus: BusId, values: I, multiplicity: impl Into<Self::Expr>)
    where
        I: IntoIterator<Item = E>,
        E: Into<Self::Expr>,
    {
        let m: Self::Expr = multiplicity.into();
        self.interact(bus, values.into_iter().map(Into::into), Self::Expr::ZERO - m);
    }
}

/// A message on the bus supplied by the statement instead of by a table: the boundary
/// terms (initial state, program image, public output, ...).
///
/// `multiplicity` follows the table convention: positive means the statement *sends* the
/// tuple (a table must receive it), negative means the statement *receives* it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct BusMessage<F: Field> {
    /// The bus.
    pub bus: BusId,
    /// The tuple.
    pub values: Vec<F>,
    /// Signed count: positive for a send, negative for a receive.
    pub multiplicity: F,
}

impl<F: Field> BusMessage<F> {
    /// The statement sends `values` once on `bus`.
    pub fn send(bus: BusId, values: Vec<F>) -> Self {
        Self { bus, values, multiplicity: F::ONE }
    }

    /// The statement receives `values` once from `bus`.
    pub fn receive(bus: BusId, values: Vec<F>) -> Self {
        Self { bus, values, multiplicity: F::NEG_ONE }
    }
}

/// What the protocol needs from a table: its AIR instantiated with every builder it uses.
///
/// Implemented automatically for any `T: Air<AB>` for all `AB: BusBuilder` (write your
/// `eval` generically) that also provides a name through [`TableName`].
pub trait StarkTable<SC: StarkGenericConfig>:
    BaseAir<Val<SC>>
    + TableName
    + Air<SymbolicBusBuilder<Val<SC>>>
    + for<'a> Air<ProverFolder<'a, SC>>
    + for<'a> Air<VerifierFolder<'a, SC>>
    + for<'a> Air<PackedRowBuilder<'a, SC>>
    + for<'a> Air<RowBuilder<'a, Val<SC>>>
{
}

impl<SC, T> StarkTable<SC> for T
where
    SC: StarkGenericConfig,
    T: BaseAir<Val<SC>>
        + TableName
        + Air<SymbolicBusBuilder<Val<SC>>>
        + for<'a> Air<ProverFolder<'a, SC>>
        + for<'a> Air<VerifierFolder<'a, SC>>
        + for<'a> Air<PackedRowBuilder<'a, SC>>
        + for<'a> Air<RowBuilder<'a, Val<SC>>>,
{
}

/// A table's identity outside its constraints: the name used in error messages ("table
/// `memory`, row 17"), and whether a segment may leave the table out.
pub trait TableName {
    /// The name.
    fn name(&self) -> String;

    /// Whether a segment may leave this table out: give it a trace with no rows, and the
    /// segment commits, opens and proves nothing of it, and it puts nothing on the bus.
    ///
    /// Sound only for a table that has a trace of its own putting nothing on the bus (a
    /// lookup table whose multiplicities may all be zero, say): for the bus, leaving the
    /// table out is then that trace, so a prover gains nothing it did not have. A table
    /// whose constraints force a message (a mandatory first-row send, say) must not say
    /// yes. Default: no; the key records the answer, and the verifier rejects a segment
    /// that leaves out a table that may not be absent.
    fn may_be_absent(&self) -> bool {
        false
    }
}
