//! `ziskjit profile` end to end: the guest's output and exit code pass through, the
//! folded stacks sum to the steps the run reports (which equal `ziskjit run`'s), the
//! SVG is written, and the report names the hot function.

use std::ffi::OsStr;
use ziskjit_testgen::guests;
use ziskjit_testgen::toolchain::{run_command, Outcome};

fn ziskjit(args: &[&OsStr], input: &[u8]) -> Outcome {
    run_command(env!("CARGO_BIN_EXE_ziskjit"), args, input)
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn profile_of_sha256_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let elf = guests::example_elf("sha256");
    let input = guests::pseudo_random_bytes(5, 3000);
    let run_stats = dir.path().join("run.json");
    let run = ziskjit(&["run".as_ref(), elf.as_os_str(), "--stats-json".as_ref(), run_stats.as_os_str()], &input);
    let (folded, svg, stats) = (dir.path().join("f.txt"), dir.path().join("f.svg"), dir.path().join("p.json"));
    let out = ziskjit(
        &[
            "profile".as_ref(),
            elf.as_os_str(),
            "--top".as_ref(),
            "3".as_ref(),
            "--folded".as_ref(),
            folded.as_os_str(),
            "--svg".as_ref(),
            svg.as_os_str(),
            "--stats-json".as_ref(),
            stats.as_os_str(),
        ],
        &input,
    );
    let report = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.exit_code, 0, "{report}");
    assert_eq!(out.stdout, run.stdout, "profile changed the public output");
    let steps = json(&stats)["steps"].as_u64().unwrap();
    assert_eq!(steps, json(&run_stats)["steps"].as_u64().unwrap(), "profile and run count different steps");
    let folded_total: u64 = std::fs::read_to_string(&folded)
        .unwrap()
        .lines()
        .map(|line| line.rsplit_once(' ').expect("`frames count`").1.parse::<u64>().expect("count"))
        .sum();
    assert_eq!(folded_total, steps, "folded stacks must sum to the total steps");
    assert!(report.contains("sha2::sha256::compress256"), "{report}");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"), "not an SVG document");
    assert!(svg.contains("compress256"));
}

#[test]
fn profile_passes_faults_and_exit_codes_through() {
    let out = ziskjit(&["profile".as_ref(), guests::example_elf("panicking").as_os_str()], b"abc");
    assert_eq!(out.exit_code, 101);
    let fib = guests::example_elf("fibonacci");
    let out = ziskjit(
        &["profile".as_ref(), fib.as_os_str(), "--max-steps".as_ref(), "500".as_ref()],
        &guests::fibonacci_input(1_000_000),
    );
    assert_eq!(out.exit_code, 104);
    assert!(String::from_utf8_lossy(&out.stderr).contains("step limit"));
}

/// The default engine (the compiled profile variant) and the interpreter give the same
/// report, folded stacks and statistics' step counts, on guests of different shapes.
#[test]
fn jit_and_interpreter_profiles_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("sha256", guests::pseudo_random_bytes(9, 4000)),
        ("json", guests::json_document(4, 3000).into_bytes()),
        ("sort", guests::sort_input(&(0..3000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect::<Vec<_>>())),
        ("panicking", b"abc".to_vec()),
    ];
    for (name, input) in cases {
        let elf = guests::example_elf(name);
        let mut outputs = Vec::new();
        for engine in ["jit", "interp"] {
            let folded = dir.path().join(format!("{name}-{engine}.folded"));
            let stats = dir.path().join(format!("{name}-{engine}.json"));
            let out = ziskjit(
                &[
                    "profile".as_ref(),
                    elf.as_os_str(),
                    "--engine".as_ref(),
                    engine.as_ref(),
                    // Compared byte for byte with the interpreter's stderr: no cache warnings.
                    "--no-cache".as_ref(),
                    "--folded".as_ref(),
                    folded.as_os_str(),
                    "--stats-json".as_ref(),
                    stats.as_os_str(),
                ],
                &input,
            );
            let steps = (out.exit_code == 0).then(|| json(&stats)["steps"].as_u64().unwrap());
            outputs.push((out.exit_code, out.stdout, out.stderr, std::fs::read_to_string(&folded).unwrap(), steps));
        }
        let (jit, interp) = (&outputs[0], &outputs[1]);
        assert!(!jit.3.is_empty(), "{name}: no folded stacks");
        assert_eq!(jit, interp, "{name}: the engines' profiles differ");
    }
}
