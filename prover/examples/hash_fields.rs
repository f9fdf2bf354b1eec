//! Benchmark (not a test): what one Poseidon2 permutation costs per SIMD lane on this
//! machine for the field the prover uses (Goldilocks, widths 16 and 8) next to a 31-bit
//! field (KoalaBear, widths 16 and 24), and what that means per field element absorbed by
//! a Merkle-leaf sponge. Leaf hashing is most of the prover's CPU time, so this is the
//! number that decides whether a 31-bit field is worth its price (16-bit limbs in every
//! table, a degree-4 challenge extension): see the README, "Why 100 k steps/s is out of
//! reach with this design".
//!
//! All four run in one process, alternately, twice; compare the ratios, not the absolute
//! times (this host's speed drifts). Usage:
//!
//! ```text
//! cargo run --release -p ziskjit-prover --example hash_fields
//! ```

use p3_field::{Field, PackedValue, PrimeCharacteristicRing};
use p3_goldilocks::{default_goldilocks_poseidon2_16, default_goldilocks_poseidon2_8, Goldilocks};
use p3_koala_bear::{default_koalabear_poseidon2_16, default_koalabear_poseidon2_24, KoalaBear};
use p3_symmetric::Permutation;
use std::time::Instant;

/// Permutations timed per measurement (per packed state, so times the lane count).
const ROUNDS: usize = 200_000;

/// Nanoseconds per permutation per lane of `perm` on packed states of `F`.
fn per_lane_ns<F: Field, const W: usize>(perm: &impl Permutation<[F::Packing; W]>) -> f64 {
    let mut state = [F::Packing::ONE; W];
    let start = Instant::now();
    for _ in 0..ROUNDS {
        perm.permute_mut(&mut state);
    }
    let elapsed = start.elapsed().as_secs_f64();
    std::hint::black_box(&state);
    elapsed / (ROUNDS * F::Packing::WIDTH) as f64 * 1e9
}

fn main() {
    let goldilocks_16 = default_goldilocks_poseidon2_16();
    let goldilocks_8 = default_goldilocks_poseidon2_8();
    let koala_16 = default_koalabear_poseidon2_16();
    let koala_24 = default_koalabear_poseidon2_24();
    println!(
        "{:<24} {:>5} {:>14} {:>5} {:>19} {:>11}",
        "permutation", "lanes", "ns/perm/lane", "rate", "ns/absorbed element", "vs reference"
    );
    for _ in 0..2 {
        let reference = per_lane_ns::<Goldilocks, 16>(&goldilocks_16);
        // (name, lanes, ns per permutation per lane, sponge rate with a 256-bit-class
        // capacity: 4 Goldilocks or 8 KoalaBear elements).
        let rows = [
            ("Goldilocks width 16", <Goldilocks as Field>::Packing::WIDTH, reference, 12),
            (
                "Goldilocks width 8",
                <Goldilocks as Field>::Packing::WIDTH,
                per_lane_ns::<Goldilocks, 8>(&goldilocks_8),
                4,
            ),
            ("KoalaBear width 16", <KoalaBear as Field>::Packing::WIDTH, per_lane_ns::<KoalaBear, 16>(&koala_16), 8),
            ("KoalaBear width 24", <KoalaBear as Field>::Packing::WIDTH, per_lane_ns::<KoalaBear, 24>(&koala_24), 16),
        ];
        let reference_per_element = reference / 12.0;
        for (name, lanes, ns, rate) in rows {
            let per_element = ns / rate as f64;
            println!(
                "{name:<24} {lanes:>5} {ns:>14.1} {rate:>5} {per_element:>19.1} {:>10.2}x",
                reference_per_element / per_element
            );
        }
        println!();
    }
}
