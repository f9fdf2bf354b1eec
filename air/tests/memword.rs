//! The word table (aligned `ld`/`sd`): random sequences cross-checked against the
//! interpreter, proved and verified with the statement playing main (MEMOP) and the
//! memory boundary; and tampered witnesses and claims that must fail.

mod common;

use common::{imbalance, memop, memory_boundary, prove_and_verify, prove_and_verify_checked, vals};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use ziskjit_air::bus::{addr_limbs, cell, MemOp, MEMOP, MEMORY, RANGE16};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::gadgets::{CellSpan, MemoryTracker};
use ziskjit_air::memword::{MemWordBuilder, MemWordTable};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::BusMessage;
use ziskjit_runtime::{step, Bus, Cpu, FaultKind, SyscallOutcome};
use ziskjit_transpiler::{Inst, Op};

/// The table's width.
fn width() -> usize {
    p3_air::BaseAir::<Val>::width(&MemWordTable)
}

/// The pseudo-random initial value of a memory word.
fn initial(cell: u64) -> u64 {
    cell.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17) ^ 0x5851_f42d_4c95_7f2d
}

/// The interpreter's memory for aligned doublewords: words, initially [`initial`].
#[derive(Default)]
struct Words(HashMap<u64, u64>);

impl Bus for Words {
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        assert_eq!((addr % 8, size), (0, 8));
        Ok(self.0.get(&cell::word(addr)).copied().unwrap_or_else(|| initial(cell::word(addr))))
    }

    fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind> {
        assert_eq!((addr % 8, size), (0, 8));
        self.0.insert(cell::word(addr), value);
        Ok(())
    }

    fn ecall(&mut self, _regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        unreachable!("no ecall in word-table tests")
    }
}

/// A segment's word-table witness and the statement's side of its bus.
struct Run {
    trace: RowMajorMatrix<Val>,
    lookups: Lookups,
    /// The MEMOP tuples main sends, one per row: `(clk, op, addr0, addr1, d0..d3,
    /// r0..r3)`.
    memops: Vec<[u64; 12]>,
    spans: Vec<CellSpan>,
}

/// Runs `(op, addr, data)` events through the witness generator and the interpreter,
/// asserting that results and memory agree.
fn execute(events: &[(MemOp, u64, u64)]) -> Run {
    let import = initial;
    let mut tracker = MemoryTracker::new(&import);
    let (mut lookups, mut builder) = (Lookups::default(), MemWordBuilder::default());
    let (mut cpu, mut memory) = (Cpu::new(0), Words::default());
    let mut memops = Vec::new();
    for (clk, &(op, addr, data)) in events.iter().enumerate() {
        let clk = clk as u64;
        // An `ld` has no rs2: main sends x0's value.
        let data = if op == MemOp::Ld { 0 } else { data };
        let result = builder.push(clk, op, addr, data, &mut tracker, &mut lookups);
        let interp_op = if op == MemOp::Ld { Op::Ld } else { Op::Sd };
        let inst = Inst { op: interp_op, rd: 1, rs1: 2, rs2: 3, imm: 0, len: 4, raw: 0 };
        (cpu.regs[1], cpu.regs[2], cpu.regs[3]) = (0, addr, data);
        step(&mut cpu, &inst, &mut memory).unwrap();
        assert_eq!(result, cpu.regs[1], "step {clk}: {op:?} at {addr:#x}");
        memops.push(memop(clk, op, addr, data, result));
    }
    for (&word, &value) in &memory.0 {
        assert_eq!(tracker.peek(word), value, "word {word:#x}");
    }
    Run { trace: builder.rows().into_trace(), lookups, memops, spans: tracker.spans() }
}

impl Run {
    fn tables() -> Vec<Table> {
        vec![Table::MemWord(MemWordTable), Table::Bytes(BytesTable)]
    }

    fn boundary(&self) -> Vec<BusMessage<Val>> {
        let memops = self.memops.iter().map(|m| BusMessage::send(MEMOP, vals(m)));
        memops.chain(memory_boundary(&self.spans)).collect()
    }

    fn traces(&self) -> Vec<RowMajorMatrix<Val>> {
        vec![self.trace.clone(), self.lookups.trace()]
    }

    fn cell(&mut self, row: usize, name: &str, i: usize) -> &mut Val {
        let column = MemWordTable::columns(name).unwrap().nth(i).unwrap();
        &mut self.trace.values[row * width() + column]
    }

    /// Recounts the bytes table's lookups from the (tampered) trace, leaving out values
    /// it does not hold (their sends stay unbalanced).
    fn relookup(&mut self) {
        let mut lookups = Lookups::default();
        for row in 0..self.trace.values.len() / width() {
            let real = (*self.cell(row, "load", 0) + *self.cell(row, "store", 0)).as_canonical_u64();
            for _ in 0..real {
                for (name, i) in [("w0", 0), ("access", 1), ("access", 2)] {
                    let v = self.cell(row, name, i).as_canonical_u64();
                    if v < 1 << 16 {
                        lookups.range16(v);
                    }
                }
            }
        }
        self.lookups = lookups;
    }

    /// Asserts that the tampered witness does not verify, with the bus unbalanced on
    /// `bus` (or balanced, for `None`: a constraint must catch it).
    fn assert_rejected(mut self, what: &str, bus: Option<u32>) {
        self.relookup();
        let unbalanced = imbalance(&Self::tables(), &self.traces(), &self.boundary());
        match bus {
            None => assert_eq!(unbalanced, vec![], "{what}: the bus should balance"),
            Some(bus) => assert!(unbalanced.iter().any(|u| u.bus == bus), "{what}: {unbalanced:?}"),
        }
        assert!(prove_and_verify(&Self::tables(), self.traces(), self.boundary()).is_err(), "{what}: verified");
    }
}

#[test]
fn random_aligned_doublewords_prove_and_match_the_interpreter() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // A few words, so loads see earlier stores; and the top of the address space.
    let mut events: Vec<(MemOp, u64, u64)> = (0..300)
        .map(|_| {
            let op = if rng.gen_bool(0.5) { MemOp::Ld } else { MemOp::Sd };
            (op, 0x8000_1000 + 8 * rng.gen_range(0..6), rng.gen())
        })
        .collect();
    events.extend([(MemOp::Sd, 0xffff_fff8, u64::MAX), (MemOp::Ld, 0xffff_fff8, 0), (MemOp::Ld, 0, 0)]);
    let run = execute(&events);
    let reloads = run.memops.windows(2).filter(|m| m[0][1] == MemOp::Sd.id() && m[1][1] == MemOp::Ld.id()).count();
    assert!(reloads > 30, "{reloads} loads right after a store");
    assert_eq!(prove_and_verify_checked(&Run::tables(), run.traces(), run.boundary()), Ok(()));
}

/// A store then a load of the same word, and a load of another; the honest witness
/// proves.
fn pair() -> Run {
    let run = execute(&[(MemOp::Sd, 0x2000, 0x1122_3344_5566_7788), (MemOp::Ld, 0x2000, 0), (MemOp::Ld, 0x3008, 0)]);
    assert_eq!(imbalance(&Run::tables(), &run.traces(), &run.boundary()), vec![]);
    run
}

#[test]
fn wrong_loaded_value_is_rejected() {
    // Main claims another value than the word holds.
    let mut run = pair();
    run.memops[1][8] ^= 1;
    run.assert_rejected("wrong loaded value", Some(MEMOP));
    // The row agrees with main by claiming another previous value: the token differs.
    let mut run = pair();
    run.memops[2][9] ^= 1 << 15;
    *run.cell(2, "prev", 1) = Val::from_u64(run.memops[2][9]);
    run.assert_rejected("forged previous value", Some(MEMORY));
}

#[test]
fn limbs_split_past_16_bits_are_rejected() {
    // A loaded value whose limbs 0 and 1 are split differently (`r0 + 2^16, r1 − 1`,
    // the same 32-bit sum), main and the row agreeing: the token holds the true limbs.
    let mut run = pair();
    assert_ne!(run.memops[2][9], 0);
    run.memops[2][8] += 1 << 16;
    run.memops[2][9] -= 1;
    for i in 0..2 {
        *run.cell(2, "prev", i) = Val::from_u64(run.memops[2][8 + i]);
    }
    run.assert_rejected("result limb past 2^16", Some(MEMORY));
    // A stored value split the same way: the token it leaves is not the value's limbs.
    let mut run = pair();
    assert_ne!(run.memops[0][5], 0);
    run.memops[0][4] += 1 << 16;
    run.memops[0][5] -= 1;
    for i in 0..2 {
        *run.cell(0, "data", i) = Val::from_u64(run.memops[0][4 + i]);
    }
    run.assert_rejected("data limb past 2^16", Some(MEMORY));
}

#[test]
fn wrong_stored_value_is_rejected() {
    // The word after `sd` is not `data` (the boundary receives what was claimed).
    let mut run = pair();
    run.spans.iter_mut().find(|s| s.cell == cell::word(0x2000)).unwrap().last ^= 1;
    run.assert_rejected("store of another value", Some(MEMORY));
    // A store claimed as a load (flags and op id forged together): main's `sd` finds
    // no receiver.
    let mut run = pair();
    *run.cell(0, "store", 0) = Val::ZERO;
    *run.cell(0, "load", 0) = Val::ONE;
    run.assert_rejected("sd received as ld", Some(MEMOP));
}

#[test]
fn misaligned_address_is_rejected() {
    // Main's `ld` at 0x3008 + 4: the row solves `8·w0 = addr0` in the field, which puts
    // `w0` out of range.
    let mut run = pair();
    run.memops[2][2] += 4;
    *run.cell(2, "w0", 0) = Val::from_u64(0x3008 + 4) * Val::from_u64(8).inverse();
    run.assert_rejected("misaligned ld", Some(RANGE16));
}

#[test]
fn forged_address_split_is_rejected() {
    // Main's `ld` at 0x3008 served from the word at 0x1_3008 by moving `2^13` from the
    // word's high part into `w0` (`w0 ≥ 2^13`, still 16-bit): the word index
    // `w0 + 2^13·addr1` is that word's, but the row receives `addr0 = 8·w0 ≥ 2^16`,
    // which no multiple of `p` brings back to main's `addr0`.
    let mut run = execute(&[(MemOp::Ld, 0x1_3008, 0)]);
    assert_eq!(imbalance(&Run::tables(), &run.traces(), &run.boundary()), vec![]);
    run.memops[0][2..4].copy_from_slice(&addr_limbs(0x3008));
    *run.cell(0, "addr1", 0) = Val::ZERO;
    *run.cell(0, "w0", 0) += Val::from_u64(1 << 13);
    assert_eq!(run.cell(0, "w0", 0).as_canonical_u64(), 0x3008 / 8 + (1 << 13));
    run.assert_rejected("w0 past 2^13", Some(MEMOP));
}

#[test]
fn forged_flags_are_rejected() {
    // No flag on the row of main's `ld`: nobody receives it.
    let mut run = pair();
    *run.cell(1, "load", 0) = Val::ZERO;
    run.assert_rejected("ld with no flag", Some(MEMOP));
    // Both flags: the op id is neither `ld`'s nor `sd`'s.
    let mut run = pair();
    *run.cell(1, "store", 0) = Val::ONE;
    run.assert_rejected("ld with both flags", Some(MEMOP));
}
