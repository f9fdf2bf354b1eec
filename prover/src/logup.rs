//! The LogUp bus argument: columns, constraints, and the global balance.
//!
//! **Fingerprints.** A message `(bus, v_0, …, v_{k−1})` is compressed with the global
//! challenge `(γ, β) ∈ F_{p²}²` into the denominator
//! `γ − (bus + β·v_0 + β²·v_1 + … + β^k·v_{k−1})`.
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
//! prover cannot adapt the traces to them.
//!
//! **Columns.** A table with `n` interactions gets `n + 1` extension-field columns in the
//! phase-2 ("aux") trace: `h_j = 1/(γ − fp_j)` for each interaction and a running sum `s`
//! with `s_0 = 0`, `s_{r+1} = s_r + t_r`, `t_r = Σ_j m_j(r)·h_j(r)`. The table's partial
//! sum `σ = Σ_r t_r` is published in the segment proof.
//!
//! **Constraints** (added by the protocol to the table's own):
//! * `h_j·(γ − fp_j) − 1 = 0` on every row: `h_j` is the inverse;
//! * `s(ω·x) − s(x) − t(x) + L_last(x)·σ = 0` on every row, the next row of the last being
//!   the first. Summed over the whole (cyclic) domain the `s` terms telescope away, leaving
//!   exactly `Σ_r t_r = σ`, so no boundary constraint on `s` is needed.
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
    /// `γ − fingerprint` for packed base-field values (prover, quotient domain).
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
        let mut pow = self.beta;
        for v in values {
            let coeffs = pow.as_basis_coefficients_slice();
            acc -= EF::ExtensionPacking::from_basis_coefficients_fn(|d| v * coeffs[d]);
            pow *= self.beta;
        }
        acc
    }

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

    /// `γ − fingerprint` for base-field values (trace rows, boundary messages).
    pub(crate) fn denominator_base<F>(&self, bus: BusId, values: impl IntoIterator<Item = F>) -> EF
    where
        F: Field,
        EF: ExtensionField<F>,
    {
        let mut acc = self.gamma - EF::from_u32(bus);
        let mut pow = self.beta;
        for v in values {
            acc -= pow * v;
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
        messages.iter().try_fold(EF::ZERO, |acc, m| {
            let den = self.denominator_base(m.bus, m.values.iter().copied());
            den.try_inverse().map(|inv| acc + inv * m.multiplicity)
        })
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
/// `[h_0, …, h_{n−1}, s]` at `x` and `ω·x`; `sum` is the published partial sum `σ`.
pub(crate) struct LogUpColumns<'a, EE, EF> {
    pub local: &'a [EE],
    pub next: &'a [EE],
    pub sum: EF,
}

impl<EE, EF: Copy> LogUpColumns<'_, EE, EF> {
    /// Emits the LogUp constraints for `interactions` (`(γ − fp_j, m_j)` per interaction,
    /// in evaluation order): one inverse check each, then the running-sum step.
    /// `local`/`next` must hold `interactions.len() + 1` entries (the verifier checks the
    /// opened shapes first; the prover builds them so).
    #[inline]
    pub fn constraints<E: Copy>(&self, interactions: &[(EE, E)], is_last_row: E, mut emit: impl FnMut(EE))
    where
        EE: Algebra<E> + Algebra<EF> + Copy,
    {
        let n = interactions.len();
        if n == 0 {
            return;
        }
        let mut t = EE::ZERO;
        for ((den, m), h) in interactions.iter().zip(self.local) {
            emit(*h * *den - EE::ONE);
            t += *h * *m;
        }
        emit(self.next[n] - self.local[n] - t + EE::from(is_last_row) * self.sum);
    }
}
