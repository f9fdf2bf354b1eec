//! Differential test of the reference interpreter against `qemu-riscv64` on random
//! RV64IMAC programs from `ziskjit_testgen::gen`.
//!
//! Each program is assembled with binutils, run under QEMU and under
//! `ziskjit run --engine interp` with the same stdin, and the two must agree on every
//! byte written to fd 1 (the program's own writes, then its final registers and data
//! buffer) and on the exit code. QEMU's run is also checked against what the generator
//! announced (output length, exit code), so a generator bug is reported as such and not
//! blamed on the interpreter.
//!
//! Environment:
//! * `ZISKJIT_DIFF_PROGRAMS=N`: how many programs in total (default 3000), shared
//!   between the generator's presets by their weights;
//! * `ZISKJIT_DIFF_SEED=S`: first seed (default 0), to sweep other programs;
//! * `ZISKJIT_DIFF_ONLY=preset:seed`: run just that one program (to reproduce a failure).
//!
//! A failing program's `.S`, `.elf` and `input.bin` stay in a kept temporary directory
//! whose path the failure message gives.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use ziskjit_testgen::gen::{generate, ExitCode, GenConfig};
use ziskjit_testgen::toolchain::{require_tools, run_command, run_qemu, Outcome};

const DEFAULT_PROGRAMS: usize = 3000;
/// Far above what any generated program runs (loops are short and never nest), so a
/// runaway interpreter shows up as an error instead of a hung test.
const MAX_STEPS: &str = "10000000";
/// Stop collecting after this many failures: one or two are enough to debug.
const MAX_REPORTED: usize = 5;

struct Job {
    preset: &'static str,
    config: GenConfig,
    seed: u64,
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a non-negative integer")),
        Err(_) => default,
    }
}

/// The programs to run: one chosen by `ZISKJIT_DIFF_ONLY`, or the sweep.
fn jobs() -> Vec<Job> {
    let presets = GenConfig::presets();
    if let Ok(only) = std::env::var("ZISKJIT_DIFF_ONLY") {
        let (name, seed) =
            only.split_once(':').unwrap_or_else(|| panic!("ZISKJIT_DIFF_ONLY={only:?}: expected preset:seed"));
        let seed = seed.parse().unwrap_or_else(|_| panic!("ZISKJIT_DIFF_ONLY={only:?}: `{seed}` is not a seed"));
        let (preset, config, _) = presets.into_iter().find(|(p, _, _)| *p == name).unwrap_or_else(|| {
            let names: Vec<_> = GenConfig::presets().iter().map(|p| p.0).collect();
            panic!("ZISKJIT_DIFF_ONLY={only:?}: no preset `{name}` (presets: {})", names.join(", "))
        });
        return vec![Job { preset, config, seed }];
    }
    let total = env_number("ZISKJIT_DIFF_PROGRAMS", DEFAULT_PROGRAMS as u64);
    let first_seed = env_number("ZISKJIT_DIFF_SEED", 0);
    let weights: u64 = presets.iter().map(|p| u64::from(p.2)).sum();
    let mut jobs = Vec::new();
    for (preset, config, weight) in presets {
        let count = (total * u64::from(weight)).div_ceil(weights);
        jobs.extend((0..count).map(|i| Job { preset, config: config.clone(), seed: first_seed + i }));
    }
    jobs
}

/// Runs one program under both; `Err` carries the failure report.
fn check(job: &Job, ziskjit: &Path) -> Result<(), String> {
    let program = generate(job.seed, &job.config);
    // Kept from the start (and removed on success), so that even an assembler panic
    // leaves the source behind.
    let dir: PathBuf = tempfile::Builder::new()
        .prefix(&format!("ziskjit_qemu_diff_{}_{}_", job.preset, job.seed))
        .tempdir()
        .expect("create a temporary directory")
        .keep();
    let elf = program.assemble(&dir, "prog");
    std::fs::write(dir.join("input.bin"), &program.input).expect("write input.bin");
    let qemu = run_qemu(&elf, &program.input);
    let ours = run_command(
        ziskjit,
        &[
            "run".as_ref(),
            elf.as_os_str(),
            "--engine".as_ref(),
            "interp".as_ref(),
            "--max-steps".as_ref(),
            MAX_STEPS.as_ref(),
        ],
        &program.input,
    );
    let header = |what: &str| {
        format!(
            "{what}: preset `{}` seed {} (rerun: ZISKJIT_DIFF_ONLY={}:{})\n  files: {}\n  run: {} run {} --engine interp < {}",
            job.preset,
            job.seed,
            job.preset,
            job.seed,
            dir.display(),
            ziskjit.display(),
            elf.display(),
            dir.join("input.bin").display(),
        )
    };
    if let Some(problem) = qemu_disagrees_with_generator(&qemu, &program) {
        return Err(format!("{}\n  {problem}\n  qemu stderr: {}", header("generator bug"), stderr_tail(&qemu.stderr)));
    }
    let mismatch = program.layout.describe_mismatch("qemu", &qemu.stdout, "ziskjit", &ours.stdout);
    if mismatch.is_none() && qemu.exit_code == ours.exit_code {
        std::fs::remove_dir_all(&dir).expect("remove the temporary directory");
        return Ok(());
    }
    let mut report = header("ziskjit differs from qemu");
    if qemu.exit_code != ours.exit_code {
        report += &format!("\n  exit code: qemu {} ziskjit {}", qemu.exit_code, ours.exit_code);
    }
    if let Some(m) = mismatch {
        report += &format!("\n  {}", m.replace('\n', "\n  "));
    }
    report += &format!("\n  ziskjit stderr: {}", stderr_tail(&ours.stderr));
    Err(report)
}

/// What is wrong with QEMU's run of `program`, given what the generator announced.
fn qemu_disagrees_with_generator(qemu: &Outcome, program: &ziskjit_testgen::gen::GeneratedProgram) -> Option<String> {
    if qemu.stdout.len() != program.layout.total_len() {
        return Some(format!(
            "qemu wrote {} bytes, the generator announced {}",
            qemu.stdout.len(),
            program.layout.total_len()
        ));
    }
    let expected = match program.exit {
        ExitCode::Fixed(code) => code,
        ExitCode::LowByteOfA0 => program.layout.register(&qemu.stdout, 10).expect("a0 is dumped") as u8,
    };
    (qemu.exit_code != i32::from(expected)).then(|| format!("qemu exit code {}, expected {expected}", qemu.exit_code))
}

/// The end of a stderr stream, escaped: it holds the guest's fd-2 bytes (random
/// binary) and then, if the run failed, the one-line error, which is what matters.
fn stderr_tail(bytes: &[u8]) -> String {
    const KEEP: usize = 400;
    let tail = &bytes[bytes.len().saturating_sub(KEEP)..];
    if tail.is_empty() {
        "<empty>".to_string()
    } else {
        format!("{}{}", if bytes.len() > KEEP { "..." } else { "" }, tail.escape_ascii())
    }
}

#[test]
fn random_programs_match_qemu() {
    require_tools();
    let ziskjit = PathBuf::from(env!("CARGO_BIN_EXE_ziskjit"));
    let jobs = jobs();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs.len() || failures.lock().expect("failure list").len() >= MAX_REPORTED {
                    break;
                }
                if let Err(report) = check(&jobs[i], &ziskjit) {
                    failures.lock().expect("failure list").push(report);
                }
            });
        }
    });
    let failures = failures.into_inner().expect("failure list");
    let ran = next.load(Ordering::Relaxed).min(jobs.len());
    eprintln!("qemu_diff: {ran} programs on {threads} threads in {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {ran} programs failed (stopped after {MAX_REPORTED}):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
