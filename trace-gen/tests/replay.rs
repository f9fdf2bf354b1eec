//! Replay ≡ interpreter: for random programs and the example guests, at several
//! segment lengths, replaying the minimal trace segment by segment must reproduce
//! the interpreter's step records exactly, join up at every boundary (inside blocks,
//! at syscalls, at the final exit), and rebuild the public output. A corrupted or
//! truncated trace must be rejected.

use std::path::Path;
use ziskjit_runtime::record::StepRecord;
use ziskjit_runtime::trace::{record_with_interpreter, SegmentTrace, TraceSummary};
use ziskjit_runtime::{Interpreter, Io};
use ziskjit_testgen::gen::{generate, GenConfig};
use ziskjit_testgen::{guests, toolchain};
use ziskjit_trace::{replay_segment, replay_segments, replay_stream, ReplayError};
use ziskjit_transpiler::{load_elf, Program};

const SEGMENT_SIZES: [u64; 3] = [1 << 6, 1 << 10, 1 << 18];

fn load(path: &Path) -> Program {
    load_elf(&std::fs::read(path).expect("read ELF")).expect("load ELF")
}

/// The interpreter's run: every step record, the exit code and the public output.
fn reference(program: &Program, input: &[u8]) -> (Vec<StepRecord>, u8, Vec<u8>) {
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut records = Vec::new();
    let mut machine = Interpreter::new(program).expect("memory");
    let result = machine
        .run_observed(
            &mut Io::in_memory(input, &mut public, &mut debug),
            u64::MAX,
            Some(|r: &StepRecord| records.push(*r)),
        )
        .expect("reference run");
    (records, result.exit_code, public)
}

fn record(program: &Program, input: &[u8], segment_steps: u64) -> (Vec<SegmentTrace>, TraceSummary, Vec<u8>) {
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut segments = Vec::new();
    let summary = record_with_interpreter(
        program,
        &mut Io::in_memory(input, &mut public, &mut debug),
        segment_steps,
        u64::MAX,
        |s| segments.push(s),
    )
    .expect("traced run");
    (segments, summary, public)
}

/// Replays every segment on its own and concatenates the records.
fn replayed_records(program: &Program, segments: &[SegmentTrace]) -> Vec<StepRecord> {
    let mut records = Vec::new();
    for segment in segments {
        replay_segment(program, segment, |r| records.push(*r)).expect("replay");
    }
    records
}

/// Checks one program at one segment length against its reference run, step for step.
fn check_against(
    program: &Program,
    input: &[u8],
    (expected, exit_code, public): &(Vec<StepRecord>, u8, Vec<u8>),
    segment_steps: u64,
    what: &str,
) {
    let (expected, exit_code, public) = (expected, *exit_code, public);
    let (segments, summary, traced_public) = record(program, input, segment_steps);
    assert_eq!(&traced_public, public, "{what}: tracing changed the public output");
    assert_eq!(summary.steps, expected.len() as u64, "{what}: step count");
    assert_eq!(summary.segments, expected.len().div_ceil(segment_steps as usize) as u64, "{what}: segment count");
    let replayed = replayed_records(program, &segments);
    if let Some(i) = (0..expected.len()).find(|&i| replayed.get(i) != Some(&expected[i])) {
        panic!(
            "{what}, S={segment_steps}: step {i} differs\n interpreter: {:?}\n replay:      {:?}",
            expected[i],
            replayed.get(i)
        );
    }
    assert_eq!(replayed.len(), expected.len(), "{what}: replay has extra steps");
    let mut run = replay_segments(program, &segments).expect("parallel replay");
    let mut streamed = replay_stream(program, segments.into_iter()).expect("streaming replay");
    assert!(run.busy_seconds > 0.0 && streamed.busy_seconds > 0.0, "{what}: replay time not measured");
    (run.busy_seconds, streamed.busy_seconds) = (0.0, 0.0);
    assert_eq!(streamed, run, "{what}: streaming and batch replay disagree");
    assert_eq!(run.exit_code, exit_code, "{what}: exit code");
    assert_eq!(&run.public_output, public, "{what}: replayed public output");
    assert_eq!(run.final_state, summary.final_state, "{what}: final state");
    let digests: Vec<u64> =
        expected.chunks(segment_steps as usize).map(|chunk| chunk.iter().fold(0, |d, r| r.digest(d))).collect();
    assert_eq!(run.record_digests, digests, "{what}: per-segment record digests");
}

#[test]
fn random_programs_replay_exactly() {
    toolchain::require_tools();
    let dir = tempfile::tempdir().unwrap();
    let count: u64 = std::env::var("ZISKJIT_REPLAY_PROGRAMS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let mut multi_segment = 0;
    for (name, config, _) in GenConfig::presets() {
        for seed in 0..count {
            let generated = generate(seed, &config);
            let elf =
                toolchain::assemble_with(dir.path(), &format!("{name}_{seed}"), &generated.source, generated.march);
            let program = load(&elf);
            let expected = reference(&program, &generated.input);
            for s in SEGMENT_SIZES {
                check_against(&program, &generated.input, &expected, s, &format!("{name} seed {seed}"));
            }
            multi_segment += usize::from(expected.0.len() > 1 << 6);
        }
    }
    assert!(multi_segment > 0, "no random program spanned several 64-step segments");
}

#[test]
fn examples_replay_exactly() {
    let sha_input = guests::pseudo_random_bytes(7, 300);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fibonacci", guests::fibonacci_input(200)),
        ("sha256", sha_input.clone()),
        ("keccak", sha_input),
        ("sort", guests::sort_input(&(0..300u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect::<Vec<_>>())),
    ];
    for (name, input) in cases {
        let program = load(&guests::example_elf(name));
        let expected = reference(&program, &input);
        for s in SEGMENT_SIZES {
            check_against(&program, &input, &expected, s, name);
        }
    }
}

/// The remaining examples: JSON parsing, a full (failing) ECDSA verification of
/// 1.7 M steps, and a guest that panics (exit 101 is still a normal exit).
#[test]
fn other_examples_replay_exactly() {
    // The generator point as public key and r = s = 1: on the curve, so the guest runs
    // the whole verification, which then fails.
    let mut generator = [0u8; 33];
    generator[0] = 2;
    let x = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    for (i, byte) in generator[1..].iter_mut().enumerate() {
        *byte = u8::from_str_radix(&x[2 * i..2 * i + 2], 16).unwrap();
    }
    let mut signature = [0u8; 64];
    (signature[31], signature[63]) = (1, 1);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("json", guests::json_document(3, 400).into_bytes()),
        ("ecdsa", guests::ecdsa_input(&generator, &signature, b"message")),
        ("panicking", b"abc".to_vec()),
    ];
    for (name, input) in cases {
        let program = load(&guests::example_elf(name));
        let expected = reference(&program, &input);
        assert!(expected.0.len() > 1000, "{name}: the run is too short to be a meaningful test");
        for s in SEGMENT_SIZES {
            check_against(&program, &input, &expected, s, name);
        }
    }
}

/// A small program with several segments, for the corruption tests.
fn sample() -> (Program, Vec<SegmentTrace>) {
    let program = load(&guests::example_elf("sha256"));
    let (segments, _, _) = record(&program, b"abc", 1 << 10);
    assert!(segments.len() >= 3, "sample needs several segments");
    (program, segments)
}

#[test]
fn corrupted_log_is_rejected_by_checksum() {
    let (program, mut segments) = sample();
    let middle = segments.len() / 2;
    let word = segments[middle].log.len() / 2;
    segments[middle].log[word] ^= 1 << 17;
    assert_eq!(replay_segments(&program, &segments), Err(ReplayError::Checksum { segment: middle as u64 }));
}

#[test]
fn corrupted_snapshot_is_rejected_by_checksum() {
    let (program, mut segments) = sample();
    segments[1].start.cpu.regs[10] ^= 1;
    assert_eq!(replay_segments(&program, &segments), Err(ReplayError::Checksum { segment: 1 }));
}

fn reseal(segment: &mut SegmentTrace) {
    segment.checksum = segment.compute_checksum();
}

#[test]
fn truncated_log_is_detected_even_with_a_matching_checksum() {
    let (program, mut segments) = sample();
    let segment = &mut segments[1];
    segment.log.pop();
    reseal(segment);
    assert!(matches!(replay_segments(&program, &segments), Err(ReplayError::Exhausted { segment: 1, .. })));
}

#[test]
fn extra_log_words_are_detected() {
    let (program, mut segments) = sample();
    segments[0].log.push(0);
    reseal(&mut segments[0]);
    assert_eq!(replay_segments(&program, &segments), Err(ReplayError::Unused { segment: 0, unused: 1 }));
}

#[test]
fn dropped_swapped_or_truncated_segment_lists_are_detected() {
    let (program, segments) = sample();
    let mut dropped = segments.clone();
    dropped.remove(1);
    assert!(matches!(replay_segments(&program, &dropped), Err(ReplayError::Misplaced { segment: 1, .. })));
    let mut swapped = segments.clone();
    swapped.swap(1, 2);
    assert!(matches!(replay_segments(&program, &swapped), Err(ReplayError::Misplaced { segment: 1, .. })));
    let truncated = &segments[..segments.len() - 1];
    assert!(matches!(replay_segments(&program, truncated), Err(ReplayError::NoExit { .. })));
    assert_eq!(replay_segments(&program, &[]), Err(ReplayError::Empty));
}

#[test]
fn changed_snapshot_breaks_the_boundary_even_with_a_matching_checksum() {
    let (program, mut segments) = sample();
    segments[2].start.cpu.regs[5] = segments[2].start.cpu.regs[5].wrapping_add(1);
    reseal(&mut segments[2]);
    assert_eq!(replay_segments(&program, &segments), Err(ReplayError::Boundary { segment: 1, next: 2 }));
}
