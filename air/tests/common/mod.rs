//! Shared by the table tests: prove one segment of a few tables against a statement
//! whose boundary messages play the tables that are not there, and verify it.

#![allow(dead_code)] // each test binary uses a different subset

pub mod alu;

use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_air::bus::LOCAL_BUSES;
use ziskjit_air::debug::{bus_imbalance, Unbalanced};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{
    check_witness, prove_segments, setup, verify_segments, Blake3KoalaBearStark, BusMessage, Config, FriSettings,
    ProvingKey, SegmentWitness, Statement,
};

/// The public values of the one segment a table test proves (execution segment 0).
pub fn public_values() -> Vec<Val> {
    ziskjit_air::segment::public_values(0, false).map(Val::from_u64).to_vec()
}

/// [`public_values`] if the key's tables read them (those with local buses), else none.
pub fn segment_values<SC: p3_uni_stark::StarkGenericConfig>(pk: &ProvingKey<SC>) -> Vec<Val> {
    public_values()[..pk.vk.num_public_values].to_vec()
}

/// The statement's messages as the tables they play (main, the boundary) would put them
/// on the bus: tests write local-bus tuples without the segment number, and this adds it.
pub fn in_segment(messages: &[BusMessage<Val>]) -> Vec<BusMessage<Val>> {
    let segment = public_values()[ziskjit_air::segment::NUMBER];
    messages
        .iter()
        .map(|m| match LOCAL_BUSES.contains(&m.bus) {
            true => BusMessage { values: [vec![segment], m.values.clone()].concat(), ..m.clone() },
            false => m.clone(),
        })
        .collect()
}

/// [`bus_imbalance`] of the test segment against untagged statement messages; local
/// tuples are reported without the segment number, as the tests write them.
pub fn imbalance(tables: &[Table], traces: &[RowMajorMatrix<Val>], boundary: &[BusMessage<Val>]) -> Vec<Unbalanced> {
    let segment = public_values()[ziskjit_air::segment::NUMBER].as_canonical_u64();
    let mut unbalanced = bus_imbalance(tables, traces, &public_values(), &in_segment(boundary));
    for u in unbalanced.iter_mut().filter(|u| LOCAL_BUSES.contains(&u.bus)) {
        assert_eq!(u.values.first(), Some(&segment), "a local tuple of another segment: {u:?}");
        u.values.remove(0);
    }
    unbalanced
}

/// The configuration of table tests: Blake3 (3x faster than Poseidon2; the tables do
/// not depend on the hash).
pub fn config() -> Config<Blake3KoalaBearStark> {
    Config::blake3_koala_bear(FriSettings::default())
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
    config: &Config<Blake3KoalaBearStark>,
    pk: &ProvingKey<Blake3KoalaBearStark>,
    tables: &[Table],
    traces: Vec<RowMajorMatrix<Val>>,
    boundary: Vec<BusMessage<Val>>,
) -> Result<(), String> {
    let witness = SegmentWitness { traces, public_values: segment_values(pk) };
    let statement = Statement { public_values: vec![], boundary: in_segment(&boundary) };
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
    let witness = SegmentWitness { traces: traces.clone(), public_values: segment_values(&pk) };
    check_witness(&config, &pk, tables, 0, &witness).map_err(|e| format!("constraints: {e}"))?;
    prove_and_verify_with(&config, &pk, tables, traces, boundary)
}

/// The statement's side of the memory tokens a segment's accesses leave: it sends each
/// touched cell's import token `(cell, v0..v3, time 0)` and receives its last token
/// (playing the boundary table; [`in_segment`] adds the segment number).
pub fn memory_boundary(spans: &[ziskjit_air::gadgets::CellSpan]) -> Vec<BusMessage<Val>> {
    use ziskjit_air::bus::{limbs, MEMORY};
    let tuple = |cell: u64, value: u64, time: u64| vals(&[vec![cell], limbs(value).to_vec(), vec![time]].concat());
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
    values.iter().map(|&v| Val::from_u64(v)).collect()
}

/// Main's MEMOP tuple `(clk, op, addr0, addr1, d0..d3, r0..r3)` (without the segment
/// number).
pub fn memop(clk: u64, op: ziskjit_air::bus::MemOp, addr: u64, data: u64, result: u64) -> [u64; 12] {
    use ziskjit_air::bus::{addr_limbs, limbs};
    let mut tuple = [clk, op.id(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    tuple[2..4].copy_from_slice(&addr_limbs(addr));
    tuple[4..8].copy_from_slice(&limbs(data));
    tuple[8..12].copy_from_slice(&limbs(result));
    tuple
}
