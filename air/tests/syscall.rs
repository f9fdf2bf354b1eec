//! The syscall table: sequences of `write` (fd 1 and 2), `read` and `exit` over
//! pseudo-random memory and registers, checked against `ziskjit_runtime::syscall::dispatch`
//! (the one semantics) over the same memory, proved and verified with the statement
//! playing main (register set-up and `SYSCALL`), the memory boundary, and receiving the
//! `OUTPUT` and `EXIT` messages; and tampered witnesses that must fail, each also
//! asserting which layer (constraints or the bus) catches it.

mod common;

use common::{config, imbalance, memory_boundary, prove_and_verify, prove_and_verify_checked, public_values, vals};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use std::collections::{BTreeMap, HashMap};
use ziskjit_air::bus::{cell, limbs, ts, BYTE_PAIR, EXIT, HALT_PC, MEMORY, OUTPUT, RANGE16, SYSCALL};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::gadgets::MemoryTracker;
use ziskjit_air::syscall::{ProofLimit, SyscallBuilder, SyscallCols, SyscallEffect, SyscallTable, MAX_COUNT};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{check_witness, setup, BusMessage, SegmentWitness};
use ziskjit_runtime::syscall::{dispatch, OutputFd, SyscallHost, SYS_EXIT, SYS_READ, SYS_WRITE};
use ziskjit_runtime::{Access, FaultKind, SyscallOutcome};

const A0: usize = 10;
const A1: usize = 11;
const A2: usize = 12;
const A7: usize = 17;

/// The pseudo-random value every cell starts with (splitmix64).
fn initial(cell: u64) -> u64 {
    let mut z = cell.wrapping_add(0x9e37_79b9_7f4a_7c15).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The reference: guest memory as aligned words (missing: [`initial`]) under `dispatch`.
struct Host<'a> {
    words: &'a mut HashMap<u64, u64>,
    public: Vec<u8>,
    /// What the next `read` delivers.
    input: &'a [u8],
}

impl Host<'_> {
    fn check(ptr: u64, len: u64, access: Access) -> Result<(), FaultKind> {
        match ptr.checked_add(len) {
            _ if len == 0 => Ok(()),
            Some(end) if end <= 1 << 32 => Ok(()),
            _ => Err(FaultKind::OutsideAddressSpace { access, addr: ptr }),
        }
    }

    fn byte(&self, addr: u64) -> u8 {
        let word = self.words.get(&cell::word(addr)).copied().unwrap_or_else(|| initial(cell::word(addr)));
        word.to_le_bytes()[(addr & 7) as usize]
    }

    fn set_byte(&mut self, addr: u64, byte: u8) {
        let word = self.words.entry(cell::word(addr)).or_insert_with(|| initial(cell::word(addr)));
        let mut bytes = word.to_le_bytes();
        bytes[(addr & 7) as usize] = byte;
        *word = u64::from_le_bytes(bytes);
    }
}

impl SyscallHost for Host<'_> {
    fn write(&mut self, fd: OutputFd, ptr: u64, len: u64) -> Result<(), FaultKind> {
        Self::check(ptr, len, Access::Load)?;
        if fd == OutputFd::Public {
            let bytes: Vec<u8> = (ptr..ptr + len).map(|a| self.byte(a)).collect();
            self.public.extend(bytes);
        }
        Ok(())
    }

    fn read(&mut self, ptr: u64, len: u64) -> Result<u64, FaultKind> {
        Self::check(ptr, len, Access::Store)?;
        let n = self.input.len().min(len as usize);
        for (i, &b) in self.input[..n].iter().enumerate() {
            self.set_byte(ptr + i as u64, b);
        }
        Ok(n as u64)
    }
}

/// One `ecall` with its argument registers; `input`: what a `read` delivers.
#[derive(Clone, Debug)]
struct Ecall {
    a7: u64,
    a0: u64,
    a1: u64,
    a2: u64,
    input: Vec<u8>,
}

fn write(fd: u64, ptr: u64, len: u64) -> Ecall {
    Ecall { a7: SYS_WRITE, a0: fd, a1: ptr, a2: len, input: vec![] }
}

fn read(ptr: u64, len: u64, n: usize, seed: u64) -> Ecall {
    let input = (0..n as u64).map(|i| initial(seed.wrapping_mul(1000) + i) as u8).collect();
    Ecall { a7: SYS_READ, a0: 0, a1: ptr, a2: len, input }
}

fn exit(a0: u64) -> Ecall {
    Ecall { a7: SYS_EXIT, a0, a1: initial(1), a2: initial(2), input: vec![] }
}

/// One segment of ecalls: the syscall table's trace and the statement: main's register
/// set-up and `SYSCALL` messages, the public output and exit code as the reference
/// computed them, and the memory boundary.
struct Segment {
    trace: RowMajorMatrix<Val>,
    bytes: RowMajorMatrix<Val>,
    main: Vec<BusMessage<Val>>,
    claims: Vec<BusMessage<Val>>,
    boundary: Vec<BusMessage<Val>>,
}

/// A memory token `(cell, v0, v1, v2, v3, time)` (without the segment number).
fn token(cell: u64, value: u64, time: u64) -> Vec<u64> {
    [vec![cell], limbs(value).to_vec(), vec![time]].concat()
}

fn msg(bus: u32, values: &[u64], send: bool) -> BusMessage<Val> {
    if send {
        BusMessage::send(bus, vals(values))
    } else {
        BusMessage::receive(bus, vals(values))
    }
}

/// Runs `ecalls` (step `2k` sets their registers as main would, step `2k + 1` is the
/// `ecall`) on the syscall builder and on the reference, asserting they agree on every
/// effect and on the final registers and memory.
fn run(ecalls: &[Ecall]) -> Segment {
    let import = |c: u64| initial(c);
    let mut tracker = MemoryTracker::new(&import);
    let mut lookups = Lookups::default();
    let mut builder = SyscallBuilder::new();
    let (mut main, mut claims) = (Vec::new(), Vec::new());
    let mut regs: [u64; 32] = std::array::from_fn(|r| if r == 0 { 0 } else { initial(cell::register(r as u8)) });
    let mut words = HashMap::new();
    let mut output = Vec::new();
    for (k, e) in ecalls.iter().enumerate() {
        let clk = 2 * k as u64 + 1;
        for (r, v) in [(A7, e.a7), (A0, e.a0), (A1, e.a1), (A2, e.a2)] {
            // Main's write (its own range check is not in these tables' lookups).
            let (c, time) = (cell::register(r as u8), ts::at(clk - 1, ts::RD));
            let w = tracker.write(c, v, time, &mut Lookups::default());
            main.push(msg(MEMORY, &token(c, w.prev, w.prev_time), false));
            main.push(msg(MEMORY, &token(c, v, time), true));
            regs[r] = v;
        }
        let out = output.len() as u64;
        let pc = 0x1_0000 + 4 * clk;
        let effect = builder.push(clk, pc, out, &e.input, &mut tracker, &mut lookups).expect("within the bounds");

        let mut host = Host { words: &mut words, public: vec![], input: &e.input };
        let outcome = dispatch(&mut regs, &mut host).expect("the test's ecalls do not fault");
        let expected = SyscallEffect {
            next_output_count: out + host.public.len() as u64,
            halted: matches!(outcome, SyscallOutcome::Exit(_)),
            exit_code: match outcome {
                SyscallOutcome::Exit(code) => Some(code),
                SyscallOutcome::Continue => None,
            },
            public_output: host.public.clone(),
        };
        assert_eq!(effect, expected, "ecall {k}: {e:?}");
        let next_pc = if expected.halted { HALT_PC } else { pc + 4 };
        main.push(msg(SYSCALL, &[clk, out, expected.next_output_count, pc, next_pc], true));
        for (i, &b) in expected.public_output.iter().enumerate() {
            claims.push(msg(OUTPUT, &[out + i as u64, u64::from(b)], false));
        }
        if let Some(code) = expected.exit_code {
            claims.push(msg(EXIT, &[u64::from(code), out], false));
        }
        output.extend(expected.public_output);
    }
    let spans = tracker.spans();
    for s in &spans {
        let expected = match s.cell.checked_sub(cell::REGISTERS) {
            Some(r) => regs[r as usize],
            None => words.get(&s.cell).copied().unwrap_or_else(|| initial(s.cell)),
        };
        assert_eq!(s.last, expected, "final value of cell {:#x}", s.cell);
    }
    let boundary = memory_boundary(&spans);
    Segment { trace: builder.trace(), bytes: lookups.trace(), main, claims, boundary }
}

fn tables() -> Vec<Table> {
    vec![Table::Syscall(SyscallTable), Table::Bytes(BytesTable)]
}

fn prove(seg: Segment) {
    let statement = [seg.main, seg.claims, seg.boundary].concat();
    prove_and_verify_checked(&tables(), vec![seg.trace, seg.bytes], statement).expect("honest proof verifies");
}

/// Writes of every length of interest at every alignment, to fd 1 and fd 2; the last
/// one ends exactly at 2^32; an empty one points outside the address space (allowed).
#[test]
fn writes_at_every_alignment() {
    let mut ecalls = Vec::new();
    for (i, len) in [0u64, 1, 7, 8, 9, 100].into_iter().enumerate() {
        for align in 0..8 {
            let ptr = 0x1000_0000 + 0x1000 * i as u64 + 0x100 * align + align;
            ecalls.push(write(1, ptr, len));
            ecalls.push(write(2, ptr + 0x80, len));
        }
    }
    ecalls.push(write(1, (1 << 32) - 13, 13));
    ecalls.push(write(1, 0, 3));
    ecalls.push(write(1, 0xffff_ffff_0000_0000, 0));
    ecalls.push(write(2, u64::MAX, 0));
    ecalls.push(exit(0xdead_beef_0000_01ff));
    prove(run(&ecalls));
}

/// Reads delivering nothing, less than asked and everything, at every alignment, some
/// into buffers just written out; one ending exactly at 2^32.
#[test]
fn reads_at_every_alignment() {
    let mut ecalls = Vec::new();
    for (i, len) in [1u64, 7, 8, 9, 30].into_iter().enumerate() {
        for align in 0..8 {
            let ptr = 0x2000_0000 + 0x1000 * i as u64 + 0x100 * align + align;
            for (j, n) in [0, len as usize / 2, len as usize].into_iter().enumerate() {
                ecalls.push(read(ptr + 0x40 * j as u64, len, n, ecalls.len() as u64));
            }
            ecalls.push(write(1, ptr + 0x40, len));
        }
    }
    ecalls.push(read(0, 0, 0, 1));
    ecalls.push(read(0xffff_ffff_ffff_fff0, 0, 0, 2));
    ecalls.push(read((1 << 32) - 21, 21, 21, 3));
    ecalls.push(read(0x3000_0003, 0x1000, 5, 4));
    prove(run(&ecalls));
}

/// `exit` takes the low byte of `a0` whatever its high bits; output before it counts.
#[test]
fn exit_codes() {
    for a0 in [0, 1, 0xff, 0x100, 0x8000_0000_0000_0042, u64::MAX] {
        let seg = run(&[write(1, 0x4000_0005, 3), exit(a0)]);
        let exit_msg = seg.claims.iter().find(|m| m.bus == EXIT).expect("exit message");
        assert_eq!(exit_msg.values, vals(&[a0 & 0xff, 3]));
        if a0 == u64::MAX {
            prove(seg);
        }
    }
}

// ---------------------------------------------------------------------------------
// Tampering. The prover controls the syscall trace, the bytes table's multiplicities
// and the boundary table (what each touched cell holds at the segment's end); the
// statement fixes the initial memory, main's messages, and (unless a test makes the
// prover claim what its trace outputs) the public output and exit code.

/// Outcome of a tampered witness: do the constraints hold, does the bus balance, does
/// the proof verify.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    constraints: bool,
    balanced: bool,
    verifies: bool,
}

/// The rows of a trace by name.
fn rows(trace: &RowMajorMatrix<Val>) -> Vec<SyscallCols<Val>> {
    trace.rows().map(|r| SyscallCols::from_row(&r.collect::<Vec<_>>())).collect()
}

fn matrix(rows: Vec<SyscallCols<Val>>) -> RowMajorMatrix<Val> {
    let width = SyscallCols::<Val>::default().to_row().len();
    RowMajorMatrix::new(rows.into_iter().flat_map(SyscallCols::to_row).collect(), width)
}

fn is(x: Val) -> bool {
    x == Val::ONE
}

/// The value of eight little-endian byte columns.
fn value(bytes: &[Val; 8]) -> u64 {
    bytes.iter().rev().fold(0, |acc, b| acc * 256 + b.as_canonical_u64())
}

/// The `a1` row's `new` value for a buffer `ptr`, `len` (as the builder makes it): the
/// end slack `S = 2^32 − ptr_lo − len` in bytes 0..5, `⌊ptr_0 / 8⌋`, the carry of the
/// low limbs of `ptr_lo + len + S`.
fn a1_new(ptr: u64, len: u64) -> u64 {
    let end_slack = (1 << 32) - (ptr & 0xffff_ffff) - len;
    let carry = ((ptr & 0xffff) + (len & 0xffff) + (end_slack & 0xffff)) >> 16;
    end_slack | ((ptr & 0xff) >> 3) << 40 | carry << 48
}

fn set_bytes(bytes: &mut [Val], value: u64) {
    for (b, v) in bytes.iter_mut().zip(value.to_le_bytes()) {
        *b = Val::from_u8(v);
    }
}

/// Proves `rows` against main's messages `main` with everything the prover controls
/// made as consistent as it can be: the bytes table's counts are the trace's in-range
/// lookups; the boundary table imports each touched cell's initial value and exports
/// its latest token; the claimed public output and exit code are `claims`, or with
/// `claims = None` whatever the trace sends.
fn tampered(rows: Vec<SyscallCols<Val>>, main: &[BusMessage<Val>], claims: Option<&[BusMessage<Val>]>) -> Verdict {
    let trace = matrix(rows);
    let net = imbalance(&[Table::Syscall(SyscallTable)], std::slice::from_ref(&trace), main);
    let mut lookups = Lookups::default();
    let mut latest: BTreeMap<u64, Option<Vec<u64>>> = BTreeMap::new();
    let mut statement = [main, claims.unwrap_or_default()].concat();
    for u in &net {
        let count = u.count.unsigned_abs();
        match (u.bus, &u.values[..]) {
            (RANGE16, &[v]) if u.count > 0 && v < 1 << 16 => (0..count).for_each(|_| lookups.range16(v)),
            (BYTE_PAIR, &[a, b]) if u.count > 0 && a < 256 && b < 256 => {
                (0..count).for_each(|_| lookups.byte_pair(a, b))
            }
            (MEMORY, &[c, .., t]) => {
                let last = latest.entry(c).or_default();
                if u.count > 0 && last.as_ref().is_none_or(|l| l[5] < t) {
                    *last = Some(u.values.clone());
                }
            }
            (OUTPUT | EXIT, _) if claims.is_none() && u.count > 0 => {
                statement.push(BusMessage { bus: u.bus, values: vals(&u.values), multiplicity: -Val::from_u64(count) })
            }
            _ => {}
        }
    }
    for (c, last) in latest {
        statement.push(msg(MEMORY, &token(c, initial(c), 0), true));
        statement.extend(last.map(|l| msg(MEMORY, &l, false)));
    }
    let traces = vec![trace, lookups.trace()];
    let tables = tables();
    let pk = setup(&config(), &tables).expect("setup");
    let witness = SegmentWitness { traces: traces.clone(), public_values: public_values() };
    Verdict {
        constraints: check_witness(&config(), &pk, &tables, 0, &witness).is_ok(),
        balanced: imbalance(&tables, &traces, &statement).is_empty(),
        verifies: prove_and_verify(&tables, traces, statement).is_ok(),
    }
}

const CAUGHT_BY_CONSTRAINTS: Verdict = Verdict { constraints: false, balanced: true, verifies: false };
const CAUGHT_BY_BUS: Verdict = Verdict { constraints: true, balanced: false, verifies: false };

/// A write of 14 bytes to fd 1 over three words (5 + 8 + 1 bytes), a write to fd 2, a
/// read of 10 bytes into a 12-byte buffer over two words (3 + 7), an exit.
fn small() -> Segment {
    run(&[write(1, 0x5000_0003, 14), write(2, 0x5000_0100, 5), read(0x6000_0005, 12, 10, 7), exit(0x1ff)])
}

/// Index of the `nth` row satisfying `pred`.
fn find(rows: &[SyscallCols<Val>], nth: usize, pred: impl Fn(&SyscallCols<Val>) -> bool) -> usize {
    rows.iter().enumerate().filter(|(_, r)| pred(r)).nth(nth).expect("row").0
}

fn public_word(r: &SyscallCols<Val>) -> bool {
    is(r.public) && (is(r.first_word) || is(r.word))
}

fn read_word(r: &SyscallCols<Val>) -> bool {
    is(r.read) && (is(r.first_word) || is(r.word))
}

/// The time of a word access of `row`'s syscall.
fn buffer_time(row: &SyscallCols<Val>) -> u64 {
    ts::at(row.clk.as_canonical_u64(), ts::BUFFER)
}

#[test]
fn tamper_harness_accepts_the_honest_witness() {
    let seg = small();
    let verdict = tampered(rows(&seg.trace), &seg.main, Some(&seg.claims));
    assert_eq!(verdict, Verdict { constraints: true, balanced: true, verifies: true });
    let verdict = tampered(rows(&seg.trace), &seg.main, None);
    assert_eq!(verdict, Verdict { constraints: true, balanced: true, verifies: true });
}

/// Main's `ecall` row claims a next pc the syscall table does not fix: an `exit` that
/// continues (`pc + 4`), a write that halts. The prover adjusts its trace to match main.
#[test]
fn wrong_next_pc_after_an_ecall() {
    let seg = small();
    let continues: fn(Val) -> Val = |pc| pc + Val::from_u64(4);
    let halts: fn(Val) -> Val = |_| Val::from_u64(HALT_PC);
    for (nth, wrong) in [(3, continues), (0, halts)] {
        let mut main = seg.main.clone();
        let mut rows = rows(&seg.trace);
        let call = main.iter_mut().filter(|m| m.bus == SYSCALL).nth(nth).expect("ecall");
        call.values[4] = wrong(call.values[3]);
        let a0 = find(&rows, nth, |r| is(r.a0));
        rows[a0].next_pc = call.values[4];
        assert_eq!(tampered(rows, &main, Some(&seg.claims)), CAUGHT_BY_CONSTRAINTS, "ecall {nth}");
    }
}

#[test]
fn claimed_output_byte_changed() {
    let seg = small();
    let mut claims = seg.claims.clone();
    let byte = claims.iter_mut().find(|m| m.bus == OUTPUT).expect("output");
    byte.values[1] += Val::ONE;
    assert_eq!(tampered(rows(&seg.trace), &seg.main, Some(&claims)), CAUGHT_BY_BUS);
}

#[test]
fn output_byte_not_the_memory_byte() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 1, public_word);
    rows[w].old[0] = Val::from_u64(rows[w].old[0].as_canonical_u64() ^ 1);
    rows[w].new[0] = rows[w].old[0];
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_BUS);
}

#[test]
fn output_byte_dropped() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 1, public_word);
    rows[w].flag[7] = Val::ZERO;
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_CONSTRAINTS);
}

#[test]
fn output_byte_added() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 2, public_word);
    rows[w].flag[1] = Val::ONE;
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_CONSTRAINTS);
}

/// The first word's run starts one byte early (outputting the byte before the buffer)
/// and the last word, whose byte that replaces, is dropped: counts and runs still add up,
/// only the start offset is wrong.
#[test]
fn output_starts_before_the_buffer() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let first = find(&rows, 0, public_word);
    rows[first].flag[2] = Val::ONE;
    rows[first + 1].rem -= Val::ONE;
    rows.remove(first + 2);
    rows.push(SyscallCols::default());
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_CONSTRAINTS);
}

/// The last word of the write is replaced by the word after it (a skipped word).
#[test]
fn output_word_skipped() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 2, public_word);
    let cell = rows[w].cell.as_canonical_u64() + 1;
    let gap = buffer_time(&rows[w]) - 1;
    rows[w].cell = Val::from_u64(cell);
    rows[w].prev_time = Val::ZERO;
    rows[w].gap = [gap & 0x3fff, gap >> 14].map(Val::from_u64);
    set_bytes(&mut rows[w].old, initial(cell));
    set_bytes(&mut rows[w].new, initial(cell));
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_CONSTRAINTS);
}

/// The last word of the write is the previous word again, at the same time: no time gap
/// can be range-checked.
#[test]
fn output_word_repeated() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 2, public_word);
    rows[w].cell -= Val::ONE;
    rows[w].prev_time = Val::from_u64(buffer_time(&rows[w]));
    rows[w].gap = [Val::NEG_ONE, Val::ZERO];
    rows[w].old = rows[w - 1].new;
    rows[w].new = rows[w - 1].new;
    let verdict = tampered(rows, &seg.main, None);
    assert!(!verdict.constraints && !verdict.balanced && !verdict.verifies, "{verdict:?}");
}

#[test]
fn non_boolean_flag() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 0, public_word);
    // Flags 0,0,0,1,1,1,1,1 become 0,0,0,2,0,1,1,1: the same count.
    rows[w].flag[3] = Val::TWO;
    rows[w].flag[4] = Val::ZERO;
    let verdict = tampered(rows, &seg.main, None);
    assert!(!verdict.constraints && !verdict.verifies, "{verdict:?}");
}

#[test]
fn claimed_exit_code_changed() {
    let seg = small();
    let mut claims = seg.claims.clone();
    let exit = claims.iter_mut().find(|m| m.bus == EXIT).expect("exit");
    exit.values[0] = Val::from_u64(0xfe);
    assert_eq!(tampered(rows(&seg.trace), &seg.main, Some(&claims)), CAUGHT_BY_BUS);
}

/// `a0 = 0x1ff` split as `0x0f + 256 · (0x1f0 / 256)`: the same limb in the field, but
/// the second "byte" is not one.
#[test]
fn exit_code_from_a_non_byte_split() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let a0 = find(&rows, 0, |r| is(r.a0) && r.public + r.debug + r.read == Val::ZERO);
    rows[a0].old[0] = Val::from_u64(0x0f);
    rows[a0].old[1] = Val::from_u64(0x1f0) * Val::from_u64(256).inverse();
    rows[a0].new = rows[a0].old;
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_BUS);
}

#[test]
fn read_changes_a_byte_outside_its_buffer() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let w = find(&rows, 0, read_word);
    assert_eq!(rows[w].flag[0], Val::ZERO);
    rows[w].new[0] = Val::from_u64(rows[w].new[0].as_canonical_u64() ^ 0x80);
    assert_eq!(tampered(rows, &seg.main, None), CAUGHT_BY_CONSTRAINTS);
}

/// `a2 = 9` but the read delivers 10 bytes: `len − n = −1` satisfies the field equation
/// but is not a byte string.
#[test]
fn read_more_than_len() {
    let seg = small();
    let mut main = seg.main.clone();
    let a2 = Val::from_u64(cell::register(A2 as u8));
    let mut set_up = main.iter_mut().filter(|m| m.bus == MEMORY && m.values[0] == a2 && m.multiplicity == Val::ONE);
    let read_set_up = set_up.nth(2).expect("a2 set-up of the read");
    read_set_up.values[1] = Val::from_u64(9);
    let mut rows = rows(&seg.trace);
    let a2_row = find(&rows, 0, |r| is(r.a2) && is(r.read));
    for r in rows.iter_mut().filter(|r| is(r.read)) {
        r.len = vals(&[9, 0]).try_into().expect("two limbs");
    }
    set_bytes(&mut rows[a2_row].old, 9);
    // The slack's low limb −1 (bytes −1, 0) with carry 0: n_0 + s_0 = 10 − 1 = len_0.
    set_bytes(&mut rows[a2_row].new, 0);
    rows[a2_row].new[0] = Val::NEG_ONE;
    let a1_row = a2_row + 1;
    let ptr = value(&rows[a1_row].old);
    set_bytes(&mut rows[a1_row].new, a1_new(ptr, 9));
    assert_eq!(tampered(rows, &main, Some(&seg.claims)), CAUGHT_BY_BUS);
}

/// `a0 = 3` but the table claims a write to fd 1.
#[test]
fn forged_fd() {
    let seg = small();
    let mut main = seg.main.clone();
    let a0 = Val::from_u64(cell::register(A0 as u8));
    let set_up = main.iter_mut().find(|m| m.bus == MEMORY && m.values[0] == a0 && m.multiplicity == Val::ONE);
    set_up.expect("a0 set-up").values[1] = Val::from_u64(3);
    let mut rows = rows(&seg.trace);
    let a0_row = find(&rows, 0, |r| is(r.a0));
    rows[a0_row].old[0] = Val::from_u64(3);
    assert_eq!(tampered(rows, &main, Some(&seg.claims)), CAUGHT_BY_CONSTRAINTS);
}

/// `write` to fd 2 returns `len + 1` in `a0`.
#[test]
fn wrong_write_result() {
    let seg = small();
    let mut rows = rows(&seg.trace);
    let a0_row = find(&rows, 0, |r| is(r.a0) && is(r.debug));
    rows[a0_row].new[0] += Val::ONE;
    // Main's next write of a0 takes the token with whatever value it holds.
    let mut main = seg.main.clone();
    let a0 = Val::from_u64(cell::register(A0 as u8));
    let mut next = main.iter_mut().filter(|m| m.bus == MEMORY && m.values[0] == a0 && m.multiplicity == Val::NEG_ONE);
    next.nth(2).expect("a0 set-up of the read").values[1] = Val::from_u64(6);
    assert_eq!(tampered(rows, &main, Some(&seg.claims)), CAUGHT_BY_CONSTRAINTS);
}

/// The field's modulus (KoalaBear), for the forgeries that alias values modulo it.
const P31: u64 = 0x7f00_0001;

/// `a7 = 93 + p` claimed as `exit` (and `a0 = 1 + p` claimed as fd 1): as 4-byte limbs
/// these are `93` and `1` modulo a 31-bit `p`; as 16-bit limbs (`0x5e, 0x7f00, 0, 0`)
/// they are not, and the number/fd checks see limb 1.
#[test]
fn syscall_number_or_fd_off_by_p() {
    let seg = small();
    let register = |r: usize| Val::from_u64(cell::register(r as u8));
    for (reg, nth, forged) in [(A7, 3, SYS_EXIT + P31), (A0, 0, 1 + P31)] {
        let mut main = seg.main.clone();
        let set_up =
            main.iter_mut().filter(|m| m.bus == MEMORY && m.values[0] == register(reg) && m.multiplicity == Val::ONE);
        let set_up = set_up.into_iter().nth(nth).expect("set-up");
        set_up.values[1..5].copy_from_slice(&vals(&limbs(forged)));
        // Nothing reads the forged a7 after the exit (the harness's boundary takes its
        // last token), and the write overwrites a0.
        let mut rows = rows(&seg.trace);
        let row = match reg {
            A7 => find(&rows, nth, |r| is(r.a7)),
            _ => find(&rows, nth, |r| is(r.a0)),
        };
        set_bytes(&mut rows[row].old, forged);
        assert_eq!(tampered(rows, &main, Some(&seg.claims)), CAUGHT_BY_CONSTRAINTS, "register {reg}");
    }
}

/// The witness refuses, with an error, to move 2^30 bytes or more in one syscall, and to
/// bring the public output count to 2^30 (`PORT31.md` §2.3).
#[test]
fn an_output_count_of_2_30_is_not_produced() {
    let ecall = |out: u64, len: u64| {
        let import = |c: u64| match c.checked_sub(cell::REGISTERS).map(|r| r as usize) {
            Some(A7) => SYS_WRITE,
            Some(A0) => 1,
            Some(A1) => 0x1000,
            Some(A2) => len,
            _ => initial(c),
        };
        let mut tracker = MemoryTracker::new(&import);
        let effect = SyscallBuilder::new().push(1, 0x1_0000, out, &[], &mut tracker, &mut Lookups::default());
        effect.map(|effect| effect.next_output_count)
    };
    assert_eq!(ecall(MAX_COUNT - 6, 5), Ok(MAX_COUNT - 1));
    let refused = ecall(MAX_COUNT - 5, 5).expect_err("output count 2^30");
    assert_eq!(refused, ProofLimit::Output(MAX_COUNT));
    assert!(refused.to_string().contains("public output would reach 0x40000000 bytes"), "{refused}");
    let refused = ecall(0, MAX_COUNT).expect_err("a write of 2^30 bytes");
    assert_eq!(refused, ProofLimit::Moved(MAX_COUNT));
    assert!(refused.to_string().contains("moves 0x40000000 bytes"), "{refused}");
}

/// A write to fd 1 claiming a count of `2^30 + 14` bytes (limb 1 of the count `2^14`):
/// the table looks up `4·2^14 = 2^16` on RANGE16, which the bytes table cannot serve.
/// (Over a 31-bit field a count of `p + 14` would have the residue 14 and satisfy the
/// `rem` chain with 14 bytes; only this lookup stops it. Over Goldilocks the chain
/// breaks too.)
#[test]
fn a_moved_count_of_2_30_or_more_is_rejected() {
    let seg = small();
    let (len, forged) = (14, 14 + MAX_COUNT);
    let mut rows = rows(&seg.trace);
    let a0 = find(&rows, 0, |r| is(r.a0) && is(r.public));
    let ptr = value(&rows[a0 + 2].old);
    for r in &mut rows[a0 - 1..a0 + 3] {
        r.len = vals(&limbs(forged)[..2]).try_into().expect("two limbs");
        r.rem += Val::from_u64(forged - len);
    }
    set_bytes(&mut rows[a0].new, forged);
    set_bytes(&mut rows[a0 + 1].old, forged);
    set_bytes(&mut rows[a0 + 2].new, a1_new(ptr, forged));
    let mut main = seg.main.clone();
    let a2 = Val::from_u64(cell::register(A2 as u8));
    // Main sets a2 to the forged count, and its next set-up of a2 and of a0 (which the
    // write set to the count) take the tokens with it.
    let a0_reg = Val::from_u64(cell::register(A0 as u8));
    let tokens =
        |m: &BusMessage<Val>, reg: Val, m_sign: Val| m.bus == MEMORY && m.values[0] == reg && m.multiplicity == m_sign;
    for (reg, sign, nth) in [(a2, Val::ONE, 0), (a2, Val::NEG_ONE, 1), (a0_reg, Val::NEG_ONE, 1)] {
        let m = main.iter_mut().filter(|m| tokens(m, reg, sign)).nth(nth).expect("set-up");
        m.values[1..5].copy_from_slice(&vals(&limbs(forged)));
    }
    let call = main.iter_mut().find(|m| m.bus == SYSCALL).expect("ecall");
    call.values[2] += Val::from_u64(forged - len);
    let trace = matrix(rows.clone());
    let unserved = imbalance(&tables()[..1], std::slice::from_ref(&trace), &main);
    assert!(
        unserved.iter().any(|u| u.bus == RANGE16 && u.values == [1 << 16] && u.count > 0),
        "no lookup of 2^16: {unserved:?}"
    );
    let verdict = tampered(rows, &main, None);
    assert!(!verdict.balanced && !verdict.verifies, "{verdict:?}");
}

/// A write to fd 2 (no word rows) of 5 bytes whose buffer leaves the address space: it
/// ends past `2^32` (the end slack would be −2: its high limb is not two bytes), or lies
/// above `2^32` (`ptr_hi ≠ 0` with `len ≠ 0`). The VM faults on both.
#[test]
fn debug_write_outside_the_address_space() {
    let seg = small();
    let a1 = Val::from_u64(cell::register(A1 as u8));
    // S_0 = 0xfffe and carry 2 balance the low limbs (0xfffd + 5 + 0xfffe = 2·2^16); the
    // high limbs need S_1 = −1.
    let mut past_end = [Val::ZERO; 8];
    set_bytes(&mut past_end, 0xfffe | 31 << 40 | 2 << 48);
    past_end[2] = Val::NEG_ONE;
    let mut above = [Val::ZERO; 8];
    set_bytes(&mut above, a1_new(0x1_0000_0100, 5));
    let cases = [(0xffff_fffd, past_end, CAUGHT_BY_BUS), (0x1_0000_0100, above, CAUGHT_BY_CONSTRAINTS)];
    for (ptr, new, expected) in cases {
        let mut main = seg.main.clone();
        let tokens = |m: &BusMessage<Val>, sign: Val| m.bus == MEMORY && m.values[0] == a1 && m.multiplicity == sign;
        for (sign, nth) in [(Val::ONE, 1), (Val::NEG_ONE, 2)] {
            let m = main.iter_mut().filter(|m| tokens(m, sign)).nth(nth).expect("a1 set-up");
            m.values[1..5].copy_from_slice(&vals(&limbs(ptr)));
        }
        let mut rows = rows(&seg.trace);
        let a1_row = find(&rows, 0, |r| is(r.a1) && is(r.debug));
        for r in &mut rows[a1_row - 3..=a1_row] {
            r.offset = Val::from_u64(ptr & 7);
        }
        set_bytes(&mut rows[a1_row].old, ptr);
        rows[a1_row].new = new;
        assert_eq!(tampered(rows, &main, Some(&seg.claims)), expected, "ptr {ptr:#x}");
    }
}
