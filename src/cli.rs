//! Argument definitions (clap) and the error type shared by the subcommands.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "ziskjit",
    version,
    about = "A zero-knowledge virtual machine for RV64IMAC guests: run, profile and prove"
)]
pub struct Cli {
    /// Print the time spent in each phase (tracing spans) on stderr.
    #[arg(long, global = true)]
    pub trace_spans: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a guest ELF: guest fd 1 goes to stdout (raw bytes), fd 2 to stderr, and the
    /// process exits with the guest's exit code.
    Run(RunArgs),
    /// Run with the minimal trace, replay its segments in parallel and check they join
    /// up (`--verify`: compare every replayed step with the interpreter). The guest's
    /// public output goes to stdout, a summary to stderr.
    Trace(crate::trace::TraceArgs),
    /// Profile a guest: steps per function (exclusive and inclusive) and per
    /// instruction class, call stacks as folded stacks (`--folded`) or a flamegraph
    /// (`--svg`). The guest's public output goes to stdout, the report to stderr.
    Profile(crate::profile::ProfileArgs),
    /// Compile a guest ELF ahead of time into a precompiled image (all variants), which
    /// every subcommand accepts in place of the ELF.
    Compile(crate::compile::CompileArgs),
    /// Prove a run: execute with the minimal trace, build every segment's witness and
    /// prove it (STARK over KoalaBear, FRI and Poseidon2, ≥ 100 bits of conjectured
    /// security; see the README). Writes the proof to `-o`, a summary to stderr.
    Prove(crate::prove::ProveArgs),
    /// Verify a proof against an ELF: exit 0 iff it is valid, printing the proven public
    /// output to stdout.
    Verify(crate::prove::VerifyArgs),
}

/// The execution engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// Compile the whole program with Cranelift before the first step, then run it.
    Jit,
    /// The reference interpreter (the ISA's specification; slow).
    Interp,
}

#[derive(Args)]
pub struct RunArgs {
    /// The guest ELF (riscv64, statically linked), or a precompiled image of it.
    pub elf: PathBuf,
    /// Private input file (`-` for stdin). Without it, stdin is read when it is not a terminal.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Execution engine.
    #[arg(long, value_enum, default_value = "jit")]
    pub engine: Engine,
    /// Stop with an error after this many instructions.
    #[arg(long)]
    pub max_steps: Option<u64>,
    /// Write the Cranelift IR the JIT compiles (every region of the program) to this file.
    #[arg(long)]
    pub dump_ir: Option<PathBuf>,
    /// Write run statistics as one JSON object (steps, seconds, mips, exit_code, engine;
    /// for the JIT also compile_seconds, included in seconds, and code: compiled, cache or image).
    #[arg(long)]
    pub stats_json: Option<PathBuf>,
    /// Compile the ELF even if the image cache has its code, and do not store it there.
    #[arg(long)]
    pub no_cache: bool,
}

/// Parses a step count that must be a power of two `2^k` with `min_log ≤ k ≤ max_log`
/// (segment lengths), for clap's `value_parser`.
pub fn parse_power_of_two(text: &str, min_log: u32, max_log: u32) -> Result<u64, String> {
    let n: u64 = text.parse().map_err(|e| format!("`{text}` is not a number: {e}"))?;
    if n.is_power_of_two() && (min_log..=max_log).contains(&n.ilog2()) {
        Ok(n)
    } else {
        Err(format!("{n} is not a power of two in [2^{min_log}, 2^{max_log}] (e.g. 262144 = 2^18)"))
    }
}

/// Classes of failure, each with its own process exit code (all ≥ 100, so they are
/// told apart from guest exit codes in scripts that only use small codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments, unreadable or unwritable files.
    Usage,
    /// The ELF is not a loadable RV64 executable.
    InvalidElf,
    /// The guest faulted (illegal instruction, bad access, unknown syscall).
    GuestFault,
    /// `--max-steps` was reached.
    StepLimit,
    /// A minimal trace failed to replay or disagreed with the interpreter.
    TraceMismatch,
    /// A precompiled image is stale, foreign to this host, or corrupted.
    InvalidImage,
    /// A proof is corrupt or does not verify.
    InvalidProof,
    /// Proving failed (the witness disagreed with the run, or the prover failed).
    ProveFailed,
}

impl ErrorKind {
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Usage => 100,
            ErrorKind::InvalidElf => 102,
            ErrorKind::GuestFault => 103,
            ErrorKind::StepLimit => 104,
            ErrorKind::TraceMismatch => 105,
            ErrorKind::InvalidImage => 106,
            ErrorKind::InvalidProof => 107,
            ErrorKind::ProveFailed => 108,
        }
    }
}

/// An error to print as `error: {message}` and exit with `kind`'s code.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CliError {
        CliError { kind, message: message.into() }
    }
}

/// Reads a whole file, with an error naming it.
pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot read {what} `{}`: {e}", path.display())))
}

/// The private input: the `--input` file, `-` for stdin, or stdin when it is not a
/// terminal and no file was given.
pub fn read_input(input: &Option<PathBuf>) -> Result<Vec<u8>, CliError> {
    let read_stdin = || {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot read the input from stdin: {e}")))?;
        Ok(buf)
    };
    match input {
        Some(p) if p.as_os_str() == "-" => read_stdin(),
        Some(p) => read_file(p, "input file"),
        None if !std::io::stdin().is_terminal() => read_stdin(),
        None => Ok(Vec::new()),
    }
}

/// Writes `value` as JSON to `path`.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), CliError> {
    std::fs::write(path, format!("{value}\n"))
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write `{}`: {e}", path.display())))
}

/// Installs a tracing subscriber: with `spans`, every span's duration is printed to
/// stderr when it closes; otherwise `RUST_LOG` decides (default: warnings only).
pub fn init_tracing(spans: bool) {
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(if spans { "info" } else { "warn" }));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = if spans { builder.with_span_events(FmtSpan::CLOSE).try_init() } else { builder.try_init() };
}
