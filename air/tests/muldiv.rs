//! The mul/div tables: `AluOp::eval` against the interpreter for the M extension; every
//! op with random and corner-case operands proved and verified; forged rows (a wrong
//! result, `r ≥ |b|`, a remainder of the wrong sign, a misread sign, a quotient other
//! than all ones for `b = 0`, non-canonical limbs and bytes, a carry past its byte pair,
//! non-boolean flags) rejected.

mod common;

use common::{prove_and_verify, prove_and_verify_checked, vals};
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ziskjit_air::bus::{from_limbs, AluEvent, AluOp, ALU, BYTE_PAIR, RANGE16};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::muldiv::{MulDivTable, Reading};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{check_witness, setup, BusId, BusMessage, SegmentWitness};
use ziskjit_runtime::{step, Bus, Cpu, FaultKind, SyscallOutcome};

use AluOp::*;

/// The M-extension ops.
const OPS: [AluOp; 13] = [Mul, Mulh, Mulhsu, Mulhu, Mulw, Div, Divu, Rem, Remu, Divw, Divuw, Remw, Remuw];

const MIN: u64 = 1 << 63;

/// Operands that hit the corner cases: zero, ±1, ±2, MIN, MAX, around 2^32 and 2^31,
/// 32-bit corner cases under garbage high halves (for the W forms).
const CORNERS: [u64; 20] = [
    0,
    1,
    2,
    3,
    7,
    u64::MAX,      // -1
    u64::MAX - 1,  // -2
    u64::MAX - 6,  // -7
    MIN,           // i64::MIN
    MIN - 1,       // i64::MAX
    0xffff_ffff,   // 2^32 - 1
    1 << 32,       // 2^32
    (1 << 32) + 1, // 2^32 + 1
    0x8000_0000,   // i32::MIN as a low half
    0x7fff_ffff,   // i32::MAX
    0xffff_ffff_8000_0000,
    0xdead_beef_ffff_ffff, // -1 in the low half
    0x1234_5678_8000_0000, // i32::MIN in the low half
    0xfeed_f00d_0000_0000, // 0 in the low half
    0x0000_0001_0000_0007,
];

fn tables() -> Vec<Table> {
    vec![Table::MulDiv(MulDivTable::Mul), Table::MulDiv(MulDivTable::Div), Table::Bytes(BytesTable)]
}

/// A random operand: uniform, small (of either sign), a sign-extended 32-bit value, or a
/// random low half under a random high half.
fn random_value(rng: &mut ChaCha8Rng) -> u64 {
    match rng.gen_range(0..5) {
        0 => rng.gen(),
        1 => rng.gen_range(-20i64..20) as u64,
        2 => rng.gen::<i32>() as i64 as u64,
        3 => (rng.gen::<u64>() << 32) | u64::from(rng.gen_range(0..8u32).wrapping_sub(4)),
        _ => 1u64.wrapping_shl(rng.gen_range(0..64)).wrapping_add(rng.gen_range(0..3)).wrapping_sub(1),
    }
}

/// Every op on every pair of corner values, and random pairs.
fn events() -> Vec<AluEvent> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut events = Vec::new();
    for op in OPS {
        for &a in &CORNERS {
            for &b in &CORNERS {
                events.push(AluEvent::new(op, a, b));
            }
        }
        for _ in 0..100 {
            events.push(AluEvent::new(op, random_value(&mut rng), random_value(&mut rng)));
        }
    }
    events
}

/// Memory and syscalls for an M instruction: never used.
struct NoBus;

impl Bus for NoBus {
    fn load(&mut self, _: u64, _: u8) -> Result<u64, FaultKind> {
        unreachable!("M instructions do not load")
    }
    fn store(&mut self, _: u64, _: u8, _: u64) -> Result<(), FaultKind> {
        unreachable!("M instructions do not store")
    }
    fn ecall(&mut self, _: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        unreachable!("M instructions do not call")
    }
}

/// `op x3, x1, x2` with `x1 = a`, `x2 = b`, encoded, decoded and executed by the
/// interpreter: its `x3`.
fn interpreter(op: AluOp, a: u64, b: u64) -> u64 {
    let position = OPS.iter().position(|&o| o == op).unwrap() as u32;
    // OP (0x33) for the 64-bit forms, funct3 = position; OP-32 (0x3b) for the W forms.
    let (opcode, funct3) = match position {
        0..=3 => (0x33, position),
        4 => (0x3b, 0),
        5..=8 => (0x33, position - 1),
        _ => (0x3b, position - 5),
    };
    let raw = (1 << 25) | (2 << 20) | (1 << 15) | (funct3 << 12) | (3 << 7) | opcode;
    let inst = ziskjit_transpiler::decode::decode32(raw);
    assert_eq!(format!("{:?}", inst.op), format!("{op:?}"), "encoding {raw:#010x}");
    let mut cpu = Cpu::new(0x1000);
    cpu.regs[1] = a;
    cpu.regs[2] = b;
    step(&mut cpu, &inst, &mut NoBus).unwrap();
    cpu.regs[3]
}

#[test]
fn eval_is_the_interpreter() {
    for event in events() {
        let AluEvent { op, a, b, c } = event;
        assert_eq!(c, interpreter(op, a, b), "{op:?}({a:#x}, {b:#x})");
    }
}

#[test]
fn every_op_proves_and_verifies() {
    let events = events();
    let mut lookups = Lookups::default();
    let mut traces = MulDivTable::traces(&events, &mut lookups);
    traces.push(lookups.trace());
    // The statement plays the main table: it sends every event.
    let boundary = events.iter().map(|e| BusMessage::send(ALU, vals(&e.tuple()))).collect();
    prove_and_verify_checked(&tables(), traces, boundary).unwrap();
}

#[test]
fn an_event_with_a_wrong_result_is_not_received() {
    let events = vec![AluEvent::new(Mulhu, u64::MAX, 3), AluEvent::new(Remw, 17, 5)];
    for wrong in 0..events.len() {
        let mut lookups = Lookups::default();
        let mut traces = MulDivTable::traces(&events, &mut lookups);
        traces.push(lookups.trace());
        let mut sent = events.clone();
        sent[wrong].c ^= 1 << 40;
        let boundary = sent.iter().map(|e| BusMessage::send(ALU, vals(&e.tuple()))).collect();
        assert!(prove_and_verify(&tables(), traces, boundary).is_err(), "{:?}", sent[wrong]);
    }
}

#[test]
fn empty_tables_are_padding() {
    let mut lookups = Lookups::default();
    let mut traces = MulDivTable::traces(&[AluEvent::new(Add, 1, 2)], &mut lookups);
    assert_eq!(traces.iter().map(|t| t.height()).collect::<Vec<_>>(), [2, 2]);
    traces.push(lookups.trace());
    prove_and_verify_checked(&tables(), traces, vec![]).unwrap();
}

// ---------------------------------------------------------------------------------
// Forged rows. Each test builds rows, possibly forged, and proves them with a bytes
// table holding every in-range lookup the rows make and a statement sending whatever
// tuple the rows receive: the only things left to fail are the tables' constraints and
// out-of-range lookups.

/// One row of the table of `op`: honest, or forged through its reading and cells.
struct Row {
    op: AluOp,
    a: u64,
    b: u64,
    reading: Reading,
    /// `(column group, index in the group, new value)`.
    cells: Vec<(&'static str, usize, Val)>,
}

impl Row {
    fn honest(op: AluOp, a: u64, b: u64) -> Self {
        Row { op, a, b, reading: MulDivTable::reading(op, a, b), cells: vec![] }
    }

    fn reading(op: AluOp, a: u64, b: u64, reading: Reading) -> Self {
        Row { op, a, b, reading, cells: vec![] }
    }

    fn set(mut self, group: &'static str, index: usize, value: i64) -> Self {
        self.cells.push((group, index, Val::from_i64(value)));
        self
    }

    fn table(&self) -> MulDivTable {
        MulDivTable::of(self.op).unwrap()
    }

    fn values(&self) -> Vec<Val> {
        let table = self.table();
        let mut row = table.row(self.op, self.a, self.b, self.reading);
        for &(group, index, value) in &self.cells {
            let columns = table.columns(group).unwrap_or_else(|| panic!("no column group {group}"));
            assert!(index < columns.len());
            row[columns.start + index] = value;
        }
        row
    }

    /// The value of a cell of the honest or forged row.
    fn cell(&self, group: &str, index: usize) -> u64 {
        self.values()[self.table().columns(group).unwrap().start + index].as_canonical_u64()
    }
}

/// What a set of rows does: the tuples it receives on the ALU bus, whether its
/// constraints hold, the lookups no bytes-table row can take, and whether it proves.
struct Outcome {
    received: Vec<[u64; 13]>,
    constraints: Result<(), String>,
    out_of_range: Vec<(BusId, Vec<u64>)>,
    proof: Result<(), String>,
}

fn prove_rows(rows: &[Row]) -> Outcome {
    let md = [MulDivTable::Mul, MulDivTable::Div];
    let mut traces: Vec<RowMajorMatrix<Val>> = md
        .iter()
        .map(|&table| {
            let width = p3_air::BaseAir::<Val>::width(&table);
            let mut values: Vec<Val> = rows.iter().filter(|r| r.table() == table).flat_map(Row::values).collect();
            let height = (values.len() / width).next_power_of_two().max(2);
            values.resize(height * width, Val::ZERO);
            RowMajorMatrix::new(values, width)
        })
        .collect();
    let muldiv: Vec<Table> = md.into_iter().map(Table::MulDiv).collect();
    let mut lookups = Lookups::default();
    let (mut received, mut boundary, mut out_of_range) = (Vec::new(), Vec::new(), Vec::new());
    for u in common::imbalance(&muldiv, &traces, &[]) {
        let v = &u.values;
        match u.bus {
            RANGE16 if v[0] < 1 << 16 => (0..u.count).for_each(|_| lookups.range16(v[0])),
            BYTE_PAIR if v[0] < 256 && v[1] < 256 => (0..u.count).for_each(|_| lookups.byte_pair(v[0], v[1])),
            ALU => {
                received.push(v.clone().try_into().unwrap());
                (0..-u.count).for_each(|_| boundary.push(BusMessage::send(ALU, vals(v))));
            }
            bus => out_of_range.push((bus, v.clone())),
        }
    }
    traces.push(lookups.trace());
    let tables = tables();
    let config = common::config();
    let pk = setup(&config, &tables).unwrap();
    let witness = SegmentWitness { traces: traces.clone(), public_values: common::segment_values(&pk) };
    let constraints = check_witness(&config, &pk, &tables, 0, &witness).map_err(|e| e.to_string());
    let proof = prove_and_verify(&tables, traces, boundary);
    Outcome { received, constraints, out_of_range, proof }
}

/// The tuple of `op(a, b) = c`, without the segment number.
fn tuple(op: AluOp, a: u64, b: u64, c: u64) -> [u64; 13] {
    AluEvent { op, a, b, c }.tuple()
}

/// What rejects a forgery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// A constraint of the mul/div tables.
    Constraint,
    /// Every constraint holds; a lookup is out of range.
    Range,
}

/// `row`, among honest rows, does not prove, rejected by `why`; if `forged` is given,
/// the row receives it, a tuple with a wrong result (so the row is an attack).
fn rejects(row: Row, forged: Option<[u64; 13]>, why: Why) {
    let what = format!("{:?}({:#x}, {:#x})", row.op, row.a, row.b);
    let mut rows = honest();
    rows.push(row);
    let outcome = prove_rows(&rows);
    if let Some(forged) = forged {
        let received = &outcome.received;
        assert!(received.contains(&forged), "{what}: receives {received:?}, not {forged:?}");
        let limbs = |at: usize| from_limbs(forged[at..at + 4].try_into().unwrap());
        let right = AluEvent::new(AluOp::ALL[forged[0] as usize - 1], limbs(1), limbs(5));
        assert_ne!(right.tuple(), forged, "{what}: not a forgery");
    }
    match why {
        Why::Constraint => assert!(outcome.constraints.is_err(), "{what}: every constraint holds"),
        Why::Range => {
            assert_eq!(outcome.constraints, Ok(()), "{what}");
            assert!(!outcome.out_of_range.is_empty(), "{what}: every lookup is in range");
        }
    }
    assert!(outcome.proof.is_err(), "{what}: a forged row was proved");
}

/// Honest companions for the forged rows, so both tables have real rows.
fn honest() -> Vec<Row> {
    vec![Row::honest(Mulh, MIN, 3), Row::honest(Rem, u64::MAX - 6, 2)]
}

#[test]
fn honest_rows_prove_through_the_forgery_harness() {
    let rows: Vec<Row> = [(Mul, 5, 7), (Mulw, u64::MAX, 3), (Divu, 100, 7), (Divw, 0x8000_0000, u64::MAX)]
        .into_iter()
        .map(|(op, a, b)| Row::honest(op, a, b))
        .chain(honest())
        .collect();
    let outcome = prove_rows(&rows);
    assert_eq!((outcome.constraints, outcome.out_of_range), (Ok(()), vec![]));
    outcome.proof.unwrap();
    assert!(outcome.received.contains(&AluEvent::new(Divw, 0x8000_0000, u64::MAX).tuple()));
}

/// Adds `delta` to one 16-bit limb of the result (`group[index]`) of an honest row.
fn wrong_limb(op: AluOp, a: u64, b: u64, group: &'static str, index: usize, delta: i64, c: u64) {
    let row = Row::honest(op, a, b);
    let value = row.cell(group, index) as i64 + delta;
    rejects(row.set(group, index, value), Some(tuple(op, a, b, c)), Why::Constraint);
}

#[test]
fn a_wrong_result_limb_fails() {
    let (a, b): (u64, u64) = (0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321);
    let mul = a.wrapping_mul(b);
    wrong_limb(Mul, a, b, "p", 1, 1, mul.wrapping_add(1 << 16)); // c1
    wrong_limb(Mul, a, b, "p", 2, -1, mul.wrapping_sub(1 << 32)); // c2
    let mulh = Mulh.eval(a, b);
    wrong_limb(Mulh, a, b, "p", 4, 1, mulh.wrapping_add(1)); // c0
    wrong_limb(Mulh, a, b, "p", 7, 1, mulh.wrapping_add(1 << 48)); // c3
    let (q, r) = (a / b, a % b);
    wrong_limb(Divu, a, b, "x", 0, 1, q + 1); // byte 0 of c0
    wrong_limb(Divu, a, b, "x", 5, 1, q + (1 << 40)); // byte 5 (c2)
    wrong_limb(Remu, a, b, "z", 3, 1, r + (1 << 48)); // c3
}

#[test]
fn a_wrong_w_sign_extension_fails() {
    // Mulw: the product's bit 31 is set; claim it is not (c_hi = 0).
    let (a, b) = (0x4000_0000, 3);
    let c = Mulw.eval(a, b) & 0xffff_ffff;
    rejects(Row::honest(Mulw, a, b).set("s_p", 0, 0), Some(tuple(Mulw, a, b, c)), Why::Range);
    // Divw MIN / -1 = MIN, sign-extended; claim the 32-bit value zero-extended.
    let (a, b) = (0x8000_0000, u64::MAX);
    rejects(Row::honest(Divw, a, b).set("s_c", 0, 0), Some(tuple(Divw, a, b, 0x8000_0000)), Why::Range);
    // Remuw 0xffff_fffe % 0xffff_ffff: the sign of an unsigned result is its bit 31 too.
    let (a, b) = (0xffff_fffe, 0xffff_ffff);
    rejects(Row::honest(Remuw, a, b).set("s_c", 0, 0), Some(tuple(Remuw, a, b, 0xffff_fffe)), Why::Range);
}

#[test]
fn a_misread_operand_sign_fails() {
    // -100 and 7.
    let (neg, pos) = (u64::MAX - 99, 7u64);
    // Mulh reading a negative `a` as unsigned (s_x = 0): the unsigned-by-signed product.
    let reading = Reading { a: neg as i128, b: pos as i128, q: 0, r: 0 };
    let c = ((neg as i128 * pos as i128) >> 64) as u64;
    rejects(Row::reading(Mulh, neg, pos, reading), Some(tuple(Mulh, neg, pos, c)), Why::Range);
    // Mulh reading a positive `b` as negative (s_y = 1).
    let reading = Reading { a: neg as i64 as i128, b: pos as i128 - (1 << 64), q: 0, r: 0 };
    let c = ((reading.a * reading.b) >> 64) as u64;
    rejects(Row::reading(Mulh, neg, pos, reading), Some(tuple(Mulh, neg, pos, c)), Why::Range);
    // Mulhsu reading `b` as signed: s_y must be 0 there.
    let reading = Reading { a: pos as i128, b: neg as i64 as i128, q: 0, r: 0 };
    let c = ((reading.a * reading.b) >> 64) as u64;
    rejects(Row::reading(Mulhsu, pos, neg, reading), Some(tuple(Mulhsu, pos, neg, c)), Why::Constraint);
    // Div reading a negative `a` as unsigned: (2^64 - 100) / 7.
    let (q, r) = (neg as i128 / 7, neg as i128 % 7);
    let reading = Reading { a: neg as i128, b: 7, q, r };
    rejects(Row::reading(Div, neg, pos, reading), Some(tuple(Div, neg, pos, q as u64)), Why::Range);
    // Div reading a negative `b` as unsigned: 700 / (2^64 - 100) = 0 rem 700.
    let reading = Reading { a: 700, b: neg as i128, q: 0, r: 700 };
    rejects(Row::reading(Div, 700, neg, reading), Some(tuple(Div, 700, neg, 0)), Why::Range);
    // Divw reading the low half of `b` as unsigned.
    let b = 0xabcd_0000_ffff_fff9; // -7 in the low half
    let reading = Reading { a: 100, b: 0xffff_fff9, q: 0, r: 100 };
    rejects(Row::reading(Divw, 100, b, reading), Some(tuple(Divw, 100, b, 0)), Why::Range);
}

#[test]
fn a_remainder_not_below_the_divisor_fails() {
    // 100 = 7·13 + 9: unsigned, and signed (-100 = 7·(-13) - 9).
    let reading = Reading { a: 100, b: 7, q: 13, r: 9 };
    rejects(Row::reading(Divu, 100, 7, reading), Some(tuple(Divu, 100, 7, 13)), Why::Range);
    let neg = (-100i64) as u64;
    let reading = Reading { a: -100, b: 7, q: -13, r: -9 };
    rejects(Row::reading(Rem, neg, 7, reading), Some(tuple(Rem, neg, 7, (-9i64) as u64)), Why::Range);
    // 2^64 - 1 = 2^32·(2^32 - 2) + (2^33 - 1): the remainder's high limbs matter.
    let (a, b) = (u64::MAX, 1 << 32);
    let reading = Reading { a: a as i128, b: b as i128, q: (1 << 32) - 2, r: (1 << 33) - 1 };
    rejects(Row::reading(Remu, a, b, reading), Some(tuple(Remu, a, b, (1 << 33) - 1)), Why::Range);
    // |r| = |b|: -8 = -2·4 + 0 written as -2·3 - 2.
    let (a, b) = ((-8i64) as u64, (-2i64) as u64);
    let reading = Reading { a: -8, b: -2, q: 3, r: -2 };
    rejects(Row::reading(Div, a, b, reading), Some(tuple(Div, a, b, 3)), Why::Range);
    // A W form under a garbage high half of b: 100 = 7·13 + 9.
    let b = 0xdead_0000_0000_0007;
    let reading = Reading { a: 100, b: 7, q: 13, r: 9 };
    rejects(Row::reading(Remuw, 100, b, reading), Some(tuple(Remuw, 100, b, 9)), Why::Range);
}

#[test]
fn a_remainder_of_the_wrong_sign_fails() {
    // Floor instead of truncation: -7 = 2·(-4) + 1, and 7 = -2·(-4) - 1.
    let a = (-7i64) as u64;
    let reading = Reading { a: -7, b: 2, q: -4, r: 1 };
    rejects(Row::reading(Div, a, 2, reading), Some(tuple(Div, a, 2, (-4i64) as u64)), Why::Constraint);
    let b = (-2i64) as u64;
    let reading = Reading { a: 7, b: -2, q: -4, r: -1 };
    rejects(Row::reading(Remw, 7, b, reading), Some(tuple(Remw, 7, b, u64::MAX)), Why::Constraint);
}

#[test]
fn division_by_zero_must_give_all_ones() {
    // a = 0·q + a holds for any q.
    let reading = Reading { a: 5, b: 0, q: 7, r: 5 };
    rejects(Row::reading(Divu, 5, 0, reading), Some(tuple(Divu, 5, 0, 7)), Why::Constraint);
    let b = 0x1234_5678_0000_0000; // zero low half
    let reading = Reading { a: 5, b: 0, q: 7, r: 5 };
    rejects(Row::reading(Divuw, 5, b, reading), Some(tuple(Divuw, 5, b, 7)), Why::Constraint);
    // Claiming b = 0 for b = 3 (b_zero = 1) to get q = -1, r = 5 + 3.
    let reading = Reading { a: 5, b: 3, q: -1, r: 8 };
    let row = Row::reading(Div, 5, 3, reading).set("b_zero", 0, 1);
    rejects(row, Some(tuple(Div, 5, 3, u64::MAX)), Why::Constraint);
}

impl Row {
    /// Carry `digit` of the product, `carry_lo + 2^6·carry_hi`.
    fn carry(&self, digit: usize) -> i64 {
        (self.cell("carry_lo", digit) + (self.cell("carry_hi", digit) << 6)) as i64
    }

    /// Sets carry `digit` to `value` (`lo = value mod 2^6`, `hi = value >> 6`, as the
    /// witness splits it).
    fn set_carry(self, digit: usize, value: i64) -> Self {
        self.set("carry_lo", digit, value & 0x3f).set("carry_hi", digit, value >> 6)
    }
}

#[test]
fn a_non_canonical_limb_fails() {
    // Mul: c0 + 2^16 and c1 - 1 (p0 + 2^16, p1 - 1, carry_0 - 1): every digit equation
    // still holds in the field, and p0 is not a 16-bit limb.
    let (a, b): (u64, u64) = (0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321);
    let row = Row::honest(Mul, a, b);
    let (p0, p1, carry) = (row.cell("p", 0) as i64, row.cell("p", 1) as i64, row.carry(0));
    assert!(p1 >= 1 && carry >= 1, "p1 = {p1}, carry_0 = {carry}");
    let row = row.set("p", 0, p0 + (1 << 16)).set("p", 1, p1 - 1).set_carry(0, carry - 1);
    let mut forged = tuple(Mul, a, b, a.wrapping_mul(b));
    forged[9] += 1 << 16;
    forged[10] -= 1;
    rejects(row, Some(forged), Why::Range);
    // Divu: q's c0 + 2^16 and c1 - 1 (byte x1 + 2^8, x2 - 1): the same integer q. Digit
    // 0 of the product gains x1's 2^8·b0 at weight 2^16 (b = 3: carry_0 + 3), digit 1
    // loses 3 through x2 and gains the 3 carried in.
    let (a, b) = (MIN, 3);
    let row = Row::honest(Divu, a, b);
    let (x1, x2, carry) = (row.cell("x", 1) as i64, row.cell("x", 2) as i64, row.carry(0));
    assert!(x2 >= 1, "x2 = {x2}");
    let row = row.set("x", 1, x1 + (1 << 8)).set("x", 2, x2 - 1).set_carry(0, carry + 3);
    let mut forged = tuple(Divu, a, b, a / b);
    forged[9] += 1 << 16;
    forged[10] -= 1;
    rejects(row, Some(forged), Why::Range);
}

/// A carry that one RANGE16 lookup would accept but BYTE_PAIR does not: over
/// KoalaBear `2^16·32 512 = p − 1 ≡ −1`, so raising carry_0 by 32 512 absorbs a result
/// digit raised by 1, and digit 1 takes the 32 512 carried in. Every digit equation
/// holds in KoalaBear and only the carry's byte pair `(0, 508)` rejects the row; in
/// Goldilocks (the field before `PORT31.md`) the digit equation breaks instead.
#[test]
fn a_carry_past_the_byte_pair_fails() {
    const KOALABEAR: u64 = 0x7f00_0001;
    let wrap = 32_512i64;
    assert!(wrap < 1 << 16 && (1 << 16) * wrap as u64 == KOALABEAR - 1);
    let (a, b) = (5, 7);
    let row = Row::honest(Mul, a, b);
    let (p0, p1, carry) = (row.cell("p", 0) as i64, row.cell("p", 1) as i64, row.carry(0));
    assert_eq!((p0, p1, carry), (35, 0, 0));
    let row = row.set("p", 0, p0 + 1).set("p", 1, p1 + wrap).set_carry(0, carry + wrap);
    let forged = tuple(Mul, a, b, 35 + 1 + ((wrap as u64) << 16));
    let why = if Val::ORDER_U64 == KOALABEAR { Why::Range } else { Why::Constraint };
    rejects(row, Some(forged), why);
}

/// Rows whose tampering keeps the received tuple: they must still be rejected (a
/// non-canonical carry, a non-boolean flag or sign).
#[test]
fn non_canonical_intermediates_fail() {
    let carried = Row::honest(Mul, 0xffff_ffff, 0xffff_ffff);
    let (lo, hi) = (carried.cell("carry_lo", 0) as i64, carried.cell("carry_hi", 0) as i64);
    // carry_0 as (lo - 2^6, hi + 1): the same carry, lo not a byte.
    rejects(carried.set("carry_lo", 0, lo - (1 << 6)).set("carry_hi", 0, hi + 1), None, Why::Range);
    // A sign of 2.
    rejects(Row::honest(Mulh, 5, 7).set("s_x", 0, 2), None, Why::Constraint);
    // b_zero = 0 for b = 0 (the comparison would then have to hold).
    rejects(Row::honest(Remu, 9, 0).set("b_zero", 0, 0), None, Why::Constraint);
    // A borrow of 3.
    rejects(Row::honest(Divu, 100, 7).set("borrow", 0, 3), None, Why::Constraint);
    // A byte of q as (x0 + 2^8, x1 - 1): the same limb, x0 not a byte.
    let q = Row::honest(Divu, 0x1_0000, 3);
    let (x0, x1) = (q.cell("x", 0) as i64, q.cell("x", 1) as i64);
    assert!(x1 >= 1, "x1 = {x1}");
    rejects(q.set("x", 0, x0 + (1 << 8)).set("x", 1, x1 - 1), None, Why::Range);
}

#[test]
fn a_non_boolean_flag_fails() {
    // Flags (Mul = 2, Mulh = -1) still sum to 1: op id 2·25 - 26 = 24 (MaxuW) and
    // c = 2·low - high = 84, claiming MaxuW(6, 7) = 84.
    let row = Row::honest(Mul, 6, 7).set("flags", 0, 2).set("flags", 1, -1);
    rejects(row, Some(tuple(MaxuW, 6, 7, 84)), Why::Constraint);
    // Div flags (div = 2, rem = -1, unsigned = 1): op 2·29 - 31 + 1 = 28 (Mulhu) and
    // c = 2·q - r = 26, claiming Mulhu(100, 7) = 26.
    let row = Row::honest(Divu, 100, 7).set("flags", 0, 2).set("flags", 1, -1);
    rejects(row, Some(tuple(Mulhu, 100, 7, 26)), Why::Constraint);
}
