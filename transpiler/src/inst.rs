//! The decoded instruction: one [`Inst`] per ROM slot.
//!
//! Compressed (RVC) encodings are expanded at decode time into the base instruction
//! they stand for, keeping only their length (2) and raw bits. Every consumer (the
//! interpreter, the JIT, the replay, the AIRs) therefore sees a single, uniform
//! instruction set and the C extension costs nothing past the decoder.

use std::fmt;

/// An RV64IMAC + Zifencei operation. `W` suffixes are the RV64 32-bit forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    // RV64I: upper immediates and control transfer.
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    // Loads and stores.
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    // Register-immediate ALU.
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    // Register-register ALU.
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    // M extension.
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    // A extension. The aq/rl ordering bits are irrelevant on a single hart.
    LrW,
    ScW,
    AmoSwapW,
    AmoAddW,
    AmoXorW,
    AmoAndW,
    AmoOrW,
    AmoMinW,
    AmoMaxW,
    AmoMinuW,
    AmoMaxuW,
    LrD,
    ScD,
    AmoSwapD,
    AmoAddD,
    AmoXorD,
    AmoAndD,
    AmoOrD,
    AmoMinD,
    AmoMaxD,
    AmoMinuD,
    AmoMaxuD,
    // System. `fence` and `fence.i` are no-ops for a single hart whose code is fixed.
    Fence,
    FenceI,
    Ecall,
    /// A recognised encoding outside the supported ISA (CSRs, `ebreak`, `mret`, …).
    /// Decoding never fails; executing this stops the run with a clear error.
    Unsupported(&'static str),
    /// Bits that are no valid instruction at all.
    Illegal,
}

/// One decoded instruction. Register fields are 0 when the format has no such operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Inst {
    pub op: Op,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    /// The sign-extended immediate (for `lui`/`auipc` already shifted left by 12; for
    /// shifts the shift amount; branch and jump offsets relative to the pc).
    pub imm: i64,
    /// Encoding length in bytes: 2 (compressed) or 4.
    pub len: u8,
    /// The raw encoding (16 bits for compressed instructions), for error messages.
    pub raw: u32,
}

impl Inst {
    /// An illegal instruction with the given raw bits and length.
    pub fn illegal(raw: u32, len: u8) -> Inst {
        Inst { op: Op::Illegal, rd: 0, rs1: 0, rs2: 0, imm: 0, len, raw }
    }

    /// The raw bits formatted as hex with the width of the encoding (`0x0000` or `0x00000000`).
    pub fn raw_hex(&self) -> String {
        if self.len == 2 {
            format!("0x{:04x}", self.raw)
        } else {
            format!("0x{:08x}", self.raw)
        }
    }
}

impl Op {
    /// The assembler mnemonic.
    pub fn mnemonic(self) -> &'static str {
        use Op::*;
        match self {
            Lui => "lui",
            Auipc => "auipc",
            Jal => "jal",
            Jalr => "jalr",
            Beq => "beq",
            Bne => "bne",
            Blt => "blt",
            Bge => "bge",
            Bltu => "bltu",
            Bgeu => "bgeu",
            Lb => "lb",
            Lh => "lh",
            Lw => "lw",
            Ld => "ld",
            Lbu => "lbu",
            Lhu => "lhu",
            Lwu => "lwu",
            Sb => "sb",
            Sh => "sh",
            Sw => "sw",
            Sd => "sd",
            Addi => "addi",
            Slti => "slti",
            Sltiu => "sltiu",
            Xori => "xori",
            Ori => "ori",
            Andi => "andi",
            Slli => "slli",
            Srli => "srli",
            Srai => "srai",
            Addiw => "addiw",
            Slliw => "slliw",
            Srliw => "srliw",
            Sraiw => "sraiw",
            Add => "add",
            Sub => "sub",
            Sll => "sll",
            Slt => "slt",
            Sltu => "sltu",
            Xor => "xor",
            Srl => "srl",
            Sra => "sra",
            Or => "or",
            And => "and",
            Addw => "addw",
            Subw => "subw",
            Sllw => "sllw",
            Srlw => "srlw",
            Sraw => "sraw",
            Mul => "mul",
            Mulh => "mulh",
            Mulhsu => "mulhsu",
            Mulhu => "mulhu",
            Div => "div",
            Divu => "divu",
            Rem => "rem",
            Remu => "remu",
            Mulw => "mulw",
            Divw => "divw",
            Divuw => "divuw",
            Remw => "remw",
            Remuw => "remuw",
            LrW => "lr.w",
            ScW => "sc.w",
            AmoSwapW => "amoswap.w",
            AmoAddW => "amoadd.w",
            AmoXorW => "amoxor.w",
            AmoAndW => "amoand.w",
            AmoOrW => "amoor.w",
            AmoMinW => "amomin.w",
            AmoMaxW => "amomax.w",
            AmoMinuW => "amominu.w",
            AmoMaxuW => "amomaxu.w",
            LrD => "lr.d",
            ScD => "sc.d",
            AmoSwapD => "amoswap.d",
            AmoAddD => "amoadd.d",
            AmoXorD => "amoxor.d",
            AmoAndD => "amoand.d",
            AmoOrD => "amoor.d",
            AmoMinD => "amomin.d",
            AmoMaxD => "amomax.d",
            AmoMinuD => "amominu.d",
            AmoMaxuD => "amomaxu.d",
            Fence => "fence",
            FenceI => "fence.i",
            Ecall => "ecall",
            Unsupported(name) => name,
            Illegal => "illegal",
        }
    }

    /// The width in bytes of a plain load or store (1, 2, 4 or 8); 0 for anything else.
    pub fn access_size(self) -> u8 {
        use Op::*;
        match self {
            Lb | Lbu | Sb => 1,
            Lh | Lhu | Sh => 2,
            Lw | Lwu | Sw => 4,
            Ld | Sd => 8,
            _ => 0,
        }
    }

    /// True for the plain stores (`sb`, `sh`, `sw`, `sd`).
    pub fn is_store(self) -> bool {
        use Op::*;
        matches!(self, Sb | Sh | Sw | Sd)
    }

    /// True for instructions that may transfer control somewhere other than `pc + len`
    /// (they end a basic block). `ecall` ends one too: it may halt the run.
    pub fn ends_block(self) -> bool {
        use Op::*;
        matches!(self, Jal | Jalr | Beq | Bne | Blt | Bge | Bltu | Bgeu | Ecall | Unsupported(_) | Illegal)
    }
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Op::*;
        let m = self.op.mnemonic();
        let (rd, rs1, rs2, imm) = (self.rd, self.rs1, self.rs2, self.imm);
        match self.op {
            Lui | Auipc => write!(f, "{m} x{rd}, 0x{:x}", (imm >> 12) & 0xf_ffff),
            Jal => write!(f, "{m} x{rd}, {imm}"),
            Jalr => write!(f, "{m} x{rd}, {imm}(x{rs1})"),
            Beq | Bne | Blt | Bge | Bltu | Bgeu => write!(f, "{m} x{rs1}, x{rs2}, {imm}"),
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => write!(f, "{m} x{rd}, {imm}(x{rs1})"),
            Sb | Sh | Sw | Sd => write!(f, "{m} x{rs2}, {imm}(x{rs1})"),
            Addi | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai | Addiw | Slliw | Srliw | Sraiw => {
                write!(f, "{m} x{rd}, x{rs1}, {imm}")
            }
            LrW | LrD => write!(f, "{m} x{rd}, (x{rs1})"),
            ScW | ScD | AmoSwapW | AmoAddW | AmoXorW | AmoAndW | AmoOrW | AmoMinW | AmoMaxW | AmoMinuW | AmoMaxuW
            | AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD | AmoMinD | AmoMaxD | AmoMinuD | AmoMaxuD => {
                write!(f, "{m} x{rd}, x{rs2}, (x{rs1})")
            }
            Fence | FenceI | Ecall => write!(f, "{m}"),
            Unsupported(_) | Illegal => write!(f, "{m} {}", self.raw_hex()),
            _ => write!(f, "{m} x{rd}, x{rs1}, x{rs2}"),
        }
    }
}
