//! Shared by the table tests: prove one segment of a few tables against a statement
//! whose boundary messages play the tables that are not there, and verify it.

#![allow(dead_code)] // each test binary uses a different subset

use p3_matrix::dense::RowMajorMatrix;
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{
    check_witness, prove_segments, setup, verify_segments, Blake3Stark, BusMessage, Config, FriSettings, ProvingKey,
    SegmentWitness, Statement,
};

/// The configuration of table tests: Blake3 (3x faster than Poseidon2; the tables do
/// not depend on the hash).
pub fn config() -> Config<Blake3Stark> {
    Config::blake3(FriSettings::default())
}

/// Checks every constraint of `traces` (panics naming the first broken one), then
/// proves them as one segment with the statement's `boundary` messages and verifies.
/// Returns the verification result: `Err` means the bus did not balance or a
/// constraint failed.
pub fn prove_and_verify(
    tables: &[Table],
    traces: Vec<RowMajorMatrix<Val>>,
    boundary: Vec<BusMessage<Val>>,
) -> Result<(), String> {
    let config = config();
    let pk = setup(&config, tables).map_err(|e| format!("setup: {e}"))?;
    prove_and_verify_with(&config, &pk, tables, traces, boundary)
}

fn prove_and_verify_with(
    config: &Config<Blake3Stark>,
    pk: &ProvingKey<Blake3Stark>,
    tables: &[Table],
    traces: Vec<RowMajorMatrix<Val>>,
    boundary: Vec<BusMessage<Val>>,
) -> Result<(), String> {
    let witness = SegmentWitness { traces, public_values: vec![] };
    let statement = Statement { public_values: vec![], boundary };
    let proofs = prove_segments(config, pk, tables, &statement, 1, 1, |_| Ok::<_, String>(witness.clone()))
        .map_err(|e| format!("prove: {e}"))?;
    verify_segments(config, tables, &pk.vk, &statement, &proofs).map_err(|e| e.to_string())
}

/// Like [`prove_and_verify`], but first requires every constraint to hold (for
/// positive tests: a failure names the table, row and constraint).
pub fn prove_and_verify_checked(
    tables: &[Table],
    traces: Vec<RowMajorMatrix<Val>>,
    boundary: Vec<BusMessage<Val>>,
) -> Result<(), String> {
    let config = config();
    let pk = setup(&config, tables).map_err(|e| format!("setup: {e}"))?;
    let witness = SegmentWitness { traces: traces.clone(), public_values: vec![] };
    check_witness(&config, &pk, tables, 0, &witness).map_err(|e| format!("constraints: {e}"))?;
    prove_and_verify_with(&config, &pk, tables, traces, boundary)
}

/// The statement's side of the memory tokens a segment's accesses leave: it sends each
/// touched cell's import token `(cell, first, time 0)` and receives its last token
/// (playing the boundary table).
pub fn memory_boundary(spans: &[ziskjit_air::gadgets::CellSpan]) -> Vec<BusMessage<Val>> {
    use p3_field::PrimeCharacteristicRing;
    use ziskjit_air::bus::{limbs, MEMORY};
    let tuple = |cell: u64, value: u64, time: u64| {
        let [lo, hi] = limbs(value);
        vec![cell, lo, hi, time].into_iter().map(Val::from_u64).collect::<Vec<_>>()
    };
    spans
        .iter()
        .flat_map(|s| {
            [
                BusMessage::send(MEMORY, tuple(s.cell, s.first, 0)),
                BusMessage::receive(MEMORY, tuple(s.cell, s.last, s.last_time)),
            ]
        })
        .collect()
}

/// `values` as field elements.
pub fn vals(values: &[u64]) -> Vec<Val> {
    use p3_field::PrimeCharacteristicRing;
    values.iter().map(|&v| Val::from_u64(v)).collect()
}
