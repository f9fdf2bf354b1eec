//! Profiles of hand-written assembly programs whose counts are derived by hand from
//! the source: exact exclusive and inclusive counts, instruction classes, folded
//! stacks, recursion (with and without elided frames), tail calls, the alternate link
//! register, indirect calls, returns that skip frames, returns with nothing to return
//! to, and the flamegraph.
//!
//! Every program starts with `.option norelax` so the linker cannot shorten an
//! instruction pair and change the counts; step counts in the comments are per
//! execution of the line.

use crate::common::{assemble, both_engines, check_invariants, counts, parse_folded, profile, profile_with, run};
use std::collections::BTreeMap;
use ziskjit_profiler::{InstClass, Limits, Profiler};

/// `main` calls `f(10)` and `g(3)`; `g(k)` calls `f(5)` k times. Every class occurs.
const CALLS: &str = r#"
    .option norelax
    .text
    .globl _start
    .type _start, @function
_start:
    jal ra, main            # 1  jump
    li a7, 93               # 1  alu
    ecall                   # 1  syscall
    .size _start, .-_start

    .type main, @function
main:
    addi sp, sp, -16        # 1  alu
    sd ra, 8(sp)            # 1  store
    amoadd.d t2, zero, (sp) # 1  atomic
    fence                   # 1  other
    li a0, 10               # 1  alu
    jal ra, f               # 1  jump
    li a0, 3                # 1  alu
    jal ra, g               # 1  jump
    ld ra, 8(sp)            # 1  load
    addi sp, sp, 16         # 1  alu
    li a0, 0                # 1  alu
    ret                     # 1  jump
    .size main, .-main

    # f(n): counts n down to 0.
    .type f, @function
f:
    mv t1, a0               # 1  alu
1:  addi t1, t1, -1         # n  alu
    bnez t1, 1b             # n  branch
    ret                     # 1  jump
    .size f, .-f

    # g(k): calls f(5) k times.
    .type g, @function
g:
    addi sp, sp, -16        # 1  alu
    sd ra, 8(sp)            # 1  store
    sd s0, 0(sp)            # 1  store
    mv s0, a0               # 1  alu
    mul a1, a0, a0          # 1  mul/div
2:  li a0, 5                # k  alu
    jal ra, f               # k  jump
    addi s0, s0, -1         # k  alu
    bnez s0, 2b             # k  branch
    ld s0, 0(sp)            # 1  load
    ld ra, 8(sp)            # 1  load
    addi sp, sp, 16         # 1  alu
    ret                     # 1  jump
    .size g, .-g
"#;

/// Steps of `f(n)` itself.
fn f_steps(n: u64) -> u64 {
    2 * n + 2
}

/// Steps of `g(k)` itself (without its calls of `f`).
fn g_steps(k: u64) -> u64 {
    9 + 4 * k
}

#[test]
fn known_program_has_exact_counts() {
    let program = assemble("calls", CALLS);
    let (profile, steps) = profile(&program, &[]);
    check_invariants(&profile);
    let start = 3;
    let main = 12;
    let f = f_steps(10) + 3 * f_steps(5);
    let g = g_steps(3);
    let total = start + main + f + g;
    assert_eq!(steps, total, "the interpreter's count");
    assert_eq!(profile.total_steps, total);
    assert_eq!(counts(&profile, "_start"), (start, total));
    assert_eq!(counts(&profile, "main"), (main, main + f + g));
    assert_eq!(counts(&profile, "f"), (f, f));
    assert_eq!(counts(&profile, "g"), (g, g + 3 * f_steps(5)));
    assert_eq!(profile.functions.len(), 4, "{:?}", profile.functions);
    let order: Vec<&str> = profile.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(order, ["f", "g", "main", "_start"], "sorted by exclusive steps");
    let expected: BTreeMap<String, u64> = [
        ("_start", start),
        ("_start;main", main),
        ("_start;main;f", f_steps(10)),
        ("_start;main;g", g),
        ("_start;main;g;f", 3 * f_steps(5)),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_string(), n))
    .collect();
    assert_eq!(profile.stacks, expected);
    assert_eq!((profile.unmatched_returns, profile.overflowed_calls), (0, 0));

    // Classes, line by line from the comments in the source.
    let class = |c: InstClass| profile.classes.iter().find(|(k, _)| *k == c).map(|&(_, n)| n);
    let f_alu = 11 + 3 * 6; // f(n) has n + 1 ALU steps
    assert_eq!(class(InstClass::Alu), Some(1 + 5 + f_alu + (3 + 2 * 3)));
    assert_eq!(class(InstClass::MulDiv), Some(1));
    assert_eq!(class(InstClass::Load), Some(1 + 2));
    assert_eq!(class(InstClass::Store), Some(1 + 2));
    assert_eq!(class(InstClass::Atomic), Some(1));
    assert_eq!(class(InstClass::Branch), Some(10 + 3 * 5 + 3));
    assert_eq!(class(InstClass::Jump), Some(1 + 3 + 4 + (3 + 1)));
    assert_eq!(class(InstClass::Syscall), Some(1));
    assert_eq!(class(InstClass::Other), Some(1));
}

#[test]
fn report_lists_functions_in_order_with_percentages() {
    let program = assemble("calls", CALLS);
    let (profile, _) = profile(&program, &[]);
    let report = profile.report(2);
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[0].starts_with(&format!("{} steps", profile.total_steps)), "{report}");
    // The top two functions only, then the rest summed.
    let row = |name: &str| lines.iter().position(|l| l.ends_with(&format!("  {name}")));
    let (f, g) = (row("f").expect("f listed"), row("g").expect("g listed"));
    assert!(f < g, "{report}");
    assert!(row("main").is_none() && row("_start").is_none(), "{report}");
    assert!(report.contains("(2 more functions)"), "{report}");
    let f_percent = 100.0 * counts(&profile, "f").0 as f64 / profile.total_steps as f64;
    assert!(lines[f].contains(&format!("{f_percent:.2}%")), "{report}");
    assert!(lines.iter().any(|l| l.trim_start().starts_with("mul/div") && l.contains(" 1 ")), "{report}");
    assert!(!report.contains("call stacks:"), "no diagnostics for a balanced program: {report}");
}

#[test]
fn flamegraph_is_well_formed_svg_naming_the_functions() {
    let program = assemble("calls", CALLS);
    let (profile, _) = profile(&program, &[]);
    let mut svg = Vec::new();
    profile.write_flamegraph("calls", &mut svg).expect("flamegraph");
    let text = String::from_utf8(svg).expect("UTF-8 SVG");
    let doc = roxmltree::Document::parse_with_options(
        &text,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let titles: Vec<String> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "title")
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    for name in ["_start", "main", "f", "g"] {
        let prefix = format!("{name} (");
        assert!(titles.iter().any(|t| t.starts_with(&prefix)), "no frame titled `{name}` in {titles:?}");
    }
    let total = format!("all ({} steps", profile.total_steps);
    assert!(titles.iter().any(|t| t.starts_with(&total)), "no root frame with the total in {titles:?}");
}

/// `r(n)` recurses down to 0; each level with n > 0 runs 8 steps itself, the last 2.
const RECURSION: &str = r#"
    .option norelax
    .text
    .globl _start
    .type _start, @function
_start:
    li a0, 4
    jal ra, r
    li a7, 93
    ecall
    .size _start, .-_start

    .type r, @function
r:
    beqz a0, 1f
    addi sp, sp, -16
    sd ra, 8(sp)
    addi a0, a0, -1
    jal ra, r
    ld ra, 8(sp)
    addi sp, sp, 16
1:  ret
    .size r, .-r
"#;

#[test]
fn recursion_counts_inclusive_steps_once() {
    let program = assemble("recursion", RECURSION);
    let (profile, steps) = profile(&program, &[]);
    check_invariants(&profile);
    let r = 4 * 8 + 2;
    assert_eq!(steps, 4 + r);
    assert_eq!(counts(&profile, "r"), (r, r), "inclusive must not count nested frames twice");
    assert_eq!(counts(&profile, "_start"), (4, 4 + r));
    let mut expected = vec![("_start".to_string(), 4)];
    for depth in 1..=5 {
        expected.push((format!("_start{}", ";r".repeat(depth)), if depth == 5 { 2 } else { 8 }));
    }
    assert_eq!(parse_folded(&profile.folded()), expected);
}

#[test]
fn deep_stacks_elide_middle_frames() {
    let program = assemble("recursion", RECURSION);
    let limits = Limits { shown_depth: 3, ..Limits::default() };
    let (profile, _) = profile_with(&program, &[], limits);
    check_invariants(&profile);
    // Stacks of up to 3 frames as they are; deeper ones keep `_start;r`, the elided
    // marker and the current frame: depths 4, 5 and 6 (8 + 8 + 2 steps) share a line.
    let expected = [("_start", 4), ("_start;r", 8), ("_start;r;r", 8), ("_start;r;[elided frames];r", 8 + 8 + 2)];
    let expected: Vec<(String, u64)> = expected.iter().map(|&(s, n)| (s.to_string(), n)).collect();
    let mut folded = parse_folded(&profile.folded());
    folded.sort();
    let mut sorted = expected;
    sorted.sort();
    assert_eq!(folded, sorted);
    assert!(profile.function("[elided frames]").is_none(), "the marker is not a function");
    assert_eq!(counts(&profile, "r"), (34, 34));
}

#[test]
fn full_shadow_stack_replaces_the_top_frame() {
    let program = assemble("recursion", RECURSION);
    let limits = Limits { shown_depth: 2, tracked_frames: 3 };
    let (profile, _) = profile_with(&program, &[], limits);
    check_invariants(&profile);
    // Frames: _start, r(4), r(3); the calls of r(2), r(1), r(0) find the stack full.
    assert_eq!(profile.overflowed_calls, 3);
    // r(0)'s return matches the top frame (whose return address r(0)'s call wrote);
    // r(1)'s matches nothing (the frame below returns into `_start`) and pops it; the
    // returns of r(2), r(3) and r(4) find only the bottom frame, which stays.
    assert_eq!(profile.unmatched_returns, 4);
    assert_eq!(counts(&profile, "r").0, 34, "exclusive counts stay exact");
    assert!(profile.report(5).contains("3 calls overflowed the shadow stack"));
}

/// Tail calls (`j u` = `jal x0`, `jr t1` = `jalr x0, 0(t1)`), an indirect call
/// (`jalr ra, 0(t2)`) and a millicode call through the alternate link register
/// (`jal t0, w` / `jr t0`).
const TAIL_CALLS: &str = r#"
    .option norelax
    .text
    .globl _start
    .type _start, @function
_start:
    jal ra, main            # 1
    li a7, 93               # 1
    ecall                   # 1
    .size _start, .-_start

    .type main, @function
main:
    addi sp, sp, -16        # 1
    sd ra, 8(sp)            # 1
    la t2, t                # 2
    jalr t2                 # 1  indirect call of t
    jal t0, w               # 1  millicode call
    ld ra, 8(sp)            # 1
    addi sp, sp, 16         # 1
    ret                     # 1
    .size main, .-main

    .type t, @function
t:
    li a0, 1                # 1
    j u                     # 1  tail call
    .size t, .-t

    .type u, @function
u:
    li a1, 2                # 1
    la t1, v                # 2
    jr t1                   # 1  tail call through a register
    .size u, .-u

    .type v, @function
v:
    li a2, 3                # 1
    ret                     # 1  returns to main
    .size v, .-v

    .type w, @function
w:
    addi a3, a3, 1          # 1
    jr t0                   # 1  millicode return
    .size w, .-w
"#;

#[test]
fn tail_calls_replace_the_frame_and_return_to_the_caller() {
    let program = assemble("tail", TAIL_CALLS);
    let (profile, steps) = profile(&program, &[]);
    check_invariants(&profile);
    let (main, t, u, v, w) = (9, 2, 4, 2, 2);
    assert_eq!(steps, 3 + main + t + u + v + w);
    let expected: BTreeMap<String, u64> = [
        ("_start", 3),
        ("_start;main", main),
        ("_start;main;t", t),
        ("_start;main;u", u),
        ("_start;main;v", v),
        ("_start;main;w", w),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_string(), n))
    .collect();
    assert_eq!(profile.stacks, expected);
    assert_eq!(counts(&profile, "main"), (main, main + t + u + v + w));
    assert_eq!(counts(&profile, "v"), (v, v));
    assert_eq!(profile.unmatched_returns, 0, "v's return matches the frame t was called in");
}

/// `_start` calls `main`, `main` calls `h`, and `h` returns straight to `_start`
/// (skipping `main`'s frame); then `_start` executes a `ret` with no frame to pop.
const UNBALANCED: &str = r#"
    .option norelax
    .text
    .globl _start
    .type _start, @function
_start:
    jal ra, main            # 1
back:
    la ra, done             # 2
    ret                     # 1  returns more than was called
done:
    li a7, 93               # 1
    ecall                   # 1
    .size _start, .-_start

    .type main, @function
main:
    jal ra, h               # 1
    li a0, 99               # never runs
    ret                     # never runs
    .size main, .-main

    .type h, @function
h:
    la ra, back             # 2
    ret                     # 1  to _start, past main
    .size h, .-h
"#;

#[test]
fn unbalanced_returns_do_not_panic_and_are_counted() {
    let program = assemble("unbalanced", UNBALANCED);
    let (profile, steps) = profile(&program, &[]);
    check_invariants(&profile);
    assert_eq!(steps, 6 + 1 + 3);
    let expected: BTreeMap<String, u64> = [("_start", 6), ("_start;main", 1), ("_start;main;h", 3)]
        .into_iter()
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    assert_eq!(profile.stacks, expected);
    // h's return matched main's frame (two frames popped); the `ret` in `_start` had
    // nothing to return from: counted, and the root frame stays.
    assert_eq!(profile.unmatched_returns, 1);
    assert_eq!(counts(&profile, "_start"), (6, 10));
    assert_eq!(counts(&profile, "main"), (1, 4));
    assert!(profile.report(10).contains("1 returns matched no call"));
}

/// `_start` jumps (without linking) into `f`, which returns into `_start`: `f`
/// becomes a root of its own.
const JUMP_THEN_RETURN: &str = r#"
    .option norelax
    .text
    .globl _start
    .type _start, @function
_start:
    la ra, back             # 2
    j f                     # 1
back:
    li a7, 93               # 1
    ecall                   # 1
    .size _start, .-_start

    .type f, @function
f:
    li a0, 7                # 1
    ret                     # 1
    .size f, .-f
"#;

#[test]
fn return_at_the_root_keeps_one_frame() {
    let program = assemble("rootret", JUMP_THEN_RETURN);
    let (profile, _) = profile(&program, &[]);
    check_invariants(&profile);
    let expected: BTreeMap<String, u64> =
        [("_start", 5), ("f", 2)].into_iter().map(|(s, n)| (s.to_string(), n)).collect();
    assert_eq!(profile.stacks, expected);
    assert_eq!(profile.unmatched_returns, 1);
    assert_eq!(counts(&profile, "f"), (2, 2));
}

/// Code outside every symbol is grouped per uncovered run and named by its address.
const UNNAMED: &str = r#"
    .option norelax
    .text
    .globl _start
    .type _start, @function
_start:
    jal ra, helper          # 1
    li a7, 93               # 1
    ecall                   # 1
    .size _start, .-_start
helper:                     # a label, not a function symbol
    li a0, 0                # 1
    ret                     # 1
"#;

#[test]
fn code_without_symbols_is_grouped_as_unknown() {
    let program = assemble("unnamed", UNNAMED);
    let helper = program.symbols[0].addr + program.symbols[0].size;
    let (profile, _) = profile(&program, &[]);
    check_invariants(&profile);
    let name = format!("[unknown 0x{helper:x}]");
    assert_eq!(counts(&profile, &name), (2, 2));
    assert_eq!(profile.stacks.get(&format!("_start;{name}")), Some(&2));
}

#[test]
fn block_events_give_the_same_profile_as_single_steps() {
    for (name, source) in [("calls", CALLS), ("tail", TAIL_CALLS), ("unbalanced", UNBALANCED)] {
        let program = assemble(name, source);
        let (by_step, _) = profile(&program, &[]);
        // Cut the run into straight-line blocks, as a compiled engine would report it.
        let mut blocks = Vec::new();
        let mut open: Option<(u64, u64)> = None;
        run(&program, &[], |r| {
            let (start, steps) = open.map_or((r.pc, 1), |(start, steps)| (start, steps + 1));
            if r.next_pc == r.pc + u64::from(r.inst.len) && r.inst.op != ziskjit_transpiler::Op::Ecall {
                open = Some((start, steps));
            } else {
                blocks.push((start, steps, r.next_pc));
                open = None;
            }
        });
        let mut profiler = Profiler::new(&program);
        for &(pc, steps, next_pc) in &blocks {
            profiler.retire_block(pc, steps, next_pc).expect("blocks of real code");
        }
        assert!(blocks.len() > 1);
        assert_eq!(profiler.finish(), by_step, "{name}");
    }
}

#[test]
fn bad_events_give_errors_or_pseudo_functions_never_panics() {
    let program = assemble("calls", CALLS);
    let end = program.code_base + 2 * program.code.len() as u64;
    let mut profiler = Profiler::new(&program);
    let err = profiler.retire_block(end, 3, 0).expect_err("no code there");
    assert!(err.to_string().contains(&format!("no instruction at 0x{end:x}")), "{err}");
    let err = profiler.retire_block(program.entry + 1, 1, 0).expect_err("odd pc");
    assert!(err.to_string().contains(&format!("0x{:x}", program.entry + 1)), "{err}");

    // Arbitrary pcs, instructions and targets: a pseudo-random event stream, including
    // calls and returns to nowhere.
    let mut profiler = Profiler::with_limits(&program, Limits { shown_depth: 4, tracked_frames: 16 });
    let f = program.symbols.iter().find(|s| s.name == "f").expect("symbol f");
    let ret = (f.addr..f.addr + f.size)
        .step_by(2)
        .filter_map(|pc| program.fetch(pc).ok())
        .find(|i| i.op == ziskjit_transpiler::Op::Jalr && i.rs1 == 1 && i.rd == 0)
        .copied()
        .expect("f's `ret`");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let r = next();
        let pc = match r % 4 {
            0 => r >> 8,
            _ => program.code_base + (r >> 8) % (end - program.code_base + 64),
        };
        let inst = match r % 3 {
            0 => ret,
            _ => program.fetch(pc & !1).copied().unwrap_or(ret),
        };
        profiler.retire(pc, &inst, next() % (end + 64));
    }
    let profile = profiler.finish();
    check_invariants(&profile);
    assert_eq!(profile.total_steps, 20_000);
    assert!(profile.function("[no code]").is_some_and(|f| f.exclusive > 0));
    assert!(profile.unmatched_returns > 0);
}

#[test]
fn empty_profile_has_no_flamegraph() {
    let program = assemble("calls", CALLS);
    let profile = Profiler::new(&program).finish();
    assert_eq!((profile.total_steps, profile.functions.len(), profile.folded().as_str()), (0, 0, ""));
    let err = profile.write_flamegraph("empty", Vec::new()).expect_err("nothing to draw");
    assert!(err.to_string().contains("no step was retired"), "{err}");
    assert!(profile.report(10).starts_with("0 steps"));
}

/// `main` calls `f`, which faults on a load in the middle of a straight-line block:
/// the compiled engine leaves the block there, and its profile must count exactly the
/// instructions before the load.
const FAULT_MID_BLOCK: &str = r#"
    .option norelax
    .option norvc
    .text
    .globl _start
    .type _start, @function
_start:
    jal ra, main            # 1
    .size _start, .-_start

    .type main, @function
main:
    addi sp, sp, -16        # 1
    jal ra, f               # 1
    .size main, .-main

    .type f, @function
f:
    li t1, 7                # 1
    addi t1, t1, 1          # 1
    ld t2, 0(zero)          # faults: address 0 is unmapped
    addi t1, t1, 1
    ret
    .size f, .-f
"#;

#[test]
fn faults_inside_a_compiled_block_count_the_steps_before_them() {
    let program = assemble("fault", FAULT_MID_BLOCK);
    let (profile, outcome) = both_engines(&program, &[], Limits::default(), u64::MAX);
    let fault = outcome.expect_err("the load faults");
    let f = program.symbols.iter().find(|s| s.name == "f").expect("symbol f");
    assert_eq!(fault.pc, f.addr + 8, "{fault:?}");
    assert_eq!(profile.total_steps, 5);
    assert_eq!(counts(&profile, "f"), (2, 2));
    assert_eq!(profile.stacks.get("_start;main;f"), Some(&2));
}

/// A step limit can fall anywhere, also inside a block the compiled engine then does
/// not enter: the profile covers exactly the steps retired, on both engines.
#[test]
fn step_limits_anywhere_give_the_same_profile_on_both_engines() {
    let program = assemble("calls", CALLS);
    let (_, outcome) = both_engines(&program, &[], Limits::default(), u64::MAX);
    let total = outcome.expect("runs to its exit").steps;
    for max_steps in 1..total {
        let (profile, outcome) = both_engines(&program, &[], Limits::default(), max_steps);
        assert!(outcome.is_err(), "stopped by the limit at {max_steps}");
        assert_eq!(profile.total_steps, max_steps);
        check_invariants(&profile);
    }
}
