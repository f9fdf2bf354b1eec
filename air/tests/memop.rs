//! The memop table: random sequences of every memory instruction, cross-checked against
//! the interpreter (`ziskjit_runtime::step` over a word map), proved and verified with
//! the statement playing main (MEMOP), the memory boundary and the ALU; and tampered
//! witnesses that must fail.

mod common;

use common::{imbalance, memop, memory_boundary, prove_and_verify, prove_and_verify_checked, vals};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeSet, HashMap};
use ziskjit_air::bus::{
    cell, from_limbs, limbs, AluEvent, AluOp, MemKind, MemOp, ALU, BYTE_PAIR, MEMOP, MEMORY, RANGE16,
};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::gadgets::{CellSpan, MemoryTracker};
use ziskjit_air::memop::{MemOpBuilder, MemOpTable};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::BusMessage;
use ziskjit_runtime::{step, Bus, Cpu, FaultKind, SyscallOutcome};
use ziskjit_transpiler::{Inst, Op};

/// Every memory instruction with its interpreter opcode and access width.
const OPS: [(MemOp, Op, u64); 33] = {
    use MemOp as M;
    [
        (M::Lb, Op::Lb, 1),
        (M::Lh, Op::Lh, 2),
        (M::Lw, Op::Lw, 4),
        (M::Ld, Op::Ld, 8),
        (M::Lbu, Op::Lbu, 1),
        (M::Lhu, Op::Lhu, 2),
        (M::Lwu, Op::Lwu, 4),
        (M::Sb, Op::Sb, 1),
        (M::Sh, Op::Sh, 2),
        (M::Sw, Op::Sw, 4),
        (M::Sd, Op::Sd, 8),
        (M::LrW, Op::LrW, 4),
        (M::LrD, Op::LrD, 8),
        (M::ScW, Op::ScW, 4),
        (M::ScD, Op::ScD, 8),
        (M::AmoSwapW, Op::AmoSwapW, 4),
        (M::AmoAddW, Op::AmoAddW, 4),
        (M::AmoXorW, Op::AmoXorW, 4),
        (M::AmoAndW, Op::AmoAndW, 4),
        (M::AmoOrW, Op::AmoOrW, 4),
        (M::AmoMinW, Op::AmoMinW, 4),
        (M::AmoMaxW, Op::AmoMaxW, 4),
        (M::AmoMinuW, Op::AmoMinuW, 4),
        (M::AmoMaxuW, Op::AmoMaxuW, 4),
        (M::AmoSwapD, Op::AmoSwapD, 8),
        (M::AmoAddD, Op::AmoAddD, 8),
        (M::AmoXorD, Op::AmoXorD, 8),
        (M::AmoAndD, Op::AmoAndD, 8),
        (M::AmoOrD, Op::AmoOrD, 8),
        (M::AmoMinD, Op::AmoMinD, 8),
        (M::AmoMaxD, Op::AmoMaxD, 8),
        (M::AmoMinuD, Op::AmoMinuD, 8),
        (M::AmoMaxuD, Op::AmoMaxuD, 8),
    ]
};

/// The table's width.
fn width() -> usize {
    p3_air::BaseAir::<Val>::width(&MemOpTable)
}

fn describe(op: MemOp) -> (Op, u64) {
    let &(_, interp_op, size) = OPS.iter().find(|(m, ..)| *m == op).unwrap();
    (interp_op, size)
}

fn is_atomic(op: MemOp) -> bool {
    op >= MemOp::LrW
}

/// The pseudo-random initial value of a memory word (the reservation starts empty).
fn initial(cell: u64) -> u64 {
    if cell == cell::RESERVATION {
        return 0;
    }
    let mut z = cell.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z ^ (z >> 27)
}

/// The interpreter's memory: aligned words, initially `import(word)`.
struct WordMap<'a> {
    words: HashMap<u64, u64>,
    import: &'a dyn Fn(u64) -> u64,
}

impl WordMap<'_> {
    fn byte(&self, addr: u64) -> u64 {
        let word = cell::word(addr);
        let value = self.words.get(&word).copied().unwrap_or_else(|| (self.import)(word));
        value >> (8 * (addr % 8)) & 0xff
    }
}

impl Bus for WordMap<'_> {
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        Ok((0..u64::from(size)).rev().fold(0, |acc, i| acc << 8 | self.byte(addr + i)))
    }

    fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind> {
        for i in 0..u64::from(size) {
            let (a, import) = (addr + i, self.import);
            let shift = 8 * (a % 8);
            let word = self.words.entry(cell::word(a)).or_insert_with(|| import(cell::word(a)));
            *word = *word & !(0xff << shift) | (value >> (8 * i) & 0xff) << shift;
        }
        Ok(())
    }

    fn ecall(&mut self, _regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        unreachable!("no ecall in memop tests")
    }
}

/// One memory instruction of the main table.
#[derive(Clone, Copy, Debug)]
struct Event {
    op: MemOp,
    addr: u64,
    data: u64,
}

/// A segment's memop witness and the statement's side of its bus.
struct Run {
    trace: RowMajorMatrix<Val>,
    lookups: Lookups,
    /// The MEMOP tuples main sends, one per row: `(clk, op, addr0, addr1, d0..d3,
    /// r0..r3)` (the segment number is added by `common::in_segment`).
    memops: Vec<[u64; 12]>,
    alu: Vec<AluEvent>,
    spans: Vec<CellSpan>,
}

/// Runs `events` through the table's witness generator and through the interpreter
/// over memory `import`, asserting that results, memory and the reservation agree.
fn run_with(events: &[Event], import: &dyn Fn(u64) -> u64) -> Run {
    let mut tracker = MemoryTracker::new(import);
    let (mut lookups, mut alu, mut builder) = (Lookups::default(), Vec::new(), MemOpBuilder::new());
    let (mut cpu, mut memory) = (Cpu::new(0), WordMap { words: HashMap::new(), import });
    let mut memops = Vec::new();
    for (clk, e) in events.iter().enumerate() {
        let clk = clk as u64;
        let result = builder.push(clk, e.op, e.addr, e.data, &mut tracker, &mut lookups, &mut alu);
        let (op, _) = describe(e.op);
        let inst = Inst { op, rd: 1, rs1: 2, rs2: 3, imm: 0, len: 4, raw: 0 };
        (cpu.regs[1], cpu.regs[2], cpu.regs[3]) = (0, e.addr, e.data);
        step(&mut cpu, &inst, &mut memory).unwrap();
        assert_eq!(result, cpu.regs[1], "step {clk}: {e:x?}");
        memops.push(memop(clk, e.op, e.addr, e.data, result));
    }
    for (&word, &value) in &memory.words {
        assert_eq!(tracker.peek(word), value, "word {word:#x}");
    }
    assert_eq!(tracker.peek(cell::RESERVATION), cpu.reservation.map_or(0, |a| a / 4 + 1));
    Run { trace: builder.trace(), lookups, memops, alu, spans: tracker.spans() }
}

/// The result a MEMOP tuple claims.
fn claimed(memop: &[u64; 12]) -> u64 {
    from_limbs(memop[8..12].try_into().unwrap())
}

fn execute(events: &[Event]) -> Run {
    run_with(events, &initial)
}

/// Where a tampered witness must be caught.
#[derive(Debug)]
enum Catch {
    /// A constraint of the table (the bus still balances).
    Constraint,
    /// The bus: some tuple on this bus does not cancel.
    Bus(u32),
}

impl Run {
    fn tables() -> Vec<Table> {
        vec![Table::MemOp(MemOpTable), Table::Bytes(BytesTable)]
    }

    /// The statement: main's MEMOP messages, the memory boundary, the ALU's receipts.
    fn boundary(&self) -> Vec<BusMessage<Val>> {
        let memops = self.memops.iter().map(|m| BusMessage::send(MEMOP, vals(m)));
        let alu = self.alu.iter().map(|e| BusMessage::receive(ALU, vals(&e.tuple())));
        memops.chain(alu).chain(memory_boundary(&self.spans)).collect()
    }

    fn traces(&self) -> Vec<RowMajorMatrix<Val>> {
        vec![self.trace.clone(), self.lookups.trace()]
    }

    fn prove(&self, checked: bool) -> Result<(), String> {
        let prove = if checked { prove_and_verify_checked } else { prove_and_verify };
        prove(&Self::tables(), self.traces(), self.boundary())
    }

    /// The `i`-th column of group `name` in `row`.
    fn cell(&mut self, row: usize, name: &str, i: usize) -> &mut Val {
        let column = MemOpTable::columns(name).unwrap().nth(i).unwrap();
        &mut self.trace.values[row * width() + column]
    }

    fn get(&mut self, row: usize, name: &str, i: usize) -> u64 {
        self.cell(row, name, i).as_canonical_u64()
    }

    /// Adds `delta` to column `i` of group `name` in `row`.
    fn add(&mut self, row: usize, name: &str, i: usize, delta: i64) {
        *self.cell(row, name, i) += Val::from_i64(delta);
    }

    /// Sets the result columns of `row` and the result main claims to `value`.
    fn claim_result(&mut self, row: usize, value: u64) {
        for (l, limb) in limbs(value).into_iter().enumerate() {
            *self.cell(row, "result", l) = Val::from_u64(limb);
            self.memops[row][8 + l] = limb;
        }
    }

    /// The last value of memory cell `cell` (what the boundary receives).
    fn last(&mut self, cell: u64) -> &mut u64 {
        &mut self.spans.iter_mut().find(|s| s.cell == cell).unwrap().last
    }

    /// Recounts the bytes table's lookups from the (tampered) trace, as its rows send
    /// them, leaving out values the bytes table does not hold (their sends stay
    /// unbalanced): a tampered witness is then caught for the reason the test names,
    /// not because the honest counts no longer match.
    fn relookup(&mut self) {
        let mut lookups = Lookups::default();
        let range16 = |l: &mut Lookups, v: u64| {
            if v < 1 << 16 {
                l.range16(v)
            }
        };
        let pair = |l: &mut Lookups, a: u64, b: u64| {
            if a < 256 && b < 256 {
                l.byte_pair(a, b)
            }
        };
        for row in 0..self.trace.values.len() / width() {
            let kind = |run: &mut Self, k: MemKind| run.get(row, "kind", k.index());
            if MemKind::ALL.iter().map(|&k| kind(self, k)).sum::<u64>() == 0 {
                continue;
            }
            range16(&mut lookups, self.get(row, "w0", 0));
            for name in ["b", "x"] {
                let bytes = MemOpTable::columns(name).unwrap().len();
                for i in (0..bytes).step_by(2) {
                    pair(&mut lookups, self.get(row, name, i), self.get(row, name, i + 1));
                }
            }
            let sign = (*self.cell(row, "top", 0) - *self.cell(row, "sgn", 0) * Val::from_u64(128)).double();
            pair(&mut lookups, sign.as_canonical_u64(), 0);
            let lrsc = kind(self, MemKind::Lr) + kind(self, MemKind::Sc);
            for (access, enabled) in [("acc0", 1), ("acc1", self.get(row, "span", 0) + lrsc)] {
                if enabled == 1 {
                    range16(&mut lookups, self.get(row, access, 1));
                    range16(&mut lookups, self.get(row, access, 2));
                }
            }
        }
        self.lookups = lookups;
    }

    /// Asserts that the tampered witness does not verify, and is caught where `catch` says.
    fn assert_rejected(mut self, what: &str, catch: Catch) {
        self.relookup();
        let unbalanced = imbalance(&Self::tables(), &self.traces(), &self.boundary());
        match catch {
            Catch::Constraint => assert_eq!(unbalanced, vec![], "{what}: the bus should balance"),
            Catch::Bus(bus) => assert!(unbalanced.iter().any(|u| u.bus == bus), "{what}: {unbalanced:?}"),
        }
        assert!(self.prove(false).is_err(), "{what}: a tampered witness verified");
    }
}

/// A value with a good chance of sign bits, carries and extremes in every width.
fn value(rng: &mut ChaCha8Rng) -> u64 {
    match rng.gen_range(0..6) {
        0 => rng.gen(),
        1 => rng.gen::<i32>() as i64 as u64,
        2 => rng.gen_range(0..256),
        3 => u64::MAX - rng.gen_range(0..256),
        4 => 1 << rng.gen_range(0..64),
        _ => rng.gen::<u64>() | 0x8080_8080_8080_8080,
    }
}

/// Random instructions of every kind over a small region (so they overlap), plus the
/// LR/SC scenarios: LR then SC (success, also across widths), SC without LR, SC after
/// SC, SC at another address than the LR, a store between LR and SC.
fn random_events(rng: &mut ChaCha8Rng, count: usize) -> Vec<Event> {
    let base = 0x8000_1000;
    let mut events = Vec::new();
    let random_addr = |rng: &mut ChaCha8Rng, size: u64, atomic: bool| {
        let a = base + rng.gen_range(0..48);
        if atomic {
            a & !(size - 1)
        } else {
            a
        }
    };
    for _ in 0..count {
        let (op, _, size) = OPS[rng.gen_range(0..OPS.len())];
        let addr = random_addr(rng, size, is_atomic(op));
        events.push(Event { op, addr, data: value(rng) });
    }
    for (lr, sc, same) in
        [(MemOp::LrW, MemOp::ScW, true), (MemOp::LrD, MemOp::ScD, true), (MemOp::LrW, MemOp::ScD, true)]
            .into_iter()
            .chain([(MemOp::LrD, MemOp::ScD, false), (MemOp::LrW, MemOp::ScW, false)])
    {
        let addr = random_addr(rng, 8, true);
        let sc_addr = if same { addr } else { addr + 8 };
        events.push(Event { op: lr, addr, data: value(rng) });
        events.push(Event { op: MemOp::Sd, addr: addr + 16, data: value(rng) });
        events.push(Event { op: sc, addr: sc_addr, data: value(rng) }); // succeeds iff `same`
        events.push(Event { op: sc, addr: sc_addr, data: value(rng) }); // fails: after an SC
    }
    events
}

#[test]
fn random_memory_instructions_prove_and_match_the_interpreter() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut events = random_events(&mut rng, 400);
    // Every load and store at every offset, with sign bits set in the window, and at
    // the top of the address space.
    for &(op, _, size) in &OPS[..11] {
        for o in 0..8 {
            events.push(Event { op, addr: 0x8000_2000 + 16 * o + o, data: value(&mut rng) });
        }
        events.push(Event { op, addr: 0xffff_fff0 - size, data: value(&mut rng) });
    }
    let run = execute(&events);

    // What the sequence covered (so the proof below tests something).
    let ops: BTreeSet<MemOp> = events.iter().map(|e| e.op).collect();
    assert_eq!(ops.len(), 33, "every MemOp");
    let spanning = events.iter().filter(|e| e.addr % 8 + describe(e.op).1 > 8).count();
    assert!(spanning > 20, "{spanning} accesses span two words");
    let is = |m: &[u64; 12], ops: &[MemOp]| ops.iter().any(|op| op.id() == m[1]);
    let sc = |result| run.memops.iter().filter(|m| is(m, &[MemOp::ScW, MemOp::ScD]) && claimed(m) == result).count();
    assert!(sc(0) >= 3 && sc(1) >= 7, "SC successes {} failures {}", sc(0), sc(1));
    let narrow_loads = [MemOp::Lb, MemOp::Lh, MemOp::Lw];
    let negative_loads = run.memops.iter().filter(|m| is(m, &narrow_loads) && m[10..12] == [0xffff; 2]).count();
    assert!(negative_loads > 10, "{negative_loads} sign-extended negative loads");

    assert_eq!(run.prove(true), Ok(()));
}

/// A run of `event` after an unrelated store; the event is row 1.
fn single(event: Event) -> (Run, usize) {
    (execute(&[Event { op: MemOp::Sd, addr: 0x100, data: 1 }, event]), 1)
}

#[test]
fn wrong_loaded_result_is_rejected() {
    // Main claims another value than memory holds (the result column agrees with it).
    let (mut run, row) = single(Event { op: MemOp::Lbu, addr: 0x203, data: 0 });
    let byte = claimed(&run.memops[row]);
    run.claim_result(row, byte ^ 1);
    run.assert_rejected("wrong loaded byte", Catch::Constraint);

    // The other sign extension, with `sgn` flipped to match: the sign check fails.
    let (mut run, row) = single(Event { op: MemOp::Lh, addr: 0x207, data: 0 });
    let result = claimed(&run.memops[row]);
    run.claim_result(row, result ^ 0xffff_ffff_ffff_0000);
    let sgn = run.get(row, "sgn", 0);
    *run.cell(row, "sgn", 0) = Val::from_u64(sgn ^ 1);
    run.assert_rejected("wrong sign extension", Catch::Bus(BYTE_PAIR));
}

#[test]
fn non_boolean_sign_is_rejected() {
    // `sgn = top / 128` passes the sign check (`2·(top − 128·sgn) = 0`); only its
    // booleanity is left to catch it. Main claims the resulting (non-limb) result.
    let (mut run, row) = single(Event { op: MemOp::Lb, addr: 0x301, data: 0 });
    let sgn = *run.cell(row, "top", 0) * Val::from_u64(128).inverse();
    let change = sgn - *run.cell(row, "sgn", 0);
    *run.cell(row, "sgn", 0) = sgn;
    for (l, fill) in limbs(0xffff_ffff_ffff_ff00).into_iter().enumerate() {
        *run.cell(row, "result", l) += change * Val::from_u64(fill);
        run.memops[row][8 + l] = run.get(row, "result", l);
    }
    run.assert_rejected("non-boolean sign", Catch::Constraint);
}

#[test]
fn store_changing_an_uncovered_byte_is_rejected() {
    // `e` beyond the stored width: the byte after an `sb` changes too.
    let (mut run, row) = single(Event { op: MemOp::Sb, addr: 0x402, data: 0x1ff });
    let delta = if run.last(cell::word(0x402)).to_le_bytes()[3] == 255 { -1 } else { 1 };
    run.add(row, "e", 1, delta);
    let word = run.last(cell::word(0x402));
    *word = word.wrapping_add_signed(delta << 24);
    run.assert_rejected("sb writing two bytes", Catch::Constraint);

    // A stored "byte" out of range that still sums to `data` (`x_0 + 256`, `x_1 − 1`)
    // carries into the byte above the stored one.
    let (mut run, row) = single(Event { op: MemOp::Sb, addr: 0x402, data: 0x1ff });
    run.add(row, "x", 0, 256);
    run.add(row, "x", 1, -1);
    run.add(row, "e", 0, 256);
    let word = run.last(cell::word(0x402));
    *word = word.wrapping_add(1 << 24);
    run.assert_rejected("sb of a non-byte", Catch::Bus(BYTE_PAIR));

    // Stored bytes other than `data`'s (low and high limb), memory agreeing with them.
    for (i, shift) in [(1, 8), (6, 48)] {
        let (mut run, row) = single(Event { op: MemOp::Sd, addr: 0x408, data: 0x8070_6050_4030_2010 });
        run.add(row, "x", i, 1);
        run.add(row, "e", i, 1);
        *run.last(cell::word(0x408)) += 1 << shift;
        run.assert_rejected("sd of other bytes", Catch::Constraint);
    }
}

#[test]
fn wrong_old_word_is_rejected() {
    // The row reads another value than the word's token holds: the witness of a run
    // over other memory, against the statement's true initial memory.
    let addr = 0x503;
    let events = [Event { op: MemOp::Lb, addr, data: 0 }, Event { op: MemOp::Sh, addr, data: 7 }];
    let forged = |cell| initial(cell) ^ u64::from(cell == cell::word(addr)) << 28;
    let mut run = run_with(&events, &forged);
    run.spans.iter_mut().for_each(|s| s.first = initial(s.cell));
    run.assert_rejected("forged old word", Catch::Bus(MEMORY));

    // A byte of the old word out of range with the limb unchanged: `b_3 + 256, b_4 − 1`.
    let (mut run, row) = single(Event { op: MemOp::Lbu, addr, data: 0 });
    run.add(row, "b", 3, 256);
    run.add(row, "b", 4, -1);
    let byte = claimed(&run.memops[row]);
    run.claim_result(row, byte + 256);
    run.assert_rejected("old byte out of range", Catch::Bus(BYTE_PAIR));
}

#[test]
fn sc_without_reservation_claimed_successful_is_rejected() {
    // No LR before: the SC fails. Claim success (result 0) storing the word's own
    // value, so nothing but the reservation check can tell.
    let addr = 0x600;
    let (mut run, row) = single(Event { op: MemOp::ScD, addr, data: initial(cell::word(addr)) });
    assert_eq!(claimed(&run.memops[row]), 1, "the SC fails");
    run.claim_result(row, 0);
    *run.cell(row, "success", 0) = Val::ONE;
    *run.cell(row, "aux", 0) = Val::ZERO;
    run.assert_rejected("SC success without LR", Catch::Constraint);

    // The same after an LR of another address.
    let data = initial(cell::word(addr));
    let events = [Event { op: MemOp::LrW, addr: addr + 8, data: 0 }, Event { op: MemOp::ScW, addr, data }];
    let mut run = execute(&events);
    assert_eq!(claimed(&run.memops[1]), 1, "the SC fails");
    run.claim_result(1, 0);
    *run.cell(1, "success", 0) = Val::ONE;
    *run.cell(1, "aux", 0) = Val::ZERO;
    run.assert_rejected("SC success with another reservation", Catch::Constraint);

    // The same after an LR.W of the neighbouring word half (`addr/4` one apart: the
    // offset-4 flag counts in the reservation).
    let events = [Event { op: MemOp::LrW, addr: addr + 4, data: 0 }, Event { op: MemOp::ScW, addr, data }];
    let mut run = execute(&events);
    assert_eq!(*run.last(cell::RESERVATION), 0, "the SC clears the reservation");
    assert_eq!(claimed(&run.memops[1]), 1, "the SC fails");
    run.claim_result(1, 0);
    *run.cell(1, "success", 0) = Val::ONE;
    *run.cell(1, "aux", 0) = Val::ZERO;
    run.assert_rejected("SC success with the neighbouring reservation", Catch::Constraint);

    // No LR, and the row claims the reservation `addr/4 + 1` was there: the token it
    // receives is not the reservation cell's (which holds 0).
    let (mut run, row) = single(Event { op: MemOp::ScD, addr, data: initial(cell::word(addr)) });
    run.claim_result(row, 0);
    *run.cell(row, "success", 0) = Val::ONE;
    *run.cell(row, "resv", 0) = Val::from_u64(addr / 4 + 1);
    run.assert_rejected("SC with a forged reservation", Catch::Bus(MEMORY));

    // A failed SC (result 1) that writes its data all the same.
    let data = 0x0102_0304_0506_0708;
    let (mut run, row) = single(Event { op: MemOp::ScD, addr, data });
    for j in 0..8 {
        let (new, old) = (data >> (8 * j) & 0xff, run.get(row, "x", j));
        *run.cell(row, "x", j) = Val::from_u64(new);
        *run.cell(row, "e", j) = Val::from_u64(new) - Val::from_u64(old);
    }
    *run.last(cell::word(addr)) = data;
    run.assert_rejected("failed SC writing", Catch::Constraint);
}

#[test]
fn wrong_amo_result_is_rejected() {
    // The ALU (the statement here) computed `old + data`; the row stores another value.
    let addr = 0x700;
    let (mut run, row) = single(Event { op: MemOp::AmoAddD, addr, data: 5 });
    let delta = if run.get(row, "x", 0) == 255 { -1 } else { 1 };
    run.add(row, "x", 0, delta);
    run.add(row, "e", 0, delta);
    let word = run.last(cell::word(addr));
    *word = word.wrapping_add_signed(delta);
    run.assert_rejected("forged AMO value", Catch::Bus(ALU));

    // A `.D` AMO whose ALU message's limb 2 or 3 is not the value it stores (the ALU
    // agreeing with the message).
    for l in 0..2 {
        let (mut run, row) = single(Event { op: MemOp::AmoMinuD, addr, data: 0 });
        assert_eq!(run.alu[0].c, 0);
        run.add(row, "aux", l, 1);
        run.alu[0].c += 1 << (32 + 16 * l);
        run.assert_rejected("AMO high limb", Catch::Constraint);
    }

    // A `.W` AMO's upper result limbs (not stored) are the ALU's: forged, no receiver.
    let (mut run, row) = single(Event { op: MemOp::AmoAddW, addr, data: 5 });
    run.add(row, "aux", 1, 1);
    run.assert_rejected("AMO.W upper limb", Catch::Bus(ALU));

    // A wrong old value returned by an AMO.
    let (mut run, row) = single(Event { op: MemOp::AmoSwapW, addr: addr + 4, data: 9 });
    let result = claimed(&run.memops[row]);
    run.claim_result(row, result ^ 1);
    run.assert_rejected("AMO old value", Catch::Constraint);
}

#[test]
fn forged_offset_is_rejected() {
    // A load at offset 3 claimed at offset 0, returning byte 0: `w0 = (addr0 − 0)/8`
    // is no integer, so in the field it is out of range.
    let addr = 0x803;
    let (mut run, row) = single(Event { op: MemOp::Lbu, addr, data: 0 });
    *run.cell(row, "s", 3) = Val::ZERO;
    *run.cell(row, "s", 0) = Val::ONE;
    *run.cell(row, "w0", 0) = Val::from_u64(addr) * Val::from_u64(8).inverse();
    let byte = run.get(row, "b", 0);
    run.claim_result(row, byte);
    run.assert_rejected("forged offset", Catch::Bus(RANGE16));

    // A misaligned LR.W (the VM faults) with its true offset: the alignment constraint.
    // Forged from an aligned one two bytes lower, every other column made consistent.
    let (mut run, row) = single(Event { op: MemOp::LrW, addr: 0x900, data: 0 });
    *run.cell(row, "s", 0) = Val::ZERO;
    *run.cell(row, "s", 2) = Val::ONE;
    run.memops[row][2] = 0x902;
    let bytes: Vec<u64> = (2..6).map(|k| run.get(row, "b", k)).collect();
    let word = bytes.iter().rev().fold(0, |acc, &b| acc << 8 | b);
    run.claim_result(row, word as u32 as i32 as i64 as u64);
    *run.cell(row, "top", 0) = Val::from_u64(bytes[3]);
    *run.cell(row, "sgn", 0) = Val::from_u64(bytes[3] >> 7);
    // The reservation the row sets, `2w + s_4 + 1`, is still the aligned LR's.
    assert_eq!(*run.last(cell::RESERVATION), 0x900 / 4 + 1);
    run.assert_rejected("misaligned LR", Catch::Constraint);
}

#[test]
fn forged_address_split_is_rejected() {
    // The same word (`w = w0 + 2^13·addr1`) with `2^13` moved from main's `addr1` into
    // `w0` (`w0 ≥ 2^13`, still 16-bit): the row receives `addr0 = 8·w0 + o ≥ 2^16`,
    // which is not main's `addr0` (no wrap: `8·w0 + o < 2^19 + 8`).
    let (mut run, row) = single(Event { op: MemOp::Ld, addr: 0x10_0003, data: 0 });
    assert_eq!((run.get(row, "w0", 0), run.get(row, "addr1", 0)), (0, 0x10));
    run.add(row, "w0", 0, 1 << 13);
    run.add(row, "addr1", 0, -1);
    run.assert_rejected("w0 past 2^13", Catch::Bus(MEMOP));

    // Moved further, `w0 + 2^16` and `addr1 − 8`: `w0` itself is out of range.
    let (mut run, row) = single(Event { op: MemOp::Ld, addr: 0x10_0003, data: 0 });
    run.add(row, "w0", 0, 1 << 16);
    run.add(row, "addr1", 0, -8);
    run.assert_rejected("w0 past 2^16", Catch::Bus(RANGE16));
}

#[test]
fn limbs_split_past_16_bits_are_rejected() {
    // A loaded value with limbs 0 and 1 split differently (`r0 + 2^16, r1 − 1`, the
    // same 32-bit sum), main and the result columns agreeing: each result limb is
    // pinned to its two bytes.
    let (mut run, row) = single(Event { op: MemOp::Ld, addr: 0x1003, data: 0 });
    assert_ne!(run.memops[row][9], 0);
    for (l, delta) in [(0, 1 << 16), (1, -1)] {
        run.add(row, "result", l, delta);
        run.memops[row][8 + l] = run.get(row, "result", l);
    }
    run.assert_rejected("result limb past 2^16", Catch::Constraint);

    // A stored value split the same way: each data limb is pinned to its two `x` bytes.
    let (mut run, row) = single(Event { op: MemOp::Sw, addr: 0x1006, data: 0x1234_5678 });
    for (l, delta) in [(0, 1 << 16), (1, -1)] {
        run.add(row, "data", l, delta);
        run.memops[row][4 + l] = run.get(row, "data", l);
    }
    run.assert_rejected("data limb past 2^16", Catch::Constraint);
}

#[test]
fn padding_rows_put_nothing_on_the_bus() {
    // One event: the trace is padded to 2 rows; an empty builder gives 2 padding rows.
    let run = execute(&[Event { op: MemOp::Sd, addr: 0x100, data: 1 }]);
    assert_eq!(run.trace.values.len(), 2 * width());
    assert_eq!(imbalance(&Run::tables(), &run.traces(), &run.boundary()), vec![]);
    let empty = MemOpBuilder::new().trace();
    assert_eq!(empty.values.len(), 2 * width());
    let lookups = Lookups::default();
    assert_eq!(prove_and_verify_checked(&Run::tables(), vec![empty, lookups.trace()], vec![]), Ok(()));
}

#[test]
fn forged_op_flags_are_rejected() {
    // Non-boolean size flags giving the same id as an `sd` (size digit 3):
    // `2·size_1 − 3·size_2 + 2·size_8` sums to 1 and weighs `0 − 3 + 2·3 = 3`.
    let (mut run, row) = single(Event { op: MemOp::Sd, addr: 0x108, data: 3 });
    for (i, value) in [(0, 2), (1, -3), (3, 2)] {
        *run.cell(row, "size", i) = Val::from_i64(value);
    }
    run.assert_rejected("non-boolean size flags", Catch::Constraint);

    // No size flag at all: the id is still `lb`'s (size digit 0), and with nothing
    // covered the row would return 0 whatever the byte.
    let addr = 0x105;
    assert_ne!(initial(cell::word(addr)) >> 40 & 0xff, 0);
    let (mut run, row) = single(Event { op: MemOp::Lb, addr, data: 0 });
    *run.cell(row, "size", 0) = Val::ZERO;
    *run.cell(row, "top", 0) = Val::ZERO;
    *run.cell(row, "sgn", 0) = Val::ZERO;
    run.claim_result(row, 0);
    run.assert_rejected("no size flag", Catch::Constraint);

    // A sign-extending load claimed as zero-extending (kind flag, `top`, `sgn` and
    // the result changed to match): the id is `lwu`'s, not the `lw` main sends.
    let (mut run, row) = single(Event { op: MemOp::Lw, addr: 0x11c, data: 0 });
    assert_eq!(run.get(row, "sgn", 0), 1, "a negative word");
    let result = claimed(&run.memops[row]) & 0xffff_ffff;
    *run.cell(row, "kind", MemKind::Load.index()) = Val::ZERO;
    *run.cell(row, "kind", MemKind::LoadU.index()) = Val::ONE;
    *run.cell(row, "top", 0) = Val::ZERO;
    *run.cell(row, "sgn", 0) = Val::ZERO;
    run.claim_result(row, result);
    run.assert_rejected("lw as lwu", Catch::Bus(MEMOP));

    // An AMO whose ALU op column names another op than main's id (the ALU, played by
    // the statement, agreeing with the row).
    let (mut run, row) = single(Event { op: MemOp::AmoAddD, addr: 0x110, data: 5 });
    *run.cell(row, "alu_op", 0) = Val::from_u64(AluOp::Xor.id());
    run.alu[0].op = AluOp::Xor;
    run.assert_rejected("amoadd with a xor", Catch::Bus(MEMOP));

    // An `amoadd.d` executed as a swap (no ALU message), its id made up by an ALU op
    // column on the swap row: `(id(amoadd.d) − id(amoswap.d)) / 28` in the field.
    let addr = 0x118;
    let (mut run, row) = single(Event { op: MemOp::AmoSwapD, addr, data: 5 });
    let alu_op = Val::from_u64(MemOp::AmoAddD.id() - MemOp::AmoSwapD.id()) / Val::from_u64(MemOp::ALU_WEIGHT);
    assert!(alu_op.as_canonical_u64() > AluOp::ALL.len() as u64, "no ALU op id");
    *run.cell(row, "alu_op", 0) = alu_op;
    run.memops[row][1] = MemOp::AmoAddD.id();
    run.assert_rejected("amoadd as a swap", Catch::Constraint);
}
