//! `ziskjit trace`: run with the minimal trace, replay every segment in parallel
//! while the guest runs, check that the segments join up, and optionally compare
//! every replayed step with the interpreter.

use crate::cli::{read_input, write_json, CliError, Engine, ErrorKind};
use crate::compile::Guest;
use crate::run::fault_error;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use ziskjit_runtime::jit::Jit;
use ziskjit_runtime::record::StepRecord;
use ziskjit_runtime::trace::{record_with_interpreter, DEFAULT_SEGMENT_STEPS};
use ziskjit_runtime::{Interpreter, Io};
use ziskjit_transpiler::lower::Variant;
use ziskjit_transpiler::Program;

#[derive(Args)]
pub struct TraceArgs {
    /// The guest ELF (riscv64, statically linked), or a precompiled image of it.
    pub elf: PathBuf,
    /// Private input file (`-` for stdin). Without it, stdin is read when it is not a terminal.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Engine that runs the guest and records the trace.
    #[arg(long, value_enum, default_value = "jit")]
    pub engine: Engine,
    /// Steps per segment: a power of two (default 2^18).
    #[arg(long, default_value_t = DEFAULT_SEGMENT_STEPS, value_parser = parse_segment_steps)]
    pub segment_steps: u64,
    /// Also run the interpreter and compare every replayed step with it.
    #[arg(long, conflicts_with = "no_replay")]
    pub verify: bool,
    /// Record only and drop the segments (measures trace generation alone).
    #[arg(long)]
    pub no_replay: bool,
    /// Stop with an error after this many instructions.
    #[arg(long)]
    pub max_steps: Option<u64>,
    /// Write statistics as one JSON object (steps, segments, trace_bytes, seconds,
    /// replay_seconds, mips, bytes_per_step).
    #[arg(long)]
    pub stats_json: Option<PathBuf>,
    /// Compile the ELF even if the image cache has its code, and do not store it there.
    #[arg(long)]
    pub no_cache: bool,
}

fn parse_segment_steps(text: &str) -> Result<u64, String> {
    crate::cli::parse_power_of_two(text, 1, u64::BITS - 1)
}

pub fn trace(args: &TraceArgs) -> Result<u8, CliError> {
    let guest = Guest::open(&args.elf)?;
    let program = &guest.program;
    let input = read_input(&args.input)?;
    let max_steps = args.max_steps.unwrap_or(u64::MAX);
    let compiled = match args.engine {
        Engine::Jit => {
            let _span = tracing::info_span!("compile").entered();
            Some(guest.compiled(Variant::Trace, args.no_cache)?.0)
        }
        Engine::Interp => None,
    };
    let mut public = Vec::new();
    let started = Instant::now();
    // Execution feeds a bounded channel; the replay drains it on the rayon pool, so
    // segments are replayed while the guest still runs and memory holds only the
    // segments in flight.
    let (sender, receiver) = std::sync::mpsc::sync_channel(2 * rayon::current_num_threads());
    let (recorded, replayed, execute_seconds) = std::thread::scope(|scope| {
        let replayer =
            (!args.no_replay).then(|| scope.spawn(|| ziskjit_trace::replay_stream(program, receiver.into_iter())));
        let recorded = {
            let _span = tracing::info_span!("execute_with_trace").entered();
            let mut io =
                Io { input: Box::new(&input[..]), public: Box::new(&mut public), debug: Box::new(std::io::stderr()) };
            // The receiver only goes away if the replay failed; its error is reported below.
            let on_segment = |segment| {
                if !args.no_replay {
                    let _ = sender.send(segment);
                }
            };
            match &compiled {
                Some(compiled) => Jit::new(program, compiled)
                    .map_err(|e| ziskjit_runtime::Fault {
                        pc: program.entry,
                        kind: ziskjit_runtime::FaultKind::HostIo { message: e.to_string() },
                    })
                    .and_then(|mut machine| machine.record(&mut io, args.segment_steps, max_steps, on_segment)),
                None => record_with_interpreter(program, &mut io, args.segment_steps, max_steps, on_segment),
            }
        };
        let execute_seconds = started.elapsed().as_secs_f64();
        drop(sender);
        (recorded, replayer.map(|r| r.join().expect("replay thread panicked")), execute_seconds)
    });
    let total_seconds = started.elapsed().as_secs_f64();
    std::io::stdout()
        .write_all(&public)
        .and_then(|()| std::io::stdout().flush())
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write the public output to stdout: {e}")))?;
    let summary = recorded.map_err(|fault| fault_error(program, &fault))?;
    let trace_error = |what: String| CliError::new(ErrorKind::TraceMismatch, what);
    let mut replay_busy_seconds = None;
    if let Some(replayed) = replayed {
        let run = replayed.map_err(|e| trace_error(format!("trace replay failed: {e}")))?;
        replay_busy_seconds = Some(run.busy_seconds);
        if run.public_output != public || run.exit_code != summary.exit_code || run.final_state != summary.final_state {
            return Err(trace_error(
                "the replayed run disagrees with the traced run (output, exit code or final state)".into(),
            ));
        }
        if args.verify {
            verify_against_interpreter(program, &input, args.segment_steps, &run.record_digests)?;
        }
    }
    eprintln!(
        "trace: {} steps in {} segments of {}; trace {} bytes ({:.2} bytes/step); execution {:.3} s, replay done {:.3} s after start{}",
        summary.steps,
        summary.segments,
        args.segment_steps,
        summary.trace_bytes,
        summary.trace_bytes as f64 / summary.steps as f64,
        execute_seconds,
        total_seconds,
        if args.verify { "; every step matches the interpreter" } else { "" },
    );
    if let Some(path) = &args.stats_json {
        write_json(
            path,
            &serde_json::json!({
                "steps": summary.steps,
                "segments": summary.segments,
                "segment_steps": args.segment_steps,
                "trace_bytes": summary.trace_bytes,
                "bytes_per_step": summary.trace_bytes as f64 / summary.steps as f64,
                "seconds": execute_seconds,
                "replay_seconds": total_seconds - execute_seconds,
                "total_seconds": total_seconds,
                "mips": summary.steps as f64 / execute_seconds.max(1e-9) / 1e6,
                "exit_code": summary.exit_code,
                "verified": args.verify,
                "replay_mips_per_core": replay_busy_seconds.map(|busy| summary.steps as f64 / busy.max(1e-9) / 1e6),
            }),
        )?;
    }
    Ok(summary.exit_code)
}

/// Runs the interpreter and compares its per-segment record digests with the replay's.
fn verify_against_interpreter(
    program: &Program,
    input: &[u8],
    segment_steps: u64,
    replayed: &[u64],
) -> Result<(), CliError> {
    let _span = tracing::info_span!("verify").entered();
    let mut digests = Vec::with_capacity(replayed.len());
    let mut current = 0u64;
    let observe = |record: &StepRecord| {
        current = record.digest(current);
        if (record.step + 1).is_multiple_of(segment_steps) {
            digests.push(std::mem::take(&mut current));
        }
    };
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut machine = Interpreter::new(program).map_err(|e| CliError::new(ErrorKind::InvalidElf, e.to_string()))?;
    let result = machine
        .run_observed(&mut Io::in_memory(input, &mut public, &mut debug), u64::MAX, Some(observe))
        .map_err(|fault| fault_error(program, &fault))?;
    if result.steps % segment_steps != 0 {
        digests.push(current);
    }
    match digests.iter().zip(replayed).position(|(a, b)| a != b) {
        None if digests.len() == replayed.len() => Ok(()),
        None => Err(CliError::new(
            ErrorKind::TraceMismatch,
            format!("the interpreter ran {} segments, the replay {}", digests.len(), replayed.len()),
        )),
        Some(k) => Err(CliError::new(
            ErrorKind::TraceMismatch,
            format!(
                "segment {k} (steps {}..{}) replays differently from the interpreter",
                k as u64 * segment_steps,
                (k as u64 + 1) * segment_steps
            ),
        )),
    }
}
