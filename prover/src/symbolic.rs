//! Degree and shape analysis of a table, done once at setup by running its `eval`
//! symbolically.
//!
//! The result ([`TableAnalysis`]) fixes everything the proof shape depends on besides the
//! heights: the number of constraints, the bus interactions and their grouping into LogUp
//! columns, and the quotient's degree (its number of chunks follows from that and the
//! table height). It goes into the verification key, so prover and verifier agree on
//! shapes without trusting the proof.

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

    /// The LogUp batches: a partition of the interactions (indices in evaluation order)
    /// into groups that share one column `h_B = Σ_{i∈B} m_i/d_i` (see [`crate::logup`]).
    ///
    /// Greedy first fit in evaluation order: each interaction joins the first batch it
    /// fits in without pushing the batch constraint above the bound `max_batch_degree`
    /// gives, or opens a new batch. The rule depends only on the shapes in the verification key, so
    /// prover and verifier derive the same batches.
    pub fn logup_batches(&self) -> Vec<Vec<usize>> {
        let limit = self.max_batch_degree();
        let mut batches: Vec<Vec<usize>> = Vec::new();
        for i in 0..self.interactions.len() {
            let fits =
                |b: &&mut Vec<usize>| batch_degree(b.iter().chain([&i]).map(|&j| &self.interactions[j])) <= limit;
            match batches.iter_mut().find(fits) {
                Some(batch) => batch.push(i),
                None => batches.push(vec![i]),
            }
        }
        batches
    }

    /// The highest degree a batch constraint may have: `2^L + 1`, where `2^L` is the
    /// quotient domain's size over the trace's ([`Self::log_quotient_degree`]) with one
    /// interaction per batch (3 for the usual degree-3 table, whose quotient is evaluated
    /// on twice the trace height, 2 for a table of degree ≤ 2 and the trace height).
    /// Batching therefore never enlarges the quotient domain nor adds quotient chunks; it
    /// only fills the headroom the domain already pays for.
    fn max_batch_degree(&self) -> usize {
        let unbatched =
            self.interactions.iter().map(|i| batch_degree([i])).chain([self.max_constraint_degree]).max().unwrap_or(0);
        (1 << log2_ceil_usize(unbatched.max(2) - 1)) + 1
    }

    /// The length of the longest tuple the table puts on a bus (0 without interactions).
    pub fn max_arity(&self) -> usize {
        self.interactions.iter().map(|i| i.arity).max().unwrap_or(0)
    }

    /// Number of LogUp columns, equal to the number of LogUp constraints the protocol
    /// adds: one per batch (the batch's sum for every batch but the last, then the
    /// running sum, whose step carries the last batch's sum), or none without
    /// interactions.
    pub fn num_logup_columns(&self) -> usize {
        self.logup_batches().len()
    }

    /// Degree of the whole constraint system, LogUp constraints included: the table's own
    /// constraints and each batch constraint ([`batch_degree`]; the last batch's stands
    /// the degree-1 running-sum step `s' − s − Σ h_B + L_last·σ` in for its column).
    pub fn total_degree(&self) -> usize {
        self.logup_batches()
            .iter()
            .map(|b| batch_degree(b.iter().map(|&i| &self.interactions[i])))
            .chain([self.max_constraint_degree])
            .max()
            .unwrap_or(0)
    }

    /// log2 of the quotient domain's size over the trace's (`L`): the folded constraints
    /// `C` have degree ≤ `d·(n − 1)` and `Z_H` has degree `n`, so `Q = C/Z_H` has degree
    /// < `(d − 1)·n` ≤ `2^L·n` with `L = ⌈log2(d − 1)⌉`, and its evaluations on a coset of
    /// size `2^L·n` determine it. That coset must fit in the trace LDE, so setup rejects
    /// `L > log_blowup` ([`crate::SetupError::DegreeTooHigh`]).
    pub fn log_quotient_degree(&self) -> usize {
        log2_ceil_usize(self.total_degree().max(2) - 1)
    }

    /// log2 of the number of chunks the quotient of a table of height `2^log_height` is
    /// committed in, given the log heights of all the segment's tables (this one
    /// included): `L + e` (`L` = [`Self::log_quotient_degree`]), where the extra split
    /// `e ≤ MAX_EXTRA_QUOTIENT_SPLITS` is the least for which the chunks, of height
    /// `n/2^e`, land at a height some *other* table of the segment has, or 0 if none does.
    /// Prover and verifier both derive it from the key and the claimed heights.
    ///
    /// Any number `k` of chunks dividing the domain size `N = 2^L·n` is sound: chunk `i`
    /// holds `Q`'s evaluations on the `i`-th sub-coset (every `k`-th point of the quotient
    /// coset, size `N/k`) and is committed as their interpolant `q_i` (degree < `N/k`).
    /// With `w_i` the vanishing polynomial of the other `k − 1` sub-cosets normalised to 1
    /// on sub-coset `i` (degree `(k − 1)·N/k`), `Σ_i w_i·q_i` has degree < `N` and agrees
    /// with `Q` on all `N` points, so it is `Q` (as `deg Q < N`); the verifier recomposes
    /// `Q(ζ)` that way.
    ///
    /// Why split further: each chunk is one extension element per row (2 base cells). A
    /// table alone at its height (the RISC-V main table) would commit its 2 chunks as
    /// Merkle leaves of 4 cells, one width-16 sponge permutation (rate 12) each, over an
    /// LDE as tall as its trace's. Split down to the next height another table has, its
    /// chunks share leaves with that table's chunks (Plonky3 hashes the rows of all
    /// matrices of one height as one leaf), the quotient tree loses `e` levels and the
    /// chunks' LDE has `2^e` times fewer rows. Splitting to a height *no* table has would
    /// add a stop to FRI's fold schedule (Plonky3 ends a folding round at every input
    /// height), which costs about what the split saves (measured on sha256 with one split
    /// of every table: commit_quotient halved, FRI's commit phase +1 s per segment).
    pub fn log_quotient_chunks(&self, log_height: usize, segment_log_heights: &[u8]) -> usize {
        // Absent tables (log height 0) never match: `log_height − e ≥ 1`.
        let tables_at = |h: usize| segment_log_heights.iter().filter(|&&l| usize::from(l) == h).count();
        let extra = (0..=MAX_EXTRA_QUOTIENT_SPLITS.min(log_height.saturating_sub(1)))
            .find(|&e| tables_at(log_height - e) > usize::from(e == 0))
            .unwrap_or(0);
        self.log_quotient_degree() + extra
    }
}

/// The most extra splits [`TableAnalysis::log_quotient_chunks`] makes: chunks of at
/// least `n/8`, 8 times as many values opened at `ζ` and per FRI query at most.
pub const MAX_EXTRA_QUOTIENT_SPLITS: usize = 3;

/// Degree of the constraint `h_B·Π_{i∈B} d_i − Σ_{i∈B} m_i·Π_{j≠i} d_j` of a batch, with
/// `deg d_i` the degree of the tuple (`γ` and `β` are constants) and `h_B` of degree 1:
/// `max(1 + Σ deg d_i, max_i (deg m_i + Σ_{j≠i} deg d_j))`.
pub fn batch_degree<'a>(batch: impl IntoIterator<Item = &'a InteractionShape> + Clone) -> usize {
    let dens: usize = batch.clone().into_iter().map(|i| i.values_degree).sum();
    batch.into_iter().map(|i| i.multiplicity_degree + dens - i.values_degree).chain([1 + dens]).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interaction on bus 1 whose tuple has degree `values` and multiplicity degree `mult`.
    fn shape(values: usize, mult: usize) -> InteractionShape {
        InteractionShape { bus: 1, arity: 1, values_degree: values, multiplicity_degree: mult }
    }

    fn table(own_degree: usize, interactions: Vec<InteractionShape>) -> TableAnalysis {
        TableAnalysis { num_constraints: 1, max_constraint_degree: own_degree, interactions }
    }

    /// The quotient degree the table would have with one interaction per column.
    fn unbatched_log_degree(t: &TableAnalysis) -> usize {
        let singletons = t.interactions.iter().map(|i| batch_degree([i]));
        log2_ceil_usize(singletons.chain([t.max_constraint_degree, 2]).max().unwrap() - 1)
    }

    /// Checks the invariants of the grouping rule and returns the batches.
    fn checked_batches(t: &TableAnalysis) -> Vec<Vec<usize>> {
        let batches = t.logup_batches();
        // A partition of the interactions, each batch in evaluation order.
        let mut all: Vec<usize> = batches.concat();
        all.sort_unstable();
        assert_eq!(all, (0..t.interactions.len()).collect::<Vec<_>>());
        assert!(batches.iter().all(|b| !b.is_empty() && b.windows(2).all(|w| w[0] < w[1])));
        // Every batch within the degree the unbatched quotient domain allows, so the
        // domain (and the chunk count) does not change.
        let limit = (1 << unbatched_log_degree(t)) + 1;
        for b in &batches {
            assert!(batch_degree(b.iter().map(|&i| &t.interactions[i])) <= limit, "{b:?} in {t:?}");
        }
        assert_eq!(t.log_quotient_degree(), unbatched_log_degree(t));
        assert_eq!(t.num_logup_columns(), batches.len());
        // Deterministic: the same shapes give the same batches.
        assert_eq!(t.clone().logup_batches(), batches);
        batches
    }

    #[test]
    fn batch_degree_follows_the_cleared_equation() {
        // h·d − m: max(1 + 1, 1).
        assert_eq!(batch_degree(&[shape(1, 1)]), 2);
        // h·d_0·d_1 − m_0·d_1 − m_1·d_0: max(1 + 2, 2 + 1).
        assert_eq!(batch_degree(&[shape(1, 1), shape(1, 2)]), 3);
        assert_eq!(batch_degree(&[shape(2, 1), shape(1, 1)]), 4);
        // Constant tuples add nothing but the multiplicities.
        assert_eq!(batch_degree(&[shape(0, 2), shape(0, 1), shape(0, 1)]), 2);
    }

    #[test]
    fn degree_three_tables_pair_degree_one_tuples() {
        // The main RISC-V table's shapes: 13 degree-1 tuples (program, three register
        // accesses), the ALU message with a degree-2 tuple, memop, syscall, and the state
        // received with a degree-2 multiplicity and sent.
        let mut shapes = vec![shape(1, 1); 13];
        shapes.extend([shape(2, 1), shape(1, 1), shape(1, 1), shape(1, 2), shape(1, 1)]);
        let cpu = table(3, shapes);
        let batches = checked_batches(&cpu);
        assert_eq!(
            batches,
            [
                vec![0, 1],
                vec![2, 3],
                vec![4, 5],
                vec![6, 7],
                vec![8, 9],
                vec![10, 11],
                vec![12, 14],
                vec![13],
                vec![15, 16],
                vec![17]
            ]
        );
        assert_eq!(cpu.num_logup_columns(), 10);
        assert_eq!(cpu.log_quotient_degree(), 1);
        assert_eq!(cpu.total_degree(), 3);
    }

    #[test]
    fn quotient_chunks_split_down_to_a_height_another_table_has() {
        let cubic = table(3, vec![shape(1, 1)]);
        let linear = table(1, vec![]);
        let quintic = table(5, vec![]);
        let chunks = |t: &TableAnalysis, log_h: usize, heights: &[u8]| t.log_quotient_chunks(log_h, heights);
        for t in [&cubic, &linear, &quintic] {
            let degree = t.log_quotient_degree();
            // Sharing its height with another table, or alone: the chunks its degree needs.
            assert_eq!(chunks(t, 18, &[18, 18, 16]), degree);
            assert_eq!(chunks(t, 18, &[18]), degree);
            // Alone at 2^18: down to the nearest lower height of another table, ...
            assert_eq!(chunks(t, 18, &[18, 16, 15, 16]), degree + 2);
            assert_eq!(chunks(t, 18, &[18, 17, 10]), degree + 1);
            // ... at most MAX_EXTRA_QUOTIENT_SPLITS below, ...
            assert_eq!(chunks(t, 18, &[18, 18 - MAX_EXTRA_QUOTIENT_SPLITS as u8]), degree + MAX_EXTRA_QUOTIENT_SPLITS);
            assert_eq!(chunks(t, 18, &[18, 17 - MAX_EXTRA_QUOTIENT_SPLITS as u8]), degree);
            // ... never to chunks of one row, and never up.
            assert_eq!(chunks(t, 1, &[1, 0]), degree);
            assert_eq!(chunks(t, 2, &[2, 1]), degree + 1);
            assert_eq!(chunks(t, 5, &[5, 7]), degree);
        }
    }

    #[test]
    fn batching_never_enlarges_the_quotient() {
        // Degree 2 (quotient domain of the trace's size): pairing degree-1 tuples would
        // need degree 3, so none pairs.
        let low = table(2, vec![shape(1, 1); 4]);
        assert_eq!(checked_batches(&low), [vec![0], vec![1], vec![2], vec![3]]);
        assert_eq!(low.log_quotient_degree(), 0);
        // ... except constant tuples, whose denominators have degree 0.
        let constants = table(2, vec![shape(0, 1), shape(1, 1), shape(0, 1), shape(1, 1)]);
        assert_eq!(checked_batches(&constants), [vec![0, 1, 2], vec![3]]);
        // A degree-5 table (quotient domain 4n, blowup ≥ 4) takes four degree-1 tuples per
        // batch.
        let wide = table(5, vec![shape(1, 1); 9]);
        assert_eq!(checked_batches(&wide), [vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8]]);
        // A table with no interactions has no LogUp columns.
        assert!(checked_batches(&table(3, vec![])).is_empty());
        // Pseudo-random shapes: the invariants hold (partition, degree bound, same domain).
        let mut s = 7u64;
        for _ in 0..200 {
            let mut next = |m: u64| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 33) % m) as usize
            };
            let own = next(5);
            let n = next(12);
            let shapes = (0..n).map(|_| shape(next(3), next(3))).collect();
            checked_batches(&table(own, shapes));
        }
    }
}
