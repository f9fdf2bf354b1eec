//! Proving and verifying a whole run: the statement a run proof claims, the prover
//! driver over the run's segments, the verifier, and the proof file.
//!
//! The statement is what the verifier computes from the ELF and the claimed result:
//! the initial state `(entry, step 0, 0 output bytes)` sent on
//! [`STATE`](crate::bus::STATE); the ELF image (every non-zero word, and `sp`) sent
//! on [`GLOBAL_MEMORY`](crate::bus::GLOBAL_MEMORY) as segment-0 values; every public
//! output byte received from [`OUTPUT`](crate::bus::OUTPUT); and `(exit code, output
//! length)` received from [`EXIT`](crate::bus::EXIT). The verification key (the ROM
//! and the bytes table, committed) is recomputed from the ELF, and every segment's
//! public values are fixed by its position ([`crate::segment`]).

use crate::bus::{limbs, EXIT, GLOBAL_MEMORY, OUTPUT, STATE};
use crate::rom::RomTable;
use crate::table::Table;
use crate::witness::{initial_cells, RunWitness, WitnessError};
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use ziskjit_prover::{
    decode_proofs, encode_proofs, prove_segments, setup, verify_segments, BusMessage, Config, FormatError,
    FriSettings, Poseidon2Stark, ProveError, ProvingKey, SegmentProof, SetupError, Statement, Val, VerifyError,
};
use ziskjit_runtime::trace::SegmentTrace;
use ziskjit_transpiler::Program;

/// The proof system's configuration: Poseidon2 over Goldilocks, default FRI settings.
pub fn config() -> Config<Poseidon2Stark> {
    Config::poseidon2(FriSettings::default())
}

/// A program ready to prove or verify: its tables and keys.
pub struct ProgramKey {
    pub tables: Vec<Table>,
    pub pk: ProvingKey<Poseidon2Stark>,
    rom: RomTable,
}

impl ProgramKey {
    /// Builds the tables of `program` and commits their preprocessed columns.
    pub fn new(program: &Program) -> Result<ProgramKey, SetupError> {
        let _span = tracing::info_span!("setup").entered();
        let rom = RomTable::new(program);
        let tables = RunWitness::tables(&rom);
        let pk = setup(&config(), &tables)?;
        Ok(ProgramKey { tables, pk, rom })
    }
}

/// What a run proof claims, and the proof.
#[derive(Clone)]
pub struct RunProof {
    pub exit_code: u8,
    pub public_output: Vec<u8>,
    pub segments: Vec<SegmentProof<Poseidon2Stark>>,
}

/// Why a run could not be proved.
#[derive(Debug, thiserror::Error)]
pub enum ProveRunError {
    #[error("building the witness: {0}")]
    Witness(#[from] WitnessError),
    #[error("proving: {0}")]
    Prove(#[from] ProveError),
    #[error("the tables compute {what} {tables}, the run gave {run}")]
    Mismatch { what: &'static str, tables: String, run: String },
}

/// Why a run proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum VerifyRunError {
    #[error("segment proof {position} claims public values {found:?}, expected {expected:?} (segments dropped, duplicated or reordered?)")]
    SegmentPosition { position: usize, found: Vec<u64>, expected: Vec<u64> },
    #[error(transparent)]
    Proof(#[from] VerifyError),
}

/// The statement of a run of `program` that exits with `exit_code` after writing
/// `public_output`.
pub fn statement(program: &Program, exit_code: u8, public_output: &[u8]) -> Statement<Val> {
    let v = |values: &[u64]| values.iter().map(|&x| Val::from_u64(x)).collect::<Vec<_>>();
    let mut boundary = vec![
        BusMessage::send(STATE, v(&[program.entry, 0, 0])),
        BusMessage::receive(EXIT, v(&[u64::from(exit_code), public_output.len() as u64])),
    ];
    boundary.extend(
        public_output.iter().enumerate().map(|(i, &byte)| BusMessage::receive(OUTPUT, v(&[i as u64, u64::from(byte)]))),
    );
    boundary.extend(initial_cells(program).into_iter().map(|(cell, value)| {
        let [lo, hi] = limbs(value);
        BusMessage::send(GLOBAL_MEMORY, v(&[cell, lo, hi, 0]))
    }));
    Statement { public_values: vec![], boundary }
}

/// Proves the run whose minimal trace is `segments` (with private input `input`),
/// keeping at most `max_in_flight` segment witnesses in memory (0: one per thread).
/// The public output and exit code are those the tables computed; `expected`, if
/// given (the run's own result), must agree. `on_witness` is called after each
/// segment witness is built (twice per segment: to commit and to prove), for progress.
pub fn prove_run(
    program: &Program,
    key: &ProgramKey,
    segments: &[SegmentTrace],
    input: &[u8],
    expected: Option<(u8, &[u8])>,
    max_in_flight: usize,
    on_witness: &(dyn Fn() + Sync),
) -> Result<RunProof, ProveRunError> {
    let witness = RunWitness::new(program, &key.rom, segments, input)?;
    if let Some((code, output)) = expected {
        if code != witness.exit_code {
            return Err(ProveRunError::Mismatch {
                what: "exit code",
                tables: witness.exit_code.to_string(),
                run: code.to_string(),
            });
        }
        if output != witness.public_output {
            return Err(ProveRunError::Mismatch {
                what: "public output of",
                tables: format!("{} bytes", witness.public_output.len()),
                run: format!("{} bytes", output.len()),
            });
        }
    }
    let statement = statement(program, witness.exit_code, &witness.public_output);
    let _span = tracing::info_span!("prove", segments = witness.num_segments()).entered();
    let proofs = prove_segments(
        &config(),
        &key.pk,
        &key.tables,
        &statement,
        witness.num_segments(),
        max_in_flight,
        |i| {
            let w = witness.segment(i);
            on_witness();
            w
        },
    )?;
    Ok(RunProof { exit_code: witness.exit_code, public_output: witness.public_output.clone(), segments: proofs })
}

/// Verifies `proof` against `program` (whose key `key` is).
pub fn verify_run(program: &Program, key: &ProgramKey, proof: &RunProof) -> Result<(), VerifyRunError> {
    let count = proof.segments.len();
    for (position, segment) in proof.segments.iter().enumerate() {
        let expected = crate::segment::public_values(position, count).to_vec();
        let found: Vec<u64> = segment.commitment.public_values.iter().map(|v| v.as_canonical_u64()).collect();
        if found != expected {
            return Err(VerifyRunError::SegmentPosition { position, found, expected });
        }
    }
    let statement = statement(program, proof.exit_code, &proof.public_output);
    verify_segments(&config(), &key.tables, &key.pk.vk, &statement, &proof.segments)?;
    Ok(())
}

/// The proof file's magic and version.
const MAGIC: [u8; 8] = *b"ZKJITRUN";
const VERSION: u32 = 1;

/// Why a proof file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    #[error("not a ziskjit proof (bad magic)")]
    Magic,
    #[error("proof format version {found}, this ziskjit reads version {VERSION}")]
    Version { found: u32 },
    #[error("the proof file is truncated (at byte {at})")]
    Truncated { at: usize },
    #[error(transparent)]
    Segments(#[from] FormatError),
}

impl RunProof {
    /// The proof file: magic, version, exit code, public output (length-prefixed), then
    /// the segment proofs in the prover's versioned format.
    pub fn encode(&self) -> Result<Vec<u8>, FormatError> {
        let mut bytes = Vec::new();
        bytes.extend(MAGIC);
        bytes.extend(VERSION.to_le_bytes());
        bytes.push(self.exit_code);
        bytes.extend((self.public_output.len() as u64).to_le_bytes());
        bytes.extend(&self.public_output);
        bytes.extend(encode_proofs(&config(), &self.segments)?);
        Ok(bytes)
    }

    /// Reads a proof file written by [`RunProof::encode`].
    pub fn decode(bytes: &[u8]) -> Result<RunProof, ProofFileError> {
        let take = |at: usize, n: usize| {
            at.checked_add(n).and_then(|end| bytes.get(at..end)).ok_or(ProofFileError::Truncated { at: bytes.len() })
        };
        if take(0, 8).map_err(|_| ProofFileError::Magic)? != MAGIC {
            return Err(ProofFileError::Magic);
        }
        let version = u32::from_le_bytes(take(8, 4)?.try_into().unwrap());
        if version != VERSION {
            return Err(ProofFileError::Version { found: version });
        }
        let exit_code = take(12, 1)?[0];
        let len = u64::from_le_bytes(take(13, 8)?.try_into().unwrap());
        let len = usize::try_from(len).map_err(|_| ProofFileError::Truncated { at: bytes.len() })?;
        let public_output = take(21, len)?.to_vec();
        let segments = decode_proofs(&config(), &bytes[21 + len..])?;
        Ok(RunProof { exit_code, public_output, segments })
    }
}
