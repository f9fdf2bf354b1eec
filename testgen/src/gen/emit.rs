//! The instruction-level part of the generator: picks items by the configured mix and
//! writes their assembly, keeping the invariants listed in the parent module (reserved
//! `gp`/`tp`/`ra`, balanced stack frames, counted loops, paired LR/SC, aligned atomics).
//!
//! Registers are printed with their ABI names, labels are `.L<n>` (local, unique per
//! program) except in self-loops, which use GNU numeric labels on purpose.

use super::{
    Compression, ExitCode, GenConfig, BSS_LEN, DATA_LEN, DATA_PAGE_OFFSET, DUMPED_REGS, MAX_INPUT_LEN, RODATA_LEN,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// ABI names of x0..x31.
pub(super) const REG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

const ZERO: u8 = 0;
const GP: u8 = 3;
/// Scratch register for computed addresses (`t0`): written right before it is used.
const T0: u8 = 5;
/// Holds the exit code across the epilogue's `write` calls (`s11`, already dumped then).
const EXIT_HOLDER: u8 = 27;
/// Most functions a program gets (each called from any number of places).
const MAX_FUNCTIONS: usize = 4;
/// Length of the input fed on stdin is drawn from `0..=INPUT_LEN`.
const INPUT_LEN: usize = 300;
/// How many bytes from `_start` on loads may read: the epilogue alone is longer.
const TEXT_READ_LEN: usize = 64;
/// Longest `write`/`read` a syscall item does.
const MAX_IO_LEN: usize = 64;

/// What [`build`] produced; [`super::generate`] wraps it into the public type.
pub(super) struct Built {
    pub source: String,
    pub input: Vec<u8>,
    pub writes_len: usize,
    pub exit: ExitCode,
}

/// Where an item is placed; decides which kinds of items it may be.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// The main body: anything, including loops.
    Top,
    /// The body of a counted loop: no nested loop (one counter register, `tp`).
    LoopBody,
    /// A function body: no calls (functions are leaves, `ra` is not saved), no loops
    /// (`tp` may be counting the caller's loop), no syscalls (a function is called from
    /// several places, so its writes could not be counted where it is generated).
    Function,
    /// Code that a branch or jump may skip: data operations only, so what runs does
    /// not change the amount of output or the control structure.
    Skippable,
}

#[derive(Clone, Copy)]
enum Kind {
    Alu,
    MulDiv,
    Memory,
    Atomics,
    Control,
    Syscall,
    Loop,
}

/// Generates one program from `rng` for `config`.
pub(super) fn build(rng: &mut ChaCha8Rng, config: &GenConfig) -> Built {
    let mut e = Emitter {
        rng,
        config,
        text: String::new(),
        functions: Vec::new(),
        labels: 0,
        writes_len: 0,
        repeat: 1,
        protected: 0,
    };
    e.prologue();
    for _ in 0..config.items {
        e.item(Place::Top);
    }
    let exit = if e.rng.gen_bool(0.5) { ExitCode::Fixed(e.rng.gen()) } else { ExitCode::LowByteOfA0 };
    e.epilogue(exit);
    let functions = std::mem::take(&mut e.functions);
    for f in &functions {
        e.text.push_str(f);
    }
    e.data_sections(functions.len());
    let input_len = e.rng.gen_range(0..=INPUT_LEN.min(MAX_INPUT_LEN));
    let input = (0..input_len).map(|_| e.rng.gen()).collect();
    Built { source: e.text, input, writes_len: e.writes_len, exit }
}

struct Emitter<'a> {
    rng: &'a mut ChaCha8Rng,
    config: &'a GenConfig,
    /// Source being written (the main body, or a function body while one is built).
    text: String,
    /// Finished function bodies, appended after the epilogue.
    functions: Vec<String>,
    labels: u32,
    /// Bytes written to fd 1 by the program's own `write` items so far.
    writes_len: usize,
    /// How many times the code being emitted runs (the loop count inside a loop body).
    repeat: usize,
    /// Bit mask of registers random instructions must not write right now (on top of
    /// the always-reserved `sp`, `gp`, `tp`, `ra`).
    protected: u32,
}

/// Picks one of `choices` with probability proportional to its weight; `None` if all
/// weights are zero.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(u32, T)]) -> Option<T> {
    let total: u32 = choices.iter().map(|c| c.0).sum();
    if total == 0 {
        return None;
    }
    let mut x = rng.gen_range(0..total);
    choices.iter().find_map(|&(w, t)| {
        if x < w {
            Some(t)
        } else {
            x -= w;
            None
        }
    })
}

fn r(reg: u8) -> &'static str {
    REG_NAMES[reg as usize]
}

impl Emitter<'_> {
    fn line(&mut self, s: impl AsRef<str>) {
        self.text.push('\t');
        self.text.push_str(s.as_ref());
        self.text.push('\n');
    }

    fn label(&mut self) -> String {
        self.labels += 1;
        format!(".L{}", self.labels)
    }

    fn place_label(&mut self, label: &str) {
        let _ = writeln!(self.text, "{label}:");
    }

    fn one_of<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.gen_range(0..xs.len())]
    }

    fn explicit_rvc(&self) -> bool {
        self.config.compression == Compression::Explicit
    }

    // ---- registers and values ----

    /// A destination for a random instruction: `t0`..`t6`/`s*`/`a*`, rarely `x0`
    /// (writes to `x0` are legal and must be dropped), never a protected register.
    fn dst(&mut self) -> u8 {
        loop {
            let reg = if self.rng.gen_ratio(1, 50) { ZERO } else { self.rng.gen_range(T0..32) };
            if self.protected & (1 << reg) == 0 {
                return reg;
            }
        }
    }

    fn dst_nonzero(&mut self) -> u8 {
        loop {
            let reg = self.dst();
            if reg != ZERO {
                return reg;
            }
        }
    }

    /// A register in the compressed subset x8..x15 that may be written.
    fn dst_c(&mut self) -> u8 {
        loop {
            let reg = self.rng.gen_range(8..16);
            if self.protected & (1 << reg) == 0 {
                return reg;
            }
        }
    }

    /// A source register: anything but `sp` (whose value differs between QEMU and
    /// ziskjit); `x0`, `ra`, `gp`, `tp` now and then.
    fn src(&mut self) -> u8 {
        match self.rng.gen_range(0..40) {
            0 => ZERO,
            1 => 1,
            2 => GP,
            3 => 4,
            _ => self.rng.gen_range(T0..32),
        }
    }

    fn src_nonzero(&mut self) -> u8 {
        loop {
            let reg = self.src();
            if reg != ZERO {
                return reg;
            }
        }
    }

    /// A 64-bit value biased towards the corners of signed and unsigned arithmetic.
    fn value(&mut self) -> i64 {
        const CORNERS: [i64; 18] = [
            0,
            1,
            -1,
            2,
            -2,
            3,
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            i32::MIN as i64,
            i32::MAX as i64,
            0x8000_0000,
            0xffff_ffff,
            0x1_0000_0000,
            -0x1_0000_0000,
            0x7fff,
            -0x8000,
            0xffff,
        ];
        match self.rng.gen_range(0..6) {
            0 | 1 => self.one_of(&CORNERS),
            2 => self.rng.gen_range(-100..=100),
            3 => i64::from(self.rng.gen::<i32>()),
            4 => i64::from(self.rng.gen::<u32>()),
            _ => self.rng.gen(),
        }
    }

    /// A 12-bit signed immediate, biased towards its limits.
    fn imm12(&mut self) -> i32 {
        if self.rng.gen_ratio(1, 4) {
            self.one_of(&[0, 1, -1, 2047, -2048])
        } else {
            self.rng.gen_range(-2048..=2047)
        }
    }

    fn imm6(&mut self) -> i32 {
        self.rng.gen_range(-32..=31)
    }

    /// A shift amount below `limit` (32 or 64), biased towards its edges.
    fn shamt(&mut self, limit: u32) -> u32 {
        if self.rng.gen_bool(0.5) {
            self.one_of(&[0, 1, limit / 2 - 1, limit / 2, limit / 2 + 1, limit - 1])
        } else {
            self.rng.gen_range(0..limit)
        }
    }

    // ---- program frame ----

    fn prologue(&mut self) {
        if self.config.compression == Compression::Disabled {
            self.line(".option norvc");
        }
        self.line(".text");
        self.line(".globl _start");
        self.text.push_str("_start:\n");
        self.line(format!("la {}, data_buf", r(GP)));
        for reg in DUMPED_REGS.into_iter().filter(|&reg| reg != GP) {
            let v = self.value();
            self.line(format!("li {}, {v}", r(reg)));
        }
    }

    fn epilogue(&mut self, exit: ExitCode) {
        for (i, reg) in DUMPED_REGS.into_iter().enumerate() {
            self.line(format!("sd {}, {}({})", r(reg), DATA_LEN + 8 * i, r(GP)));
        }
        match exit {
            ExitCode::Fixed(code) => self.line(format!("li {}, {code}", r(EXIT_HOLDER))),
            ExitCode::LowByteOfA0 => self.line(format!("andi {}, a0, 0xff", r(EXIT_HOLDER))),
        }
        self.write_syscall(1, &format!("addi a1, gp, {DATA_LEN}"), DUMPED_REGS.len() * 8);
        self.write_syscall(1, "mv a1, gp", DATA_LEN);
        self.line(format!("mv a0, {}", r(EXIT_HOLDER)));
        self.line("li a7, 93");
        self.line("ecall");
    }

    fn write_syscall(&mut self, fd: u8, set_a1: &str, len: usize) {
        self.line("li a7, 64");
        self.line(format!("li a0, {fd}"));
        self.line(set_a1);
        self.line(format!("li a2, {len}"));
        self.line("ecall");
    }

    /// `.rodata` (the table, and pointers to the `functions` functions), `.data` (the
    /// data buffer and the register dump area), `.bss`.
    fn data_sections(&mut self, functions: usize) {
        self.line(".section .rodata");
        self.line(".balign 8");
        self.text.push_str("fn_table:\n");
        for i in 0..functions {
            self.line(format!(".dword fn_{i}"));
        }
        self.text.push_str("rodata_table:\n");
        for _ in 0..RODATA_LEN / 8 {
            let v = self.value();
            self.line(format!(".dword {v}"));
        }
        self.line(".data");
        self.line(".balign 4096");
        self.line(format!(".skip {DATA_PAGE_OFFSET}"));
        self.text.push_str("data_buf:\n");
        for _ in 0..DATA_LEN / 8 {
            let v = self.value();
            self.line(format!(".dword {v}"));
        }
        self.text.push_str("dump_area:\n");
        self.line(format!(".zero {}", DUMPED_REGS.len() * 8));
        self.line(".bss");
        self.line(".balign 8");
        self.text.push_str("bss_buf:\n");
        self.line(format!(".zero {BSS_LEN}"));
    }

    // ---- items ----

    fn item(&mut self, place: Place) {
        let mix = &self.config.mix;
        let control = if place == Place::Skippable { 0 } else { mix.control };
        let syscalls = if matches!(place, Place::Top | Place::LoopBody) { mix.syscalls } else { 0 };
        let loops =
            if place == Place::Top && self.config.max_loop_count > 0 { mix.control.div_ceil(2).max(1) } else { 0 };
        let choices = [
            (mix.alu, Kind::Alu),
            (mix.muldiv, Kind::MulDiv),
            (mix.memory, Kind::Memory),
            (mix.atomics, Kind::Atomics),
            (control, Kind::Control),
            (syscalls, Kind::Syscall),
            (loops, Kind::Loop),
        ];
        match weighted(self.rng, &choices).unwrap_or(Kind::Alu) {
            Kind::Alu => self.alu(),
            Kind::MulDiv => self.muldiv(),
            Kind::Memory => self.memory(),
            Kind::Atomics => self.atomics(),
            Kind::Control => self.control(place),
            Kind::Syscall => self.syscall(),
            Kind::Loop => self.counted_loop(),
        }
    }

    fn items(&mut self, place: Place, count: usize) {
        for _ in 0..count {
            self.item(place);
        }
    }

    // ---- arithmetic ----

    fn alu(&mut self) {
        if self.explicit_rvc() && self.rng.gen_bool(0.4) {
            return self.compressed_alu();
        }
        match self.rng.gen_range(0..20) {
            0..=14 => self.arith(),
            15 | 16 => {
                let (op, rd) = (self.one_of(&["lui", "auipc"]), self.dst());
                let imm = if self.rng.gen_bool(0.3) {
                    self.one_of(&[0, 1, 0x7ffff, 0x80000, 0xfffff])
                } else {
                    self.rng.gen_range(0..=0xfffff)
                };
                self.line(format!("{op} {}, {imm:#x}", r(rd)));
            }
            17 => {
                let (rd, v) = (self.dst(), self.value());
                self.line(format!("li {}, {v}", r(rd)));
            }
            18 => {
                let op = self.one_of(&["neg", "negw", "not", "seqz", "snez", "sltz", "sgtz", "sext.w", "mv"]);
                let (rd, rs) = (self.dst(), self.src());
                self.line(format!("{op} {}, {}", r(rd), r(rs)));
            }
            _ => {
                let fence = self.one_of(&[
                    "fence",
                    "fence rw, rw",
                    "fence r, r",
                    "fence w, w",
                    "fence iorw, iorw",
                    "fence.tso",
                    "fence.i",
                ]);
                self.line(fence);
            }
        }
    }

    /// One register-register, register-immediate or shift-immediate RV64I operation.
    fn arith(&mut self) {
        const RR: [&str; 15] = [
            "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw",
            "sraw",
        ];
        const RI: [&str; 7] = ["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"];
        const SHIFT: [(&str, u32); 6] =
            [("slli", 64), ("srli", 64), ("srai", 64), ("slliw", 32), ("srliw", 32), ("sraiw", 32)];
        match self.rng.gen_range(0..3) {
            0 => {
                let op = self.one_of(&RR);
                let (rd, rs1) = (self.dst(), self.operand(0.15));
                let is_shift = ["sll", "srl", "sra", "sllw", "srlw", "sraw"].contains(&op);
                let rs2 = if is_shift && self.rng.gen_bool(0.4) {
                    // Register shifts use only the low 5/6 bits: try amounts past them.
                    let rs2 = self.dst_nonzero();
                    let amount = self.one_of(&[0, 1, 31, 32, 33, 63, 64, 95, -1, -32]);
                    self.line(format!("li {}, {amount}", r(rs2)));
                    rs2
                } else {
                    self.operand(0.15)
                };
                self.line(format!("{op} {}, {}, {}", r(rd), r(rs1), r(rs2)));
            }
            1 => {
                let (op, rd, rs1, imm) = (self.one_of(&RI), self.dst(), self.src(), self.imm12());
                self.line(format!("{op} {}, {}, {imm}", r(rd), r(rs1)));
            }
            _ => {
                let (op, limit) = self.one_of(&SHIFT);
                let (rd, rs1, sh) = (self.dst(), self.src(), self.shamt(limit));
                self.line(format!("{op} {}, {}, {sh}", r(rd), r(rs1)));
            }
        }
    }

    /// Explicit RVC arithmetic, each with its register-subset and immediate rules.
    fn compressed_alu(&mut self) {
        match self.rng.gen_range(0..12) {
            0 => {
                let (rd, imm) = (self.dst_nonzero(), self.imm6());
                self.line(format!("c.li {}, {imm}", r(rd)));
            }
            1 => {
                let rd = self.dst_nonzero();
                let imm = if self.rng.gen_bool(0.5) {
                    self.rng.gen_range(1..=31)
                } else {
                    self.rng.gen_range(0xfffe0..=0xfffff)
                };
                self.line(format!("c.lui {}, {imm:#x}", r(rd)));
            }
            2 => {
                let rd = self.dst_nonzero();
                let imm = self.one_of(&[-32, -1, 1, 31, 7, -9]);
                self.line(format!("c.addi {}, {imm}", r(rd)));
            }
            3 => {
                let (rd, imm) = (self.dst_nonzero(), self.imm6());
                self.line(format!("c.addiw {}, {imm}", r(rd)));
            }
            4 => {
                let (rd, sh) = (self.dst_nonzero(), self.rng.gen_range(1..64));
                self.line(format!("c.slli {}, {sh}", r(rd)));
            }
            5 => {
                let (op, rd, sh) = (self.one_of(&["c.srli", "c.srai"]), self.dst_c(), self.rng.gen_range(1..64));
                self.line(format!("{op} {}, {sh}", r(rd)));
            }
            6 => {
                let (rd, imm) = (self.dst_c(), self.imm6());
                self.line(format!("c.andi {}, {imm}", r(rd)));
            }
            7 | 8 => {
                let (op, rd, rs) = (self.one_of(&["c.mv", "c.add"]), self.dst_nonzero(), self.src_nonzero());
                self.line(format!("{op} {}, {}", r(rd), r(rs)));
            }
            9 | 10 => {
                let op = self.one_of(&["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"]);
                let (rd, rs) = (self.dst_c(), self.rng.gen_range(8..16));
                self.line(format!("{op} {}, {}", r(rd), r(rs)));
            }
            _ => self.line("c.nop"),
        }
    }

    fn muldiv(&mut self) {
        const OPS: [&str; 13] =
            ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw"];
        let op = self.one_of(&OPS);
        let rs1 = self.operand(0.6);
        let rs2 = self.operand(0.6);
        let rd = self.dst();
        self.line(format!("{op} {}, {}, {}", r(rd), r(rs1), r(rs2)));
    }

    /// A source register, with probability `corner_chance` freshly loaded with a value
    /// from [`Self::value`] (0, ±1, i64::MIN, i32::MIN…): after a few operations the
    /// registers hold noise, and M operations, comparisons and branches need corners.
    fn operand(&mut self, corner_chance: f64) -> u8 {
        if self.rng.gen_bool(corner_chance) {
            let (reg, v) = (self.dst_nonzero(), self.value());
            self.line(format!("li {}, {v}", r(reg)));
            reg
        } else {
            self.src()
        }
    }

    // ---- memory ----

    /// An offset into the data buffer for an access of `width` bytes: naturally
    /// aligned half of the time, any alignment otherwise.
    fn data_offset(&mut self, width: usize, room: usize) -> usize {
        let off = self.rng.gen_range(0..=room - width);
        if self.rng.gen_bool(0.5) {
            off / width * width
        } else {
            off
        }
    }

    fn memory(&mut self) {
        const LOADS: [(&str, usize); 7] =
            [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4), ("lwu", 4), ("ld", 8)];
        const STORES: [(&str, usize); 4] = [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)];
        let choice = self.rng.gen_range(0..if self.explicit_rvc() { 12 } else { 10 });
        match choice {
            8 => return self.other_region(&LOADS, &STORES),
            9 => return self.stack_frame(),
            10 | 11 => return self.compressed_memory(),
            _ => {}
        }
        // The rest are data-buffer accesses: even choices load, odd ones store.
        let store = choice % 2 == 1;
        let (op, width) = if store { self.one_of(&STORES) } else { self.one_of(&LOADS) };
        let data_reg = if store { self.src() } else { self.dst() };
        let access = |e: &mut Self, off: i64, base: u8| e.line(format!("{op} {}, {off}({})", r(data_reg), r(base)));
        match choice {
            // gp + immediate.
            0..=3 => {
                let off = self.data_offset(width, DATA_LEN);
                access(self, off as i64, GP);
            }
            // Data-dependent address: base + (register & 0xff) + immediate.
            4 | 5 => {
                let index = self.src();
                self.line(format!("andi t0, {}, 0xff", r(index)));
                self.line("add t0, gp, t0");
                let off = self.data_offset(width, DATA_LEN - 256);
                access(self, off as i64, T0);
            }
            // Negative immediate from the end of the buffer.
            _ => {
                self.line(format!("addi t0, gp, {DATA_LEN}"));
                let off = self.data_offset(width, DATA_LEN);
                access(self, off as i64 - DATA_LEN as i64, T0);
            }
        }
    }

    /// An access outside the data buffer: a load from the read-only table, from the
    /// code itself (`_start` onwards, as the ELF loaded it), or a load or store in
    /// `.bss` (memory past the segment's file size, zero until written).
    fn other_region(&mut self, loads: &[(&'static str, usize)], stores: &[(&'static str, usize)]) {
        let (region, len, store) = self.one_of(&[
            ("rodata_table", RODATA_LEN, false),
            ("_start", TEXT_READ_LEN, false),
            ("bss_buf", BSS_LEN, false),
            ("bss_buf", BSS_LEN, true),
        ]);
        let (op, width) = if store { self.one_of(stores) } else { self.one_of(loads) };
        let reg = if store { self.src() } else { self.dst() };
        let off = self.data_offset(width, len);
        self.line(format!("la t0, {region}"));
        self.line(format!("{op} {}, {off}(t0)", r(reg)));
    }

    /// A balanced stack frame: `sp` goes down, slots are stored and read back, a
    /// register briefly holds an `sp`-derived pointer and is overwritten before any
    /// other use (its value differs between QEMU and ziskjit), `sp` goes back up. With
    /// explicit RVC this uses c.addi16sp, c.sdsp/c.swsp, c.ldsp/c.lwsp and c.addi4spn.
    fn stack_frame(&mut self) {
        let c = self.explicit_rvc();
        let frame = 16 * self.rng.gen_range(1..=16i32);
        self.line(if c { format!("c.addi16sp sp, {}", -frame) } else { format!("addi sp, sp, {}", -frame) });
        let slots = frame / 8;
        let stored: Vec<i32> = (0..self.rng.gen_range(1..=3)).map(|_| 8 * self.rng.gen_range(0..slots)).collect();
        for &slot in &stored {
            let v = self.src();
            if self.rng.gen_bool(0.3) {
                // Two word stores fill the slot as well.
                let w = self.src();
                let op = if c { "c.swsp" } else { "sw" };
                self.line(format!("{op} {}, {slot}(sp)", r(v)));
                self.line(format!("{op} {}, {}(sp)", r(w), slot + 4));
            } else {
                self.line(format!("{} {}, {slot}(sp)", if c { "c.sdsp" } else { "sd" }, r(v)));
            }
        }
        for _ in 0..self.rng.gen_range(1..=3) {
            let slot = self.one_of(&stored);
            let rd = self.dst_nonzero();
            match self.rng.gen_range(0..4) {
                0 => self.line(format!("{} {}, {slot}(sp)", if c { "c.ldsp" } else { "ld" }, r(rd))),
                1 => {
                    let half = self.one_of(&[0, 4]);
                    self.line(format!("{} {}, {}(sp)", if c { "c.lwsp" } else { "lw" }, r(rd), slot + half));
                }
                _ => {
                    let (op, width) = self.one_of(&[("lbu", 1), ("lh", 2), ("lhu", 2), ("lwu", 4), ("lb", 1)]);
                    let sub = self.rng.gen_range(0..=8 - width);
                    self.line(format!("{op} {}, {}(sp)", r(rd), slot + sub));
                }
            }
        }
        if self.rng.gen_bool(0.4) {
            let slot = self.one_of(&stored);
            let (ptr, rd) = (self.dst_c(), self.dst_c());
            if c && slot > 0 {
                self.line(format!("c.addi4spn {}, sp, {slot}", r(ptr)));
                self.line(format!("c.ld {}, 0({})", r(rd), r(ptr)));
            } else {
                self.line(format!("addi {}, sp, {slot}", r(ptr)));
                self.line(format!("ld {}, 0({})", r(rd), r(ptr)));
            }
            if ptr != rd {
                let v = self.value();
                self.line(format!("li {}, {v}", r(ptr)));
            }
        }
        self.line(if c { format!("c.addi16sp sp, {frame}") } else { format!("addi sp, sp, {frame}") });
    }

    /// c.lw/c.ld/c.sw/c.sd on the data buffer through a base in x8..x15 (the base may
    /// be misaligned, so these are misaligned compressed accesses too).
    fn compressed_memory(&mut self) {
        let base = self.dst_c();
        let base_off = self.rng.gen_range(0..=DATA_LEN - 256);
        self.line(format!("addi {}, gp, {base_off}", r(base)));
        let (op, scale) = self.one_of(&[("c.lw", 4), ("c.ld", 8), ("c.sw", 4), ("c.sd", 8)]);
        let off = scale * self.rng.gen_range(0..32);
        // Loads need a writable destination; stores may read any register of the subset.
        let reg = if op.starts_with("c.l") { self.dst_c() } else { self.rng.gen_range(8..16) };
        self.line(format!("{op} {}, {off}({})", r(reg), r(base)));
    }

    // ---- atomics ----

    fn atomics(&mut self) {
        if self.rng.gen_bool(0.5) {
            self.amo();
        } else {
            self.lr_sc();
        }
    }

    fn ordering(&mut self) -> &'static str {
        self.one_of(&["", "", ".aq", ".rl", ".aqrl"])
    }

    /// `addi t0, gp, off` with `off` a naturally aligned offset for `width`.
    fn aligned_address(&mut self, width: usize) -> usize {
        let off = width * self.rng.gen_range(0..DATA_LEN / width);
        self.line(format!("addi t0, gp, {off}"));
        off
    }

    fn amo(&mut self) {
        const OPS: [&str; 9] = ["swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu"];
        let (op, (suffix, width)) = (self.one_of(&OPS), self.one_of(&[("w", 4), ("d", 8)]));
        self.aligned_address(width);
        let (rd, rs2, ord) = (self.dst(), self.src(), self.ordering());
        self.line(format!("amo{op}.{suffix}{ord} {}, {}, (t0)", r(rd), r(rs2)));
    }

    /// One of: lr; arithmetic; sc (succeeds) — the same plus a second sc (fails, the
    /// first one cleared the reservation) — lr on one address, sc on another (fails) —
    /// a lone sc (fails: every earlier lr was consumed by its sc). Only register
    /// arithmetic sits between an lr and its sc, and `t0` keeps the address.
    fn lr_sc(&mut self) {
        let (suffix, width) = self.one_of(&[("w", 4), ("d", 8)]);
        let addr = self.aligned_address(width);
        let saved = self.protected;
        self.protected |= 1 << T0;
        let pattern = self.rng.gen_range(0..4);
        if pattern < 3 {
            let (rd, ord) = (self.dst(), self.ordering());
            self.line(format!("lr.{suffix}{ord} {}, (t0)", r(rd)));
            for _ in 0..self.rng.gen_range(0..=3) {
                self.arith();
            }
            if pattern == 2 {
                let other = (addr + width * self.rng.gen_range(1..DATA_LEN / width)) % DATA_LEN;
                self.line(format!("addi t0, gp, {other}"));
            }
        }
        let sc_count = if pattern == 1 { 2 } else { 1 };
        for _ in 0..sc_count {
            let (rd, rs2, ord) = (self.dst(), self.src(), self.ordering());
            self.line(format!("sc.{suffix}{ord} {}, {}, (t0)", r(rd), r(rs2)));
        }
        self.protected = saved;
    }

    // ---- control flow ----

    fn control(&mut self, place: Place) {
        let calls = if place == Place::Function { 0 } else { 3 };
        match weighted(self.rng, &[(4, 0), (2, 1), (2, 2), (calls, 3)]).unwrap_or(0) {
            0 => self.forward_branch(),
            1 => self.jump_dance(),
            2 => self.indirect_jump(),
            _ => self.call(),
        }
    }

    /// A conditional branch over a few data operations (taken or not, by the data).
    fn forward_branch(&mut self) {
        const TWO: [&str; 10] = ["beq", "bne", "blt", "bge", "bltu", "bgeu", "bgt", "ble", "bgtu", "bleu"];
        const ONE: [&str; 6] = ["beqz", "bnez", "blez", "bgez", "bltz", "bgtz"];
        let target = self.label();
        let body = if self.explicit_rvc() && self.rng.gen_bool(0.3) {
            // c.beqz/c.bnez reach only ±256 bytes: keep the body short.
            let (op, rs) = (self.one_of(&["c.beqz", "c.bnez"]), self.rng.gen_range(8..16));
            self.line(format!("{op} {}, {target}", r(rs)));
            self.rng.gen_range(0..=2)
        } else {
            if self.rng.gen_bool(0.6) {
                let (op, rs1) = (self.one_of(&TWO), self.operand(0.3));
                let rs2 = if self.rng.gen_ratio(1, 5) { rs1 } else { self.operand(0.3) };
                self.line(format!("{op} {}, {}, {target}", r(rs1), r(rs2)));
            } else {
                let (op, rs) = (self.one_of(&ONE), self.operand(0.3));
                self.line(format!("{op} {}, {target}", r(rs)));
            }
            self.rng.gen_range(0..=4)
        };
        self.items(Place::Skippable, body);
        self.place_label(&target);
    }

    /// A forward jump, a backward jump and a forward jump again: each part runs once.
    fn jump_dance(&mut self) {
        let (first, second, end) = (self.label(), self.label(), self.label());
        self.jump_to(&second);
        self.place_label(&first);
        let n = self.rng.gen_range(0..=2);
        self.items(Place::Skippable, n);
        self.jump_to(&end);
        self.place_label(&second);
        let n = self.rng.gen_range(0..=2);
        self.items(Place::Skippable, n);
        self.jump_to(&first);
        self.place_label(&end);
    }

    fn jump_to(&mut self, target: &str) {
        match self.rng.gen_range(0..4) {
            0 if self.explicit_rvc() => self.line(format!("c.j {target}")),
            1 => {
                let rd = self.dst();
                self.line(format!("jal {}, {target}", r(rd)));
            }
            2 => self.line(format!("jal zero, {target}")),
            _ => self.line(format!("j {target}")),
        }
    }

    /// `jalr` to an address taken with `la`, over code that never runs: plain, through
    /// an offset, with bit 0 set (jalr clears it), writing a link register (possibly
    /// `t0` itself, so the target must be read before the link is written).
    fn indirect_jump(&mut self) {
        let target = self.label();
        self.line(format!("la t0, {target}"));
        let rd = if self.rng.gen_bool(0.5) { ZERO } else { self.dst() };
        match self.rng.gen_range(0..5) {
            0 => {
                let k = 2 * self.rng.gen_range(-1023..=1023);
                self.line(format!("addi t0, t0, {}", -k));
                self.line(format!("jalr {}, {k}(t0)", r(rd)));
            }
            1 => {
                self.line("addi t0, t0, 1");
                self.line(format!("jalr {}, 0(t0)", r(rd)));
            }
            2 if self.explicit_rvc() => self.line("c.jr t0"),
            3 => self.line("jr t0"),
            _ => self.line(format!("jalr {}, 0(t0)", r(rd))),
        }
        let n = self.rng.gen_range(0..=3);
        self.items(Place::Skippable, n);
        self.place_label(&target);
    }

    /// A direct or indirect call of a (possibly new) leaf function; indirect through an
    /// address from `la` or from the function-pointer table in `.rodata`.
    fn call(&mut self) {
        let index = if self.functions.len() < MAX_FUNCTIONS && self.rng.gen_bool(0.4) || self.functions.is_empty() {
            self.function()
        } else {
            self.rng.gen_range(0..self.functions.len())
        };
        let name = format!("fn_{index}");
        match self.rng.gen_range(0..7) {
            0 => self.line(format!("call {name}")),
            1 => self.line(format!("jal {name}")),
            2 => self.line(format!("jal ra, {name}")),
            3 if self.explicit_rvc() => {
                self.line(format!("la t0, {name}"));
                self.line("c.jalr t0");
            }
            4 => {
                self.line(format!("la t0, {name}"));
                self.line("jalr t0");
            }
            5 => {
                self.line("la t0, fn_table");
                self.line(format!("ld t0, {}(t0)", 8 * index));
                self.line("jalr t0");
            }
            _ => {
                self.line(format!("la t0, {name}"));
                self.line("jalr ra, 0(t0)");
            }
        }
    }

    /// Builds a new leaf function and returns its index.
    fn function(&mut self) -> usize {
        let index = self.functions.len();
        // Reserve the slot first: the body cannot call, but keep indices stable.
        self.functions.push(String::new());
        let outer = std::mem::replace(&mut self.text, format!("fn_{index}:\n"));
        let n = self.rng.gen_range(1..=6);
        self.items(Place::Function, n);
        match self.rng.gen_range(0..4) {
            0 if self.explicit_rvc() => self.line("c.jr ra"),
            1 => self.line("jalr zero, 0(ra)"),
            2 => self.line("jr ra"),
            _ => self.line("ret"),
        }
        self.functions[index] = std::mem::replace(&mut self.text, outer);
        index
    }

    /// A counted loop on `tp` (down to zero with one of several closing branches, or up
    /// from a negative count), or a tight self-loop with numeric labels.
    fn counted_loop(&mut self) {
        let variant = self.rng.gen_range(0..4);
        if variant == 3 {
            let n = self.rng.gen_range(1..=8 * self.config.max_loop_count);
            self.line(format!("li tp, {n}"));
            self.text.push_str("1:\n");
            self.line(if self.explicit_rvc() { "c.addi tp, -1" } else { "addi tp, tp, -1" });
            self.line("bnez tp, 1b");
            return;
        }
        let n: i64 = self.rng.gen_range(1..=i64::from(self.config.max_loop_count));
        let head = self.label();
        self.line(format!("li tp, {}", if variant == 2 { -n } else { n }));
        self.place_label(&head);
        let outer = self.repeat;
        self.repeat *= n as usize;
        let body = self.rng.gen_range(1..=5);
        self.items(Place::LoopBody, body);
        self.repeat = outer;
        if variant == 2 {
            self.line("addi tp, tp, 1");
            let close = self.one_of(&["bltz tp", "blt tp, zero", "bnez tp"]);
            self.line(format!("{close}, {head}"));
        } else {
            self.line(if self.explicit_rvc() && variant == 1 { "c.addi tp, -1" } else { "addi tp, tp, -1" });
            let close = self.one_of(&["bnez tp", "bgtz tp", "blt zero, tp", "bltu zero, tp", "bne tp, zero"]);
            self.line(format!("{close}, {head}"));
        }
    }

    // ---- syscalls ----

    /// `write(1 or 2, data_buf + off, len)` or `read(0, data_buf + off, len)`.
    fn syscall(&mut self) {
        let len = self.rng.gen_range(0..=MAX_IO_LEN);
        let off = self.rng.gen_range(0..=DATA_LEN - len);
        let set_a1 = format!("addi a1, gp, {off}");
        match self.rng.gen_range(0..10) {
            0..=4 => {
                self.write_syscall(1, &set_a1, len);
                self.writes_len += self.repeat * len;
            }
            5 => self.write_syscall(2, &set_a1, len),
            _ => {
                self.line("li a7, 63");
                self.line("li a0, 0");
                self.line(set_a1);
                self.line(format!("li a2, {len}"));
                self.line("ecall");
            }
        }
    }
}
