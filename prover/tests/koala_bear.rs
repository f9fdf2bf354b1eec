//! The toy tables of `common` under the KoalaBear configuration
//! (`Config::poseidon2_koala_bear`: a 31-bit field, challenges in its degree-4 extension,
//! Poseidon2 over KoalaBear): the prover core is generic over the configuration, and these
//! tests run it with an extension of degree 4 (LogUp columns and quotient chunks of 4 base
//! coordinates) and 8-element digests. Positive cases prove and verify; negative cases
//! (changed trace cell, wrong public value, out-of-range lookup, dropped or swapped
//! segment) fail; bytes round-trip and are told apart from Goldilocks bytes.

mod common;

use common::*;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing, PrimeField64};
use p3_koala_bear::KoalaBear;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::*;

/// The base field of these tests.
type F = KoalaBear;
/// Its challenge field.
type EF = KoalaBearChallenge;
type SC = KoalaBearStark;

fn config() -> Config<SC> {
    Config::poseidon2_koala_bear(FriSettings::default())
}

/// Proves a single segment with statement `statement`.
fn prove_one(
    config: &Config<SC>,
    pk: &ProvingKey<SC>,
    tables: &[Toy],
    statement: &Statement<F>,
    witness: SegmentWitness<F>,
) -> Vec<SegmentProof<SC>> {
    prove_segments(config, pk, tables, statement, 1, 0, |_| Ok::<_, String>(witness.clone())).expect("proving succeeds")
}

#[test]
fn challenges_are_in_a_degree_4_extension() {
    assert_eq!(<EF as BasedVectorSpace<F>>::DIMENSION, 4);
    assert_eq!(F::ORDER_U64, (1 << 31) - (1 << 24) + 1);
}

#[test]
fn fibonacci_proves_and_verifies() {
    let config = config();
    let tables = [Toy::Fibonacci];
    let pk = setup(&config, &tables).unwrap();
    let statement = Statement::default();
    // 64 rows: F_64 wraps around the 31-bit modulus, which the constraints do too.
    let witness = fibonacci_witness::<F>(64, 0, 1);
    check_witness(&config, &pk, &tables, 0, &witness).unwrap();
    let proofs = prove_one(&config, &pk, &tables, &statement, witness);
    // A degree-2 table: one quotient chunk of 4 base coordinates.
    assert_eq!(proofs[0].openings[0].quotient_chunks.len(), 1);
    assert_eq!(proofs[0].openings[0].quotient_chunks[0].len(), 4);
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
}

#[test]
fn changed_trace_cell_fails() {
    let config = config();
    let tables = [Toy::Fibonacci];
    let pk = setup(&config, &tables).unwrap();
    let mut witness = fibonacci_witness::<F>(64, 0, 1);
    witness.traces[0].values[2 * 17 + 1] += F::ONE;
    let err = check_witness(&config, &pk, &tables, 0, &witness).unwrap_err();
    assert!(matches!(err, ProveError::Constraint { row: 16 | 17, .. }), "{err}");
    let statement = Statement::default();
    let proofs = prove_one(&config, &pk, &tables, &statement, witness);
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::ConstraintMismatch { .. }), "{err}");
}

#[test]
fn wrong_public_value_fails() {
    let config = config();
    let tables = [Toy::Fibonacci];
    let pk = setup(&config, &tables).unwrap();
    let mut witness = fibonacci_witness::<F>(16, 0, 1);
    witness.public_values[2] += F::ONE;
    let statement = Statement::default();
    let proofs = prove_one(&config, &pk, &tables, &statement, witness);
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::ConstraintMismatch { .. }), "{err}");
}

fn lookup_program(offset: u64) -> [Toy; 2] {
    [Toy::Range { offset }, Toy::Squares]
}

#[test]
fn lookup_between_tables_of_different_heights() {
    let config = config();
    let tables = lookup_program(0);
    let pk = setup(&config, &tables).unwrap();
    assert!(pk.vk.preprocessed.is_some());
    let statement = Statement::default();
    let witness = lookup_witness::<F>(0, 1024, 7, None);
    check_witness(&config, &pk, &tables, 0, &witness).unwrap();
    let proofs = prove_one(&config, &pk, &tables, &statement, witness);
    assert_eq!(proofs[0].commitment.log_heights, vec![8, 10]);
    // Each table has one interaction, so one LogUp column (the running sum): 4 base
    // coordinates in the degree-4 extension.
    for (key, o) in pk.vk.tables.iter().zip(&proofs[0].openings) {
        assert_eq!(key.analysis.num_logup_columns(), 1);
        assert_eq!((o.aux_local.len(), o.aux_next.len()), (4, 4));
        assert!(o.quotient_chunks.iter().all(|q| q.len() == 4));
    }
    assert!(proofs[0].bus_sums.iter().all(|s| *s != EF::ZERO));
    assert_eq!(proofs[0].bus_sum(), EF::ZERO);
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
}

#[test]
fn out_of_range_lookup_unbalances_the_bus() {
    let config = config();
    let tables = lookup_program(0);
    let pk = setup(&config, &tables).unwrap();
    let statement = Statement::default();
    // Row 5 looks up 256, which the range table does not hold: every constraint holds,
    // only the bus is off.
    let witness = lookup_witness::<F>(0, 1024, 7, Some(5));
    check_witness(&config, &pk, &tables, 0, &witness).unwrap();
    let proofs = prove_one(&config, &pk, &tables, &statement, witness);
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::Unbalanced(_)), "{err}");
}

#[test]
fn lookup_table_absent_from_a_segment() {
    let config = config();
    let tables = lookup_program(0);
    let pk = setup(&config, &tables).unwrap();
    let statement = Statement::default();
    let proofs =
        prove_segments(&config, &pk, &tables, &statement, 2, 0, |k| Ok::<_, String>(shared_range_witness::<F>(k)))
            .expect("proving succeeds");
    assert_eq!(proofs[0].commitment.log_heights, vec![ABSENT, 6]);
    let range_openings = &proofs[0].openings[0];
    assert_eq!(range_openings.preprocessed_local.len(), 1, "fixed columns opened at ζ only");
    assert_eq!(
        *range_openings,
        TableOpenings { preprocessed_local: range_openings.preprocessed_local.clone(), ..Default::default() }
    );
    assert_eq!(proofs[0].bus_sums[0], EF::ZERO);
    assert_ne!(proofs[0].bus_sum(), EF::ZERO);
    assert_eq!(proofs[0].bus_sum() + proofs[1].bus_sum(), EF::ZERO);
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();

    // The range table left out of every segment: segment 0's lookups find no receiver.
    let proofs = prove_segments(&config, &pk, &tables, &statement, 2, 0, |k| {
        let mut w = shared_range_witness::<F>(k);
        w.traces[0] = RowMajorMatrix::new(Vec::new(), 1);
        Ok::<_, String>(w)
    })
    .unwrap();
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::Unbalanced(_)), "{err}");
}

const SEGMENT_ROWS: usize = 64;

/// Everything a counter-run test needs: configuration, tables, keys, statement, proofs.
type CounterRun = (Config<SC>, [Toy; 1], ProvingKey<SC>, Statement<F>, Vec<SegmentProof<SC>>);

fn counter_run(segments: usize) -> CounterRun {
    let config = config();
    let tables = [Toy::Counter];
    let pk = setup(&config, &tables).unwrap();
    let statement = Statement {
        public_values: vec![F::from_u64(segments as u64)],
        boundary: counter_boundary(segments, SEGMENT_ROWS),
    };
    let proofs = prove_segments(&config, &pk, &tables, &statement, segments, 2, |k| {
        Ok::<_, String>(counter_witness(k, SEGMENT_ROWS))
    })
    .unwrap();
    (config, tables, pk, statement, proofs)
}

#[test]
fn message_sent_in_one_segment_received_in_the_next() {
    let (config, tables, pk, statement, proofs) = counter_run(3);
    assert!(proofs.iter().all(|p| p.bus_sum() != EF::ZERO));
    // Two interactions of degree 2 (no room to pair them): a batch column and the running
    // sum, 8 base coordinates.
    assert_eq!(proofs[0].openings[0].aux_local.len(), 8);
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
}

#[test]
fn missing_segment_fails() {
    let (config, tables, pk, statement, mut proofs) = counter_run(3);
    proofs.pop();
    assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
    // Even with a statement adjusted to the shorter run, the global challenge differs.
    let shorter =
        Statement { public_values: statement.public_values.clone(), boundary: counter_boundary(2, SEGMENT_ROWS) };
    assert!(verify_segments(&config, &tables, &pk.vk, &shorter, &proofs).is_err());
    proofs.remove(0);
    assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
}

#[test]
fn swapped_segments_fail() {
    let (config, tables, pk, statement, mut proofs) = counter_run(3);
    proofs.swap(0, 1);
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::SegmentIndex { .. }), "{err}");
    // Renumbering the swapped proofs does not help: their transcripts bind the index.
    proofs[0].commitment.index = 0;
    proofs[1].commitment.index = 1;
    assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
}

/// Tables shorter than a packed KoalaBear vector (8 lanes with AVX2, 16 with AVX-512) and
/// of different heights per segment: the LogUp columns and the quotient wrap their lanes.
#[test]
fn segments_may_have_small_and_different_heights() {
    let config = config();
    let tables = [Toy::Counter];
    let pk = setup(&config, &tables).unwrap();
    let rows = [2usize, 4, 16, 8, 32];
    let starts: Vec<usize> = rows.iter().scan(0, |s, &n| Some(std::mem::replace(s, *s + n))).collect();
    let total: usize = rows.iter().sum();
    let statement = Statement {
        public_values: vec![],
        boundary: vec![
            BusMessage::send(STATE_BUS, vec![F::ZERO]),
            BusMessage::receive(STATE_BUS, vec![F::from_u64(total as u64)]),
        ],
    };
    let witness = |k: usize| {
        Ok::<_, String>(SegmentWitness {
            traces: vec![RowMajorMatrix::new_col((0..rows[k]).map(|r| F::from_u64((starts[k] + r) as u64)).collect())],
            public_values: vec![],
        })
    };
    let proofs = prove_segments(&config, &pk, &tables, &statement, rows.len(), 1, witness).unwrap();
    let heights: Vec<u8> = proofs.iter().map(|p| p.commitment.log_heights[0]).collect();
    assert_eq!(heights, vec![1, 2, 4, 3, 5]);
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
}

/// A degree-3 table with four range lookups per row, which pair up into two LogUp batches
/// (a batch column, and the running sum carrying the second batch), next to a range table.
#[derive(Clone, Debug)]
enum Quads {
    Range,
    /// Columns `x_0..x_3` (looked up), `p = x_0·x_1·x_2`.
    Quads,
}

impl TableName for Quads {
    fn name(&self) -> String {
        match self {
            Quads::Range => "range".into(),
            Quads::Quads => "quads".into(),
        }
    }
}

impl<G: PrimeField64> BaseAir<G> for Quads {
    fn width(&self) -> usize {
        match self {
            Quads::Range => 1,
            Quads::Quads => 5,
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            Quads::Range => 1,
            Quads::Quads => 0,
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<G>> {
        match self {
            Quads::Range => Some(RowMajorMatrix::new_col((0..256).map(G::from_u64).collect())),
            Quads::Quads => None,
        }
    }
}

impl<AB: BusBuilder<F: PrimeField64>> Air<AB> for Quads {
    fn eval(&self, builder: &mut AB) {
        let local = builder.main().current_slice().to_vec();
        match self {
            Quads::Range => {
                let value = builder.preprocessed().current_slice()[0];
                builder.receive(RANGE_BUS, [value], local[0]);
            }
            Quads::Quads => {
                builder.assert_eq(local[4], local[0] * local[1] * local[2]);
                for &x in &local[..4] {
                    builder.send(RANGE_BUS, [x], AB::Expr::ONE);
                }
            }
        }
    }
}

/// The quads table over pseudo-random bytes (`bad_row` holds 256 in `x_3`) and the range
/// counts of the in-range values.
fn quads_witness(rows: usize, bad_row: Option<usize>) -> SegmentWitness<F> {
    let mut counts = [0u64; 256];
    let mut values = Vec::with_capacity(rows * 5);
    let mut s = 3u64;
    for r in 0..rows {
        let x: [u64; 4] = std::array::from_fn(|i| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if bad_row == Some(r) && i == 3 {
                256
            } else {
                s >> 56
            }
        });
        for v in x {
            if let Some(c) = counts.get_mut(v as usize) {
                *c += 1;
            }
        }
        values.extend(x.map(F::from_u64));
        values.push(F::from_u64(x[0] * x[1] * x[2]));
    }
    SegmentWitness {
        traces: vec![RowMajorMatrix::new_col(counts.map(F::from_u64).to_vec()), RowMajorMatrix::new(values, 5)],
        public_values: vec![],
    }
}

#[test]
fn batched_lookups_in_a_degree_3_table() {
    let config = config();
    let tables = [Quads::Range, Quads::Quads];
    let (pk, proofs) = prove_one_segment_with(&config, &tables, &quads_witness(512, None));
    let quads = &pk.vk.tables[1].analysis;
    assert_eq!(quads.logup_batches(), [vec![0, 1], vec![2, 3]]);
    assert_eq!(quads.log_quotient_degree(), 1);
    assert_eq!(proofs[0].openings[1].aux_local.len(), 2 * 4);
    verify_one_segment_with(&config, &tables, &pk, &proofs).unwrap();
    // A lookup of 256 (its product column still right): only the bus is off.
    let (pk, proofs) = prove_one_segment_with(&config, &tables, &quads_witness(512, Some(100)));
    let err = verify_one_segment_with(&config, &tables, &pk, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::Unbalanced(_)), "{err}");
}

#[test]
fn proofs_and_keys_round_trip() {
    let (config, tables, pk, statement, proofs) = counter_run(2);
    let bytes = encode_proofs(&config, &proofs).unwrap();
    let vk_bytes = encode_vk(&config, &pk.vk).unwrap();
    let decoded = decode_proofs(&config, &bytes).unwrap();
    let vk = decode_vk(&config, &vk_bytes).unwrap();
    verify_segments(&config, &tables, &vk, &statement, &decoded).unwrap();
    assert_eq!(encode_proofs(&config, &decoded).unwrap(), bytes);
    assert_eq!(encode_vk(&config, &vk).unwrap(), vk_bytes);
    // A key with a preprocessed commitment (8-element digest) round-trips too.
    let lookup = lookup_program(3);
    let lookup_pk = setup(&config, &lookup).unwrap();
    let lookup_vk_bytes = encode_vk(&config, &lookup_pk.vk).unwrap();
    assert_eq!(encode_vk(&config, &decode_vk(&config, &lookup_vk_bytes).unwrap()).unwrap(), lookup_vk_bytes);
}

#[test]
fn bytes_of_the_other_field_are_rejected() {
    // The same program and witnesses, proved under each configuration.
    let koala_bear = config();
    let goldilocks = Config::poseidon2(FriSettings::default());
    let tables = [Toy::Counter];
    let statement = Statement::<F> { public_values: vec![], boundary: counter_boundary(1, SEGMENT_ROWS) };
    let (kb_pk, kb_proofs) = {
        let pk = setup(&koala_bear, &tables).unwrap();
        let proofs = prove_one(&koala_bear, &pk, &tables, &statement, counter_witness(0, SEGMENT_ROWS));
        (pk, proofs)
    };
    let gl_statement = Statement::<Val> { public_values: vec![], boundary: counter_boundary(1, SEGMENT_ROWS) };
    let gl_pk = setup(&goldilocks, &tables).unwrap();
    let gl_proofs = prove_segments(&goldilocks, &gl_pk, &tables, &gl_statement, 1, 0, |_| {
        Ok::<_, String>(counter_witness(0, SEGMENT_ROWS))
    })
    .unwrap();
    verify_segments(&goldilocks, &tables, &gl_pk.vk, &gl_statement, &gl_proofs).unwrap();
    verify_segments(&koala_bear, &tables, &kb_pk.vk, &statement, &kb_proofs).unwrap();

    let wrong_hash = |e: FormatError, found: HashKind, expected: HashKind| {
        assert!(
            matches!(e, FormatError::WrongHash { found: f, expected: x, .. } if f == found as u8 && x == expected),
            "{e}"
        );
    };
    // Goldilocks bytes under the KoalaBear decoder.
    let gl_bytes = encode_proofs(&goldilocks, &gl_proofs).unwrap();
    let gl_vk_bytes = encode_vk(&goldilocks, &gl_pk.vk).unwrap();
    wrong_hash(decode_proofs(&koala_bear, &gl_bytes).err().unwrap(), HashKind::Poseidon2, HashKind::Poseidon2KoalaBear);
    wrong_hash(decode_vk(&koala_bear, &gl_vk_bytes).err().unwrap(), HashKind::Poseidon2, HashKind::Poseidon2KoalaBear);
    // And the other way round.
    let kb_bytes = encode_proofs(&koala_bear, &kb_proofs).unwrap();
    let kb_vk_bytes = encode_vk(&koala_bear, &kb_pk.vk).unwrap();
    wrong_hash(decode_proofs(&goldilocks, &kb_bytes).err().unwrap(), HashKind::Poseidon2KoalaBear, HashKind::Poseidon2);
    wrong_hash(decode_vk(&goldilocks, &kb_vk_bytes).err().unwrap(), HashKind::Poseidon2KoalaBear, HashKind::Poseidon2);
    // Each decodes under its own configuration.
    decode_proofs(&goldilocks, &gl_bytes).unwrap();
    decode_proofs(&koala_bear, &kb_bytes).unwrap();
}

#[test]
fn security_figure_under_koala_bear() {
    let config = config();
    let q = ((1u64 << 31) - (1 << 24) + 1) as f64;
    assert_eq!(config.challenge_field_bits(), 4.0 * q.log2());
    // log2(q) = 31 + log2(1 − 2^-7 + 2^-31) ≈ 30.989, so ≈ 123.95 bits.
    assert!((config.challenge_field_bits() - 123.95).abs() < 0.01, "{}", config.challenge_field_bits());
    let report = config.security(22, 3, 27.0);
    assert!(report.conjectured_bits >= 100.0, "{report:?}");
    assert_eq!(report.fri_bits, 116.0);
    assert_eq!(report.deep_bits, config.challenge_field_bits() - (3f64.log2() + 22.0));
    assert_eq!(report.logup_bits, config.challenge_field_bits() - 28.0 + 16.0);
    // The LogUp term stays ≥ 100 bits up to 2^38 bus terms per proof set (2^42 under
    // Goldilocks): 123.95 − 39 + 16 ≈ 100.95.
    assert!(config.security(22, 3, 38.0).conjectured_bits >= 100.0);
    assert!(config.security(22, 3, 39.0).conjectured_bits < 100.0);
    // About 4 bits below Goldilocks' degree-2 extension, term by term.
    let goldilocks = Config::poseidon2(FriSettings::default()).security(22, 3, 27.0);
    assert!((goldilocks.deep_bits - report.deep_bits - 4.0).abs() < 0.1, "{goldilocks:?} vs {report:?}");
}

#[test]
fn bus_ids_that_wrap_around_the_field_are_refused() {
    // Bus q + 1 is the field element 1 in KoalaBear: its messages would be bus 1's.
    let q = F::ORDER_U64 as u32;
    let tables = [Sender { bus: 1, arity: 2 }, Sender { bus: q + 1, arity: 2 }];
    let err = setup(&config(), &tables).map(|_| ()).unwrap_err();
    assert!(matches!(err, SetupError::BusIdsCollide { bus: 1, other } if other == q + 1), "{err}");
    // Below the characteristic every id is its own element.
    setup(&config(), &[Sender { bus: 1, arity: 2 }, Sender { bus: q - 1, arity: 2 }]).expect("distinct ids");
}
