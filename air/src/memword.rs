//! The word table: `ld` and `sd` at addresses divisible by 8, the common case of the
//! [`MEMOP`] bus, at a fraction of the [`memop`](crate::memop) table's cost.
//!
//! The memop table handles every width, offset and kind of memory instruction against a
//! 16-byte window of two words: 76 columns and 24 interactions a row. Yet an aligned
//! doubleword access is just the word itself, with no bytes to pick, shift or extend,
//! and it is most of the traffic: 90% of sha256's memory instructions and 81% of
//! keccak's are `ld`/`sd` at offset 0 (stack spills, `u64` arrays). Those go here, one
//! row each (16 columns, 6 interactions); the rest stay in the memop table. Either table
//! may receive an aligned `ld`/`sd`: both give it the same meaning.
//!
//! # Columns (16)
//!
//! | group | cols | meaning |
//! |---|---|---|
//! | `load`, `store` | 1 + 1 | which instruction (both 0 on padding rows); `is_real = load + store` |
//! | `clk` | 1 | the main row |
//! | `w0` | 1 | the low bits of the word index: `addr0 = 8·w0`, range-checked to 16 bits (so `w0 < 2^13`) |
//! | `addr1` | 1 | the address's high limb, as main sends it; the word is `w = w0 + 2^13·addr1` |
//! | `data` | 4 | `rs2` as main sends it, four 16-bit limbs (the stored value; 0 for `ld`, whose `rs2` is x0) |
//! | `prev` | 4 | the word before the access (from its token), four limbs |
//! | `access` | 3 | `prev_time` and the two [`window14`](crate::gadgets::window14) digits of the time gap |
//!
//! # Bus messages (6 interactions, multiplicity `is_real`)
//!
//! * receives [`MEMOP`] `(segment, clk, Ld·load + Sd·store, 8·w0, addr1, data,
//!   load·prev)` (data and result four limbs each);
//! * word `w` at `ts::MEM0` ([`access`]): receives `(segment, w, prev, prev_time)`, sends
//!   `(segment, w, prev + store·(data − prev), time)`, two RANGE16 for the time gap;
//! * RANGE16 `w0`.
//!
//! # Soundness (for `p = 2^31 − 2^24 + 1`)
//!
//! `load`, `store` and their sum are boolean, so a real row (the only kind that puts
//! anything on the bus) is exactly one of the two, and the op id it receives is `Ld`'s
//! or `Sd`'s: main sends its ROM's op, so only `ld`/`sd` instructions can be received
//! here. Main's address limbs are trusted 16-bit integers (`addr = addr0 + 2^16·addr1`).
//! The row receives `8·w0` in place of `addr0`; with `w0 < 2^16` (RANGE16) it is an
//! integer in `[0, 2^19)`, so its equality with `addr0 < 2^16` (mod `p`) is an integer
//! identity: the address is aligned and `w0 = addr0 / 8 < 2^13`. Then the word is
//! `w = w0 + 2^13·addr1 = addr / 8 < 2^13 + 2^13·(2^16 − 1) = 2^29`, a memory cell
//! (registers start above `2^29`), and a field element. The access consumes the word's
//! last token and leaves a new one: the same value for `ld`, which returns it in full
//! (an 8-byte load extends nothing), `data` for `sd`, whose result is 0 — exactly what
//! the memop table proves for these instructions at offset 0. Values come from tokens
//! and from main (`rs2`), both four trusted 16-bit limbs, and the row only selects
//! between them (`prev + store·(data − prev)` is one of the two), so nothing is
//! range-checked but the address. No column is free on a real row; padding rows are
//! all zero.

use crate::bus::{addr_limbs, ts, MemOp, MEMOP};
use crate::bytes::Lookups;
use crate::columns::columns;
use crate::gadgets::{access, limb_vals, range16, to_val, Access, MemoryTracker};
use crate::parts::Rows;
use crate::Val;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, TableName};

/// The word table.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemWordTable;

columns! {
    load: 1,
    store: 1,
    clk: 1,
    w0: 1,
    addr1: 1,
    data: 4,
    prev: 4,
    access: 3,
}

impl MemWordTable {
    /// Whether this table takes the memory instruction `op` at byte address `addr`.
    pub fn takes(op: MemOp, addr: u64) -> bool {
        matches!(op, MemOp::Ld | MemOp::Sd) && addr.is_multiple_of(8)
    }

    /// The columns of group `name` (as named in the module docs), for tests that tamper
    /// with a witness.
    pub fn columns(name: &str) -> Option<std::ops::Range<usize>> {
        columns(name)
    }
}

impl TableName for MemWordTable {
    fn name(&self) -> String {
        "memword".into()
    }
}

impl BaseAir<Val> for MemWordTable {
    fn width(&self) -> usize {
        WIDTH
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MemWordTable {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = Cols::read(&row);
        let ([load], [store], [clk], [w0], [addr1]) = (c.load, c.store, c.clk, c.w0, c.addr1);
        let [prev_time, gap0, gap1] = c.access;
        let constant = |v: u64| AB::Expr::from_u64(v);

        let is_real = load.clone() + store.clone();
        builder.assert_bool(load.clone());
        builder.assert_bool(store.clone());
        builder.assert_bool(is_real.clone());

        // The address: `8·w0 ∈ [0, 2^19)` is received as main's `addr0 < 2^16`, an
        // integer identity (no multiple of `p` fits between them), so the address is
        // aligned and `w0 < 2^13`; the word `w0 + 2^13·addr1 < 2^29`.
        range16(builder, w0.clone(), is_real.clone());
        let word = w0.clone() + addr1.clone() * constant(1 << 13);

        let op = load.clone() * constant(MemOp::Ld.id()) + store.clone() * constant(MemOp::Sd.id());
        let result = c.prev.clone().map(|p| load.clone() * p);
        let tuple = [clk.clone(), op, w0 * constant(8), addr1].into_iter().chain(c.data.clone()).chain(result);
        crate::segment::receive(builder, MEMOP, tuple, is_real.clone());
        // `prev + store·(data − prev)`: `prev` or `data`, four trusted limbs either way.
        let new = std::array::from_fn(|i| c.prev[i].clone() + store.clone() * (c.data[i].clone() - c.prev[i].clone()));
        access(
            builder,
            Access {
                cell: word,
                prev: c.prev,
                value: new,
                prev_time,
                time: ts::at_expr(clk, ts::MEM0),
                gap: [gap0, gap1],
                enabled: is_real,
            },
        );
    }
}

/// The word table's rows, built one memory instruction at a time.
#[derive(Default)]
pub struct MemWordBuilder {
    rows: Vec<Val>,
}

impl MemWordBuilder {
    /// The instruction `op` (`ld` or `sd`, see [`MemWordTable::takes`]) of main row
    /// `clk` at byte address `addr` (< 2^32) with `data` the value of `rs2`: performs its
    /// access on `tracker`, reports its lookups and returns its result (what main sends).
    pub fn push(
        &mut self,
        clk: u64,
        op: MemOp,
        addr: u64,
        data: u64,
        tracker: &mut MemoryTracker,
        lookups: &mut Lookups,
    ) -> u64 {
        assert!(MemWordTable::takes(op, addr) && addr < 1 << 32, "{op:?} at {addr:#x} is no word-table access");
        let [addr0, addr1] = addr_limbs(addr);
        let word = crate::bus::cell::word(addr);
        let store = op == MemOp::Sd;
        let time = ts::at(clk, ts::MEM0);
        let witness = if store { tracker.write(word, data, time, lookups) } else { tracker.read(word, time, lookups) };
        lookups.range16(addr0 / 8);
        let cols = Cols {
            load: [Val::from_bool(!store)],
            store: [Val::from_bool(store)],
            clk: [to_val(clk)],
            w0: [to_val(addr0 / 8)],
            addr1: [to_val(addr1)],
            data: limb_vals(data),
            prev: witness.prev_limbs(),
            access: witness.time_cols(),
        };
        let start = self.rows.len();
        self.rows.resize(start + WIDTH, Val::ZERO);
        cols.write(&mut self.rows[start..]);
        if store {
            0
        } else {
            witness.prev
        }
    }

    /// The table's rows; the padding row is all zero (nothing on the bus).
    pub fn rows(self) -> Rows {
        Rows::new(self.rows, vec![Val::ZERO; WIDTH])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziskjit_prover::symbolic::TableAnalysis;

    #[test]
    fn width_and_routing() {
        assert_eq!(WIDTH, 16);
        let analysis = TableAnalysis::of(&MemWordTable, crate::segment::PUBLIC_VALUES);
        assert_eq!((analysis.interactions.len(), analysis.num_logup_columns()), (6, 4));
        assert!(MemWordTable::takes(MemOp::Ld, 0x8000_1000));
        assert!(MemWordTable::takes(MemOp::Sd, 0x8000_1008));
        assert!(!MemWordTable::takes(MemOp::Ld, 0x8000_1004));
        assert!(!MemWordTable::takes(MemOp::Lw, 0x8000_1000));
        assert!(!MemWordTable::takes(MemOp::LrD, 0x8000_1000));
    }
}
