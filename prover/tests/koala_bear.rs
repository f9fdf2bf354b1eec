//! The toy tables of `common` under the KoalaBear configuration
//! (`Config::poseidon2_koala_bear`: a 31-bit field, challenges in its degree-4 extension,
//! Poseidon2 over KoalaBear): the shared suite (`common/suite.rs`, also run under
//! Goldilocks by `toy.rs`) with LogUp columns and quotient chunks of 4 base coordinates
//! and 8-element digests, plus what is KoalaBear's own: four lookups per row paired into
//! LogUp batches in a degree-3 table, bytes told apart from Goldilocks bytes, the
//! security figure, and bus ids that wrap around the field.

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

common::suite::toy_suite!();

#[test]
fn challenges_are_in_a_degree_4_extension() {
    assert_eq!(<EF as BasedVectorSpace<F>>::DIMENSION, 4);
    assert_eq!(F::ORDER_U64, (1 << 31) - (1 << 24) + 1);
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
