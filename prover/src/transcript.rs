//! Fiat–Shamir: what is observed, in which order, for the global challenge and for each
//! segment's phase 2. Everything observed is length-prefixed, so no two different inputs
//! produce the same sequence of field elements. Prover and verifier call the same
//! functions here.

use p3_challenger::{CanObserve, FieldChallenger, GrindingChallenger};
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};
use p3_uni_stark::{StarkGenericConfig, Val};

use crate::config::Config;
use crate::keys::VerifyingKey;
use crate::logup::{BusChallenge, GlobalChallenge};
use crate::proof::{SegmentCommitment, Statement};

const GLOBAL_TAG: &[u8] = b"ziskjit-prover/global/v2";
const SEGMENT_TAG: &[u8] = b"ziskjit-prover/segment/v1";

fn observe_len<SC: StarkGenericConfig>(ch: &mut SC::Challenger, n: usize) {
    ch.observe(Val::<SC>::from_u64(n as u64));
}

fn observe_tag<SC: StarkGenericConfig>(ch: &mut SC::Challenger, tag: &[u8]) {
    observe_len::<SC>(ch, tag.len());
    for &b in tag {
        ch.observe(Val::<SC>::from_u8(b));
    }
}

fn observe_vals<SC: StarkGenericConfig>(ch: &mut SC::Challenger, values: &[Val<SC>]) {
    observe_len::<SC>(ch, values.len());
    ch.observe_slice(values);
}

/// Binds the program: table shapes, constraint analysis and the preprocessed commitment.
fn observe_vk<SC: StarkGenericConfig>(ch: &mut SC::Challenger, vk: &VerifyingKey<SC>) {
    observe_len::<SC>(ch, vk.tables.len());
    for t in &vk.tables {
        observe_len::<SC>(ch, t.width);
        observe_len::<SC>(ch, t.preprocessed_width);
        observe_len::<SC>(ch, t.preprocessed_log_height.map_or(0, |h| h + 1));
        observe_len::<SC>(ch, usize::from(t.may_be_absent));
        observe_len::<SC>(ch, t.analysis.num_constraints);
        observe_len::<SC>(ch, t.analysis.log_quotient_degree());
        observe_len::<SC>(ch, t.analysis.interactions.len());
        for i in &t.analysis.interactions {
            observe_len::<SC>(ch, i.bus as usize);
            observe_len::<SC>(ch, i.arity);
        }
    }
    observe_len::<SC>(ch, vk.num_public_values);
    if let Some(c) = &vk.preprocessed {
        ch.observe(c.clone());
    }
}

fn observe_segment<SC: StarkGenericConfig>(ch: &mut SC::Challenger, c: &SegmentCommitment<SC>) {
    observe_len::<SC>(ch, c.index as usize);
    observe_len::<SC>(ch, c.log_heights.len());
    for &h in &c.log_heights {
        observe_len::<SC>(ch, h as usize);
    }
    observe_vals::<SC>(ch, &c.public_values);
    ch.observe(c.main.clone());
}

/// The global transcript: the program, the statement and the phase-1 commitment of every
/// segment, in order.
fn global_transcript<SC: StarkGenericConfig>(
    config: &Config<SC>,
    vk: &VerifyingKey<SC>,
    statement: &Statement<Val<SC>>,
    segments: &[SegmentCommitment<SC>],
) -> SC::Challenger {
    let mut ch = config.stark.initialise_challenger();
    observe_tag::<SC>(&mut ch, GLOBAL_TAG);
    observe_vk::<SC>(&mut ch, vk);
    observe_vals::<SC>(&mut ch, &statement.public_values);
    observe_len::<SC>(&mut ch, statement.boundary.len());
    for m in &statement.boundary {
        observe_len::<SC>(&mut ch, m.bus as usize);
        observe_vals::<SC>(&mut ch, &m.values);
        ch.observe(m.multiplicity);
    }
    observe_len::<SC>(&mut ch, segments.len());
    for s in segments {
        observe_segment::<SC>(&mut ch, s);
    }
    ch
}

fn draw_bus_challenge<SC: StarkGenericConfig>(ch: &mut SC::Challenger) -> BusChallenge<SC::Challenge> {
    let gamma: SC::Challenge = ch.sample_algebra_element();
    let beta: SC::Challenge = ch.sample_algebra_element();
    BusChallenge { gamma, beta }
}

/// The global bus challenge `(γ, β)` (prover side): observe the global transcript, grind
/// `bus_pow_bits` of proof of work, draw. The recursor re-derives it the same way from
/// the commitments it carries up the tree ([`check_global_challenge`]).
pub fn global_challenge<SC>(
    config: &Config<SC>,
    vk: &VerifyingKey<SC>,
    statement: &Statement<Val<SC>>,
    segments: &[SegmentCommitment<SC>],
) -> GlobalChallenge<Val<SC>, SC::Challenge>
where
    SC: StarkGenericConfig,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
{
    let mut ch = global_transcript(config, vk, statement, segments);
    let pow_witness = ch.grind(config.bus_pow_bits);
    GlobalChallenge { bus: draw_bus_challenge::<SC>(&mut ch), pow_witness }
}

/// The global bus challenge (verifier side): `None` if `pow_witness` is not a valid proof
/// of work for this transcript.
pub fn check_global_challenge<SC>(
    config: &Config<SC>,
    vk: &VerifyingKey<SC>,
    statement: &Statement<Val<SC>>,
    segments: &[SegmentCommitment<SC>],
    pow_witness: Val<SC>,
) -> Option<BusChallenge<SC::Challenge>>
where
    SC: StarkGenericConfig,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
{
    let mut ch = global_transcript(config, vk, statement, segments);
    ch.check_witness(config.bus_pow_bits, pow_witness).then(|| draw_bus_challenge::<SC>(&mut ch))
}

/// The challenger for one segment's phase 2, after observing the program, the global
/// challenge and the segment's phase-1 commitment.
pub(crate) fn segment_challenger<SC: StarkGenericConfig>(
    config: &Config<SC>,
    vk: &VerifyingKey<SC>,
    challenge: &BusChallenge<SC::Challenge>,
    segment: &SegmentCommitment<SC>,
) -> SC::Challenger {
    let mut ch = config.stark.initialise_challenger();
    observe_tag::<SC>(&mut ch, SEGMENT_TAG);
    observe_vk::<SC>(&mut ch, vk);
    ch.observe_algebra_element(challenge.gamma);
    ch.observe_algebra_element(challenge.beta);
    observe_segment::<SC>(&mut ch, segment);
    ch
}

/// Observes the aux commitment and the bus sums, then draws `α`.
pub(crate) fn constraint_challenge<SC: StarkGenericConfig>(
    ch: &mut SC::Challenger,
    aux: Option<&p3_uni_stark::Com<SC>>,
    bus_sums: &[SC::Challenge],
) -> SC::Challenge {
    if let Some(c) = aux {
        ch.observe(c.clone());
    }
    for s in bus_sums {
        ch.observe_slice(s.as_basis_coefficients_slice());
    }
    ch.sample_algebra_element()
}

/// Observes the quotient commitment, then draws `ζ`.
pub(crate) fn ood_point<SC: StarkGenericConfig>(
    ch: &mut SC::Challenger,
    quotient: &p3_uni_stark::Com<SC>,
) -> SC::Challenge {
    ch.observe(quotient.clone());
    ch.sample_algebra_element()
}
