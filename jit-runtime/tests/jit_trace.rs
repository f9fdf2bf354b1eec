//! The compiled minimal-trace recorder (`Jit::record`, code lowered with
//! `Variant::Trace`) against the interpreter's reference recorder: on random programs
//! and the example guests, at segment lengths 2^6, 2^10 and 2^18, both must produce
//! exactly the same segments (snapshots, step counts, logs, checksums), the same
//! summary and the same public output, and fail the same way at a step limit.

use std::path::Path;
use ziskjit_runtime::jit::{Compiled, Jit};
use ziskjit_runtime::trace::{record_with_interpreter, SegmentTrace, TraceSummary};
use ziskjit_runtime::{Fault, Io};
use ziskjit_testgen::gen::{generate, GenConfig};
use ziskjit_testgen::{guests, toolchain};
use ziskjit_transpiler::lower::Variant;
use ziskjit_transpiler::{load_elf, Program};

const SEGMENT_SIZES: [u64; 3] = [1 << 6, 1 << 10, 1 << 18];

type Recorded = (Result<TraceSummary, Fault>, Vec<SegmentTrace>, Vec<u8>);

fn load(path: &Path) -> Program {
    load_elf(&std::fs::read(path).expect("read ELF")).expect("load ELF")
}

fn with_interpreter(program: &Program, input: &[u8], segment_steps: u64, max_steps: u64) -> Recorded {
    let (mut public, mut debug, mut segments) = (Vec::new(), Vec::new(), Vec::new());
    let mut io = Io::in_memory(input, &mut public, &mut debug);
    let summary = record_with_interpreter(program, &mut io, segment_steps, max_steps, |s| segments.push(s));
    drop(io);
    (summary, segments, public)
}

fn with_jit(program: &Program, compiled: &Compiled, input: &[u8], segment_steps: u64, max_steps: u64) -> Recorded {
    let (mut public, mut debug, mut segments) = (Vec::new(), Vec::new(), Vec::new());
    let mut io = Io::in_memory(input, &mut public, &mut debug);
    let mut machine = Jit::new(program, compiled).expect("memory");
    let summary = machine.record(&mut io, segment_steps, max_steps, |s| segments.push(s));
    drop(io);
    (summary, segments, public)
}

fn check(program: &Program, compiled: &Compiled, input: &[u8], segment_steps: u64, max_steps: u64, what: &str) {
    let (expected_summary, expected, expected_public) = with_interpreter(program, input, segment_steps, max_steps);
    let (summary, segments, public) = with_jit(program, compiled, input, segment_steps, max_steps);
    assert_eq!(summary, expected_summary, "{what}, S={segment_steps}: summary");
    assert_eq!(public, expected_public, "{what}, S={segment_steps}: public output");
    assert_eq!(segments.len(), expected.len(), "{what}, S={segment_steps}: segment count");
    for (got, want) in segments.iter().zip(&expected) {
        assert_eq!(got.start, want.start, "{what}, S={segment_steps}: snapshot of segment {}", want.index);
        assert_eq!(got.steps, want.steps, "{what}, S={segment_steps}: steps of segment {}", want.index);
        if let Some(i) = (0..want.log.len().max(got.log.len())).find(|&i| got.log.get(i) != want.log.get(i)) {
            panic!(
                "{what}, S={segment_steps}: segment {} log word {i}: jit {:x?} interpreter {:x?}",
                want.index,
                got.log.get(i),
                want.log.get(i)
            );
        }
        assert_eq!(got, want, "{what}, S={segment_steps}: segment {}", want.index);
    }
}

#[test]
fn random_programs_record_the_same_trace() {
    toolchain::require_tools();
    let dir = tempfile::tempdir().unwrap();
    let count: u64 = std::env::var("ZISKJIT_JIT_TRACE_PROGRAMS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    for (name, config, _) in GenConfig::presets() {
        for seed in 0..count {
            let generated = generate(seed, &config);
            let elf = generated.assemble(dir.path(), &format!("{name}_{seed}"));
            let program = load(&elf);
            let compiled = Compiled::new(&program, Variant::Trace).expect("compile");
            let what = format!("{name} seed {seed}");
            for s in SEGMENT_SIZES {
                check(&program, &compiled, &generated.input, s, u64::MAX, &what);
            }
            // Step limits inside blocks and at segment boundaries.
            for limit in [1, 63, 64, 65, 100, 1000] {
                check(&program, &compiled, &generated.input, 64, limit, &format!("{what}, limit {limit}"));
            }
        }
    }
}

#[test]
fn examples_record_the_same_trace() {
    let input = guests::pseudo_random_bytes(11, 2000);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fibonacci", guests::fibonacci_input(5000)),
        ("sha256", input.clone()),
        ("keccak", input),
        ("sort", guests::sort_input(&(0..2000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect::<Vec<_>>())),
        ("json", guests::json_document(5, 300).into_bytes()),
    ];
    for (name, input) in cases {
        let program = load(&guests::example_elf(name));
        let compiled = Compiled::new(&program, Variant::Trace).expect("compile");
        for s in SEGMENT_SIZES {
            check(&program, &compiled, &input, s, u64::MAX, name);
        }
    }
}
