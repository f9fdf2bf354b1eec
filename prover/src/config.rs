//! Configurations: Goldilocks with challenges in its degree-2 extension, FRI over
//! two-adic cosets, and either Poseidon2 (the default, recursion-friendly) or Blake3
//! (faster natively, not meant for recursion) for Merkle trees and Fiat–Shamir; and
//! KoalaBear (a 31-bit field, challenges in its degree-4 extension) with Poseidon2
//! ([`KoalaBearStark`]) or Blake3 ([`Blake3KoalaBearStark`]). A 31-bit field also limits
//! tables to `2^23` rows ([`Config::max_log_height`]) and a proof set's bus terms
//! ([`crate::bounds`]).
//!
//! # Why a 31-bit configuration
//!
//! The RISC-V tables (`ziskjit-air`) are written for Goldilocks: 64-bit values are two
//! 32-bit limbs, which a 31-bit field cannot hold, so they prove under
//! [`Poseidon2Stark`] only. The prover itself is generic over the field, and
//! [`KoalaBearStark`] is where it is headed: a KoalaBear Poseidon2 permutation runs 8
//! lanes per AVX2 vector with 32-bit multiplications, about 5× cheaper per absorbed
//! element than Goldilocks' (`examples/hash_fields.rs`), and hashing is most of the
//! prover's time. The price is in the tables (16-bit limbs, so more cells per step) and
//! in the bus (challenges in a degree-4 extension: a LogUp column is 4 base cells, not
//! 2); `examples/bench.rs --fields` measures both on segment-shaped tables, and
//! `air/PORT31.md` plans the tables' port.
//!
//! # The Poseidon2 instances
//!
//! Committing a trace is mostly hashing its rows into Merkle leaves, so the leaf sponge
//! is the prover's hottest function. It uses the width-16 permutation with rate 12 and
//! capacity 4 (256 bits, i.e. 128-bit collision resistance, the same capacity as the
//! width-8 rate-4 sponge): a row of `w` values costs `⌈w/12⌉` permutations instead of
//! `⌈w/4⌉`, and one width-16 permutation costs about twice a width-8 one, so leaf hashing
//! is ~1.5× faster (measured: a 2^17 × 256 matrix commits in 1.8 s instead of 2.7 s on 2
//! cores). Two-to-one compression of digests (4 elements each) fits the width-8
//! permutation exactly, and the Fiat–Shamir challenger absorbs little data, so both keep
//! width 8 — also the cheapest shape for a future recursive verifier.
//!
//! # Security
//!
//! [`SecurityReport`] computes the *conjectured* security of a proof set, in bits, as the
//! minimum of three terms:
//!
//! * **FRI** (ethSTARK conjecture, as Plonky3's `conjectured_soundness_bits`):
//!   `log_blowup · num_queries + query_pow_bits`. Defaults: `1 · 100 + 16 = 116`.
//! * **DEEP / out-of-domain**: the constraint identity is checked at one random point of
//!   `F_{p²}`; a false identity of degree `≤ d·n` survives with probability `≤ d·n/p²`,
//!   giving `log2(p²) − log2(d·n_max)` (≈ 104 bits for `d = 3`, `n = 2^22`). The
//!   constraint-combination challenge `α` adds a term `log2(p²) − log2(#constraints)`,
//!   always far larger.
//! * **LogUp** (see [`crate::logup`]): `log2(p²) − log2(2M) + bus_pow_bits` for `M` total
//!   bus terms (every row × interaction of every table of every segment, padding rows
//!   included, plus the statement's boundary messages). The factor 2: a random `γ` fails
//!   either by being a root of the cleared LogUp sum (≤ `M` roots) or by equalling a
//!   fingerprint, where a batched LogUp column is left unconstrained (≤ `M` values). The
//!   prover grinds `bus_pow_bits` (default 16) of proof of work before `(γ, β)` are drawn,
//!   so each attempt at a favourable challenge costs `2^16` hashes (≈ 116 bits for
//!   `M = 2^27`, ≈ 100 bits for `M = 2^43`).
//!
//! Here `p²` stands for the size of the challenge field: `log2(p²) ≈ 127.99` for
//! Goldilocks (`p = 2^64 − 2^32 + 1`), and `log2(q⁴) ≈ 123.9` for KoalaBear
//! (`q = 2^31 − 2^24 + 1`), which lowers the DEEP and LogUp terms by about 4 bits. With the default FRI
//! settings the figure is ≥ 100 bits while every table has ≤ 2^22 rows (degree ≤ 3) and the
//! whole run has ≤ 2^42 bus terms (Goldilocks; ≤ 2^38 for KoalaBear, whose DEEP term is
//! then ≈ 100.4 bits); [`SecurityReport::compute`] reports the exact figure for
//! given sizes, and the README tabulates it.

use crate::challenger::DeterministicPow;
use p3_challenger::{DuplexChallenger, HashChallenger, SerializingChallenger32, SerializingChallenger64};
use p3_commit::{ExtensionMmcs, UnivariateStarkPcs};
use p3_dft::Radix2DFTSmallBatch;
use p3_field::extension::BinomialExtensionField;
use p3_field::{BasedVectorSpace, Field, PrimeField64};
use p3_fri::{FriParameters, TwoAdicFriPcs};
use p3_goldilocks::{default_goldilocks_poseidon2_16, default_goldilocks_poseidon2_8, Goldilocks, Poseidon2Goldilocks};
use p3_koala_bear::{default_koalabear_poseidon2_16, default_koalabear_poseidon2_24, KoalaBear, Poseidon2KoalaBear};
use p3_merkle_tree::MerkleTreeMmcs;
use p3_symmetric::{CompressionFunctionFromHasher, PaddingFreeSponge, SerializingHasher, TruncatedPermutation};
use p3_uni_stark::{StarkConfig, StarkGenericConfig, Val as StarkVal};

/// The base field.
pub type Val = Goldilocks;
/// The challenge field: the degree-2 extension of Goldilocks.
pub type Challenge = BinomialExtensionField<Goldilocks, 2>;

type Perm = Poseidon2Goldilocks<8>;
type LeafPerm = Poseidon2Goldilocks<16>;
/// Field elements the Poseidon2 leaf sponge absorbs per permutation: a committed row of
/// `w` values costs `⌈w / LEAF_HASH_RATE⌉` permutations per LDE row, which is what a
/// table's width should be tuned against.
pub const LEAF_HASH_RATE: usize = 12;
type Poseidon2Hash = PaddingFreeSponge<LeafPerm, 16, LEAF_HASH_RATE, 4>;
type Poseidon2Compress = TruncatedPermutation<Perm, 2, 4, 8>;
type Poseidon2ValMmcs =
    MerkleTreeMmcs<<Val as Field>::Packing, <Val as Field>::Packing, Poseidon2Hash, Poseidon2Compress, 2, 4>;
type Poseidon2ChallengeMmcs = ExtensionMmcs<Val, Challenge, Poseidon2ValMmcs>;
/// The DFT of the low-degree extensions. Our traces are many narrow matrices (1–70
/// columns); this DFT packs across rows sharing twiddles instead of across columns, so it
/// vectorises narrow matrices too. Measured: LDEs of a segment-like set of shapes (2^18 × 43,
/// 2^18 × 20, 2^16 × 31, 2^15 × 15, 2^14 × 12, 2^16 × 1) take 2.2–2.5 s instead of 3.1–3.4 s
/// with `Radix2DitParallel` on 2 cores.
type Dft = Radix2DFTSmallBatch<Val>;
/// The Poseidon2 PCS: FRI with Poseidon2 Merkle trees.
pub type Poseidon2Pcs = TwoAdicFriPcs<Val, Dft, Poseidon2ValMmcs, Poseidon2ChallengeMmcs>;
/// The Poseidon2 STARK configuration (also usable with `p3-uni-stark`). Its challenger
/// grinds deterministically ([`DeterministicPow`]), so proofs are reproducible.
pub type Poseidon2Stark = StarkConfig<Poseidon2Pcs, Challenge, DeterministicPow<DuplexChallenger<Val, Perm, 8, 4>>>;

/// KoalaBear's Merkle leaves: the width-24 permutation with rate 16 and capacity 8 (248
/// bits, as Goldilocks' capacity 4 is 256), digests of 8 elements. Measured
/// (`examples/hash_fields.rs`): 6–8× cheaper per absorbed element than Goldilocks' leaf
/// sponge, where width 16 with rate 8 is 5×.
type KoalaBearHash = PaddingFreeSponge<Poseidon2KoalaBear<24>, 24, 16, 8>;
/// Two 8-element digests fill the width-16 permutation exactly, as two Goldilocks digests
/// fill the width-8 one.
type KoalaBearCompress = TruncatedPermutation<Poseidon2KoalaBear<16>, 2, 8, 16>;
type KoalaBearValMmcs = MerkleTreeMmcs<
    <KoalaBear as Field>::Packing,
    <KoalaBear as Field>::Packing,
    KoalaBearHash,
    KoalaBearCompress,
    2,
    8,
>;
type KoalaBearChallengeMmcs = ExtensionMmcs<KoalaBear, KoalaBearChallenge, KoalaBearValMmcs>;
/// The challenge field of [`KoalaBearStark`]: the degree-4 extension (`≈ 2^124`
/// elements; the degree-2 one, `≈ 2^62`, is too small for the DEEP and LogUp terms).
pub type KoalaBearChallenge = BinomialExtensionField<KoalaBear, 4>;
/// The KoalaBear PCS: FRI with Poseidon2 Merkle trees.
pub type KoalaBearPcs =
    TwoAdicFriPcs<KoalaBear, Radix2DFTSmallBatch<KoalaBear>, KoalaBearValMmcs, KoalaBearChallengeMmcs>;
/// The KoalaBear Poseidon2 STARK configuration; the challenger is the width-16 duplex
/// sponge (rate 8), grinding deterministically like [`Poseidon2Stark`]'s.
pub type KoalaBearStark = StarkConfig<
    KoalaBearPcs,
    KoalaBearChallenge,
    DeterministicPow<DuplexChallenger<KoalaBear, Poseidon2KoalaBear<16>, 16, 8>>,
>;

type Blake3FieldHash = SerializingHasher<p3_blake3::Blake3>;
type Blake3Compress = CompressionFunctionFromHasher<p3_blake3::Blake3, 2, 32>;
type Blake3ValMmcs = MerkleTreeMmcs<Val, u8, Blake3FieldHash, Blake3Compress, 2, 32>;
type Blake3ChallengeMmcs = ExtensionMmcs<Val, Challenge, Blake3ValMmcs>;
/// The Blake3 PCS: FRI with Blake3 Merkle trees.
pub type Blake3Pcs = TwoAdicFriPcs<Val, Dft, Blake3ValMmcs, Blake3ChallengeMmcs>;
/// The Blake3 STARK configuration (also usable with `p3-uni-stark`), grinding
/// deterministically like [`Poseidon2Stark`].
pub type Blake3Stark = StarkConfig<
    Blake3Pcs,
    Challenge,
    DeterministicPow<SerializingChallenger64<Val, HashChallenger<u8, p3_blake3::Blake3, 32>>>,
>;

type Blake3KoalaBearValMmcs = MerkleTreeMmcs<KoalaBear, u8, Blake3FieldHash, Blake3Compress, 2, 32>;
type Blake3KoalaBearChallengeMmcs = ExtensionMmcs<KoalaBear, KoalaBearChallenge, Blake3KoalaBearValMmcs>;
/// The Blake3 PCS over KoalaBear: FRI with Blake3 Merkle trees (leaves hash the rows'
/// canonical 4-byte encodings).
pub type Blake3KoalaBearPcs =
    TwoAdicFriPcs<KoalaBear, Radix2DFTSmallBatch<KoalaBear>, Blake3KoalaBearValMmcs, Blake3KoalaBearChallengeMmcs>;
/// The Blake3 STARK configuration over KoalaBear, with degree-4 challenges like
/// [`KoalaBearStark`]; the challenger serializes field elements as 4 bytes and grinds
/// deterministically like [`Poseidon2Stark`]'s.
pub type Blake3KoalaBearStark = StarkConfig<
    Blake3KoalaBearPcs,
    KoalaBearChallenge,
    DeterministicPow<SerializingChallenger32<KoalaBear, HashChallenger<u8, p3_blake3::Blake3, 32>>>,
>;

/// Which hash (and field) a configuration uses; recorded in serialized proofs and keys so
/// bytes made under one configuration are rejected under another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum HashKind {
    /// Poseidon2 over Goldilocks (width-16 leaf sponge, width-8 compression and challenger).
    Poseidon2 = 1,
    /// Blake3, over Goldilocks.
    Blake3 = 2,
    /// Poseidon2 over KoalaBear (width-24 leaf sponge, width-16 compression and challenger).
    Poseidon2KoalaBear = 3,
    /// Blake3 over KoalaBear.
    Blake3KoalaBear = 4,
}

/// FRI parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FriSettings {
    /// log2 of the blowup factor; bounds the constraint degree by `2^log_blowup + 1`.
    pub log_blowup: usize,
    /// Number of FRI queries.
    pub num_queries: usize,
    /// Proof-of-work bits ground before the query indices are drawn.
    pub query_pow_bits: usize,
}

impl Default for FriSettings {
    /// `log_blowup = 1`, 100 queries, 16 bits of query grinding: 116 conjectured FRI bits.
    fn default() -> Self {
        Self { log_blowup: 1, num_queries: 100, query_pow_bits: 16 }
    }
}

/// log2 of the FRI folding arity: each commit-phase round folds by up to 8, so a leaf
/// holds 8 extension elements (16 base cells, two sponge permutations) instead of 2 (one
/// permutation for 4 cells), and a domain of `2^k` points needs `⌈k/3⌉` Merkle trees
/// instead of `k`. Measured on a 452 k-step sha256 run (2 segments of 2^18 steps): the
/// FRI commit phase 0.95 → 0.31 s per segment, proving 15.7 → 14.3 s, proof 3.79 → 3.68
/// MB. Soundness: the conjectured per-query bound (`log_blowup` bits per query) does not
/// depend on the arity; folding `2^a` functions with the powers of one challenge raises
/// a round's commit-phase error to `(2^a − 1)·|D|/|F_{p²}|` (< 2^-100 for the largest
/// domain, `|D| = 2^23`), still negligible.
pub const FRI_MAX_LOG_ARITY: usize = 3;

impl FriSettings {
    /// Plonky3's FRI parameters for these settings over `mmcs` (folding arity up to
    /// `2^FRI_MAX_LOG_ARITY`, a constant final polynomial).
    pub fn parameters<M>(&self, mmcs: M) -> FriParameters<M> {
        FriParameters {
            log_blowup: self.log_blowup,
            log_final_poly_len: 0,
            max_log_arity: FRI_MAX_LOG_ARITY,
            num_queries: self.num_queries,
            batch_proof_of_work_bits: 0,
            commit_proof_of_work_bits: 0,
            query_proof_of_work_bits: self.query_pow_bits,
            mmcs,
        }
    }
}

/// A STARK configuration together with the settings it was built from.
#[derive(Clone, Debug)]
pub struct Config<SC> {
    /// The Plonky3 configuration (PCS and challenger).
    pub stark: SC,
    /// The FRI settings `stark` was built with.
    pub fri: FriSettings,
    /// The hash `stark` uses.
    pub hash: HashKind,
    /// Proof-of-work bits ground before the global bus challenge is drawn; each bit
    /// doubles the cost of searching for a favourable challenge and adds one bit to the
    /// LogUp term of the security figure.
    pub bus_pow_bits: usize,
}

/// Default [`Config::bus_pow_bits`]: 16 bits, a few tens of milliseconds once per proof set.
pub const DEFAULT_BUS_POW_BITS: usize = 16;

impl Config<Poseidon2Stark> {
    /// The default configuration: Poseidon2 (a width-16 sponge for Merkle leaves, width 8
    /// for Merkle compression and the challenger; see the module docs).
    pub fn poseidon2(fri: FriSettings) -> Self {
        let perm = default_goldilocks_poseidon2_8();
        let leaf_hash = Poseidon2Hash::new(default_goldilocks_poseidon2_16());
        let mmcs = Poseidon2ValMmcs::new(leaf_hash, Poseidon2Compress::new(perm.clone()), 0);
        let fri_params = fri.parameters(Poseidon2ChallengeMmcs::new(mmcs.clone()));
        let pcs = Poseidon2Pcs::new(Dft::default(), mmcs, fri_params);
        Self {
            stark: StarkConfig::new(pcs, DeterministicPow(DuplexChallenger::new(perm))),
            fri,
            hash: HashKind::Poseidon2,
            bus_pow_bits: DEFAULT_BUS_POW_BITS,
        }
    }
}

impl Config<Blake3Stark> {
    /// The Blake3 option: faster natively, not recursion-friendly.
    pub fn blake3(fri: FriSettings) -> Self {
        let mmcs =
            Blake3ValMmcs::new(Blake3FieldHash::new(p3_blake3::Blake3), Blake3Compress::new(p3_blake3::Blake3), 0);
        let fri_params = fri.parameters(Blake3ChallengeMmcs::new(mmcs.clone()));
        let pcs = Blake3Pcs::new(Dft::default(), mmcs, fri_params);
        let challenger =
            DeterministicPow(SerializingChallenger64::new(HashChallenger::new(Vec::new(), p3_blake3::Blake3)));
        Self {
            stark: StarkConfig::new(pcs, challenger),
            fri,
            hash: HashKind::Blake3,
            bus_pow_bits: DEFAULT_BUS_POW_BITS,
        }
    }
}

impl Config<KoalaBearStark> {
    /// Poseidon2 over KoalaBear (see [`KoalaBearStark`] and the module docs).
    pub fn poseidon2_koala_bear(fri: FriSettings) -> Self {
        let perm16 = default_koalabear_poseidon2_16();
        let leaf_hash = KoalaBearHash::new(default_koalabear_poseidon2_24());
        let mmcs = KoalaBearValMmcs::new(leaf_hash, KoalaBearCompress::new(perm16.clone()), 0);
        let fri_params = fri.parameters(KoalaBearChallengeMmcs::new(mmcs.clone()));
        let pcs = KoalaBearPcs::new(Radix2DFTSmallBatch::default(), mmcs, fri_params);
        Self {
            stark: StarkConfig::new(pcs, DeterministicPow(DuplexChallenger::new(perm16))),
            fri,
            hash: HashKind::Poseidon2KoalaBear,
            bus_pow_bits: DEFAULT_BUS_POW_BITS,
        }
    }
}

impl Config<Blake3KoalaBearStark> {
    /// Blake3 over KoalaBear (see [`Blake3KoalaBearStark`]): the KoalaBear field with
    /// [`Config::blake3`]'s hash.
    pub fn blake3_koala_bear(fri: FriSettings) -> Self {
        let mmcs = Blake3KoalaBearValMmcs::new(
            Blake3FieldHash::new(p3_blake3::Blake3),
            Blake3Compress::new(p3_blake3::Blake3),
            0,
        );
        let fri_params = fri.parameters(Blake3KoalaBearChallengeMmcs::new(mmcs.clone()));
        let pcs = Blake3KoalaBearPcs::new(Radix2DFTSmallBatch::default(), mmcs, fri_params);
        let challenger =
            DeterministicPow(SerializingChallenger32::new(HashChallenger::new(Vec::new(), p3_blake3::Blake3)));
        Self {
            stark: StarkConfig::new(pcs, challenger),
            fri,
            hash: HashKind::Blake3KoalaBear,
            bus_pow_bits: DEFAULT_BUS_POW_BITS,
        }
    }
}

impl<SC: StarkGenericConfig> Config<SC> {
    /// log2 of the tallest table this configuration proves: the trace's low-degree
    /// extension, `2^log_blowup` times as tall, must fit the field's two-adic subgroup
    /// (of `2^log_max_trace_height` elements, as the PCS reports it), so
    /// `two_adicity − log_blowup`: 31 for Goldilocks and 23 for KoalaBear with the
    /// default blowup 2. Setup refuses a taller preprocessed trace, the prover a taller
    /// trace, and the verifier a proof claiming one.
    pub fn max_log_height(&self) -> usize {
        UnivariateStarkPcs::log_max_trace_height(self.stark.pcs()).saturating_sub(self.fri.log_blowup)
    }
}

impl<SC: StarkGenericConfig> Config<SC>
where
    StarkVal<SC>: PrimeField64,
{
    /// `log2` of the size of this configuration's challenge field.
    pub fn challenge_field_bits(&self) -> f64 {
        let degree = <SC::Challenge as BasedVectorSpace<StarkVal<SC>>>::DIMENSION;
        degree as f64 * (StarkVal::<SC>::ORDER_U64 as f64).log2()
    }

    /// The conjectured security of proofs with tables of at most `2^max_log_height` rows,
    /// constraint degree at most `max_degree`, and `log2(M)` = `log_bus_terms` total bus
    /// terms over the whole proof set.
    pub fn security(&self, max_log_height: usize, max_degree: usize, log_bus_terms: f64) -> SecurityReport {
        SecurityReport::compute(
            self.challenge_field_bits(),
            self.fri,
            self.bus_pow_bits,
            max_log_height,
            max_degree,
            log_bus_terms,
        )
    }
}

/// The conjectured security of a proof set, term by term (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SecurityReport {
    /// `log_blowup · num_queries + query_pow_bits`.
    pub fri_bits: f64,
    /// `log2(p²) − log2(d · n_max)`.
    pub deep_bits: f64,
    /// `log2(p²) − log2(2M) + bus_pow_bits`.
    pub logup_bits: f64,
    /// The minimum: the figure to quote.
    pub conjectured_bits: f64,
}

impl SecurityReport {
    /// Computes the report (see the module docs for the formulas) for a challenge field
    /// of `2^field` elements.
    pub fn compute(
        field: f64,
        fri: FriSettings,
        bus_pow_bits: usize,
        max_log_height: usize,
        max_degree: usize,
        log_bus_terms: f64,
    ) -> Self {
        let fri_bits = (fri.log_blowup * fri.num_queries + fri.query_pow_bits) as f64;
        let deep_bits = field - ((max_degree.max(1) as f64).log2() + max_log_height as f64);
        let logup_bits = field - (1.0 + log_bus_terms) + bus_pow_bits as f64;
        Self { fri_bits, deep_bits, logup_bits, conjectured_bits: fri_bits.min(deep_bits).min(logup_bits) }
    }
}
