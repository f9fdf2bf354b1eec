//! `ziskjit profile`: run a guest while counting its steps per function, per
//! instruction class and per call stack, then print the report (stderr) and write
//! the folded stacks and the flamegraph.
//!
//! The analysis is the `ziskjit-profiler` crate's; this file only picks the engine
//! that feeds it — by default the compiled profile variant (`Jit::profile`, which
//! reports straight-line blocks), or the reference interpreter (`--engine interp`,
//! every step) — and handles files and exit codes like `run` does: guest fd 1 goes
//! to stdout, fd 2 and the report to stderr, and the exit code is the guest's. A run
//! that faults or reaches `--max-steps` still reports the steps it retired (where a
//! program spends its time before it crashes or hangs is what one wants to know),
//! then exits with the error.

use crate::cli::{read_input, CliError, Engine, ErrorKind};
use crate::compile::Guest;
use crate::run::{fault_error, write_run_stats};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use ziskjit_profiler::{Profile, ProfileError, Profiler};
use ziskjit_runtime::jit::{Compiled, Jit};
use ziskjit_runtime::record::StepRecord;
use ziskjit_runtime::{Fault, Interpreter, Io, RunResult};
use ziskjit_transpiler::lower::Variant;
use ziskjit_transpiler::Program;

#[derive(Args)]
pub struct ProfileArgs {
    /// The guest ELF (riscv64, statically linked, with its symbol table), or a
    /// precompiled image of it.
    pub elf: PathBuf,
    /// Private input file (`-` for stdin). Without it, stdin is read when it is not a terminal.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Number of functions listed in the report (by exclusive steps).
    #[arg(long, default_value_t = 25)]
    pub top: usize,
    /// Write the call stacks in the folded-stack format (`_start;main;f 1234` lines,
    /// summing to the total steps), for flamegraph tools.
    #[arg(long)]
    pub folded: Option<PathBuf>,
    /// Draw the call stacks as an SVG flamegraph.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Stop with an error after this many instructions (the report covers them).
    #[arg(long)]
    pub max_steps: Option<u64>,
    /// Engine that runs the guest (both give the same profile).
    #[arg(long, value_enum, default_value = "jit")]
    pub engine: Engine,
    /// Write run statistics as one JSON object (steps, seconds, mips, exit_code, engine;
    /// for the JIT also compile_seconds, included in seconds, and code).
    #[arg(long)]
    pub stats_json: Option<PathBuf>,
    /// Compile the ELF even if the image cache has its code, and do not store it there.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn profile(args: &ProfileArgs) -> Result<u8, CliError> {
    let guest = Guest::open(&args.elf)?;
    let program = &guest.program;
    let input = read_input(&args.input)?;
    // Created before the run, so an unwritable path fails at once, not after it.
    let folded = create_output(&args.folded)?;
    let svg = create_output(&args.svg)?;
    let max_steps = args.max_steps.unwrap_or(u64::MAX);
    let stdout = std::io::stdout().lock();
    let mut public = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let mut profiler = Profiler::new(program);
    let started = Instant::now();
    let compiled = match args.engine {
        Engine::Jit => {
            let _span = tracing::info_span!("compile").entered();
            Some(guest.compiled(Variant::Profile, args.no_cache)?)
        }
        Engine::Interp => None,
    };
    let outcome = {
        let mut io =
            Io { input: Box::new(&input[..]), public: Box::new(&mut public), debug: Box::new(std::io::stderr()) };
        let _span = tracing::info_span!("profile").entered();
        match &compiled {
            Some((compiled, _)) => run_compiled(program, compiled, &mut io, max_steps, &mut profiler),
            None => run_interpreter(program, &mut io, max_steps, &mut profiler),
        }
        .map_err(|e| CliError::new(ErrorKind::InvalidElf, format!("invalid ELF `{}`: {e}", args.elf.display())))?
    };
    let seconds = started.elapsed().as_secs_f64();
    public
        .flush()
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write the public output to stdout: {e}")))?;
    let profile = profiler.finish();
    eprint!("{}", profile.report(args.top));
    let written = write_outputs(args, &profile, folded, svg);
    // A fault is the more important news; a failed output file comes after it.
    let result = outcome.map_err(|fault| match fault {
        Stop::Fault(fault) => fault_error(program, &fault),
        Stop::Events(e) => CliError::new(
            ErrorKind::InvalidImage,
            format!("the compiled code of `{}` reported a block the program does not have: {e}", args.elf.display()),
        ),
    })?;
    written?;
    if let Some(path) = &args.stats_json {
        let code = compiled.as_ref().map(|(compiled, origin)| (compiled.compile_seconds, *origin));
        write_run_stats(path, result.steps, seconds, result.exit_code, args.engine, code)?;
    }
    Ok(result.exit_code)
}

/// Why a profiled run ended without an exit code.
enum Stop {
    Fault(Fault),
    /// The engine reported steps that are not the program's (only foreign code can).
    Events(ProfileError),
}

/// Runs `program` on the reference interpreter, handing every retired step to
/// `profiler`.
fn run_interpreter(
    program: &Program,
    io: &mut Io<'_>,
    max_steps: u64,
    profiler: &mut Profiler<'_>,
) -> Result<Result<RunResult, Stop>, ziskjit_runtime::memory::MemoryError> {
    let mut machine = Interpreter::new(program)?;
    let observe = |record: &StepRecord| profiler.retire(record.pc, &record.inst, record.next_pc);
    Ok(machine.run_observed(io, max_steps, Some(observe)).map_err(Stop::Fault))
}

/// Runs `program`'s profile-variant code, handing every retired block to `profiler`;
/// the profile equals [`run_interpreter`]'s.
fn run_compiled(
    program: &Program,
    compiled: &Compiled,
    io: &mut Io<'_>,
    max_steps: u64,
    profiler: &mut Profiler<'_>,
) -> Result<Result<RunResult, Stop>, ziskjit_runtime::memory::MemoryError> {
    let mut machine = Jit::new(program, compiled)?;
    let mut error = None;
    let result = machine.profile(io, max_steps, |pc, steps, next_pc| {
        if let Err(e) = profiler.retire_block(pc, steps, next_pc) {
            error.get_or_insert(e);
        }
    });
    Ok(match error {
        Some(e) => Err(Stop::Events(e)),
        None => result.map_err(Stop::Fault),
    })
}

/// An output file opened for writing, with its path for error messages.
struct Output {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
}

fn cannot_write(path: &Path, e: &dyn std::fmt::Display) -> CliError {
    CliError::new(ErrorKind::Usage, format!("cannot write `{}`: {e}", path.display()))
}

fn create_output(path: &Option<PathBuf>) -> Result<Option<Output>, CliError> {
    path.as_ref()
        .map(|path| {
            let file = std::fs::File::create(path).map_err(|e| cannot_write(path, &e))?;
            Ok(Output { path: path.clone(), file: std::io::BufWriter::new(file) })
        })
        .transpose()
}

/// Writes the `--folded` and `--svg` files.
fn write_outputs(
    args: &ProfileArgs,
    profile: &Profile,
    folded: Option<Output>,
    svg: Option<Output>,
) -> Result<(), CliError> {
    if let Some(mut out) = folded {
        out.file
            .write_all(profile.folded().as_bytes())
            .and_then(|()| out.file.flush())
            .map_err(|e| cannot_write(&out.path, &e))?;
    }
    if let Some(mut out) = svg {
        let name = args.elf.file_name().map_or_else(|| args.elf.display().to_string(), |n| n.to_string_lossy().into());
        profile
            .write_flamegraph(&format!("ziskjit profile: {name}"), &mut out.file)
            .map_err(|e| cannot_write(&out.path, &e))?;
        out.file.flush().map_err(|e| cannot_write(&out.path, &e))?;
    }
    Ok(())
}
