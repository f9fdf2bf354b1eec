//! Batched LogUp columns end to end: a table whose four degree-1 range lookups need two
//! columns (one batch column, and the running sum that carries the last batch) proves and
//! verifies; forging one interaction inside a batch fails, both when the forged value
//! only reaches the main trace (the bus no longer balances) and when the LogUp columns are
//! forged to keep the bus balanced (only the batch constraint catches it), for a batch
//! with its own column and for the last batch.
//!
//! The aux forgery is a table that declares one thing to the constraint builders and
//! another to the packed row builder that computes the LogUp columns: the prover then
//! commits a batch column `h_B` that is not `Σ m_i/d_i` of the committed trace on one row,
//! exactly what a cheating prover would write.

mod common;

use common::RANGE_BUS;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::folder::{ProverFolder, VerifierFolder};
use ziskjit_prover::rows::{PackedRowBuilder, RowBuilder};
use ziskjit_prover::symbolic::SymbolicBusBuilder;
use ziskjit_prover::*;

/// What the LogUp columns are computed from, on the row whose `forge` column is 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Forgery {
    /// Interaction 1 (second of batch `{0, 1}`) sees `x_1 − 256` instead of `x_1`.
    Value,
    /// Interaction 2 (first of batch `{2, 3}`) sees multiplicity 0 instead of `k`.
    Multiplicity,
}

/// The program: a 256-row range table (as in `common`) and the quads table, whose main
/// columns are `x_0..x_3` (looked up in the range table with multiplicity `k`),
/// `p = x_0·x_1·x_2` (a degree-3 constraint: the quotient domain is twice the trace
/// height, room for pairs of lookups), `k`, and `forge` (read only under the builder of
/// the LogUp columns).
#[derive(Clone, Debug)]
enum Table {
    Range,
    Quads { forgery: Option<Forgery> },
}

const P: usize = 4;
const K: usize = 5;
const FORGE: usize = 6;

impl TableName for Table {
    fn name(&self) -> String {
        match self {
            Table::Range => "range".into(),
            Table::Quads { .. } => "quads".into(),
        }
    }
}

impl BaseAir<Val> for Table {
    fn width(&self) -> usize {
        match self {
            Table::Range => 1,
            Table::Quads { .. } => 7,
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            Table::Range => 1,
            Table::Quads { .. } => 0,
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<Val>> {
        match self {
            Table::Range => Some(RowMajorMatrix::new_col((0..256).map(Val::from_u64).collect())),
            Table::Quads { .. } => None,
        }
    }
}

impl Table {
    /// The table's constraints and interactions; `forgery` alters what the interactions
    /// put on the bus on the `forge` row.
    fn eval_with<AB: BusBuilder<F = Val>>(&self, builder: &mut AB, forgery: Option<Forgery>) {
        let local = builder.main().current_slice().to_vec();
        match self {
            Table::Range => {
                let value = builder.preprocessed().current_slice()[0];
                builder.receive(RANGE_BUS, [value], local[0]);
            }
            Table::Quads { .. } => {
                builder.assert_eq(local[P], local[0] * local[1] * local[2]);
                let (k, forge): (AB::Expr, AB::Expr) = (local[K].into(), local[FORGE].into());
                for (i, &x) in local[..4].iter().enumerate() {
                    let (value, multiplicity): (AB::Expr, AB::Expr) = match forgery {
                        Some(Forgery::Value) if i == 1 => (x - forge.clone() * Val::from_u64(256), k.clone()),
                        Some(Forgery::Multiplicity) if i == 2 => {
                            (x.into(), k.clone() * (AB::Expr::ONE - forge.clone()))
                        }
                        _ => (x.into(), k.clone()),
                    };
                    builder.send(RANGE_BUS, [value], multiplicity);
                }
            }
        }
    }

    fn forgery(&self) -> Option<Forgery> {
        match self {
            Table::Range => None,
            Table::Quads { forgery } => *forgery,
        }
    }
}

// Every builder but the packed row builder (which computes the LogUp columns) sees the truth.
impl Air<SymbolicBusBuilder<Val>> for Table {
    fn eval(&self, builder: &mut SymbolicBusBuilder<Val>) {
        self.eval_with(builder, None);
    }
}

impl<'a> Air<ProverFolder<'a, Poseidon2Stark>> for Table {
    fn eval(&self, builder: &mut ProverFolder<'a, Poseidon2Stark>) {
        self.eval_with(builder, None);
    }
}

impl<'a> Air<VerifierFolder<'a, Poseidon2Stark>> for Table {
    fn eval(&self, builder: &mut VerifierFolder<'a, Poseidon2Stark>) {
        self.eval_with(builder, None);
    }
}

impl<'a> Air<RowBuilder<'a, Val>> for Table {
    fn eval(&self, builder: &mut RowBuilder<'a, Val>) {
        self.eval_with(builder, None);
    }
}

impl<'a> Air<PackedRowBuilder<'a, Poseidon2Stark>> for Table {
    fn eval(&self, builder: &mut PackedRowBuilder<'a, Poseidon2Stark>) {
        self.eval_with(builder, self.forgery());
    }
}

const ROWS: usize = 64;
const FORGED_ROW: usize = 37;

/// The quads trace (pseudo-random bytes, `k` = 1 on two rows of three) and the range
/// counts of what the LogUp columns will carry under `forgery`. With `bad_value`, the
/// forged row's `x_1` is 256 more than a byte.
fn witness(bad_value: bool, forgery: Option<Forgery>) -> SegmentWitness<Val> {
    let mut counts = [0u64; 256];
    let mut rows = Vec::with_capacity(ROWS * 7);
    let mut s = 11u64;
    for r in 0..ROWS {
        let mut x = [0u64; 4];
        for v in &mut x {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *v = s >> 56;
        }
        let k = u64::from(r % 3 != 0 || r == FORGED_ROW);
        let forged = r == FORGED_ROW;
        if forged && bad_value {
            x[1] += 256;
        }
        for (i, &v) in x.iter().enumerate() {
            let m = match forgery {
                Some(Forgery::Multiplicity) if forged && i == 2 => 0,
                _ => k,
            };
            let seen = if forged && i == 1 && forgery == Some(Forgery::Value) { v - 256 } else { v };
            if let Some(c) = counts.get_mut(seen as usize) {
                *c += m;
            }
        }
        rows.extend(x.map(Val::from_u64));
        rows.extend([Val::from_u64(x[0] * x[1] * x[2]), Val::from_u64(k), Val::from_bool(forged)]);
    }
    SegmentWitness {
        traces: vec![RowMajorMatrix::new_col(counts.map(Val::from_u64).to_vec()), RowMajorMatrix::new(rows, 7)],
        public_values: vec![],
    }
}

fn honest() -> [Table; 2] {
    [Table::Range, Table::Quads { forgery: None }]
}

#[test]
fn four_lookups_share_two_columns_and_verify() {
    let tables = honest();
    let (pk, proofs) = common::prove_one_segment(&tables, &witness(false, None));
    let quads = &pk.vk.tables[1].analysis;
    assert_eq!(quads.logup_batches(), [vec![0, 1], vec![2, 3]]);
    // One batch column and the running sum (whose step carries the second batch), in
    // F_{p²}: 4 base coordinates instead of 10; the quotient keeps its two chunks.
    assert_eq!(quads.num_logup_columns(), 2);
    assert_eq!(proofs[0].openings[1].aux_local.len(), 4);
    assert_eq!(quads.log_quotient_degree(), 1);
    assert_eq!(proofs[0].openings[1].quotient_chunks.len(), 2);
    common::verify_one_segment(&tables, &pk, &proofs).unwrap();
    assert_ne!(proofs[0].bus_sums[1], Challenge::ZERO, "the lookups are in the batch sums");
}

#[test]
fn forged_main_value_in_a_batch_unbalances_the_bus() {
    // x_1 = byte + 256 on one row: every constraint holds and the LogUp columns are
    // honest, so the range table (counting the byte) and the lookup do not cancel.
    let tables = honest();
    let (pk, proofs) = common::prove_one_segment(&tables, &witness(true, Some(Forgery::Value)));
    let err = common::verify_one_segment(&tables, &pk, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::Unbalanced(_)), "{err}");
}

/// Proves with a batch column forged on one row so that the bus balances, and checks that
/// the batch constraint, and only it, rejects the proof.
fn forged_batch_column_fails(bad_value: bool, forgery: Forgery) {
    let tables = [Table::Range, Table::Quads { forgery: Some(forgery) }];
    let (pk, proofs) = common::prove_one_segment(&tables, &witness(bad_value, Some(forgery)));
    // The forgery did its job on the bus: the partial sums cancel.
    assert_eq!(proofs[0].bus_sum(), Challenge::ZERO);
    let err = common::verify_one_segment(&tables, &pk, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::ConstraintMismatch { ref table, .. } if table == "quads"), "{err}");
}

#[test]
fn forged_value_in_a_batch_column_fails() {
    // The trace holds x_1 = byte + 256; the batch column {0, 1} is computed as if it held
    // the byte, which the range table counts.
    forged_batch_column_fails(true, Forgery::Value);
}

#[test]
fn forged_multiplicity_in_a_batch_column_fails() {
    // The trace has k = 1 on the row; the LogUp columns leave x_2 out of batch {2, 3}
    // (multiplicity 0) and the range table does not count it. {2, 3} is the last batch,
    // which has no column of its own: the forgery lives in the running sum's step.
    forged_batch_column_fails(false, Forgery::Multiplicity);
}
