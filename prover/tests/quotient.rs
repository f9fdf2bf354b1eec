//! Quotient chunks end to end: tables of degree 3 and 2, alone at their height or
//! sharing it, with or without a lower height of another table within reach, prove and
//! verify with the chunk counts of `TableAnalysis::log_quotient_chunks` (split down to a
//! height another table has); a tampered opened chunk value, or a proof with the chunk
//! count of another rule, fails verification.

mod common;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::*;

/// Main columns `(x, y)` with `y = x^exp` and `x' = x + 1`: constraint degree `exp`.
#[derive(Clone, Debug)]
struct Power {
    name: &'static str,
    exp: u64,
}

impl TableName for Power {
    fn name(&self) -> String {
        self.name.into()
    }
}

impl BaseAir<Val> for Power {
    fn width(&self) -> usize {
        2
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for Power {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (local, next) = (main.current_slice().to_vec(), main.next_slice().to_vec());
        let power = (0..self.exp).fold(AB::Expr::ONE, |acc, _| acc * local[0]);
        builder.assert_eq(local[1], power);
        builder.when_transition().assert_eq(next[0], local[0] + AB::Expr::ONE);
    }
}

/// Cubes at heights 2, 4, 64 and 256, and squares at height 64.
fn program() -> [Power; 5] {
    [
        Power { name: "cubes2", exp: 3 },
        Power { name: "cubes4", exp: 3 },
        Power { name: "cubes64", exp: 3 },
        Power { name: "squares64", exp: 2 },
        Power { name: "cubes256", exp: 3 },
    ]
}

const HEIGHTS: [u64; 5] = [2, 4, 64, 64, 256];

fn witness(tables: &[Power]) -> SegmentWitness<Val> {
    let traces = tables
        .iter()
        .zip(HEIGHTS)
        .map(|(t, n)| {
            let rows = (0..n).flat_map(|x| [Val::from_u64(x + 5), Val::from_u64(x + 5).exp_u64(t.exp)]).collect();
            RowMajorMatrix::new(rows, 2)
        })
        .collect();
    SegmentWitness { traces, public_values: vec![] }
}

fn prove(tables: &[Power]) -> (ProvingKey<Poseidon2Stark>, Vec<SegmentProof<Poseidon2Stark>>) {
    common::prove_one_segment(tables, &witness(tables))
}

#[test]
fn chunk_counts_follow_the_height_rule_and_verify() {
    let tables = program();
    let (pk, proofs) = prove(&tables);
    common::verify_one_segment(&tables, &pk, &proofs).unwrap();
    let p = &proofs[0];
    assert_eq!(p.commitment.log_heights, [1, 2, 6, 6, 8]);
    // Degree 3: a quotient domain of twice the trace height, in 2 chunks of the trace
    // height, or more down to a height another table has: height 4 is alone and another
    // table has height 2 (4 chunks of 2 rows), height 256 is alone and the nearest lower
    // height is 64 (8 chunks of 64 rows); the height-2 table has nothing below, the
    // height-64 tables share their height. Degree 2 (squares): the trace height, 1 chunk.
    let counts: Vec<usize> = p.openings.iter().map(|o| o.quotient_chunks.len()).collect();
    assert_eq!(counts, [2, 4, 2, 1, 8]);
    for ((key, o), &log_h) in pk.vk.tables.iter().zip(&p.openings).zip(&p.commitment.log_heights) {
        assert_eq!(
            o.quotient_chunks.len(),
            1 << key.analysis.log_quotient_chunks(log_h as usize, &p.commitment.log_heights)
        );
        assert!(o.quotient_chunks.iter().all(|q| q.len() == 2), "one extension element per chunk");
    }
    assert_eq!(pk.vk.tables.iter().map(|k| k.analysis.log_quotient_degree()).collect::<Vec<_>>(), [1, 1, 1, 0, 1]);
}

#[test]
fn tampered_quotient_chunk_value_fails() {
    let tables = program();
    let (pk, proofs) = prove(&tables);
    // Every table (the tiny one included), first and last chunk, either coordinate.
    for t in 0..tables.len() {
        let chunks = proofs[0].openings[t].quotient_chunks.len();
        for (chunk, coordinate) in [(0, 0), (chunks - 1, 1)] {
            let mut bad = proofs.clone();
            bad[0].openings[t].quotient_chunks[chunk][coordinate] += Challenge::ONE;
            let err = common::verify_one_segment(&tables, &pk, &bad).unwrap_err();
            assert!(
                matches!(err, VerifyError::Opening { .. } | VerifyError::ConstraintMismatch { .. }),
                "table {t}, chunk {chunk}: {err}"
            );
        }
    }
}

#[test]
fn quotient_chunk_count_of_another_rule_fails() {
    let tables = program();
    let (pk, proofs) = prove(&tables);
    // The split tables' quotients in the chunks their degree alone needs (the rule
    // before): the shape check, from the claimed heights, rejects them.
    for t in [1, 4] {
        let mut bad = proofs.clone();
        let chunks = &mut bad[0].openings[t].quotient_chunks;
        chunks.truncate(chunks.len() / 2);
        let err = common::verify_one_segment(&tables, &pk, &bad).unwrap_err();
        assert!(matches!(err, VerifyError::Shape { .. }), "table {t}: {err}");
    }
    // Unsplit tables (nothing below, or sharing their height) with an extra chunk.
    for t in [0, 2] {
        let mut bad = proofs.clone();
        let extra = bad[0].openings[t].quotient_chunks[0].clone();
        bad[0].openings[t].quotient_chunks.push(extra);
        assert!(
            matches!(common::verify_one_segment(&tables, &pk, &bad).unwrap_err(), VerifyError::Shape { .. }),
            "table {t}"
        );
    }
}
