//! The verifier: one segment ([`verify_segment`]) and a whole proof set with the global
//! bus balance ([`verify_segments`]).
//!
//! The verifier never trusts a length or count from the proof: every shape is derived
//! from the verification key and the table heights, checked against the proof before
//! use, and each loop runs over key-derived bounds (which keeps it expressible as a
//! circuit with fixed shape per table height, for the recursor).

use p3_air::RowWindow;
use p3_challenger::GrindingChallenger;
use p3_commit::{Pcs, PolynomialSpace};
use p3_field::{BasedVectorSpace, ExtensionField, Field, PrimeCharacteristicRing};
use p3_maybe_rayon::prelude::*;
use p3_uni_stark::{Domain, StarkGenericConfig, Val};

use crate::air::StarkTable;
use crate::config::Config;
use crate::error::VerifyError;
use crate::folder::VerifierFolder;
use crate::keys::{SegmentLayout, VerifyingKey};
use crate::logup::{BusChallenge, LogUpColumns};
use crate::proof::{SegmentCommitment, SegmentProof, Statement, TableOpenings, ABSENT};
use crate::prover::lagrange_scales;
use crate::symbolic::TableAnalysis;
use crate::transcript::{check_global_challenge, constraint_challenge, ood_point, segment_challenger};

/// Verifies a complete proof set: the claimed table heights (at most
/// [`Config::max_log_height`], and within LogUp's multiplicity bounds, [`crate::bounds`]),
/// the proof of work before the global challenge, every segment proof, in order, under
/// the global challenge re-derived from their phase-1 commitments, and the bus balance
/// `Σ segment sums + boundary terms = 0`.
pub fn verify_segments<SC, T>(
    config: &Config<SC>,
    tables: &[T],
    vk: &VerifyingKey<SC>,
    statement: &Statement<Val<SC>>,
    proofs: &[SegmentProof<SC>],
) -> Result<(), VerifyError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
    SC: Sync,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    p3_uni_stark::Com<SC>: Send + Sync,
    crate::proof::PcsProof<SC>: Sync,
{
    vk.check_tables(tables)?;
    if proofs.is_empty() {
        return Err(VerifyError::NoSegments);
    }
    for (position, p) in proofs.iter().enumerate() {
        if p.commitment.index as usize != position {
            return Err(VerifyError::SegmentIndex { position, claimed: p.commitment.index });
        }
    }
    // The claimed heights, before anything costly: each within the configuration, and
    // the bus terms they imply within LogUp's bounds.
    let max_log = config.max_log_height();
    for (segment, p) in proofs.iter().enumerate() {
        for (key, &log_h) in vk.tables.iter().zip(&p.commitment.log_heights) {
            if log_h != ABSENT && usize::from(log_h) > max_log {
                return Err(VerifyError::TableTooTall {
                    segment,
                    table: key.name.clone(),
                    log_height: log_h.into(),
                    max_log,
                });
            }
        }
    }
    vk.check_bus_terms(statement, proofs.iter().map(|p| &p.commitment.log_heights[..]))?;
    let commitments: Vec<SegmentCommitment<SC>> = proofs.iter().map(|p| p.commitment.clone()).collect();
    let pow_witness = proofs[0].bus_pow_witness;
    if let Some(p) = proofs.iter().find(|p| p.bus_pow_witness != pow_witness) {
        return Err(VerifyError::Shape {
            segment: p.commitment.index as usize,
            what: "proof-of-work witness differs from segment 0's".into(),
        });
    }
    let challenge =
        check_global_challenge(config, vk, statement, &commitments, pow_witness).ok_or(VerifyError::BusProofOfWork)?;
    proofs
        .par_iter()
        .map(|p| verify_segment(config, tables, vk, &challenge, p))
        .collect::<Result<Vec<()>, VerifyError>>()?;
    let boundary = challenge.boundary_sum(&statement.boundary).ok_or(VerifyError::BoundaryCollision)?;
    let total: SC::Challenge = proofs.iter().map(SegmentProof::bus_sum).sum::<SC::Challenge>() + boundary;
    if !total.is_zero() {
        return Err(VerifyError::Unbalanced(format!("{total:?}")));
    }
    Ok(())
}

/// Checks that the proof's shape is the one the key and heights prescribe; returns where
/// each table sits in the commitments (with its quotient chunk count), which it checked.
fn check_shape<SC: StarkGenericConfig>(
    config: &Config<SC>,
    vk: &VerifyingKey<SC>,
    proof: &SegmentProof<SC>,
) -> Result<SegmentLayout, String> {
    let n = vk.tables.len();
    let c = &proof.commitment;
    let d = <SC::Challenge as BasedVectorSpace<Val<SC>>>::DIMENSION;
    let max_log = config.max_log_height();
    if c.log_heights.len() != n {
        return Err(format!("{} table heights for {n} tables", c.log_heights.len()));
    }
    if c.public_values.len() != vk.num_public_values {
        return Err(format!("{} public values, expected {}", c.public_values.len(), vk.num_public_values));
    }
    if proof.bus_sums.len() != n || proof.openings.len() != n {
        return Err(format!("{} bus sums and {} openings for {n} tables", proof.bus_sums.len(), proof.openings.len()));
    }
    let layout = vk.layout(&c.log_heights);
    if proof.aux.is_some() != layout.has_aux() {
        return Err("LogUp commitment present without interactions, or missing".into());
    }
    for (t, ((key, &log_h), o)) in vk.tables.iter().zip(&c.log_heights).zip(&proof.openings).enumerate() {
        let name = &key.name;
        let present = log_h != ABSENT;
        if present {
            let log_h = log_h as usize;
            if log_h < 1 || log_h > max_log {
                return Err(format!("table `{name}`: height 2^{log_h} out of range [2, 2^{max_log}]"));
            }
            if key.preprocessed_log_height.is_some_and(|p| p != log_h) {
                return Err(format!("table `{name}`: height differs from its preprocessed height"));
            }
        } else if !key.may_be_absent {
            return Err(format!("table `{name}` is absent, but the key does not let a segment leave it out"));
        } else if !proof.bus_sums[t].is_zero() {
            return Err(format!("table `{name}` is absent but has a bus sum"));
        }
        // An absent table opens nothing but its fixed columns, at ζ only.
        let live = |width: usize| if present { width } else { 0 };
        let aux_width = live(key.analysis.num_logup_columns() * d);
        let widths_ok = o.main_local.len() == live(key.width)
            && o.main_next.len() == live(key.width)
            && o.preprocessed_local.len() == key.preprocessed_width
            && o.preprocessed_next.len() == live(key.preprocessed_width)
            && o.aux_local.len() == aux_width
            && o.aux_next.len() == aux_width
            && o.quotient_chunks.len() == layout.quotient_chunks[t]
            && o.quotient_chunks.iter().all(|q| q.len() == d);
        if !widths_ok {
            return Err(format!("table `{name}`: opened values have the wrong shape"));
        }
    }
    Ok(layout)
}

/// `Q(ζ)` from its chunks: `Q = Σ_i w_i·q_i` with `w_i` the vanishing polynomials of the
/// other chunk cosets, normalised to 1 on chunk `i`'s coset (an identity for any number
/// of chunks dividing the quotient domain; see
/// [`TableAnalysis::log_quotient_chunks`]).
fn recompose_quotient<SC: StarkGenericConfig>(
    chunk_domains: &[Domain<SC>],
    chunks: &[Vec<SC::Challenge>],
    zeta: SC::Challenge,
) -> Option<SC::Challenge> {
    chunk_domains
        .iter()
        .zip(chunks)
        .enumerate()
        .map(|(i, (domain, values))| {
            let weight: SC::Challenge = chunk_domains
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, other)| {
                    other.vanishing_poly_at_point(zeta)
                        * other.vanishing_poly_at_point(SC::Challenge::from(domain.first_point())).inverse()
                })
                .product();
            SC::Challenge::from_ext_basis_coefficients(values).map(|q| weight * q)
        })
        .sum()
}

/// Extension values from their base-field coordinates, `D` at a time.
fn from_coordinates<EF: ExtensionField<F>, F: Field>(flat: &[EF]) -> Option<Vec<EF>> {
    flat.chunks(EF::DIMENSION).map(EF::from_ext_basis_coefficients).collect()
}

/// Verifies one segment proof under the global challenge (its bus sum is checked by
/// [`verify_segments`], together with the other segments').
pub fn verify_segment<SC, T>(
    config: &Config<SC>,
    tables: &[T],
    vk: &VerifyingKey<SC>,
    challenge: &BusChallenge<SC::Challenge>,
    proof: &SegmentProof<SC>,
) -> Result<(), VerifyError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    let segment = proof.commitment.index as usize;
    let shape = |what: String| VerifyError::Shape { segment, what };
    let layout = check_shape(config, vk, proof).map_err(shape)?;
    if tables.len() != vk.tables.len() {
        return Err(VerifyError::KeyMismatch { table: tables.len().min(vk.tables.len()), what: "number of tables" });
    }
    for (t, key) in vk.tables.iter().enumerate() {
        if key.analysis.interactions.is_empty() && !proof.bus_sums[t].is_zero() {
            return Err(VerifyError::SpuriousBusSum { segment, table: key.name.clone() });
        }
    }
    let pcs = config.stark.pcs();
    let mut ch = segment_challenger(config, vk, challenge, &proof.commitment);
    let alpha = constraint_challenge::<SC>(&mut ch, proof.aux.as_ref(), &proof.bus_sums);
    let zeta = ood_point::<SC>(&mut ch, &proof.quotient);

    let domains: Vec<Domain<SC>> =
        layout.domain_log_heights.iter().map(|&h| pcs.natural_domain_for_degree(1 << h)).collect();
    if domains.iter().any(|d| d.vanishing_poly_at_point(zeta).is_zero()) {
        return Err(VerifyError::OodPointInDomain { segment });
    }
    let mut zeta_next = Vec::with_capacity(domains.len());
    for d in &domains {
        zeta_next.push(d.next_point(zeta).ok_or_else(|| shape("no next point".into()))?);
    }
    // The quotient domain (2^L times the trace height) and its chunks, as the prover split
    // it (the counts `check_shape` checked).
    let chunk_domains: Vec<Vec<Domain<SC>>> = domains
        .iter()
        .zip(&vk.tables)
        .zip(&layout.quotient_chunks)
        .map(|((d, key), &chunks)| match chunks {
            0 => Vec::new(), // absent
            _ => d.create_disjoint_domain(d.size() << key.analysis.log_quotient_degree()).split_domains(chunks),
        })
        .collect();

    // The opening claims, round by round, in the prover's order.
    let pairs = |t: usize, local: &[SC::Challenge], next: &[SC::Challenge]| {
        (domains[t], vec![(zeta, local.to_vec()), (zeta_next[t], next.to_vec())])
    };
    let o = &proof.openings;
    let n = vk.tables.len();
    let present = |t: &usize| layout.main[*t].is_some();
    let mut rounds = vec![(
        proof.commitment.main.clone(),
        (0..n).filter(present).map(|t| pairs(t, &o[t].main_local, &o[t].main_next)).collect(),
    )];
    if let Some(aux) = &proof.aux {
        rounds.push((
            aux.clone(),
            (0..n).filter(|&t| layout.aux[t].is_some()).map(|t| pairs(t, &o[t].aux_local, &o[t].aux_next)).collect(),
        ));
    }
    rounds.push((
        proof.quotient.clone(),
        (0..n)
            .flat_map(|t| {
                chunk_domains[t]
                    .iter()
                    .zip(&o[t].quotient_chunks)
                    .map(|(d, v)| (*d, vec![(zeta, v.clone())]))
                    .collect::<Vec<_>>()
            })
            .collect(),
    ));
    if let Some(pre) = &vk.preprocessed {
        rounds.push((
            pre.clone(),
            (0..n)
                .filter(|&t| vk.preprocessed_slot(t).is_some())
                .map(|t| match present(&t) {
                    true => pairs(t, &o[t].preprocessed_local, &o[t].preprocessed_next),
                    // The key's commitment holds an absent table's columns, opened at ζ.
                    false => (domains[t], vec![(zeta, o[t].preprocessed_local.clone())]),
                })
                .collect(),
        ));
    }
    pcs.verify(rounds.into_iter().map(Into::into).collect(), &proof.opening_proof, &mut ch)
        .map_err(|e| VerifyError::Opening { segment, message: format!("{e:?}") })?;

    // The constraint identity C(ζ) = Z_H(ζ)·Q(ζ) for every table.
    for (t, (table, key)) in tables.iter().zip(&vk.tables).enumerate().filter(|(t, _)| present(t)) {
        let mismatch = || VerifyError::ConstraintMismatch { segment, table: key.name.clone() };
        if check_table::<SC, T>(
            table,
            &o[t],
            &proof.commitment.public_values,
            domains[t],
            &chunk_domains[t],
            &key.analysis,
            challenge,
            proof.bus_sums[t],
            alpha,
            zeta,
        ) != Some(true)
        {
            return Err(mismatch());
        }
    }
    Ok(())
}

/// Evaluates one table's folded constraints at `ζ` and compares with its quotient;
/// `None` if the opened coordinates do not form extension elements or the table does not
/// declare the interactions of the key.
#[allow(clippy::too_many_arguments)]
fn check_table<SC, T>(
    table: &T,
    o: &TableOpenings<SC::Challenge>,
    public_values: &[Val<SC>],
    domain: Domain<SC>,
    chunk_domains: &[Domain<SC>],
    analysis: &TableAnalysis,
    challenge: &BusChallenge<SC::Challenge>,
    bus_sum: SC::Challenge,
    alpha: SC::Challenge,
    zeta: SC::Challenge,
) -> Option<bool>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    let sels = domain.selectors_at_point(zeta);
    let (first_scale, last_scale) = lagrange_scales(&domain);
    let mut folder = VerifierFolder::<SC> {
        main: RowWindow::from_two_rows(&o.main_local, &o.main_next),
        preprocessed: RowWindow::from_two_rows(&o.preprocessed_local, &o.preprocessed_next),
        public_values,
        is_first_row: sels.is_first_row * first_scale,
        is_last_row: sels.is_last_row * last_scale,
        is_transition: sels.is_transition,
        bus: challenge,
        alpha,
        accumulator: SC::Challenge::ZERO,
        interactions: Vec::new(),
    };
    table.eval(&mut folder);
    // The batches index the interactions `eval` just collected: their number must be the
    // key's (it is when the tables passed `check_tables`; this keeps a mismatch an error).
    if folder.interactions.len() != analysis.interactions.len() {
        return None;
    }
    let batches = analysis.logup_batches();
    let aux_local = from_coordinates::<SC::Challenge, Val<SC>>(&o.aux_local)?;
    let aux_next = from_coordinates::<SC::Challenge, Val<SC>>(&o.aux_next)?;
    let folded = folder.finish(&LogUpColumns { local: &aux_local, next: &aux_next, sum: bus_sum, batches: &batches });
    let quotient = recompose_quotient::<SC>(chunk_domains, &o.quotient_chunks, zeta)?;
    Some(folded * sels.inv_vanishing == quotient)
}
