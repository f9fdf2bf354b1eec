//! The word table: `ld` and `sd` at addresses divisible by 8, the common case of the
//! [`MEMOP`] bus, at a quarter of the [`memop`](crate::memop) table's cost.
//!
//! The memop table handles every width, offset and kind of memory instruction against a
//! 16-byte window of two words: 70 columns and 25 interactions a row. Yet an aligned
//! doubleword access is just the word itself, with no bytes to pick, shift or extend,
//! and it is most of the traffic: 90% of sha256's memory instructions and 81% of
//! keccak's are `ld`/`sd` at offset 0 (stack spills, `u64` arrays). Those go here, one
//! row each (12 columns, 7 interactions); the rest stay in the memop table. Either table
//! may receive an aligned `ld`/`sd`: both give it the same meaning.
//!
//! # Columns (12)
//!
//! | group | cols | meaning |
//! |---|---|---|
//! | `load`, `store` | 1 + 1 | which instruction (both 0 on padding rows); `is_real = load + store` |
//! | `clk` | 1 | the main row |
//! | `w` | 2 | the word index `w = w_lo + 2^16·w_hi`, halves range-checked; `addr = 8·w` |
//! | `data` | 2 | `rs2` as main sends it (the stored value; 0 for `ld`, whose `rs2` is x0) |
//! | `prev` | 2 | the word before the access (from its token) |
//! | `access` | 3 | `prev_time`, `diff_low`, `diff_high` of the access |
//!
//! # Bus messages (7 interactions, multiplicity `is_real`)
//!
//! * receives [`MEMOP`] `(segment, clk, Ld·load + Sd·store, 8·w, data, load·prev)`;
//! * word `w` at `ts::MEM0`: receives `(segment, w, prev, prev_time)`, sends
//!   `(segment, w, prev + store·(data − prev), time)`, two RANGE16 for the time gap;
//! * RANGE16 `w_lo`, `w_hi`.
//!
//! # Soundness
//!
//! `load`, `store` and their sum are boolean, so a real row (the only kind that puts
//! anything on the bus) is exactly one of the two, and the op id it receives is `Ld`'s
//! or `Sd`'s: main sends its ROM's op, so only `ld`/`sd` instructions can be received
//! here. `w < 2^32` (two 16-bit halves) and main's `addr < 2^32` make `addr = 8·w` an
//! integer identity (`8·2^32 < p`): the address is aligned, `w` is its word and
//! `w < 2^29`, a memory cell (registers start above `2^29`). The access consumes the word's
//! last token and leaves a new one: the same value for `ld`, which returns it in full
//! (an 8-byte load extends nothing), `data` for `sd`, whose result is 0 — exactly what
//! the memop table proves for these instructions at offset 0. Values come from tokens
//! and from main (`rs2`), both well-formed, so nothing is range-checked but the
//! address. No column is free on a real row; padding rows are all zero.

use crate::bus::{limbs, ts, MemOp, MEMOP};
use crate::bytes::Lookups;
use crate::columns::columns;
use crate::gadgets::{access, range32, range32_cols, two16, Access, MemoryTracker};
use crate::parts::Rows;
use p3_air::{Air, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use ziskjit_prover::{BusBuilder, TableName, Val};

/// The word table.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemWordTable;

columns! {
    load: 1,
    store: 1,
    clk: 1,
    w: 2,
    data: 2,
    prev: 2,
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

    /// The segment number (public value) tags this table's local-bus tuples (see
    /// [`crate::bus::MEMORY`]).
    fn num_public_values(&self) -> usize {
        crate::segment::PUBLIC_VALUES
    }
}

impl<AB: BusBuilder<F = Val>> Air<AB> for MemWordTable {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder.main().current_slice().iter().map(|&v| v.into()).collect();
        let c = Cols::read(&row);
        let ([load], [store], [clk]) = (c.load, c.store, c.clk);
        let [prev_time, diff_low, diff_high] = c.access;
        let constant = |v: u64| AB::Expr::from_u64(v);

        let is_real = load.clone() + store.clone();
        builder.assert_bool(load.clone());
        builder.assert_bool(store.clone());
        builder.assert_bool(is_real.clone());

        // The word in two range-checked halves: `8·w` is the address as an integer.
        let [w_lo, w_hi] = c.w;
        let word = w_lo.clone() + w_hi.clone() * two16::<AB::Expr>();
        range32(builder, word.clone(), w_lo, w_hi, is_real.clone());

        let op = load.clone() * constant(MemOp::Ld.id()) + store.clone() * constant(MemOp::Sd.id());
        let result = c.prev.clone().map(|p| load.clone() * p);
        let [data_lo, data_hi] = c.data.clone();
        builder.receive(
            MEMOP,
            [
                crate::segment::number(builder),
                clk.clone(),
                op,
                word.clone() * constant(8),
                data_lo,
                data_hi,
                result[0].clone(),
                result[1].clone(),
            ],
            is_real.clone(),
        );
        let new = std::array::from_fn(|i| c.prev[i].clone() + store.clone() * (c.data[i].clone() - c.prev[i].clone()));
        access(
            builder,
            Access {
                cell: word,
                prev: c.prev,
                value: new,
                prev_time,
                time: ts::at_expr(clk, ts::MEM0),
                diff_low,
                diff_high,
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
    /// `clk` at byte address `addr` with `data` the value of `rs2`: performs its access
    /// on `tracker`, reports its lookups and returns its result (what main sends).
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
        let word = crate::bus::cell::word(addr);
        let store = op == MemOp::Sd;
        let time = ts::at(clk, ts::MEM0);
        let witness = if store { tracker.write(word, data, time, lookups) } else { tracker.read(word, time, lookups) };
        let f = Val::from_u64;
        let cols = Cols {
            load: [Val::from_bool(!store)],
            store: [Val::from_bool(store)],
            clk: [f(clk)],
            w: range32_cols(word, lookups),
            data: limbs(data).map(f),
            prev: witness.prev_cols(),
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

    #[test]
    fn width_and_routing() {
        assert_eq!(WIDTH, 12);
        assert!(MemWordTable::takes(MemOp::Ld, 0x8000_1000));
        assert!(MemWordTable::takes(MemOp::Sd, 0x8000_1008));
        assert!(!MemWordTable::takes(MemOp::Ld, 0x8000_1004));
        assert!(!MemWordTable::takes(MemOp::Lw, 0x8000_1000));
        assert!(!MemWordTable::takes(MemOp::LrD, 0x8000_1000));
    }
}
