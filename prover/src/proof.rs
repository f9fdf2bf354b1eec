//! The statement and proof data structures.

use p3_field::Field;
use p3_uni_stark::{Com, StarkGenericConfig, Val};

use crate::air::BusMessage;

/// The opening proof type of a configuration's PCS.
pub type PcsProof<SC> = <<SC as StarkGenericConfig>::Pcs as p3_commit::Pcs<
    <SC as StarkGenericConfig>::Challenge,
    <SC as StarkGenericConfig>::Challenger,
>>::Proof;

/// The public statement of a proof set: global public values (bound into the global
/// challenge) and the boundary messages the statement puts on, or takes off, the bus.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct Statement<F: Field> {
    /// Global public values (for example a hash of the public output).
    pub public_values: Vec<F>,
    /// Boundary bus messages (initial state, program image, public output, ...).
    pub boundary: Vec<BusMessage<F>>,
}

/// The log height [`SegmentCommitment::log_heights`] records for a table with no rows in
/// the segment (height 1 is never a table height, so the value is free). Such a table is
/// *absent*: nothing of it is committed or opened and it puts nothing on the bus, which
/// only a table that [may be absent](crate::TableName::may_be_absent) may be.
pub const ABSENT: u8 = 0;

/// Phase 1 of a segment: what the global challenge is drawn from.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct SegmentCommitment<SC: StarkGenericConfig> {
    /// The segment's position in the proof set.
    pub index: u32,
    /// log2 of each table's height in this segment ([`ABSENT`] for a table without rows).
    pub log_heights: Vec<u8>,
    /// The segment's public values, visible to every table's constraints.
    pub public_values: Vec<Val<SC>>,
    /// Commitment to all main traces of the segment.
    pub main: Com<SC>,
}

/// The values one table opens at `ζ` (and `ω·ζ` for rows read as "next"); all empty for
/// a table absent from the segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct TableOpenings<EF: Field> {
    /// Main columns at `ζ`.
    pub main_local: Vec<EF>,
    /// Main columns at `ω·ζ`.
    pub main_next: Vec<EF>,
    /// Preprocessed columns at `ζ` (empty without).
    pub preprocessed_local: Vec<EF>,
    /// Preprocessed columns at `ω·ζ` (empty without).
    pub preprocessed_next: Vec<EF>,
    /// LogUp columns, as base-field coordinates, at `ζ` (empty without interactions).
    pub aux_local: Vec<EF>,
    /// LogUp columns at `ω·ζ`.
    pub aux_next: Vec<EF>,
    /// Each quotient chunk's base-field coordinates at `ζ`.
    pub quotient_chunks: Vec<Vec<EF>>,
}

/// The proof of one segment. Its shape depends only on the verification key and the
/// table heights in `commitment.log_heights`.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct SegmentProof<SC: StarkGenericConfig> {
    /// Phase-1 data.
    pub commitment: SegmentCommitment<SC>,
    /// Commitment to the LogUp columns (absent if no table has interactions).
    pub aux: Option<Com<SC>>,
    /// Each table's bus partial sum `σ` (zero for tables without interactions).
    pub bus_sums: Vec<SC::Challenge>,
    /// Commitment to all quotient chunks.
    pub quotient: Com<SC>,
    /// Per table, the opened values.
    pub openings: Vec<TableOpenings<SC::Challenge>>,
    /// The proof-of-work witness ground before the global challenge (the same in every
    /// segment proof of a set).
    pub bus_pow_witness: Val<SC>,
    /// The FRI opening proof for all of the above.
    pub opening_proof: PcsProof<SC>,
}

impl<SC: StarkGenericConfig> SegmentProof<SC> {
    /// The segment's bus partial sum: the sum over its tables.
    pub fn bus_sum(&self) -> SC::Challenge {
        self.bus_sums.iter().copied().sum()
    }
}
