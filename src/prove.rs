//! `ziskjit prove` and `ziskjit verify`: prove a run end to end (execute with the
//! minimal trace, then replay, build witnesses and prove every segment), and check a
//! proof against an ELF. The proof system is the `ziskjit-air` crate's; this file only
//! handles files, progress, the summary and exit codes.

use crate::cli::{read_input, write_json, CliError, ErrorKind};
use crate::compile::Guest;
use crate::run::fault_error;
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;
use ziskjit_air::run_proof::{proof_hash, prove_run, verify_run, ProgramKey, RunProof, RunProver};
use ziskjit_prover::{Blake3KoalaBearStark, HashKind, KoalaBearStark};
use ziskjit_runtime::jit::Jit;
use ziskjit_runtime::Io;
use ziskjit_transpiler::lower::Variant;

/// Default steps per segment for proving: 2^18 (a segment's main table has this many
/// rows; smaller segments prove with less memory, larger ones with less overhead).
const DEFAULT_PROVE_SEGMENT_STEPS: u64 = 1 << 18;

#[derive(Args)]
pub struct ProveArgs {
    /// The guest ELF (riscv64, statically linked), or a precompiled image of it.
    pub elf: PathBuf,
    /// Private input file (`-` for stdin). Without it, stdin is read when it is not a terminal.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Where to write the proof.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Steps per segment: a power of two between 2^4 and 2^22.
    #[arg(long, default_value_t = DEFAULT_PROVE_SEGMENT_STEPS, value_parser = parse_segment_steps)]
    pub segment_steps: u64,
    /// Stop with an error after this many instructions.
    #[arg(long)]
    pub max_steps: Option<u64>,
    /// Segments whose witnesses are in memory at once (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub in_flight: usize,
    /// Memory (MiB) for keeping the first segments' phase-1 commitments until phase 2,
    /// which then need not recompute them (default: half of the available memory).
    #[arg(long, value_name = "MIB")]
    pub keep_memory: Option<usize>,
    /// The hash of the commitments: poseidon2 (recursion-friendly) or blake3 (about
    /// twice as fast to prove); `verify` reads it from the proof.
    #[arg(long, value_enum, default_value = "poseidon2")]
    pub hash: Hash,
    /// Write statistics as one JSON object (steps, segments, seconds per phase, proof_bytes).
    #[arg(long)]
    pub stats_json: Option<PathBuf>,
    /// Compile the ELF even if the image cache has its code, and do not store it there.
    #[arg(long)]
    pub no_cache: bool,
}

/// The `--hash` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Hash {
    Poseidon2,
    Blake3,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The proof file written by `ziskjit prove`.
    pub proof: PathBuf,
    /// The guest ELF the proof claims to be about (its verification key is recomputed
    /// from it).
    #[arg(long)]
    pub elf: PathBuf,
    /// Also require this public output (a file of the expected bytes).
    #[arg(long)]
    pub expect_output: Option<PathBuf>,
    /// Also require this exit code.
    #[arg(long)]
    pub expect_exit_code: Option<u8>,
}

/// Segments of 2^4 to 2^22 steps: the main table has one row per step, and the
/// security figure (README) holds up to 2^22 rows.
fn parse_segment_steps(text: &str) -> Result<u64, String> {
    crate::cli::parse_power_of_two(text, 4, 22)
}

/// The default `--keep-memory`: half of what the kernel reports as available
/// (`MemAvailable`), or 1 GiB where that cannot be read.
fn default_keep_bytes() -> usize {
    let available_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|info| {
        let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
        line.split_whitespace().nth(1)?.parse::<usize>().ok()
    });
    available_kib.map_or(1 << 30, |kib| kib.saturating_mul(1024) / 2)
}

pub fn prove(args: &ProveArgs) -> Result<u8, CliError> {
    match args.hash {
        Hash::Poseidon2 => prove_with::<KoalaBearStark>(args),
        Hash::Blake3 => prove_with::<Blake3KoalaBearStark>(args),
    }
}

fn prove_with<SC: RunProver>(args: &ProveArgs) -> Result<u8, CliError> {
    let guest = Guest::open(&args.elf)?;
    let program = &guest.program;
    let input = read_input(&args.input)?;
    // Fail on an unwritable output before the work, not after.
    let mut file = std::fs::File::create(&args.output)
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot create {}: {e}", args.output.display())))?;
    let started = Instant::now();
    let setup_started = Instant::now();
    let key = ProgramKey::<SC>::new(program)
        .map_err(|e| CliError::new(ErrorKind::ProveFailed, format!("setting up the program's tables: {e}")))?;
    let setup_seconds = setup_started.elapsed().as_secs_f64();
    let compiled = guest.compiled(Variant::Trace, args.no_cache)?.0;

    // The guest runs on its own thread and hands each finished segment to the prover
    // (this thread) through a short channel: execution, witness generation and phase-1
    // commitments overlap, and memory holds only the segments in flight.
    let progress = Progress::new();
    let mut public = Vec::new();
    let prove_started = Instant::now();
    let keep_bytes = args.keep_memory.map_or_else(default_keep_bytes, |mib| mib.saturating_mul(1 << 20));
    let (sender, receiver) = std::sync::mpsc::sync_channel(2);
    let ((recorded, execute_seconds), proved) = std::thread::scope(|scope| {
        let (input, public, compiled) = (&input, &mut public, &compiled);
        let guest = scope.spawn(move || {
            let _span = tracing::info_span!("execute_with_trace").entered();
            let mut io = Io { input: Box::new(&input[..]), public: Box::new(public), debug: Box::new(std::io::sink()) };
            let recorded = Jit::new(program, compiled)
                .map_err(|e| CliError::new(ErrorKind::GuestFault, format!("cannot start the compiled code: {e}")))
                .and_then(|mut machine| {
                    // The receiver only goes away if proving failed; its error is reported below.
                    let on_segment = |segment| {
                        let _ = sender.send(segment);
                    };
                    machine
                        .record(&mut io, args.segment_steps, args.max_steps.unwrap_or(u64::MAX), on_segment)
                        .map_err(|fault| fault_error(program, &fault))
                });
            (recorded, prove_started.elapsed().as_secs_f64())
        });
        let proved =
            prove_run(program, &key, receiver.into_iter(), input, args.in_flight, keep_bytes, &|| progress.tick());
        (guest.join().expect("the guest thread panicked"), proved)
    });
    progress.finish();
    let summary = recorded?;
    let proof = proved.map_err(|e| CliError::new(ErrorKind::ProveFailed, e.to_string()))?;
    if proof.exit_code != summary.exit_code || proof.public_output != public {
        return Err(CliError::new(
            ErrorKind::ProveFailed,
            format!(
                "the tables compute exit code {} and {} output bytes, the run gave {} and {} bytes",
                proof.exit_code,
                proof.public_output.len(),
                summary.exit_code,
                public.len()
            ),
        ));
    }
    let prove_seconds = prove_started.elapsed().as_secs_f64();
    let bytes =
        proof.encode().map_err(|e| CliError::new(ErrorKind::ProveFailed, format!("encoding the proof: {e}")))?;
    file.write_all(&bytes)
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write {}: {e}", args.output.display())))?;
    let total = started.elapsed().as_secs_f64();
    eprintln!(
        "prove: {} steps in {} segments of {} (+1 memory segment); setup {:.3} s, execution {:.3} s \
         (overlapped), proving {:.3} s; {:.0} steps/s end to end; proof {} bytes ({:.1} KiB)",
        summary.steps,
        proof.segments.len() - 1,
        args.segment_steps,
        setup_seconds,
        execute_seconds,
        prove_seconds,
        summary.steps as f64 / total,
        bytes.len(),
        bytes.len() as f64 / 1024.0,
    );
    if let Some(path) = &args.stats_json {
        write_json(
            path,
            &serde_json::json!({
                "steps": summary.steps,
                "segments": proof.segments.len(),
                "segment_steps": args.segment_steps,
                "execute_seconds": execute_seconds,
                "setup_seconds": setup_seconds,
                "prove_seconds": prove_seconds,
                "seconds": total,
                "steps_per_second": summary.steps as f64 / total,
                "proof_bytes": bytes.len(),
                "exit_code": summary.exit_code,
            }),
        )?;
    }
    Ok(0)
}

pub fn verify(args: &VerifyArgs) -> Result<u8, CliError> {
    let invalid = |message: String| CliError::new(ErrorKind::InvalidProof, message);
    let bytes = std::fs::read(&args.proof)
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot read {}: {e}", args.proof.display())))?;
    match proof_hash(&bytes).map_err(|e| invalid(format!("{}: {e}", args.proof.display())))? {
        HashKind::Poseidon2KoalaBear => verify_with::<KoalaBearStark>(args, &bytes),
        HashKind::Blake3KoalaBear => verify_with::<Blake3KoalaBearStark>(args, &bytes),
        // `proof_hash` accepts only the RISC-V tables' configurations (KoalaBear).
        kind @ (HashKind::Poseidon2 | HashKind::Blake3) => {
            Err(invalid(format!("{}: no RISC-V proof is made with {kind:?}", args.proof.display())))
        }
    }
}

fn verify_with<SC: RunProver>(args: &VerifyArgs, bytes: &[u8]) -> Result<u8, CliError> {
    let invalid = |message: String| CliError::new(ErrorKind::InvalidProof, message);
    let proof = RunProof::<SC>::decode(bytes).map_err(|e| invalid(format!("{}: {e}", args.proof.display())))?;
    if let Some(code) = args.expect_exit_code {
        if code != proof.exit_code {
            return Err(invalid(format!("the proof claims exit code {}, expected {code}", proof.exit_code)));
        }
    }
    if let Some(path) = &args.expect_output {
        let expected = std::fs::read(path)
            .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot read {}: {e}", path.display())))?;
        if let Some(at) = first_difference(&expected, &proof.public_output) {
            return Err(invalid(format!(
                "the proof claims a public output of {} bytes that differs from {} ({} bytes) at byte {at}",
                proof.public_output.len(),
                path.display(),
                expected.len()
            )));
        }
    }
    let guest = Guest::open(&args.elf)?;
    let started = Instant::now();
    let key = ProgramKey::<SC>::new(&guest.program)
        .map_err(|e| CliError::new(ErrorKind::InvalidProof, format!("setting up the program's tables: {e}")))?;
    verify_run(&guest.program, &key, &proof)
        .map_err(|e| invalid(format!("the proof is not valid for {}: {e}", args.elf.display())))?;
    std::io::stdout()
        .write_all(&proof.public_output)
        .and_then(|()| std::io::stdout().flush())
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write the public output to stdout: {e}")))?;
    eprintln!(
        "verify: valid; exit code {}, {} bytes of public output, {} segment proofs, {:.3} s",
        proof.exit_code,
        proof.public_output.len(),
        proof.segments.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// The first index where `a` and `b` differ (including one being a prefix of the other).
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y).or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// A progress indicator over witness generations (each segment's witness is built
/// twice: to commit and to prove; the total is unknown while the guest runs), drawn
/// only when stderr is a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} segment witnesses built, {elapsed}")
                    .expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar.set_message("proving");
            bar
        });
        Progress { bar }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
