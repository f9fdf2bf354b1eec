//! Proving and verifying a whole run: the statement a run proof claims, the prover
//! driver over the run's segments, the verifier, and the proof file.
//!
//! The statement is what the verifier computes from the ELF, the claimed result and the
//! number of segment proofs: the initial state `(entry, segment 1, 0 output bytes)`
//! sent on [`STATE`] and the final one `(HALT_PC, memory segment's
//! number, output length)` received from it; the ELF image (every non-zero word, and
//! `sp`) sent on [`GLOBAL_MEMORY`] as segment-0 values `(cell, v0, v1, v2, v3, 0)`; every
//! public output byte received from [`OUTPUT`]; and `(exit code,
//! output length)` received from [`EXIT`]. The verification key (the
//! ROM and the bytes table, committed) is recomputed from the ELF, and every segment's
//! public values are fixed by its position ([`crate::segment`]).
//!
//! The verifier refuses a claim the tables' bounds cannot express: a public output of
//! `2^30` bytes or more (output counts are field elements below `2^30`) and more than
//! `2^16` segment proofs (segment numbers are at most `2^16`, which the boundary
//! table's ordering check relies on), see [`check_claim`].

use crate::bus::{limbs, EXIT, GLOBAL_MEMORY, HALT_PC, OUTPUT, STATE};
use crate::gadgets::to_val;
use crate::rom::{RomError, RomTable};
use crate::table::Table;
use crate::witness::{initial_cells, RunWitness, WitnessError};
use crate::Val;
use p3_challenger::GrindingChallenger;
use p3_field::PrimeField64;
use p3_uni_stark::{Com, Domain, StarkGenericConfig};
use ziskjit_prover::{
    commit_segment, decode_proofs, encode_proofs, global_challenge, prove_phase_two, setup_with_local_buses,
    verify_segments, Blake3KoalaBearStark, BusMessage, Config, FormatError, FriSettings, HashKind, KoalaBearStark,
    ProveError, ProvingKey, SegmentProof, SetupError, Statement, VerifyError,
};
use ziskjit_runtime::trace::SegmentTrace;
use ziskjit_transpiler::Program;

/// The default proof system's configuration: Poseidon2 over KoalaBear, default FRI
/// settings.
pub fn config() -> Config<KoalaBearStark> {
    KoalaBearStark::config()
}

/// A STARK configuration runs can be proved with, both over KoalaBear (the field of the
/// tables, see the crate docs): [`KoalaBearStark`] (Poseidon2, the default; its hash is
/// cheap inside a STARK, which recursion needs) or [`Blake3KoalaBearStark`] (faster to
/// prove natively). The proof file records which one made it.
pub trait RunConfig: StarkGenericConfig + Sized {
    /// The configuration, with the default FRI settings.
    fn config() -> Config<Self>;
}

impl RunConfig for KoalaBearStark {
    fn config() -> Config<Self> {
        Config::poseidon2_koala_bear(FriSettings::default())
    }
}

impl RunConfig for Blake3KoalaBearStark {
    fn config() -> Config<Self> {
        Config::blake3_koala_bear(FriSettings::default())
    }
}

/// The run prover and verifier for a [`RunConfig`] whose types the parallel prover can
/// share between threads (both hashes): a trait with one blanket implementation, so
/// that code generic over the hash names this one bound instead of restating the
/// prover's where-clauses. [`prove_run`] and [`verify_run`] call it.
pub trait RunProver: RunConfig {
    /// The proving key of `tables`.
    fn setup(tables: &[Table]) -> Result<ProvingKey<Self>, SetupError>;
    /// See [`prove_run`].
    fn prove_run(
        program: &Program,
        key: &ProgramKey<Self>,
        segments: impl Iterator<Item = SegmentTrace>,
        input: &[u8],
        max_in_flight: usize,
        keep_bytes: usize,
        on_witness: &(dyn Fn() + Sync),
    ) -> Result<RunProof<Self>, ProveRunError>;
    /// See [`verify_run`].
    fn verify_run(program: &Program, key: &ProgramKey<Self>, proof: &RunProof<Self>) -> Result<(), VerifyRunError>;
}

impl<SC> RunProver for SC
where
    SC: RunConfig + Sync,
    Domain<SC>: p3_commit::PolynomialSpace<Val = Val>,
    SC::Challenger: GrindingChallenger<Witness = Val>,
    Com<SC>: Send + Sync,
    ziskjit_prover::proof::PcsProof<SC>: Send + Sync,
    ziskjit_prover::keys::PcsData<SC>: Send + Sync,
    Table: ziskjit_prover::StarkTable<SC>,
{
    fn setup(tables: &[Table]) -> Result<ProvingKey<Self>, SetupError> {
        setup_with_local_buses(&SC::config(), tables, &crate::bus::LOCAL_BUSES)
    }

    fn prove_run(
        program: &Program,
        key: &ProgramKey<Self>,
        segments: impl Iterator<Item = SegmentTrace>,
        input: &[u8],
        max_in_flight: usize,
        keep_bytes: usize,
        on_witness: &(dyn Fn() + Sync),
    ) -> Result<RunProof<Self>, ProveRunError> {
        let config = SC::config();
        let in_flight = if max_in_flight == 0 { rayon::current_num_threads() } else { max_in_flight }.max(1);
        let mut witness = RunWitness::new(program, &key.rom, input);
        let commitments = std::sync::Mutex::new(Vec::new());
        let kept = std::sync::Mutex::new((0usize, Vec::new()));
        let failure = std::sync::Mutex::new(None);
        // Phase 1: a pool of `in_flight` tokens bounds the witnesses alive at once.
        let (tokens, token_pool) = std::sync::mpsc::sync_channel(in_flight);
        for _ in 0..in_flight {
            tokens.send(()).expect("the pool is open");
        }
        let commit = |index: usize, w| match commit_segment(&config, &key.pk, index, w) {
            Ok(c) => {
                commitments.lock().unwrap().push(c.commitment.clone());
                let mut kept = kept.lock().unwrap();
                let (used, segments) = &mut *kept;
                if *used + c.resident_bytes() <= keep_bytes {
                    *used += c.resident_bytes();
                    segments.resize_with(segments.len().max(index + 1), || None);
                    segments[index] = Some(c);
                }
            }
            Err(e) => *failure.lock().unwrap() = Some(ProveRunError::Prove(e)),
        };
        let planned: Result<(), ProveRunError> = rayon::in_place_scope(|scope| {
            let _span = tracing::info_span!("phase1").entered();
            for trace in segments {
                let (index, w) = witness.push(trace)?;
                on_witness();
                token_pool.recv().expect("tokens come back");
                let (commit, tokens) = (&commit, tokens.clone());
                scope.spawn(move |_| {
                    commit(index, w);
                    let _ = tokens.send(());
                });
            }
            Ok(())
        });
        planned?;
        let memory_index = witness.num_segments() - 1;
        let memory = witness.segment(memory_index)?;
        on_witness();
        commit(memory_index, memory);
        if let Some(e) = failure.into_inner().unwrap() {
            return Err(e);
        }
        let mut commitments = commitments.into_inner().unwrap();
        commitments.sort_by_key(|c| c.index);
        let exit_code = witness.exit_code.ok_or(ProveRunError::NoExit)?;
        let statement = statement(program, exit_code, &witness.public_output, witness.num_segments());
        // The verifier's LogUp multiplicity bounds, checked before phase 2 rather than
        // after a whole proof it would refuse.
        let heights = commitments.iter().map(|c| &c.log_heights[..]);
        key.pk.vk.check_bus_terms(&statement, heights).map_err(|e| ProveRunError::Prove(ProveError::BusTerms(e)))?;
        let challenge = global_challenge(&config, &key.pk.vk, &statement, &commitments);

        let _span = tracing::info_span!("phase2", segments = witness.num_segments()).entered();
        let kept = kept.into_inner().unwrap().1;
        let proofs = prove_phase_two(&config, &key.pk, &key.tables, &commitments, kept, &challenge, in_flight, |i| {
            let w = witness.segment(i);
            on_witness();
            w
        })?;
        Ok(RunProof { exit_code, public_output: witness.public_output.clone(), segments: proofs })
    }

    fn verify_run(program: &Program, key: &ProgramKey<Self>, proof: &RunProof<Self>) -> Result<(), VerifyRunError> {
        let count = proof.segments.len();
        check_claim(proof.public_output.len(), count)?;
        for (position, segment) in proof.segments.iter().enumerate() {
            let expected = crate::segment::public_values(position, position + 1 == count).to_vec();
            let found: Vec<u64> = segment.commitment.public_values.iter().map(|v| v.as_canonical_u64()).collect();
            if found != expected {
                return Err(VerifyRunError::SegmentPosition { position, found, expected });
            }
        }
        let statement = statement(program, proof.exit_code, &proof.public_output, count);
        verify_segments(&SC::config(), &key.tables, &key.pk.vk, &statement, &proof.segments)?;
        Ok(())
    }
}

/// Proves a run from its minimal trace, streaming: `segments` yields the execution
/// segments in order (typically from a channel fed by the running guest); each is
/// turned into its witness by the sequential pass as it arrives and committed (phase 1)
/// on the rayon pool while the next ones are executed and generated. With every
/// commitment known, the global challenge is drawn and phase 2 regenerates and proves
/// the segments in parallel. At most `max_in_flight` witnesses (0: one per thread) are
/// in memory at once in either phase, plus the phase-1 results kept for phase 2: those
/// of the first segments, up to `keep_bytes` in total, are kept, so phase 2 neither
/// regenerates nor recommits them (a whole commitment saved per kept segment; a run
/// that fits is committed once). `on_witness` is called after each witness is built
/// (once per segment, twice for those not kept), for progress.
///
/// The proven public output and exit code are those the tables computed: the caller
/// compares them with the run's own (a mismatch is a bug, reported by the witness
/// generator's cross-checks first).
pub fn prove_run<SC: RunProver>(
    program: &Program,
    key: &ProgramKey<SC>,
    segments: impl Iterator<Item = SegmentTrace>,
    input: &[u8],
    max_in_flight: usize,
    keep_bytes: usize,
    on_witness: &(dyn Fn() + Sync),
) -> Result<RunProof<SC>, ProveRunError> {
    SC::prove_run(program, key, segments, input, max_in_flight, keep_bytes, on_witness)
}

/// Verifies `proof` against `program` (whose key `key` is).
pub fn verify_run<SC: RunProver>(
    program: &Program,
    key: &ProgramKey<SC>,
    proof: &RunProof<SC>,
) -> Result<(), VerifyRunError> {
    SC::verify_run(program, key, proof)
}

/// A program ready to prove or verify: its tables and keys.
pub struct ProgramKey<SC: RunConfig = KoalaBearStark> {
    pub tables: Vec<Table>,
    pub pk: ProvingKey<SC>,
    rom: RomTable,
}

impl<SC: RunProver> ProgramKey<SC> {
    /// Builds the tables of `program` and commits their preprocessed columns. A program
    /// with code at or above `2^30` has no key ([`RomTable::new`]).
    pub fn new(program: &Program) -> Result<ProgramKey<SC>, ProgramKeyError> {
        let _span = tracing::info_span!("setup").entered();
        let rom = RomTable::new(program)?;
        let tables = RunWitness::tables(&rom);
        let pk = SC::setup(&tables)?;
        Ok(ProgramKey { tables, pk, rom })
    }
}

/// Why a program has no key.
#[derive(Debug, thiserror::Error)]
pub enum ProgramKeyError {
    #[error(transparent)]
    Rom(#[from] RomError),
    #[error(transparent)]
    Setup(#[from] SetupError),
}

/// What a run proof claims, and the proof.
#[derive(Clone)]
pub struct RunProof<SC: RunConfig = KoalaBearStark> {
    pub exit_code: u8,
    pub public_output: Vec<u8>,
    pub segments: Vec<SegmentProof<SC>>,
}

/// Why a run could not be proved.
#[derive(Debug, thiserror::Error)]
pub enum ProveRunError {
    #[error("building the witness: {0}")]
    Witness(#[from] WitnessError),
    #[error("proving: {0}")]
    Prove(#[from] ProveError),
    #[error("the run has no exit: a proof needs a run that ends with the exit syscall")]
    NoExit,
}

/// Why a run proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum VerifyRunError {
    #[error("segment proof {position} claims public values {found:?}, expected {expected:?} (segments dropped, duplicated or reordered?)")]
    SegmentPosition { position: usize, found: Vec<u64>, expected: Vec<u64> },
    #[error("the proof claims {len} public output bytes: a run writes fewer than 2^30")]
    OutputTooLong { len: usize },
    #[error("the proof has {count} segment proofs: a run has at most 2^16")]
    TooManySegments { count: usize },
    #[error(transparent)]
    Proof(#[from] VerifyError),
}

/// Most segment proofs (execution segments and the memory segment) a run may have: the
/// segment numbers stay at most `2^16`.
pub const MAX_SEGMENTS: usize = 1 << 16;
/// A run's public output is shorter than this: output counts are field elements below
/// `2^30` (the syscall table's bound).
pub const MAX_OUTPUT: usize = 1 << 30;

/// Refuses a claim of `output_len` public output bytes in `segments` segment proofs
/// that the tables' bounds cannot express ([`MAX_OUTPUT`], [`MAX_SEGMENTS`]).
pub fn check_claim(output_len: usize, segments: usize) -> Result<(), VerifyRunError> {
    if output_len >= MAX_OUTPUT {
        return Err(VerifyRunError::OutputTooLong { len: output_len });
    }
    if segments > MAX_SEGMENTS {
        return Err(VerifyRunError::TooManySegments { count: segments });
    }
    Ok(())
}

/// The statement of a run of `program` that exits with `exit_code` after writing
/// `public_output`, proved in `segments` segment proofs (the memory segment included).
///
/// Every value is a field element: the entry is below `2^30` for a program that has a
/// ROM ([`RomTable::new`]; another program panics here, a caller's bug),
/// cells below `2^30`, values as 16-bit limbs, and output indices and counts below
/// `2^30` for a claim [`check_claim`] accepts.
pub fn statement(program: &Program, exit_code: u8, public_output: &[u8], segments: usize) -> Statement<Val> {
    let v = |values: &[u64]| values.iter().map(|&x| to_val(x)).collect::<Vec<_>>();
    let output_len = public_output.len() as u64;
    // The first execution segment is number 1; the last one hands the final state to
    // the number after it, the memory segment's (see `crate::segment`).
    let last_number = crate::segment::public_values(segments.saturating_sub(1), true)[crate::segment::NUMBER];
    let mut boundary = vec![
        BusMessage::send(
            STATE,
            v(&[program.entry, crate::segment::public_values(0, false)[crate::segment::NUMBER], 0]),
        ),
        BusMessage::receive(STATE, v(&[HALT_PC, last_number, output_len])),
        BusMessage::receive(EXIT, v(&[u64::from(exit_code), output_len])),
    ];
    boundary.extend(
        public_output.iter().enumerate().map(|(i, &byte)| BusMessage::receive(OUTPUT, v(&[i as u64, u64::from(byte)]))),
    );
    boundary.extend(initial_cells(program).into_iter().map(|(cell, value)| {
        let [v0, v1, v2, v3] = limbs(value);
        BusMessage::send(GLOBAL_MEMORY, v(&[cell, v0, v1, v2, v3, 0]))
    }));
    Statement { public_values: vec![], boundary }
}

/// The proof file's magic and version. Version 9: the tables over KoalaBear (values as
/// four 16-bit limbs, every local bus tagged with the segment number, the ROM and the
/// bytes table in every execution segment).
const MAGIC: [u8; 8] = *b"ZKJITRUN";
const VERSION: u32 = 9;

/// Why a proof file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    #[error("not a ziskjit proof (bad magic)")]
    Magic,
    #[error("proof format version {found}, this ziskjit reads version {VERSION}")]
    Version { found: u32 },
    #[error("the proof file is truncated (at byte {at})")]
    Truncated { at: usize },
    #[error("unknown hash id {0} in the proof file (3 = Poseidon2, 4 = Blake3, both over KoalaBear)")]
    UnknownHash(u8),
    #[error("the proof was made with {found:?}, not {expected:?}")]
    WrongHash { found: HashKind, expected: HashKind },
    #[error(transparent)]
    Segments(#[from] FormatError),
}

/// The fixed header of a proof file: magic, version, hash id, exit code.
const HEADER: usize = 14;

/// The hash a proof file was made with (read from its header), so that a verifier can
/// pick the matching [`RunConfig`] before decoding it.
pub fn proof_hash(bytes: &[u8]) -> Result<HashKind, ProofFileError> {
    let header = bytes.get(..HEADER).ok_or(if bytes.get(..8).is_some_and(|m| m == MAGIC) {
        ProofFileError::Truncated { at: bytes.len() }
    } else {
        ProofFileError::Magic
    })?;
    if header[..8] != MAGIC {
        return Err(ProofFileError::Magic);
    }
    let version = u32::from_le_bytes(header[8..12].try_into().unwrap());
    if version != VERSION {
        return Err(ProofFileError::Version { found: version });
    }
    match header[12] {
        id if id == HashKind::Poseidon2KoalaBear as u8 => Ok(HashKind::Poseidon2KoalaBear),
        id if id == HashKind::Blake3KoalaBear as u8 => Ok(HashKind::Blake3KoalaBear),
        id => Err(ProofFileError::UnknownHash(id)),
    }
}

impl<SC: RunConfig> RunProof<SC> {
    /// The proof file: magic, version, hash id, exit code, public output
    /// (length-prefixed), then the segment proofs in the prover's versioned format.
    pub fn encode(&self) -> Result<Vec<u8>, FormatError> {
        let config = SC::config();
        let mut bytes = Vec::new();
        bytes.extend(MAGIC);
        bytes.extend(VERSION.to_le_bytes());
        bytes.push(config.hash as u8);
        bytes.push(self.exit_code);
        bytes.extend((self.public_output.len() as u64).to_le_bytes());
        bytes.extend(&self.public_output);
        bytes.extend(encode_proofs(&config, &self.segments)?);
        Ok(bytes)
    }

    /// Reads a proof file written by [`RunProof::encode`] under the same configuration.
    pub fn decode(bytes: &[u8]) -> Result<RunProof<SC>, ProofFileError> {
        let config = SC::config();
        let found = proof_hash(bytes)?;
        if found != config.hash {
            return Err(ProofFileError::WrongHash { found, expected: config.hash });
        }
        let take = |at: usize, n: usize| {
            at.checked_add(n).and_then(|end| bytes.get(at..end)).ok_or(ProofFileError::Truncated { at: bytes.len() })
        };
        let exit_code = bytes[HEADER - 1];
        let len = u64::from_le_bytes(take(HEADER, 8)?.try_into().unwrap());
        let len = usize::try_from(len).map_err(|_| ProofFileError::Truncated { at: bytes.len() })?;
        let output_at = HEADER + 8;
        let public_output = take(output_at, len)?.to_vec();
        let segments = decode_proofs(&config, &bytes[output_at + len..])?;
        Ok(RunProof { exit_code, public_output, segments })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verifier refuses an output of 2^30 bytes or more and more than 2^16 segments,
    /// and accepts the largest claims below.
    #[test]
    fn claims_past_the_tables_bounds_are_refused() {
        assert!(check_claim(MAX_OUTPUT - 1, MAX_SEGMENTS).is_ok());
        assert!(matches!(check_claim(MAX_OUTPUT, 2), Err(VerifyRunError::OutputTooLong { len: MAX_OUTPUT })));
        assert!(matches!(
            check_claim(0, MAX_SEGMENTS + 1),
            Err(VerifyRunError::TooManySegments { count }) if count == MAX_SEGMENTS + 1
        ));
    }
}
