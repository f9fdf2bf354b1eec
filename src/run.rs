//! `ziskjit run`: execute a guest (an ELF or a precompiled image) with the chosen
//! engine and report how it ended.

use crate::cli::{read_input, write_json, CliError, Engine, ErrorKind, RunArgs};
use crate::compile::{CodeOrigin, Guest};
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use ziskjit_runtime::jit::Jit;
use ziskjit_runtime::{Fault, FaultKind, Interpreter, Io};
use ziskjit_transpiler::lower::Variant;
use ziskjit_transpiler::Program;

pub fn run(args: &RunArgs) -> Result<u8, CliError> {
    let guest = Guest::open(&args.elf)?;
    let program = &guest.program;
    let input = read_input(&args.input)?;
    if let Some(path) = &args.dump_ir {
        let ir = ziskjit_transpiler::lower::dump_ir(program, Variant::Plain);
        std::fs::write(path, ir).map_err(|e| {
            CliError::new(ErrorKind::Usage, format!("cannot write the IR to `{}`: {e}", path.display()))
        })?;
    }
    let max_steps = args.max_steps.unwrap_or(u64::MAX);
    let stdout = std::io::stdout().lock();
    let mut public = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let started = Instant::now();
    let mut code = None;
    let invalid_elf = |e: &dyn std::fmt::Display| {
        CliError::new(ErrorKind::InvalidElf, format!("invalid ELF `{}`: {e}", args.elf.display()))
    };
    let outcome = {
        let mut io =
            Io { input: Box::new(&input[..]), public: Box::new(&mut public), debug: Box::new(std::io::stderr()) };
        match args.engine {
            Engine::Interp => {
                let _span = tracing::info_span!("interpret").entered();
                let mut machine = Interpreter::new(program).map_err(|e| invalid_elf(&e))?;
                machine.run(&mut io, max_steps)
            }
            Engine::Jit => {
                let (compiled, origin) = {
                    let _span = tracing::info_span!("compile").entered();
                    guest.compiled(Variant::Plain, args.no_cache)?
                };
                code = Some((compiled.compile_seconds, origin));
                let _span = tracing::info_span!("execute").entered();
                let mut machine = Jit::new(program, &compiled).map_err(|e| invalid_elf(&e))?;
                machine.run(&mut io, max_steps)
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    public
        .flush()
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write the public output to stdout: {e}")))?;
    let result = outcome.map_err(|fault| fault_error(program, &fault))?;
    if let Some(path) = &args.stats_json {
        write_run_stats(path, result.steps, seconds, result.exit_code, args.engine, code)?;
    }
    Ok(result.exit_code)
}

/// Writes the `--stats-json` object of `run` and `profile`: steps, seconds, MIPS, exit
/// code and engine, plus for compiled code its compile time and where it came from.
pub fn write_run_stats(
    path: &Path,
    steps: u64,
    seconds: f64,
    exit_code: u8,
    engine: Engine,
    code: Option<(f64, CodeOrigin)>,
) -> Result<(), CliError> {
    let mut stats = serde_json::json!({
        "steps": steps,
        "seconds": seconds,
        "mips": steps as f64 / seconds.max(1e-9) / 1e6,
        "exit_code": exit_code,
        "engine": format!("{engine:?}").to_lowercase(),
    });
    if let Some((compile_seconds, origin)) = code {
        stats["compile_seconds"] = compile_seconds.into();
        stats["code"] = origin.name().into();
    }
    write_json(path, &stats)
}

/// The CLI error for a guest fault, naming the function the pc is in when known.
pub fn fault_error(program: &Program, fault: &Fault) -> CliError {
    let kind = match fault.kind {
        FaultKind::StepLimit { .. } => ErrorKind::StepLimit,
        _ => ErrorKind::GuestFault,
    };
    let location = match program.symbol_at(fault.pc) {
        Some(sym) => format!(" (in `{:#}`+0x{:x})", rustc_demangle::demangle(&sym.name), fault.pc - sym.addr),
        None => String::new(),
    };
    let prefix = if kind == ErrorKind::GuestFault { "guest fault: " } else { "" };
    CliError::new(kind, format!("{prefix}{fault}{location}"))
}
