//! `ziskjit prove` / `ziskjit verify` end to end: every example (with a small input)
//! proves, and its proof verifies and reproduces exactly the public output and exit code
//! of `ziskjit run` (itself checked against qemu and host references in
//! `tests/examples.rs`); bad proofs, other ELFs and wrong claims are refused with exit
//! code 107 and a message naming the problem.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use ziskjit_testgen::guests::{example_elf, fibonacci_input, json_document, pseudo_random_bytes, sort_input};
use ziskjit_testgen::toolchain::{require_tools, run_command, Outcome};

const ZISKJIT: &str = env!("CARGO_BIN_EXE_ziskjit");

fn ziskjit(args: &[&OsStr]) -> Outcome {
    run_command(ZISKJIT, args, &[])
}

/// A proof of `elf` on `input` in `dir`, with the run it claims.
struct Proved {
    run: Outcome,
    proof: PathBuf,
}

fn prove(dir: &Path, elf: &Path, input: &[u8], segment_steps: u64, hash: &str) -> Proved {
    let input_file = dir.join("input.bin");
    std::fs::write(&input_file, input).unwrap();
    let run = ziskjit(&["run".as_ref(), elf.as_os_str(), "--input".as_ref(), input_file.as_os_str()]);
    let proof = dir.join("proof.bin");
    let steps = segment_steps.to_string();
    let proved = ziskjit(&[
        "prove".as_ref(),
        elf.as_os_str(),
        "--input".as_ref(),
        input_file.as_os_str(),
        "-o".as_ref(),
        proof.as_os_str(),
        "--segment-steps".as_ref(),
        steps.as_ref(),
        "--hash".as_ref(),
        hash.as_ref(),
    ]);
    let stderr = String::from_utf8_lossy(&proved.stderr);
    assert_eq!(proved.exit_code, 0, "prove failed: {stderr}");
    assert!(stderr.contains("steps in"), "no summary: {stderr}");
    assert!(proved.stdout.is_empty(), "prove writes the proof to the file only");
    Proved { run, proof }
}

fn verify(proof: &Path, elf: &Path, extra: &[&OsStr]) -> Outcome {
    let mut args: Vec<&OsStr> = vec!["verify".as_ref(), proof.as_os_str(), "--elf".as_ref(), elf.as_os_str()];
    args.extend_from_slice(extra);
    ziskjit(&args)
}

/// Proves `example` on `input` (with Poseidon2) and checks the proof reproduces the run.
fn check_example(example: &str, input: &[u8], segment_steps: u64) {
    check_example_with(example, input, segment_steps, "poseidon2");
}

/// Proves `example` on `input` with `--hash hash` and checks the proof reproduces the run.
fn check_example_with(example: &str, input: &[u8], segment_steps: u64, hash: &str) {
    require_tools();
    let elf = example_elf(example);
    let dir = tempfile::tempdir().unwrap();
    let proved = prove(dir.path(), &elf, input, segment_steps, hash);
    let code = proved.run.exit_code.to_string();
    let verified = verify(&proved.proof, &elf, &["--expect-exit-code".as_ref(), code.as_ref()]);
    assert_eq!(verified.exit_code, 0, "verify: {}", String::from_utf8_lossy(&verified.stderr));
    assert_eq!(verified.stdout, proved.run.stdout, "the proven public output is the run's");
}

#[test]
fn fibonacci_proves_over_several_segments() {
    check_example("fibonacci", &fibonacci_input(20), 1 << 8);
}

#[test]
fn sha256_proves() {
    check_example("sha256", &pseudo_random_bytes(1, 100), 1 << 14);
}

#[test]
fn sha256_proves_with_blake3() {
    check_example_with("sha256", &pseudo_random_bytes(1, 100), 1 << 14, "blake3");
}

#[test]
fn keccak_proves() {
    check_example("keccak", &pseudo_random_bytes(2, 100), 1 << 14);
}

#[test]
fn sort_proves() {
    check_example("sort", &sort_input(&[5, 3, u64::MAX, 0, 17, 3]), 1 << 14);
}

#[test]
fn json_proves() {
    check_example("json", json_document(3, 64).as_bytes(), 1 << 14);
}

#[test]
fn panicking_guest_proves_its_exit_code() {
    check_example("panicking", b"", 1 << 14);
}

#[test]
fn bad_proofs_and_wrong_claims_are_refused() {
    require_tools();
    let elf = example_elf("fibonacci");
    let dir = tempfile::tempdir().unwrap();
    let proved = prove(dir.path(), &elf, &fibonacci_input(5), 1 << 10, "poseidon2");
    let bytes = std::fs::read(&proved.proof).unwrap();
    let refused = |outcome: &Outcome, needle: &str| {
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        assert_eq!(outcome.exit_code, 107, "{stderr}");
        assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(outcome.stdout.is_empty(), "nothing is printed as proven");
    };
    let tampered = dir.path().join("tampered.bin");
    for (what, content, needle) in [
        ("truncated", bytes[..bytes.len() / 2].to_vec(), ""),
        ("empty", Vec::new(), "not a ziskjit proof"),
        (
            "flipped byte",
            {
                let mut b = bytes.clone();
                let i = b.len() * 3 / 4;
                b[i] ^= 0x10;
                b
            },
            "",
        ),
        (
            "changed output",
            {
                // The first public output byte (after magic, version, hash, exit code, length).
                let mut b = bytes.clone();
                b[22] ^= 1;
                b
            },
            "not valid",
        ),
        (
            "unknown hash",
            {
                let mut b = bytes.clone();
                b[12] = 9;
                b
            },
            "unknown hash id 9",
        ),
        (
            "the other hash",
            {
                // A Poseidon2 proof relabelled as Blake3: the segment proofs say otherwise.
                let mut b = bytes.clone();
                b[12] = ziskjit_prover::HashKind::Blake3KoalaBear as u8;
                b
            },
            "verifier is configured for Blake3",
        ),
        (
            "a Goldilocks hash id",
            {
                // Proofs over Goldilocks (ids 1, 2) are no RISC-V proofs any more.
                let mut b = bytes.clone();
                b[12] = ziskjit_prover::HashKind::Blake3 as u8;
                b
            },
            "unknown hash id 2",
        ),
    ] {
        std::fs::write(&tampered, &content).unwrap();
        let outcome = verify(&tampered, &elf, &[]);
        assert_eq!(outcome.exit_code, 107, "{what}: {}", String::from_utf8_lossy(&outcome.stderr));
        refused(&outcome, needle);
    }
    // Another ELF.
    refused(&verify(&proved.proof, &example_elf("sort"), &[]), "not valid");
    // A claim that differs from what the caller expects names the difference.
    let expected = dir.path().join("expected.bin");
    let mut other = proved.run.stdout.clone();
    other[2] ^= 0xff;
    std::fs::write(&expected, &other).unwrap();
    refused(&verify(&proved.proof, &elf, &["--expect-output".as_ref(), expected.as_os_str()]), "at byte 2");
    refused(&verify(&proved.proof, &elf, &["--expect-exit-code".as_ref(), "3".as_ref()]), "claims exit code 0");
}

#[test]
fn prove_rejects_bad_arguments_and_faulting_guests() {
    require_tools();
    let elf = example_elf("fibonacci");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.bin");
    let bad = ziskjit(&[
        "prove".as_ref(),
        elf.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--segment-steps".as_ref(),
        "1000".as_ref(),
    ]);
    assert_eq!(bad.exit_code, 100, "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("power of two"));
    let bad_hash = ziskjit(&[
        "prove".as_ref(),
        elf.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--hash".as_ref(),
        "sha3".as_ref(),
    ]);
    assert_eq!(bad_hash.exit_code, 100, "{}", String::from_utf8_lossy(&bad_hash.stderr));
    assert!(String::from_utf8_lossy(&bad_hash.stderr).contains("possible values: poseidon2, blake3"));
    // Too little input: the guest panics (exit 101) — a run that exits is proved; a
    // guest fault (here: the step limit) is an error with its own code.
    let limited = ziskjit(&[
        "prove".as_ref(),
        elf.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--max-steps".as_ref(),
        "10".as_ref(),
    ]);
    assert_eq!(limited.exit_code, 104, "{}", String::from_utf8_lossy(&limited.stderr));
}
