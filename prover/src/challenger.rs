//! A Fiat–Shamir challenger whose proof-of-work search is deterministic.
//!
//! Plonky3's challengers grind with a parallel search that returns whichever passing
//! witness a thread happens to find first. The witness is absorbed into the transcript,
//! so every later challenge, every FRI query position and therefore the proof bytes
//! depended on thread timing: proving the same run twice gave two different (both valid)
//! proofs. [`DeterministicPow`] wraps a challenger, forwards observing and sampling
//! unchanged, and grinds for the *smallest* passing witness instead, searching blocks of
//! candidates in order, each block in parallel. The same statement and witness now
//! always give the same proof. Verification: `check_witness` accepts any
//! passing witness, so the smallest one is as valid as any and costs the same work to
//! find on average (the search stops within one block of it). Its `check_witness` draws
//! one element before checking (see there), and so does the search, once.

use p3_challenger::{CanObserve, CanSample, CanSampleBits, FieldChallenger, GrindingChallenger};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use rayon::prelude::*;

/// Candidates searched in parallel before the next block is tried: large enough to keep
/// the threads busy (a witness of `b` bits needs about `2^b` candidates), small enough that
/// little work is wasted past the first passing one.
const GRIND_BLOCK: u64 = 1 << 12;

/// A challenger that grinds deterministically (see the module docs).
#[derive(Clone, Debug)]
pub struct DeterministicPow<C>(pub C);

impl<C: CanObserve<T>, T> CanObserve<T> for DeterministicPow<C> {
    fn observe(&mut self, value: T) {
        self.0.observe(value);
    }

    fn observe_slice(&mut self, values: &[T])
    where
        T: Clone,
    {
        self.0.observe_slice(values);
    }
}

impl<C: CanSample<T>, T> CanSample<T> for DeterministicPow<C> {
    fn sample(&mut self) -> T {
        self.0.sample()
    }
}

impl<C: CanSampleBits<T>, T> CanSampleBits<T> for DeterministicPow<C> {
    fn sample_bits(&mut self, bits: usize) -> T {
        self.0.sample_bits(bits)
    }
}

impl<F: Field, C: FieldChallenger<F>> FieldChallenger<F> for DeterministicPow<C> {}

impl<C> GrindingChallenger for DeterministicPow<C>
where
    C: GrindingChallenger + CanSample<<C as GrindingChallenger>::Witness> + Clone + Sync,
    C::Witness: PrimeField64,
{
    type Witness = C::Witness;

    /// The smallest witness `w` (as an integer) that passes `check_witness(bits, w)`.
    fn grind(&mut self, bits: usize) -> Self::Witness {
        if bits == 0 {
            // No work required; like Plonky3's challengers, observe nothing.
            return Self::Witness::ZERO;
        }
        let _span = tracing::debug_span!("grind", bits).entered();
        let order = Self::Witness::ORDER_U64;
        // Every candidate is checked from the state after the draw `check_witness` starts
        // with, so the pending input is digested once, not once per candidate.
        let mut drawn = self.0.clone();
        let _: Self::Witness = drawn.sample();
        let passes = |w: &u64| drawn.clone().check_witness(bits, Self::Witness::from_u64(*w));
        let witness = (0..order.div_ceil(GRIND_BLOCK))
            .find_map(|block| {
                let start = block * GRIND_BLOCK;
                (start..(start + GRIND_BLOCK).min(order)).into_par_iter().find_first(passes)
            })
            .map(Self::Witness::from_u64)
            .expect("some field element passes a proof of work of fewer bits than the field");
        assert!(self.check_witness(bits, witness), "the witness found passes");
        witness
    }

    /// Draws (and discards) one element, then checks `witness` as the wrapped challenger
    /// does. The draw digests everything observed since the last one; without it a
    /// challenger that hashes its pending input on every check (Blake3's) would hash it
    /// again for each of the ~2^bits candidates, which took 11 s of a 16 s proof when the
    /// global transcript's pending input was the whole statement.
    fn check_witness(&mut self, bits: usize, witness: Self::Witness) -> bool {
        if bits == 0 {
            return true;
        }
        let _: Self::Witness = self.0.sample();
        self.0.check_witness(bits, witness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, FriSettings, Val};
    use p3_field::PrimeCharacteristicRing;
    use p3_uni_stark::StarkGenericConfig;

    /// Both configurations' challengers grind for the least passing witness: every smaller
    /// candidate fails, the same transcript gives the same witness, and the grinding
    /// transcript ends where the verifier's check of that witness leaves it.
    #[test]
    fn grinding_finds_the_least_passing_witness() {
        fn check<C: GrindingChallenger<Witness = Val> + CanObserve<Val> + CanSample<Val> + Clone>(mut ch: C) {
            ch.observe(Val::from_u64(42));
            let bits = 10;
            let (mut a, mut b, mut verifier) = (ch.clone(), ch.clone(), ch.clone());
            let w = a.grind(bits);
            assert_eq!(b.grind(bits), w);
            let least = w.as_canonical_u64();
            assert!((0..least).all(|s| !ch.clone().check_witness(bits, Val::from_u64(s))), "a smaller one passes");
            assert!(verifier.check_witness(bits, w));
            assert_eq!(CanSample::<Val>::sample(&mut a), CanSample::<Val>::sample(&mut verifier));
        }
        check(Config::poseidon2(FriSettings::default()).stark.initialise_challenger());
        check(Config::blake3(FriSettings::default()).stark.initialise_challenger());
    }
}
