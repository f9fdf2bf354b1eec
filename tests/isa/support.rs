//! Process helpers shared by `tests/isa.rs` and `tests/bad_input.rs` (included into
//! each with `#[path]`): running the `ziskjit` CLI and `qemu-riscv64` with a time
//! limit.
//!
//! `testgen::toolchain::run_command` waits without a limit; these tests must turn a
//! hang (an interpreter stuck in a loop, a CLI waiting on a pipe) into a failure that
//! names the command, so the child is polled and killed at the deadline.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ziskjit_testgen::toolchain::{Outcome, QEMU};

/// How long any single run may take before the test fails as a hang. The ISA programs
/// run a few thousand instructions; 20 s leaves room for a loaded, shared machine.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(20);

/// The `ziskjit` binary built for these integration tests.
pub const ZISKJIT: &str = env!("CARGO_BIN_EXE_ziskjit");

/// Runs `program args…` with `input` on stdin, killing it and panicking (with the
/// command line) if it has not exited within [`RUN_TIMEOUT`].
pub fn run_limited(program: impl AsRef<OsStr>, args: &[&OsStr], input: &[u8]) -> Outcome {
    let program = program.as_ref();
    let command_line = format!("{program:?} {args:?}");
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {command_line}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Feed stdin and drain the output pipes from threads so that neither a guest that
    // writes before it reads nor one that writes a lot can block the child.
    let feeder = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr is piped")));
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("wait for {command_line}: {e}")) {
            break status;
        }
        if Instant::now() >= deadline {
            // Kill only the child this function started, then fail the test.
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command_line} did not finish within {RUN_TIMEOUT:?} (killed)");
        }
        thread::sleep(Duration::from_millis(5));
    };
    feeder.join().expect("stdin feeder thread");
    Outcome {
        stdout: stdout.join().expect("stdout reader thread"),
        stderr: stderr.join().expect("stderr reader thread"),
        // A signal death has no code; -1 never equals an expected exit code.
        exit_code: status.code().unwrap_or(-1),
    }
}

/// `ziskjit run <elf> --engine interp <extra…>` with `input` on stdin.
pub fn ziskjit_run(elf: &Path, extra: &[&str], input: &[u8]) -> Outcome {
    let mut args: Vec<&OsStr> = vec![OsStr::new("run"), elf.as_os_str(), OsStr::new("--engine"), OsStr::new("interp")];
    args.extend(extra.iter().map(OsStr::new));
    run_limited(ZISKJIT, &args, input)
}

/// `qemu-riscv64 <elf>` with `input` on stdin, under the same time limit.
pub fn qemu_run(elf: &Path, input: &[u8]) -> Outcome {
    run_limited(QEMU, &[elf.as_os_str()], input)
}
