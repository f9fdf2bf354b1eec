//! The program table (ROM): one preprocessed row per instruction of the ELF, so its
//! commitment — part of the verification key — fixes the program.
//!
//! Each row is the decoded instruction in the form the main table consumes
//! ([`RomRow`]): register numbers, the immediate as three 16-bit values (limbs 0 and 1,
//! and the common value of limbs 2 and 3), the instruction's length, the instruction's
//! kind as one-hot flags, and the ALU or memory operation it delegates (one field: a
//! memory instruction's ALU operation is always `Add`). Every step reads its `rs1` and
//! `rs2`: the ROM has x0, which always holds 0, for an operand the instruction does not
//! use; and every step writes its `rd`: the ROM has the register
//! [`DISCARD`](crate::bus::cell::DISCARD), which no instruction reads, for an
//! instruction that writes no register or writes x0. Encodings that save the main table
//! columns and degree ([`RomRow::fields`]): `jal` is `jalr rd, target(x0)` with its
//! absolute target as immediate, and `auipc` is `addi rd, x0, pc + imm` with the ROM
//! constant `pc + imm` (two kinds less, and no pc term in the ALU operand); a branch's
//! immediate fields hold the two constants of its next-pc formula instead of the
//! immediate; a `jalr`'s length and operation fields hold the two 16-bit limbs of its
//! link `pc + len` (its ALU operation is always `Add`, forced by main).
//!
//! The main table sends [`PROGRAM`]`(segment, pc, row…)` for every step; the ROM
//! receives with a witness multiplicity column, so a step can only execute an
//! instruction that is in the program, at its address. The bus is local (its tuples
//! start with the segment number, [`crate::bus::LOCAL_BUSES`]): every execution segment
//! holds its own ROM with its own counts, so one tuple's multiplicities never add up to
//! the field's order. Slots that do not decode (illegal or unsupported encodings, data
//! between code) have no row: a run reaching one faults in the VM, and has no proof.
//!
//! Every pc is below [`MAX_PC`] `= 2^30` ([`RomTable::new`] refuses a program with an
//! executable address at or above it), so a pc is one field element of a 31-bit field
//! and main's next-pc arithmetic (pc plus a small offset) never wraps onto another pc or
//! onto the halt pc (see `cpu.rs`).
//!
//! Columns: 15 preprocessed (the pc and [`RomRow::fields`]), 1 witness (multiplicity).
//! Interactions per row: 1.

use crate::bus::{cell, limbs, AluOp, MemOp, MAX_PC, PROGRAM};
use crate::gadgets::to_val;
use crate::segment;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use std::collections::HashMap;
use ziskjit_prover::{BusBuilder, TableName};
use ziskjit_transpiler::{Inst, Op, Program};

/// What kind of instruction a row is: exactly one flag is set on a real row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `rd = op(rs1, rs2)`.
    AluReg,
    /// `rd = op(rs1, imm)`; also `lui` (`add rd, x0, imm`), `auipc` (`add rd, x0, pc +
    /// imm`, the sum a ROM constant) and the fences (an `add` to x0, which writes
    /// nothing).
    AluImm,
    /// `rd = pc + len; pc = (rs1 + imm) & !1`; also `jal`, as `jalr` from x0 with the
    /// absolute target as immediate.
    Jalr,
    /// `pc = cmp(rs1, rs2) XOR negate ? pc + imm : pc + len` (the comparison goes to
    /// the discarded register).
    Branch,
    /// A load, store, LR/SC or AMO at `rs1 + imm` (the memop table).
    Memory,
    /// `ecall` (the syscall table).
    Ecall,
}

impl Kind {
    /// Every kind, in flag-column order.
    pub const ALL: [Kind; 6] = [Kind::AluReg, Kind::AluImm, Kind::Jalr, Kind::Branch, Kind::Memory, Kind::Ecall];

    /// The flag column of this kind among the [`Kind::ALL`] flags.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// One instruction as the main table consumes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RomRow {
    pub pc: u64,
    pub kind: Kind,
    /// The register written ([`DISCARD`](crate::bus::cell::DISCARD) when none is).
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    /// The sign-extended immediate as a 64-bit value (`jal`: the target; `auipc`:
    /// `pc + imm`, 64-bit wrapping).
    pub imm: u64,
    pub len: u8,
    /// The ALU operation (`Add` for address and jump-target computation, `auipc`,
    /// `lui` and the fences; the comparison for branches); `None` for kinds that use no
    /// ALU. On the bus (`op` field) a `jalr` row holds its link's high limb instead.
    pub alu: Option<AluOp>,
    /// The memory operation of a [`Kind::Memory`] row.
    pub mem: Option<MemOp>,
    /// Branch taken when the comparison is *false* (`bne`, `bge`, `bgeu`).
    pub negate: bool,
}

/// Number of fields of a ROM row on the bus (after the pc).
pub const FIELDS: usize = 14;

impl RomRow {
    /// Decodes `inst` at `pc`; `None` for instructions that have no proof (illegal or
    /// unsupported: the VM faults on them).
    pub fn new(pc: u64, inst: &Inst) -> Option<RomRow> {
        use Op::*;
        let alu_reg = |op| (Kind::AluReg, Some(op), None, true, true);
        let alu_imm = |op| (Kind::AluImm, Some(op), None, true, false);
        // `lui`, `auipc` and the fences: `add rd, x0, imm` (rd is x0 for the fences;
        // `auipc`'s immediate becomes `pc + imm` below).
        let from_x0 = (Kind::AluImm, Some(AluOp::Add), None, false, false);
        let load = |op| (Kind::Memory, Some(AluOp::Add), Some(op), true, false);
        let store = |op| (Kind::Memory, Some(AluOp::Add), Some(op), true, true);
        let branch = |op| (Kind::Branch, Some(op), None, true, true);
        let (kind, alu, mem, uses_rs1, uses_rs2) = match inst.op {
            Lui => from_x0,
            Auipc => from_x0,
            Jal => (Kind::Jalr, Some(AluOp::Add), None, false, false),
            Jalr => (Kind::Jalr, Some(AluOp::Add), None, true, false),
            Beq | Bne => branch(AluOp::Eq),
            Blt | Bge => branch(AluOp::Slt),
            Bltu | Bgeu => branch(AluOp::Sltu),
            Lb => load(MemOp::Lb),
            Lh => load(MemOp::Lh),
            Lw => load(MemOp::Lw),
            Ld => load(MemOp::Ld),
            Lbu => load(MemOp::Lbu),
            Lhu => load(MemOp::Lhu),
            Lwu => load(MemOp::Lwu),
            Sb => store(MemOp::Sb),
            Sh => store(MemOp::Sh),
            Sw => store(MemOp::Sw),
            Sd => store(MemOp::Sd),
            LrW => load(MemOp::LrW),
            LrD => load(MemOp::LrD),
            ScW => store(MemOp::ScW),
            ScD => store(MemOp::ScD),
            AmoSwapW => store(MemOp::AmoSwapW),
            AmoAddW => store(MemOp::AmoAddW),
            AmoXorW => store(MemOp::AmoXorW),
            AmoAndW => store(MemOp::AmoAndW),
            AmoOrW => store(MemOp::AmoOrW),
            AmoMinW => store(MemOp::AmoMinW),
            AmoMaxW => store(MemOp::AmoMaxW),
            AmoMinuW => store(MemOp::AmoMinuW),
            AmoMaxuW => store(MemOp::AmoMaxuW),
            AmoSwapD => store(MemOp::AmoSwapD),
            AmoAddD => store(MemOp::AmoAddD),
            AmoXorD => store(MemOp::AmoXorD),
            AmoAndD => store(MemOp::AmoAndD),
            AmoOrD => store(MemOp::AmoOrD),
            AmoMinD => store(MemOp::AmoMinD),
            AmoMaxD => store(MemOp::AmoMaxD),
            AmoMinuD => store(MemOp::AmoMinuD),
            AmoMaxuD => store(MemOp::AmoMaxuD),
            Addi => alu_imm(AluOp::Add),
            Slti => alu_imm(AluOp::Slt),
            Sltiu => alu_imm(AluOp::Sltu),
            Xori => alu_imm(AluOp::Xor),
            Ori => alu_imm(AluOp::Or),
            Andi => alu_imm(AluOp::And),
            Slli => alu_imm(AluOp::Sll),
            Srli => alu_imm(AluOp::Srl),
            Srai => alu_imm(AluOp::Sra),
            Addiw => alu_imm(AluOp::Addw),
            Slliw => alu_imm(AluOp::Sllw),
            Srliw => alu_imm(AluOp::Srlw),
            Sraiw => alu_imm(AluOp::Sraw),
            Add => alu_reg(AluOp::Add),
            Sub => alu_reg(AluOp::Sub),
            Sll => alu_reg(AluOp::Sll),
            Slt => alu_reg(AluOp::Slt),
            Sltu => alu_reg(AluOp::Sltu),
            Xor => alu_reg(AluOp::Xor),
            Srl => alu_reg(AluOp::Srl),
            Sra => alu_reg(AluOp::Sra),
            Or => alu_reg(AluOp::Or),
            And => alu_reg(AluOp::And),
            Addw => alu_reg(AluOp::Addw),
            Subw => alu_reg(AluOp::Subw),
            Sllw => alu_reg(AluOp::Sllw),
            Srlw => alu_reg(AluOp::Srlw),
            Sraw => alu_reg(AluOp::Sraw),
            Mul => alu_reg(AluOp::Mul),
            Mulh => alu_reg(AluOp::Mulh),
            Mulhsu => alu_reg(AluOp::Mulhsu),
            Mulhu => alu_reg(AluOp::Mulhu),
            Div => alu_reg(AluOp::Div),
            Divu => alu_reg(AluOp::Divu),
            Rem => alu_reg(AluOp::Rem),
            Remu => alu_reg(AluOp::Remu),
            Mulw => alu_reg(AluOp::Mulw),
            Divw => alu_reg(AluOp::Divw),
            Divuw => alu_reg(AluOp::Divuw),
            Remw => alu_reg(AluOp::Remw),
            Remuw => alu_reg(AluOp::Remuw),
            Fence | FenceI => from_x0,
            Ecall => (Kind::Ecall, None, None, false, false),
            Unsupported(_) | Illegal => return None,
        };
        // Stores, branches, ecall, fences write no register; x0 is never written.
        let has_rd =
            !matches!(kind, Kind::Branch | Kind::Ecall) && !matches!(inst.op, Sb | Sh | Sw | Sd | Fence | FenceI);
        let imm = inst.imm as u64;
        Some(RomRow {
            pc,
            kind,
            rd: if has_rd && inst.rd != 0 { inst.rd } else { cell::DISCARD },
            rs1: if uses_rs1 { inst.rs1 } else { 0 },
            rs2: if uses_rs2 { inst.rs2 } else { 0 },
            imm: if matches!(inst.op, Jal | Auipc) { pc.wrapping_add(imm) } else { imm },
            len: inst.len,
            alu,
            mem,
            negate: matches!(inst.op, Bne | Bge | Bgeu),
        })
    }

    /// The row's fields after the pc, in bus order: `rd, rs1, rs2, imm0, imm1, imm_ext,
    /// len`, the 6 kind flags, `op` (the memory operation of a memory instruction, else
    /// the ALU operation). Every field is a field element below `2^16` but the branch
    /// constants (small signed integers). Three encodings ([`field`]):
    /// * The immediate is `(imm0, imm1, imm_ext)`: its 16-bit limbs 0 and 1, and limb 2,
    ///   which equals limb 3 (0 or `0xffff`): every immediate is a sign extension of at
    ///   most 32 bits, and so is an `auipc` constant or a `jal` target `pc + imm` with
    ///   `pc < 2^30`, `imm ∈ [−2^31, 2^31)`: `pc + imm ∈ [−2^31, 2^31 + 2^30)`, whose
    ///   64-bit limbs 2 and 3 are both 0 or both `0xffff`.
    /// * A branch's `imm0, imm1` are the field elements `P, Q` with
    ///   `next_pc = pc + len + P + Q·cmp` for its comparison `cmp ∈ {0, 1}`: `P = 0,
    ///   Q = imm − len`, or negated `P = imm − len, Q = −(imm − len)`; so the main table
    ///   needs no taken bit (it would be `cmp XOR negate`, one degree too many).
    /// * A `jalr`'s `len, op` are the limbs 0 and 1 of its link `pc + len < 2^30 + 4`
    ///   (limbs 2, 3 are 0), the value it writes to `rd`.
    pub fn fields(&self) -> [Val; FIELDS] {
        let mut f = [Val::ZERO; FIELDS];
        f[field::RD] = Val::from_u8(self.rd);
        f[field::RS1] = Val::from_u8(self.rs1);
        f[field::RS2] = Val::from_u8(self.rs2);
        if self.kind == Kind::Branch {
            let offset = signed(self.imm as i64) - Val::from_u8(self.len);
            let (p, q) = if self.negate { (offset, -offset) } else { (Val::ZERO, offset) };
            f[field::BRANCH_P] = p;
            f[field::BRANCH_Q] = q;
        } else {
            let [i0, i1, i2, i3] = limbs(self.imm);
            assert_eq!(i2, i3, "{self:?}: the immediate is not a 32-bit sign extension");
            f[field::IMM0] = Val::from_u64(i0);
            f[field::IMM1] = Val::from_u64(i1);
            f[field::IMM_EXT] = Val::from_u64(i2);
        }
        f[field::KIND + self.kind.index()] = Val::ONE;
        if self.kind == Kind::Jalr {
            let [l0, l1, l2, l3] = limbs(self.pc + u64::from(self.len));
            assert_eq!((l2, l3), (0, 0), "{self:?}: the link is not below 2^32");
            f[field::LINK0] = Val::from_u64(l0);
            f[field::LINK1] = Val::from_u64(l1);
        } else {
            f[field::LEN] = Val::from_u8(self.len);
            f[field::OP] = Val::from_u64(self.mem.map_or(self.alu.map_or(0, AluOp::id), MemOp::id));
        }
        f
    }
}

/// `v` as a field element.
fn signed(v: i64) -> Val {
    if v >= 0 {
        Val::from_u64(v as u64)
    } else {
        -Val::from_u64(v.unsigned_abs())
    }
}

/// Field positions in [`RomRow::fields`].
pub mod field {
    pub const RD: usize = 0;
    pub const RS1: usize = 1;
    pub const RS2: usize = 2;
    /// The immediate's 16-bit limbs 0 and 1, and the value of its limbs 2 and 3 (equal,
    /// 0 or `0xffff`), but for branches.
    pub const IMM0: usize = 3;
    pub const IMM1: usize = 4;
    pub const IMM_EXT: usize = 5;
    /// A branch's next-pc constants (in the immediate's fields, see
    /// [`super::RomRow::fields`]).
    pub const BRANCH_P: usize = IMM0;
    pub const BRANCH_Q: usize = IMM1;
    /// The instruction's length in bytes (2 or 4), but for `jalr`.
    pub const LEN: usize = 6;
    /// First of the 6 kind flags ([`super::Kind::ALL`] order).
    pub const KIND: usize = 7;
    /// The [`MemOp`](crate::bus::MemOp) of a memory instruction, else the
    /// [`AluOp`](crate::bus::AluOp) (0 for kinds that use no ALU), but for `jalr`.
    pub const OP: usize = 13;
    /// A `jalr`'s link `pc + len` as two 16-bit limbs (in the length and operation
    /// fields, see [`super::RomRow::fields`]).
    pub const LINK0: usize = LEN;
    pub const LINK1: usize = OP;
}

/// Why a program has no ROM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RomError {
    #[error(
        "the program has executable code at 0x{pc:x}, at or above 0x{max:x} (2^30): provable code must lie below it",
        max = MAX_PC
    )]
    CodeTooHigh { pc: u64 },
    #[error("the program's entry 0x{entry:x} is at or above 0x{max:x} (2^30), where no code can be", max = MAX_PC)]
    EntryTooHigh { entry: u64 },
}

/// The program table of one ELF.
#[derive(Clone, Debug)]
pub struct RomTable {
    rows: Vec<RomRow>,
    /// Row index of each pc.
    index: HashMap<u64, usize>,
}

impl RomTable {
    /// The ROM of `program`: every slot of an executable segment that decodes. A
    /// program with an executable slot or its entry at or above [`MAX_PC`] is refused:
    /// every pc must be a field element far below the field's order (see the module
    /// docs).
    pub fn new(program: &Program) -> Result<RomTable, RomError> {
        if program.entry >= MAX_PC {
            return Err(RomError::EntryTooHigh { entry: program.entry });
        }
        let mut rows = Vec::new();
        for (i, inst) in program.code.iter().enumerate() {
            let pc = program.code_base + 2 * i as u64;
            if program.is_executable(pc) {
                if pc >= MAX_PC {
                    return Err(RomError::CodeTooHigh { pc });
                }
                rows.extend(RomRow::new(pc, inst));
            }
        }
        let index = rows.iter().enumerate().map(|(i, r)| (r.pc, i)).collect();
        Ok(RomTable { rows, index })
    }

    /// The row of `pc`, if an instruction there has a proof.
    pub fn row(&self, pc: u64) -> Option<&RomRow> {
        self.index.get(&pc).map(|&i| &self.rows[i])
    }

    /// The table's height: the rows padded to a power of two ≥ 2.
    pub fn height(&self) -> usize {
        self.rows.len().next_power_of_two().max(2)
    }

    /// The multiplicity column for the pcs a segment executed (`count(pc)` times each;
    /// a segment's counts are below its step count, far below the field's order).
    pub fn trace(&self, counts: &HashMap<u64, u64>) -> RowMajorMatrix<Val> {
        let mut column = vec![Val::ZERO; self.height()];
        for (pc, &n) in counts {
            column[self.index[pc]] = to_val(n);
        }
        RowMajorMatrix::new_col(column)
    }
}

impl TableName for RomTable {
    fn name(&self) -> String {
        "rom".into()
    }

    /// The memory segment, which executes nothing, leaves it out: it only receives, with
    /// a witness multiplicity, so zero counts put nothing on the bus.
    fn may_be_absent(&self) -> bool {
        true
    }
}

impl BaseAir<Val> for RomTable {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_width(&self) -> usize {
        1 + FIELDS
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<Val>> {
        let mut values = Vec::with_capacity(self.height() * (1 + FIELDS));
        for row in &self.rows {
            values.push(to_val(row.pc));
            values.extend(row.fields());
        }
        // Padding rows are all zero: every kind flag 0, which no real step matches
        // (a real step has exactly one flag set).
        values.resize(self.height() * (1 + FIELDS), Val::ZERO);
        Some(RowMajorMatrix::new(values, 1 + FIELDS))
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for RomTable {
    fn eval(&self, builder: &mut AB) {
        let fixed: Vec<AB::Expr> = builder.preprocessed().current_slice().iter().map(|&v| v.into()).collect();
        let count = builder.main().current_slice()[0];
        segment::receive(builder, PROGRAM, fixed, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::from_limbs;

    /// Every branch of a real program's ROM (far in both directions, compressed forms,
    /// negated) goes to its target or the next instruction by the main table's formula
    /// `pc + len + P + Q·cmp`; every `jal` is a `jalr` from x0 to its absolute target, a
    /// pc of the program; every `jalr` holds its link's limbs; every `auipc` is an `add`
    /// from x0 of the constant `pc + imm`; and every other immediate is rebuilt from
    /// `(imm0, imm1, imm_ext, imm_ext)`.
    #[test]
    fn branches_and_jumps_are_encoded_for_the_main_table() {
        let dir = tempfile::tempdir().unwrap();
        let source = r#"
    .globl _start
    .text
_start:
    beq a0, a1, mid
    bltu a0, a1, _start
    c.beqz a0, _start
    c.bnez a1, near
near:
    jal ra, far
    c.j _start
    lui a0, 0x80000
    lui a1, 0xfffff
    lui a2, 0x7ffff
    auipc a5, 0x12345
    auipc a6, 0xfffff
    auipc a7, 0x80000
    addi a3, a3, -2048
    addi a3, a3, 2047
    ld a4, -8(sp)
    sd a4, 2040(sp)
    jalr ra, -4(a0)
    c.jalr a1
    fence
    .skip 4000
mid:
    bge a0, a1, _start
    c.beqz a0, near
    .skip 1000000
far:
    jal zero, _start
    ecall
"#;
        let elf = ziskjit_testgen::toolchain::assemble(dir.path(), "imm", source);
        let program = ziskjit_transpiler::load_elf(&std::fs::read(elf).unwrap()).unwrap();
        let rom = RomTable::new(&program).unwrap();
        // The instructions as assembled: the ROM also decodes the slots inside 4-byte
        // instructions, whose fields are encoded alike but whose jump targets need not be
        // instructions.
        let mut assembled = std::collections::HashSet::new();
        let mut pc = program.code_base;
        while pc < program.code_base + 2 * program.code.len() as u64 {
            let row = rom.row(pc);
            if row.is_some() {
                assembled.insert(pc);
            }
            pc += row.map_or(2, |r| u64::from(r.len));
        }
        let (mut branches, mut jals, mut jalrs, mut auipcs) = (0, 0, 0, 0);
        for row in &rom.rows {
            let f = row.fields();
            let u = |i: usize| {
                use p3_field::PrimeField64;
                f[i].as_canonical_u64()
            };
            let len = Val::from_u8(row.len);
            if row.kind == Kind::Branch {
                let pc = Val::from_u64(row.pc);
                let target = pc + signed(row.imm as i64);
                for cmp in [false, true] {
                    let next = pc + len + f[field::BRANCH_P] + f[field::BRANCH_Q] * Val::from_bool(cmp);
                    assert_eq!(next, if cmp != row.negate { target } else { pc + len }, "{row:?} {cmp}");
                }
                branches += 1;
                continue;
            }
            let ext = u(field::IMM_EXT);
            assert!(ext == 0 || ext == 0xffff, "{row:?}");
            assert_eq!(from_limbs([u(field::IMM0), u(field::IMM1), ext, ext]), row.imm, "{row:?}");
            if row.kind == Kind::Jalr {
                assert_eq!(u(field::LINK0) + (u(field::LINK1) << 16), row.pc + u64::from(row.len), "{row:?}");
                assert!(u(field::LINK0) < 1 << 16 && u(field::LINK1) < 1 << 16, "{row:?}");
                if !assembled.contains(&row.pc) {
                    continue;
                }
                if row.rs1 == 0 {
                    assert_eq!(ext, 0, "{row:?}");
                    assert!(rom.row(row.imm).is_some(), "{row:?}: the target is no instruction");
                    jals += 1;
                } else {
                    jalrs += 1;
                }
            } else {
                assert_eq!(u(field::LEN), u64::from(row.len), "{row:?}");
            }
            let inst = program.fetch(row.pc).unwrap();
            if inst.op == Op::Auipc && assembled.contains(&row.pc) {
                assert_eq!((row.kind, row.rs1, row.alu), (Kind::AluImm, 0, Some(AluOp::Add)), "{row:?}");
                assert_eq!(row.imm, row.pc.wrapping_add(inst.imm as u64), "{row:?}");
                assert_eq!(u(field::OP), AluOp::Add.id());
                auipcs += 1;
            }
        }
        assert!(branches >= 6 && jals >= 2 && jalrs >= 2 && auipcs == 3, "{branches} {jals} {jalrs} {auipcs}");
    }

    /// A program with executable code or its entry at or above 2^30 has no ROM: its pcs
    /// would not stay far from the field's order. Code just below is accepted.
    #[test]
    fn code_at_or_above_2_30_is_refused() {
        use ziskjit_transpiler::Segment;
        // `addi a0, a0, 1` and `ecall`, 4 bytes each, little-endian.
        let code = [0x0015_0513u32, 0x0000_0073].iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
        let program_at = |vaddr: u64, entry: u64| {
            let segment = Segment {
                vaddr,
                mem_size: code.len() as u64,
                data: code.clone(),
                readable: true,
                writable: false,
                executable: true,
            };
            Program::new(entry, vec![segment], Vec::new())
        };
        let below = RomTable::new(&program_at(MAX_PC - 8, MAX_PC - 8)).unwrap();
        assert!(below.row(MAX_PC - 4).is_some_and(|r| r.kind == Kind::Ecall));
        let err = RomTable::new(&program_at(MAX_PC - 4, MAX_PC - 4)).unwrap_err();
        assert_eq!(err, RomError::CodeTooHigh { pc: MAX_PC });
        assert!(err.to_string().contains("0x40000000"), "{err}");
        assert_eq!(
            RomTable::new(&program_at(1 << 31, 1 << 31)).unwrap_err(),
            RomError::EntryTooHigh { entry: 1 << 31 }
        );
        let err = RomTable::new(&program_at(MAX_PC - 8, MAX_PC)).unwrap_err();
        assert_eq!(err, RomError::EntryTooHigh { entry: MAX_PC });
        assert!(err.to_string().contains("0x40000000"), "{err}");
    }
}
