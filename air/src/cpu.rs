//! The main (CPU) table: one row per step of a segment.
//!
//! A row fetches its instruction from the ROM (one [`PROGRAM`] message carrying every
//! decoded field, so the row's copies of them are the program's), reads `rs1` and `rs2`
//! (x0 included) and writes `rd` (the discarded register included) through the
//! memory-access gadget ([`access`]: registers are cells, values four 16-bit limbs),
//! computes the next pc itself, and delegates: arithmetic, comparisons, `rs1 + imm` and
//! jump targets to the [`ALU`] bus (at most one message per row), memory instructions
//! to [`MEMOP`], `ecall` to [`SYSCALL`]. Every message on a local bus ([`PROGRAM`],
//! [`ALU`], [`MEMOP`], [`SYSCALL`], the memory tokens and the range checks) starts with
//! the segment number ([`crate::segment::send`]).
//!
//! Rows are steps `0..n` of the segment (`clk` = row index), then padding rows
//! (`is_real = 0`, where `is_real` is the sum of the kind flags), which put nothing on
//! the bus. Consecutive real rows are chained by `pc' = next_pc`; the output count
//! `out` runs through every row (`out' = out` but after an `ecall`, whose row holds the
//! count after it in `C`'s limbs 0 and 1). The first real row receives the machine state
//! `(pc, segment, out)` from [`STATE`] and the last real row sends the state after it
//! with the next segment's number, so segments chain over the global bus and exactly
//! one chain runs from the statement's initial state to the `exit`, whose next pc is
//! [`HALT_PC`] (fixed by the syscall table), the final state the statement receives.
//!
//! ## Why at most 48 columns
//! Over KoalaBear the prover's leaf sponge (width-24 Poseidon2) absorbs 16 field
//! elements per permutation, so a row of at most 48 columns costs three permutations
//! per LDE row, and at most 12 LogUp columns (4 base elements each) three more. What the
//! row does not store: the global step (the segment number, a public value, orders the
//! states instead), a halted flag and a state-sending flag (the `exit`'s next pc is
//! [`HALT_PC`], where nothing can follow; the state is sent after the last real row,
//! with a multiplicity of degree 2), the output count after the step (an `ecall` row's
//! `C`, unused there), a taken bit (see the branch and `jalr` notes below), a `jal` and
//! an `auipc` kind (the ROM encodes `jal` as `jalr` from x0 with the absolute target,
//! `auipc` as `addi` from x0 with the constant `pc + imm`), the link of a `jalr` (ROM
//! constants) and a write flag (every step writes `rd`, the ROM's [`cell::DISCARD`] when
//! the instruction writes nothing).
//!
//! ## Soundness notes
//! Integers below are read for a field of order `p = 2^31 − 2^24 + 1` (and hold a
//! fortiori for a larger one): an equation between integers whose difference lies in
//! `(−p, p)` holds over the integers when it holds mod `p`.
//! * `is_real` is no column but the sum of the kind flags, and `(1 − is_real)·flag = 0`
//!   holds for every flag: if the sum is not 1, every flag is 0, so the sum is 0. Hence
//!   `is_real` is 0 or 1; on padding rows (0) every flag is 0, so a padding row sends
//!   nothing (every multiplicity has a flag or `is_real` as factor). On real rows (1)
//!   the flags, operation ids, register numbers and immediates are the ROM row of `pc`
//!   (the [`PROGRAM`] message has multiplicity `is_real`), whose flags are one-hot:
//!   exactly one kind flag is set, and a real row cannot match a ROM padding row (all
//!   zero), which would leave `next_pc` unconstrained. Every ROM pc is below
//!   [`MAX_PC`](crate::bus::MAX_PC) `= 2^30` ([`crate::rom::RomTable::new`]), so the `pc`
//!   of a real row is an integer in `[0, 2^30)`.
//! * `lui`, `auipc` and the fences are [`Kind::AluImm`] rows with `rs1 = x0`:
//!   `add rd, x0, imm` on the ALU bus with `A = 0` (read from x0, see below), `imm` the
//!   ROM constant (`pc + imm` for `auipc`). A fence's `rd` is the discarded register.
//! * Shared ROM fields, each read only under the kind that gives it its meaning: `op`
//!   is the ALU operation, except on memory rows, where it is the [`MEMOP`] operation,
//!   and on `jalr` rows, where it is the link's limb 1; on both the ALU message's
//!   operation is the constant `Add` (`op + (memory + jalr)·(Add − op)`). A branch's
//!   immediate fields are its next-pc constants `P, Q`, a `jalr`'s length and operation
//!   fields its link ([`RomRow::fields`](crate::rom::RomRow::fields)).
//! * The ALU operand `b` is `B` (`rs2`) or the immediate `(imm0, imm1, imm_ext,
//!   imm_ext)`; its result is `C`, or `(ADDR0, ADDR1, 0, 0)` on memory and `jalr` rows:
//!   the ALU table creates its result limbs and range-checks them, so there `ADDR0`,
//!   `ADDR1` are integers below `2^16` and `rs1 + imm` (64-bit) is below `2^32`.
//! * x0 is a cell that always holds 0: it starts at 0 (the statement's initial values
//!   are the ELF's memory words and `sp`), and nothing writes it: the ROM's `rd` is
//!   never x0 (the discarded register instead), the syscall table writes `a0` only, the
//!   memop table memory words (cells below the registers) and the reservation. Every
//!   real row reads its `rs1` and `rs2` cells, which the ROM makes x0 when the
//!   instruction does not use the operand, so an unused or x0 operand is 0 (what
//!   `addi rd, x0, imm` and `jal` need) without a read flag. The discarded register
//!   holds whatever was last written to it (on `ecall` rows `C`, whose limbs 2 and 3
//!   nothing constrains); no instruction reads it. Main does no arithmetic on `A`, `B`
//!   or `C` but the branch's `Q·C0` (`C0 ∈ {0, 1}`, the compare table's result) and the
//!   output count `C0 + 2^16·C1` (a field element the syscall table fixes), so it needs
//!   no range check of them: they travel to the tables that create or check them.
//! * A `jalr`'s link is `C = (link0, link1, 0, 0)`, the ROM's limbs of `pc + len`.
//! * `next_pc` is fixed for every kind, and each expression's integer range excludes
//!   [`HALT_PC`] `= 3·2^29` as a residue mod `p`:
//!   * sequential (ALU, memory): `next_pc = pc + len ∈ [2, 2^30 + 4)`;
//!   * branch: `next_pc = pc + len + P + Q·C0` with `C0 ∈ {0, 1}` and the ROM constants
//!     `P, Q` small signed integers, `|P + Q·C0| = |imm − len| ≤ 4100` (B-type offsets
//!     are in `[−4096, 4094]`, `len ∈ {2, 4}`), so `next_pc ∈ (−2^13, 2^30 + 2^13)`: the
//!     branch's target or fall-through, as the ROM says (its unit test checks both
//!     cases for every branch); no taken bit (it would be `cmp XOR negate`);
//!   * `jalr`: `target = ADDR0 + 2^16·ADDR1` with `ADDR0 < 2^16` (ALU limb) and
//!     `ADDR1 < 2^14` ([`small14`], multiplicity `kind(Jalr)`: `ADDR1` is an integer
//!     below `2^16`, so `4·ADDR1 < 2^18` does not wrap and its RANGE16 lookup proves
//!     `ADDR1 < 2^14`), so `target ∈ [0, 2^30)` exactly, and `next_pc ∈ {target,
//!     target − 1} ⊂ [−1, 2^30)` by one degree-3 constraint instead of a taken bit; the
//!     next pc must be in the ROM (even), so only `target & !1` continues. A jump to
//!     `2^30` or above has no proof (its `ADDR1 ≥ 2^14` fails the lookup);
//!   * `ecall`: the syscall table's (`pc + 4`, or [`HALT_PC`] for `exit`).
//!
//!   As residues the non-`ecall` next pcs lie in `[0, 2^30 + 2^13) ∪ (p − 2^13, p)`,
//!   which excludes `3·2^29` (`2^30 + 2^13 < 3·2^29 < p − 2^13`), and `3·2^29` is no ROM
//!   pc. Every next pc becomes the pc of the next step, which must be in the ROM, except
//!   [`HALT_PC`], which only `exit` produces: nothing can follow it.
//! * The output count only changes on `ecall` rows, to the count the syscall table
//!   computes (`C0 + 2^16·C1` is in the [`SYSCALL`] message). Padding rows carry it
//!   unchanged, which constrains nothing: they send nothing.
//!
//! Columns: 45 (see [`col`]). Interactions per row: 19, in 11 LogUp columns: 1
//! (program), 1 (ALU), 1 (memop), 1 (syscall), 3 accesses × 4 (two tokens, two range
//! checks), 1 (`small14` of the jump target) and 2 (state).
//!
//! [`HALT_PC`]: crate::bus::HALT_PC

use crate::bus::{cell, ts, AluOp, ALU, MEMOP, PROGRAM, STATE, SYSCALL};
use crate::gadgets::{access, small14, two16, Access};
use crate::rom::{field, Kind, FIELDS};
use crate::segment;
use crate::Val;
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, TableName};

/// Column indices. Values are four 16-bit limbs, low first.
pub mod col {
    use crate::rom::FIELDS;
    /// Row index in the segment (times of the row's accesses derive from it).
    pub const CLK: usize = 0;
    pub const PC: usize = 1;
    pub const NEXT_PC: usize = 2;
    /// Public output bytes written before this step (after it: `C0 + 2^16·C1` on an
    /// `ecall` row, else the same).
    pub const OUT: usize = 3;
    /// Memory and `jalr`: `rs1 + imm` (below `2^32`) as two 16-bit limbs `ADDR0, ADDR1`
    /// (`jalr`: `ADDR1 < 2^14`).
    pub const ADDR: usize = 4;
    /// Value of `rs1` (four limbs).
    pub const A: usize = 6;
    /// Value of `rs2`.
    pub const B: usize = 10;
    /// The instruction's result, written to `rd`: for a branch, the comparison; for an
    /// `ecall`, the output count after it (limbs 0 and 1).
    pub const C: usize = 14;
    /// The ROM fields, [`crate::rom::field`] order.
    pub const ROM: usize = 18;
    /// `rs1` read: prev_time, gap0, gap1 (the [`crate::gadgets::window14`] split of the
    /// time gap).
    pub const RS1_ACCESS: usize = ROM + FIELDS;
    pub const RS2_ACCESS: usize = RS1_ACCESS + 3;
    /// `rd` write: prev0..prev3 (the value before), prev_time, gap0, gap1.
    pub const RD_ACCESS: usize = RS2_ACCESS + 3;
    pub const WIDTH: usize = RD_ACCESS + 7;
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
        let number = segment::number(builder);
        let main = builder.main();
        let local: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let next: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let one = AB::Expr::ONE;
        let c = |i: usize| local[i].clone();
        let limbs = |at: usize| [c(at), c(at + 1), c(at + 2), c(at + 3)];
        let rom = |f: usize| local[col::ROM + f].clone();
        let kind = |k: Kind| rom(field::KIND + k.index());
        let any = |kinds: &[Kind]| kinds.iter().fold(AB::Expr::ZERO, |s, &k| s + kind(k));
        // 1 on real rows, 0 on padding rows (see the soundness notes).
        let real = |row: &[AB::Expr]| {
            (0..Kind::ALL.len()).fold(AB::Expr::ZERO, |s, k| s + row[col::ROM + field::KIND + k].clone())
        };
        let (is_real, next_real) = (real(&local), real(&next));
        // The output count after this step: an `ecall`'s is `C0 + 2^16·C1` (the syscall
        // table fixes it as one field element, below 2^30).
        let ecall_out = c(col::C) + c(col::C + 1) * two16::<AB::Expr>();
        let next_out = c(col::OUT) + kind(Kind::Ecall) * (ecall_out.clone() - c(col::OUT));

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
        let program = [c(col::PC)].into_iter().chain((0..FIELDS).map(rom));
        segment::send(builder, PROGRAM, program, is_real.clone());

        // Registers: every `time − prev_time − 1` is the window14 split of its gap
        // (times below 2^27, see `gadgets::access`).
        let time = |slot: u64| ts::at_expr(c(col::CLK), slot);
        let reg = |f: usize| rom(f) + AB::Expr::from_u64(cell::REGISTERS);
        for (value, register, at, slot) in
            [(col::A, field::RS1, col::RS1_ACCESS, ts::RS1), (col::B, field::RS2, col::RS2_ACCESS, ts::RS2)]
        {
            access(
                builder,
                Access {
                    cell: reg(register),
                    prev: limbs(value),
                    value: limbs(value),
                    prev_time: c(at),
                    time: time(slot),
                    gap: [c(at + 1), c(at + 2)],
                    enabled: is_real.clone(),
                },
            );
        }
        access(
            builder,
            Access {
                cell: reg(field::RD),
                prev: limbs(col::RD_ACCESS),
                value: limbs(col::C),
                prev_time: c(col::RD_ACCESS + 4),
                time: time(ts::RD),
                gap: [c(col::RD_ACCESS + 5), c(col::RD_ACCESS + 6)],
                enabled: is_real.clone(),
            },
        );

        // Results fixed here: the link of a jump, `(link0, link1, 0, 0)` from the ROM.
        let jalr = kind(Kind::Jalr);
        builder.assert_zero(jalr.clone() * (c(col::C) - rom(field::LINK0)));
        builder.assert_zero(jalr.clone() * (c(col::C + 1) - rom(field::LINK1)));
        builder.assert_zero(jalr.clone() * c(col::C + 2));
        builder.assert_zero(jalr.clone() * c(col::C + 3));

        // The next pc (`ecall`: the syscall table's); integer ranges in the soundness
        // notes, none containing HALT_PC mod p.
        let (pc, len, next_pc) = (c(col::PC), rom(field::LEN), c(col::NEXT_PC));
        // `pc + len ∈ [2, 2^30 + 4)`.
        let sequential = any(&[Kind::AluReg, Kind::AluImm, Kind::Memory]);
        builder.assert_zero(sequential * (next_pc.clone() - pc.clone() - len.clone()));
        // `target = ADDR0 + 2^16·ADDR1 ∈ [0, 2^30)` (ADDR1 < 2^14 by the lookup), the
        // next pc `target` or `target − 1 ∈ [−1, 2^30)`.
        let (addr0, addr1) = (c(col::ADDR), c(col::ADDR + 1));
        small14(builder, addr1.clone(), jalr.clone());
        let jump = addr0.clone() + addr1.clone() * two16::<AB::Expr>() - next_pc.clone();
        builder.assert_zero(jalr.clone() * jump.clone() * (jump - one.clone()));
        // `pc + len + P + Q·C0 ∈ (−2^13, 2^30 + 2^13)`, `C0 ∈ {0, 1}`.
        let (p, q) = (rom(field::BRANCH_P), rom(field::BRANCH_Q));
        builder.assert_zero(kind(Kind::Branch) * (next_pc.clone() - pc.clone() - len - p - q * c(col::C)));

        // The ALU message: `op(A, B) = C` with A = rs1, B = rs2 for register-register ALU
        // and branches, else the immediate (limbs 2 and 3 both `imm_ext`), and C the
        // result, or the address `(ADDR0, ADDR1, 0, 0)` for memory and jalr. The
        // operation is the ROM's, but `Add` for memory and jalr (whose `op` field holds
        // the memory operation or the link).
        let uses_b = any(&[Kind::AluReg, Kind::Branch]);
        let address_out = any(&[Kind::Memory, Kind::Jalr]);
        let alu_uses = any(&[Kind::AluReg, Kind::AluImm, Kind::Jalr, Kind::Branch, Kind::Memory]);
        let imm = [field::IMM0, field::IMM1, field::IMM_EXT, field::IMM_EXT];
        let b: Vec<AB::Expr> = (0..4).map(|i| rom(imm[i]) + uses_b.clone() * (c(col::B + i) - rom(imm[i]))).collect();
        let addr = [addr0.clone(), addr1.clone(), AB::Expr::ZERO, AB::Expr::ZERO];
        let result: Vec<AB::Expr> =
            (0..4).map(|i| c(col::C + i) + address_out.clone() * (addr[i].clone() - c(col::C + i))).collect();
        let op = rom(field::OP) + address_out * (AB::Expr::from_u64(AluOp::Add.id()) - rom(field::OP));
        let alu = [op].into_iter().chain(limbs(col::A)).chain(b).chain(result);
        segment::send(builder, ALU, alu, alu_uses);

        // Memory instructions and syscalls.
        let memop = [c(col::CLK), rom(field::OP), addr0, addr1].into_iter().chain(limbs(col::B)).chain(limbs(col::C));
        segment::send(builder, MEMOP, memop, kind(Kind::Memory));
        let syscall = [c(col::CLK), c(col::OUT), ecall_out, pc, next_pc.clone()];
        segment::send(builder, SYSCALL, syscall, kind(Kind::Ecall));

        // The state between segments: received by the first row, sent after the last
        // real row (`is_real − is_real'` is 1 exactly there; on the table's last row the
        // successor is row 0, hence the correction). After `exit` it is the final state.
        let first = builder.is_first_row();
        let last = builder.is_last_row();
        builder.receive(STATE, [c(col::PC), number.clone(), c(col::OUT)], first * is_real.clone());
        let ends = is_real - next_real.clone() + last * next_real;
        builder.send(STATE, [next_pc, number + one, next_out], ends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{limbs, RANGE16};
    use crate::debug::{row_messages, Rows};
    use crate::rom::RomRow;
    use crate::table::Table;
    use p3_field::PrimeField64;
    use p3_matrix::dense::RowMajorMatrix;
    use ziskjit_prover::symbolic::TableAnalysis;
    use ziskjit_prover::{check_witness, setup, Config, FriSettings, SegmentWitness};

    /// The row stays within three leaf-sponge absorptions of 16 elements (see "Why at
    /// most 48 columns"), its LogUp columns within 12, and the docs' counts hold.
    #[test]
    fn a_row_has_at_most_48_columns_and_12_logup_columns() {
        const { assert!(col::WIDTH <= 48) };
        assert_eq!(col::WIDTH, 45);
        let analysis = TableAnalysis::of(&CpuTable, crate::segment::PUBLIC_VALUES);
        assert_eq!(analysis.interactions.len(), 19);
        assert_eq!(analysis.num_logup_columns(), 11);
        assert!(analysis.num_logup_columns() <= 12);
        assert!(analysis.total_degree() <= 3, "degree {}", analysis.total_degree());
    }

    /// A segment's main table of one `jalr x1, 0(x5)` step at pc `0x1000` with `x5 =
    /// target` and the given next pc, then a padding row: every column as the witness
    /// generator fills it.
    fn jalr_trace(target: u64, next_pc: u64) -> RowMajorMatrix<Val> {
        let rom = RomRow {
            pc: 0x1000,
            kind: Kind::Jalr,
            rd: 1,
            rs1: 5,
            rs2: 0,
            imm: 0,
            len: 4,
            alu: Some(AluOp::Add),
            mem: None,
            negate: false,
        };
        let mut r = [Val::ZERO; col::WIDTH];
        r[col::PC] = Val::from_u64(rom.pc);
        r[col::NEXT_PC] = Val::from_u64(next_pc);
        let put = |r: &mut [Val], at: usize, v: u64| {
            for (i, l) in limbs(v).into_iter().enumerate() {
                r[at + i] = Val::from_u64(l);
            }
        };
        r[col::ADDR] = Val::from_u64(target & 0xffff);
        r[col::ADDR + 1] = Val::from_u64(target >> 16);
        put(&mut r, col::A, target);
        put(&mut r, col::C, rom.pc + 4);
        r[col::ROM..col::ROM + FIELDS].copy_from_slice(&rom.fields());
        // Every register was last accessed at time 0 (the import): gap = time − 1.
        for (at, slot) in [(col::RS1_ACCESS, ts::RS1), (col::RS2_ACCESS, ts::RS2), (col::RD_ACCESS + 4, ts::RD)] {
            r[at + 1] = Val::from_u64(ts::at(0, slot) - 1);
        }
        let mut padding = [Val::ZERO; col::WIDTH];
        padding[col::CLK] = Val::ONE;
        RowMajorMatrix::new([r, padding].concat(), col::WIDTH)
    }

    /// Checks the main table's constraints on `trace` (no bus).
    fn constraints_hold(trace: &RowMajorMatrix<Val>) -> bool {
        let config = Config::blake3_koala_bear(FriSettings::default());
        let tables = [Table::Cpu(CpuTable)];
        let pk = setup(&config, &tables).unwrap();
        let public_values = crate::segment::public_values(0, false).map(Val::from_u64).to_vec();
        let witness = SegmentWitness { traces: vec![trace.clone()], public_values };
        check_witness(&config, &pk, &tables, 0, &witness).is_ok()
    }

    /// The values the first row of `trace` looks up on RANGE16 (segment number stripped).
    fn range16_lookups(trace: &RowMajorMatrix<Val>) -> Vec<u64> {
        let w = col::WIDTH;
        let rows =
            Rows { main: [&trace.values[..w], &trace.values[w..]], preprocessed: [&[], &[]], first: true, last: false };
        let public_values = crate::segment::public_values(0, false).map(Val::from_u64);
        let messages = row_messages(&Table::Cpu(CpuTable), rows, &public_values);
        messages.into_iter().filter(|(bus, _, _)| *bus == RANGE16).map(|(_, values, _)| values[1]).collect()
    }

    /// A `jalr` target is below 2^30: `ADDR1 < 2^14` by RANGE16(4·ADDR1). A jump to
    /// `2^30` satisfies every constraint of main, but the lookup of `4·ADDR1 = 2^16`
    /// has no row in the bytes table (values below 2^16), so it cannot be proved; a jump
    /// just below 2^30 looks up `2^16 − 4`. A next pc that is neither the target nor one
    /// less breaks a constraint.
    #[test]
    fn a_jump_to_2_30_or_above_cannot_be_proved() {
        let highest = (1 << 30) - 2;
        let below = jalr_trace(highest, highest);
        assert!(constraints_hold(&below));
        assert!(constraints_hold(&jalr_trace(highest + 1, highest)), "odd target, next pc one less");
        assert!(!constraints_hold(&jalr_trace(highest, highest + 2)), "a next pc past the target");
        assert!(!constraints_hold(&jalr_trace(highest, crate::bus::HALT_PC)), "a jump to the halt pc");
        let lookups = range16_lookups(&below);
        assert!(lookups.contains(&(4 * ((1 << 14) - 1))), "{lookups:?}");
        assert!(lookups.iter().all(|&v| v < crate::bytes::ROWS as u64), "{lookups:?}");

        for target in [1 << 30, (1 << 32) - 2] {
            let above = jalr_trace(target, target);
            assert!(constraints_hold(&above), "{target:#x}: only the lookup stops it");
            let lookups = range16_lookups(&above);
            let out_of_table: Vec<u64> = lookups.into_iter().filter(|&v| v >= crate::bytes::ROWS as u64).collect();
            assert_eq!(out_of_table, [4 * (target >> 16)], "{target:#x}");
        }
    }

    /// The `small14` lookup is only made on `jalr` rows: a memory row's address may reach
    /// `2^32 − 1`.
    #[test]
    fn only_jalr_rows_bound_the_address() {
        let mut trace = jalr_trace(1 << 30, 1 << 30);
        let n = range16_lookups(&trace).len();
        let kinds = col::ROM + field::KIND;
        trace.values[kinds + Kind::Jalr.index()] = Val::ZERO;
        trace.values[kinds + Kind::Memory.index()] = Val::ONE;
        let lookups = range16_lookups(&trace);
        assert_eq!(lookups.len(), n - 1);
        assert!(lookups.iter().all(|&v| v < 1 << 16), "{lookups:?}");
        assert_eq!(trace.values[col::ADDR + 1].as_canonical_u64(), 1 << 14);
    }
}
