//! The LogUp bus argument: columns, constraints, and the global balance.
//!
//! **Fingerprints.** A message `(bus, v_0, …, v_{k−1})` is compressed with the global
//! challenge `(γ, β) ∈ F_{p²}²` into the denominator
//! `γ − (bus + β·v_0 + β²·v_1 + … + β^k·v_{k−1})`. Distinct messages are distinct
//! polynomials in `β` because setup (`keys::check_bus`) refuses two arities on one bus
//! (`(a)` and `(a, 0)` would coincide) and two bus ids that are one field element.
//!
//! **Claim.** Over all rows `r` of all tables `T` of all segments, and the statement's
//! boundary messages `b`:
//! `Σ_{T,r,j} m_j(r) / (γ − fp_j(r)) + Σ_b m_b / (γ − fp_b) = 0`,
//! where `m_j` is the signed multiplicity of interaction `j` (send > 0, receive < 0).
//! If the multisets of sent and received messages differ, the left side is a non-zero
//! rational function of `γ` (for fingerprints that are distinct, which fails only with
//! probability ≤ k·M/|F_{p²}| over `β`), so it vanishes at the random `γ` with probability
//! ≤ M/|F_{p²}|, `M` the total number of terms (Schwartz–Zippel after clearing
//! denominators). `γ, β` are drawn after every segment's main trace is committed, so the
//! prover cannot adapt the traces to them. "Differ" is modulo `p`: multiplicities are field
//! elements, so `p` copies of one message vanish; [`crate::bounds`] keeps every false
//! message's count below `p` (the verifier's checks on the claimed heights).
//!
//! **Columns.** The interactions of a table are grouped into *batches* at setup
//! ([`crate::symbolic::TableAnalysis::logup_batches`]: as many as fit under the degree
//! bound the table's quotient chunks already allow, in practice pairs of interactions with
//! degree-1 tuples). A table with `k` batches gets `k` extension-field columns in the
//! phase-2 ("aux") trace: one per batch `B` but the last, `h_B = Σ_{i∈B} m_i/d_i` with
//! `d_i = γ − fp_i`, and a running sum `s` with `s_0 = 0`, `s_{r+1} = s_r + t_r`,
//! `t_r = Σ_B f_B(r)`, where `f_B = Σ_{i∈B} m_i/d_i` is the batch's sum (held by `h_B`
//! for every batch but the last). The table's partial sum `σ = Σ_r t_r` is published in
//! the segment proof.
//!
//! **Constraints** (added by the protocol to the table's own):
//! * `h_B·Π_{i∈B} d_i − Σ_{i∈B} m_i·Π_{j∈B, j≠i} d_j = 0` on every row, for every batch
//!   but the last: the batch equation with denominators cleared, of degree
//!   `max(1 + Σ deg d_i, max_i (deg m_i + Σ_{j≠i} deg d_j))` (for a single interaction,
//!   `h·d − m = 0`);
//! * the same equation for the last batch `K`, with `h_K` replaced by what the running sum
//!   says it is: `u = s(ω·x) − s(x) − Σ_{B≠K} h_B(x) + L_last(x)·σ`, so `u·Π_{i∈K} d_i −
//!   Σ_{i∈K} m_i·Π_{j≠i} d_j = 0`, the next row of the last being the first. `u` has
//!   degree 1 like `h_K`, so the constraint has the batch's degree, and the last batch
//!   costs no column of its own (the running sum is one column either way). Where every
//!   `d_i ≠ 0` this says `s_{r+1} − s_r = t_r − [r = last]·σ`; summed over the whole
//!   (cyclic) domain the `s` terms telescope away, leaving exactly `Σ_r t_r = σ`, so no
//!   boundary constraint on `s` is needed.
//!
//! **Vanishing denominators.** The batch constraint pins `h_B` (for the last batch, `u`)
//! to `Σ m_i/d_i` only on rows where every `d_i ≠ 0`: it does not force each inverse, only their weighted sum, and if
//! some `d_i(r) = 0` then `Π d` vanishes and so does every term of the numerator but
//! `m_i·Π_{j≠i} d_j`, so the constraint reads `m_i·Π_{j≠i} d_j = 0` (or `0 = 0`): it no
//! longer binds `h_B(r)`, and a prover with a free `h_B(r)` could publish any `σ`. (An
//! inverse column `h·d = 1` would instead make such a row unprovable.) This is harmless
//! because it is negligible: `γ` is drawn after every main trace is committed, uniformly
//! and independently of `β`, so for the committed traces and any `β` each of the `M`
//! fingerprints `fp_i(r)` (rows with multiplicity 0 included: they leave `h_B` free just
//! the same) equals `γ` with probability `1/|F_{p²}|`, and some denominator vanishes with
//! probability ≤ `M/|F_{p²}|`. Otherwise every `h_B` is exactly its batch sum and `σ` is
//! the table's true contribution to the claim above. The two bad events together
//! (`γ` a fingerprint, or `γ` a root of the cleared numerator of degree < `M`) have
//! probability ≤ `2M/|F_{p²}|`, one bit less than with inverse columns; the LogUp term of
//! [`crate::config`] counts it. The honest prover reports a vanishing denominator
//! ([`crate::ProveError::FingerprintCollision`]) instead of proving.
//!
//! **Balance.** The verifier adds the `σ` of every table of every segment proof and the
//! boundary terms `Σ_b m_b/(γ − fp_b)` it computes itself from the statement, and accepts
//! only if the total is zero (see [`crate::verifier::verify_segments`]).

use p3_field::{Algebra, BasedVectorSpace, ExtensionField, Field};

use crate::air::{BusId, BusMessage};

/// The global bus challenge `(γ, β)`, drawn from all segments' phase-1 commitments and
/// the statement (see [`crate::prover::global_challenge`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusChallenge<EF> {
    /// The LogUp evaluation point.
    pub gamma: EF,
    /// The tuple-compression challenge.
    pub beta: EF,
}

impl<EF: Field> BusChallenge<EF> {
    /// `γ − fingerprint` for extension-field values (verifier, at `ζ`).
    pub(crate) fn denominator_ext(&self, bus: BusId, values: impl IntoIterator<Item = EF>) -> EF {
        let mut acc = self.gamma - EF::from_u32(bus);
        let mut pow = self.beta;
        for v in values {
            acc -= v * pow;
            pow *= self.beta;
        }
        acc
    }

    /// The LogUp contribution `Σ m/(γ − fp)` of the statement's boundary messages, or
    /// `None` if a denominator is zero (the challenge hit a fingerprint: negligible, and
    /// then the statement cannot be verified with this transcript).
    pub fn boundary_sum<F>(&self, messages: &[BusMessage<F>]) -> Option<EF>
    where
        F: Field,
        EF: ExtensionField<F>,
    {
        let fingerprints = Fingerprints::new(self, messages.iter().map(|m| m.values.len()).max().unwrap_or(0));
        messages.iter().try_fold(EF::ZERO, |acc, m| {
            let den = fingerprints.denominator_base(m.bus, m.values.iter().copied());
            den.try_inverse().map(|inv| acc + inv * m.multiplicity)
        })
    }
}

/// The bus challenge prepared for fingerprinting many tuples of base-field values: `γ`
/// and the powers `β, β², …, β^k` up to the longest tuple, computed once instead of once
/// per value of every interaction on every row (an extension multiplication each time).
/// With the powers at hand, each value costs `D` base multiplications.
pub(crate) struct Fingerprints<EF> {
    gamma: EF,
    beta_powers: Vec<EF>,
}

impl<EF: Field> Fingerprints<EF> {
    /// Prepares `challenge` for tuples of at most `max_arity` values.
    pub(crate) fn new(challenge: &BusChallenge<EF>, max_arity: usize) -> Self {
        Self { gamma: challenge.gamma, beta_powers: challenge.beta.powers().skip(1).take(max_arity).collect() }
    }

    /// `γ − fingerprint` for base-field values (trace rows, boundary messages).
    ///
    /// Panics if `values` is longer than the `max_arity` given to [`Self::new`] (a table
    /// whose tuples do not match its analysis), rather than dropping values.
    #[inline]
    pub(crate) fn denominator_base<F>(&self, bus: BusId, values: impl IntoIterator<Item = F>) -> EF
    where
        F: Field,
        EF: ExtensionField<F>,
    {
        let mut acc = self.gamma - EF::from_u32(bus);
        for (j, v) in values.into_iter().enumerate() {
            acc -= self.beta_powers[j] * v;
        }
        acc
    }

    /// `γ − fingerprint` for packed base-field values (prover, quotient domain); panics as
    /// [`Self::denominator_base`] does.
    #[inline]
    pub(crate) fn denominator_packed<F>(
        &self,
        bus: BusId,
        values: impl IntoIterator<Item = F::Packing>,
    ) -> EF::ExtensionPacking
    where
        F: Field,
        EF: ExtensionField<F>,
    {
        let mut acc = EF::ExtensionPacking::from(self.gamma - EF::from_u32(bus));
        for (j, v) in values.into_iter().enumerate() {
            let coeffs = self.beta_powers[j].as_basis_coefficients_slice();
            acc -= EF::ExtensionPacking::from_basis_coefficients_fn(|d| v * coeffs[d]);
        }
        acc
    }
}

/// The global challenge as the prover holds it: the bus challenge and the proof of work
/// ground before drawing it, which every segment proof carries for the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalChallenge<F, EF> {
    /// `(γ, β)`.
    pub bus: BusChallenge<EF>,
    /// The proof-of-work witness.
    pub pow_witness: F,
}

/// The LogUp columns of one table at one evaluation point: `local`/`next` hold
/// `[h_B for each batch but the last, s]` at `x` and `ω·x`; `sum` is the published partial
/// sum `σ`; `batches` are the table's batches (indices into its interactions, in
/// evaluation order).
pub(crate) struct LogUpColumns<'a, EE, EF> {
    pub local: &'a [EE],
    pub next: &'a [EE],
    pub sum: EF,
    pub batches: &'a [Vec<usize>],
}

impl<EE, EF: Copy> LogUpColumns<'_, EE, EF> {
    /// Emits the LogUp constraints for `interactions` (`(γ − fp_i, m_i)` per interaction,
    /// in evaluation order): one batch equation per batch, the last one over the running
    /// sum's step (see the module docs). `local`/`next` must hold `batches.len()` entries
    /// and every batch index must be below `interactions.len()` (the verifier checks both
    /// first; the prover builds them from the same key).
    #[inline]
    pub fn constraints<E: Copy>(&self, interactions: &[(EE, E)], is_last_row: E, mut emit: impl FnMut(EE))
    where
        EE: Algebra<E> + Algebra<EF> + Copy,
    {
        let Some((last, others)) = self.batches.split_last() else { return };
        let k = others.len();
        let fraction = |batch: &Vec<usize>| batch_fraction(batch.iter().map(|&i| interactions[i]));
        let mut u = self.next[k] - self.local[k] + EE::from(is_last_row) * self.sum;
        for (batch, h) in others.iter().zip(self.local) {
            let (num, den) = fraction(batch);
            emit(*h * den - num);
            u -= *h;
        }
        let (num, den) = fraction(last);
        emit(u * den - num);
    }
}

/// `Σ_i m_i/d_i` as the fraction `(Σ_i m_i·Π_{j≠i} d_j, Π_i d_i)`, built term by term:
/// `num/den + m/d = (num·d + m·den)/(den·d)`. The first two terms are combined directly as
/// `(d_1·m_0 + d_0·m_1, d_0·d_1)`, where each multiplicity (of the base type `E`) scales an
/// extension value, instead of lifting `m_0` into the extension and multiplying it by
/// `d_1` (a full extension multiplication on every quotient point and trace row). An
/// empty batch (never built) gives `0/1`.
#[inline]
pub(crate) fn batch_fraction<EE, E>(mut terms: impl Iterator<Item = (EE, E)>) -> (EE, EE)
where
    EE: Algebra<E> + Copy,
{
    let Some((d0, m0)) = terms.next() else { return (EE::ZERO, EE::ONE) };
    let Some((d1, m1)) = terms.next() else { return (EE::from(m0), d0) };
    terms.fold((d1 * m0 + d0 * m1, d0 * d1), |(num, den), (d, m)| (num * d + den * m, den * d))
}
