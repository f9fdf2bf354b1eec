//! Benchmark (not a test): what a whole STARK costs per committed cell in the field the
//! prover uses (Goldilocks, degree-2 challenges) next to a 31-bit field (KoalaBear,
//! degree-4 challenges), end to end: trace commitment (LDE and Merkle leaves), quotient,
//! openings and FRI, with `p3-uni-stark`'s `prove` and `verify` on one synthetic table.
//!
//! `hash_fields` measures only the Poseidon2 permutation; leaf hashing is most of the
//! prover's time, but the DFTs, the quotient (evaluated in the degree-4 extension for
//! KoalaBear) and FRI are not. This example decides whether a 31-bit redesign — values in
//! 16-bit limbs, so about twice the committed cells per RISC-V step — could reach the
//! 100 k steps/s the README's "Why 100 k steps/s is out of reach" paragraph rules out for
//! the current design: compare Goldilocks at `W = 60` columns (about our cells per step:
//! 36 main + 20 LogUp + 4 quotient) with KoalaBear at `W = 120` (twice the cells) and at
//! `W = 60` (the same cells).
//!
//! The table has `2^18` rows of `W` columns in groups of four `(b0, b1, b2, p)`: three bit
//! columns (`b·(b − 1) = 0`) and their product (`p = b0·b1·b2`), one degree-3 or
//! degree-2 constraint per column. Every shape uses the same FRI settings as
//! `config.rs` (blowup 2, 100 queries, 16 bits of query grinding, folding arity up to
//! `2^FRI_MAX_LOG_ARITY`), the same deterministic grinding challenger and the same DFT;
//! only the field and the Poseidon2 instances differ:
//!
//! * Goldilocks: `config.rs`'s own configuration (width-16 leaf sponge with rate 12 and
//!   4-element digests, width-8 compression and challenger);
//! * KoalaBear/24: width-24 leaf sponge with rate 16 and 8-element digests, width-16
//!   compression and challenger;
//! * KoalaBear/16: width-16 leaf sponge with rate 8, otherwise as KoalaBear/24.
//!
//! Every shape runs twice, alternately, in one process; compare the ratios within a round
//! (this host's speed drifts). Usage:
//!
//! ```text
//! cargo run --release -p ziskjit-prover --example field_stark [-- LOG_ROWS]
//! ```

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_challenger::{DuplexChallenger, GrindingChallenger};
use p3_commit::ExtensionMmcs;
use p3_commit::Pcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_field::extension::BinomialExtensionField;
use p3_field::Field;
use p3_fri::TwoAdicFriPcs;
use p3_koala_bear::{default_koalabear_poseidon2_16, default_koalabear_poseidon2_24, KoalaBear, Poseidon2KoalaBear};
use p3_matrix::dense::RowMajorMatrix;
use p3_merkle_tree::MerkleTreeMmcs;
use p3_symmetric::{PaddingFreeSponge, TruncatedPermutation};
use p3_uni_stark::{prove, verify, StarkConfig, StarkGenericConfig, Val};
use rayon::prelude::*;
use std::time::Instant;
use ziskjit_prover::challenger::DeterministicPow;
use ziskjit_prover::config::{Config, FriSettings};

/// Default log2 of the table height (a segment of 2^18 steps).
const LOG_ROWS: usize = 18;

/// The synthetic table: `width / 4` groups `(b0, b1, b2, p)` with `b·(b − 1) = 0` for the
/// three bits and `p = b0·b1·b2`.
struct BitProductAir {
    width: usize,
}

impl<F> BaseAir<F> for BitProductAir {
    fn width(&self) -> usize {
        self.width
    }
}

impl<AB: AirBuilder> Air<AB> for BitProductAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local = main.current_slice();
        for group in local.chunks_exact(4) {
            let (b0, b1, b2, p) = (group[0], group[1], group[2], group[3]);
            for b in [b0, b1, b2] {
                builder.assert_bool(b);
            }
            builder.assert_eq(p, b0.into() * b1 * b2);
        }
    }
}

/// A satisfying trace: pseudo-random bits (one splitmix64 word per row), in parallel.
fn trace<F: Field>(width: usize, log_rows: usize) -> RowMajorMatrix<F> {
    assert_eq!(width % 4, 0, "the width is a whole number of groups");
    let mut values = F::zero_vec(width << log_rows);
    values.par_chunks_mut(width).enumerate().for_each(|(row, cells)| {
        let mut z = (row as u64).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        for (g, group) in cells.chunks_exact_mut(4).enumerate() {
            // Three bits per group, rotating through the word.
            let bits = z.rotate_right((3 * g) as u32 % 64);
            let [b0, b1, b2] = [bits & 1, (bits >> 1) & 1, (bits >> 2) & 1];
            group[0] = F::from_bool(b0 == 1);
            group[1] = F::from_bool(b1 == 1);
            group[2] = F::from_bool(b2 == 1);
            group[3] = F::from_bool(b0 & b1 & b2 == 1);
        }
    });
    RowMajorMatrix::new(values, width)
}

type KbChallenge = BinomialExtensionField<KoalaBear, 4>;
type KbPerm16 = Poseidon2KoalaBear<16>;
type KbPerm24 = Poseidon2KoalaBear<24>;
/// Two-to-one compression of 8-element digests: the width-16 permutation, as Goldilocks's
/// 4-element digests fit its width-8 one.
type KbCompress = TruncatedPermutation<KbPerm16, 2, 8, 16>;
type KbDft = Radix2DFTSmallBatch<KoalaBear>;
type KbChallenger = DeterministicPow<DuplexChallenger<KoalaBear, KbPerm16, 16, 8>>;
type KbPacking = <KoalaBear as Field>::Packing;

/// KoalaBear with a leaf sponge of permutation `H`, width `WIDTH`, rate `RATE`, capacity
/// 8 (248 bits, as Goldilocks's capacity 4 is 256).
type KbHash<H, const WIDTH: usize, const RATE: usize> = PaddingFreeSponge<H, WIDTH, RATE, 8>;
type KbMmcs<H> = MerkleTreeMmcs<KbPacking, KbPacking, H, KbCompress, 2, 8>;
type KbPcs<H> = TwoAdicFriPcs<KoalaBear, KbDft, KbMmcs<H>, ExtensionMmcs<KoalaBear, KbChallenge, KbMmcs<H>>>;
type KbStark<H> = StarkConfig<KbPcs<H>, KbChallenge, KbChallenger>;

/// A KoalaBear configuration whose Merkle leaves are hashed by `leaf_hash`.
fn koala_bear<H: Clone>(leaf_hash: H) -> KbStark<H> {
    let compress_perm = default_koalabear_poseidon2_16();
    let mmcs = KbMmcs::new(leaf_hash, KbCompress::new(compress_perm.clone()), 0);
    let fri = FriSettings::default().parameters(ExtensionMmcs::new(mmcs.clone()));
    let pcs = KbPcs::new(KbDft::default(), mmcs, fri);
    StarkConfig::new(pcs, DeterministicPow(DuplexChallenger::new(compress_perm)))
}

/// CPU seconds (user + system, all threads) this process has used so far, from
/// `/proc/self/stat` in clock ticks of 10 ms: on a shared host the wall time depends on
/// the other load, the CPU time much less.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("stat format") + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / 100.0
}

/// One measurement.
struct Run {
    prove_s: f64,
    prove_cpu_s: f64,
    commit_s: f64,
    verify_s: f64,
    proof_bytes: usize,
}

/// Proves and verifies the `width`-column table of `2^log_rows` rows under `config`.
fn measure<SC>(config: &SC, width: usize, log_rows: usize) -> Run
where
    SC: StarkGenericConfig,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    BitProductAir: p3_uni_stark::QuotientAir<SC>
        + Air<p3_uni_stark::SymbolicAirBuilder<Val<SC>>>
        + for<'a> Air<p3_uni_stark::VerifierConstraintFolder<'a, SC>>,
{
    let air = BitProductAir { width };
    let trace = trace::<Val<SC>>(width, log_rows);
    // The trace commitment alone (LDE and Merkle tree), as `prove` does it first.
    let pcs = config.pcs();
    let domain = pcs.natural_domain_for_degree(1 << log_rows);
    let start = Instant::now();
    std::hint::black_box(pcs.commit([(domain, trace.clone())]).expect("commits"));
    let commit_s = start.elapsed().as_secs_f64();
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let proof = prove(config, &air, trace, &[]).expect("the synthetic trace satisfies its AIR");
    let prove_s = start.elapsed().as_secs_f64();
    let prove_cpu_s = cpu_seconds() - cpu;
    let proof_bytes = postcard::to_allocvec(&proof).expect("proofs serialize").len();
    let start = Instant::now();
    verify(config, &air, &proof, &[]).expect("the proof verifies");
    let verify_s = start.elapsed().as_secs_f64();
    Run { prove_s, prove_cpu_s, commit_s, verify_s, proof_bytes }
}

/// Mean wall time of one 16-bit query proof of work (the challenger's own grinding, part
/// of every prove time below), over `n` successive grinds.
fn grind_seconds<SC>(config: &SC, n: usize) -> f64
where
    SC: StarkGenericConfig,
    SC::Challenger: GrindingChallenger,
{
    let mut challenger = config.initialise_challenger();
    let start = Instant::now();
    for _ in 0..n {
        // Each grind observes its witness, so the next one solves a new puzzle.
        std::hint::black_box(challenger.grind(FriSettings::default().query_pow_bits));
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let log_rows = std::env::args().nth(1).map_or(LOG_ROWS, |s| s.parse().expect("LOG_ROWS is a number"));
    let rows = 1usize << log_rows;
    let goldilocks = Config::poseidon2(FriSettings::default()).stark;
    let kb24 = koala_bear(KbHash::<KbPerm24, 24, 16>::new(default_koalabear_poseidon2_24()));
    let kb16 = koala_bear(KbHash::<KbPerm16, 16, 8>::new(default_koalabear_poseidon2_16()));

    // Trace generation alone, to show it is not what the prove times measure.
    let start = Instant::now();
    std::hint::black_box(trace::<KoalaBear>(120, log_rows));
    println!(
        "trace generation (not timed below): 2^{log_rows} x 120 KoalaBear in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    println!("{} rayon threads, 2^{log_rows} rows", rayon::current_num_threads());
    println!(
        "16-bit grinding, mean of 8 (included in prove): Goldilocks {:.3} s, KoalaBear {:.3} s",
        grind_seconds(&goldilocks, 8),
        grind_seconds(&kb24, 8)
    );
    println!();
    println!(
        "{:<5} {:<24} {:>4} {:>8} {:>7} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "round",
        "shape",
        "W",
        "prove s",
        "cpu s",
        "us/row",
        "ns/cell",
        "commit s",
        "verify s",
        "proof KiB",
        "vs GL W60"
    );
    for round in 1..=2 {
        let mut reference = None;
        let shapes: [(&str, usize); 5] = [
            ("Goldilocks e2 P2 w16", 60),
            ("KoalaBear e4 P2 w24", 120),
            ("KoalaBear e4 P2 w24", 60),
            ("KoalaBear e4 P2 w16", 120),
            ("KoalaBear e4 P2 w16", 60),
        ];
        for (i, (name, width)) in shapes.into_iter().enumerate() {
            let run = match i {
                0 => measure(&goldilocks, width, log_rows),
                1 | 2 => measure(&kb24, width, log_rows),
                _ => measure(&kb16, width, log_rows),
            };
            let reference = *reference.get_or_insert(run.prove_s);
            println!(
                "{round:<5} {name:<24} {width:>4} {:>8.2} {:>7.2} {:>7.2} {:>8.1} {:>9.2} {:>9.3} {:>9.0} {:>8.2}x",
                run.prove_s,
                run.prove_cpu_s,
                run.prove_s / rows as f64 * 1e6,
                run.prove_s / (rows * width) as f64 * 1e9,
                run.commit_s,
                run.verify_s,
                run.proof_bytes as f64 / 1024.0,
                run.prove_s / reference,
            );
        }
    }
}
