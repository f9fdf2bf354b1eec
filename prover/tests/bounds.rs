//! The limits a small field puts on a proof set (`src/bounds.rs`, `Config::max_log_height`),
//! under KoalaBear (`p = 2^31 − 2^24 + 1`), with Goldilocks for contrast:
//!
//! * LogUp's multiplicity bounds: a segment with `p` or more bus terms (check (a)), and a
//!   proof set with `p` or more terms on non-local buses (check (b)), are rejected; a bus
//!   named local at setup counts per segment only; the statement's messages count with
//!   their multiplicities. The checks run on the heights the proofs claim, so the tests
//!   prove small honest segments and then claim tall heights (a claim the proof does not
//!   back, which the bounds reject before anything else and which otherwise fails the
//!   proof of work of the global transcript).
//! * the largest table height, `2^(two_adicity − log_blowup)`: refused by setup, the
//!   prover and the verifier.

mod common;

use common::*;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_goldilocks::Goldilocks;
use p3_koala_bear::KoalaBear;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::*;

type F = KoalaBear;
type SC = KoalaBearStark;

fn config() -> Config<SC> {
    Config::poseidon2_koala_bear(FriSettings::default())
}

/// A bus no tag makes local.
const GLOBAL_BUS: BusId = 5;
/// A bus the tests name local.
const LOCAL_BUS: BusId = 6;
/// `p` of KoalaBear.
const P: u128 = (1 << 31) - (1 << 24) + 1;

/// One main column `c`, sent `global` times on [`GLOBAL_BUS`] and `local` times on
/// [`LOCAL_BUS`], each with multiplicity `c`: a zero trace puts nothing on the bus, so
/// any height balances, while every row counts `global + local` terms.
#[derive(Clone, Copy, Debug)]
struct Chatty {
    global: usize,
    local: usize,
}

impl TableName for Chatty {
    fn name(&self) -> String {
        format!("chatty {}+{}", self.global, self.local)
    }
}

impl<G: PrimeField64> BaseAir<G> for Chatty {
    fn width(&self) -> usize {
        1
    }
}

impl<AB: BusBuilder<F: PrimeField64>> Air<AB> for Chatty {
    fn eval(&self, builder: &mut AB) {
        let c = builder.main().current_slice()[0];
        for _ in 0..self.global {
            builder.send(GLOBAL_BUS, [c], c);
        }
        for _ in 0..self.local {
            builder.send(LOCAL_BUS, [c], c);
        }
    }
}

/// 256 interactions per row, half of them on the local bus: `2^23` rows make `2^31 > p`
/// terms in a segment, `2^22` rows `2^30 < p`.
const TABLES: [Chatty; 1] = [Chatty { global: 128, local: 128 }];

fn zeros<G: PrimeField64>(rows: usize) -> SegmentWitness<G> {
    SegmentWitness { traces: vec![RowMajorMatrix::new_col(vec![G::ZERO; rows])], public_values: vec![] }
}

/// A statement whose messages balance among themselves: `(bus, [7])` sent and received
/// `m` times on each bus of `buses`.
fn balanced_statement<G: PrimeField64>(buses: &[BusId], m: u64) -> Statement<G> {
    let boundary = buses
        .iter()
        .flat_map(|&bus| {
            [
                BusMessage { bus, values: vec![G::from_u8(7)], multiplicity: G::from_u64(m) },
                BusMessage { bus, values: vec![G::from_u8(7)], multiplicity: -G::from_u64(m) },
            ]
        })
        .collect();
    Statement { public_values: vec![], boundary }
}

/// Two honest segments of 4 rows under `config` with `LOCAL_BUS` named local, and the
/// statement with one message pair on each bus.
fn two_segments<SCx>(
    config: &Config<SCx>,
) -> (ProvingKey<SCx>, Statement<p3_uni_stark::Val<SCx>>, Vec<SegmentProof<SCx>>)
where
    SCx: p3_uni_stark::StarkGenericConfig + Sync,
    SCx::Challenger: p3_challenger::GrindingChallenger<Witness = p3_uni_stark::Val<SCx>>,
    p3_uni_stark::Com<SCx>: Send + Sync,
    proof::PcsProof<SCx>: Send,
    keys::PcsData<SCx>: Send + Sync,
    Chatty: StarkTable<SCx>,
{
    let pk = setup_with_local_buses(config, &TABLES, &[LOCAL_BUS, LOCAL_BUS]).unwrap();
    assert_eq!(pk.vk.local_buses, [LOCAL_BUS]);
    let statement = balanced_statement(&[GLOBAL_BUS, LOCAL_BUS], 1);
    let proofs = prove_segments(config, &pk, &TABLES, &statement, 2, 0, |_| Ok::<_, String>(zeros(4))).unwrap();
    (pk, statement, proofs)
}

#[test]
fn honest_proofs_pass_and_are_counted() {
    let config = config();
    let (pk, statement, proofs) = two_segments(&config);
    verify_segments(&config, &TABLES, &pk.vk, &statement, &proofs).unwrap();
    // Each segment: 4 rows × 256 interactions, plus the statement's 2 local messages;
    // over the set: 2 × 4 rows × 128 global interactions, plus 2 global messages.
    let terms = pk.vk.check_bus_terms(&statement, proofs.iter().map(|p| &p.commitment.log_heights[..])).unwrap();
    assert_eq!(terms, BusTerms { segments: vec![4 * 256 + 2, 4 * 256 + 2], global: 2 * 4 * 128 + 2 });
    // The same proofs under a key without local buses (the proofs do not depend on it).
    let plain = setup(&config, &TABLES).unwrap();
    assert!(plain.vk.local_buses.is_empty());
    verify_segments(&config, &TABLES, &plain.vk, &statement, &proofs).unwrap();
    let terms = plain.vk.bus_terms(&statement, proofs.iter().map(|p| &p.commitment.log_heights[..]));
    assert_eq!(terms, BusTerms { segments: vec![4 * 256, 4 * 256], global: 2 * 4 * 256 + 4 });
    // A multiplicity counts as a signed integer: −1 is 1, not p − 1; (p − 1)/2 is itself.
    let m = ((P - 1) / 2) as u64;
    let terms = plain.vk.bus_terms(&balanced_statement::<F>(&[GLOBAL_BUS], m), std::iter::empty());
    assert_eq!(terms.global, 2 * u128::from(m));
    // An absent table counts no rows, a missing height none either.
    let terms = plain.vk.bus_terms(&Statement::default(), [&[ABSENT][..], &[][..], &[3][..]]);
    assert_eq!(terms.segments, [0, 0, 8 * 256]);
}

#[test]
fn a_segment_with_p_terms_is_rejected() {
    let config = config();
    let (pk, statement, proofs) = two_segments(&config);
    // Segment 1 claims 2^23 rows: 2^31 + 2 ≥ p terms in it, though only half are global
    // (2^30 + 512 + 2 < p over the set).
    let mut tall = proofs.clone();
    tall[1].commitment.log_heights[0] = 23;
    let err = verify_segments(&config, &TABLES, &pk.vk, &statement, &tall).unwrap_err();
    assert!(
        matches!(err, VerifyError::SegmentBusTerms { segment: 1, terms, modulus }
            if terms == (1 << 31) + 2 && u128::from(modulus) == P),
        "{err}"
    );
    assert!(err.to_string().contains("segment 1"), "{err}");
    // 2^22 rows (2^30 + 2 terms) are within the bound; the claim then fails the global
    // transcript, which binds the heights.
    tall[1].commitment.log_heights[0] = 22;
    let err = verify_segments(&config, &TABLES, &pk.vk, &statement, &tall).unwrap_err();
    assert!(matches!(err, VerifyError::BusProofOfWork), "{err}");
}

#[test]
fn a_proof_set_with_p_global_terms_is_rejected() {
    let config = config();
    let (pk, statement, mut proofs) = two_segments(&config);
    let plain = setup(&config, &TABLES).unwrap();
    // Both segments claim 2^22 rows: 2^30 + 2 terms each (check (a) passes), and over
    // the set 2^31 + 4 terms, all of them global without local buses.
    for p in &mut proofs {
        p.commitment.log_heights[0] = 22;
    }
    let err = verify_segments(&config, &TABLES, &plain.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::GlobalBusTerms { terms, .. } if terms == (1 << 31) + 4), "{err}");
    // With the local bus named, half of them are per segment: 2^30 + 2 global terms.
    let err = verify_segments(&config, &TABLES, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::BusProofOfWork), "{err}");
}

#[test]
fn the_statements_multiplicities_count() {
    let config = config();
    let (pk, _, proofs) = two_segments(&config);
    // (p − 1)/2 copies sent and received on the global bus (the largest magnitude a
    // multiplicity has): p − 1 global terms, plus the segments', on honest proofs (which
    // this statement does not belong to: the bound fires first).
    let half = ((P - 1) / 2) as u64;
    let heavy = balanced_statement::<F>(&[GLOBAL_BUS], half);
    let err = verify_segments(&config, &TABLES, &pk.vk, &heavy, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::GlobalBusTerms { terms, .. } if terms == P - 1 + 2 * 4 * 128), "{err}");
    // On the local bus they count in every segment instead.
    let heavy_local = balanced_statement::<F>(&[LOCAL_BUS], half);
    let err = verify_segments(&config, &TABLES, &pk.vk, &heavy_local, &proofs).unwrap_err();
    assert!(matches!(err, VerifyError::SegmentBusTerms { segment: 0, terms, .. } if terms == P - 1 + 4 * 256), "{err}");
    // The prover refuses such a statement after phase 1, before proving phase 2.
    let err = prove_segments(&config, &pk, &TABLES, &heavy, 2, 0, |_| Ok::<_, String>(zeros(4))).err().unwrap();
    assert!(matches!(err, ProveError::BusTerms(VerifyError::GlobalBusTerms { .. })), "{err}");
}

#[test]
fn goldilocks_is_far_from_its_bounds() {
    let config = Config::poseidon2(FriSettings::default());
    let (_, statement, proofs) = two_segments(&config);
    let plain = setup(&config, &TABLES).unwrap();
    verify_segments(&config, &TABLES, &plain.vk, &statement, &proofs).unwrap();
    // The claims that exceed KoalaBear's bounds pass Goldilocks' (and fail the proof of work).
    let mut tall = proofs.clone();
    tall[0].commitment.log_heights[0] = 23;
    tall[1].commitment.log_heights[0] = 23;
    let err = verify_segments(&config, &TABLES, &plain.vk, &statement, &tall).unwrap_err();
    assert!(matches!(err, VerifyError::BusProofOfWork), "{err}");
    // Even 2^31 rows × 256 interactions in each of 2^20 segments stays below p = 2^64 − 2^32 + 1.
    let heights = vec![[31u8]; 1 << 20];
    let terms = plain.vk.check_bus_terms(&Statement::<Goldilocks>::default(), heights.iter().map(|h| &h[..])).unwrap();
    assert_eq!(terms.global, 1 << 59);
}

#[test]
fn the_largest_height_is_two_adicity_minus_log_blowup() {
    assert_eq!(config().max_log_height(), 23);
    assert_eq!(Config::blake3_koala_bear(FriSettings::default()).max_log_height(), 23);
    assert_eq!(Config::poseidon2(FriSettings::default()).max_log_height(), 31);
    let blowup_4 = FriSettings { log_blowup: 2, num_queries: 50, query_pow_bits: 16 };
    assert_eq!(Config::poseidon2_koala_bear(blowup_4).max_log_height(), 22);
    assert_eq!(Config::blake3(blowup_4).max_log_height(), 30);
}

#[test]
fn the_prover_refuses_a_table_taller_than_the_largest_height() {
    let config = config();
    let tables = [Chatty { global: 1, local: 0 }];
    let pk = setup(&config, &tables).unwrap();
    // 2^24 rows: the LDE (blowup 2) would need a subgroup of 2^25 > 2^24 elements.
    let err = commit_segment(&config, &pk, 0, zeros::<F>(1 << 24)).err().unwrap();
    assert!(
        matches!(&err, ProveError::Height { height, reason, .. } if *height == 1 << 24 && reason.contains("2^23")),
        "{err}"
    );
}

#[test]
fn setup_refuses_a_preprocessed_table_taller_than_the_largest_height() {
    // Blowup 2^17 leaves KoalaBear 2^7 rows, and the range table has 256.
    let config = Config::poseidon2_koala_bear(FriSettings { log_blowup: 17, num_queries: 6, query_pow_bits: 0 });
    let err = setup(&config, &[Toy::Range { offset: 0 }]).map(|_| ()).unwrap_err();
    assert!(matches!(err, SetupError::PreprocessedHeight { height: 256, max_log: 7, .. }), "{err}");
}

#[test]
fn the_verifier_refuses_a_claimed_height_above_the_largest() {
    let config = config();
    let (pk, statement, mut proofs) = two_segments(&config);
    proofs[1].commitment.log_heights[0] = 24;
    let err = verify_segments(&config, &TABLES, &pk.vk, &statement, &proofs).unwrap_err();
    assert!(
        matches!(&err, VerifyError::TableTooTall { segment: 1, log_height: 24, max_log: 23, table } if table.contains("chatty")),
        "{err}"
    );
    // A lone segment's check says so too.
    let challenge = BusChallenge { gamma: KoalaBearChallenge::ONE, beta: KoalaBearChallenge::ONE };
    let err = verify_segment(&config, &TABLES, &pk.vk, &challenge, &proofs[1]).unwrap_err();
    assert!(matches!(&err, VerifyError::Shape { segment: 1, what } if what.contains("2^24")), "{err}");
}
