//! `ziskjit-prover`: the STARK core of ziskjit — many tables, many segments, one global
//! bus — on Plonky3 0.8 primitives (Goldilocks or KoalaBear, FRI, Poseidon2 or Blake3).
//!
//! # What a proof is
//!
//! A *program* is a list of tables (AIRs with optional preprocessed columns and bus
//! interactions; see [`air`] for the API). [`setup`] commits the preprocessed columns
//! once; the [`VerifyingKey`] (table shapes + that commitment) identifies the program.
//!
//! A run is cut into *segments*. Each segment has a trace for every table (heights are
//! powers of two and may differ per table and per segment) and its own public values. A
//! *proof set* is one [`SegmentProof`] per segment, verified against a [`Statement`]
//! (global public values and the boundary messages on the bus).
//!
//! # The protocol (ZisK's "vadcop" shape)
//!
//! 1. **Phase 1**, per segment ([`commit_segment`]): commit all main traces (LDE with
//!    blowup `2^log_blowup`, one Merkle tree per segment). Publish the root, the heights
//!    and the segment's public values: the [`SegmentCommitment`].
//! 2. **Global challenge** ([`global_challenge`]): a fresh transcript observes the
//!    program (key), the statement and all phase-1 commitments in order; the prover grinds
//!    a proof of work (carried in every segment proof) and draws `(γ, β) ∈ F_{p²}²`. Only commitments cross segment (and machine) boundaries.
//! 3. **Phase 2**, per segment and independently ([`prove_committed`]): a transcript that
//!    starts from the key, `(γ, β)` and the segment's commitment. The prover builds the
//!    LogUp columns ([`logup`]), commits them, publishes each table's bus partial sum
//!    `σ_T`, draws `α`, commits the quotient `Σ α^i C_i / Z_H` of every table (split in
//!    chunks, down to a height another table has:
//!    [`symbolic::TableAnalysis::log_quotient_chunks`]), draws `ζ`, and proves all
//!    openings (main, LogUp and preprocessed at `ζ` and `ω·ζ`, quotient chunks at `ζ`)
//!    with one FRI proof.
//! 4. **Verification** ([`verify_segments`]): check the claimed heights (at most
//!    [`Config::max_log_height`], and few enough bus terms for LogUp in the field:
//!    [`bounds`]), re-derive `(γ, β)` from the proofs'
//!    phase-1 commitments, verify every segment (shapes from the key, transcript, FRI,
//!    `C(ζ) = Z_H(ζ)·Q(ζ)` per table), then check the bus: `Σ_segments Σ_T σ_T +
//!    Σ_boundary m/(γ − fp) = 0`, the boundary terms computed by the verifier from the
//!    statement.
//!
//! # Soundness, in short
//!
//! Per segment this is a standard STARK: FRI proves that the committed words are close
//! to low-degree polynomials, the DEEP check at random `ζ` that the constraint identity
//! holds as polynomials (so on every row), with `α` batching the constraints. Across
//! segments: `(γ, β)` is fixed only after every main trace is committed, so the LogUp
//! sum (see [`logup`] for the argument) is a random evaluation of a rational function
//! that is zero iff the sent and received multisets are equal (as integers, not only
//! modulo `p`, while each message has fewer than `p` terms: [`bounds`], which matters in a
//! 31-bit field and lets a caller name buses whose tuples carry the segment number).
//! Dropping, duplicating, reordering or replacing a segment proof changes the
//! commitment list, hence `(γ, β)`,
//! hence every phase-2 transcript; segment proofs carry their index, and the verifier
//! requires indices `0, 1, …` in order. Security figures: [`config`].
//!
//! # For the recursor
//!
//! The transcripts use the configuration's challenger (Poseidon2 by default), proof
//! shapes are fixed by the key and the table heights, and the verifier's loops run over
//! key-derived counts only.

pub mod air;
pub mod bounds;
pub mod challenger;
pub mod config;
pub mod error;
pub mod folder;
pub mod format;
pub mod keys;
pub mod logup;
pub mod proof;
pub mod prover;
pub mod rows;
pub mod symbolic;
mod transcript;
pub mod verifier;

pub use air::{BusBuilder, BusId, BusMessage, StarkTable, TableName};
pub use bounds::BusTerms;
pub use config::{
    Blake3KoalaBearStark, Blake3Stark, Challenge, Config, FriSettings, HashKind, KoalaBearChallenge, KoalaBearStark,
    Poseidon2Stark, SecurityReport, Val, LEAF_HASH_RATE,
};
pub use error::{ProveError, SetupError, VerifyError};
pub use format::{decode_proofs, decode_vk, encode_proofs, encode_vk, FormatError, FORMAT_VERSION};
pub use keys::{setup, setup_with_local_buses, ProvingKey, TableKey, VerifyingKey};
pub use logup::{BusChallenge, GlobalChallenge};
pub use proof::{SegmentCommitment, SegmentProof, Statement, TableOpenings, ABSENT};
pub use prover::{
    check_witness, commit_segment, global_challenge, prove_committed, prove_phase_two, prove_segments,
    CommittedSegment, SegmentWitness,
};
pub use transcript::check_global_challenge;
pub use verifier::{verify_segment, verify_segments};
