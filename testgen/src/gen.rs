//! Seeded random RV64IMAC + Zifencei test programs (GNU as text) for differential tests.
//!
//! The interpreter is checked against `qemu-riscv64`, and the JIT and the trace replay
//! against the interpreter, on the same programs: this module owns that program
//! source. [`generate`] turns a `u64` seed and a [`GenConfig`] into a
//! [`GeneratedProgram`]: assembly with a `_start`, the bytes to feed on stdin, and the
//! layout of what the program writes to fd 1, so a mismatch can be decoded into
//! "register x13 differs" instead of "byte 1234 differs" ([`OutputLayout::describe_mismatch`]).
//!
//! Every program is valid and terminates under both QEMU and ziskjit:
//! * registers are initialised from literals by the prologue (QEMU and ziskjit start
//!   them differently); `sp` is never read except as the base of a balanced stack
//!   frame whose slots are written before they are read, because its value differs;
//! * `gp` holds the base of the writable data buffer, `tp` is the loop counter and
//!   `ra` the link register: random instructions never write those three;
//! * every backward edge is a counted loop (or a jump dance that runs each part once);
//!   loops do not nest and functions are leaves without loops, so runs are short;
//! * an `lr` is always followed by its `sc` with only register arithmetic between, so
//!   the reservation is clear everywhere else and a lone `sc` must fail in both;
//! * atomics use naturally aligned addresses (QEMU raises a fault on misaligned AMOs),
//!   plain loads and stores use any alignment (QEMU user mode accepts those), and the
//!   data buffer straddles a page boundary so some of them cross pages;
//! * besides the data buffer, programs load from `.rodata`, from their own code, and
//!   load and store in `.bss` (the zero-filled part of the data segment).
//!
//! The epilogue stores every register except `x0` and `sp` ([`DUMPED_REGS`]) and then
//! the data buffer to fd 1, and exits with `a0 & 0xff` or a fixed code.

mod emit;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Size in bytes of the writable data buffer that loads, stores, atomics and `read`
/// use; the epilogue writes it to fd 1 after the registers.
pub const DATA_LEN: usize = 512;
/// Where the data buffer starts inside its 4 KiB page: half of it lies in the next
/// page, so misaligned accesses near the middle cross a page boundary.
pub const DATA_PAGE_OFFSET: usize = 4096 - DATA_LEN / 2;
/// Size in bytes of the zero-initialised `.bss` buffer (loaded and stored, not dumped).
pub const BSS_LEN: usize = 256;
/// Size in bytes of the read-only table in `.rodata`.
pub const RODATA_LEN: usize = 256;
/// The registers the epilogue writes to fd 1, in order, 8 bytes little-endian each:
/// all but `x0` (always zero) and `sp` (differs between QEMU and ziskjit).
pub const DUMPED_REGS: [u8; 30] =
    [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
/// Upper bound on the length of the generated stdin input: below `PIPE_BUF`, so the
/// test harness writes it into the pipe in one atomic write and a `read` under QEMU
/// never sees a partial delivery that ziskjit would not.
pub const MAX_INPUT_LEN: usize = 4096;

/// How compressed (RVC) instructions get into a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// The assembler compresses every eligible instruction (`-march=rv64imac`).
    Assembler,
    /// `.option norvc` and `-march=rv64ima_zifencei`: only 4-byte encodings.
    Disabled,
    /// Like [`Compression::Assembler`], plus explicit `c.*` mnemonics (register
    /// subsets, stack-relative forms, `c.addi16sp`, `c.addi4spn`, `c.jr`, `c.jalr`…).
    Explicit,
}

/// Relative weights of the kinds of items a program is made of; `0` disables a kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mix {
    /// RV64I register and immediate arithmetic, shifts, `lui`/`auipc`, `li`, fences.
    pub alu: u32,
    /// The M extension, with operands biased towards corner values.
    pub muldiv: u32,
    /// Loads and stores of every width on the data buffer, the read-only table and a
    /// stack frame.
    pub memory: u32,
    /// LR/SC sequences and AMOs.
    pub atomics: u32,
    /// Forward branches, jump dances, indirect jumps and calls.
    pub control: u32,
    /// `write` to fd 1 or 2 and `read` from fd 0.
    pub syscalls: u32,
}

/// What kind of program [`generate`] builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Number of top-level items (an item is one instruction up to a whole loop).
    pub items: usize,
    /// Weights of the item kinds.
    pub mix: Mix,
    /// Counted loops run `1..=max_loop_count` times (tight self-loops up to eight times
    /// that); `0` means no loops, hence no backward branches.
    pub max_loop_count: u32,
    /// How RVC instructions are produced.
    pub compression: Compression,
}

impl Default for GenConfig {
    /// [`GenConfig::looping`]: every kind of item.
    fn default() -> Self {
        Self::looping()
    }
}

impl GenConfig {
    /// Straight-line programs: arithmetic, memory, atomics and syscalls, no control flow.
    pub fn straight_line() -> Self {
        GenConfig {
            items: 60,
            mix: Mix { alu: 10, muldiv: 4, memory: 6, atomics: 2, control: 0, syscalls: 1 },
            max_loop_count: 0,
            compression: Compression::Assembler,
        }
    }

    /// Everything: loops, branches, calls, indirect jumps, syscalls inside loops.
    pub fn looping() -> Self {
        GenConfig {
            items: 40,
            mix: Mix { alu: 10, muldiv: 3, memory: 6, atomics: 2, control: 4, syscalls: 1 },
            max_loop_count: 6,
            compression: Compression::Assembler,
        }
    }

    /// Mostly multiplication and division on corner values.
    pub fn muldiv_heavy() -> Self {
        GenConfig {
            items: 60,
            mix: Mix { alu: 3, muldiv: 12, memory: 1, atomics: 0, control: 1, syscalls: 0 },
            max_loop_count: 6,
            compression: Compression::Assembler,
        }
    }

    /// Mostly loads, stores, atomics and syscalls.
    pub fn memory_heavy() -> Self {
        GenConfig {
            items: 60,
            mix: Mix { alu: 3, muldiv: 1, memory: 12, atomics: 5, control: 2, syscalls: 2 },
            max_loop_count: 6,
            compression: Compression::Assembler,
        }
    }

    /// Loops weighted up and running up to 1000 times: thousands to tens of thousands of steps,
    /// for tests that need runs longer than a trace segment.
    pub fn long_loops() -> Self {
        GenConfig {
            items: 30,
            mix: Mix { alu: 6, muldiv: 2, memory: 4, atomics: 1, control: 8, syscalls: 1 },
            max_loop_count: 1000,
            compression: Compression::Assembler,
        }
    }

    /// [`GenConfig::looping`] with `compression` set.
    pub fn looping_with(compression: Compression) -> Self {
        GenConfig { compression, ..Self::looping() }
    }

    /// The named configurations the differential tests sweep, with the share of the
    /// program budget each gets.
    pub fn presets() -> Vec<(&'static str, GenConfig, u32)> {
        vec![
            ("straight_line", Self::straight_line(), 3),
            ("looping", Self::looping(), 4),
            ("looping_norvc", Self::looping_with(Compression::Disabled), 2),
            ("looping_explicit_rvc", Self::looping_with(Compression::Explicit), 3),
            ("muldiv_heavy", Self::muldiv_heavy(), 2),
            ("memory_heavy", Self::memory_heavy(), 3),
            ("long_loops", Self::long_loops(), 1),
        ]
    }
}

/// How the generated program picks its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// `exit(code)`.
    Fixed(u8),
    /// `exit(a0 & 0xff)` with whatever `a0` holds at the end.
    LowByteOfA0,
}

/// Layout of the bytes a generated program writes to fd 1: first whatever its `write`
/// items produce, then [`DUMPED_REGS`] (8 bytes each, little-endian), then the
/// [`DATA_LEN`]-byte data buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputLayout {
    /// Bytes the program's own `write(1, …)` calls produce before the dump.
    pub writes_len: usize,
}

impl OutputLayout {
    /// Length of the dump at the end of the output (registers, then data buffer).
    pub const DUMP_LEN: usize = DUMPED_REGS.len() * 8 + DATA_LEN;

    /// Total number of bytes the program writes to fd 1.
    pub fn total_len(&self) -> usize {
        self.writes_len + Self::DUMP_LEN
    }

    /// The final value of register `x{reg}` in the output `out`, if it is dumped and
    /// `out` is long enough.
    pub fn register(&self, out: &[u8], reg: u8) -> Option<u64> {
        let index = DUMPED_REGS.iter().position(|&r| r == reg)?;
        let (_, regs, _) = dump_of(out)?;
        Some(u64::from_le_bytes(regs[index * 8..index * 8 + 8].try_into().expect("8 bytes")))
    }

    /// `None` if `a` and `b` are equal; otherwise a description of the first
    /// difference in terms a person can debug: which register (with both values),
    /// which data-buffer byte, or which byte of the program's own writes. The dump is
    /// located from the end of each output, so it is decoded even when the two
    /// outputs differ in length.
    pub fn describe_mismatch(&self, a_name: &str, a: &[u8], b_name: &str, b: &[u8]) -> Option<String> {
        if a == b {
            return None;
        }
        let mut notes = Vec::new();
        if a.len() != b.len() {
            notes.push(format!(
                "output length: {a_name} {} bytes, {b_name} {} bytes (expected {})",
                a.len(),
                b.len(),
                self.total_len()
            ));
        }
        match (dump_of(a), dump_of(b)) {
            (Some((a_pre, a_regs, a_data)), Some((b_pre, b_regs, b_data))) => {
                let reg =
                    DUMPED_REGS.iter().enumerate().find(|(i, _)| a_regs[i * 8..i * 8 + 8] != b_regs[i * 8..i * 8 + 8]);
                if let Some((i, &r)) = reg {
                    let value = |regs: &[u8]| u64::from_le_bytes(regs[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
                    notes.push(format!(
                        "x{r} ({}): {a_name} {:#018x} {b_name} {:#018x}",
                        emit::REG_NAMES[r as usize],
                        value(a_regs),
                        value(b_regs)
                    ));
                }
                if let Some(off) = first_difference(a_data, b_data) {
                    notes.push(format!(
                        "data buffer byte {off} (data_buf+{off:#x}): {a_name} {:#04x} {b_name} {:#04x}",
                        a_data[off], b_data[off]
                    ));
                }
                if let Some(off) = first_difference(a_pre, b_pre) {
                    notes.push(format!(
                        "output of the program's write calls, byte {off}: {a_name} {} {b_name} {}",
                        byte_or_end(a_pre, off),
                        byte_or_end(b_pre, off)
                    ));
                }
            }
            _ => {
                let off = first_difference(a, b).unwrap_or(0);
                notes.push(format!(
                    "output too short to hold the register and data dump ({} bytes); first difference at byte {off}: {a_name} {} {b_name} {}",
                    Self::DUMP_LEN,
                    byte_or_end(a, off),
                    byte_or_end(b, off)
                ));
            }
        }
        Some(notes.join("\n"))
    }
}

/// Splits an output into (program writes, register dump, data buffer), if long enough.
fn dump_of(out: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let pre = out.len().checked_sub(OutputLayout::DUMP_LEN)?;
    let (writes, dump) = out.split_at(pre);
    let (regs, data) = dump.split_at(DUMPED_REGS.len() * 8);
    Some((writes, regs, data))
}

/// Index of the first byte where `a` and `b` differ, counting "one ended" as a difference.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y).or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

fn byte_or_end(bytes: &[u8], off: usize) -> String {
    bytes.get(off).map_or_else(|| "<end>".to_string(), |b| format!("{b:#04x}"))
}

/// One generated test program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedProgram {
    /// The seed it was generated from.
    pub seed: u64,
    /// GNU as source with a `_start`.
    pub source: String,
    /// The `-march` to assemble it with.
    pub march: &'static str,
    /// The bytes to feed on stdin (fd 0).
    pub input: Vec<u8>,
    /// What the program writes to fd 1.
    pub layout: OutputLayout,
    /// How the program chooses its exit code.
    pub exit: ExitCode,
}

impl GeneratedProgram {
    /// Assembles the program into `dir/name.elf` (see [`crate::toolchain::assemble_with`]).
    pub fn assemble(&self, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        crate::toolchain::assemble_with(dir, name, &self.source, self.march)
    }
}

/// Generates the program for `seed` and `config`; the same arguments always give the
/// same program.
pub fn generate(seed: u64, config: &GenConfig) -> GeneratedProgram {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let built = emit::build(&mut rng, config);
    GeneratedProgram {
        seed,
        source: built.source,
        // Without RVC the program is assembled as a pure RV64IMA ELF (no RVC flag).
        march: if config.compression == Compression::Disabled { "rv64ima_zifencei" } else { "rv64imac_zifencei" },
        input: built.input,
        layout: OutputLayout { writes_len: built.writes_len },
        exit: built.exit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain;

    #[test]
    fn same_seed_gives_same_program() {
        for (name, config, _) in GenConfig::presets() {
            for seed in [0, 1, 0xdead_beef, u64::MAX] {
                assert_eq!(generate(seed, &config), generate(seed, &config), "{name}, seed {seed}");
            }
        }
    }

    #[test]
    fn different_seeds_give_different_programs() {
        for (name, config, _) in GenConfig::presets() {
            let sources: std::collections::HashSet<String> = (0..50).map(|s| generate(s, &config).source).collect();
            assert_eq!(sources.len(), 50, "{name}: two of 50 seeds gave the same program");
        }
    }

    #[test]
    fn compression_modes_shape_the_source() {
        let norvc = generate(7, &GenConfig::looping_with(Compression::Disabled));
        assert!(norvc.source.contains(".option norvc"));
        assert!(!norvc.source.contains("\tc."), "explicit c.* mnemonic in a norvc program");
        let explicit: String =
            (0..20).map(|s| generate(s, &GenConfig::looping_with(Compression::Explicit)).source).collect();
        for mnemonic in ["c.addi16sp", "c.addi4spn", "c.sdsp", "c.ldsp", "c.lw", "c.sd", "c.jr", "c.bnez", "c.li"] {
            assert!(explicit.contains(&format!("\t{mnemonic} ")), "{mnemonic} never generated");
        }
    }

    #[test]
    fn programs_cover_the_instruction_set() {
        let all: String = GenConfig::presets()
            .iter()
            .flat_map(|(_, config, _)| (0..30).map(|s| generate(s, config).source))
            .collect();
        let wanted = [
            "addw",
            "subw",
            "sllw",
            "srlw",
            "sraw",
            "slliw",
            "srliw",
            "sraiw",
            "sltiu",
            "sltu",
            "lui",
            "auipc",
            "mulhsu",
            "mulhu",
            "mulw",
            "divuw",
            "remuw",
            "remw",
            "lbu",
            "lhu",
            "lwu",
            "sb",
            "sh",
            "lr.w",
            "lr.d",
            "sc.w",
            "sc.d",
            "amoswap.w",
            "amomaxu.d",
            "amominu.w",
            "amoand.d",
            "amoor.w",
            "amoxor.d",
            "fence.i",
            "fence",
            "jalr",
            "bgeu",
            "ecall",
        ];
        for m in wanted {
            assert!(all.contains(&format!("\t{m}")), "{m} never generated");
        }
        for region in ["rodata_table", "_start", "bss_buf", "fn_table"] {
            assert!(all.contains(&format!("la t0, {region}\n")), "no access to {region}");
        }
    }

    /// Every preset's programs assemble, run to completion under QEMU without a fault,
    /// write exactly the announced number of bytes and exit with the announced code.
    #[test]
    fn programs_assemble_and_run_under_qemu() {
        toolchain::require_tools();
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, config, _) in GenConfig::presets() {
            for seed in 0..8 {
                let program = generate(seed, &config);
                let elf = program.assemble(dir.path(), &format!("{name}_{seed}"));
                let out = toolchain::run_qemu(&elf, &program.input);
                let context = format!("{name} seed {seed}: stderr {}", String::from_utf8_lossy(&out.stderr));
                assert_eq!(out.stdout.len(), program.layout.total_len(), "{context}");
                let a0 = program.layout.register(&out.stdout, 10).expect("a0 is dumped");
                let expected = match program.exit {
                    ExitCode::Fixed(code) => code,
                    ExitCode::LowByteOfA0 => a0 as u8,
                };
                assert_eq!(out.exit_code, i32::from(expected), "{context}");
            }
        }
    }

    #[test]
    fn mismatch_names_the_register() {
        let layout = OutputLayout { writes_len: 3 };
        let a = vec![0u8; layout.total_len()];
        assert_eq!(layout.describe_mismatch("qemu", &a, "ziskjit", &a), None);
        let mut b = a.clone();
        // x13 is the 12th dumped register (index 11).
        b[3 + 11 * 8 + 1] = 0x12;
        let text = layout.describe_mismatch("qemu", &a, "ziskjit", &b).expect("differs");
        assert!(text.contains("x13 (a3): qemu 0x0000000000000000 ziskjit 0x0000000000001200"), "{text}");
        let mut c = a.clone();
        c[3 + 30 * 8 + 5] = 1;
        let text = layout.describe_mismatch("qemu", &a, "ziskjit", &c).expect("differs");
        assert!(text.contains("data buffer byte 5"), "{text}");
        let text = layout.describe_mismatch("qemu", &a, "ziskjit", &a[1..]).expect("differs");
        assert!(text.contains("output length"), "{text}");
        assert!(text.contains("program's write calls, byte 2"), "{text}");
    }
}
