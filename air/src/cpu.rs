//! The main (CPU) table: one row per step of a segment.
//!
//! A row fetches its instruction from the ROM (one [`PROGRAM`] message carrying every
//! decoded field, so the row's copies of them are the program's), reads `rs1` and `rs2`
//! (x0 included) and writes `rd` (the discarded register included) through the
//! memory-access gadget (registers are cells), computes the next pc itself, and
//! delegates: arithmetic, comparisons, `rs1 + imm` and jump targets to the [`ALU`] bus
//! (at most one message per row), memory instructions to [`MEMOP`], `ecall` to
//! [`SYSCALL`].
//!
//! Rows are steps `0..n` of the segment (`clk` = row index), then padding rows
//! (`is_real = 0`, where `is_real` is the sum of the kind flags), which put nothing on
//! the bus. Consecutive real rows are chained by `pc' = next_pc`; the output count
//! `out` runs through every row (`out' = out` but after an `ecall`, whose row holds the
//! count after it in `C`). The first real row receives the machine state
//! `(pc, segment, out)` from [`STATE`] and the last real row sends the state after it
//! with the next segment's number, so segments chain over the global bus and exactly
//! one chain runs from the statement's initial state to the `exit`, whose next pc is
//! [`HALT_PC`] (fixed by the syscall table), the final state the statement receives.
//!
//! ## Why 36 columns
//! The prover hashes the committed rows 12 field elements per Poseidon2 permutation, so
//! a row of at most 36 columns costs three permutations per LDE row where 43 cost four.
//! What the row does not store: the global step (the segment number, a public value,
//! orders the states instead), a halted flag and a state-sending flag (the `exit`'s
//! next pc is [`HALT_PC`], where nothing can follow; the state is sent after the last
//! real row, with a multiplicity of degree 2), the output count after the step (an
//! `ecall` row's `C`, unused there), a taken bit (see the branch and `jalr` notes
//! below), a `jal` kind (the ROM encodes `jal` as `jalr` from x0 with the absolute
//! target) and a write flag (every step writes `rd`, the ROM's
//! [`cell::DISCARD`] when the instruction writes nothing).
//!
//! ## Soundness notes
//! * `is_real` is no column but the sum of the kind flags, and `(1 − is_real)·flag = 0`
//!   holds for every flag: if the sum is not 1, every flag is 0, so the sum is 0. Hence
//!   `is_real` is 0 or 1; on padding rows (0) every flag is 0, so a padding row sends
//!   nothing (every multiplicity has a flag or `is_real` as factor). On real rows (1)
//!   the flags, operation ids, register numbers and immediates are the ROM row of `pc`
//!   (the [`PROGRAM`] message has multiplicity `is_real`), whose flags are one-hot:
//!   exactly one kind flag is set, and a real row cannot match a ROM padding row (all
//!   zero), which would leave `next_pc` unconstrained.
//! * `lui` and the fences are [`Kind::AluImm`] rows with `rs1 = x0`: `add rd, x0, imm`
//!   on the ALU bus with `A = 0` (read from x0, see below). A fence's `rd` is the
//!   discarded register.
//! * Shared ROM fields, each read only under the kind that gives it its meaning: `op`
//!   is the ALU operation, except on memory rows, where it is the [`MEMOP`] operation
//!   and the ALU message's operation is the constant `Add` (`op + is_memory·(Add − op)`);
//!   a branch's immediate fields are its next-pc constants `P, Q`
//!   ([`RomRow::fields`](crate::rom::RomRow::fields)).
//! * A `jalr` (or `jal`) target is `rs1 + imm` from the ALU (64-bit arithmetic on
//!   the ROM's limbs of the sign-extended immediate) with the high limb 0, so below
//!   2^32.
//! * x0 is a cell that always holds 0: it starts at 0 (the statement's initial values
//!   are the ELF's memory words and `sp`), and nothing writes it: the ROM's `rd` is
//!   never x0 (the discarded register instead), the syscall table writes `a0` only, the
//!   memop table memory words (cells below the registers) and the reservation. Every
//!   real row reads its `rs1` and `rs2` cells, which the ROM makes x0 when the
//!   instruction does not use the operand, so an unused or x0 operand is 0 (what
//!   `addi rd, x0, imm` and `jal` need) without a read flag. The discarded register
//!   holds whatever was last written to it; no instruction reads it.
//! * A branch's comparison `C` is 0 or 1 (the compare table's result), so
//!   `next_pc = pc + len + P + Q·C` is the branch's target or fall-through, as the ROM
//!   says (its unit test checks both cases for every branch).
//! * `jalr`: `next_pc ∈ {addr, addr − 1}` for `addr = rs1 + imm` (low 32 bits, from
//!   the ALU), one degree-3 constraint instead of a taken bit; the next pc must be in
//!   the ROM (even), so only `addr & !1` continues.
//! * `next_pc` is fixed for every kind: by this row, or by the syscall table for
//!   `ecall` (`pc + 4`, or [`HALT_PC`] for `exit`). Every next pc becomes the pc of the
//!   next step, which must be in the ROM, except [`HALT_PC`], which no other kind can
//!   produce: pc arithmetic is done in the field (`pc + len`, `pc + len + P + Q·C`,
//!   the ALU's `addr < 2^32`), equal to the 64-bit result whenever that is a valid pc
//!   (< 2^32), the only case that can continue, and never `2^40`.
//! * The output count only changes on `ecall` rows, to the count the syscall table
//!   computes (`C` is in the [`SYSCALL`] message). Padding rows carry it unchanged,
//!   which constrains nothing: they send nothing.
//!
//! Columns: 36 (see [`col`]). Interactions per row: 1 (program) + 1 (ALU) + 1 (memop)
//! + 1 (syscall) + 3 accesses × 4 (two tokens, two range checks) + 2 (state) = 18.
//!
//! [`HALT_PC`]: crate::bus::HALT_PC

use crate::bus::{cell, ts, AluOp, ALU, MEMOP, PROGRAM, STATE, SYSCALL};
use crate::gadgets::{access, Access};
use crate::rom::{field, Kind, FIELDS};
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, TableName, Val};

/// Column indices.
pub mod col {
    use crate::rom::FIELDS;
    /// Row index in the segment (times of the row's accesses derive from it).
    pub const CLK: usize = 0;
    pub const PC: usize = 1;
    pub const NEXT_PC: usize = 2;
    /// Public output bytes written before this step (after it: `C` on an `ecall` row,
    /// else the same).
    pub const OUT: usize = 3;
    /// Memory: the address. `jalr`: `rs1 + imm` (low 32 bits; the high ones are 0).
    pub const ADDR: usize = 4;
    /// Value of `rs1` (two limbs).
    pub const A: usize = 5;
    /// Value of `rs2`.
    pub const B: usize = 7;
    /// The instruction's result, written to `rd`: for a branch, the comparison; for an
    /// `ecall`, the output count after it (its `hi` is unused).
    pub const C: usize = 9;
    /// The ROM fields, [`crate::rom::field`] order.
    pub const ROM: usize = 11;
    /// `rs1` read: prev_time, diff_low, diff_high.
    pub const RS1_ACCESS: usize = ROM + FIELDS;
    pub const RS2_ACCESS: usize = RS1_ACCESS + 3;
    /// `rd` write: prev_lo, prev_hi, prev_time, diff_low, diff_high.
    pub const RD_ACCESS: usize = RS2_ACCESS + 3;
    pub const WIDTH: usize = RD_ACCESS + 5;
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

    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for CpuTable {
    fn eval(&self, builder: &mut AB) {
        let segment = crate::segment::number(builder);
        let main = builder.main();
        let local: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let next: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let one = AB::Expr::ONE;
        let c = |i: usize| local[i].clone();
        let rom = |f: usize| local[col::ROM + f].clone();
        let kind = |k: Kind| rom(field::KIND + k.index());
        let any = |kinds: &[Kind]| kinds.iter().fold(AB::Expr::ZERO, |s, &k| s + kind(k));
        // 1 on real rows, 0 on padding rows (see the soundness notes).
        let real = |row: &[AB::Expr]| {
            (0..Kind::ALL.len()).fold(AB::Expr::ZERO, |s, k| s + row[col::ROM + field::KIND + k].clone())
        };
        let (is_real, next_real) = (real(&local), real(&next));
        // The output count after this step.
        let next_out = c(col::OUT) + kind(Kind::Ecall) * (c(col::C) - c(col::OUT));

        // Row shape.
        for k in 0..Kind::ALL.len() {
            builder.assert_zero((one.clone() - is_real.clone()) * rom(field::KIND + k));
        }
        builder.when_first_row().assert_zero(c(col::CLK));
        let mut t = builder.when_transition();
        t.assert_eq(next[col::CLK].clone(), c(col::CLK) + one.clone());
        t.assert_zero((one.clone() - is_real.clone()) * next_real.clone());
        t.assert_zero(next_real.clone() * (next[col::PC].clone() - c(col::NEXT_PC)));
        t.assert_eq(next[col::OUT].clone(), next_out.clone());

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
                value: result,
                prev_time: c(col::RD_ACCESS + 2),
                time: time(ts::RD),
                diff_low: c(col::RD_ACCESS + 3),
                diff_high: c(col::RD_ACCESS + 4),
                enabled: is_real.clone(),
            },
        );

        // Results computed here: the link of a jump.
        let (pc, len, next_pc) = (c(col::PC), rom(field::LEN), c(col::NEXT_PC));
        builder.assert_zero(kind(Kind::Jalr) * (c(col::C) - pc.clone() - len.clone()));
        builder.assert_zero(kind(Kind::Jalr) * c(col::C + 1));

        // The next pc (`ecall`: the syscall table's).
        let sequential = any(&[Kind::AluReg, Kind::AluImm, Kind::Auipc, Kind::Memory]);
        builder.assert_zero(sequential * (next_pc.clone() - pc.clone() - len.clone()));
        let jump = c(col::ADDR) - next_pc.clone();
        builder.assert_zero(kind(Kind::Jalr) * jump.clone() * (jump - one.clone()));
        let (p, q) = (rom(field::BRANCH_P), rom(field::BRANCH_Q));
        builder.assert_zero(kind(Kind::Branch) * (next_pc.clone() - pc.clone() - len - p - q * c(col::C)));

        // The ALU message: `op(A, B) = C` with A = rs1 (or pc for auipc), B = rs2 for
        // register-register ALU and branches, else the immediate, and C the result,
        // or the address (hi 0) for memory and jalr. The operation is the ROM's, but `Add`
        // for memory (whose `op` is the memory operation).
        let uses_b = any(&[Kind::AluReg, Kind::Branch]);
        let address_out = any(&[Kind::Memory, Kind::Jalr]);
        let alu_uses = any(&[Kind::AluReg, Kind::AluImm, Kind::Auipc, Kind::Jalr, Kind::Branch, Kind::Memory]);
        let operand = |v: usize, i: usize| rom(i) + uses_b.clone() * (c(v) - rom(i));
        builder.send(
            ALU,
            [
                rom(field::OP) + kind(Kind::Memory) * (AB::Expr::from_u64(AluOp::Add.id()) - rom(field::OP)),
                c(col::A) + kind(Kind::Auipc) * pc.clone(),
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
            [
                segment.clone(),
                c(col::CLK),
                rom(field::OP),
                c(col::ADDR),
                c(col::B),
                c(col::B + 1),
                c(col::C),
                c(col::C + 1),
            ],
            kind(Kind::Memory),
        );
        builder.send(
            SYSCALL,
            [segment.clone(), c(col::CLK), c(col::OUT), c(col::C), pc, next_pc.clone()],
            kind(Kind::Ecall),
        );

        // The state between segments: received by the first row, sent after the last
        // real row (`is_real − is_real'` is 1 exactly there; on the table's last row the
        // successor is row 0, hence the correction). After `exit` it is the final state.
        let first = builder.is_first_row();
        let last = builder.is_last_row();
        builder.receive(STATE, [c(col::PC), segment.clone(), c(col::OUT)], first * is_real.clone());
        let ends = is_real - next_real.clone() + last * next_real;
        builder.send(STATE, [next_pc, segment + one, next_out], ends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziskjit_prover::symbolic::TableAnalysis;
    use ziskjit_prover::LEAF_HASH_RATE;

    /// The row stays within three leaf-sponge absorptions (see "Why 36 columns"), and its
    /// LogUp columns (two field elements each) within two.
    #[test]
    fn a_row_costs_three_permutations_and_its_logup_columns_two() {
        assert_eq!(col::WIDTH, 36);
        assert_eq!(col::WIDTH.div_ceil(LEAF_HASH_RATE), 3);
        let logup_columns = TableAnalysis::of(&CpuTable, crate::segment::PUBLIC_VALUES).num_logup_columns();
        assert!((2 * logup_columns).div_ceil(LEAF_HASH_RATE) <= 2, "{logup_columns} LogUp columns");
        assert_eq!(logup_columns, 10);
    }
}
