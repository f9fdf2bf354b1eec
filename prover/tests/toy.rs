//! End-to-end tests on toy tables under the default (Goldilocks, Poseidon2)
//! configuration: the shared suite (`common/suite.rs`) and the tests of this
//! configuration alone. Each positive case proves and verifies; each negative case
//! (tampered trace, unbalanced bus, missing/swapped segments, another program, a wrong
//! global challenge, flipped bytes, a forged absent table) must fail verification.

mod common;

use common::*;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::*;

/// The base field of these tests.
type F = Val;
/// Its challenge field.
type EF = Challenge;
type SC = Poseidon2Stark;

fn config() -> Config<SC> {
    Config::poseidon2(FriSettings::default())
}

common::suite::toy_suite!();

#[test]
fn lookup_with_blake3() {
    let config = Config::blake3(FriSettings::default());
    let tables = lookup_program(0);
    let pk = setup(&config, &tables).unwrap();
    let statement = Statement::default();
    let witness = lookup_witness(0, 512, 3, None);
    let proofs = prove_segments(&config, &pk, &tables, &statement, 1, 0, |_| Ok::<_, String>(witness.clone())).unwrap();
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap();
    // Blake3 proofs are rejected by a Poseidon2 verifier at the format level.
    let bytes = encode_proofs(&config, &proofs).unwrap();
    assert!(matches!(decode_proofs(&self::config(), &bytes), Err(FormatError::WrongHash { .. })));
}

#[test]
fn absent_table_claims_are_checked() {
    let config = config();
    let tables = lookup_program(0);
    let pk = setup(&config, &tables).unwrap();
    assert_eq!(pk.vk.tables.iter().map(|k| k.may_be_absent).collect::<Vec<_>>(), [true, false]);
    let statement = Statement::default();
    // The prover refuses to leave out a table that may not be absent.
    let mut witness = lookup_witness(0, 64, 5, None);
    witness.traces[1] = RowMajorMatrix::new(Vec::new(), 2);
    let result = prove_segments(&config, &pk, &tables, &statement, 1, 0, |_| Ok::<_, String>(witness.clone()));
    assert!(matches!(result, Err(ProveError::Height { height: 0, .. })), "{:?}", result.err());

    let proofs =
        prove_segments(&config, &pk, &tables, &statement, 2, 0, |k| Ok::<_, String>(shared_range_witness(k))).unwrap();
    // Each forgery fails the set's verification, and its segment alone fails the shape
    // check under the honest global challenge.
    let commitments: Vec<_> = proofs.iter().map(|p| p.commitment.clone()).collect();
    let challenge =
        check_global_challenge(&config, &pk.vk, &statement, &commitments, proofs[0].bus_pow_witness).unwrap();
    let rejected = |forged: &[SegmentProof<Poseidon2Stark>]| {
        assert!(verify_segments(&config, &tables, &pk.vk, &statement, forged).is_err());
        let err = verify_segment(&config, &tables, &pk.vk, &challenge, &forged[0]).unwrap_err();
        assert!(matches!(err, VerifyError::Shape { segment: 0, .. }), "{err}");
    };
    // Claiming the squares table absent (its openings dropped too).
    let mut forged = proofs.clone();
    forged[0].commitment.log_heights[1] = ABSENT;
    forged[0].openings[1] = TableOpenings::default();
    rejected(&forged);
    // Opened values for an absent table beyond its fixed columns at ζ.
    let mut forged = proofs.clone();
    forged[0].openings[0].preprocessed_next = forged[0].openings[0].preprocessed_local.clone();
    forged[0].bus_sums[1] = Challenge::ZERO;
    rejected(&forged);
    // An absent table with a bus sum: moving segment 0's sum onto its absent range table.
    let mut forged = proofs.clone();
    forged[0].bus_sums[0] = forged[0].bus_sums[1];
    forged[0].bus_sums[1] = Challenge::ZERO;
    rejected(&forged);
    // Claiming the range table present in segment 0 at some height.
    let mut forged = proofs;
    forged[0].commitment.log_heights[0] = 8;
    rejected(&forged);
}

#[test]
fn proof_from_another_program_fails() {
    let config = config();
    // Two programs that differ only in their preprocessed (fixed) range column.
    let (a, b) = (lookup_program(0), lookup_program(1));
    let (pk_a, pk_b) = (setup(&config, &a).unwrap(), setup(&config, &b).unwrap());
    let statement = Statement::default();
    let proofs_b = prove_one(&config, &pk_b, &b, &statement, lookup_witness(1, 256, 1, None));
    verify_segments(&config, &b, &pk_b.vk, &statement, &proofs_b).unwrap();
    // The key is bound into the global transcript, so B's proof of work is already invalid
    // under A's key (except with probability 2^-16).
    let err = verify_segments(&config, &a, &pk_a.vk, &statement, &proofs_b).unwrap_err();
    assert!(matches!(err, VerifyError::BusProofOfWork), "{err}");
    // Below that layer, the segment proof itself does not verify under A's key, even with
    // the bus challenge B's proof was made with.
    let commitments = [proofs_b[0].commitment.clone()];
    let bus = check_global_challenge(&config, &pk_b.vk, &statement, &commitments, proofs_b[0].bus_pow_witness).unwrap();
    verify_segment(&config, &b, &pk_b.vk, &bus, &proofs_b[0]).unwrap();
    let err = verify_segment(&config, &a, &pk_a.vk, &bus, &proofs_b[0]).unwrap_err();
    assert!(matches!(err, VerifyError::Opening { .. } | VerifyError::ConstraintMismatch { .. }), "{err}");
}

#[test]
fn wrong_global_challenge_fails() {
    let config = config();
    let tables = [Toy::Counter];
    let pk = setup(&config, &tables).unwrap();
    let statement = Statement { public_values: vec![], boundary: counter_boundary(2, SEGMENT_ROWS) };
    let committed: Vec<_> =
        (0..2).map(|k| commit_segment(&config, &pk, k, counter_witness(k, SEGMENT_ROWS)).unwrap()).collect();
    let commitments: Vec<_> = committed.iter().map(|c| c.commitment.clone()).collect();
    // A challenge drawn from another statement (one more public value).
    let other = Statement { public_values: vec![Val::ONE], ..statement.clone() };
    let wrong = global_challenge(&config, &pk.vk, &other, &commitments);
    let right = global_challenge(&config, &pk.vk, &statement, &commitments);
    assert_ne!(wrong, right);
    let proofs: Vec<_> =
        committed.into_iter().map(|c| prove_committed(&config, &pk, &tables, c, &wrong).unwrap()).collect();
    assert!(verify_segments(&config, &tables, &pk.vk, &statement, &proofs).is_err());
}

#[test]
fn wrong_boundary_fails() {
    let (config, tables, pk, statement, proofs) = counter_run(2);
    let mut wrong = statement.clone();
    wrong.boundary[1] = BusMessage::receive(STATE_BUS, vec![Val::from_u64(7)]);
    assert!(verify_segments(&config, &tables, &pk.vk, &wrong, &proofs).is_err());
}

/// Proving the same segments twice gives the same bytes, however the threads are
/// scheduled: the proofs of work are the least passing witnesses, not the first found.
#[test]
fn proving_is_reproducible() {
    let prove = || {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let (config, _, _, _, proofs) = pool.install(|| counter_run(3));
        encode_proofs(&config, &proofs).unwrap()
    };
    assert_eq!(prove(), prove());
}

#[test]
fn malformed_bytes_are_rejected_with_clear_errors() {
    let (config, _, pk, _, proofs) = counter_run(1);
    let bytes = encode_proofs(&config, &proofs).unwrap();
    assert!(matches!(decode_proofs(&config, &bytes[..3]), Err(FormatError::Truncated { len: 3, .. })));
    let e = decode_proofs(&config, &bytes[..bytes.len() / 2]).err().unwrap();
    assert!(matches!(e, FormatError::Malformed { .. }), "{e}");
    let mut foreign = bytes.clone();
    foreign[..4].copy_from_slice(b"\x7fELF");
    assert!(matches!(decode_proofs(&config, &foreign), Err(FormatError::BadMagic { .. })));
    let mut version = bytes.clone();
    version[4] = 9;
    assert!(matches!(decode_proofs(&config, &version), Err(FormatError::Version { found: 9, .. })));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(decode_proofs(&config, &trailing), Err(FormatError::TrailingBytes { count: 1, .. })));
    // A key is not a proof.
    let vk_bytes = encode_vk(&config, &pk.vk).unwrap();
    assert!(matches!(decode_proofs(&config, &vk_bytes), Err(FormatError::BadMagic { .. })));
    let e = decode_vk(&config, &vk_bytes[..vk_bytes.len() - 1]).err().unwrap();
    assert!(matches!(e, FormatError::Malformed { .. }), "{e}");
}

#[test]
fn flipped_proof_bytes_fail() {
    let (config, tables, pk, statement, proofs) = counter_run(2);
    let bytes = encode_proofs(&config, &proofs).unwrap();
    // Flip one bit at many positions spread over the whole proof: each either fails to
    // decode or fails verification, and nothing panics.
    let step = (bytes.len() / 97).max(1);
    let mut decode_errors = 0;
    let mut verify_errors = 0;
    for pos in (7..bytes.len()).step_by(step) {
        let mut b = bytes.clone();
        b[pos] ^= 1 << (pos % 8);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match decode_proofs(&config, &b) {
            Err(_) => Err(true),
            Ok(p) => verify_segments(&config, &tables, &pk.vk, &statement, &p).map_err(|_| false),
        }));
        match outcome {
            Err(_) => panic!("flipping byte {pos} made the verifier panic"),
            Ok(Ok(())) => panic!("flipping byte {pos} still verifies"),
            Ok(Err(true)) => decode_errors += 1,
            Ok(Err(false)) => verify_errors += 1,
        }
    }
    assert!(verify_errors > 0, "{decode_errors} decode errors, {verify_errors} verify errors");
}

#[test]
fn bad_witness_shapes_are_clear_errors() {
    let config = config();
    let tables = lookup_program(0);
    let pk = setup(&config, &tables).unwrap();
    let mut w = lookup_witness(0, 64, 1, None);
    w.traces[1] = p3_matrix::dense::RowMajorMatrix::new(vec![Val::ZERO; 2 * 48], 2);
    let e = commit_segment(&config, &pk, 0, w).err().unwrap();
    assert!(matches!(e, ProveError::Height { height: 48, .. }), "{e}");
    let mut w = lookup_witness(0, 64, 1, None);
    w.traces[0] = p3_matrix::dense::RowMajorMatrix::new_col(vec![Val::ZERO; 128]);
    let e = commit_segment(&config, &pk, 0, w).err().unwrap();
    assert!(e.to_string().contains("preprocessed height"), "{e}");
    let mut w = lookup_witness(0, 64, 1, None);
    w.traces.pop();
    let e = commit_segment(&config, &pk, 0, w).err().unwrap();
    assert!(matches!(e, ProveError::TableCount { expected: 2, got: 1, .. }), "{e}");
    // A verifier given other tables than the key's refuses before looking at proofs.
    let e = verify_segments(&config, &[Toy::Squares, Toy::Squares], &pk.vk, &Statement::default(), &[]).unwrap_err();
    assert!(matches!(e, VerifyError::KeyMismatch { .. }), "{e}");
}

#[test]
fn security_figure_reaches_100_bits() {
    let config = config();
    let report = config.security(22, 3, 27.0);
    assert!(report.conjectured_bits >= 100.0, "{report:?}");
    assert_eq!(report.fri_bits, 116.0);
    // 2M bad challenges for M = 2^27 bus terms (see `config`): 2^28.
    assert_eq!(report.logup_bits, config.challenge_field_bits() - 28.0 + 16.0);
    // Larger runs lose LogUp bits: the figure is computed, not asserted.
    assert!(config.security(22, 3, 46.0).conjectured_bits < 100.0);
}

#[test]
fn nondeterministic_witness_generator_is_reported() {
    let config = config();
    let tables = [Toy::Counter];
    let pk = setup(&config, &tables).unwrap();
    let calls = std::sync::atomic::AtomicU64::new(0);
    let statement = Statement { public_values: vec![], boundary: counter_boundary(1, SEGMENT_ROWS) };
    let err = prove_segments(&config, &pk, &tables, &statement, 1, 1, |_| {
        // The second call (phase 2) returns a different trace.
        let shift = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok::<_, String>(counter_witness(shift as usize, SEGMENT_ROWS))
    })
    .err()
    .unwrap();
    assert!(matches!(err, ProveError::NonDeterministicWitness { segment: 0 }), "{err}");
    let err = prove_segments(&config, &pk, &tables, &statement, 2, 1, |k| {
        if k == 1 {
            Err("replay of segment 1 failed".to_string())
        } else {
            Ok(counter_witness(k, SEGMENT_ROWS))
        }
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("segment 1: witness generation failed: replay"), "{err}");
}

#[test]
fn bad_proof_of_work_fails() {
    let (config, tables, pk, statement, mut proofs) = counter_run(2);
    // One segment disagreeing with the others is a malformed set.
    proofs[1].bus_pow_witness += Val::ONE;
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::Shape { segment: 1, .. }), "{err}");
    // All agreeing on a witness that is not a valid proof of work (2^-16 chance it is).
    proofs[0].bus_pow_witness += Val::ONE;
    let err = verify_segments(&config, &tables, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::BusProofOfWork), "{err}");
}

/// A table whose only constraint, `x⁴ = y`, has degree 4.
struct Quartic;

impl TableName for Quartic {
    fn name(&self) -> String {
        "quartic".into()
    }
}

impl p3_air::BaseAir<Val> for Quartic {
    fn width(&self) -> usize {
        2
    }
}

impl<AB: BusBuilder<F = Val>> p3_air::Air<AB> for Quartic {
    fn eval(&self, builder: &mut AB) {
        use p3_air::WindowAccess;
        let main = builder.main();
        let (x, y) = (main.current_slice()[0], main.current_slice()[1]);
        builder.assert_eq(x * x * x * x, y);
    }
}

#[test]
fn constraint_degree_is_checked_against_the_blowup() {
    // Degree 4 needs a quotient domain of 4 times the trace height: more than blowup 2
    // allows, fine with blowup 4.
    let err = setup(&config(), &[Quartic]).err().unwrap();
    assert!(matches!(err, SetupError::DegreeTooHigh { degree: 4, log_quotient_degree: 2, log_blowup: 1, .. }), "{err}");
    let config = Config::poseidon2(FriSettings { log_blowup: 2, num_queries: 50, query_pow_bits: 16 });
    let pk = setup(&config, &[Quartic]).unwrap();
    assert_eq!(pk.vk.tables[0].analysis.log_quotient_degree(), 2);
    let x: Vec<u64> = (0..32).collect();
    let trace = p3_matrix::dense::RowMajorMatrix::new(
        x.iter().flat_map(|&x| [Val::from_u64(x), Val::from_u64(x).exp_u64(4)]).collect(),
        2,
    );
    let witness = SegmentWitness { traces: vec![trace], public_values: vec![] };
    let statement = Statement::default();
    let proofs =
        prove_segments(&config, &pk, &[Quartic], &statement, 1, 0, |_| Ok::<_, String>(witness.clone())).unwrap();
    verify_segments(&config, &[Quartic], &pk.vk, &statement, &proofs).unwrap();
    // A lone table: the 4 chunks of the trace height its degree needs.
    assert_eq!(proofs[0].openings[0].quotient_chunks.len(), 4);
    assert_eq!(config.security(5, 4, 5.0).fri_bits, 116.0);
}

#[test]
fn one_bus_has_one_arity() {
    // `(x)` and `(x, 0)` would share a fingerprint, so setup refuses mixed arities.
    let tables = [Sender { bus: 9, arity: 2 }, Sender { bus: 10, arity: 1 }, Sender { bus: 9, arity: 3 }];
    let err = setup(&config(), &tables).map(|_| ()).unwrap_err();
    assert!(
        matches!(&err, SetupError::BusArity { bus: 9, arity: 3, expected: 2, table, first_table }
            if table.contains("arity 3") && first_table.contains("arity 2")),
        "{err}"
    );
    setup(&config(), &tables[..2]).expect("one arity per bus");
}
