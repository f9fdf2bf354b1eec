//! `ziskjit`: the command-line front end. It parses arguments, calls the library
//! crates, and prints; every decision about ELFs, execution or proofs lives in those
//! crates.
//!
//! Exit codes: a finished guest's own exit code (0–255); otherwise ≥ 100 with a
//! one-line `error: …` on stderr (see [`cli::ErrorKind`]).

mod cli;
mod compile;
mod profile;
mod prove;
mod run;
mod trace;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { cli::ErrorKind::Usage.exit_code() } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    cli::init_tracing(args.trace_spans);
    let result = match args.command {
        cli::Command::Run(run_args) => run::run(&run_args),
        cli::Command::Trace(trace_args) => trace::trace(&trace_args),
        cli::Command::Profile(profile_args) => profile::profile(&profile_args),
        cli::Command::Compile(compile_args) => compile::compile(&compile_args),
        cli::Command::Prove(prove_args) => prove::prove(&prove_args),
        cli::Command::Verify(verify_args) => prove::verify(&verify_args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {}", err.message);
            ExitCode::from(err.kind.exit_code())
        }
    }
}
