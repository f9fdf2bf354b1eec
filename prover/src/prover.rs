//! The two-phase prover.
//!
//! * **Phase 1** ([`commit_segment`]): commit the main traces of one segment (one Merkle
//!   tree over all its tables' LDEs). Only the [`SegmentCommitment`] leaves the segment.
//! * **Global challenge** ([`global_challenge`]): drawn from the program, the statement
//!   and every segment's phase-1 commitment, after a proof of work.
//! * **Phase 2** ([`prove_committed`]): per segment, independently: LogUp columns with
//!   the global challenge, their commitment and the published bus sums, the constraint
//!   challenge `α`, the quotient of every table, the out-of-domain point `ζ`, and one FRI
//!   opening proof for all commitments (main, LogUp, quotient, preprocessed).
//!
//! [`prove_segments`] drives both phases over many segments with bounded memory: phase 1
//! keeps only the commitments, and phase 2 regenerates each segment's witness (the
//! witness generator must be deterministic; this is checked) and recommits it, so at most
//! `max_in_flight` segments' traces and LDEs live at once.

use core::fmt::Display;

use p3_air::RowWindow;
use p3_challenger::GrindingChallenger;
use p3_commit::{Pcs, PolynomialSpace, UnivariateStarkPcs};
use p3_field::{BasedVectorSpace, Field, PackedFieldExtension, PackedValue, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use p3_maybe_rayon::prelude::*;
use p3_uni_stark::{Domain, PackedChallenge, PackedVal, StarkGenericConfig, Val};
use p3_util::{log2_strict_usize, reverse_bits_len, reverse_slice_index_bits};

use crate::air::StarkTable;
use crate::config::Config;
use crate::error::ProveError;
use crate::folder::{constraint_weights, Ignored, ProverFolder};
use crate::keys::{PcsData, ProvingKey, TableKey, VerifyingKey};
use crate::logup::{batch_fraction, Fingerprints, GlobalChallenge, LogUpColumns};
use crate::proof::{SegmentCommitment, SegmentProof, Statement, TableOpenings, ABSENT};
use crate::rows::{PackedRowBuilder, RowBuilder};
use crate::symbolic::TableAnalysis;
use crate::transcript::{constraint_challenge, ood_point, segment_challenger};

pub use crate::transcript::global_challenge;

/// The witness of one segment: a main trace per table (in table order) and the
/// segment's public values.
#[derive(Clone, Debug)]
pub struct SegmentWitness<F> {
    /// Main traces, one per table; heights are powers of two ≥ 2, or 0 for a table the
    /// segment leaves out (only one that [may be absent](crate::TableName::may_be_absent)).
    pub traces: Vec<RowMajorMatrix<F>>,
    /// Public values, visible to all tables of the segment.
    pub public_values: Vec<F>,
}

/// A segment after phase 1: its commitment, plus what phase 2 needs: the prover data and
/// the traces of the tables with bus interactions (the others live on only as LDEs).
///
/// Phase 2 can start from it directly; a prover short of memory keeps only the
/// [`SegmentCommitment`] and lets [`prove_phase_two`] rebuild the rest from the witness.
pub struct CommittedSegment<SC: StarkGenericConfig> {
    /// What goes into the global challenge.
    pub commitment: SegmentCommitment<SC>,
    traces: Vec<Option<RowMajorMatrix<Val<SC>>>>,
    main_data: PcsData<SC>,
    resident_bytes: usize,
}

impl<SC: StarkGenericConfig> CommittedSegment<SC> {
    /// The memory this segment holds (trace copies and low-degree extensions; the Merkle
    /// digests add a few percent): what keeping it for phase 2 costs.
    pub fn resident_bytes(&self) -> usize {
        self.resident_bytes
    }
}

/// Checks the witness's shapes against the key.
fn check_shapes<SC: StarkGenericConfig>(
    config: &Config<SC>,
    vk: &VerifyingKey<SC>,
    segment: usize,
    witness: &SegmentWitness<Val<SC>>,
) -> Result<(), ProveError> {
    if witness.traces.len() != vk.tables.len() {
        return Err(ProveError::TableCount { segment, expected: vk.tables.len(), got: witness.traces.len() });
    }
    if witness.public_values.len() != vk.num_public_values {
        return Err(ProveError::PublicValues {
            segment,
            expected: vk.num_public_values,
            got: witness.public_values.len(),
        });
    }
    let max_log = config.max_log_height();
    for (trace, key) in witness.traces.iter().zip(&vk.tables) {
        let height_error =
            |reason: String| ProveError::Height { segment, table: key.name.clone(), height: trace.height(), reason };
        if trace.width() != key.width {
            return Err(ProveError::Width {
                segment,
                table: key.name.clone(),
                expected: key.width,
                got: trace.width(),
            });
        }
        let h = trace.height();
        if h == 0 {
            if !key.may_be_absent {
                return Err(height_error("is 0, but the table may not be absent from a segment".into()));
            }
            continue;
        }
        if !h.is_power_of_two() || h < 2 {
            return Err(height_error("is not a power of two of at least 2".into()));
        }
        if h.ilog2() as usize > max_log {
            return Err(height_error(format!(
                "exceeds the largest height 2^{max_log} of this configuration (two-adicity − log_blowup)"
            )));
        }
        if let Some(log) = key.preprocessed_log_height {
            if log != h.ilog2() as usize {
                return Err(height_error(format!("differs from the preprocessed height 2^{log}")));
            }
        }
    }
    Ok(())
}

/// Phase 1: validates and commits the main traces of segment `index`.
pub fn commit_segment<SC: StarkGenericConfig>(
    config: &Config<SC>,
    pk: &ProvingKey<SC>,
    index: usize,
    witness: SegmentWitness<Val<SC>>,
) -> Result<CommittedSegment<SC>, ProveError> {
    check_shapes(config, &pk.vk, index, &witness)?;
    let segment_index = u32::try_from(index)
        .map_err(|_| ProveError::Witness { segment: index, message: "segment index does not fit in 32 bits".into() })?;
    let pcs = config.stark.pcs();
    let log_heights = witness.traces.iter().map(|t| t.height().checked_ilog2().map_or(ABSENT, |h| h as u8)).collect();
    // Keep a copy only of the traces whose rows phase 2 reads (bus interactions).
    let mut kept = Vec::with_capacity(witness.traces.len());
    let mut inputs = Vec::with_capacity(witness.traces.len());
    let mut resident_bytes = 0;
    for (trace, key) in witness.traces.into_iter().zip(&pk.vk.tables) {
        tracing::debug!(segment = index, table = %key.name, height = trace.height(), width = trace.width());
        if trace.height() == 0 {
            kept.push(None);
            continue;
        }
        let copy = (!key.analysis.interactions.is_empty()).then(|| trace.clone());
        let bytes = trace.values.len() * size_of::<Val<SC>>();
        resident_bytes += (bytes << config.fri.log_blowup) + copy.as_ref().map_or(0, |_| bytes);
        kept.push(copy);
        inputs.push((pcs.natural_domain_for_degree(trace.height()), trace));
    }
    let cells: usize = inputs.iter().map(|(_, t)| t.values.len()).sum();
    let _span = tracing::info_span!("commit_main", segment = index, cells).entered();
    let (main, main_data) = pcs.commit(inputs).map_err(|e| ProveError::Pcs {
        segment: index,
        phase: "main trace commitment",
        message: format!("{e:?}"),
    })?;
    Ok(CommittedSegment {
        commitment: SegmentCommitment { index: segment_index, log_heights, public_values: witness.public_values, main },
        traces: kept,
        main_data,
        resident_bytes,
    })
}

/// Checks every constraint of every table on every row (no bus), reporting the first
/// failure. For debugging witness generators: the prover itself does not check, so a bad
/// witness gives a proof that fails verification.
pub fn check_witness<SC, T>(
    config: &Config<SC>,
    pk: &ProvingKey<SC>,
    tables: &[T],
    segment: usize,
    witness: &SegmentWitness<Val<SC>>,
) -> Result<(), ProveError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    for (t, (table, trace)) in tables.iter().zip(&witness.traces).enumerate() {
        let pre = pk.preprocessed_traces.get(t).and_then(Option::as_ref);
        let h = trace.height();
        if h == 0 {
            continue; // absent from the segment: nothing to check
        }
        let (omega, omega_inv) = trace_generator::<SC>(config, h);
        let failure = (0..h).into_par_iter().find_map_first(|r| {
            let (main, pre) = row_pair(trace, pre, r);
            let mut b = RowBuilder::new(main, pre, &witness.public_values, r, h, (omega.exp_u64(r as u64), omega_inv));
            table.eval(&mut b);
            b.first_failure.map(|c| (r, c))
        });
        if let Some((row, constraint)) = failure {
            return Err(ProveError::Constraint { segment, table: table.name(), row, constraint });
        }
    }
    Ok(())
}

/// The generator of the trace domain of `height` rows, and its inverse.
fn trace_generator<SC: StarkGenericConfig>(config: &Config<SC>, height: usize) -> (Val<SC>, Val<SC>) {
    let omega = subgroup_generator(&config.stark.pcs().natural_domain_for_degree(height));
    (omega, omega.inverse())
}

/// Rows `r` and `r + 1` (cyclically) of the main and the preprocessed trace.
#[allow(clippy::type_complexity)]
fn row_pair<'a, F: Clone + Send + Sync>(
    main: &'a RowMajorMatrix<F>,
    pre: Option<&'a RowMajorMatrix<F>>,
    r: usize,
) -> ((&'a [F], &'a [F]), (&'a [F], &'a [F])) {
    let rows = |m: &'a RowMajorMatrix<F>| {
        let w = m.width;
        let n = (r + 1) % m.height();
        (&m.values[r * w..(r + 1) * w], &m.values[n * w..(n + 1) * w])
    };
    (rows(main), pre.map_or((&[][..], &[][..]), rows))
}

/// Rows per parallel task of [`logup_trace`]. Each task evaluates its rows, then inverts
/// all their batch denominators at once (Montgomery's trick: one field inversion per lane
/// and task), so a task must be long enough to amortise that inversion and short enough
/// that its fractions stay in cache and the rows spread over the threads.
const LOGUP_TASK_ROWS: usize = 512;

/// Per-task scratch space for [`logup_trace`], reused across tasks so that evaluating a
/// group of rows allocates nothing.
struct LogUpBuffers<SC: StarkGenericConfig> {
    /// Row indices of the group's lanes, then of their successors.
    rows: Vec<usize>,
    /// The rows being packed ([`extend_packed_rows`]).
    scratch: Vec<Val<SC>>,
    /// The group's main (preprocessed) rows, packed column by column: local, then next.
    main: Vec<PackedVal<SC>>,
    pre: Vec<PackedVal<SC>>,
    /// The interactions of the group, as the builder collects them.
    interactions: Vec<(PackedChallenge<SC>, PackedVal<SC>)>,
    /// Numerator, denominator and inverted denominator of `h_B` for every batch of every
    /// group of the task.
    nums: Vec<PackedChallenge<SC>>,
    dens: Vec<PackedChallenge<SC>>,
    invs: Vec<PackedChallenge<SC>>,
}

/// Appends the rows `rows` of `m` (one per lane), packed column by column: lane `l` of
/// entry `c` is `m[rows[l]][c]`.
///
/// The rows are copied one after the other into `scratch` first and transposed from
/// there: transposing straight out of the matrix's row slices spent 40% of the quotient
/// evaluation on the indirect, bounds-checked loads.
fn extend_packed_rows<F: Field, M: Matrix<F>>(m: &M, rows: &[usize], scratch: &mut Vec<F>, out: &mut Vec<F::Packing>) {
    let width = m.width();
    scratch.clear();
    for &r in rows {
        scratch.extend_from_slice(&m.row_slice(r).expect("row index within the height"));
    }
    let scratch = &scratch[..rows.len() * width];
    out.extend((0..width).map(|c| F::Packing::from_fn(|l| scratch[l * width + c])));
}

/// The LogUp columns of one table (base-field coordinates, `#batches·D` columns: every
/// batch's sum but the last, then the running sum) and its partial sum; `Err(row)` if a
/// denominator vanishes. The table must have interactions.
///
/// Each batch column is computed as the batch's fraction `h_B = num_B/den_B`
/// ([`crate::logup::batch_fraction`], the same fraction the batch constraint clears), so
/// a row costs one inversion per batch rather than one per interaction, and the
/// inversions of a task's rows share one field inversion per lane. `den_B = Π_{i∈B} d_i`
/// vanishes exactly when one of its denominators does, which is the collision reported.
///
/// The rows are evaluated `WIDTH` at a time with [`PackedRowBuilder`] (the builder that
/// tables see for the LogUp columns; it collects only the interactions): lane `l` of
/// group `g` is row `g·WIDTH + l`, wrapping when the trace is shorter than the packing.
/// Fingerprints, batch fractions, Montgomery's trick and `num·inv` then run on packed
/// extension values too. Every value is the same field element as row by row, so the
/// columns, and the proof, do not depend on the packing.
fn logup_trace<SC, T>(
    config: &Config<SC>,
    table: &T,
    main: &RowMajorMatrix<Val<SC>>,
    pre: Option<&RowMajorMatrix<Val<SC>>>,
    public_values: &[Val<SC>],
    fingerprints: &Fingerprints<SC::Challenge>,
    analysis: &TableAnalysis,
) -> Result<(RowMajorMatrix<Val<SC>>, SC::Challenge), usize>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    let d = <SC::Challenge as BasedVectorSpace<Val<SC>>>::DIMENSION;
    let pack = PackedVal::<SC>::WIDTH;
    let h = main.height();
    let n = analysis.interactions.len();
    let (omega, omega_inv) = trace_generator::<SC>(config, h);
    let omega_pack = omega.exp_u64(pack as u64);
    let batches = analysis.logup_batches();
    let k = batches.len();
    let width = k * d;
    // Heights and the packing width are powers of two: a task is whole groups, or one
    // partial group when the trace is shorter than the packing.
    let task_rows = LOGUP_TASK_ROWS.min(h);
    let lanes = pack.min(task_rows);
    let mut values = Val::<SC>::zero_vec(h * width);
    // t_r = Σ_B h_B(r) per row.
    let mut terms = SC::Challenge::zero_vec(h);
    values.par_chunks_mut(task_rows * width).zip(terms.par_chunks_mut(task_rows)).enumerate().try_for_each_init(
        || LogUpBuffers::<SC> {
            rows: Vec::with_capacity(2 * pack),
            scratch: Vec::new(),
            main: Vec::with_capacity(2 * main.width),
            pre: Vec::with_capacity(2 * pre.map_or(0, |p| p.width)),
            interactions: Vec::with_capacity(n),
            nums: Vec::new(),
            dens: Vec::new(),
            invs: Vec::new(),
        },
        |buf, (task, (rows, terms))| {
            let start = task * task_rows;
            buf.nums.clear();
            buf.dens.clear();
            // ω^row per lane (ω^h = 1, so wrapped lanes need no reduction).
            let mut omega_rows = PackedVal::<SC>::from_fn(|l| omega.exp_u64((start + l) as u64));
            for group in (start..start + task_rows).step_by(pack) {
                buf.rows.clear();
                buf.rows.extend((0..2 * pack).map(|i| (group + i % pack + i / pack) % h));
                let (local, next) = buf.rows.split_at(pack);
                buf.main.clear();
                for rows in [local, next] {
                    extend_packed_rows(main, rows, &mut buf.scratch, &mut buf.main);
                }
                buf.pre.clear();
                if let Some(p) = pre {
                    for rows in [local, next] {
                        extend_packed_rows(p, rows, &mut buf.scratch, &mut buf.pre);
                    }
                }
                let (main_local, main_next) = buf.main.split_at(buf.main.len() / 2);
                let (pre_local, pre_next) = buf.pre.split_at(buf.pre.len() / 2);
                let mut b = PackedRowBuilder::<SC> {
                    main: RowWindow::from_two_rows(main_local, main_next),
                    preprocessed: RowWindow::from_two_rows(pre_local, pre_next),
                    public_values,
                    is_first_row: PackedVal::<SC>::from_fn(|l| Val::<SC>::from_bool(local[l] == 0)),
                    is_last_row: PackedVal::<SC>::from_fn(|l| Val::<SC>::from_bool(local[l] + 1 == h)),
                    is_transition: omega_rows - omega_inv,
                    bus: fingerprints,
                    constraints: Ignored,
                    interactions: core::mem::take(&mut buf.interactions),
                };
                table.eval(&mut b);
                for batch in &batches {
                    let (num, den) = batch_fraction(batch.iter().map(|&i| b.interactions[i]));
                    buf.nums.push(num);
                    buf.dens.push(den);
                }
                buf.interactions = b.interactions;
                buf.interactions.clear();
                omega_rows *= omega_pack;
            }
            for (i, den) in buf.dens.iter().enumerate() {
                if let Some(l) = (0..lanes).find(|&l| den.extract(l).is_zero()) {
                    return Err((start + i / k * pack + l) % h);
                }
            }
            buf.invs.clear();
            buf.invs.resize(buf.dens.len(), PackedChallenge::<SC>::ZERO);
            p3_field::batch_multiplicative_inverse_general(&buf.dens, &mut buf.invs, |product| {
                PackedChallenge::<SC>::from_ext_fn(|l| product.extract(l).inverse())
            });
            let groups = rows.chunks_mut(pack * width).zip(terms.chunks_mut(pack));
            for ((rows, terms), (nums, invs)) in groups.zip(buf.nums.chunks(k).zip(buf.invs.chunks(k))) {
                let mut t = PackedChallenge::<SC>::ZERO;
                for (b, (&num, &inv)) in nums.iter().zip(invs).enumerate() {
                    let h_b = num * inv;
                    // The last batch has no column (the running sum's step carries it), so
                    // the first `k − 1` batch sums fill the first `k − 1` columns.
                    if b + 1 < k {
                        for (l, row) in rows.chunks_mut(width).enumerate() {
                            row[b * d..(b + 1) * d].copy_from_slice(h_b.extract(l).as_basis_coefficients_slice());
                        }
                    }
                    t += h_b;
                }
                for (l, term) in terms.iter_mut().enumerate() {
                    *term = t.extract(l);
                }
            }
            Ok(())
        },
    )?;
    // Running sum s_0 = 0, s_{r+1} = s_r + t_r, in the last D columns.
    let mut s = SC::Challenge::ZERO;
    for (row, t) in values.chunks_mut(width).zip(terms) {
        row[width - d..].copy_from_slice(s.as_basis_coefficients_slice());
        s += t;
    }
    Ok((RowMajorMatrix::new(values, width), s))
}

/// Factors turning Plonky3's first/last-row selectors `Z_H(x)/(x − a)` into the exact
/// Lagrange polynomials (1 at `a`, 0 elsewhere on `H`): `L_a = a·Z_H/(n·(x − a))`, so
/// `1/n` for `a = 1` and `ω⁻¹/n` for the last row. Exact selectors can serve as bus
/// multiplicities, where only their values on the trace matter.
pub(crate) fn lagrange_scales<F: Field>(domain: &impl PolynomialSpace<Val = F>) -> (F, F) {
    let inv_n = F::from_usize(domain.size()).inverse();
    (inv_n, subgroup_generator(domain).inverse() * inv_n)
}

/// The generator `ω` of a trace domain (a subgroup): the point after 1.
pub(crate) fn subgroup_generator<F: Field>(domain: &impl PolynomialSpace<Val = F>) -> F {
    // Two-adic subgroups always have a next point; 1 is only returned for the trivial
    // domain, which the height checks exclude.
    domain.next_point(F::ONE).unwrap_or(F::ONE)
}

/// The rows of one matrix that a packed group of quotient points reads.
#[derive(Default)]
struct QuotientRows<F> {
    /// Row index per lane.
    lanes: Vec<usize>,
    /// The rows being packed ([`extend_packed_rows`]).
    scratch: Vec<F>,
}

/// Per-worker scratch space for [`quotient_values`], reused across row groups.
struct QuotientBuffers<SC: StarkGenericConfig> {
    rows: QuotientRows<Val<SC>>,
    main: Vec<PackedVal<SC>>,
    pre: Vec<PackedVal<SC>>,
    aux_base: Vec<PackedVal<SC>>,
    aux: Vec<PackedChallenge<SC>>,
    constraints: Vec<PackedVal<SC>>,
    interactions: Vec<(PackedChallenge<SC>, PackedVal<SC>)>,
}

/// Evaluations of `C(x)/Z_H(x)` on the quotient domain, for one table.
///
/// The evaluations `main`, `pre` and `aux` are views of committed LDEs, which are stored
/// in bit-reversed order: row `i` of a view is row `rev(i)` in memory. Visiting the points
/// in natural order would therefore read `WIDTH` rows scattered over the whole LDE for
/// every packed group, and the evaluation was bound by those cache misses. The points are
/// visited in bit-reversed order instead: lane `l` of group `g` is point
/// `rev(g·WIDTH + l)`, whose row is consecutive in memory with the other lanes' (the
/// `next` rows, `rev(rev(j) + step)`, advance through memory in a few sequential streams as
/// well). The selectors are bit-reversed to match, and the result is put back in natural
/// order at the end. Each point's value depends only on its own rows, so the order changes
/// nothing but the memory traffic.
#[allow(clippy::too_many_arguments)]
fn quotient_values<SC, T, M>(
    table: &T,
    key: &TableKey,
    trace_domain: Domain<SC>,
    quotient_domain: Domain<SC>,
    main: &M,
    pre: Option<&M>,
    aux: Option<&M>,
    public_values: &[Val<SC>],
    bus: &Fingerprints<SC::Challenge>,
    bus_sum: SC::Challenge,
    alpha: SC::Challenge,
) -> Vec<SC::Challenge>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
    M: Matrix<Val<SC>> + Sync,
{
    let pack = PackedVal::<SC>::WIDTH;
    let d = <SC::Challenge as BasedVectorSpace<Val<SC>>>::DIMENSION;
    let size = quotient_domain.size();
    let mut sels = trace_domain.selectors_on_coset(quotient_domain);
    let (first_scale, last_scale) = lagrange_scales(&trace_domain);
    sels.is_first_row.iter_mut().for_each(|v| *v *= first_scale);
    sels.is_last_row.iter_mut().for_each(|v| *v *= last_scale);
    for v in [&mut sels.is_first_row, &mut sels.is_last_row, &mut sels.is_transition, &mut sels.inv_vanishing] {
        reverse_slice_index_bits(v);
    }
    // Pad so that a domain smaller than the packing width still fills one packed value.
    for _ in size..pack {
        sels.is_first_row.push(Val::<SC>::ZERO);
        sels.is_last_row.push(Val::<SC>::ZERO);
        sels.is_transition.push(Val::<SC>::ZERO);
        sels.inv_vanishing.push(Val::<SC>::ZERO);
    }
    let next_step = size / trace_domain.size();
    let (base_weights, ext_weights) = constraint_weights::<Val<SC>, SC::Challenge>(
        alpha,
        key.analysis.num_constraints,
        key.analysis.num_logup_columns(),
    );
    let batches = key.analysis.logup_batches();
    let log_size = log2_strict_usize(size);
    // The local and next rows of the points of the group at position `i` of the
    // bit-reversed order (wrapping when the domain is smaller than the packing width).
    let packed_rows = |m: &M, i: usize, buf: &mut QuotientRows<Val<SC>>, out: &mut Vec<PackedVal<SC>>| {
        for step in [0, next_step] {
            buf.lanes.clear();
            buf.lanes.extend((0..pack).map(|l| (reverse_bits_len((i + l) % size, log_size) + step) % size));
            extend_packed_rows(m, &buf.lanes, &mut buf.scratch, out);
        }
    };
    let mut out = SC::Challenge::zero_vec(size);
    out.par_chunks_mut(pack).enumerate().for_each_init(
        || QuotientBuffers::<SC> {
            rows: QuotientRows::default(),
            main: Vec::new(),
            pre: Vec::new(),
            aux_base: Vec::new(),
            aux: Vec::new(),
            constraints: Vec::new(),
            interactions: Vec::new(),
        },
        |buf, (group, chunk)| {
            let i = group * pack;
            buf.main.clear();
            packed_rows(main, i, &mut buf.rows, &mut buf.main);
            buf.pre.clear();
            if let Some(p) = pre {
                packed_rows(p, i, &mut buf.rows, &mut buf.pre);
            }
            buf.aux_base.clear();
            buf.aux.clear();
            if let Some(a) = aux {
                packed_rows(a, i, &mut buf.rows, &mut buf.aux_base);
                buf.aux.extend(
                    buf.aux_base.chunks(d).map(|c| PackedChallenge::<SC>::from_basis_coefficients_fn(|k| c[k])),
                );
            }
            let (main_local, main_next) = buf.main.split_at(buf.main.len() / 2);
            let (pre_local, pre_next) = buf.pre.split_at(buf.pre.len() / 2);
            let (aux_local, aux_next) = buf.aux.split_at(buf.aux.len() / 2);
            let sel = |v: &[Val<SC>]| *PackedVal::<SC>::from_slice(&v[i..i + pack]);
            let mut folder = ProverFolder::<SC> {
                main: RowWindow::from_two_rows(main_local, main_next),
                preprocessed: RowWindow::from_two_rows(pre_local, pre_next),
                public_values,
                is_first_row: sel(&sels.is_first_row),
                is_last_row: sel(&sels.is_last_row),
                is_transition: sel(&sels.is_transition),
                bus,
                constraints: core::mem::take(&mut buf.constraints),
                interactions: core::mem::take(&mut buf.interactions),
            };
            table.eval(&mut folder);
            let columns = LogUpColumns { local: aux_local, next: aux_next, sum: bus_sum, batches: &batches };
            let q = folder.fold(&columns, &base_weights, &ext_weights) * sel(&sels.inv_vanishing);
            for (lane, o) in chunk.iter_mut().enumerate() {
                *o = q.extract(lane);
            }
            buf.constraints = folder.constraints;
            buf.constraints.clear();
            buf.interactions = folder.interactions;
            buf.interactions.clear();
        },
    );
    reverse_slice_index_bits(&mut out);
    out
}

/// Phase 2: proves one committed segment under the global challenge.
pub fn prove_committed<SC, T>(
    config: &Config<SC>,
    pk: &ProvingKey<SC>,
    tables: &[T],
    committed: CommittedSegment<SC>,
    global: &GlobalChallenge<Val<SC>, SC::Challenge>,
) -> Result<SegmentProof<SC>, ProveError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    let vk = &pk.vk;
    let pcs = config.stark.pcs();
    let challenge = &global.bus;
    let segment = committed.commitment.index as usize;
    let pcs_error = |phase: &'static str| {
        move |e: <SC::Pcs as Pcs<SC::Challenge, SC::Challenger>>::ProverError| ProveError::Pcs {
            segment,
            phase,
            message: format!("{e:?}"),
        }
    };
    if tables.len() != vk.tables.len() {
        return Err(ProveError::TableCount { segment, expected: vk.tables.len(), got: tables.len() });
    }
    let mut ch = segment_challenger(config, vk, challenge, &committed.commitment);
    let publics = &committed.commitment.public_values;
    let layout = vk.layout(&committed.commitment.log_heights);
    let domains: Vec<Domain<SC>> =
        layout.domain_log_heights.iter().map(|&h| pcs.natural_domain_for_degree(1 << h)).collect();

    let fingerprints: Vec<Fingerprints<SC::Challenge>> =
        vk.tables.iter().map(|key| Fingerprints::new(challenge, key.analysis.max_arity())).collect();

    // LogUp columns and bus sums.
    let logup_span = tracing::info_span!("logup_columns", segment).entered();
    let mut bus_sums = vec![SC::Challenge::ZERO; tables.len()];
    let mut aux_inputs = Vec::new();
    for (t, (table, key)) in tables.iter().zip(&vk.tables).enumerate() {
        let n = key.analysis.interactions.len();
        if n == 0 {
            continue;
        }
        let pre = pk.preprocessed_traces[t].as_ref();
        // Kept by `commit_segment` for every table with interactions.
        let Some(trace) = committed.traces[t].as_ref() else { continue };
        let (aux, sum) = logup_trace::<SC, T>(config, table, trace, pre, publics, &fingerprints[t], &key.analysis)
            .map_err(|row| ProveError::FingerprintCollision { segment, table: key.name.clone(), row })?;
        bus_sums[t] = sum;
        aux_inputs.push((domains[t], aux));
    }
    drop(logup_span);
    let aux_span = tracing::info_span!("commit_logup", segment).entered();
    let aux =
        if aux_inputs.is_empty() { None } else { Some(pcs.commit(aux_inputs).map_err(pcs_error("LogUp commitment"))?) };
    let alpha = constraint_challenge::<SC>(&mut ch, aux.as_ref().map(|a| &a.0), &bus_sums);

    drop(aux_span);

    // Quotients of all tables, committed together.
    let quotient_span = tracing::info_span!("quotient", segment).entered();
    let mut ldes = Vec::new();
    // Q is evaluated on a coset of 2^L times the trace height (L the key's quotient degree)
    // and committed in interleaved chunks, split further down to a height another table has
    // (see `TableAnalysis::log_quotient_chunks`).
    for (t, (table, key)) in tables.iter().zip(&vk.tables).enumerate() {
        let Some(main_slot) = layout.main[t] else { continue };
        let chunks = layout.quotient_chunks[t];
        let qd = domains[t].create_disjoint_domain(domains[t].size() << key.analysis.log_quotient_degree());
        let main_q = pcs.get_evaluations_on_domain(&committed.main_data, main_slot, qd);
        let pre_q = match (vk.preprocessed_slot(t), &pk.preprocessed_data) {
            (Some(slot), Some(data)) => Some(pcs.get_evaluations_on_domain_no_random(data, slot, qd)),
            _ => None,
        };
        let aux_q = match (layout.aux[t], &aux) {
            (Some(slot), Some((_, data))) => Some(pcs.get_evaluations_on_domain(data, slot, qd)),
            _ => None,
        };
        let q = quotient_values::<SC, T, _>(
            table,
            key,
            domains[t],
            qd,
            &main_q,
            pre_q.as_ref(),
            aux_q.as_ref(),
            publics,
            &fingerprints[t],
            bus_sums[t],
            alpha,
        );
        let flat = RowMajorMatrix::new_col(q).flatten_to_base();
        let parts = qd.split_domains(chunks).into_iter().zip(qd.split_evals(chunks, flat));
        ldes.extend(pcs.get_quotient_ldes(parts, chunks).map_err(pcs_error("quotient LDE"))?);
    }
    drop(quotient_span);
    let commit_quotient_span = tracing::info_span!("commit_quotient", segment).entered();
    let (quotient, quotient_data) = pcs.commit_ldes(ldes).map_err(pcs_error("quotient commitment"))?;
    drop(commit_quotient_span);
    let zeta = ood_point::<SC>(&mut ch, &quotient);
    let _open_span = tracing::info_span!("open", segment).entered();

    // One opening proof for every commitment.
    let pair = |t: usize| -> Result<Vec<SC::Challenge>, ProveError> {
        let next = domains[t].next_point(zeta).ok_or(ProveError::Pcs {
            segment,
            phase: "opening",
            message: "trace domain has no next point".into(),
        })?;
        Ok(vec![zeta, next])
    };
    let all = 0..tables.len();
    let main_points = all.clone().filter(|&t| layout.main[t].is_some()).map(pair).collect::<Result<Vec<_>, _>>()?;
    let aux_points = all.clone().filter(|&t| layout.aux[t].is_some()).map(pair).collect::<Result<Vec<_>, _>>()?;
    // The preprocessed commitment holds every table's columns; an absent table's are
    // opened at ζ only (see `SegmentLayout::domain_log_heights`).
    let pre_points = all
        .filter(|&t| vk.preprocessed_slot(t).is_some())
        .map(|t| if layout.main[t].is_some() { pair(t) } else { Ok(vec![zeta]) })
        .collect::<Result<Vec<_>, _>>()?;
    let quotient_points: Vec<Vec<SC::Challenge>> =
        layout.quotient_chunks.iter().flat_map(|&k| vec![vec![zeta]; k]).collect();
    let mut rounds = vec![(&committed.main_data, main_points).into()];
    if let Some((_, data)) = &aux {
        rounds.push((data, aux_points).into());
    }
    rounds.push((&quotient_data, quotient_points).into());
    if let Some(data) = &pk.preprocessed_data {
        rounds.push((data, pre_points).into());
    }
    let (opened, opening_proof) = pcs.open(rounds, &mut ch).map_err(pcs_error("opening"))?;

    // opened[round][matrix][point] -> per-table openings.
    let mut round = opened.into_iter();
    let main_round = round.next().unwrap_or_default();
    let aux_round = if aux.is_some() { round.next().unwrap_or_default() } else { Vec::new() };
    let quotient_round = round.next().unwrap_or_default();
    let pre_round = round.next().unwrap_or_default();
    let two = |m: Option<&Vec<Vec<SC::Challenge>>>| match m.map(|v| v.as_slice()) {
        Some([local, next]) => (local.clone(), next.clone()),
        Some([local]) => (local.clone(), Vec::new()),
        _ => (Vec::new(), Vec::new()),
    };
    let mut quotient_iter = quotient_round.into_iter();
    let openings = layout
        .quotient_chunks
        .iter()
        .enumerate()
        .map(|(t, &chunks)| {
            let (main_local, main_next) = two(layout.main[t].and_then(|s| main_round.get(s)));
            let (preprocessed_local, preprocessed_next) = two(vk.preprocessed_slot(t).and_then(|s| pre_round.get(s)));
            let (aux_local, aux_next) = two(layout.aux[t].and_then(|s| aux_round.get(s)));
            let quotient_chunks =
                quotient_iter.by_ref().take(chunks).map(|mut points| points.pop().unwrap_or_default()).collect();
            TableOpenings {
                main_local,
                main_next,
                preprocessed_local,
                preprocessed_next,
                aux_local,
                aux_next,
                quotient_chunks,
            }
        })
        .collect();
    Ok(SegmentProof {
        commitment: committed.commitment,
        aux: aux.map(|(c, _)| c),
        bus_sums,
        quotient,
        openings,
        bus_pow_witness: global.pow_witness,
        opening_proof,
    })
}

/// Whether two commitments are equal (compared through their serialization, since the
/// PCS commitment type promises serde but not `PartialEq`).
fn same_commitment<SC: StarkGenericConfig>(a: &SegmentCommitment<SC>, b: &SegmentCommitment<SC>) -> bool {
    match (postcard::to_allocvec(a), postcard::to_allocvec(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Proves `num_segments` segments whose witnesses `witness(i)` produces, in two phases,
/// with at most `max_in_flight` segments (0: one per rayon thread) in memory at once.
///
/// `witness` is called twice per segment (once per phase) and must return the same
/// traces both times. After phase 1 the segments' heights are checked against LogUp's
/// multiplicity bounds ([`crate::bounds`]; [`ProveError::BusTerms`]), which the verifier
/// would otherwise reject.
pub fn prove_segments<SC, T, W, E>(
    config: &Config<SC>,
    pk: &ProvingKey<SC>,
    tables: &[T],
    statement: &Statement<Val<SC>>,
    num_segments: usize,
    max_in_flight: usize,
    witness: W,
) -> Result<Vec<SegmentProof<SC>>, ProveError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
    W: Fn(usize) -> Result<SegmentWitness<Val<SC>>, E> + Sync,
    E: Display,
    SC: Sync,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    p3_uni_stark::Com<SC>: Send + Sync,
    crate::proof::PcsProof<SC>: Send,
    PcsData<SC>: Send + Sync,
{
    let batch = if max_in_flight == 0 { rayon::current_num_threads() } else { max_in_flight };
    let generate = |i: usize| witness(i).map_err(|e| ProveError::Witness { segment: i, message: e.to_string() });
    let mut commitments = Vec::with_capacity(num_segments);
    for start in (0..num_segments).step_by(batch) {
        let end = (start + batch).min(num_segments);
        let part: Vec<SegmentCommitment<SC>> = (start..end)
            .into_par_iter()
            .map(|i| Ok(commit_segment(config, pk, i, generate(i)?)?.commitment))
            .collect::<Result<_, ProveError>>()?;
        commitments.extend(part);
    }
    pk.vk.check_bus_terms(statement, commitments.iter().map(|c| &c.log_heights[..])).map_err(ProveError::BusTerms)?;
    let challenge = global_challenge(config, &pk.vk, statement, &commitments);
    prove_phase_two(config, pk, tables, &commitments, Vec::new(), &challenge, max_in_flight, witness)
}

/// Phase 2 for segments whose phase-1 `commitments` are known, under `challenge`, with
/// at most `max_in_flight` segments (0: one per rayon thread) being proved at once.
///
/// A segment whose phase-1 result was kept (`kept[i]`, which may be shorter than the
/// segment count) is proved from it; any other is rebuilt: its witness `witness(i)` is
/// regenerated, committed again and must match its commitment. Keeping trades memory
/// (see [`CommittedSegment::resident_bytes`]) for the cost of a second commitment.
#[allow(clippy::too_many_arguments)]
pub fn prove_phase_two<SC, T, W, E>(
    config: &Config<SC>,
    pk: &ProvingKey<SC>,
    tables: &[T],
    commitments: &[SegmentCommitment<SC>],
    kept: Vec<Option<CommittedSegment<SC>>>,
    challenge: &GlobalChallenge<Val<SC>, SC::Challenge>,
    max_in_flight: usize,
    witness: W,
) -> Result<Vec<SegmentProof<SC>>, ProveError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
    W: Fn(usize) -> Result<SegmentWitness<Val<SC>>, E> + Sync,
    E: Display,
    SC: Sync,
    p3_uni_stark::Com<SC>: Send + Sync,
    crate::proof::PcsProof<SC>: Send,
    PcsData<SC>: Send + Sync,
{
    let batch = if max_in_flight == 0 { rayon::current_num_threads() } else { max_in_flight };
    let num_segments = commitments.len();
    let mut kept: Vec<std::sync::Mutex<Option<CommittedSegment<SC>>>> =
        kept.into_iter().map(std::sync::Mutex::new).collect();
    kept.resize_with(num_segments.max(kept.len()), Default::default);
    let mut proofs = Vec::with_capacity(num_segments);
    for start in (0..num_segments).step_by(batch) {
        let end = (start + batch).min(num_segments);
        let part: Vec<SegmentProof<SC>> = (start..end)
            .into_par_iter()
            .map(|i| {
                let held = kept[i].lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
                let committed = match held {
                    Some(committed) => committed,
                    None => {
                        let w = witness(i).map_err(|e| ProveError::Witness { segment: i, message: e.to_string() })?;
                        commit_segment(config, pk, i, w)?
                    }
                };
                if !same_commitment(&committed.commitment, &commitments[i]) {
                    return Err(ProveError::NonDeterministicWitness { segment: i });
                }
                prove_committed(config, pk, tables, committed, challenge)
            })
            .collect::<Result<_, ProveError>>()?;
        proofs.extend(part);
    }
    Ok(proofs)
}
