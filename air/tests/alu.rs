//! The ALU tables: `AluOp::eval` against the interpreter, proofs of every operation on
//! corner cases and random inputs, and forgeries of a result that must not verify.

mod common;

use common::{config, prove_and_verify, prove_and_verify_checked};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ziskjit_air::alu::{addsub, compare, logic, shift, AluTable, COUNT};
use ziskjit_air::bus::{AluEvent, AluOp, ALU, LOGIC, RANGE16};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::debug::{bus_imbalance, Unbalanced};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{check_witness, setup, BusMessage, SegmentWitness};
use ziskjit_runtime::{step, Bus, Cpu, FaultKind, SyscallOutcome};
use ziskjit_transpiler::{Inst, Op};

/// The operations of the ALU tables.
const OPS: [AluOp; 24] = {
    use AluOp::*;
    [
        Add, Sub, Sll, Srl, Sra, Slt, Sltu, Eq, Xor, Or, And, Addw, Subw, Sllw, Srlw, Sraw, Min, Max, Minu, Maxu, MinW,
        MaxW, MinuW, MaxuW,
    ]
};

/// Operands at the edges: zero, one, all ones, the 32- and 64-bit sign boundaries, limb
/// boundaries, and garbage above a small low half.
const CORNERS: [u64; 14] = [
    0,
    1,
    2,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0xffff_ffff_8000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX - 1,
    u64::MAX,
    0xdead_beef_0000_0005,
    0x0123_4567_89ab_cdef,
];

/// Shift amounts in `b`: 0, 31, 32, 63, ≥ 64 (only the low bits count), garbage above.
const SHIFTS: [u64; 10] = [0, 1, 31, 32, 33, 63, 64, 95, 0xffff_ffff_ffff_ffc0, 0x1234_5678_0000_0025];

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(0xa1a1)
}

/// Corner cases and random inputs for `op`: every pair of corners (shift amounts for
/// shifts), equal operands, operands differing only in one limb, random values.
fn inputs(op: AluOp, rng: &mut ChaCha8Rng) -> Vec<(u64, u64)> {
    let is_shift = matches!(op, AluOp::Sll | AluOp::Srl | AluOp::Sra | AluOp::Sllw | AluOp::Srlw | AluOp::Sraw);
    let seconds: &[u64] = if is_shift { &SHIFTS } else { &CORNERS };
    let mut pairs: Vec<(u64, u64)> = CORNERS.iter().flat_map(|&a| seconds.iter().map(move |&b| (a, b))).collect();
    for _ in 0..40 {
        let a: u64 = rng.gen();
        let b: u64 = if is_shift { rng.gen_range(0..128) | (rng.gen::<u64>() << 7) } else { rng.gen() };
        pairs.extend([(a, b), (a, a), (a, a ^ 1), (a, a ^ (1 << 40)), (a, a ^ (1 << 63)), (a, (a >> 32) << 32)]);
    }
    pairs
}

/// Every table of the tests: the ALU tables, then the bytes table.
fn tables() -> Vec<Table> {
    let mut tables: Vec<Table> = AluTable::all().into_iter().map(Table::Alu).collect();
    tables.push(Table::Bytes(BytesTable));
    tables
}

/// The traces of [`tables`] for `events`.
fn witness(events: &[AluEvent]) -> Vec<RowMajorMatrix<Val>> {
    let mut lookups = Lookups::default();
    let mut traces = AluTable::traces(events, &mut lookups);
    traces.push(lookups.trace());
    traces
}

/// The statement playing the senders: it sends each tuple once.
fn sends(tuples: impl IntoIterator<Item = [u64; 7]>) -> Vec<BusMessage<Val>> {
    tuples.into_iter().map(|t| BusMessage::send(ALU, common::vals(&t))).collect()
}

/// Proves and verifies `events` (checking every constraint first).
fn prove(events: &[AluEvent]) {
    let (tables, traces) = (tables(), witness(events));
    let boundary = sends(events.iter().map(AluEvent::tuple));
    let unbalanced = bus_imbalance(&tables, &traces, &[], &boundary);
    assert!(unbalanced.is_empty(), "unbalanced: {:?}", &unbalanced[..unbalanced.len().min(5)]);
    prove_and_verify_checked(&tables, traces, boundary).unwrap();
}

#[test]
fn handles_exactly_the_base_operations() {
    for op in AluOp::ALL {
        assert_eq!(AluTable::handles(op), OPS.contains(&op), "{op:?}");
        let owners = AluTable::all().into_iter().filter(|t| t.computes(op)).count();
        assert_eq!(owners, usize::from(OPS.contains(&op)), "{op:?} is computed by {owners} tables");
    }
}

#[test]
#[should_panic(expected = "Mul is not an ALU-table operation")]
fn muldiv_events_are_refused() {
    AluTable::traces(&[AluEvent::new(AluOp::Mul, 2, 3)], &mut Lookups::default());
}

/// Memory of one word for the AMOs, recording the store.
struct OneWord {
    value: u64,
    stored: Option<u64>,
}

impl Bus for OneWord {
    fn load(&mut self, _addr: u64, size: u8) -> Result<u64, FaultKind> {
        Ok(if size == 8 { self.value } else { self.value & ((1 << (8 * size)) - 1) })
    }

    fn store(&mut self, _addr: u64, _size: u8, value: u64) -> Result<(), FaultKind> {
        self.stored = Some(value);
        Ok(())
    }

    fn ecall(&mut self, _regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        unreachable!("no ecall in these tests")
    }
}

/// `op(a, b)` as the interpreter computes it: the register-register instruction, `beq`
/// for `Eq` (taken or not), the AMO for min/max (the value it stores, sign-extended for
/// the 32-bit ones, with `a` the old memory value).
fn interpret(op: AluOp, a: u64, b: u64) -> u64 {
    use AluOp as A;
    let inst_op = match op {
        A::Add => Op::Add,
        A::Sub => Op::Sub,
        A::Sll => Op::Sll,
        A::Srl => Op::Srl,
        A::Sra => Op::Sra,
        A::Slt => Op::Slt,
        A::Sltu => Op::Sltu,
        A::Eq => Op::Beq,
        A::Xor => Op::Xor,
        A::Or => Op::Or,
        A::And => Op::And,
        A::Addw => Op::Addw,
        A::Subw => Op::Subw,
        A::Sllw => Op::Sllw,
        A::Srlw => Op::Srlw,
        A::Sraw => Op::Sraw,
        A::Min => Op::AmoMinD,
        A::Max => Op::AmoMaxD,
        A::Minu => Op::AmoMinuD,
        A::Maxu => Op::AmoMaxuD,
        A::MinW => Op::AmoMinW,
        A::MaxW => Op::AmoMaxW,
        A::MinuW => Op::AmoMinuW,
        A::MaxuW => Op::AmoMaxuW,
        _ => unreachable!("{op:?} is not an ALU-table operation"),
    };
    let amo = matches!(op, A::Min | A::Max | A::Minu | A::Maxu | A::MinW | A::MaxW | A::MinuW | A::MaxuW);
    let pc = 0x1000;
    let mut cpu = Cpu::new(pc);
    // rs1 = x5 holds `a` (the AMO's address: any aligned value), rs2 = x6 holds `b`.
    cpu.regs[5] = if amo { 0x2000 } else { a };
    cpu.regs[6] = b;
    let inst = Inst { op: inst_op, rd: 7, rs1: 5, rs2: 6, imm: 64, len: 4, raw: 0 };
    let mut memory = OneWord { value: a, stored: None };
    step(&mut cpu, &inst, &mut memory).unwrap();
    match op {
        A::Eq => u64::from(cpu.pc == pc + 64),
        A::MinW | A::MaxW | A::MinuW | A::MaxuW => memory.stored.unwrap() as i32 as i64 as u64,
        _ if amo => memory.stored.unwrap(),
        _ => cpu.regs[7],
    }
}

#[test]
fn eval_matches_the_interpreter() {
    let mut rng = rng();
    for op in OPS {
        for (a, b) in inputs(op, &mut rng) {
            assert_eq!(op.eval(a, b), interpret(op, a, b), "{op:?}({a:#x}, {b:#x})");
        }
    }
}

#[test]
fn every_operation_proves_on_corner_cases_and_random_inputs() {
    let mut rng = rng();
    let mut events = Vec::new();
    for op in OPS {
        events.extend(inputs(op, &mut rng).into_iter().map(|(a, b)| AluEvent::new(op, a, b)));
    }
    // Repeated events share a row (count > 1).
    events.extend(events[..50].to_vec());
    prove(&events);
}

#[test]
fn identical_events_share_a_row() {
    let events = [
        AluEvent::new(AluOp::Add, 3, 4),
        AluEvent::new(AluOp::Sub, 3, 4),
        AluEvent::new(AluOp::Add, 3, 4),
        AluEvent::new(AluOp::Add, 3, 4),
    ];
    let traces = witness(&events);
    let addsub = &traces[0];
    assert_eq!(addsub.width, addsub::WIDTH);
    assert_eq!(addsub.values.len(), 2 * addsub::WIDTH, "two rows: the distinct events");
    assert_eq!(addsub.values[COUNT], Val::from_u64(3));
    assert_eq!(addsub.values[addsub::WIDTH + COUNT], Val::ONE);
    prove(&events);
}

#[test]
fn no_events_is_all_padding() {
    let traces = witness(&[]);
    for (table, trace) in AluTable::all().into_iter().zip(&traces) {
        assert_eq!(trace.values.len(), 2 * trace.width, "{table:?}: two padding rows");
    }
    prove(&[]);
}

// ---------------------------------------------------------------------------------
// Forgeries: the statement sends a wrong tuple and the row receiving it is tampered to
// match; the bytes table's counts are then fixed up for every lookup the bytes table
// can serve (the forger's best effort). What remains must not verify.

/// What became of a forgery.
struct Forgery {
    /// Every constraint of the tampered witness holds.
    constraints_hold: bool,
    /// The lookups no bytes-table row can serve.
    impossible: Vec<Unbalanced>,
    verified: Result<(), String>,
}

/// `x` as a field element, signed.
fn signed(x: i64) -> Val {
    if x < 0 {
        -Val::from_u64(x.unsigned_abs())
    } else {
        Val::from_u64(x as u64)
    }
}

/// The row of `event` alone in its table.
fn row_of(event: AluEvent) -> Vec<Val> {
    let table = AluTable::all().into_iter().position(|t| t.computes(event.op)).unwrap();
    let trace = &witness(&[event])[table];
    trace.values[..trace.width].to_vec()
}

/// Proves `events` where the row of `events[0]` (row 0 of its table) is changed by
/// `tamper` and the statement sends `forged` instead of that event's tuple.
fn forge(events: &[AluEvent], forged: [u64; 7], tamper: impl FnOnce(&mut [Val])) -> Forgery {
    let tables = tables();
    let mut traces = witness(events);
    let table = AluTable::all().into_iter().position(|t| t.computes(events[0].op)).unwrap();
    let width = traces[table].width;
    tamper(&mut traces[table].values[..width]);
    let boundary = sends(std::iter::once(forged).chain(events[1..].iter().map(AluEvent::tuple)));

    let bytes = traces.len() - 1;
    let mut impossible = Vec::new();
    for u in bus_imbalance(&tables, &traces, &[], &boundary) {
        let servable = match u.bus {
            RANGE16 => (u.values[0] < 1 << 16).then(|| (u.values[0] as usize, 0)),
            LOGIC => {
                let (a, b) = (u.values[0], u.values[1]);
                (a < 256 && b < 256 && u.values[2..] == [a & b, a | b, a ^ b]).then(|| ((a * 256 + b) as usize, 2))
            }
            ALU => panic!("the tampered row does not receive the forged tuple: {u:?}"),
            _ => None,
        };
        match servable {
            Some((row, column)) => traces[bytes].values[row * 3 + column] += signed(u.count),
            None => impossible.push(u),
        }
    }

    let cfg = config();
    let pk = setup(&cfg, &tables).unwrap();
    let segment = SegmentWitness { traces: traces.clone(), public_values: vec![] };
    let constraints_hold = check_witness(&cfg, &pk, &tables, 0, &segment).is_ok();
    let verified = prove_and_verify(&tables, traces, boundary);
    Forgery { constraints_hold, impossible, verified }
}

/// `event` with the result `c` (limbs given as field elements, possibly out of range).
fn with_result(event: AluEvent, c_lo: u64, c_hi: u64) -> [u64; 7] {
    let mut t = event.tuple();
    t[5] = c_lo;
    t[6] = c_hi;
    t
}

/// Asserts the forgery breaks a constraint and does not verify.
fn assert_breaks_a_constraint(f: Forgery) {
    assert!(f.verified.is_err(), "a forgery verified");
    assert!(!f.constraints_hold, "the tampered witness satisfies every constraint");
}

/// Asserts the forgery satisfies every constraint but needs the out-of-range lookups
/// `(bus, values)`, and does not verify.
fn assert_needs_impossible_lookups(f: Forgery, expected: &[(u32, Vec<u64>)]) {
    assert!(f.constraints_hold, "the tampered witness should satisfy the constraints");
    let got: Vec<(u32, Vec<u64>)> = f.impossible.iter().map(|u| (u.bus, u.values.clone())).collect();
    assert_eq!(got, expected);
    assert!(f.verified.is_err(), "a forgery verified");
}

/// A few honest events after the victim, so the tables are not only the victim.
fn with_others(victim: AluEvent) -> Vec<AluEvent> {
    let mut events = vec![victim];
    events.extend(OPS.iter().map(|&op| AluEvent::new(op, 0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321)));
    events
}

fn set(row: &mut [Val], column: usize, value: Val) {
    row[column] = value;
}

#[test]
fn addsub_rejects_a_wrong_result_limb() {
    let e = AluEvent::new(AluOp::Add, 0x5_0000_0005, 0x7_0000_0007);
    for (limb, quarter) in [(0, addsub::C), (1, addsub::C + 2)] {
        let mut forged = e.tuple();
        forged[5 + limb] += 1;
        assert_breaks_a_constraint(forge(&with_others(e), forged, |row| row[quarter] += Val::ONE));
    }
}

#[test]
fn addsub_rejects_a_non_canonical_limb() {
    // 0xffffffff + 1 = (0, 1); claim (2^32, 0): the low limb's equation holds with
    // carry 0, the high limb's too, but c1 = 2^16 has no range check.
    let e = AluEvent::new(AluOp::Add, 0xffff_ffff, 1);
    let forged = with_result(e, 1 << 32, 0);
    let f = forge(&with_others(e), forged, |row| {
        set(row, addsub::C + 1, Val::from_u64(1 << 16));
        set(row, addsub::CARRY, Val::ZERO);
        set(row, addsub::C + 2, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}

#[test]
fn addsub_rejects_a_non_boolean_carry() {
    // 1 + 2 with c_hi = 5: the high equation holds with carry1 = −5/2^32.
    let e = AluEvent::new(AluOp::Add, 1, 2);
    let carry = -Val::from_u64(5) * Val::from_u64(1 << 32).inverse();
    let f = forge(&with_others(e), with_result(e, 3, 5), |row| {
        set(row, addsub::C + 2, Val::from_u64(5));
        set(row, addsub::CARRY + 1, carry);
    });
    assert_breaks_a_constraint(f);
}

#[test]
fn addsub_rejects_a_wrong_sign_extension() {
    // addw 0x7fffffff + 1 = 0xffffffff_80000000; claim 0x80000000 (sign 0): the sign's
    // check c2 = 2·c1 = 2^16 is out of range.
    let e = AluEvent::new(AluOp::Addw, 0x7fff_ffff, 1);
    let f = forge(&with_others(e), with_result(e, 0x8000_0000, 0), |row| {
        set(row, addsub::SIGN, Val::ZERO);
        set(row, addsub::C + 2, Val::from_u64(1 << 16));
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}

#[test]
fn compare_rejects_a_wrong_result() {
    let e = AluEvent::new(AluOp::Sltu, 5, 3);
    assert_breaks_a_constraint(forge(&with_others(e), with_result(e, 1, 0), |row| set(row, compare::C, Val::ONE)));
    // The same with the comparison flags turned around: D = 3 − 5 − 1 = −3 is out of range.
    let minus3 = Val::ORDER_U64 - 3;
    let f = forge(&with_others(e), with_result(e, 1, 0), |row| {
        set(row, compare::C, Val::ONE);
        set(row, compare::LT, Val::ONE);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, Val::from_u64(minus3 & 0xffff));
        set(row, compare::D + 1, Val::from_u64(minus3 >> 16));
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![minus3 >> 16])]);
    // Min: take b instead of a.
    let e = AluEvent::new(AluOp::Minu, 3, 5);
    assert_breaks_a_constraint(forge(&with_others(e), with_result(e, 5, 0), |row| {
        set(row, compare::TAKE_A, Val::ZERO);
        set(row, compare::C, Val::from_u64(5));
    }));
    // Eq: claim the high limbs equal.
    let e = AluEvent::new(AluOp::Eq, 0x1_0000_0005, 5);
    assert_breaks_a_constraint(forge(&with_others(e), with_result(e, 1, 0), |row| {
        set(row, compare::PICK_HI, Val::ZERO);
        set(row, compare::LT, Val::ZERO);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, Val::ZERO);
        set(row, compare::C, Val::ONE);
    }));
}

#[test]
fn compare_rejects_a_forged_sign() {
    // slt −1 < 0 is 1; claim sa = 0 (so the unsigned order, 0): the sign check's high
    // half 2·0xffffffff >> 16 = 0x1ffff is out of range.
    let e = AluEvent::new(AluOp::Slt, u64::MAX, 0);
    let f = forge(&with_others(e), with_result(e, 0, 0), |row| {
        set(row, compare::C, Val::ZERO);
        set(row, compare::SA, Val::ZERO);
        set(row, compare::SA + 1, Val::from_u64(0xfffe));
        set(row, compare::SA + 2, Val::from_u64(0x1ffff));
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![0x1ffff])]);
}

#[test]
fn compare_rejects_a_non_boolean_limb_choice() {
    // sltu 5 < 0 is 0. With pick_hi = 1 + 1/5, x − y = (1 − pick_hi)·5 = −1 and
    // D = y − x − 1 = 0: everything but pick_hi's booleanity holds for lt = 1.
    let e = AluEvent::new(AluOp::Sltu, 5, 0);
    let f = forge(&with_others(e), with_result(e, 1, 0), |row| {
        set(row, compare::PICK_HI, Val::ONE + Val::from_u64(5).inverse());
        set(row, compare::LT, Val::ONE);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, Val::ZERO);
        set(row, compare::D + 1, Val::ZERO);
        set(row, compare::C, Val::ONE);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn logic_rejects_a_wrong_byte() {
    let e = AluEvent::new(AluOp::And, 0xf0, 0x3c);
    let f = forge(&with_others(e), with_result(e, 0x31, 0), |row| set(row, logic::R, Val::from_u64(0x31)));
    let (or, xor) = (0xf0 + 0x3c - 0x31, 0xf0 + 0x3c - 2 * 0x31);
    assert_needs_impossible_lookups(f, &[(LOGIC, vec![0xf0, 0x3c, 0x31, or, xor])]);
}

#[test]
fn logic_rejects_a_non_canonical_operand() {
    // or 0x100 | 0x100 with a's bytes (256, 0): byte 0 gives 256 | 0 = 256, byte 1
    // 0 | 1 = 1, so c = 256 + 256 = 0x200.
    let e = AluEvent::new(AluOp::Or, 0x100, 0x100);
    let f = forge(&with_others(e), with_result(e, 0x200, 0), |row| {
        set(row, logic::A, Val::from_u64(256));
        set(row, logic::A + 1, Val::ZERO);
        set(row, logic::R + 1, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(LOGIC, vec![256, 0, 0, 256, 256])]);
}

#[test]
fn shift_rejects_a_wrong_result() {
    let e = AluEvent::new(AluOp::Sll, 1, 4);
    assert_breaks_a_constraint(forge(&with_others(e), with_result(e, 17, 0), |row| {
        set(row, shift::C, Val::from_u64(17))
    }));
}

#[test]
fn shift_rejects_a_product_split_past_the_modulus() {
    // sll 1 by 0: a_lo·m = 1 = 2 + 2^32·(2^32 − 1) − p, so X = (2, 2^32 − 1) satisfies
    // the product equation with halves in range; c = (2, 2^32 − 1). Only the guard
    // rejects it.
    let e = AluEvent::new(AluOp::Sll, 1, 0);
    let f = forge(&with_others(e), with_result(e, 2, 0xffff_ffff), |row| {
        set(row, shift::X, Val::from_u64(2));
        set(row, shift::X + 2, Val::from_u64(0xffff));
        set(row, shift::X + 3, Val::from_u64(0xffff));
        set(row, shift::GUARD, Val::ZERO);
        set(row, shift::C, Val::from_u64(2));
        set(row, shift::C + 1, Val::from_u64(0xffff_ffff));
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn shift_rejects_a_forged_shift_amount() {
    // srl 0x100 by 1, claimed as the row of a shift by 2 whose b_lo = 1 = 2 + 64·q:
    // q = −1/64 is out of range.
    let e = AluEvent::new(AluOp::Srl, 0x100, 1);
    let q = -Val::from_u64(64).inverse();
    let f = forge(&with_others(e), with_result(e, 0x40, 0), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Srl, 0x100, 2)));
        set(row, shift::B, Val::ONE);
        set(row, shift::REST, q);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![q.as_canonical_u64()])]);
}

#[test]
fn shift_rejects_a_non_boolean_bit() {
    // sll 1 by 2 with the amount's bits (2, 0): the decomposition still sums to 2, but
    // the power becomes 3.
    let e = AluEvent::new(AluOp::Sll, 1, 2);
    let f = forge(&with_others(e), with_result(e, 3, 0), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Sll, 1, 0)));
        set(row, shift::B, Val::TWO);
        set(row, shift::BITS, Val::TWO);
        set(row, shift::P1, Val::from_u64(3));
        set(row, shift::POW, Val::from_u64(3));
        set(row, shift::MUL, Val::from_u64(3));
        set(row, shift::X, Val::from_u64(3));
        set(row, shift::C, Val::from_u64(3));
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn shift_rejects_a_forged_sign() {
    // sra 2^63 by 63 is all ones; with sign = 0 it would be 1, but the sign's check
    // 2·0x80000000 = 2^32 has the high half 2^16.
    let e = AluEvent::new(AluOp::Sra, 1 << 63, 63);
    let f = forge(&with_others(e), with_result(e, 1, 0), |row| {
        set(row, shift::SIGN, Val::ZERO);
        set(row, shift::SIGN + 1, Val::ZERO);
        set(row, shift::SIGN + 2, Val::from_u64(1 << 16));
        set(row, shift::R, Val::ONE);
        set(row, shift::C, Val::ONE);
        set(row, shift::C + 1, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}
