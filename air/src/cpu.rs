//! The main (CPU) table: one row per step of a segment.
//!
//! A row fetches its instruction from the ROM (one [`PROGRAM`] message carrying every
//! decoded field, so the row's copies of them are the program's), reads `rs1` and `rs2`
//! (x0 included) and writes `rd` through the memory-access gadget (registers are
//! cells), computes the next pc itself, and delegates: arithmetic, comparisons and
//! `rs1 + imm` to the [`ALU`] bus (at most one message per row), memory instructions to
//! [`MEMOP`], `ecall` to [`SYSCALL`].
//!
//! Rows are steps `0..n` of the segment (`clk` = row index), then padding rows
//! (`is_real = 0`, where `is_real` is the sum of the kind flags), which put nothing on
//! the bus. Consecutive real rows are chained by constraints (`pc' = next_pc`,
//! `step' = step + 1`, `output' = next_output`); the first real row receives the machine state from [`STATE`] and the last real row sends
//! the state after it, unless it halted (`exit`), so segments chain over the global bus
//! and exactly one chain runs from the statement's initial state to the one `exit`.
//!
//! ## Soundness notes
//! * `is_real` is no column but the sum of the kind flags, and `(1 − is_real)·flag = 0`
//!   holds for every flag: if the sum is not 1, every flag is 0, so the sum is 0. Hence
//!   `is_real` is 0 or 1; on padding rows (0) every flag is 0, and so is `writes_rd`
//!   (also gated by `1 − is_real`), so a padding row sends nothing. On real rows (1)
//!   the flags, operation ids, register numbers and immediates are the
//!   ROM row of `pc` (the [`PROGRAM`] message has multiplicity `is_real`), whose flags
//!   are one-hot: exactly one kind flag is set, and a real row cannot match a ROM
//!   padding row (all zero), which would leave `next_pc` unconstrained.
//! * `lui` and the fences are [`Kind::AluImm`] rows with `rs1 = x0`: `add rd, x0, imm`
//!   on the ALU bus with `A = 0` (read from x0, see below). A fence's `rd` is x0, so its
//!   result is not written.
//! * Shared ROM fields, each read only under the kind that gives it its meaning: `op`
//!   is the ALU operation, except on memory rows, where it is the [`MEMOP`] operation
//!   and the ALU message's operation is the constant `Add` (`op + is_memory·(Add − op)`);
//!   `rd` is a branch's negate bit (a branch writes no register: `writes_rd = 0`
//!   disables the `rd` access, so its cell is not used).
//! * The signed immediate for jal and branch targets is
//!   [`signed_imm`]`(imm_lo, imm_hi)`, exact for every ROM row since every immediate
//!   is sign-extended from at most 32 bits (`imm_hi` is 0 or `2^32 − 1`, the ROM's
//!   unit test checks the identity); the limbs are the ROM's.
//! * x0 is a cell that always holds 0: it starts at 0 (the statement's initial values
//!   are the ELF's memory words and `sp`), and nothing writes it: this table writes
//!   `rd` only when the ROM's `writes_rd` is set, never for `rd = x0`; the syscall
//!   table writes `a0` only, the memop table memory words (cells below the registers)
//!   and the reservation. Every real row reads its `rs1` and `rs2` cells, which the ROM
//!   makes x0 when the instruction does not use the operand, so an unused or x0
//!   operand is 0 (what `addi rd, x0, imm` needs) without a read flag.
//! * `next_pc` is unconstrained by this row only for `exit` (nothing follows). Every
//!   other `next_pc` becomes the pc of the next step, which must be in the ROM: an odd
//!   or out-of-program target has no proof, which is why `jalr` may take the low bit
//!   (`taken`) from the witness: the wrong choice gives an odd pc.
//! * pc arithmetic is done in the field (`pc + imm` with the signed immediate): equal
//!   to the 64-bit result whenever that is a valid pc (< 2^32), the only case that can
//!   continue.
//!
//! Columns: 43 (see [`col`]). Interactions per row: 1 (program) + 1 (ALU) + 1 (memop)
//! + 1 (syscall) + 3 accesses × 4 (two tokens, two range checks) + 2 (state) = 18.

use crate::bus::{cell, ts, AluOp, ALU, MEMOP, PROGRAM, STATE, SYSCALL};
use crate::gadgets::{access, Access};
use crate::rom::{field, signed_imm, Kind, FIELDS};
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, TableName, Val};

/// Column indices.
pub mod col {
    use crate::rom::FIELDS;
    /// Row index in the segment (times of the row's accesses derive from it).
    pub const CLK: usize = 0;
    /// Global step number.
    pub const STEP: usize = 1;
    pub const PC: usize = 2;
    pub const NEXT_PC: usize = 3;
    /// Public output bytes written before / after this step.
    pub const OUT: usize = 4;
    pub const NEXT_OUT: usize = 5;
    pub const HALTED: usize = 6;
    /// 1 on the row that sends the state to the next segment.
    pub const SENDS_STATE: usize = RD_ACCESS + 5;
    /// Branch: taken. `jalr`: the low bit of `rs1 + imm` that is cleared.
    pub const TAKEN: usize = 7;
    /// Memory: the address. `jalr`: `rs1 + imm` (low 32 bits; the high ones are 0).
    pub const ADDR: usize = 8;
    /// Value of `rs1` (two limbs).
    pub const A: usize = 9;
    /// Value of `rs2`.
    pub const B: usize = 11;
    /// The instruction's result (written to `rd` unless `rd` is x0; for a branch, the
    /// comparison).
    pub const C: usize = 13;
    /// The ROM fields, [`crate::rom::field`] order.
    pub const ROM: usize = 15;
    /// `rs1` read: prev_time, diff_low, diff_high.
    pub const RS1_ACCESS: usize = ROM + FIELDS;
    pub const RS2_ACCESS: usize = RS1_ACCESS + 3;
    /// `rd` write: prev_lo, prev_hi, prev_time, diff_low, diff_high.
    pub const RD_ACCESS: usize = RS2_ACCESS + 3;
    pub const WIDTH: usize = RD_ACCESS + 6;
}

/// The main table.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuTable;

impl TableName for CpuTable {
    fn name(&self) -> String {
        "main".into()
    }
}

impl BaseAir<Val> for CpuTable {
    fn width(&self) -> usize {
        col::WIDTH
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for CpuTable {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let next: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let one = AB::Expr::ONE;
        let c = |i: usize| local[i].clone();
        let rom = |f: usize| local[col::ROM + f].clone();
        let kind = |k: Kind| rom(field::KIND + k.index());
        // 1 on real rows, 0 on padding rows (see the soundness notes).
        let real = |row: &[AB::Expr]| {
            (0..Kind::ALL.len()).fold(AB::Expr::ZERO, |s, k| s + row[col::ROM + field::KIND + k].clone())
        };
        let (is_real, next_real) = (real(&local), real(&next));

        // Row shape.
        for f in (0..Kind::ALL.len()).map(|k| field::KIND + k).chain([field::WRITES_RD]) {
            builder.assert_zero((one.clone() - is_real.clone()) * rom(f));
        }
        builder.when_first_row().assert_zero(c(col::CLK));
        let mut t = builder.when_transition();
        t.assert_eq(next[col::CLK].clone(), c(col::CLK) + one.clone());
        t.assert_zero((one.clone() - is_real.clone()) * next_real.clone());
        t.assert_zero(next_real.clone() * (next[col::PC].clone() - c(col::NEXT_PC)));
        t.assert_zero(next_real.clone() * (next[col::STEP].clone() - c(col::STEP) - one.clone()));
        t.assert_zero(next_real.clone() * (next[col::OUT].clone() - c(col::NEXT_OUT)));
        t.assert_zero(c(col::HALTED) * next_real.clone());

        // The instruction.
        let mut program = vec![c(col::PC)];
        program.extend((0..FIELDS).map(rom));
        builder.send(PROGRAM, program, is_real.clone());

        // Registers.
        let time = |slot: u64| ts::at_expr(c(col::CLK), slot);
        let reg = |f: usize| rom(f) + AB::Expr::from_u64(cell::REGISTERS);
        for (value, register, at, slot) in
            [(col::A, field::RS1, col::RS1_ACCESS, ts::RS1), (col::B, field::RS2, col::RS2_ACCESS, ts::RS2)]
        {
            let v = [c(value), c(value + 1)];
            access(
                builder,
                Access {
                    cell: reg(register),
                    prev: v.clone(),
                    value: v,
                    prev_time: c(at),
                    time: time(slot),
                    diff_low: c(at + 1),
                    diff_high: c(at + 2),
                    enabled: is_real.clone(),
                },
            );
        }
        let result = [c(col::C), c(col::C + 1)];
        access(
            builder,
            Access {
                cell: reg(field::RD),
                prev: [c(col::RD_ACCESS), c(col::RD_ACCESS + 1)],
                value: result.clone(),
                prev_time: c(col::RD_ACCESS + 2),
                time: time(ts::RD),
                diff_low: c(col::RD_ACCESS + 3),
                diff_high: c(col::RD_ACCESS + 4),
                enabled: rom(field::WRITES_RD),
            },
        );

        // Results computed here.
        let (pc, len) = (c(col::PC), rom(field::LEN));
        let imm = signed_imm(rom(field::IMM_LO), rom(field::IMM_HI));
        let links = kind(Kind::Jal) + kind(Kind::Jalr);
        builder.assert_zero(links.clone() * (c(col::C) - pc.clone() - len.clone()));
        builder.assert_zero(links * c(col::C + 1));

        // The next pc.
        let (next_pc, taken) = (c(col::NEXT_PC), c(col::TAKEN));
        builder.assert_bool(taken.clone());
        let sequential = [Kind::AluReg, Kind::AluImm, Kind::Auipc, Kind::Memory, Kind::Ecall]
            .iter()
            .fold(AB::Expr::ZERO, |s, &k| s + kind(k));
        builder.assert_zero(sequential * (next_pc.clone() - pc.clone() - len.clone()));
        builder.assert_zero(kind(Kind::Jal) * (next_pc.clone() - pc.clone() - imm.clone()));
        builder.assert_zero(kind(Kind::Jalr) * (next_pc.clone() - c(col::ADDR) + taken.clone()));
        // Branch: the ALU gives the comparison in `C` (0 or 1); taken = cmp XOR negate.
        let (cmp, negate) = (c(col::C), rom(field::NEGATE));
        let xor = cmp.clone() + negate.clone() - cmp * negate * AB::Expr::TWO;
        builder.assert_zero(kind(Kind::Branch) * (taken.clone() - xor));
        builder.assert_zero(kind(Kind::Branch) * (next_pc - pc.clone() - len.clone() - taken * (imm - len)));

        // The ALU message: `op(A, B) = C` with A = rs1 (or pc for auipc), B = rs2 for
        // register-register ALU and branches, else the immediate, and C the result,
        // or the address (hi 0) for memory and jalr. The operation is the ROM's, but `Add`
        // for memory (whose `op` is the memory operation).
        let uses_b = kind(Kind::AluReg) + kind(Kind::Branch);
        let address_out = kind(Kind::Memory) + kind(Kind::Jalr);
        let alu_uses = [Kind::AluReg, Kind::AluImm, Kind::Auipc, Kind::Jalr, Kind::Branch, Kind::Memory]
            .iter()
            .fold(AB::Expr::ZERO, |s, &k| s + kind(k));
        let operand = |v: usize, i: usize| rom(i) + uses_b.clone() * (c(v) - rom(i));
        builder.send(
            ALU,
            [
                rom(field::OP) + kind(Kind::Memory) * (AB::Expr::from_u64(AluOp::Add.id()) - rom(field::OP)),
                c(col::A) + kind(Kind::Auipc) * pc,
                c(col::A + 1),
                operand(col::B, field::IMM_LO),
                operand(col::B + 1, field::IMM_HI),
                c(col::C) + address_out.clone() * (c(col::ADDR) - c(col::C)),
                c(col::C + 1) - address_out * c(col::C + 1),
            ],
            alu_uses,
        );

        // Memory instructions and syscalls.
        builder.send(
            MEMOP,
            [c(col::CLK), rom(field::OP), c(col::ADDR), c(col::B), c(col::B + 1), c(col::C), c(col::C + 1)],
            kind(Kind::Memory),
        );
        let not_ecall = one.clone() - kind(Kind::Ecall);
        builder.assert_zero(not_ecall.clone() * (c(col::NEXT_OUT) - c(col::OUT)));
        builder.assert_zero(not_ecall * c(col::HALTED));
        builder.send(SYSCALL, [c(col::CLK), c(col::OUT), c(col::NEXT_OUT), c(col::HALTED)], kind(Kind::Ecall));

        // The state between segments: received by the first row, sent after the last
        // real row (`is_real − is_real'` is 1 exactly there; on the table's last row the
        // successor is row 0, hence the correction) unless it halted.
        let first = builder.is_first_row();
        let last = builder.is_last_row();
        builder.receive(STATE, [c(col::PC), c(col::STEP), c(col::OUT)], first * is_real.clone());
        // (A column, because a multiplicity may have degree 2 at most.)
        let ends = is_real - next_real.clone() + last * next_real;
        builder.assert_eq(c(col::SENDS_STATE), ends * (one.clone() - c(col::HALTED)));
        builder.send(STATE, [c(col::NEXT_PC), c(col::STEP) + one, c(col::NEXT_OUT)], c(col::SENDS_STATE));
    }
}
