//! The JIT against the interpreter: the same guest, input and step limit must give the
//! same result (exit code and step count, or the same `Fault` with the same pc), the
//! same public and debug output, the same final pc, registers and LR/SC reservation,
//! and the same bytes in every writable segment and the stack.
//!
//! Programs come from the random program generator (`ziskjit_testgen::gen`, every
//! preset), the hand-written ISA programs in `tests/isa/*.S`, the example guests, and
//! small programs written here to fault in compiled code. Step limits are swept over
//! every value up to a run's length, so every limit that falls inside a block is hit.
//! `ZISKJIT_JIT_PROGRAMS` sets the number of generated programs (default 1200).

use std::path::Path;
use ziskjit_runtime::jit::{Compiled, Jit};
use ziskjit_runtime::memory::{STACK_SIZE, STACK_TOP};
use ziskjit_runtime::{Cpu, Fault, GuestMemory, Interpreter, Io, RunResult};
use ziskjit_testgen::gen::{generate, GenConfig};
use ziskjit_testgen::toolchain::{assemble, require_tools};
use ziskjit_transpiler::{load_elf, Program};

/// Everything observable about a finished run.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    result: Result<RunResult, Fault>,
    public: Vec<u8>,
    debug: Vec<u8>,
    pc: u64,
    regs: [u64; 32],
    reservation: Option<u64>,
    steps: u64,
    /// Writable memory (segments and stack) as `(start, bytes)`.
    memory: Vec<(u64, Vec<u8>)>,
}

fn writable_ranges(program: &Program) -> Vec<(u64, u64)> {
    let mut ranges: Vec<(u64, u64)> =
        program.segments.iter().filter(|s| s.writable).map(|s| (s.vaddr, s.mem_size)).collect();
    ranges.push((STACK_TOP - STACK_SIZE, STACK_SIZE));
    ranges
}

impl Observed {
    /// What a finished machine shows: its result, outputs, architectural state and
    /// writable memory.
    fn of(
        program: &Program,
        result: Result<RunResult, Fault>,
        (public, debug): (Vec<u8>, Vec<u8>),
        cpu: &Cpu,
        steps: u64,
        mem: &GuestMemory,
    ) -> Observed {
        let memory =
            writable_ranges(program).into_iter().map(|(a, n)| (a, mem.bytes(a, n as usize).to_vec())).collect();
        Observed { result, public, debug, pc: cpu.pc, regs: cpu.regs, reservation: cpu.reservation, steps, memory }
    }
}

fn run_interp(program: &Program, input: &[u8], max_steps: u64) -> Observed {
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut machine = Interpreter::new(program).expect("memory image");
    let result = machine.run(&mut Io::in_memory(input, &mut public, &mut debug), max_steps);
    Observed::of(program, result, (public, debug), &machine.cpu, machine.steps, &machine.mem)
}

fn run_jit(program: &Program, compiled: &Compiled, input: &[u8], max_steps: u64) -> Observed {
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut machine = Jit::new(program, compiled).expect("memory image");
    let result = machine.run(&mut Io::in_memory(input, &mut public, &mut debug), max_steps);
    Observed::of(program, result, (public, debug), &machine.cpu, machine.steps, &machine.mem)
}

/// Panics with a readable difference if the engines disagree.
fn assert_same(what: &str, interp: &Observed, jit: &Observed) {
    if interp == jit {
        return;
    }
    let mut notes = Vec::new();
    if interp.result != jit.result {
        notes.push(format!("result: interp {:?}, jit {:?}", interp.result, jit.result));
    }
    if interp.steps != jit.steps {
        notes.push(format!("steps: interp {}, jit {}", interp.steps, jit.steps));
    }
    if interp.pc != jit.pc {
        notes.push(format!("pc: interp 0x{:x}, jit 0x{:x}", interp.pc, jit.pc));
    }
    for r in 0..32 {
        if interp.regs[r] != jit.regs[r] {
            notes.push(format!("x{r}: interp 0x{:x}, jit 0x{:x}", interp.regs[r], jit.regs[r]));
        }
    }
    if interp.reservation != jit.reservation {
        notes.push(format!("reservation: interp {:?}, jit {:?}", interp.reservation, jit.reservation));
    }
    if interp.public != jit.public || interp.debug != jit.debug {
        notes.push("output differs".to_string());
    }
    for ((a, x), (_, y)) in interp.memory.iter().zip(&jit.memory) {
        if let Some(i) = x.iter().zip(y).position(|(p, q)| p != q) {
            notes.push(format!("memory at 0x{:x}: interp {:#04x}, jit {:#04x}", a + i as u64, x[i], y[i]));
        }
    }
    panic!("{what}: JIT and interpreter differ:\n  {}", notes.join("\n  "));
}

/// Runs `program` in both engines and compares; returns the interpreter's run.
fn check(what: &str, program: &Program, compiled: &Compiled, input: &[u8], max_steps: u64) -> Observed {
    let interp = run_interp(program, input, max_steps);
    let jit = run_jit(program, compiled, input, max_steps);
    assert_same(what, &interp, &jit);
    interp
}

fn load(path: &Path) -> Program {
    load_elf(&std::fs::read(path).expect("read ELF")).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn program_count() -> usize {
    std::env::var("ZISKJIT_JIT_PROGRAMS").ok().and_then(|v| v.parse().ok()).unwrap_or(1200)
}

#[test]
fn generated_programs_agree() {
    require_tools();
    let dir = tempfile::tempdir().expect("temp dir");
    let presets = GenConfig::presets();
    let total_share: u32 = presets.iter().map(|(_, _, share)| share).sum();
    let mut ran = 0;
    let mut exits = 0;
    for (name, config, share) in &presets {
        let count = (program_count() * *share as usize).div_ceil(total_share as usize);
        for i in 0..count {
            let seed = 0x5eed_0000 + i as u64;
            let generated = generate(seed, config);
            let elf = generated.assemble(dir.path(), "g");
            let program = load(&elf);
            let compiled = Compiled::new(&program, Default::default()).expect("compile");
            let run = check(&format!("{name} seed {seed}"), &program, &compiled, &generated.input, 50_000_000);
            exits += usize::from(run.result.is_ok());
            ran += 1;
        }
    }
    assert!(ran >= program_count(), "ran only {ran} programs");
    assert_eq!(exits, ran, "every generated program must exit normally");
}

#[test]
fn step_limits_inside_blocks_agree() {
    require_tools();
    let dir = tempfile::tempdir().expect("temp dir");
    for seed in 0..6 {
        let generated = generate(0x11_0000 + seed, &GenConfig::looping());
        let program = load(&generated.assemble(dir.path(), "limit"));
        let compiled = Compiled::new(&program, Default::default()).expect("compile");
        let full = run_interp(&program, &generated.input, u64::MAX);
        let total = full.result.as_ref().expect("the program exits").steps;
        for limit in 0..=total + 1 {
            let run = check(&format!("seed {seed}, max_steps {limit}"), &program, &compiled, &generated.input, limit);
            assert_eq!(run.result.is_ok(), limit >= total, "seed {seed}: limit {limit} of {total} steps");
        }
    }
}

/// Assembles `body` after a `_start` label with a small data section.
fn fault_program(dir: &Path, name: &str, body: &str) -> Program {
    let source = format!(
        "    .section .rodata\nro: .dword 1\n    .data\nrw: .dword 2\n    .text\n    .globl _start\n_start:\n    la s0, rw\n    la s1, ro\n    li t0, 0\n{body}\n    li a7, 93\n    li a0, 0\n    ecall\n"
    );
    load(&assemble(dir, name, &source))
}

#[test]
fn faults_in_compiled_code_agree() {
    require_tools();
    let dir = tempfile::tempdir().expect("temp dir");
    // Each faults after a few compiled instructions in the same block, so the fault's
    // pc and the step count test the JIT's early exit.
    let cases = [
        ("load_unmapped", "    addi t0, t0, 1\n    li t1, 0x5000000\n    ld t2, 0(t1)"),
        ("store_readonly", "    addi t0, t0, 1\n    sd t0, 0(s1)"),
        ("store_readonly_byte", "    addi t0, t0, 1\n    sb t0, 7(s1)"),
        ("load_outside", "    li t1, -8\n    lw t2, 0(t1)"),
        ("load_crossing_end", "    li t1, 0xfffffffc\n    ld t2, 0(t1)"),
        ("load_crossing_into_unmapped", "    li t1, 0x7ffffffd\n    ld t2, 0(t1)"),
        (
            "store_page_crossing_ok",
            "    li t1, 0x7ffff7fd\n    sd t0, 0(t1)\n    ld t2, 0(t1)\n    li t1, 0x5000000\n    sd t2, 0(t1)",
        ),
        ("jalr_not_executable", "    addi t0, t0, 1\n    jalr ra, 0(s0)"),
        ("jalr_unmapped", "    li t1, 0x3000000\n    jr t1"),
        ("jalr_outside", "    li t1, -4\n    jr t1"),
        ("illegal", "    addi t0, t0, 1\n    .word 0"),
        ("ebreak", "    addi t0, t0, 1\n    ebreak"),
        ("unknown_syscall", "    li a7, 1234\n    ecall"),
        ("misaligned_amo", "    addi t1, s0, 2\n    amoadd.w t2, t0, (t1)"),
    ];
    for (name, body) in cases {
        let program = fault_program(dir.path(), name, body);
        let compiled = Compiled::new(&program, Default::default()).expect("compile");
        let run = check(name, &program, &compiled, &[], 1_000);
        assert!(run.result.is_err(), "{name}: expected a fault, got {:?}", run.result);
    }
}

#[test]
fn isa_programs_agree() {
    require_tools();
    let isa = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("isa");
    let prelude = std::fs::read_to_string(isa.join("prelude.S")).expect("prelude");
    let epilogue = std::fs::read_to_string(isa.join("epilogue.S")).expect("epilogue");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ran = 0;
    for entry in std::fs::read_dir(&isa).expect("tests/isa") {
        let path = entry.expect("dir entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.extension().is_none_or(|e| e != "S") || name == "prelude" || name == "epilogue" {
            continue;
        }
        let body = std::fs::read_to_string(&path).expect("read ISA program");
        let program = load(&assemble(dir.path(), &name, &format!("{prelude}\n{body}\n{epilogue}")));
        let compiled = Compiled::new(&program, Default::default()).expect("compile");
        let run = check(&name, &program, &compiled, &[], 10_000_000);
        // `code_store` reports which code ran after overwriting it: 1, the code decoded
        // from the ELF (code is fixed at load time). Every other program exits 0.
        let expected = if name == "code_store" { 1 } else { 0 };
        assert_eq!(run.result.map(|r| r.exit_code), Ok(expected), "{name}: the program's own checks failed");
        ran += 1;
    }
    assert!(ran >= 3, "found only {ran} ISA programs in {}", isa.display());
}

#[test]
fn examples_agree() {
    use ziskjit_testgen::guests::{example_elf, fibonacci_input, pseudo_random_bytes, sort_input};
    let values: Vec<u64> =
        pseudo_random_bytes(7, 8 * 500).chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("fibonacci", fibonacci_input(2000)),
        ("sha256", pseudo_random_bytes(1, 3000)),
        ("keccak", pseudo_random_bytes(2, 3000)),
        ("sort", sort_input(&values)),
        ("json", br#"{"a": [1, 2, {"b": "c"}], "d": true}"#.to_vec()),
        ("panicking", Vec::new()),
        ("ecdsa", Vec::new()),
    ];
    for (name, input) in cases {
        let program = load(&example_elf(name));
        let compiled = Compiled::new(&program, Default::default()).expect("compile");
        let run = check(name, &program, &compiled, &input, 500_000_000);
        assert!(run.steps > 100, "{name}: ran only {} steps", run.steps);
    }
}

#[test]
fn cli_defaults_to_the_jit_and_dumps_ir() {
    require_tools();
    let dir = tempfile::tempdir().expect("temp dir");
    let source = "    .globl _start\n_start:\n    li a0, 1\n    la a1, msg\n    li a2, 3\n    li a7, 64\n    ecall\n    li a0, 7\n    li a7, 93\n    ecall\n    .section .rodata\nmsg: .ascii \"abc\"\n";
    let elf = assemble(dir.path(), "cli", source);
    let (stats, ir) = (dir.path().join("stats.json"), dir.path().join("ir.clif"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ziskjit"))
        .arg("run")
        .arg(&elf)
        .arg("--stats-json")
        .arg(&stats)
        .arg("--dump-ir")
        .arg(&ir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ziskjit");
    assert_eq!(out.status.code(), Some(7), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"abc");
    let stats: serde_json::Value = serde_json::from_slice(&std::fs::read(&stats).expect("stats")).expect("json");
    assert_eq!(stats["engine"], "jit");
    let interp = run_interp(&load(&elf), &[], u64::MAX);
    assert_eq!(stats["steps"], interp.steps, "{stats}");
    assert!(stats["compile_seconds"].as_f64().is_some_and(|s| s >= 0.0), "{stats}");
    let ir = std::fs::read_to_string(&ir).expect("IR file");
    assert!(ir.contains("function u0:0(i64, i32) -> i64"), "{ir}");
}
