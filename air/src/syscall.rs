//! The syscall table: `exit`, `write` and `read` (DESIGN.md §3, with
//! `ziskjit_runtime::syscall::dispatch` as the semantics), received from the
//! [`SYSCALL`] bus, and its witness generator [`SyscallBuilder`]. Over KoalaBear
//! (`PORT31.md` §2) 64-bit values are four 16-bit limbs, every check is an integer
//! equation whose range is narrower than a 31-bit `p` (stated beside it), and local-bus
//! tuples carry the segment number.
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
//! | `a2` | `a2`, `MEM1` | `len` | `read`: `len − n` (4 bytes), the carry `k` of `n + (len − n)`, 0, 0, 0; `write`: 0 |
//! | `a1` | `a1`, `MEM0` | `ptr` | `S = 2^32 − ptr_lo − len` (5 bytes), `⌊ptr_0 / 8⌋`, the carry `k` of `ptr_lo + len + S`, 0 |
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
//! # Columns (45, see [`SyscallCols`])
//!
//! * row kind (boolean, at most one set; `active` = their sum): `a7`, `a0`, `a2`, `a1`,
//!   `first_word`, `word`;
//! * the syscall (boolean; `exit = active − public − debug − read`): `public` (write to
//!   fd 1), `debug` (write to fd 2), `read`;
//! * constant over a syscall's rows: `clk`, `next_out` (public output count after the
//!   syscall), `len[2]` (the 16-bit limbs of `a2 < 2^32`), `offset` (`ptr mod 8`);
//! * `pc`, `next_pc`: the `ecall`'s pc and the one after it (read on the `a0` row);
//! * `rem`: buffer bytes still to cover before this row's word;
//! * the access: `cell`, `prev_time`, `gap[2]`; `old[8]`, `new[8]`: the bytes of the
//!   cell's value before and after (little-endian; limb `l` is `b_{2l} + 256·b_{2l+1}`);
//! * `flag[8]`: word rows: which bytes of the word are in the buffer.
//!
//! # Constraints
//!
//! 84, of degree ≤ 3 (selectors included): kinds and flags boolean and one-hot, block
//! structure and carried columns (transitions), the per-kind checks below, word-row
//! flag runs and cells, the access's time-gap window.
//!
//! # Bus messages per row (23 interactions, 13 LogUp columns)
//!
//! * memory access ([`access`]: receive + send on `MEMORY`, 2 × `RANGE16` for the time
//!   gap) of `cell` at `8·(clk + 1) + slot`, value `old` → `new` on `a0` and word rows,
//!   `old` → `old` otherwise; multiplicity `active`;
//! * `BYTE_PAIR (old_i, new_i)` × 8, multiplicity `active`;
//! * `RANGE16 (4·new_1)` ([`small14`]: the moved count's high limb `< 2^14`),
//!   multiplicity `a0 · (public + read)`;
//! * `OUTPUT (next_out − rem + Σ_{j<i} flag_j, old_i)` × 8, multiplicity `public · flag_i`;
//! * `a0` row: receive `SYSCALL (segment, clk, next_out − public · rem, next_out, pc,
//!   next_pc)` and send `EXIT (old_0, next_out)` with multiplicity `exit`.
//!
//! `OUTPUT` and `EXIT` are global (the statement receives them), the others local.
//!
//! # Soundness argument (for `p = 2^31 − 2^24 + 1`)
//!
//! * Every byte column is range-checked (`BYTE_PAIR`, all rows), so every limb built
//!   from two bytes is an integer `< 2^16`, and the byte decomposition of a token value
//!   (four such limbs, each a field element below 2^16) is the unique one: the `old`
//!   bytes are the cell's actual bytes, the exit code is `a0 & 0xff`. Where a check
//!   needs several limbs to be 0 it asserts their sum is 0: a sum of at most eight
//!   non-negative integers `< 2^16` is below `p`, so it is 0 only if each is.
//! * Row structure: each row kind has a fixed predecessor (`a0` ⇔ after `a7`; `a2` ⇔
//!   after the `a0` of a write/read; `a1` ⇔ after `a2`; `first_word` only after `a1`,
//!   `word` only after a word row); the first row is `a7` or padding and the last row is
//!   padding. So every non-padding row belongs to a block that starts with `a7`, `a0`
//!   and receives one `SYSCALL` message of main: no syscall is invented or cut short.
//!   `clk`, `next_out`, `len`, `offset` and the syscall kind are equal on all rows of a
//!   block (`cont(next) · (next − local) = 0`, `cont` = the next row continues the block).
//! * The syscall number, limb by limb: `a7`'s limb 0 is `93 exit + 64 (public + debug) +
//!   63 read` and limbs 1–3 are 0, so the value is exactly the number: `93 + p` (limbs
//!   `0x5e, 0x7f00, 0, 0`) is not `exit`, although its 32-bit sum is `93 mod p`. fd:
//!   `a0`'s limb 0 is `public + 2 debug` and limbs 1–3 are 0 for write/read (read: 0).
//! * `len`: the `a2` row sets `len[0], len[1]` to `a2`'s limbs 0, 1 and asserts limbs
//!   2, 3 are 0 (`len < 2^32`). `write`: `a0 ← len` limb-wise. `read`: `a0 ← n` with
//!   `n + s = len` for the 4-byte `s` and the byte `k` on the `a2` row, in two equations
//!   on the `a0` row (whose next row is that `a2` row): `n_0 + s_0 = len_0 + 2^16·k`
//!   (integers in `(−2^24, 2^17)`) and `n_1 + s_1 + k = len_1` (in `(−2^16, 2^17 + 2^8)`);
//!   their `2^16`-weighted sum is `n + s = len` over the integers, so `n ≤ len`.
//! * The moved byte count `c` (`len` for fd 1, `n` for read, 0 otherwise) is `a0`'s new
//!   value `new_0 + 2^16·new_1` with `new_1 < 2^14` ([`small14`], `4·new_1 < 2^18`, no
//!   wrap): `c < 2^30`, an exact integer, and it starts `rem` on the `a0` row.
//! * The output count: main sends `out`, the table fixes `next_out = out + c` for fd 1
//!   (`out` unchanged otherwise). The bytes' indices are the residues of `out + j`,
//!   `j < c`; with `out < 2^30` (the statement starts at 0) and `c < 2^30` these are
//!   integers below `2^31`, consecutive, so if any reached `2^30` one is `2^30` exactly,
//!   which the statement never receives (it receives indices below its output count,
//!   which the verifier bounds below `2^30`). So `out + c` stays `≤` the final count
//!   `< 2^30`, and by induction over the run's `ecall`s every `out` does.
//! * The buffer stays inside the address space: on the `a1` row `ptr_lo + len + S =
//!   2^32` with `S = S_0 + 2^16·S_1 + 2^32·S_2` (5 bytes) and the carry byte `k`, as two
//!   limb equations without any `2^32` constant: `P_0 + len_0 + S_0 = 2^16·k` (integers
//!   in `(−2^24, 3·2^16)`) and `P_1 + len_1 + S_1 + k + 2^16·S_2 = 2^16` (left side in
//!   `[0, 2^24 + 2^18)`); their weighted sum is the equation over the integers, `S ≥ 0`, so
//!   `ptr_lo + len ≤ 2^32`. And `(P_2 + P_3)·(len_0 + len_1) = 0` (each factor an integer
//!   `< 2^17`, so one is 0): `ptr_hi = 0` unless `len = 0`. Exactly the VM's check
//!   (`len = 0` accepts any `ptr`). With `c ≤ len`, every word touched is below `2^29`,
//!   never a register cell.
//! * Which bytes: a word row's flags are boolean and form exactly one non-empty run
//!   (`Σ flag_i (1 − flag_{i+1}) = 1`, `flag_8 = 0`); a `word` row's run starts at byte
//!   0 and a row followed by a `word` row has its run end at byte 7; cells of
//!   consecutive word rows are consecutive; the first word row's cell is `⌊ptr / 8⌋ =
//!   q + 32·(ptr >> 8)` (`< 2^29 + 2^8`, exact) and its run starts at `ptr mod 8`
//!   (`offset`, with `ptr_0 = 8 q + offset`, `q` a byte: so `offset ≡ ptr (mod 8)` and
//!   the cell is an integer, not a field fraction); `rem` decreases by each row's flag
//!   count and reaches 0 exactly at the block's end. Hence the flagged bytes are exactly
//!   `[ptr, ptr + c)`, each once (the same cell cannot be accessed twice at one time
//!   anyway). A forged, skipped, repeated or extra word, or flag pattern, breaks one of
//!   these.
//! * `write` (fd 1): the flagged bytes go to `OUTPUT` with global index
//!   `out + (c − rem) + position`, and the word is unchanged (`new = old`).
//! * `read`: `new_i = old_i` wherever `flag_i = 0`; the flagged bytes are free input,
//!   range-checked as bytes.
//! * The access's time gap is a [`window14`](crate::gadgets::window14): times are below
//!   `2^27` (`clk < 2^23`), so `prev_time < time`.
//! * The next pc: `pc + 4` (an `ecall` has no compressed form), or [`HALT_PC`] for
//!   `exit`, where no instruction is: so the run ends at an `exit` and only there (see
//!   the main table's notes and `bus::HALT_PC`).
//! * Unused byte columns (`a7` row's `new`, the spare bytes of `a2` and `a1`) are forced
//!   to 0; `len` and `offset` are forced to 0 for `exit`.

use crate::bus::{cell, limbs, ts, EXIT, HALT_PC, OUTPUT, SYSCALL};
use crate::bytes::Lookups;
use crate::gadgets::{access, byte_pair, small14, to_val, Access, AccessWitness, MemoryTracker};
use crate::Val;
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::{BusBuilder, TableName};
use ziskjit_runtime::syscall::{SYS_EXIT, SYS_READ, SYS_WRITE};

/// Registers of the syscall ABI.
const A0: u8 = 10;
const A1: u8 = 11;
const A2: u8 = 12;
const A7: u8 = 17;

/// Columns of the table.
pub const WIDTH: usize = 45;

/// The bound on a moved byte count and on the public output count (`PORT31.md` §2.3).
pub const MAX_COUNT: u64 = 1 << 30;

/// An ecall the VM runs but a proof cannot hold: the table bounds the bytes one ecall
/// moves and the public output count below [`MAX_COUNT`] (`PORT31.md` §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofLimit {
    /// A write to fd 1 or a read of this many bytes, `MAX_COUNT` or more.
    #[error("the ecall moves {0:#x} bytes, 2^30 or more: more than a proof can hold")]
    Moved(u64),
    /// The public output count after the ecall, `MAX_COUNT` or more.
    #[error("the public output would reach {0:#x} bytes, 2^30 or more: more than a proof can hold")]
    Output(u64),
}

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
    /// The 16-bit limbs 0 and 1 of `a2` (0 for exit; limbs 2 and 3 are 0).
    pub len: [T; 2],
    /// `a1 mod 8` (0 for exit).
    pub offset: T,
    /// Buffer bytes not covered by the word rows before this one.
    pub rem: T,
    /// The access: the cell, the previous access's time, `time − prev_time − 1` split
    /// as the time window takes it.
    pub cell: T,
    pub prev_time: T,
    pub gap: [T; 2],
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
            len: std::array::from_fn(|_| one()),
            offset: one(),
            rem: one(),
            cell: one(),
            prev_time: one(),
            gap: std::array::from_fn(|_| one()),
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
            gap,
            old,
            new,
            flag,
        } = self;
        let mut row = vec![a7, a0, a2, a1, first_word, word, public, debug, read, clk, next_out, pc, next_pc];
        row.extend(len);
        row.extend([offset, rem, cell, prev_time]);
        row.extend(gap);
        row.extend(old);
        row.extend(new);
        row.extend(flag);
        row
    }
}

/// `Σ b_i 256^i`: a value from its little-endian bytes (at most three here: `< 2^24`).
fn compose<E: PrimeCharacteristicRing>(bytes: &[E]) -> E {
    bytes.iter().rev().fold(E::ZERO, |acc, b| acc * E::from_u32(256) + b.clone())
}

/// The four 16-bit limbs of eight little-endian bytes: `b_{2l} + 256·b_{2l+1}`.
fn limbs_of_bytes<E: PrimeCharacteristicRing>(bytes: &[E; 8]) -> [E; 4] {
    std::array::from_fn(|l| compose(&bytes[2 * l..2 * l + 2]))
}

/// The sum of some expressions.
fn sum<E: PrimeCharacteristicRing>(xs: &[E]) -> E {
    xs.iter().cloned().sum()
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
}

impl<AB: BusBuilder<F = Val>> Air<AB> for SyscallTable {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let expr = |row: &[AB::Var]| row.iter().map(|&v| v.into()).collect::<Vec<AB::Expr>>();
        let l = SyscallCols::<AB::Expr>::from_row(&expr(main.current_slice()));
        let n = SyscallCols::<AB::Expr>::from_row(&expr(main.next_slice()));
        let one = || AB::Expr::ONE;
        let k = |v: u64| AB::Expr::from_u64(v);
        let two16 = || k(1 << 16);

        let kinds = |c: &SyscallCols<AB::Expr>| {
            [c.a7.clone(), c.a0.clone(), c.a2.clone(), c.a1.clone(), c.first_word.clone(), c.word.clone()]
        };
        let active = sum(&kinds(&l));
        let is_word = l.first_word.clone() + l.word.clone();
        let write = l.public.clone() + l.debug.clone();
        let io = write.clone() + l.read.clone();
        let exit = active.clone() - io.clone();
        // The next row continues this row's syscall (it is not its start, nor padding).
        let cont = sum(&kinds(&n)) - n.a7.clone();
        // Limbs of the values, each an integer < 2^16 (two range-checked bytes).
        let old = limbs_of_bytes(&l.old);
        let new = limbs_of_bytes(&l.new);
        let [len0, len1] = l.len.clone();

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
                (&n.len[0], &l.len[0]),
                (&n.len[1], &l.len[1]),
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

        // a7: the syscall number is the one the kind says, limb by limb (limb 0 minus a
        // number < 2^7: in (−2^7, 2^16); limbs 1–3 and the new bytes: sums of
        // non-negative integers below 2^18, so each is 0).
        let number = k(SYS_EXIT) * exit.clone() + k(SYS_WRITE) * write.clone() + k(SYS_READ) * l.read.clone();
        builder.assert_zero(l.a7.clone() * (old[0].clone() - number));
        builder.assert_zero(l.a7.clone() * sum(&old[1..]));
        builder.assert_zero(l.a7.clone() * sum(&l.new));

        // a0: fd 1, 2 or 0 for write/read (no constraint for exit: any code), limb by limb.
        let fd = l.public.clone() + k(2) * l.debug.clone();
        builder.assert_zero(l.a0.clone() * io.clone() * (old[0].clone() - fd));
        builder.assert_zero(l.a0.clone() * io.clone() * sum(&old[1..]));
        // exit leaves a0 unchanged; write/read put a value < 2^32 there: write `len`.
        for (o, w) in old.iter().zip(&new) {
            builder.assert_zero(l.a0.clone() * exit.clone() * (w.clone() - o.clone()));
        }
        builder.assert_zero(l.a0.clone() * io.clone() * sum(&new[2..]));
        builder.assert_zero(l.a0.clone() * write.clone() * (new[0].clone() - len0.clone()));
        builder.assert_zero(l.a0.clone() * write.clone() * (new[1].clone() - len1.clone()));
        // The moved count c = new_0 + 2^16·new_1 (fd 1: len, read: n) with new_1 < 2^14,
        // so c < 2^30, an integer; it starts `rem` (0 for fd 2 and exit).
        let moves = l.public.clone() + l.read.clone();
        small14(builder, new[1].clone(), l.a0.clone() * moves.clone());
        builder.assert_zero(l.a0.clone() * (l.rem.clone() - moves * (new[0].clone() + two16() * new[1].clone())));
        builder.assert_zero(l.a0.clone() * exit.clone() * len0.clone());
        builder.assert_zero(l.a0.clone() * exit.clone() * len1.clone());
        builder.assert_zero(l.a0.clone() * exit.clone() * l.offset.clone());
        // read: n + s = len, with s = the next (a2) row's new limbs 0, 1 and carry k its
        // byte 4: n_0 + s_0 − len_0 − 2^16·k in (−2^25, 2^17) and n_1 + s_1 + k − len_1
        // in (−2^16, 2^17 + 2^8), both integers, so n + s = len and n ≤ len.
        {
            let slack = limbs_of_bytes(&n.new);
            let carry = n.new[4].clone();
            let on = l.a0.clone() * l.read.clone();
            let mut t = builder.when_transition();
            t.assert_zero(on.clone() * (new[0].clone() + slack[0].clone() - len0.clone() - two16() * carry.clone()));
            t.assert_zero(on * (new[1].clone() + slack[1].clone() + carry - len1.clone()));
        }

        // a2: len = a2 < 2^32 (limbs 2, 3 zero); the spare bytes are 0 (all of them for
        // write: no slack).
        builder.assert_zero(l.a2.clone() * (len0.clone() - old[0].clone()));
        builder.assert_zero(l.a2.clone() * (len1.clone() - old[1].clone()));
        builder.assert_zero(l.a2.clone() * sum(&old[2..]));
        builder.assert_zero(l.a2.clone() * sum(&l.new[5..]));
        builder.assert_zero(l.a2.clone() * write * sum(&l.new[..5]));

        // a1: ptr_lo + len + S = 2^32 with S = S_0 + 2^16·S_1 + 2^32·S_2 (new bytes 0..5)
        // and the carry byte k = new_6, as two limb equations: P_0 + len_0 + S_0 − 2^16·k
        // in (−2^24, 3·2^16); P_1 + len_1 + S_1 + k + 2^16·S_2 − 2^16 in (−2^16, 2^24 + 2^18).
        // So ptr_lo + len ≤ 2^32. ptr_hi = 0 unless len = 0: (P_2 + P_3)·(len_0 + len_1)
        // with both factors integers < 2^17. ptr_0 = 8 q + offset with q = new_5 a byte.
        let end = limbs_of_bytes(&l.new);
        let (s2, q, carry) = (l.new[4].clone(), l.new[5].clone(), l.new[6].clone());
        builder.assert_zero(l.a1.clone() * (old[0].clone() + len0.clone() + end[0].clone() - two16() * carry.clone()));
        builder.assert_zero(
            l.a1.clone() * (old[1].clone() + len1.clone() + end[1].clone() + carry + two16() * s2 - two16()),
        );
        builder.assert_zero(l.a1.clone() * sum(&old[2..]) * (len0 + len1));
        builder.assert_zero(l.a1.clone() * (l.old[0].clone() - k(8) * q.clone() - l.offset.clone()));
        builder.assert_zero(l.a1.clone() * l.new[7].clone());
        // The first word is ⌊ptr / 8⌋ = q + 32·(ptr >> 8) (< 2^29 + 2^8 when ptr < 2^32).
        let first_cell = q + k(32) * compose(&l.old[1..4]);
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

        // The access: `a0` and word rows write `new`, the others read `old`. Times are
        // `8·(clk + 1) + slot < 2^27` (`clk < 2^23`), as the time window needs.
        let writes = l.a0.clone() + is_word.clone();
        let slot = k(ts::RS1) * l.a7.clone()
            + k(ts::RD) * l.a0.clone()
            + k(ts::MEM1) * l.a2.clone()
            + k(ts::MEM0) * l.a1.clone()
            + k(ts::BUFFER) * is_word.clone();
        let time = ts::at_expr(l.clk.clone(), 0) + slot;
        let value = std::array::from_fn(|i| old[i].clone() + writes.clone() * (new[i].clone() - old[i].clone()));
        access(
            builder,
            Access {
                cell: l.cell.clone(),
                prev: old,
                value,
                prev_time: l.prev_time.clone(),
                time,
                gap: l.gap.clone(),
                enabled: active.clone(),
            },
        );
        for (o, w) in l.old.iter().zip(&l.new) {
            byte_pair(builder, o.clone(), w.clone(), active.clone());
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
        let out = l.next_out.clone() - l.public.clone() * l.rem.clone();
        crate::segment::receive(
            builder,
            SYSCALL,
            [l.clk.clone(), out, l.next_out.clone(), l.pc.clone(), l.next_pc.clone()],
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
        let [len0, len1, ..] = limbs(self.len);
        SyscallCols {
            public: u64::from(self.call == Call::Public),
            debug: u64::from(self.call == Call::Debug),
            read: u64::from(self.call == Call::Read),
            clk: self.clk,
            next_out: self.next_out,
            pc: self.pc,
            next_pc: self.next_pc,
            len: [len0, len1],
            offset: self.offset,
            cell,
            prev_time: access.prev_time,
            gap: access.diff,
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
    /// Fails on an ecall beyond the table's bounds, which the VM allows: a write to
    /// fd 1 or a read moving [`MAX_COUNT`] bytes or more, or a public output count
    /// reaching [`MAX_COUNT`] ([`ProofLimit`]; the builder and `tracker` are then left
    /// mid-ecall, and the segment's witness is to be abandoned). Panics on an ecall the
    /// VM faults on (unknown number, bad fd, buffer outside the address space, more input
    /// than `len`): a replayed segment never holds one.
    pub fn push(
        &mut self,
        clk: u64,
        pc: u64,
        output_count: u64,
        input: &[u8],
        tracker: &mut MemoryTracker,
        lookups: &mut Lookups,
    ) -> Result<SyscallEffect, ProofLimit> {
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
            return Ok(SyscallEffect {
                next_output_count: output_count,
                halted: true,
                exit_code: Some(a0.prev as u8),
                public_output: vec![],
            });
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
        if moved >= MAX_COUNT {
            return Err(ProofLimit::Moved(moved));
        }
        let next_out = output_count + if call == Call::Public { len } else { 0 };
        if next_out >= MAX_COUNT {
            return Err(ProofLimit::Output(next_out));
        }
        let a0 = tracker.write(reg(A0), result, time(ts::RD), lookups);

        let block = Block { call, clk, next_out, pc, next_pc: pc + 4, len, offset: ptr & 7 };
        self.push_row(SyscallCols { a7: 1, rem: moved, ..block.row(reg(A7), &a7, number, 0) }, lookups);
        if call != Call::Debug {
            // The moved count's high limb, below 2^14.
            lookups.small14(result >> 16);
        }
        self.push_row(SyscallCols { a0: 1, rem: moved, ..block.row(reg(A0), &a0, fd, result) }, lookups);
        // read: the slack len − n and the carry of its low limb with n's.
        let a2_new = match call {
            Call::Read => {
                let slack = len - result;
                slack | (((result & 0xffff) + (slack & 0xffff)) >> 16) << 32
            }
            _ => 0,
        };
        self.push_row(SyscallCols { a2: 1, rem: moved, ..block.row(reg(A2), &a2, len, a2_new) }, lookups);
        // S = 2^32 − ptr_lo − len ∈ [0, 2^32] in five bytes, ⌊ptr_0 / 8⌋, and the carry
        // of the low limbs of ptr_lo + len + S.
        let ptr_lo = ptr & 0xffff_ffff;
        let end_slack = (1u64 << 32) - ptr_lo - len;
        let carry = ((ptr & 0xffff) + (len & 0xffff) + (end_slack & 0xffff)) >> 16;
        let a1_new = end_slack | ((ptr & 0xff) >> 3) << 40 | carry << 48;
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
        Ok(SyscallEffect { next_output_count: next_out, halted: false, exit_code: None, public_output })
    }

    /// Appends a row, reporting its byte-pair lookups (the access's time window is
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
        let mut values: Vec<Val> = self.rows.into_iter().flat_map(|r| r.to_row()).map(to_val).collect();
        values.resize(height * WIDTH, Val::ZERO);
        RowMajorMatrix::new(values, WIDTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziskjit_prover::symbolic::TableAnalysis;

    #[test]
    fn row_layout_round_trips() {
        let row: Vec<u64> = (0..WIDTH as u64).collect();
        assert_eq!(SyscallCols::from_row(&row).to_row(), row);
        let cols = SyscallCols::from_row(&row);
        assert_eq!((cols.a7, cols.len, cols.flag[7]), (0, [13, 14], WIDTH as u64 - 1));
    }

    /// The module docs' counts.
    #[test]
    fn the_docs_count_columns_constraints_and_interactions() {
        let analysis = TableAnalysis::of(&SyscallTable, crate::segment::PUBLIC_VALUES);
        assert_eq!(WIDTH, 45);
        assert_eq!(analysis.num_constraints, 84);
        assert!(analysis.max_constraint_degree <= 3, "degree {}", analysis.max_constraint_degree);
        assert_eq!(analysis.interactions.len(), 23);
        assert_eq!(analysis.num_logup_columns(), 13);
    }
}
