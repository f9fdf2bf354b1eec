//! Degree and shape analysis of a table, done once at setup by running its `eval`
//! symbolically.
//!
//! The result ([`TableAnalysis`]) fixes everything the proof shape depends on besides the
//! heights: the number of constraints, the number of bus interactions (= LogUp columns)
//! and the number of quotient chunks. It goes into the verification key, so prover and
//! verifier agree on shapes without trusting the proof.

use p3_air::symbolic::{AirLayout, SymbolicAirBuilder, SymbolicExpression, SymbolicVariable};
use p3_air::{Air, AirBuilder, BaseAir};
use p3_field::Field;
use p3_matrix::dense::RowMajorMatrix;
use p3_util::log2_ceil_usize;

use crate::air::{BusBuilder, BusId};

/// A builder that records constraints (through `p3-air`'s symbolic builder) and the
/// degrees of every bus interaction.
pub struct SymbolicBusBuilder<F: Field> {
    inner: SymbolicAirBuilder<F>,
    interactions: Vec<InteractionShape>,
}

/// The shape of one bus interaction, as declared by a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InteractionShape {
    /// The bus.
    pub bus: BusId,
    /// Number of values in the tuple.
    pub arity: usize,
    /// Highest degree among the tuple's expressions.
    pub values_degree: usize,
    /// Degree of the multiplicity expression.
    pub multiplicity_degree: usize,
}

impl<F: Field> AirBuilder for SymbolicBusBuilder<F> {
    type F = F;
    type Expr = SymbolicExpression<F>;
    type Var = SymbolicVariable<F>;
    type PreprocessedWindow = RowMajorMatrix<SymbolicVariable<F>>;
    type MainWindow = RowMajorMatrix<SymbolicVariable<F>>;
    type PublicVar = SymbolicVariable<F>;
    type PeriodicVar = SymbolicVariable<F>;

    fn main(&self) -> Self::MainWindow {
        self.inner.main()
    }

    fn preprocessed(&self) -> &Self::PreprocessedWindow {
        self.inner.preprocessed()
    }

    fn is_first_row(&self) -> Self::Expr {
        self.inner.is_first_row()
    }

    fn is_last_row(&self) -> Self::Expr {
        self.inner.is_last_row()
    }

    fn is_transition(&self) -> Self::Expr {
        self.inner.is_transition()
    }

    fn assert_zero<I: Into<Self::Expr>>(&mut self, x: I) {
        self.inner.assert_zero(x);
    }

    fn public_values(&self) -> &[Self::PublicVar] {
        self.inner.public_values()
    }
}

impl<F: Field> BusBuilder for SymbolicBusBuilder<F> {
    fn interact<I>(&mut self, bus: BusId, values: I, multiplicity: Self::Expr)
    where
        I: IntoIterator<Item = Self::Expr>,
    {
        let (arity, values_degree) = values.into_iter().fold((0, 0), |(n, d), v| (n + 1, d.max(v.degree_multiple())));
        self.interactions.push(InteractionShape {
            bus,
            arity,
            values_degree,
            multiplicity_degree: multiplicity.degree_multiple(),
        });
    }
}

/// What setup learns about a table from its symbolic evaluation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableAnalysis {
    /// Number of the table's own constraints (the LogUp constraints come on top).
    pub num_constraints: usize,
    /// Highest degree among the table's own constraints.
    pub max_constraint_degree: usize,
    /// The bus interactions in evaluation order.
    pub interactions: Vec<InteractionShape>,
}

impl TableAnalysis {
    /// Runs `table.eval` symbolically.
    pub fn of<F: Field, T: Air<SymbolicBusBuilder<F>> + BaseAir<F>>(table: &T, num_public_values: usize) -> Self {
        let layout = AirLayout {
            preprocessed_width: table.preprocessed_width(),
            main_width: table.width(),
            num_public_values,
            ..Default::default()
        };
        let mut builder = SymbolicBusBuilder { inner: SymbolicAirBuilder::new(layout), interactions: Vec::new() };
        table.eval(&mut builder);
        let constraints = builder.inner.base_constraints();
        Self {
            num_constraints: constraints.len(),
            max_constraint_degree: constraints.iter().map(|c| c.degree_multiple()).max().unwrap_or(0),
            interactions: builder.interactions,
        }
    }

    /// Number of LogUp constraints the protocol adds: one per interaction (the inverse
    /// column is right) plus the running-sum constraint, or none without interactions.
    pub fn num_logup_constraints(&self) -> usize {
        if self.interactions.is_empty() {
            0
        } else {
            self.interactions.len() + 1
        }
    }

    /// Degree of the whole constraint system, LogUp constraints included:
    /// `h·(γ − fingerprint) − 1` has degree `1 + deg(values)`, and the running-sum step
    /// `s' − s − Σ m·h + L_last·Σ` has degree `1 + deg(m)` (the inverse column `h`
    /// contributes 1).
    pub fn total_degree(&self) -> usize {
        self.interactions
            .iter()
            .map(|i| (1 + i.values_degree).max(1 + i.multiplicity_degree))
            .chain([self.max_constraint_degree])
            .max()
            .unwrap_or(0)
    }

    /// log2 of the number of quotient chunks: the quotient `C/Z_H` has degree
    /// `(d − 1)·n` at most, so it is split into `2^⌈log2(d − 1)⌉` chunks of degree < n.
    pub fn log_quotient_chunks(&self) -> usize {
        log2_ceil_usize(self.total_degree().max(2) - 1)
    }
}
