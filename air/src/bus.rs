//! The buses the RISC-V tables talk over, the tuple each one carries, and the numbering
//! of cells, times and operations those tuples use. This file is the contract between
//! the tables: a table's module says which of these it sends and receives.
//!
//! The field is KoalaBear (`p = 2^31 − 2^24 + 1`, see the crate docs): every 64-bit value
//! in a tuple is four 16-bit limbs `v0..v3`, low first ([`limbs`]), and every bus whose
//! facts hold only inside one segment carries the segment number first
//! ([`LOCAL_BUSES`]).

use ziskjit_prover::BusId;

/// `(segment, cell, v0, v1, v2, v3, time)`: a memory token inside one segment (see the
/// crate docs).
///
/// **Why the segment number.** All buses share one LogUp sum over the whole proof set,
/// so a bus whose messages only make sense inside a segment (times and `clk` restart at
/// 0 in every segment) must say which segment a message belongs to, or one segment
/// could consume another's messages: a read of segment A could take a token segment B
/// sent at the same local time, and be served a value B wrote, with every segment's
/// constraints and the global sum intact. Every tuple of a local bus starts with the
/// segment number (public value [`crate::segment::NUMBER`], a constant of the segment,
/// so it costs no column); send them with [`crate::segment::send`].
pub const MEMORY: BusId = 1;
/// The local buses (see [`MEMORY`]): every tuple on them starts with the segment number.
///
/// The lookup buses ([`PROGRAM`], [`ALU`], [`RANGE16`], [`BYTE_PAIR`], [`LOGIC`]) carry
/// facts true in any segment, but they are local too, for the size of the field: LogUp
/// proves that each tuple's sends and receives balance *mod p*, and over a whole run
/// the number of sends of one tuple could reach `p ≈ 2^31` (`p` bogus sends of one false
/// fact balance with none received). With the segment number in every tuple, a tuple's
/// interactions all lie in one segment, whose interaction count the verifier bounds
/// below `p` (`PORT31.md` §1.7, §2.8). Hence the ROM and the bytes table are held by
/// every execution segment. [`GLOBAL_MEMORY`] and [`STATE`] name their segment
/// themselves; [`EXIT`] and [`OUTPUT`] are facts of the whole run.
pub const LOCAL_BUSES: [BusId; 8] = [MEMORY, MEMOP, SYSCALL, PROGRAM, ALU, RANGE16, BYTE_PAIR, LOGIC];
/// `(cell, v0, v1, v2, v3, segment)`: a cell's value between segments. `segment` is 0 for
/// the initial value and `k + 1` for the value exported by execution segment `k`.
pub const GLOBAL_MEMORY: BusId = 2;
/// `(pc, segment, output_count)`: the machine state between segments, where `segment` is
/// the number of the execution segment that runs from it (public value
/// [`crate::segment::NUMBER`]) and `output_count` the number of public output bytes
/// written so far (below `2^30`). The statement sends `(entry, 1, 0)`; each execution
/// segment receives its first state and sends the one after its last step; the statement
/// receives the final one, `(HALT_PC, n, output length)` with `n` the memory segment's
/// number (one past the last execution segment's).
pub const STATE: BusId = 3;
/// The pc after `exit` (the syscall table fixes it), `3·2^29`: no instruction is there,
/// so no step can follow an `exit`, and no other step computes it: every ROM pc is below
/// [`MAX_PC`] `= 2^30`, and every next-pc expression of main ranges over integers in
/// `(−2^13, 2^30 + 2^13)`, whose residues mod `p` exclude `3·2^29` (`crate::cpu`'s
/// soundness notes). So only an `exit` can end the run.
pub const HALT_PC: u64 = 3 << 29;
/// Every ROM pc is below this (the ROM refuses a program with code at or above it), so a
/// pc is one field element and pc arithmetic stays far from the field's order.
pub const MAX_PC: u64 = 1 << 30;
/// `(exit_code, output_count)`: sent once by the `exit` syscall, received by the statement.
pub const EXIT: BusId = 4;
/// `(index, byte)`: the public output, one message per byte written to fd 1, received by
/// the statement.
pub const OUTPUT: BusId = 5;
/// `(segment, pc, fields…)`: an instruction of the program, its fields those of
/// `rom::RomRow::fields`, every pc below [`MAX_PC`]; the main table sends one per step,
/// the segment's ROM receives them.
pub const PROGRAM: BusId = 6;
/// `(segment, op, a0..a3, b0..b3, c0..c3)`: `c = op(a, b)` for an [`AluOp`]
/// ([`AluEvent::tuple`] without the segment). Sent by the main and memop tables,
/// received by the alu and muldiv tables; the senders guarantee `a` and `b` are limbs
/// below `2^16`, the receiving table creates `c` and range-checks it.
pub const ALU: BusId = 7;
/// `(segment, clk, op, addr0, addr1, d0..d3, r0..r3)`: a memory instruction of the main
/// table's row `clk` in `segment`: `op` a [`MemOp`], the byte address as two 16-bit
/// limbs (`addr = addr0 + 2^16·addr1 < 2^32`, [`addr_limbs`]), `d` the value of `rs2`,
/// `r` the value the instruction puts in `rd` (0 for stores). Sent by the main table,
/// received by the memop table, or the word table for `ld`/`sd` at addresses divisible
/// by 8.
pub const MEMOP: BusId = 8;
/// `(segment, clk, output_count, next_output_count, pc, next_pc)`: the `ecall` at `pc` of
/// the main table's row `clk` in `segment`. Sent by main, received by the syscall table,
/// which fixes the output count after it and the next pc (`pc + 4`, or [`HALT_PC`] for
/// `exit`).
pub const SYSCALL: BusId = 9;
/// `(segment, v)`: `v < 2^16`. Received by the bytes table; send it with
/// [`crate::gadgets::range16`].
pub const RANGE16: BusId = 10;
/// `(segment, a, b)`: `a < 2^8` and `b < 2^8`. Received by the bytes table; send it with
/// [`crate::gadgets::byte_pair`].
pub const BYTE_PAIR: BusId = 11;
/// `(segment, a, b, a AND b, a OR b, a XOR b)` for bytes `a`, `b`. Received by the bytes
/// table; send it with [`crate::gadgets::logic`].
pub const LOGIC: BusId = 12;

/// Cell numbers: what a memory token is about. All cells are `< 2^30`, so differences of
/// cells (and times) fit the range checks.
pub mod cell {
    /// The cell of the aligned 64-bit memory word at byte address `8·w`: `w` (< 2^29).
    pub const fn word(byte_addr: u64) -> u64 {
        byte_addr >> 3
    }
    /// First register cell: register `r` (0..=31) is `REGISTERS + r`. `x0` is read (as
    /// the operand an instruction does not use, too) but never written, so it holds 0.
    ///
    /// One past `2^29`: a misaligned access of the last word below `2^32` (cell
    /// `2^29 − 1`) also touches the next word, cell `2^29` (the memop table's second word
    /// `w + 1`), which is therefore a memory cell no instruction can name otherwise, and
    /// must not be `x0`, whose value main relies on being 0.
    pub const REGISTERS: u64 = (1 << 29) + 1;
    /// The cell of register `r`.
    pub const fn register(r: u8) -> u64 {
        REGISTERS + r as u64
    }
    /// The LR/SC reservation: `v0 = address / 4 + 1` after `lr` at `address` (LR/SC
    /// addresses are 4-aligned, so this is below `2^30 + 1`: one field element, compared
    /// exactly), `0` when there is none (the initial value); `v1 = v2 = v3 = 0`.
    pub const RESERVATION: u64 = REGISTERS + 32;
    /// The register number an instruction that writes no register (or writes x0) has
    /// as `rd`, so that every step writes its result somewhere and the main table needs
    /// no write flag: the cell `register(DISCARD)` is written by such steps and never
    /// read by any instruction.
    pub const DISCARD: u8 = 33;
}

/// Times of accesses inside a segment. Row `clk` of the main table (the segment's step
/// `clk`, from 0) owns times `8·(clk + 1) + slot`; time 0 is the import of every cell
/// at the segment's start (the boundary table). Accesses to different cells may share a
/// time; accesses to one cell must have strictly increasing times, which these slots give.
pub mod ts {
    /// Main: read `rs1`. Syscall: read `a7`.
    pub const RS1: u64 = 0;
    /// Main: read `rs2`. Syscall: read `a0`.
    pub const RS2: u64 = 1;
    /// Memop: the (first) memory word. Syscall: read `a1`.
    pub const MEM0: u64 = 2;
    /// Memop: the second memory word of an access spanning two. Syscall: read `a2`.
    pub const MEM1: u64 = 3;
    /// Main: write `rd`. Syscall: write `a0`.
    pub const RD: u64 = 4;
    /// Syscall: every word of the buffer (each word once).
    pub const BUFFER: u64 = 5;
    /// Memop: the LR/SC reservation cell.
    pub const RESERVATION: u64 = 6;

    /// The most rows a segment's main table may have: `2^23` (KoalaBear's two-adicity is
    /// 24, and the LDE doubles the height).
    pub const MAX_ROWS: u64 = 1 << 23;

    /// The time of `slot` in the main table's row `clk`.
    pub const fn at(clk: u64, slot: u64) -> u64 {
        8 * (clk + 1) + slot
    }

    /// [`at`] in constraints, for a row's `clk` expression.
    pub fn at_expr<E: p3_field::PrimeCharacteristicRing>(clk: E, slot: u64) -> E {
        clk * E::from_u64(8) + E::from_u64(8 + slot)
    }
}

/// Operations on the [`ALU`] bus. `W` forms compute on the low 32 bits and sign-extend
/// the 32-bit result to 64 bits, as RV64 does. Shift amounts are `b mod 64` (`b mod 32`
/// for `W`). `Eq`, `Slt`, `Sltu` give 0 or 1. The `MinW`.. forms (for 32-bit AMOs)
/// compare the low 32 bits (signed or unsigned) and give the smaller/larger one
/// sign-extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum AluOp {
    Add = 1,
    Sub,
    Sll,
    Srl,
    Sra,
    Slt,
    Sltu,
    Eq,
    Xor,
    Or,
    And,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Min,
    Max,
    Minu,
    Maxu,
    MinW,
    MaxW,
    MinuW,
    MaxuW,
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
}

impl AluOp {
    /// Every operation, in numbering order.
    pub const ALL: [AluOp; 37] = {
        use AluOp::*;
        [
            Add, Sub, Sll, Srl, Sra, Slt, Sltu, Eq, Xor, Or, And, Addw, Subw, Sllw, Srlw, Sraw, Min, Max, Minu, Maxu,
            MinW, MaxW, MinuW, MaxuW, Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu, Mulw, Divw, Divuw, Remw, Remuw,
        ]
    };

    /// The number on the bus.
    pub const fn id(self) -> u64 {
        self as u64
    }

    /// The result `op(a, b)`: the witness generators' and the tests' reference. It is
    /// checked against the interpreter (the one ISA semantics) by the tests.
    pub fn eval(self, a: u64, b: u64) -> u64 {
        use AluOp::*;
        let w = |x: u64| x as i32 as i64 as u64;
        let (sa, sb) = (a as i64, b as i64);
        let (wa, wb) = (a as i32, b as i32);
        match self {
            Add => a.wrapping_add(b),
            Sub => a.wrapping_sub(b),
            Sll => a << (b & 63),
            Srl => a >> (b & 63),
            Sra => (sa >> (b & 63)) as u64,
            Slt => u64::from(sa < sb),
            Sltu => u64::from(a < b),
            Eq => u64::from(a == b),
            Xor => a ^ b,
            Or => a | b,
            And => a & b,
            Addw => w(a.wrapping_add(b)),
            Subw => w(a.wrapping_sub(b)),
            Sllw => w(a << (b & 31)),
            Srlw => w(u64::from((a as u32) >> (b & 31))),
            Sraw => (wa >> (b & 31)) as i64 as u64,
            Min => sa.min(sb) as u64,
            Max => sa.max(sb) as u64,
            Minu => a.min(b),
            Maxu => a.max(b),
            MinW => wa.min(wb) as i64 as u64,
            MaxW => wa.max(wb) as i64 as u64,
            MinuW => w(u64::from((a as u32).min(b as u32))),
            MaxuW => w(u64::from((a as u32).max(b as u32))),
            Mul => a.wrapping_mul(b),
            Mulh => ((i128::from(sa) * i128::from(sb)) >> 64) as u64,
            Mulhsu => ((i128::from(sa) * (b as i128)) >> 64) as u64,
            Mulhu => ((u128::from(a) * u128::from(b)) >> 64) as u64,
            Div => match (sa, sb) {
                (_, 0) => u64::MAX,
                (i64::MIN, -1) => a,
                _ => (sa / sb) as u64,
            },
            Divu => a.checked_div(b).unwrap_or(u64::MAX),
            Rem => match (sa, sb) {
                (_, 0) => a,
                (i64::MIN, -1) => 0,
                _ => (sa % sb) as u64,
            },
            Remu => a.checked_rem(b).unwrap_or(a),
            Mulw => w(a.wrapping_mul(b)),
            Divw => match (wa, wb) {
                (_, 0) => u64::MAX,
                (i32::MIN, -1) => w(a),
                _ => (wa / wb) as i64 as u64,
            },
            Divuw => w(u64::from((a as u32).checked_div(b as u32).unwrap_or(u32::MAX))),
            Remw => match (wa, wb) {
                (_, 0) => w(a),
                (i32::MIN, -1) => 0,
                _ => (wa % wb) as i64 as u64,
            },
            Remuw => w(u64::from((a as u32).checked_rem(b as u32).unwrap_or(a as u32))),
        }
    }
}

/// One message on the [`ALU`] bus: `c = op(a, b)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AluEvent {
    pub op: AluOp,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

impl AluEvent {
    /// The event with its correct result.
    pub fn new(op: AluOp, a: u64, b: u64) -> Self {
        Self { op, a, b, c: op.eval(a, b) }
    }

    /// The bus tuple without the segment number: `(op, a0..a3, b0..b3, c0..c3)`.
    pub fn tuple(&self) -> [u64; 13] {
        let mut t = [self.op.id(); 13];
        for (i, v) in [self.a, self.b, self.c].into_iter().enumerate() {
            t[1 + 4 * i..5 + 4 * i].copy_from_slice(&limbs(v));
        }
        t
    }
}

/// Operations on the [`MEMOP`] bus: the memory instructions, by width and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemOp {
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
    LrW,
    LrD,
    ScW,
    ScD,
    AmoSwapW,
    AmoAddW,
    AmoXorW,
    AmoAndW,
    AmoOrW,
    AmoMinW,
    AmoMaxW,
    AmoMinuW,
    AmoMaxuW,
    AmoSwapD,
    AmoAddD,
    AmoXorD,
    AmoAndD,
    AmoOrD,
    AmoMinD,
    AmoMaxD,
    AmoMinuD,
    AmoMaxuD,
}

/// What a [`MemOp`] does (its width aside): one digit of its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MemKind {
    /// A load sign-extending its value (`lb lh lw`; `ld`, which has nothing to extend).
    Load,
    /// A load zero-extending its value (`lbu lhu lwu`).
    LoadU,
    Store,
    Lr,
    Sc,
    /// `amoswap`: stores `rs2`.
    Swap,
    /// The other AMOs: store `op(old, rs2)` for their [`MemOp::alu_op`].
    Amo,
}

impl MemKind {
    /// Every kind, in digit order.
    pub const ALL: [MemKind; 7] =
        [MemKind::Load, MemKind::LoadU, MemKind::Store, MemKind::Lr, MemKind::Sc, MemKind::Swap, MemKind::Amo];

    /// The kind's digit in a [`MemOp`] id.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl MemOp {
    /// Every operation.
    pub const ALL: [MemOp; 33] = {
        use MemOp::*;
        [
            Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu, Sb, Sh, Sw, Sd, LrW, LrD, ScW, ScD, AmoSwapW, AmoAddW, AmoXorW, AmoAndW,
            AmoOrW, AmoMinW, AmoMaxW, AmoMinuW, AmoMaxuW, AmoSwapD, AmoAddD, AmoXorD, AmoAndD, AmoOrD, AmoMinD,
            AmoMaxD, AmoMinuD, AmoMaxuD,
        ]
    };
    /// The access widths in bytes, in digit order.
    pub const SIZES: [u64; 4] = [1, 2, 4, 8];
    /// The weights of the id's digits (see [`MemOp::id`]): the size digit ranges over
    /// `0..4`, the kind digit over `0..7`, so each weight is the product of the ranges
    /// below it.
    pub const SIZE_WEIGHT: u64 = 1;
    pub const KIND_WEIGHT: u64 = 4;
    pub const ALU_WEIGHT: u64 = 28;

    /// The access width in bytes.
    pub const fn size(self) -> u64 {
        use MemOp::*;
        match self {
            Lb | Lbu | Sb => 1,
            Lh | Lhu | Sh => 2,
            Lw | Lwu | Sw | LrW | ScW | AmoSwapW | AmoAddW | AmoXorW | AmoAndW | AmoOrW | AmoMinW | AmoMaxW
            | AmoMinuW | AmoMaxuW => 4,
            Ld | Sd | LrD | ScD | AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD | AmoMinD | AmoMaxD | AmoMinuD
            | AmoMaxuD => 8,
        }
    }

    /// The size's digit in the id: `log2 size`.
    pub const fn size_index(self) -> usize {
        self.size().trailing_zeros() as usize
    }

    pub const fn kind(self) -> MemKind {
        use MemOp::*;
        match self {
            Lb | Lh | Lw | Ld => MemKind::Load,
            Lbu | Lhu | Lwu => MemKind::LoadU,
            Sb | Sh | Sw | Sd => MemKind::Store,
            LrW | LrD => MemKind::Lr,
            ScW | ScD => MemKind::Sc,
            AmoSwapW | AmoSwapD => MemKind::Swap,
            _ => MemKind::Amo,
        }
    }

    /// The ALU operation computing an AMO's new value from `(old, rs2)`, `old` being
    /// the old value sign-extended (so 64-bit logic serves the `.W` forms, whose low 32
    /// bits only are stored). `None` for the other kinds, swap included.
    pub const fn alu_op(self) -> Option<AluOp> {
        use AluOp as A;
        use MemOp::*;
        Some(match self {
            AmoAddW => A::Addw,
            AmoXorW | AmoXorD => A::Xor,
            AmoAndW | AmoAndD => A::And,
            AmoOrW | AmoOrD => A::Or,
            AmoMinW => A::MinW,
            AmoMaxW => A::MaxW,
            AmoMinuW => A::MinuW,
            AmoMaxuW => A::MaxuW,
            AmoAddD => A::Add,
            AmoMinD => A::Min,
            AmoMaxD => A::Max,
            AmoMinuD => A::Minu,
            AmoMaxuD => A::Maxu,
            _ => return None,
        })
    }

    /// The number on the bus, in mixed radix: `1 + SIZE_WEIGHT·size_index +
    /// KIND_WEIGHT·kind + ALU_WEIGHT·alu_op` (`alu_op` 0 when `None`), so that the
    /// memop table computes it linearly from its one-hot size and kind flags and its
    /// ALU op column. Distinct ops have distinct ids (their digits differ).
    pub const fn id(self) -> u64 {
        let alu = match self.alu_op() {
            Some(op) => op.id(),
            None => 0,
        };
        1 + Self::SIZE_WEIGHT * self.size_index() as u64
            + Self::KIND_WEIGHT * self.kind().index() as u64
            + Self::ALU_WEIGHT * alu
    }
}

/// The four 16-bit limbs `[v0, v1, v2, v3]` of a 64-bit value, low first: the
/// representation of a value on every bus and in every column.
pub fn limbs(value: u64) -> [u64; 4] {
    [0, 16, 32, 48].map(|shift| (value >> shift) & 0xffff)
}

/// The value of four 16-bit limbs (the inverse of [`limbs`]).
pub fn from_limbs(limbs: [u64; 4]) -> u64 {
    limbs.iter().rev().fold(0, |acc, &l| (acc << 16) | l)
}

/// A byte address below `2^32` as the two 16-bit limbs `[addr0, addr1]` of the
/// [`MEMOP`] tuple.
pub fn addr_limbs(addr: u64) -> [u64; 2] {
    assert!(addr < 1 << 32, "address {addr:#x} is not below 2^32");
    [addr & 0xffff, addr >> 16]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limbs_round_trip_and_tuple_lays_out_op_a_b_c() {
        for v in [0, 1, 0xffff, 0x1_0000, 0x1234_5678_9abc_def0, u64::MAX] {
            assert_eq!(from_limbs(limbs(v)), v);
            assert!(limbs(v).iter().all(|&l| l < 1 << 16));
        }
        let e = AluEvent::new(AluOp::Sub, 0x0001_0002_0003_0004, 5);
        let t = e.tuple();
        assert_eq!(t[0], AluOp::Sub.id());
        assert_eq!(t[1..5], [4, 3, 2, 1]);
        assert_eq!(t[5..9], [5, 0, 0, 0]);
        assert_eq!(t[9..13], limbs(e.c));
        assert_eq!(addr_limbs(0x7f80_1234), [0x1234, 0x7f80]);
    }

    #[test]
    fn alu_ops_are_numbered_densely_in_order() {
        for (i, op) in AluOp::ALL.iter().enumerate() {
            assert_eq!(op.id(), i as u64 + 1, "{op:?}");
        }
    }

    #[test]
    fn mem_op_ids_are_distinct_mixed_radix_numbers() {
        let ids: std::collections::BTreeSet<u64> = MemOp::ALL.iter().map(|op| op.id()).collect();
        assert_eq!(ids.len(), MemOp::ALL.len());
        assert_eq!(MemOp::KIND_WEIGHT, MemOp::SIZE_WEIGHT * MemOp::SIZES.len() as u64);
        assert_eq!(MemOp::ALU_WEIGHT, MemOp::KIND_WEIGHT * MemKind::ALL.len() as u64);
        for (i, kind) in MemKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
        }
        for op in MemOp::ALL {
            assert_eq!(MemOp::SIZES[op.size_index()], op.size(), "{op:?}");
            assert_eq!(op.alu_op().is_some(), op.kind() == MemKind::Amo, "{op:?}");
        }
    }

    // Cells and times fit their range checks: cells below 2^30, and a segment has at most
    // `MAX_ROWS` = 2^23 rows, so every time is below 2^27, which the access gadget's
    // window (below 2^30 + 2^16) relies on. HALT_PC is outside every next-pc residue.
    const _: () = {
        assert!(ts::at(ts::MAX_ROWS, ts::RESERVATION) < 1 << 27);
        assert!(HALT_PC >= MAX_PC + (1 << 13) && HALT_PC < (1 << 31) - (1 << 24) + 1 - (1 << 13));
        // The second word of a spanning access of the last word is not a register.
        assert!(cell::word(u32::MAX as u64) + 1 < cell::REGISTERS);
        assert!(cell::RESERVATION < 1 << 30);
    };
}
