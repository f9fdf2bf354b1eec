//! The builders that evaluate a table's constraints, plus the LogUp constraints the
//! protocol adds, and fold them with powers of the challenge `α`.
//!
//! * [`ProverFolder`]: on the quotient domain, `WIDTH` points at a time (packed SIMD
//!   values); the prover divides the fold by the vanishing polynomial. With its
//!   constraints [`Ignored`], the same builder collects only the interactions of `WIDTH`
//!   trace rows, for the LogUp columns ([`crate::rows::PackedRowBuilder`]).
//! * [`VerifierFolder`]: at the out-of-domain point `ζ`, from the opened values.
//!
//! Both fold constraint `i` of `N` (table constraints in evaluation order, then the
//! LogUp constraints of [`crate::logup`]) with weight `α^(N−1−i)`, i.e. Horner's rule, so
//! the two sides agree term by term.

use p3_air::{AirBuilder, RowWindow};
use p3_field::{Algebra, BasedVectorSpace};
use p3_uni_stark::{PackedChallenge, PackedVal, StarkGenericConfig, Val};

use crate::air::{BusBuilder, BusId};
use crate::logup::{BusChallenge, Fingerprints, LogUpColumns};

/// Where a [`ProverFolder`] puts the constraints it evaluates.
pub trait ConstraintSink<E> {
    fn record(&mut self, constraint: E);
}

impl<E> ConstraintSink<E> for Vec<E> {
    #[inline]
    fn record(&mut self, constraint: E) {
        self.push(constraint);
    }
}

/// Drops every constraint: the LogUp columns need only the interactions, and a no-op lets
/// the compiler drop the constraints' arithmetic too.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ignored;

impl<E> ConstraintSink<E> for Ignored {
    #[inline]
    fn record(&mut self, _constraint: E) {}
}

/// Packed evaluation of a table, `WIDTH` points or rows at a time (prover side): of the
/// constraints over the quotient domain, or (with `K =` [`Ignored`]) of the interactions
/// alone on trace rows.
pub struct ProverFolder<'a, SC: StarkGenericConfig, K = Vec<PackedVal<SC>>> {
    pub(crate) main: RowWindow<'a, PackedVal<SC>>,
    pub(crate) preprocessed: RowWindow<'a, PackedVal<SC>>,
    pub(crate) public_values: &'a [Val<SC>],
    pub(crate) is_first_row: PackedVal<SC>,
    pub(crate) is_last_row: PackedVal<SC>,
    pub(crate) is_transition: PackedVal<SC>,
    pub(crate) bus: &'a Fingerprints<SC::Challenge>,
    /// The table's own constraints, in evaluation order.
    pub(crate) constraints: K,
    /// `(γ − fingerprint, multiplicity)` per interaction, in evaluation order.
    pub(crate) interactions: Vec<(PackedChallenge<SC>, PackedVal<SC>)>,
}

impl<'a, SC: StarkGenericConfig, K: ConstraintSink<PackedVal<SC>>> AirBuilder for ProverFolder<'a, SC, K> {
    type F = Val<SC>;
    type Expr = PackedVal<SC>;
    type Var = PackedVal<SC>;
    type PreprocessedWindow = RowWindow<'a, PackedVal<SC>>;
    type MainWindow = RowWindow<'a, PackedVal<SC>>;
    type PublicVar = Val<SC>;
    type PeriodicVar = PackedVal<SC>;

    #[inline]
    fn main(&self) -> Self::MainWindow {
        self.main
    }

    fn preprocessed(&self) -> &Self::PreprocessedWindow {
        &self.preprocessed
    }

    #[inline]
    fn is_first_row(&self) -> Self::Expr {
        self.is_first_row
    }

    #[inline]
    fn is_last_row(&self) -> Self::Expr {
        self.is_last_row
    }

    #[inline]
    fn is_transition(&self) -> Self::Expr {
        self.is_transition
    }

    #[inline]
    fn assert_zero<I: Into<Self::Expr>>(&mut self, x: I) {
        self.constraints.record(x.into());
    }

    fn public_values(&self) -> &[Self::PublicVar] {
        self.public_values
    }
}

impl<SC: StarkGenericConfig, K: ConstraintSink<PackedVal<SC>>> BusBuilder for ProverFolder<'_, SC, K> {
    #[inline]
    fn interact<I>(&mut self, bus: BusId, values: I, multiplicity: Self::Expr)
    where
        I: IntoIterator<Item = Self::Expr>,
    {
        let den = self.bus.denominator_packed::<Val<SC>>(bus, values);
        self.interactions.push((den, multiplicity));
    }
}

impl<SC: StarkGenericConfig> ProverFolder<'_, SC> {
    /// Folds the collected table constraints and the LogUp constraints over `aux`.
    ///
    /// `base_weights[d][i]` is coordinate `d` of the weight of table constraint `i`
    /// (splitting the extension weights keeps the base-field part in packed base
    /// arithmetic); `ext_weights` are the weights of the LogUp constraints.
    #[inline]
    pub(crate) fn fold(
        &self,
        aux: &LogUpColumns<'_, PackedChallenge<SC>, SC::Challenge>,
        base_weights: &[Vec<Val<SC>>],
        ext_weights: &[SC::Challenge],
    ) -> PackedChallenge<SC> {
        let base = PackedChallenge::<SC>::from_basis_coefficients_fn(|d| {
            PackedVal::<SC>::batched_linear_combination(&self.constraints, &base_weights[d])
        });
        let mut acc = base;
        let mut weights = ext_weights.iter();
        aux.constraints(&self.interactions, self.is_last_row, |c| {
            // `weights` was sized from the table analysis, which counts the same batches.
            if let Some(w) = weights.next() {
                acc += c * *w;
            }
        });
        acc
    }
}

/// Evaluation of constraints at the out-of-domain point `ζ` (verifier side).
pub struct VerifierFolder<'a, SC: StarkGenericConfig> {
    pub(crate) main: RowWindow<'a, SC::Challenge>,
    pub(crate) preprocessed: RowWindow<'a, SC::Challenge>,
    pub(crate) public_values: &'a [Val<SC>],
    pub(crate) is_first_row: SC::Challenge,
    pub(crate) is_last_row: SC::Challenge,
    pub(crate) is_transition: SC::Challenge,
    pub(crate) bus: &'a BusChallenge<SC::Challenge>,
    pub(crate) alpha: SC::Challenge,
    pub(crate) accumulator: SC::Challenge,
    pub(crate) interactions: Vec<(SC::Challenge, SC::Challenge)>,
}

impl<'a, SC: StarkGenericConfig> AirBuilder for VerifierFolder<'a, SC> {
    type F = Val<SC>;
    type Expr = SC::Challenge;
    type Var = SC::Challenge;
    type PreprocessedWindow = RowWindow<'a, SC::Challenge>;
    type MainWindow = RowWindow<'a, SC::Challenge>;
    type PublicVar = Val<SC>;
    type PeriodicVar = SC::Challenge;

    fn main(&self) -> Self::MainWindow {
        self.main
    }

    fn preprocessed(&self) -> &Self::PreprocessedWindow {
        &self.preprocessed
    }

    fn is_first_row(&self) -> Self::Expr {
        self.is_first_row
    }

    fn is_last_row(&self) -> Self::Expr {
        self.is_last_row
    }

    fn is_transition(&self) -> Self::Expr {
        self.is_transition
    }

    fn assert_zero<I: Into<Self::Expr>>(&mut self, x: I) {
        self.accumulator = self.accumulator * self.alpha + x.into();
    }

    fn public_values(&self) -> &[Self::PublicVar] {
        self.public_values
    }
}

impl<SC: StarkGenericConfig> BusBuilder for VerifierFolder<'_, SC> {
    fn interact<I>(&mut self, bus: BusId, values: I, multiplicity: Self::Expr)
    where
        I: IntoIterator<Item = Self::Expr>,
    {
        let den = self.bus.denominator_ext(bus, values);
        self.interactions.push((den, multiplicity));
    }
}

impl<SC: StarkGenericConfig> VerifierFolder<'_, SC> {
    /// Continues the Horner fold with the LogUp constraints and returns the total.
    pub(crate) fn finish(mut self, aux: &LogUpColumns<'_, SC::Challenge, SC::Challenge>) -> SC::Challenge {
        let interactions = core::mem::take(&mut self.interactions);
        let mut acc = self.accumulator;
        aux.constraints(&interactions, self.is_last_row, |c| {
            acc = acc * self.alpha + c;
        });
        acc
    }
}

/// Weights `α^(N−1−i)` for `N` constraints, split into the first `num_base` (as base-field
/// coordinate vectors, `result.0[d][i]`) and the rest (as extension elements).
pub(crate) fn constraint_weights<F, EF>(alpha: EF, num_base: usize, num_ext: usize) -> (Vec<Vec<F>>, Vec<EF>)
where
    F: p3_field::Field,
    EF: p3_field::ExtensionField<F>,
{
    let total = num_base + num_ext;
    let mut powers: Vec<EF> = alpha.powers().take(total).collect();
    powers.reverse();
    let base = (0..EF::DIMENSION)
        .map(|d| powers[..num_base].iter().map(|p| p.as_basis_coefficients_slice()[d]).collect())
        .collect();
    (base, powers[num_base..].to_vec())
}
