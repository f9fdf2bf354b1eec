//! Toy tables shared by the integration tests: a Fibonacci table, a byte-range lookup
//! between two tables of different heights (one with a preprocessed column), and a
//! counter whose state is handed from segment to segment over the bus; and proving and
//! verifying one segment of any tables under the default configuration or a given one.
//!
//! The tables and witnesses are generic over the field (any `PrimeField64`: Goldilocks
//! for `toy.rs`, KoalaBear for `koala_bear.rs`); their values stay far below 2^31.

#![allow(dead_code)] // each test binary uses a different subset

pub mod suite;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_challenger::GrindingChallenger;
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use p3_uni_stark::{Com, StarkGenericConfig, Val as ValOf};
use ziskjit_prover::keys::PcsData;
use ziskjit_prover::proof::PcsProof;
use ziskjit_prover::{
    prove_segments, setup, verify_segments, BusBuilder, BusMessage, Config, FriSettings, Poseidon2Stark, ProvingKey,
    SegmentProof, SegmentWitness, StarkTable, Statement, TableName, Val, VerifyError,
};

/// Sets up `tables` and proves one segment of them from `witness` (default Poseidon2
/// configuration, empty statement).
pub fn prove_one_segment<T: StarkTable<Poseidon2Stark>>(
    tables: &[T],
    witness: &SegmentWitness<Val>,
) -> (ProvingKey<Poseidon2Stark>, Vec<SegmentProof<Poseidon2Stark>>) {
    prove_one_segment_with(&Config::poseidon2(FriSettings::default()), tables, witness)
}

/// Verifies what [`prove_one_segment`] proved.
pub fn verify_one_segment<T: StarkTable<Poseidon2Stark>>(
    tables: &[T],
    pk: &ProvingKey<Poseidon2Stark>,
    proofs: &[SegmentProof<Poseidon2Stark>],
) -> Result<(), VerifyError> {
    verify_one_segment_with(&Config::poseidon2(FriSettings::default()), tables, pk, proofs)
}

/// [`prove_one_segment`] under `config`.
pub fn prove_one_segment_with<SC, T>(
    config: &Config<SC>,
    tables: &[T],
    witness: &SegmentWitness<ValOf<SC>>,
) -> (ProvingKey<SC>, Vec<SegmentProof<SC>>)
where
    SC: StarkGenericConfig + Sync,
    SC::Challenger: GrindingChallenger<Witness = ValOf<SC>>,
    Com<SC>: Send + Sync,
    PcsProof<SC>: Send,
    PcsData<SC>: Send + Sync,
    T: StarkTable<SC>,
{
    let pk = setup(config, tables).unwrap();
    let proofs = prove_segments(config, &pk, tables, &Statement::default(), 1, 0, |_| Ok::<_, String>(witness.clone()))
        .expect("proving succeeds");
    (pk, proofs)
}

/// [`verify_one_segment`] under `config`.
pub fn verify_one_segment_with<SC, T>(
    config: &Config<SC>,
    tables: &[T],
    pk: &ProvingKey<SC>,
    proofs: &[SegmentProof<SC>],
) -> Result<(), VerifyError>
where
    SC: StarkGenericConfig + Sync,
    SC::Challenger: GrindingChallenger<Witness = ValOf<SC>>,
    Com<SC>: Send + Sync,
    PcsProof<SC>: Sync,
    T: StarkTable<SC>,
{
    verify_segments(config, tables, &pk.vk, &Statement::default(), proofs)
}

/// Bus carrying byte-range lookups `(value)`.
pub const RANGE_BUS: u32 = 1;
/// Bus carrying the counter state between segments `(counter)`.
pub const STATE_BUS: u32 = 2;

/// The toy tables, as one enum (how a program passes tables of different types).
#[derive(Clone, Debug)]
pub enum Toy {
    /// `(left, right)` with `right' = left + right`; public values `[a, b, result]`.
    Fibonacci,
    /// Preprocessed column `value` = `offset + r` for `r < 256`; main column: how many
    /// times each value is looked up.
    Range {
        /// Shifts the fixed column; two offsets are two different programs.
        offset: u64,
    },
    /// Main columns `(x, y)` with `y = x²`; looks `x` up in the range table.
    Squares,
    /// Main column `c` with `c' = c + 1`; receives its first value from the state bus and
    /// sends its successor of the last value.
    Counter,
}

impl TableName for Toy {
    fn name(&self) -> String {
        match self {
            Toy::Fibonacci => "fibonacci".into(),
            Toy::Range { .. } => "range".into(),
            Toy::Squares => "squares".into(),
            Toy::Counter => "counter".into(),
        }
    }

    /// The range table only receives, with free multiplicities: all zero is a trace that
    /// puts nothing on the bus, so a segment may leave it out.
    fn may_be_absent(&self) -> bool {
        matches!(self, Toy::Range { .. })
    }
}

impl<F: PrimeField64> BaseAir<F> for Toy {
    fn width(&self) -> usize {
        match self {
            Toy::Fibonacci | Toy::Squares => 2,
            Toy::Range { .. } | Toy::Counter => 1,
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            Toy::Range { .. } => 1,
            _ => 0,
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        match self {
            Toy::Range { offset } => Some(RowMajorMatrix::new_col((0..256).map(|r| F::from_u64(offset + r)).collect())),
            _ => None,
        }
    }

    fn num_public_values(&self) -> usize {
        match self {
            Toy::Fibonacci => 3,
            _ => 0,
        }
    }
}

impl<AB: BusBuilder<F: PrimeField64>> Air<AB> for Toy {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local = main.current_slice().to_vec();
        let next = main.next_slice().to_vec();
        match self {
            Toy::Fibonacci => {
                let pis: Vec<AB::Expr> = builder.public_values().iter().map(|&p| p.into()).collect();
                let mut first = builder.when_first_row();
                first.assert_eq(local[0], pis[0].clone());
                first.assert_eq(local[1], pis[1].clone());
                let mut t = builder.when_transition();
                t.assert_eq(next[0], local[1]);
                t.assert_eq(next[1], local[0] + local[1]);
                builder.when_last_row().assert_eq(local[1], pis[2].clone());
            }
            Toy::Range { .. } => {
                let value = builder.preprocessed().current_slice()[0];
                builder.receive(RANGE_BUS, [value], local[0]);
            }
            Toy::Squares => {
                builder.assert_eq(local[1], local[0] * local[0]);
                builder.send(RANGE_BUS, [local[0]], AB::Expr::ONE);
            }
            Toy::Counter => {
                builder.when_transition().assert_eq(next[0], local[0] + AB::Expr::ONE);
                let first = builder.is_first_row();
                let last = builder.is_last_row();
                builder.receive(STATE_BUS, [local[0]], first);
                builder.send(STATE_BUS, [local[0] + AB::Expr::ONE], last);
            }
        }
    }
}

/// A one-column table that sends its value `arity` times over as one tuple on `bus`:
/// setup's bus checks (one arity per bus, distinct ids) look at nothing else.
#[derive(Clone, Debug)]
pub struct Sender {
    pub bus: u32,
    pub arity: usize,
}

impl TableName for Sender {
    fn name(&self) -> String {
        format!("sender(bus {}, arity {})", self.bus, self.arity)
    }
}

impl<F: PrimeField64> BaseAir<F> for Sender {
    fn width(&self) -> usize {
        1
    }
}

impl<AB: BusBuilder<F: PrimeField64>> Air<AB> for Sender {
    fn eval(&self, builder: &mut AB) {
        let x = builder.main().current_slice()[0];
        builder.send(self.bus, vec![x; self.arity], AB::Expr::ONE);
    }
}

/// A Fibonacci trace of `n` rows from `(a, b)`, and its public values.
pub fn fibonacci_witness<F: PrimeField64>(n: usize, a: u64, b: u64) -> SegmentWitness<F> {
    let mut values = Vec::with_capacity(2 * n);
    let (mut x, mut y) = (F::from_u64(a), F::from_u64(b));
    for _ in 0..n {
        values.extend([x, y]);
        (x, y) = (y, x + y);
    }
    let result = values[2 * n - 1];
    SegmentWitness {
        traces: vec![RowMajorMatrix::new(values, 2)],
        public_values: vec![F::from_u64(a), F::from_u64(b), result],
    }
}

/// A range table (256 rows, program with range offset `offset`) and a squares table of
/// `n` rows over pseudo-random values in `[offset, offset + 256)`; `bad_row` (if any)
/// holds `offset + 256`, which is out of range.
pub fn lookup_witness<F: PrimeField64>(offset: u64, n: usize, seed: u64, bad_row: Option<usize>) -> SegmentWitness<F> {
    let mut counts = vec![0u64; 256];
    let mut squares = Vec::with_capacity(2 * n);
    let mut s = seed;
    for r in 0..n {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let i = if bad_row == Some(r) { 256 } else { (s >> 56) % 256 };
        if i < 256 {
            counts[i as usize] += 1;
        }
        let x = offset + i;
        squares.extend([F::from_u64(x), F::from_u64(x * x)]);
    }
    SegmentWitness {
        traces: vec![
            RowMajorMatrix::new_col(counts.into_iter().map(F::from_u64).collect()),
            RowMajorMatrix::new(squares, 2),
        ],
        public_values: vec![],
    }
}

/// [`lookup_witness`] for two segments sharing one range table, which only the last
/// segment holds (counting both segments' lookups); segment 0 leaves it out.
pub fn shared_range_witness<F: PrimeField64>(k: usize) -> SegmentWitness<F> {
    let (first, last) = (lookup_witness::<F>(0, 64, 5, None), lookup_witness::<F>(0, 128, 9, None));
    if k == 0 {
        let mut w = first;
        w.traces[0] = RowMajorMatrix::new(Vec::new(), 1);
        w
    } else {
        let mut w = last;
        for (total, count) in w.traces[0].values.iter_mut().zip(&first.traces[0].values) {
            *total += *count;
        }
        w
    }
}

/// Segment `k` of a counter run with `n` rows per segment: `c = k·n + r`.
pub fn counter_witness<F: PrimeField64>(k: usize, n: usize) -> SegmentWitness<F> {
    SegmentWitness {
        traces: vec![RowMajorMatrix::new_col((0..n).map(|r| F::from_u64((k * n + r) as u64)).collect())],
        public_values: vec![],
    }
}

/// The statement of a counter run of `segments` segments of `n` rows: it sends the
/// initial state 0 and receives the final state `segments·n`.
pub fn counter_boundary<F: PrimeField64>(segments: usize, n: usize) -> Vec<BusMessage<F>> {
    vec![
        BusMessage::send(STATE_BUS, vec![F::ZERO]),
        BusMessage::receive(STATE_BUS, vec![F::from_u64((segments * n) as u64)]),
    ]
}
