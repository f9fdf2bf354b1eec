//! The syscall table: `exit`, `write` and `read` (DESIGN.md §3, with
//! `ziskjit_runtime::syscall::dispatch` as the semantics), received from the
//! [`SYSCALL`] bus, and its witness generator [`SyscallBuilder`].
//!
//! # Rows
//!
//! Every row does exactly one memory access, so the access gadget, the eight byte
//! columns and their range checks are shared by all rows. An `ecall` of main row `clk`
//! is a block of consecutive rows:
//!
//! | row | cell, time | `old` bytes (value before) | `new` bytes |
//! |---|---|---|---|
//! | `a7` | `a7`, `RS1` | the syscall number | 0 |
//! | `a0` | `a0`, `RD` | fd (`exit`: the code) | the value written to `a0`: `len` / `n` (`exit`: unchanged) |
//! | `a2` | `a2`, `MEM1` | `len` | `read`: `len − n`; `write`: 0 |
//! | `a1` | `a1`, `MEM0` | `ptr` | `2^32 − ptr − len` (5 bytes), `⌊ptr_0 / 8⌋`, 0, 0 |
//! | `first_word`, then `word`s | `ptr/8`, `ptr/8 + 1`, …, `BUFFER` | the memory word | `read`: the word with the input bytes; `write`: the same |
//!
//! `exit` has only the `a7` and `a0` rows; a `write` to fd 2 has no word rows (the debug
//! text is not committed, so its bytes are not proven: only `a0 = len`); a `write` to
//! fd 1 of `len` bytes and a `read` delivering `n` bytes have one word row per word of
//! `[ptr, ptr + len)` / `[ptr, ptr + n)` (none when empty). Padding rows (all zero, at
//! least one, last) put nothing on the bus.
//!
//! `a0` is read and written by one access at `RD` (the contract's separate read at
//! `RS2` would be an extra access that changes nothing: main does not touch registers
//! on an `ecall`, so nothing can come between the two).
//!
//! # Columns (44, see [`SyscallCols`])
//!
//! * row kind (boolean, at most one set; `active` = their sum): `a7`, `a0`, `a2`, `a1`,
//!   `first_word`, `word`;
//! * the syscall (boolean; `exit = active − public − debug − read`): `public` (write to
//!   fd 1), `debug` (write to fd 2), `read`;
//! * constant over a syscall's rows: `clk`, `next_out` (public output count after the
//!   syscall), `len` (`a2`), `offset` (`ptr mod 8`);
//! * `pc`, `next_pc`: the `ecall`'s pc and the one after it (read on the `a0` row);
//! * `rem`: buffer bytes still to cover before this row's word;
//! * the access: `cell`, `prev_time`, `diff[2]`; `old[8]`, `new[8]`: the bytes of the
//!   cell's value before and after (little-endian, limbs `Σ b_i 256^i`);
//! * `flag[8]`: word rows: which bytes of the word are in the buffer.
//!
//! # Constraints
//!
//! 77, of degree ≤ 3 (selectors included): kinds and flags boolean and one-hot, block
//! structure and carried columns (transitions), the per-kind checks below, word-row
//! flag runs and cells, the access's time-gap decomposition.
//!
//! # Bus messages per row (22 interactions)
//!
//! * memory access (receive + send on `MEMORY`, 2 × `RANGE16` for the time gap) of
//!   `cell` at `8·(clk + 1) + slot`, value `old` → `new` on `a0` and word rows, `old` →
//!   `old` otherwise; multiplicity `active`;
//! * `BYTE_PAIR (old_i, new_i)` × 8, multiplicity `active`;
//! * `OUTPUT (next_out − rem + Σ_{j<i} flag_j, old_i)` × 8, multiplicity `public · flag_i`;
//! * `a0` row: receive `SYSCALL (segment, clk, next_out − public · len, next_out, pc,
//!   next_pc)`
//!   and send `EXIT (old_0, next_out)` with multiplicity `exit`.
//!
//! # Soundness argument
//!
//! * Every byte column is range-checked (`BYTE_PAIR`, all rows), so every limb built
//!   from bytes is `< 2^32` and the byte decomposition of a token value is the unique
//!   one: the `old` bytes are the cell's actual bytes, the exit code is `a0 & 0xff`.
//! * Row structure: each row kind has a fixed predecessor (`a0` ⇔ after `a7`; `a2` ⇔
//!   after the `a0` of a write/read; `a1` ⇔ after `a2`; `first_word` only after `a1`,
//!   `word` only after a word row); the first row is `a7` or padding and the last row is
//!   padding. So every non-padding row belongs to a block that starts with `a7`, `a0`
//!   and receives one `SYSCALL` message of main: no syscall is invented or cut short.
//!   `clk`, `next_out`, `len`, `offset` and the syscall kind are equal on all rows of a
//!   block (`cont(next) · (next − local) = 0`, `cont` = the next row continues the block).
//! * The syscall number: `a7 = 93 exit + 64 (public + debug) + 63 read` (hi limb 0): the
//!   kind is the register's. fd: `a0 = public + 2 debug` for write/read (read: 0).
//! * `write`: `a0 ← len`; `read`: `a0 ← n` with `len = n + s`, `s < 2^32` (bytes), so
//!   `n ≤ len`; `len < 2^32` (hi limb 0). The moved byte count `c` (`len` for fd 1, `n`
//!   for read, 0 otherwise) starts `rem` on the `a0` row.
//! * The buffer stays inside the address space: `a1` row: `ptr_lo + len + S = 2^32` with
//!   `S` five bytes (an integer equation: all terms `< 2^41`) and `ptr_hi · len = 0`,
//!   exactly the VM's check (`len = 0` accepts any `ptr`). With `c ≤ len`, every word
//!   touched is below `2^29`, never a register cell.
//! * Which bytes: a word row's flags are boolean and form exactly one non-empty run
//!   (`Σ flag_i (1 − flag_{i+1}) = 1`, `flag_8 = 0`); a `word` row's run starts at byte
//!   0 and a row followed by a `word` row has its run end at byte 7; cells of
//!   consecutive word rows are consecutive; the first word row's cell is `⌊ptr / 8⌋` and
//!   its run starts at `ptr mod 8` (`offset`, with `ptr_0 = 8 q + offset`, `q` a byte:
//!   so `offset ≡ ptr (mod 8)` and the cell is an integer, not a field fraction);
//!   `rem` decreases by each row's flag count and reaches 0 exactly at the block's end.
//!   Hence the flagged bytes are exactly `[ptr, ptr + c)`, each once (the same cell
//!   cannot be accessed twice at one time anyway). A forged, skipped, repeated or
//!   extra word, or flag pattern, breaks one of these.
//! * `write` (fd 1): the flagged bytes go to `OUTPUT` with global index
//!   `out + (c − rem) + position`, and the word is unchanged (`new = old`).
//! * `read`: `new_i = old_i` wherever `flag_i = 0`; the flagged bytes are free input,
//!   range-checked as bytes.
//! * The next pc: `pc + 4` (an `ecall` has no compressed form), or
//!   [`HALT_PC`] for `exit`, where no instruction is: so the run
//!   ends at an `exit` and only there (see the main table's notes).
//! * Unused byte columns (`a7` row's `new`, the spare bytes of `a1`, `a2` for writes)
//!   are forced to 0; `len` and `offset` are forced to 0 for `exit`.

use crate::bus::{cell, limbs, ts, BYTE_PAIR, EXIT, HALT_PC, OUTPUT, SYSCALL};
use crate::bytes::Lookups;
use crate::gadgets::{access, Access, AccessWitness, MemoryTracker};
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName, Val};
use ziskjit_runtime::syscall::{SYS_EXIT, SYS_READ, SYS_WRITE};

/// Registers of the syscall ABI.
const A0: u8 = 10;
const A1: u8 = 11;
const A2: u8 = 12;
const A7: u8 = 17;

/// Columns of the table.
pub const WIDTH: usize = 44;

/// One row of the table, by name (the layout of [`SyscallCols::to_row`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallCols<T> {
    /// Row kinds.
    pub a7: T,
    pub a0: T,
    pub a2: T,
    pub a1: T,
    pub first_word: T,
    pub word: T,
    /// The syscall: write to fd 1, write to fd 2, read (none: exit).
    pub public: T,
    pub debug: T,
    pub read: T,
    /// Main's row of the `ecall`.
    pub clk: T,
    /// Public output bytes written after this syscall.
    pub next_out: T,
    /// The `ecall`'s pc and the next pc.
    pub pc: T,
    pub next_pc: T,
    /// `a2` (0 for exit).
    pub len: T,
    /// `a1 mod 8` (0 for exit).
    pub offset: T,
    /// Buffer bytes not covered by the word rows before this one.
    pub rem: T,
    /// The access.
    pub cell: T,
    pub prev_time: T,
    pub diff: [T; 2],
    /// Bytes of the cell's value before and after the access.
    pub old: [T; 8],
    pub new: [T; 8],
    /// Word rows: bytes in the buffer.
    pub flag: [T; 8],
}

impl<T: Clone> SyscallCols<T> {
    /// Reads a row (of [`WIDTH`] entries).
    pub fn from_row(row: &[T]) -> Self {
        assert_eq!(row.len(), WIDTH, "syscall row width");
        let mut it = row.iter().cloned();
        let mut one = || it.next().expect("width checked");
        Self {
            a7: one(),
            a0: one(),
            a2: one(),
            a1: one(),
            first_word: one(),
            word: one(),
            public: one(),
            debug: one(),
            read: one(),
            clk: one(),
            next_out: one(),
            pc: one(),
            next_pc: one(),
            len: one(),
            offset: one(),
            rem: one(),
            cell: one(),
            prev_time: one(),
            diff: std::array::from_fn(|_| one()),
            old: std::array::from_fn(|_| one()),
            new: std::array::from_fn(|_| one()),
            flag: std::array::from_fn(|_| one()),
        }
    }

    /// The row, in the order [`Self::from_row`] reads it.
    pub fn to_row(self) -> Vec<T> {
        let Self {
            a7,
            a0,
            a2,
            a1,
            first_word,
            word,
            public,
            debug,
            read,
            clk,
            next_out,
            pc,
            next_pc,
            len,
            offset,
            rem,
            cell,
            prev_time,
            diff,
            old,
            new,
            flag,
        } = self;
        let mut row = vec![
            a7, a0, a2, a1, first_word, word, public, debug, read, clk, next_out, pc, next_pc, len, offset, rem, cell,
            prev_time,
        ];
        row.extend(diff);
        row.extend(old);
        row.extend(new);
        row.extend(flag);
        row
    }
}

/// `Σ b_i 256^i`: a limb from its little-endian bytes.
fn compose<E: PrimeCharacteristicRing>(bytes: &[E]) -> E {
    bytes.iter().rev().fold(E::ZERO, |acc, b| acc * E::from_u32(256) + b.clone())
}

/// The syscall table.
#[derive(Clone, Copy, Debug, Default)]
pub struct SyscallTable;

impl TableName for SyscallTable {
    fn name(&self) -> String {
        "syscall".into()
    }
}

impl BaseAir<Val> for SyscallTable {
    fn width(&self) -> usize {
        WIDTH
    }

    /// The segment number (public value) tags this table's local-bus tuples (see
    /// [`crate::bus::MEMORY`]).
    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for SyscallTable {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let expr = |row: &[AB::Var]| row.iter().map(|&v| v.into()).collect::<Vec<AB::Expr>>();
        let l = SyscallCols::<AB::Expr>::from_row(&expr(main.current_slice()));
        let n = SyscallCols::<AB::Expr>::from_row(&expr(main.next_slice()));
        let one = || AB::Expr::ONE;
        let k = |v: u64| AB::Expr::from_u64(v);

        let kinds = |c: &SyscallCols<AB::Expr>| {
            [c.a7.clone(), c.a0.clone(), c.a2.clone(), c.a1.clone(), c.first_word.clone(), c.word.clone()]
        };
        let sum = |xs: &[AB::Expr]| xs.iter().cloned().sum::<AB::Expr>();
        let active = sum(&kinds(&l));
        let is_word = l.first_word.clone() + l.word.clone();
        let io = l.public.clone() + l.debug.clone() + l.read.clone();
        let exit = active.clone() - io.clone();
        // The next row continues this row's syscall (it is not its start, nor padding).
        let cont = sum(&kinds(&n)) - n.a7.clone();
        let [old_lo, old_hi] = [compose(&l.old[..4]), compose(&l.old[4..])];
        let [new_lo, new_hi] = [compose(&l.new[..4]), compose(&l.new[4..])];

        // Row and syscall kinds: booleans, at most one row kind, at most one syscall kind,
        // none on padding rows (so `exit` is boolean too).
        for b in kinds(&l).into_iter().chain([l.public.clone(), l.debug.clone(), l.read.clone()]) {
            builder.assert_bool(b);
        }
        builder.assert_bool(active.clone());
        builder.assert_bool(io.clone());
        builder.assert_zero((one() - active.clone()) * io.clone());
        // Flags are 0 off word rows and boolean on them.
        for f in &l.flag {
            builder.assert_zero(f.clone() * (is_word.clone() - f.clone()));
        }

        // Block structure: a block starts at the first row or after a finished block, and
        // the last row is padding, so no transition check is skipped on a real row.
        builder.when_first_row().assert_zero(active.clone() - l.a7.clone());
        builder.when_last_row().assert_zero(active.clone());
        {
            let mut t = builder.when_transition();
            t.assert_eq(n.a0.clone(), l.a7.clone());
            t.assert_eq(n.a2.clone(), l.a0.clone() * io.clone());
            t.assert_eq(n.a1.clone(), l.a2.clone());
            t.assert_zero(n.first_word.clone() * (one() - l.a1.clone()));
            t.assert_zero(n.word.clone() * (one() - is_word.clone()));
            for (next, local) in [
                (&n.clk, &l.clk),
                (&n.next_out, &l.next_out),
                (&n.len, &l.len),
                (&n.offset, &l.offset),
                (&n.public, &l.public),
                (&n.debug, &l.debug),
                (&n.read, &l.read),
            ] {
                t.assert_zero(cont.clone() * (next.clone() - local.clone()));
            }
            // `rem` falls by each word's flag count inside a block and ends at 0: the
            // row after the block's last one is `a7` or padding, where `cont = 0`.
            t.assert_eq(l.rem.clone() - sum(&l.flag), cont.clone() * n.rem.clone());
        }

        // a7: the syscall number is the one the kind says.
        let number = k(SYS_EXIT) * exit.clone()
            + k(SYS_WRITE) * (l.public.clone() + l.debug.clone())
            + k(SYS_READ) * l.read.clone();
        builder.assert_zero(l.a7.clone() * (old_lo.clone() - number));
        builder.assert_zero(l.a7.clone() * old_hi.clone());
        builder.assert_zero(l.a7.clone() * new_lo.clone());
        builder.assert_zero(l.a7.clone() * new_hi.clone());

        // a0: fd 1, 2 or 0 for write/read (no constraint for exit); the value written.
        let fd = l.public.clone() + k(2) * l.debug.clone();
        builder.assert_zero(l.a0.clone() * (old_lo.clone() - fd - exit.clone() * old_lo.clone()));
        builder.assert_zero(l.a0.clone() * io.clone() * old_hi.clone());
        builder.assert_zero(l.a0.clone() * exit.clone() * (new_lo.clone() - old_lo.clone()));
        builder.assert_zero(l.a0.clone() * exit.clone() * (new_hi.clone() - old_hi.clone()));
        builder.assert_zero(l.a0.clone() * (l.public.clone() + l.debug.clone()) * (new_lo.clone() - l.len.clone()));
        builder.assert_zero(l.a0.clone() * io.clone() * new_hi.clone());
        builder.assert_zero(l.a0.clone() * (l.rem.clone() - (l.public.clone() + l.read.clone()) * new_lo.clone()));
        builder.assert_zero(l.a0.clone() * exit.clone() * l.len.clone());
        builder.assert_zero(l.a0.clone() * exit.clone() * l.offset.clone());

        // a2: len < 2^32; read: len = n + slack (slack < 2^32, so n ≤ len), write: slack 0.
        builder.assert_zero(l.a2.clone() * (l.len.clone() - old_lo.clone()));
        builder.assert_zero(l.a2.clone() * old_hi.clone());
        builder.assert_zero(l.a2.clone() * l.read.clone() * (l.len.clone() - l.rem.clone() - new_lo.clone()));
        builder.assert_zero(l.a2.clone() * (l.public.clone() + l.debug.clone()) * new_lo.clone());
        builder.assert_zero(l.a2.clone() * new_hi.clone());

        // a1: ptr_lo + len ≤ 2^32 (slack: new_0..new_4) and ptr_hi = 0 unless len = 0;
        // ptr_0 = 8 q + offset with q = new_5 a byte.
        let end_slack = compose(&l.new[..5]);
        builder.assert_zero(l.a1.clone() * (end_slack + old_lo.clone() + l.len.clone() - k(1 << 32)));
        builder.assert_zero(l.a1.clone() * old_hi.clone() * l.len.clone());
        builder.assert_zero(l.a1.clone() * (l.old[0].clone() - k(8) * l.new[5].clone() - l.offset.clone()));
        builder.assert_zero(l.a1.clone() * compose(&l.new[6..]));
        // The first word is ⌊ptr / 8⌋ = q + 32·(ptr >> 8).
        let first_cell = l.new[5].clone() + k(32) * compose(&l.old[1..4]);
        builder.when_transition().assert_zero(n.first_word.clone() * (n.cell.clone() - first_cell));

        // Word rows: one run of flags; the first starts at `offset`, later ones at byte 0,
        // and a run followed by another word ends at byte 7; consecutive cells.
        let runs = (0..8)
            .map(|i| l.flag[i].clone() * (one() - l.flag.get(i + 1).cloned().unwrap_or(AB::Expr::ZERO)))
            .sum::<AB::Expr>();
        builder.assert_zero(is_word.clone() * (runs - one()));
        let start = (1..8).map(|i| k(i as u64) * l.flag[i].clone() * (one() - l.flag[i - 1].clone())).sum::<AB::Expr>();
        builder.assert_zero(l.first_word.clone() * (start - l.offset.clone()));
        builder.assert_zero(l.word.clone() * (one() - l.flag[0].clone()));
        {
            let mut t = builder.when_transition();
            t.assert_zero(n.word.clone() * (one() - l.flag[7].clone()));
            t.assert_zero(n.word.clone() * (n.cell.clone() - l.cell.clone() - one()));
        }
        // A written word is unchanged; a read changes only its buffer bytes. Vacuous off
        // word rows (`is_word = flag = 0`).
        for i in 0..8 {
            builder.assert_zero(
                (is_word.clone() - l.read.clone() * l.flag[i].clone()) * (l.new[i].clone() - l.old[i].clone()),
            );
        }

        // Registers by row kind.
        for (kind, r) in [(&l.a7, A7), (&l.a0, A0), (&l.a2, A2), (&l.a1, A1)] {
            builder.assert_zero(kind.clone() * (l.cell.clone() - k(cell::register(r))));
        }

        // The access: `a0` and word rows write `new`, the others read `old`.
        let writes = l.a0.clone() + is_word.clone();
        let slot = k(ts::RS1) * l.a7.clone()
            + k(ts::RD) * l.a0.clone()
            + k(ts::MEM1) * l.a2.clone()
            + k(ts::MEM0) * l.a1.clone()
            + k(ts::BUFFER) * is_word.clone();
        let time = k(ts::at(0, 0)) * (l.clk.clone() + one()) + slot;
        access(
            builder,
            Access {
                cell: l.cell.clone(),
                prev: [old_lo.clone(), old_hi.clone()],
                value: [
                    old_lo.clone() + writes.clone() * (new_lo.clone() - old_lo.clone()),
                    old_hi.clone() + writes * (new_hi - old_hi),
                ],
                prev_time: l.prev_time.clone(),
                time,
                diff_low: l.diff[0].clone(),
                diff_high: l.diff[1].clone(),
                enabled: active.clone(),
            },
        );
        for (o, w) in l.old.iter().zip(&l.new) {
            builder.send(BYTE_PAIR, [o.clone(), w.clone()], active.clone());
        }

        // Public output: byte i of a word row is number `out + (c − rem) + Σ_{j<i} flag_j`.
        let mut index = l.next_out.clone() - l.rem.clone();
        for (f, byte) in l.flag.iter().zip(&l.old) {
            builder.send(OUTPUT, [index.clone(), byte.clone()], l.public.clone() * f.clone());
            index += f.clone();
        }

        // The next pc: `pc + 4`, or `HALT_PC` after `exit`.
        let after = l.pc.clone() + k(4);
        builder.assert_zero(l.a0.clone() * (l.next_pc.clone() - after.clone() - exit.clone() * (k(HALT_PC) - after)));
        builder.receive(
            SYSCALL,
            [
                crate::segment::number(builder),
                l.clk.clone(),
                l.next_out.clone() - l.public.clone() * new_lo,
                l.next_out.clone(),
                l.pc,
                l.next_pc,
            ],
            l.a0.clone(),
        );
        builder.send(EXIT, [l.old[0].clone(), l.next_out.clone()], l.a0.clone() * exit);
    }
}

/// What an ecall did, as main needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallEffect {
    pub next_output_count: u64,
    /// `exit`: the next pc is [`HALT_PC`].
    pub halted: bool,
    pub exit_code: Option<u8>,
    pub public_output: Vec<u8>,
}

/// The syscall table's witness, one `ecall` at a time.
#[derive(Clone, Debug, Default)]
pub struct SyscallBuilder {
    rows: Vec<SyscallCols<u64>>,
}

/// Which syscall a block is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Call {
    Exit,
    Public,
    Debug,
    Read,
}

/// The columns every row of one block shares.
struct Block {
    call: Call,
    clk: u64,
    next_out: u64,
    pc: u64,
    next_pc: u64,
    len: u64,
    offset: u64,
}

impl Block {
    /// A row of this block, without kind, `rem` and flags.
    fn row(&self, cell: u64, access: &AccessWitness, old: u64, new: u64) -> SyscallCols<u64> {
        let [prev_time, d0, d1] = [access.prev_time, access.diff[0], access.diff[1]];
        SyscallCols {
            public: u64::from(self.call == Call::Public),
            debug: u64::from(self.call == Call::Debug),
            read: u64::from(self.call == Call::Read),
            clk: self.clk,
            next_out: self.next_out,
            pc: self.pc,
            next_pc: self.next_pc,
            len: self.len,
            offset: self.offset,
            cell,
            prev_time,
            diff: [d0, d1],
            old: old.to_le_bytes().map(u64::from),
            new: new.to_le_bytes().map(u64::from),
            ..SyscallCols::default()
        }
    }
}

impl SyscallBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The ecall at `pc` of main row `clk`, `output_count` public bytes written so far; `input` =
    /// the bytes a `read` delivers (exactly `n` bytes; empty for other syscalls). Reads
    /// and writes registers and buffer words on `tracker` (which knows every cell's
    /// current value), reports lookups.
    ///
    /// Panics on an ecall the VM faults on (unknown number, bad fd, buffer outside the
    /// address space, more input than `len`): a replayed segment never holds one.
    pub fn push(
        &mut self,
        clk: u64,
        pc: u64,
        output_count: u64,
        input: &[u8],
        tracker: &mut MemoryTracker,
        lookups: &mut Lookups,
    ) -> SyscallEffect {
        let time = |slot| ts::at(clk, slot);
        let reg = cell::register;
        let a7 = tracker.read(reg(A7), time(ts::RS1), lookups);
        let number = a7.prev;
        if number == SYS_EXIT {
            let a0 = tracker.read(reg(A0), time(ts::RD), lookups);
            let block =
                Block { call: Call::Exit, clk, next_out: output_count, pc, next_pc: HALT_PC, len: 0, offset: 0 };
            self.push_row(SyscallCols { a7: 1, ..block.row(reg(A7), &a7, number, 0) }, lookups);
            self.push_row(SyscallCols { a0: 1, ..block.row(reg(A0), &a0, a0.prev, a0.prev) }, lookups);
            return SyscallEffect {
                next_output_count: output_count,
                halted: true,
                exit_code: Some(a0.prev as u8),
                public_output: vec![],
            };
        }

        let fd = tracker.peek(reg(A0));
        let call = match (number, fd) {
            (SYS_WRITE, 1) => Call::Public,
            (SYS_WRITE, 2) => Call::Debug,
            (SYS_READ, 0) => Call::Read,
            _ => panic!("ecall at clk {clk}: syscall {number} with fd {fd} faults in the VM"),
        };
        assert!(input.is_empty() || call == Call::Read, "ecall at clk {clk}: input for a write");
        let a1 = tracker.read(reg(A1), time(ts::MEM0), lookups);
        let a2 = tracker.read(reg(A2), time(ts::MEM1), lookups);
        let (ptr, len) = (a1.prev, a2.prev);
        let end = ptr.checked_add(len).filter(|&e| e <= 1 << 32);
        assert!(len == 0 || end.is_some(), "ecall at clk {clk}: buffer {ptr:#x}+{len:#x} outside the address space");
        let result = if call == Call::Read { input.len() as u64 } else { len };
        assert!(result <= len, "ecall at clk {clk}: {} input bytes for a buffer of {len}", input.len());
        let moved = if matches!(call, Call::Public | Call::Read) { result } else { 0 };
        let next_out = output_count + if call == Call::Public { len } else { 0 };
        let a0 = tracker.write(reg(A0), result, time(ts::RD), lookups);

        let block = Block { call, clk, next_out, pc, next_pc: pc + 4, len, offset: ptr & 7 };
        self.push_row(SyscallCols { a7: 1, rem: moved, ..block.row(reg(A7), &a7, number, 0) }, lookups);
        self.push_row(SyscallCols { a0: 1, rem: moved, ..block.row(reg(A0), &a0, fd, result) }, lookups);
        let slack = if call == Call::Read { len - result } else { 0 };
        self.push_row(SyscallCols { a2: 1, rem: moved, ..block.row(reg(A2), &a2, len, slack) }, lookups);
        // 2^32 − ptr_lo − len ∈ [0, 2^32] in five bytes, then ⌊ptr_0 / 8⌋.
        let end_slack = (1u64 << 32) - limbs(ptr)[0] - len;
        let a1_new = end_slack | ((ptr & 0xff) >> 3) << 40;
        self.push_row(SyscallCols { a1: 1, rem: moved, ..block.row(reg(A1), &a1, ptr, a1_new) }, lookups);

        let mut public_output = Vec::new();
        let mut covered = 0;
        while covered < moved {
            let addr = ptr + covered;
            let cell = cell::word(addr);
            let first = (addr & 7) as usize;
            let take = (8 - first).min((moved - covered) as usize);
            let old = tracker.peek(cell);
            let mut bytes = old.to_le_bytes();
            let mut flag = [0; 8];
            for i in first..first + take {
                flag[i] = 1;
                match call {
                    Call::Read => bytes[i] = input[(covered as usize) + i - first],
                    _ => public_output.push(bytes[i]),
                }
            }
            let new = u64::from_le_bytes(bytes);
            let w = tracker.write(cell, new, time(ts::BUFFER), lookups);
            let first_word = u64::from(covered == 0);
            self.push_row(
                SyscallCols {
                    first_word,
                    word: 1 - first_word,
                    rem: moved - covered,
                    flag,
                    ..block.row(cell, &w, old, new)
                },
                lookups,
            );
            covered += take as u64;
        }
        SyscallEffect { next_output_count: next_out, halted: false, exit_code: None, public_output }
    }

    /// Appends a row, reporting its byte-pair lookups (the access's range checks are
    /// reported by the tracker).
    fn push_row(&mut self, row: SyscallCols<u64>, lookups: &mut Lookups) {
        for (&o, &n) in row.old.iter().zip(&row.new) {
            lookups.byte_pair(o, n);
        }
        self.rows.push(row);
    }

    /// The table's witness: the rows, then at least one padding row, to a power of two.
    pub fn trace(self) -> RowMajorMatrix<Val> {
        let height = (self.rows.len() + 1).next_power_of_two().max(2);
        let mut values: Vec<Val> = self.rows.into_iter().flat_map(|r| r.to_row()).map(Val::from_u64).collect();
        values.resize(height * WIDTH, Val::ZERO);
        RowMajorMatrix::new(values, WIDTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_layout_round_trips() {
        let row: Vec<u64> = (0..WIDTH as u64).collect();
        assert_eq!(SyscallCols::from_row(&row).to_row(), row);
        let cols = SyscallCols::from_row(&row);
        assert_eq!((cols.a7, cols.flag[7]), (0, WIDTH as u64 - 1));
    }
}
