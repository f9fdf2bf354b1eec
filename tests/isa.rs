//! ISA conformance tests: small RV64IMAC programs, each run under `qemu-riscv64` (which
//! validates the program itself against an emulator we did not write) and under
//! `ziskjit run --engine interp` (the reference interpreter, the one specification of
//! the ISA in this project). Both must exit 0. Every program is then proved with
//! `ziskjit prove` and its proof must verify with the same exit code.
//!
//! Most programs are generated from Rust tables of operations and operands, with the
//! expected results computed here by Rust's own integer operations (never by ziskjit
//! code); immediates and offsets include every single bit of their field, so a decoder
//! that misplaces one bit fails. The jump, LR/SC, compressed, x0/fence, start-state and
//! code-store programs are written by hand in `tests/isa/*.S`. Every program shares `tests/isa/prelude.S` (the `CASE`/`CHECK`
//! macros) and `tests/isa/epilogue.S`: it exits 0 when all its cases pass and `2*n+1`
//! at the first failing case `n`, so a failure report names the program and the case,
//! and the `# case n:` comment in front of each case says what it checks.

#[path = "isa/support.rs"]
mod support;

use std::fmt::Write as _;

use support::{qemu_run, ziskjit_run};
use ziskjit_testgen::toolchain::{assemble, require_tools, Outcome};

const PRELUDE: &str = include_str!("isa/prelude.S");
const EPILOGUE: &str = include_str!("isa/epilogue.S");

/// A case number `n` is reported as exit code `2n+1`, which must fit in 8 bits.
const MAX_CASES: usize = 127;

/// One test program: its name (also the ELF's file name) and the body placed between
/// the prelude and the epilogue.
struct Program {
    name: String,
    body: String,
}

impl Program {
    fn hand_written(name: &str, body: &str) -> Self {
        Program { name: name.to_string(), body: body.to_string() }
    }

    fn source(&self) -> String {
        format!("{PRELUDE}\n{}\n{EPILOGUE}", self.body)
    }

    /// The `# case n: …` comment of case `n`, to make a failure report readable.
    fn describe_case(&self, n: i32) -> String {
        let tag = format!("# case {n}:");
        self.body
            .lines()
            .find_map(|line| line.trim().strip_prefix(&tag).map(|rest| rest.trim().to_string()))
            .unwrap_or_else(|| "(no description)".to_string())
    }

    /// Why `outcome` is not the expected `expected_exit`, or `None` if it is.
    fn mismatch(&self, who: &str, outcome: &Outcome, expected_exit: i32) -> Option<String> {
        if outcome.exit_code == expected_exit {
            return None;
        }
        let code = outcome.exit_code;
        // The programs never write to stderr: if the runner did, the exit code is its
        // own (an error code), not a case number.
        let what = if outcome.stderr.is_empty() && code > 0 && code % 2 == 1 && code < 256 {
            let n = (code - 1) / 2;
            format!("case {n} failed ({})", self.describe_case(n))
        } else {
            format!("exit code {code}")
        };
        Some(format!(
            "{}: under {who}: {what}, expected exit {expected_exit}; stderr: {}",
            self.name,
            String::from_utf8_lossy(&outcome.stderr).trim()
        ))
    }
}

/// Builds programs case by case, starting a new program every [`MAX_CASES`] cases.
/// `header` (an `.option` line, data sections) is repeated at the top of each program
/// and `footer` (a final check) at the end of each.
struct Builder {
    name: String,
    header: String,
    footer: String,
    done: Vec<Program>,
    body: String,
    cases: usize,
}

impl Builder {
    fn new(name: &str, header: &str) -> Self {
        Builder {
            name: name.to_string(),
            header: header.to_string(),
            footer: String::new(),
            done: Vec::new(),
            body: header.to_string(),
            cases: 0,
        }
    }

    fn with_footer(mut self, footer: &str) -> Self {
        self.footer = footer.to_string();
        self
    }

    /// Appends a case described by `desc`; `asm` receives the case number and returns
    /// the code that checks it (the `CASE n` line is emitted here).
    fn case(&mut self, desc: &str, asm: impl FnOnce(usize) -> String) {
        if self.cases == MAX_CASES {
            self.flush();
        }
        self.cases += 1;
        let n = self.cases;
        let _ = write!(self.body, "\n# case {n}: {desc}\n    CASE {n}\n{}", asm(n));
    }

    fn flush(&mut self) {
        let part = self.done.len();
        let mut body = std::mem::replace(&mut self.body, self.header.clone());
        body.push_str(&self.footer);
        self.done.push(Program { name: format!("{}_{part}", self.name), body });
        self.cases = 0;
    }

    fn finish(mut self) -> Vec<Program> {
        if self.cases > 0 {
            self.flush();
        }
        self.done
    }
}

/// Assembles every program, then checks that each exits with `expected_exit` under
/// qemu-riscv64 and under the ziskjit interpreter; reports every mismatch at once.
fn check_programs(programs: &[Program], expected_exit: i32) {
    require_tools();
    assert!(!programs.is_empty(), "no programs to check");
    let dir = tempfile::tempdir().expect("temporary directory");
    let elves: Vec<_> = programs.iter().map(|p| assemble(dir.path(), &p.name, &p.source())).collect();
    let mut failures = Vec::new();
    // qemu first: a program that fails there is a bug in the test, not in ziskjit.
    for (program, elf) in programs.iter().zip(&elves) {
        failures.extend(program.mismatch("qemu-riscv64", &qemu_run(elf, b""), expected_exit));
    }
    assert!(failures.is_empty(), "test programs are wrong:\n{}", failures.join("\n"));
    for (program, elf) in programs.iter().zip(&elves) {
        let outcome = ziskjit_run(elf, &[], b"");
        failures.extend(program.mismatch("ziskjit run --engine interp", &outcome, expected_exit));
    }
    assert!(failures.is_empty(), "{} of {} programs fail:\n{}", failures.len(), programs.len(), failures.join("\n"));
    for (program, elf) in programs.iter().zip(&elves) {
        failures.extend(prove_and_verify(dir.path(), program, elf, expected_exit).err());
    }
    assert!(
        failures.is_empty(),
        "{} of {} programs fail to prove:\n{}",
        failures.len(),
        programs.len(),
        failures.join("\n")
    );
}

/// Proves `elf` with `ziskjit prove` (segments of 2^11 steps, so the longer programs
/// span several) and checks `ziskjit verify` accepts the proof with the expected exit code.
fn prove_and_verify(
    dir: &std::path::Path,
    program: &Program,
    elf: &std::path::Path,
    expected_exit: i32,
) -> Result<(), String> {
    use std::ffi::OsStr;
    use ziskjit_testgen::toolchain::run_command;
    let proof = dir.join(format!("{}.proof", program.name));
    let prove: [&OsStr; 6] = [
        "prove".as_ref(),
        elf.as_os_str(),
        "-o".as_ref(),
        proof.as_os_str(),
        "--segment-steps".as_ref(),
        "2048".as_ref(),
    ];
    let proved = run_command(support::ZISKJIT, &prove, b"");
    if proved.exit_code != 0 {
        return Err(format!("{}: prove: {}", program.name, String::from_utf8_lossy(&proved.stderr).trim()));
    }
    let code = expected_exit.to_string();
    let verify: [&OsStr; 6] = [
        "verify".as_ref(),
        proof.as_os_str(),
        "--elf".as_ref(),
        elf.as_os_str(),
        "--expect-exit-code".as_ref(),
        code.as_ref(),
    ];
    let verified = run_command(support::ZISKJIT, &verify, b"");
    match verified.exit_code {
        0 => Ok(()),
        _ => Err(format!("{}: verify: {}", program.name, String::from_utf8_lossy(&verified.stderr).trim())),
    }
}

fn check_hand_written(name: &str, body: &str) {
    check_programs(&[Program::hand_written(name, body)], 0);
}

// ---------------------------------------------------------------------------------
// Operands, registers and reference semantics.

/// Register operands for generated cases: x1..x29 (t5 = x30 and t6 = x31 belong to
/// the prelude's macros). Cases rotate through them so that no register is special.
const REGS: [&str; 29] = [
    "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
    "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29",
];

/// `k` distinct registers of `pool`, chosen by a small deterministic shuffle of `seed`.
fn pick<'a>(pool: &[&'a str], seed: usize, k: usize) -> Vec<&'a str> {
    let mut regs = pool.to_vec();
    let mut state = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for i in (1..regs.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        regs.swap(i, (state % (i as u64 + 1)) as usize);
    }
    regs.truncate(k);
    regs
}

/// Sources `rs1 != rs2` and a destination that is `rs1`, `rs2` or a third register in
/// turn, so that destination/source aliasing is exercised.
fn alu_regs(seed: usize) -> (&'static str, &'static str, &'static str) {
    let r = pick(&REGS, seed, 3);
    let rd = r[seed % 3];
    (r[0], r[1], rd)
}

/// Register operands: zero, small and sign-boundary values of 64 and 32 bits, and
/// values whose upper half must be ignored by the W-forms (`1 << 32` is zero to them).
const VALUES: [u64; 13] = [
    0,
    1,
    u64::MAX,
    (-7i64) as u64,
    3,
    i64::MIN as u64,
    i64::MAX as u64,
    i32::MIN as i64 as u64,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_ffff,
    0x1_0000_0000,
    0x0123_4567_89ab_cdef,
];

/// Register shift amounts: only the low 6 (W: 5) bits count.
const SHIFT_AMOUNTS: [u64; 9] = [0, 1, 31, 32, 33, 63, 64, u64::MAX, 0x1_0000_0021];
/// 12-bit immediates: every single bit (so a decoder that scrambles the field's bits
/// is caught), both ends of the range and alternating patterns.
const IMM12: [i64; 17] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, -2048, -1, 2047, 0x555, -0x556];
const SHAMT64: [i64; 10] = [0, 1, 2, 4, 8, 16, 31, 32, 33, 63];
const SHAMT32: [i64; 7] = [0, 1, 2, 4, 8, 16, 31];

fn sext32(x: u32) -> u64 {
    x as i32 as i64 as u64
}

type BinOp = fn(u64, u64) -> u64;

/// Which operands an operation is tested with.
#[derive(Clone, Copy)]
enum Operand {
    Values,
    Shift64,
    Shift32,
}

struct AluOp {
    reg: &'static str,
    imm: Option<&'static str>,
    operand: Operand,
    f: BinOp,
}

const fn op(reg: &'static str, imm: Option<&'static str>, operand: Operand, f: BinOp) -> AluOp {
    AluOp { reg, imm, operand, f }
}

const RV64I_ALU: [AluOp; 15] = [
    op("add", Some("addi"), Operand::Values, |a, b| a.wrapping_add(b)),
    op("sub", None, Operand::Values, |a, b| a.wrapping_sub(b)),
    op("slt", Some("slti"), Operand::Values, |a, b| ((a as i64) < (b as i64)) as u64),
    op("sltu", Some("sltiu"), Operand::Values, |a, b| (a < b) as u64),
    op("xor", Some("xori"), Operand::Values, |a, b| a ^ b),
    op("or", Some("ori"), Operand::Values, |a, b| a | b),
    op("and", Some("andi"), Operand::Values, |a, b| a & b),
    op("sll", Some("slli"), Operand::Shift64, |a, b| a << (b & 63)),
    op("srl", Some("srli"), Operand::Shift64, |a, b| a >> (b & 63)),
    op("sra", Some("srai"), Operand::Shift64, |a, b| ((a as i64) >> (b & 63)) as u64),
    op("addw", Some("addiw"), Operand::Values, |a, b| sext32((a as u32).wrapping_add(b as u32))),
    op("subw", None, Operand::Values, |a, b| sext32((a as u32).wrapping_sub(b as u32))),
    op("sllw", Some("slliw"), Operand::Shift32, |a, b| sext32((a as u32) << (b & 31))),
    op("srlw", Some("srliw"), Operand::Shift32, |a, b| sext32((a as u32) >> (b & 31))),
    op("sraw", Some("sraiw"), Operand::Shift32, |a, b| ((a as i32) >> (b & 31)) as i64 as u64),
];

/// The M extension. Division by zero gives all ones (quotient) or the dividend
/// (remainder); the signed overflow MIN / -1 gives MIN and remainder 0 (Rust's
/// `wrapping_div`/`wrapping_rem` define exactly that).
const RV64M: [AluOp; 13] = [
    op("mul", None, Operand::Values, |a, b| a.wrapping_mul(b)),
    op("mulh", None, Operand::Values, |a, b| ((a as i64 as i128 * b as i64 as i128) >> 64) as u64),
    op("mulhsu", None, Operand::Values, |a, b| ((a as i64 as i128 * b as i128) >> 64) as u64),
    op("mulhu", None, Operand::Values, |a, b| ((a as u128 * b as u128) >> 64) as u64),
    op("mulw", None, Operand::Values, |a, b| sext32((a as u32).wrapping_mul(b as u32))),
    op("div", None, Operand::Values, |a, b| if b == 0 { u64::MAX } else { (a as i64).wrapping_div(b as i64) as u64 }),
    op("divu", None, Operand::Values, |a, b| a.checked_div(b).unwrap_or(u64::MAX)),
    op("rem", None, Operand::Values, |a, b| if b == 0 { a } else { (a as i64).wrapping_rem(b as i64) as u64 }),
    op("remu", None, Operand::Values, |a, b| a.checked_rem(b).unwrap_or(a)),
    op("divw", None, Operand::Values, |a, b| {
        let (x, y) = (a as i32, b as i32);
        if y == 0 {
            u64::MAX
        } else {
            x.wrapping_div(y) as i64 as u64
        }
    }),
    op("divuw", None, Operand::Values, |a, b| (a as u32).checked_div(b as u32).map_or(u64::MAX, sext32)),
    op("remw", None, Operand::Values, |a, b| {
        let (x, y) = (a as i32, b as i32);
        if y == 0 {
            x as i64 as u64
        } else {
            x.wrapping_rem(y) as i64 as u64
        }
    }),
    op("remuw", None, Operand::Values, |a, b| sext32((a as u32).checked_rem(b as u32).unwrap_or(a as u32))),
];

fn register_operands(operand: Operand) -> &'static [u64] {
    match operand {
        Operand::Values => &VALUES,
        Operand::Shift64 | Operand::Shift32 => &SHIFT_AMOUNTS,
    }
}

fn immediate_operands(operand: Operand) -> &'static [i64] {
    match operand {
        Operand::Values => &IMM12,
        Operand::Shift64 => &SHAMT64,
        Operand::Shift32 => &SHAMT32,
    }
}

/// `mnemonic rd, rs1, rs2` over every operand pair, one program (or more) per op.
fn register_programs(ops: &[AluOp]) -> Vec<Program> {
    let mut programs = Vec::new();
    for op in ops {
        let mut b = Builder::new(op.reg, "    .option norvc");
        let mut seed = 0;
        for &x in &VALUES {
            for &y in register_operands(op.operand) {
                let (rs1, rs2, rd) = alu_regs(seed);
                seed += 1;
                let expected = (op.f)(x, y);
                b.case(&format!("{} {rd}, {rs1}={x:#x}, {rs2}={y:#x} -> {expected:#x}", op.reg), |_| {
                    format!(
                        "    li {rs1}, {x:#x}\n    li {rs2}, {y:#x}\n    {} {rd}, {rs1}, {rs2}\n    CHECK {rd}, {expected:#x}\n",
                        op.reg
                    )
                });
            }
        }
        programs.extend(b.finish());
    }
    programs
}

/// `mnemonic rd, rs1, imm` over every value and immediate, one program per op.
fn immediate_programs(ops: &[AluOp]) -> Vec<Program> {
    let mut programs = Vec::new();
    for op in ops {
        let Some(mnemonic) = op.imm else { continue };
        let mut b = Builder::new(mnemonic, "    .option norvc");
        let mut seed = 0;
        for &x in &VALUES {
            for &imm in immediate_operands(op.operand) {
                let (rs1, _, rd) = alu_regs(seed);
                seed += 1;
                let expected = (op.f)(x, imm as u64);
                b.case(&format!("{mnemonic} {rd}, {rs1}={x:#x}, {imm} -> {expected:#x}"), |_| {
                    format!("    li {rs1}, {x:#x}\n    {mnemonic} {rd}, {rs1}, {imm}\n    CHECK {rd}, {expected:#x}\n")
                });
            }
        }
        programs.extend(b.finish());
    }
    programs
}

#[test]
fn rv64i_register_register_ops() {
    check_programs(&register_programs(&RV64I_ALU), 0);
}

#[test]
fn rv64i_register_immediate_ops() {
    check_programs(&immediate_programs(&RV64I_ALU), 0);
}

/// 20-bit upper immediates, including the ones whose bit 31 makes the result negative.
const IMM20: [u32; 25] = [
    0, 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000, 0x10000,
    0x20000, 0x40000, 0x80000, 0x12345, 0x7ffff, 0xabcde, 0xfffff,
];

fn upper(imm: u32) -> u64 {
    sext32(imm << 12)
}

#[test]
fn rv64i_lui_auipc() {
    let mut b = Builder::new("lui_auipc", "    .option norvc");
    for (seed, &imm) in IMM20.iter().enumerate() {
        let r = pick(&REGS, seed, 2);
        let (rd, old) = (r[0], r[1]);
        let expected = upper(imm);
        b.case(&format!("lui {rd}, {imm:#x} -> {expected:#x}"), |_| {
            format!("    li {rd}, -1\n    lui {rd}, {imm:#x}\n    CHECK {rd}, {expected:#x}\n")
        });
        // auipc: compare against the label's absolute address (lui/addi) plus the offset.
        b.case(&format!("auipc {rd}, {imm:#x} = own address + {expected:#x}"), |n| {
            format!(
                ".Lauipc{n}:\n    auipc {rd}, {imm:#x}\n    ADDR {old}, .Lauipc{n}\n    li t5, {expected:#x}\n    add {old}, {old}, t5\n    CHECK_EQ {rd}, {old}\n"
            )
        });
    }
    check_programs(&b.finish(), 0);
}

/// The bytes the load tests read; they straddle a page boundary (`.Lload` is 8 bytes
/// below it), so misaligned loads also cross pages.
const LOAD_BYTES: [u8; 16] =
    [0x81, 0x02, 0xf3, 0x74, 0x95, 0x86, 0xf7, 0x08, 0xa9, 0x7a, 0xbb, 0x4c, 0x8d, 0x1e, 0xff, 0x60];

fn byte_directive(bytes: &[u8]) -> String {
    let list: Vec<String> = bytes.iter().map(|b| format!("{b:#04x}")).collect();
    format!(".byte {}", list.join(", "))
}

/// Little-endian value of `width` bytes at `offset`, sign- or zero-extended.
fn read_le(bytes: &[u8], offset: usize, width: usize, signed: bool) -> u64 {
    let mut raw = [0u8; 8];
    raw[..width].copy_from_slice(&bytes[offset..offset + width]);
    let value = u64::from_le_bytes(raw);
    let unused = 64 - 8 * width as u32;
    if signed {
        (((value << unused) as i64) >> unused) as u64
    } else {
        value
    }
}

#[test]
fn rv64i_loads_every_width_and_alignment() {
    let header = format!(
        "    .option norvc\n    .pushsection .data\n    .balign 4096\n    .skip 4088\n.Lload:\n    {}\n    .popsection\n",
        byte_directive(&LOAD_BYTES)
    );
    let mut b = Builder::new("loads", &header);
    let mut seed = 0;
    let widths = [
        ("lb", 1, true),
        ("lbu", 1, false),
        ("lh", 2, true),
        ("lhu", 2, false),
        ("lw", 4, true),
        ("lwu", 4, false),
        ("ld", 8, true),
    ];
    for (mnemonic, width, signed) in widths {
        for offset in 0..=8usize {
            let r = pick(&REGS, seed, 2);
            // The base points at the page boundary; a negative immediate reaches back.
            let (base, rd) = (r[0], r[seed % 2]);
            seed += 1;
            let imm = offset as i64 - 8;
            let expected = read_le(&LOAD_BYTES, offset, width, signed);
            b.case(&format!("{mnemonic} {rd}, {imm}({base}) at .Lload+{offset} -> {expected:#x}"), |_| {
                format!(
                    "    ADDR {base}, .Lload+8\n    {mnemonic} {rd}, {imm}({base})\n    CHECK {rd}, {expected:#x}\n"
                )
            });
        }
    }
    check_programs(&b.finish(), 0);
}

/// Misaligned loads that start in the last bytes of the read-only data segment and end
/// in the first bytes of the writable data segment on the next page: one access, two
/// segments with different permissions.
#[test]
fn rv64i_loads_across_a_segment_boundary() {
    const RODATA_TAIL: [u8; 8] = [0x11, 0x92, 0x23, 0xb4, 0x45, 0xd6, 0x67, 0xf8];
    const DATA_HEAD: [u8; 8] = [0x89, 0x1a, 0xab, 0x3c, 0xcd, 0x5e, 0xef, 0x70];
    let bytes = [RODATA_TAIL, DATA_HEAD].concat();
    // .rodata and .data each start on a fresh page (see the link script), so 4088
    // bytes of padding end the read-only page exactly at .Lboundary.
    let header = format!(
        "    .option norvc\n    .pushsection .rodata\n    .skip 4088\n    {}\n    .popsection\n    .pushsection .data\n.Lboundary:\n    {}\n    .popsection\n",
        byte_directive(&RODATA_TAIL),
        byte_directive(&DATA_HEAD)
    );
    let mut b = Builder::new("segment_boundary", &header);
    b.case(".Lboundary is page-aligned (the layout this test relies on)", |_| {
        "    ADDR a0, .Lboundary\n    slli a0, a0, 52\n    CHECK a0, 0\n".to_string()
    });
    let widths = [("ld", 8, true), ("lwu", 4, false), ("lw", 4, true), ("lh", 2, true), ("lhu", 2, false)];
    for (seed, (mnemonic, width, signed)) in widths.into_iter().enumerate() {
        for back in 1..width {
            let r = pick(&REGS, seed * 8 + back, 2);
            let (base, rd) = (r[0], r[1]);
            let expected = read_le(&bytes, 8 - back, width, signed);
            b.case(&format!("{mnemonic} at .Lboundary-{back} -> {expected:#x}"), |_| {
                format!("    ADDR {base}, .Lboundary\n    {mnemonic} {rd}, -{back}({base})\n    CHECK {rd}, {expected:#x}\n")
            });
        }
    }
    check_programs(&b.finish(), 0);
}

#[test]
fn rv64i_stores_every_width_and_alignment() {
    const INITIAL: [u64; 2] = [0x1111_2222_3333_4444, 0x5555_6666_7777_8888];
    const VALUE: u64 = 0x8899_aabb_ccdd_eeff;
    // A 16-byte buffer straddling a page boundary, as for the loads.
    let header = "    .option norvc\n    .pushsection .data\n    .balign 4096\n    .skip 4088\n.Lstore:\n    .skip 16\n    .popsection\n";
    let mut b = Builder::new("stores", header);
    let mut seed = 0;
    for (mnemonic, width) in [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)] {
        for offset in 0..=8usize {
            let r = pick(&REGS, seed, 3);
            let (base, value, scratch) = (r[0], r[1], r[2]);
            seed += 1;
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&INITIAL[0].to_le_bytes());
            bytes[8..].copy_from_slice(&INITIAL[1].to_le_bytes());
            bytes[offset..offset + width].copy_from_slice(&VALUE.to_le_bytes()[..width]);
            let lo = read_le(&bytes, 0, 8, false);
            let hi = read_le(&bytes, 8, 8, false);
            b.case(&format!("{mnemonic} at .Lstore+{offset}: words become {lo:#x}, {hi:#x}"), |_| {
                format!(
                    "    ADDR {base}, .Lstore\n    li {scratch}, {:#x}\n    sd {scratch}, 0({base})\n    li {scratch}, {:#x}\n    sd {scratch}, 8({base})\n    li {value}, {VALUE:#x}\n    {mnemonic} {value}, {offset}({base})\n    ld {scratch}, 0({base})\n    CHECK {scratch}, {lo:#x}\n    ld {scratch}, 8({base})\n    CHECK {scratch}, {hi:#x}\n    CHECK {value}, {VALUE:#x}\n",
                    INITIAL[0], INITIAL[1]
                )
            });
        }
    }
    check_programs(&b.finish(), 0);
}

const BRANCH_VALUES: [u64; 7] = [0, 1, u64::MAX, i64::MIN as u64, i64::MAX as u64, 0x8000_0000, i32::MIN as i64 as u64];

#[test]
fn rv64i_branches_taken_and_not_taken_both_directions() {
    type Cmp = fn(u64, u64) -> bool;
    let branches: [(&str, Cmp); 6] = [
        ("beq", |a, b| a == b),
        ("bne", |a, b| a != b),
        ("blt", |a, b| (a as i64) < (b as i64)),
        ("bge", |a, b| (a as i64) >= (b as i64)),
        ("bltu", |a, b| a < b),
        ("bgeu", |a, b| a >= b),
    ];
    let mut programs = Vec::new();
    for (mnemonic, cmp) in branches {
        let mut b = Builder::new(mnemonic, "    .option norvc");
        let mut seed = 0;
        for &x in &BRANCH_VALUES {
            for &y in &BRANCH_VALUES {
                for backward in [false, true] {
                    let r = pick(&REGS, seed, 3);
                    let (rs1, rs2, flag) = (r[0], r[1], r[2]);
                    seed += 1;
                    let taken = cmp(x, y) as u8;
                    let direction = if backward { "backward" } else { "forward" };
                    b.case(&format!("{mnemonic} {rs1}={x:#x}, {rs2}={y:#x} {direction}: taken = {taken}"), |n| {
                        let setup = format!("    li {rs1}, {x:#x}\n    li {rs2}, {y:#x}\n    li {flag}, 0\n");
                        let branch = format!("    {mnemonic} {rs1}, {rs2}, .Ltaken{n}\n");
                        let taken_path = format!(".Ltaken{n}:\n    li {flag}, 1\n");
                        let body = if backward {
                            format!(
                                "    jal x0, .Lbranch{n}\n{taken_path}    jal x0, .Ljoin{n}\n.Lbranch{n}:\n{branch}"
                            )
                        } else {
                            format!("{branch}    jal x0, .Ljoin{n}\n{taken_path}")
                        };
                        format!("{setup}{body}.Ljoin{n}:\n    CHECK {flag}, {taken}\n")
                    });
                }
            }
        }
        programs.extend(b.finish());
    }
    check_programs(&programs, 0);
}

#[test]
fn rv64i_jal_jalr() {
    check_hand_written("jumps", include_str!("isa/jumps.S"));
}

#[test]
fn start_state_and_stack() {
    check_hand_written("start", include_str!("isa/start.S"));
}

/// Code is decoded once from the ELF (DESIGN: no self-modifying code): a store into
/// a writable executable segment changes the bytes a load sees, never the instruction
/// that runs. qemu-riscv64 does run the new instruction, which shows the program
/// really overwrites code; the two must therefore disagree in exactly this way.
#[test]
fn stores_into_code_change_data_not_the_program() {
    const OLD_CODE_RAN: i32 = 1;
    const NEW_CODE_RAN: i32 = 2;
    require_tools();
    let dir = tempfile::tempdir().expect("temporary directory");
    let program = Program::hand_written("code_store", include_str!("isa/code_store.S"));
    let elf = assemble(dir.path(), &program.name, &program.source());
    let qemu = qemu_run(&elf, b"");
    assert!(program.mismatch("qemu-riscv64", &qemu, NEW_CODE_RAN).is_none(), "qemu: {qemu:?}");
    let ours = ziskjit_run(&elf, &[], b"");
    let mismatch = program.mismatch("ziskjit run --engine interp", &ours, OLD_CODE_RAN);
    assert!(mismatch.is_none(), "{}", mismatch.unwrap_or_default());
}

#[test]
fn x0_register_aliasing_and_fences() {
    check_hand_written("misc", include_str!("isa/misc.S"));
}

#[test]
fn rv64m_every_op_over_operand_pairs() {
    check_programs(&register_programs(&RV64M), 0);
}

/// The division corner cases once more, with the expected values written out by hand
/// from the RISC-V specification (table 'Semantics for division by zero and division
/// overflow') rather than computed.
#[test]
fn rv64m_division_corner_cases_literal() {
    const MIN64: u64 = 0x8000_0000_0000_0000;
    const ONES: u64 = 0xffff_ffff_ffff_ffff;
    const MIN32: u64 = 0xffff_ffff_8000_0000;
    let table: [(&str, u64, u64, u64); 22] = [
        // Division by zero: quotient all ones, remainder the dividend (W: its sign-extended low half).
        ("div", 5, 0, ONES),
        ("div", MIN64, 0, ONES),
        ("divu", 5, 0, ONES),
        ("rem", 0xffff_ffff_ffff_fffb, 0, 0xffff_ffff_ffff_fffb),
        ("remu", 5, 0, 5),
        ("divw", 5, 0, ONES),
        ("divw", 5, 0x1_0000_0000, ONES),
        ("divuw", 5, 0, ONES),
        ("divuw", 0x7, 0xffff_ffff_0000_0000, ONES),
        ("remw", 0x1_8000_0001, 0, 0xffff_ffff_8000_0001),
        ("remw", 0x7fff_fffe, 0x2_0000_0000, 0x7fff_fffe),
        ("remuw", 0x1_8000_0001, 0, 0xffff_ffff_8000_0001),
        ("remuw", 0x5, 0, 0x5),
        // Signed overflow: the quotient is the dividend, the remainder zero.
        ("div", MIN64, ONES, MIN64),
        ("rem", MIN64, ONES, 0),
        ("divw", 0x8000_0000, ONES, MIN32),
        ("divw", MIN32, 0xffff_ffff, MIN32),
        ("remw", 0x8000_0000, ONES, 0),
        // Unsigned division never overflows; the same bits divide as unsigned.
        ("divu", MIN64, ONES, 0),
        ("remu", MIN64, ONES, MIN64),
        ("divuw", 0x8000_0000, ONES, 0),
        ("remuw", 0x8000_0000, ONES, MIN32),
    ];
    let mut b = Builder::new("division_corners", "    .option norvc");
    for (seed, (mnemonic, x, y, expected)) in table.into_iter().enumerate() {
        let (rs1, rs2, rd) = alu_regs(seed);
        b.case(&format!("{mnemonic} {x:#x}, {y:#x} -> {expected:#x}"), |_| {
            format!("    li {rs1}, {x:#x}\n    li {rs2}, {y:#x}\n    {mnemonic} {rd}, {rs1}, {rs2}\n    CHECK {rd}, {expected:#x}\n")
        });
    }
    check_programs(&b.finish(), 0);
}

#[test]
fn rv64a_lr_sc() {
    check_hand_written("lrsc", include_str!("isa/lrsc.S"));
}

/// Memory operands of the AMO tests: both signs at 64 and 32 bits, so that signed and
/// unsigned min/max disagree.
const AMO_VALUES: [u64; 7] =
    [1, u64::MAX, i64::MIN as u64, i64::MAX as u64, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff_0000_0005];

#[test]
fn rv64a_every_amo_word_and_doubleword() {
    type Amo = fn(u64, u64, bool) -> u64;
    // (name, new memory value from (old, rs2, is_word)); a word op sees 32-bit values.
    let amos: [(&str, Amo); 9] = [
        ("amoswap", |_, b, _| b),
        ("amoadd", |a, b, _| a.wrapping_add(b)),
        ("amoxor", |a, b, _| a ^ b),
        ("amoand", |a, b, _| a & b),
        ("amoor", |a, b, _| a | b),
        ("amomin", |a, b, w| if w { (a as i32).min(b as i32) as u32 as u64 } else { (a as i64).min(b as i64) as u64 }),
        ("amomax", |a, b, w| if w { (a as i32).max(b as i32) as u32 as u64 } else { (a as i64).max(b as i64) as u64 }),
        ("amominu", |a, b, w| if w { (a as u32).min(b as u32) as u64 } else { a.min(b) }),
        ("amomaxu", |a, b, w| if w { (a as u32).max(b as u32) as u64 } else { a.max(b) }),
    ];
    const NEIGHBOUR: u64 = 0x5a5a_5a5a_a5a5_a5a5;
    let header = "    .option norvc\n    .pushsection .data\n    .balign 8\n.Lamo:\n    .skip 8\n    .popsection\n";
    let mut programs = Vec::new();
    for (name, f) in amos {
        let mut b = Builder::new(name, header);
        let mut seed = 0;
        for word in [false, true] {
            for &old in &AMO_VALUES {
                for &src in &AMO_VALUES {
                    let r = pick(&REGS, seed, 3);
                    // rd is the base, the source or a third register in turn.
                    let (base, rs2, rd) = (r[0], r[1], r[seed % 3]);
                    let ordering = ["", ".aq", ".rl", ".aqrl"][seed % 4];
                    let high_half = word && seed % 2 == 1;
                    seed += 1;
                    // The doubleword in memory before and after; a word op changes only its half.
                    let (before, rd_expected, after) = if word {
                        let result = f(old & 0xffff_ffff, src & 0xffff_ffff, true) & 0xffff_ffff;
                        let other = NEIGHBOUR & 0xffff_ffff;
                        if high_half {
                            (old << 32 | other, sext32(old as u32), result << 32 | other)
                        } else {
                            (
                                NEIGHBOUR & !0xffff_ffff | old & 0xffff_ffff,
                                sext32(old as u32),
                                NEIGHBOUR & !0xffff_ffff | result,
                            )
                        }
                    } else {
                        (old, old, f(old, src, false))
                    };
                    let mnemonic = format!("{name}.{}{ordering}", if word { "w" } else { "d" });
                    let offset = if high_half { 4 } else { 0 };
                    b.case(&format!("{mnemonic} {rd}, {rs2}={src:#x}, (.Lamo+{offset}) holding {before:#x}: old {rd_expected:#x}, new {after:#x}"), |_| {
                        format!(
                            "    ADDR {base}, .Lamo\n    li {rs2}, {before:#x}\n    sd {rs2}, 0({base})\n    ADDR {base}, .Lamo+{offset}\n    li {rs2}, {src:#x}\n    {mnemonic} {rd}, {rs2}, ({base})\n    CHECK {rd}, {rd_expected:#x}\n    ADDR {base}, .Lamo\n    ld {base}, 0({base})\n    CHECK {base}, {after:#x}\n"
                        )
                    });
                }
            }
        }
        programs.extend(b.finish());
    }
    check_programs(&programs, 0);
}

/// Registers a 3-bit compressed register field can name (x8..x15).
const PRIME_REGS: [&str; 8] = ["x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15"];
/// Registers for compressed ops with a full 5-bit register field; sp (x2) is left out
/// because `c.addi16sp`/`c.lui` treat it specially (those are tested by hand).
const FULL_REGS: [&str; 28] = [
    "x1", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18",
    "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29",
];
const C_VALUES: [u64; 7] = [0, 1, u64::MAX, i64::MIN as u64, 0x8000_0000, 0x1_0000_0000, 0x0123_4567_89ab_cdef];

#[test]
fn rvc_generated_register_and_immediate_ops() {
    let alu = |name: &str| RV64I_ALU.iter().find(|op| op.reg == name).map(|op| op.f).expect("known op");
    // Two-register forms `c.op rd, rs2` meaning `rd = rd op rs2`.
    let reg_ops: [(&str, &[&str], BinOp); 8] = [
        ("c.add", &FULL_REGS, alu("add")),
        ("c.mv", &FULL_REGS, |_, b| b),
        ("c.sub", &PRIME_REGS, alu("sub")),
        ("c.xor", &PRIME_REGS, alu("xor")),
        ("c.or", &PRIME_REGS, alu("or")),
        ("c.and", &PRIME_REGS, alu("and")),
        ("c.subw", &PRIME_REGS, alu("subw")),
        ("c.addw", &PRIME_REGS, alu("addw")),
    ];
    let mut programs = Vec::new();
    for (name, pool, f) in reg_ops {
        let mut b = Builder::new(name, "    .option rvc");
        let mut seed = 0;
        for &x in &C_VALUES {
            for &y in &C_VALUES {
                let r = pick(pool, seed, 2);
                // Every eighth case uses the same register for both operands.
                let (rd, rs2) = (r[0], if seed % 8 == 7 { r[0] } else { r[1] });
                let (x, y) = if rd == rs2 { (y, y) } else { (x, y) };
                seed += 1;
                let expected = f(x, y);
                b.case(&format!("{name} {rd}={x:#x}, {rs2}={y:#x} -> {expected:#x}"), |_| {
                    format!("    li {rd}, {x:#x}\n    li {rs2}, {y:#x}\n    {name} {rd}, {rs2}\n    CHECK {rd}, {expected:#x}\n")
                });
            }
        }
        programs.extend(b.finish());
    }
    // One-register forms with a 6-bit immediate, `c.op rd, imm`.
    // Every bit of the 6-bit immediate on its own, and the extremes.
    let small: &[i64] = &[1, 2, 4, 8, 16, -32, 31, -1];
    let with_zero: &[i64] = &[0, 1, 2, 4, 8, 16, -32, 31, -1];
    let shamts: &[i64] = &[1, 2, 4, 8, 16, 32, 63];
    let imm_ops: [(&str, &[&str], &[i64], BinOp); 8] = [
        ("c.addi", &FULL_REGS, small, alu("add")),
        ("c.addiw", &FULL_REGS, with_zero, alu("addw")),
        ("c.li", &FULL_REGS, with_zero, |_, b| b),
        ("c.andi", &PRIME_REGS, with_zero, alu("and")),
        ("c.slli", &FULL_REGS, shamts, alu("sll")),
        ("c.srli", &PRIME_REGS, shamts, alu("srl")),
        ("c.srai", &PRIME_REGS, shamts, alu("sra")),
        // c.lui takes the 20-bit form of a 6-bit signed immediate (-32 is 0xfffe0).
        ("c.lui", &FULL_REGS, &[1, 2, 4, 8, 16, 0xfffe0, 31, 0xfffff], |_, b| upper(b as u32)),
    ];
    for (name, pool, imms, f) in imm_ops {
        let mut b = Builder::new(name, "    .option rvc");
        let mut seed = 0;
        for &x in &C_VALUES {
            for &imm in imms {
                let rd = pick(pool, seed, 1)[0];
                seed += 1;
                let expected = f(x, imm as u64);
                b.case(&format!("{name} {rd}={x:#x}, {imm} -> {expected:#x}"), |_| {
                    format!("    li {rd}, {x:#x}\n    {name} {rd}, {imm}\n    CHECK {rd}, {expected:#x}\n")
                });
            }
        }
        programs.extend(b.finish());
    }
    // sp plus a scaled immediate, each bit on its own and the extremes; sp only holds
    // a number here, it is never dereferenced.
    let mut b = Builder::new("c_sp_immediates", "    .option rvc");
    for (seed, &sp) in [0x1234_5670u64, 0xffff_ffff_ffff_fff0].iter().enumerate() {
        for imm in [16i64, 32, 64, 128, 256, -512, 496, -16] {
            let expected = sp.wrapping_add(imm as u64);
            b.case(&format!("c.addi16sp sp={sp:#x}, {imm} -> {expected:#x}"), |_| {
                format!("    li sp, {sp:#x}\n    c.addi16sp sp, {imm}\n    CHECK sp, {expected:#x}\n")
            });
        }
        for imm in [4i64, 8, 16, 32, 64, 128, 256, 512, 1020] {
            let rd = pick(&PRIME_REGS, seed * 16 + imm as usize, 1)[0];
            let expected = sp.wrapping_add(imm as u64);
            b.case(&format!("c.addi4spn {rd}, sp={sp:#x}, {imm} -> {expected:#x}"), |_| {
                format!("    li sp, {sp:#x}\n    c.addi4spn {rd}, sp, {imm}\n    CHECK {rd}, {expected:#x}\n    CHECK sp, {sp:#x}\n")
            });
        }
    }
    programs.extend(b.finish());
    check_programs(&programs, 0);
}

#[test]
fn rvc_loads_stores_stack_and_control_flow() {
    check_hand_written("compressed", include_str!("isa/compressed.S"));
}

/// Offsets for I- and S-type memory accesses (and jalr): every bit of the 12-bit field
/// on its own, and the extremes.
const I_OFFSETS: [i64; 14] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, -2048, 2047, -1];

/// A load or store form whose offset field is under test.
struct MemForm {
    mnemonic: &'static str,
    store: bool,
    /// Bytes accessed; loads narrower than 8 bytes sign-extend unless named `…u`.
    width: usize,
    offsets: &'static [i64],
    /// Registers for the base and the value, or for the value only when the base is sp.
    regs: &'static [&'static str],
    sp_based: bool,
}

fn mem(mnemonic: &'static str, width: usize, offsets: &'static [i64], regs: &'static [&'static str]) -> MemForm {
    let bare = mnemonic.trim_start_matches("c.");
    MemForm { mnemonic, store: bare.starts_with('s'), width, offsets, regs, sp_based: bare.ends_with("sp") }
}

/// Each offset bit of every load/store format on its own: the base register holds the
/// data word's address minus the offset, so the access reaches the word only if every
/// bit of the offset is decoded in its place.
#[test]
fn memory_offset_fields_every_bit() {
    const WORD: u64 = 0xf1e2_d3c4_b5a6_9788;
    const C_WORD_OFFSETS: &[i64] = &[4, 8, 16, 32, 64, 124];
    const C_DOUBLE_OFFSETS: &[i64] = &[8, 16, 32, 64, 128, 248];
    const SP_WORD_OFFSETS: &[i64] = &[4, 8, 16, 32, 64, 128, 252];
    const SP_DOUBLE_OFFSETS: &[i64] = &[8, 16, 32, 64, 128, 256, 504];
    let groups: [(&str, &str, Vec<MemForm>); 2] = [
        (
            "offsets",
            "    .option norvc",
            vec![
                mem("ld", 8, &I_OFFSETS, &REGS),
                mem("lw", 4, &I_OFFSETS, &REGS),
                mem("lbu", 1, &I_OFFSETS, &REGS),
                mem("sd", 8, &I_OFFSETS, &REGS),
                mem("sw", 4, &I_OFFSETS, &REGS),
                mem("sb", 1, &I_OFFSETS, &REGS),
            ],
        ),
        (
            "c_offsets",
            "    .option rvc",
            vec![
                mem("c.lw", 4, C_WORD_OFFSETS, &PRIME_REGS),
                mem("c.ld", 8, C_DOUBLE_OFFSETS, &PRIME_REGS),
                mem("c.sw", 4, C_WORD_OFFSETS, &PRIME_REGS),
                mem("c.sd", 8, C_DOUBLE_OFFSETS, &PRIME_REGS),
                mem("c.lwsp", 4, SP_WORD_OFFSETS, &FULL_REGS),
                mem("c.ldsp", 8, SP_DOUBLE_OFFSETS, &FULL_REGS),
                mem("c.swsp", 4, SP_WORD_OFFSETS, &FULL_REGS),
                mem("c.sdsp", 8, SP_DOUBLE_OFFSETS, &FULL_REGS),
            ],
        ),
    ];
    let mut programs = Vec::new();
    let mut seed = 0;
    for (name, option, forms) in groups {
        let header =
            format!("{option}\n    .pushsection .data\n    .balign 8\n.Lword:\n    .dword 0\n    .popsection\n");
        let mut b = Builder::new(name, &header);
        for form in forms {
            for &off in form.offsets {
                seed += 1;
                let (base, value) = if form.sp_based {
                    ("sp", pick(form.regs, seed, 1)[0])
                } else {
                    let r = pick(form.regs, seed, 2);
                    (r[0], r[1])
                };
                let stored = 0x1357_9bdf_2468_ace0u64 ^ (seed as u64).wrapping_mul(0x0101_0101_0101);
                let mut bytes = WORD.to_le_bytes();
                if form.store {
                    bytes[..form.width].copy_from_slice(&stored.to_le_bytes()[..form.width]);
                }
                let signed = !form.mnemonic.ends_with('u');
                let expected = read_le(&bytes, 0, if form.store { 8 } else { form.width }, signed);
                let mn = form.mnemonic;
                let access = if form.store {
                    format!("    li {value}, {stored:#x}\n    {mn} {value}, {off}({base})\n    ADDR {base}, .Lword\n    ld {value}, 0({base})\n")
                } else {
                    format!("    {mn} {value}, {off}({base})\n")
                };
                b.case(&format!("{mn} {value}, {off}({base}) with {base} = .Lword - {off} -> {expected:#x}"), |_| {
                    format!(
                        "    ADDR {base}, .Lword\n    li {value}, {WORD:#x}\n    sd {value}, 0({base})\n    ADDR {base}, .Lword - ({off})\n{access}    CHECK {value}, {expected:#x}\n"
                    )
                });
            }
        }
        programs.extend(b.finish());
    }
    check_programs(&programs, 0);
}

/// Branches and jumps over distances that set each bit of their offset field, forward
/// and backward. The bytes in between are zeros (illegal instructions), so a wrong
/// target faults; each target adds 1 to s11, and the footer checks that every case's
/// target ran exactly once (a jump that lands in a later case would skip one). Each
/// case first checks that the distance in the program is the intended one.
#[test]
fn branch_and_jump_offset_fields_every_bit() {
    // (name, compressed?, setup, instruction with `{t}` for the target, its size,
    //  forward distances, backward distances)
    type Form = (&'static str, bool, &'static str, &'static str, i64, Vec<i64>, Vec<i64>);
    let powers = |lo: u32, hi: u32| (lo..=hi).map(|k| 1i64 << k).collect::<Vec<_>>();
    let with = |mut v: Vec<i64>, extra: &[i64]| {
        v.extend_from_slice(extra);
        v
    };
    let forms: [Form; 6] = [
        ("beq", false, "", "beq zero, zero, {t}", 4, with(powers(3, 11), &[4088]), powers(4, 12)),
        (
            "bge",
            false,
            "li a0, -1",
            "bge zero, a0, {t}",
            4,
            with(powers(3, 11), &[0x554]),
            with(powers(4, 12), &[0xaac]),
        ),
        ("jal", false, "", "jal ra, {t}", 4, with(powers(3, 19), &[0x55554]), powers(4, 20)),
        ("c.j", true, "", "c.j {t}", 2, with(powers(2, 10), &[6, 2044]), with(powers(4, 11), &[18])),
        ("c.beqz", true, "c.li a0, 0", "c.beqz a0, {t}", 2, with(powers(2, 7), &[6, 252]), with(powers(4, 8), &[18])),
        ("c.bnez", true, "c.li a0, 1", "c.bnez a0, {t}", 2, with(powers(2, 7), &[6, 252]), with(powers(4, 8), &[18])),
    ];
    let footer = "\n# after the last case: every target ran exactly once (s11 counts them)\n    CHECK_EQ s11, t6\n";
    // The counting code at a backward target: 16 bytes whatever the program's mode,
    // and an absolute jump, which reaches past gaps of any size.
    const COUNT_AND_LEAVE_SIZE: i64 = 16;
    let count_and_leave = |n: usize| {
        format!(
            "    .option push\n    .option norvc\n    addi s11, s11, 1\n    ADDR a2, .Ljoin{n}\n    jalr x0, 0(a2)\n    .option pop\n"
        )
    };
    // The layout is checked at run time, before the jump, from linker-resolved
    // absolute addresses: the assembler cannot (a branch is a relaxable fragment), and
    // near the end of a branch's range gas may lengthen it into a branch plus a jal,
    // which is why the largest forward distances stop a few bytes short of the limit.
    let check_distance = |n: usize, from: &str, to: &str, distance: i64| {
        format!("    ADDR a1, {to}{n}\n    ADDR a2, {from}{n}\n    sub a1, a1, a2\n    CHECK a1, {distance}\n")
    };
    let mut programs = Vec::new();
    for (name, compressed, setup, insn, size, forward, backward) in forms {
        let option = if compressed { ".option rvc" } else { ".option norvc" };
        let header = format!("    {option}\n    .option norelax\n    li s11, 0\n");
        for (direction, distances) in [("forward", forward), ("backward", backward)] {
            let mut b = Builder::new(&format!("{name}_{direction}").replace('.', "_"), &header).with_footer(footer);
            for distance in distances {
                b.case(&format!("{name} {direction} by {distance}"), |n| {
                    let jump = insn.replace("{t}", &format!(".Ltarget{n}"));
                    if direction == "forward" {
                        format!(
                            "{}    {setup}\n.Lsource{n}:\n    {jump}\n    .skip {}\n.Ltarget{n}:\n    addi s11, s11, 1\n",
                            check_distance(n, ".Lsource", ".Ltarget", distance),
                            distance - size,
                        )
                    } else {
                        format!(
                            "{}    {setup}\n    ADDR a2, .Lsource{n}\n    jalr x0, 0(a2)\n.Ltarget{n}:\n{}    .skip {}\n.Lsource{n}:\n    {jump}\n    FAIL\n.Ljoin{n}:\n",
                            check_distance(n, ".Ltarget", ".Lsource", distance),
                            count_and_leave(n),
                            distance - COUNT_AND_LEAVE_SIZE,
                        )
                    }
                });
            }
            programs.extend(b.finish());
        }
    }
    // jalr's I-type offset: the base is the target minus the offset (odd offsets land
    // on the target because jalr clears bit 0).
    let mut b =
        Builder::new("jalr_offsets", "    .option norvc\n    .option norelax\n    li s11, 0\n").with_footer(footer);
    for off in I_OFFSETS {
        b.case(&format!("jalr ra, {off}(t0) with t0 = target - {off}"), |n| {
            format!("    ADDR t0, .Ltarget{n} - ({off})\n    jalr ra, {off}(t0)\n    .skip 8\n.Ltarget{n}:\n    addi s11, s11, 1\n")
        });
    }
    programs.extend(b.finish());
    check_programs(&programs, 0);
}

/// The harness itself can fail: a program whose third case expects a wrong value
/// must exit with 2*3+1 = 7 under both qemu-riscv64 and ziskjit, and the failure
/// must be reported as case 3 (so a broken CHECK cannot make every test pass).
#[test]
fn harness_reports_the_first_failing_case() {
    let mut b = Builder::new("deliberately_wrong", "    .option norvc");
    let cases: [(&str, u64, u64, u64); 4] = [("add", 1, 1, 2), ("mul", 2, 3, 6), ("add", 2, 2, 5), ("sub", 1, 1, 1)];
    for (mnemonic, x, y, claimed) in cases {
        b.case(&format!("{mnemonic} {x}, {y} -> {claimed}"), |_| {
            format!("    li a0, {x}\n    li a1, {y}\n    {mnemonic} a2, a0, a1\n    CHECK a2, {claimed}\n")
        });
    }
    let programs = b.finish();
    let program = &programs[0];
    assert_eq!(program.describe_case(3), "add 2, 2 -> 5");
    check_programs(&programs, 7);
    let wrong_case_report =
        program.mismatch("a run", &Outcome { stdout: Vec::new(), stderr: Vec::new(), exit_code: 7 }, 0);
    assert!(
        wrong_case_report.as_deref().is_some_and(|r| r.contains("case 3 failed (add 2, 2 -> 5)")),
        "report: {wrong_case_report:?}"
    );
}

/// The generated programs are within the 127-case limit and named uniquely (each
/// name is a file in the same temporary directory).
#[test]
fn generated_programs_are_well_formed() {
    let mut programs = register_programs(&RV64I_ALU);
    programs.extend(immediate_programs(&RV64I_ALU));
    programs.extend(register_programs(&RV64M));
    let mut names: Vec<&str> = programs.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "duplicate program names");
    for p in &programs {
        let cases = p.body.matches("\n    CASE ").count();
        assert!((1..=MAX_CASES).contains(&cases), "{} has {cases} cases", p.name);
    }
    // 13 x 13 operand pairs do not fit one program: the op is split in two.
    assert!(programs.iter().any(|p| p.name == "add_1"));
}
