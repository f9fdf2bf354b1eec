//! `ziskjit trace` end to end: the minimal-trace run must give the same public output
//! and exit code as `ziskjit run --engine interp`, its replay must match the
//! interpreter step for step (`--verify`), and its statistics must add up.

use std::ffi::OsStr;
use ziskjit_testgen::guests;
use ziskjit_testgen::toolchain::{run_command, Outcome};

fn ziskjit(args: &[&OsStr], input: &[u8]) -> Outcome {
    run_command(env!("CARGO_BIN_EXE_ziskjit"), args, input)
}

#[test]
fn trace_matches_run_and_verifies_at_several_segment_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let elf = guests::example_elf("sha256");
    let input = guests::pseudo_random_bytes(3, 5000);
    let reference = ziskjit(&["run".as_ref(), elf.as_os_str(), "--engine".as_ref(), "interp".as_ref()], &input);
    assert_eq!(reference.exit_code, 0, "{}", String::from_utf8_lossy(&reference.stderr));
    for segment_steps in ["64", "1024", "262144"] {
        let stats = dir.path().join(format!("stats-{segment_steps}.json"));
        let out = ziskjit(
            &[
                "trace".as_ref(),
                elf.as_os_str(),
                "--segment-steps".as_ref(),
                segment_steps.as_ref(),
                "--verify".as_ref(),
                "--stats-json".as_ref(),
                stats.as_os_str(),
            ],
            &input,
        );
        assert_eq!(out.exit_code, 0, "S={segment_steps}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, reference.stdout, "S={segment_steps}: public output differs from `run`");
        assert!(String::from_utf8_lossy(&out.stderr).contains("every step matches the interpreter"));
        let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
        let steps = stats["steps"].as_u64().unwrap();
        let s: u64 = segment_steps.parse().unwrap();
        assert_eq!(stats["segments"].as_u64().unwrap(), steps.div_ceil(s));
        assert!(stats["trace_bytes"].as_u64().unwrap() >= 35 * 8 * steps.div_ceil(s));
        for field in ["seconds", "replay_seconds", "mips", "bytes_per_step"] {
            assert!(stats[field].as_f64().is_some(), "stats lack `{field}`: {stats}");
        }
    }
}

#[test]
fn trace_passes_guest_exit_codes_and_faults_through() {
    let elf = guests::example_elf("panicking");
    let out = ziskjit(&["trace".as_ref(), elf.as_os_str(), "--segment-steps".as_ref(), "64".as_ref()], b"xyz");
    assert_eq!(out.exit_code, 101, "{}", String::from_utf8_lossy(&out.stderr));
    let fib = guests::example_elf("fibonacci");
    let out = ziskjit(
        &["trace".as_ref(), fib.as_os_str(), "--max-steps".as_ref(), "1000".as_ref()],
        &guests::fibonacci_input(1_000_000),
    );
    assert_eq!(out.exit_code, 104, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("step limit"));
}

#[test]
fn trace_rejects_a_segment_length_that_is_not_a_power_of_two() {
    let elf = guests::example_elf("fibonacci");
    let out = ziskjit(&["trace".as_ref(), elf.as_os_str(), "--segment-steps".as_ref(), "1000".as_ref()], &[]);
    assert_eq!(out.exit_code, 100);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a power of two"));
}
