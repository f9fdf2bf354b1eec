//! The ALU tables: `AluOp::eval` against the interpreter, proofs of the add/sub,
//! compare and logic operations on corner cases and random inputs (with the shift
//! table's padding), and forgeries of a result that must not verify (the shift table's
//! own tests are in `tests/shift.rs`).

mod common;

use common::alu::{self, assert_breaks_a_constraint, assert_needs_impossible_lookups, set, with_limbs, Forgery};
use p3_air::BaseAir;
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ziskjit_air::alu::{addsub, compare, logic, AluTable, COUNT};
use ziskjit_air::bus::{AluEvent, AluOp, LOGIC, RANGE16};
use ziskjit_air::bytes::Lookups;
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::symbolic::TableAnalysis;
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

/// The operations of the add/sub, compare and logic tables (those these tests prove).
const PROVED: [AluOp; 18] = {
    use AluOp::*;
    [Add, Sub, Slt, Sltu, Eq, Xor, Or, And, Addw, Subw, Min, Max, Minu, Maxu, MinW, MaxW, MinuW, MaxuW]
};

/// Operands at the edges: zero, one, all ones, the 16-, 32- and 48-bit limb boundaries,
/// the 32- and 64-bit sign boundaries, and garbage above a small low half.
const CORNERS: [u64; 20] = [
    0,
    1,
    2,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0xffff_0000_ffff,
    0x1_0000_0000_0000,
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
/// shifts), equal operands, operands differing only in one 16-bit limb, random values.
fn inputs(op: AluOp, rng: &mut ChaCha8Rng) -> Vec<(u64, u64)> {
    let is_shift = matches!(op, AluOp::Sll | AluOp::Srl | AluOp::Sra | AluOp::Sllw | AluOp::Srlw | AluOp::Sraw);
    let seconds: &[u64] = if is_shift { &SHIFTS } else { &CORNERS };
    let mut pairs: Vec<(u64, u64)> = CORNERS.iter().flat_map(|&a| seconds.iter().map(move |&b| (a, b))).collect();
    for _ in 0..40 {
        let a: u64 = rng.gen();
        let b: u64 = if is_shift { rng.gen_range(0..128) | (rng.gen::<u64>() << 7) } else { rng.gen() };
        // Equal operands, operands differing in one limb (its low or top bit), and `b`
        // equal to `a` above a random low part.
        let [x1, x2, x3] = [1 << 20, 1 << 47, 1 << 63].map(|bit| a ^ bit);
        let (low32, low48) = ((a >> 32) << 32 | (b & 0xffff_ffff), (a >> 48) << 48 | (b & 0xffff_ffff_ffff));
        pairs.extend([(a, b), (a, a), (a, a ^ 1), (a, x1), (a, x2), (a, x3), (a, low32), (a, low48)]);
    }
    pairs
}

/// The traces of the ALU tables (all four, as the proofs hold them) and the bytes table.
fn witness(events: &[AluEvent]) -> Vec<RowMajorMatrix<Val>> {
    alu::witness(&AluTable::all(), events)
}

/// Proves and verifies `events` (checking every constraint first).
fn prove(events: &[AluEvent]) {
    alu::prove(&AluTable::all(), events)
}

#[test]
fn the_docs_count_columns_and_interactions() {
    // (table, width, interactions, LogUp columns, max constraint degree) as the module
    // docs and `alu/mod.rs` state them.
    let expected = [
        (AluTable::AddSub, addsub::WIDTH, 21, 5, 3, 3),
        (AluTable::Compare, compare::WIDTH, 31, 4, 3, 3),
        (AluTable::Logic, logic::WIDTH, 28, 9, 5, 2),
    ];
    for (table, width, columns, interactions, logup_columns, degree) in expected {
        let t = Table::Alu(table);
        let analysis = TableAnalysis::of(&t, ziskjit_air::segment::PUBLIC_VALUES);
        assert_eq!((width, t.width()), (columns, columns), "{table:?}");
        assert_eq!(analysis.interactions.len(), interactions, "{table:?}");
        assert_eq!(analysis.num_logup_columns(), logup_columns, "{table:?}");
        assert_eq!(analysis.max_constraint_degree, degree, "{table:?}");
    }
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
    for op in PROVED {
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
// Forgeries (`common::alu::forge`): the statement sends a wrong tuple and the row
// receiving it is tampered to match; the bytes table's counts are then fixed up for
// every lookup the bytes table can serve. What remains must not verify.

/// `common::alu::forge` over the ALU tables.
fn forge(events: &[AluEvent], forged: [u64; 13], tamper: impl FnOnce(&mut [Val])) -> Forgery {
    alu::forge(&AluTable::all(), events, forged, tamper)
}

/// A few honest events after the victim, so the tables are not only the victim.
fn with_others(victim: AluEvent) -> Vec<AluEvent> {
    alu::with_others(victim, &PROVED)
}

#[test]
fn addsub_rejects_a_wrong_result_limb() {
    let e = AluEvent::new(AluOp::Add, 0x5_0005_0005_0005, 0x7_0007_0007_0007);
    for limb in 0..4 {
        let mut forged = e.tuple();
        forged[9 + limb] += 1;
        assert_breaks_a_constraint(forge(&with_others(e), forged, |row| row[addsub::C + limb] += Val::ONE));
    }
    // The same for the W form's computed limbs (limbs 2 and 3 are the sign extension:
    // `addsub_rejects_a_wrong_sign_extension`).
    let e = AluEvent::new(AluOp::Subw, 5, 7);
    for limb in 0..2 {
        let mut forged = e.tuple();
        forged[9 + limb] -= 1;
        assert_breaks_a_constraint(forge(&with_others(e), forged, |row| row[addsub::C + limb] -= Val::ONE));
    }
}

#[test]
fn addsub_rejects_a_non_canonical_limb() {
    // 0xffff + 1 = (0, 1, 0, 0); claim (2^16, 0, 0, 0): limb 0's equation holds with
    // carry0 = 0, limb 1's too, but c0 = 2^16 has no range check.
    let e = AluEvent::new(AluOp::Add, 0xffff, 1);
    let f = forge(&with_others(e), with_limbs(e, [1 << 16, 0, 0, 0]), |row| {
        set(row, addsub::C, Val::from_u64(1 << 16));
        set(row, addsub::C + 1, Val::ZERO);
        set(row, addsub::CARRY, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
    // The same in the top limb, whose carry out is free: 2^63 + 2^63 = 0 claimed as
    // (0, 0, 0, 2^16) with carry3 = 0.
    let e = AluEvent::new(AluOp::Add, 1 << 63, 1 << 63);
    let f = forge(&with_others(e), with_limbs(e, [0, 0, 0, 1 << 16]), |row| {
        set(row, addsub::C + 3, Val::from_u64(1 << 16));
        set(row, addsub::CARRY + 3, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}

#[test]
fn addsub_rejects_a_non_boolean_carry() {
    // 1 + 2 with c3 = 5: limb 3's equation holds with carry3 = −5/2^16.
    let e = AluEvent::new(AluOp::Add, 1, 2);
    let carry = -Val::from_u64(5) * Val::from_u64(1 << 16).inverse();
    let f = forge(&with_others(e), with_limbs(e, [3, 0, 0, 5]), |row| {
        set(row, addsub::C + 3, Val::from_u64(5));
        set(row, addsub::CARRY + 3, carry);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn addsub_rejects_a_wrong_sign_extension() {
    // addw 0x7fffffff + 1 = 0xffffffff_80000000; claim 0x80000000 (sign 0): the sign's
    // check c2 = 2·c1 = 2^16 is out of range.
    let e = AluEvent::new(AluOp::Addw, 0x7fff_ffff, 1);
    let f = forge(&with_others(e), with_limbs(e, [0, 0x8000, 0, 0]), |row| {
        set(row, addsub::SIGN, Val::ZERO);
        set(row, addsub::C + 2, Val::from_u64(1 << 16));
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
    // The other way: addw 0 + 1 = 1 claimed negative (sign 1): c2 = 2·0 − 2^16.
    let e = AluEvent::new(AluOp::Addw, 0, 1);
    let c2 = -Val::from_u64(1 << 16);
    let f = forge(&with_others(e), with_limbs(e, [1, 0, 0xffff, 0xffff]), |row| {
        set(row, addsub::SIGN, Val::ONE);
        set(row, addsub::C + 2, c2);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![c2.as_canonical_u64()])]);
}

#[test]
fn compare_rejects_a_wrong_result() {
    let e = AluEvent::new(AluOp::Sltu, 5, 3);
    assert_breaks_a_constraint(forge(&with_others(e), with_limbs(e, [1, 0, 0, 0]), |row| {
        set(row, compare::C, Val::ONE)
    }));
    // The same with the comparison flags turned around: D = 3 − 5 − 1 = −3 is out of range.
    let minus3 = -Val::from_u64(3);
    let f = forge(&with_others(e), with_limbs(e, [1, 0, 0, 0]), |row| {
        set(row, compare::C, Val::ONE);
        set(row, compare::LT, Val::ONE);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, minus3);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![minus3.as_canonical_u64()])]);
    // Min: take b instead of a.
    let e = AluEvent::new(AluOp::Minu, 3, 5);
    assert_breaks_a_constraint(forge(&with_others(e), with_limbs(e, [5, 0, 0, 0]), |row| {
        set(row, compare::TAKE_A, Val::ZERO);
        set(row, compare::C, Val::from_u64(5));
    }));
    // MinW: a wrong sign extension of the chosen low word.
    let e = AluEvent::new(AluOp::MinW, 0xffff_ffff, 5);
    assert_breaks_a_constraint(forge(&with_others(e), with_limbs(e, [0xffff, 0xffff, 0, 0]), |row| {
        set(row, compare::C + 2, Val::ZERO);
        set(row, compare::C + 3, Val::ZERO);
    }));
    // Eq: claim the operands equal although limb 2 differs.
    let e = AluEvent::new(AluOp::Eq, 0x1_0000_0005, 5);
    assert_breaks_a_constraint(forge(&with_others(e), with_limbs(e, [1, 0, 0, 0]), |row| {
        set(row, compare::Z + 2, Val::ZERO);
        set(row, compare::LT, Val::ZERO);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, Val::ZERO);
        set(row, compare::C, Val::ONE);
    }));
}

#[test]
fn compare_rejects_a_lower_limb_choice() {
    // sltu 2^32 < 1 is 0. Choosing limb 0 (0 < 1) instead of the top differing limb 2
    // gives lt = 1 and D = 0, in range; only limb 2's equality constraint fails.
    let e = AluEvent::new(AluOp::Sltu, 1 << 32, 1);
    let f = forge(&with_others(e), with_limbs(e, [1, 0, 0, 0]), |row| {
        set(row, compare::Z, Val::ONE);
        set(row, compare::Z + 2, Val::ZERO);
        set(row, compare::LT, Val::ONE);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, Val::ZERO);
        set(row, compare::C, Val::ONE);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn compare_rejects_two_chosen_limbs() {
    // maxu(0x3_0007, 0x5_0007) is b. With z0 = z1 = 1 (limb 0 equal, so the equality
    // constraints hold) and lt = gt = 1, GT = 1 takes a; only D = −2 is out of range.
    let e = AluEvent::new(AluOp::Maxu, 0x3_0007, 0x5_0007);
    let minus2 = -Val::TWO;
    let f = forge(&with_others(e), with_limbs(e, [7, 3, 0, 0]), |row| {
        set(row, compare::Z, Val::ONE);
        set(row, compare::GT, Val::ONE);
        set(row, compare::D, minus2);
        set(row, compare::TAKE_A, Val::ONE);
        set(row, compare::C + 1, Val::from_u64(3));
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![minus2.as_canonical_u64()])]);
}

#[test]
fn compare_rejects_a_chosen_limb_that_does_not_differ() {
    // eq 5 == 5 is 1; claim 0 with limb 0 chosen and lt = 1: x = y = 5 gives D = −1.
    let e = AluEvent::new(AluOp::Eq, 5, 5);
    let minus1 = -Val::ONE;
    let f = forge(&with_others(e), with_limbs(e, [0, 0, 0, 0]), |row| {
        set(row, compare::Z, Val::ONE);
        set(row, compare::LT, Val::ONE);
        set(row, compare::D, minus1);
        set(row, compare::C, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![minus1.as_canonical_u64()])]);
}

#[test]
fn compare_rejects_a_forged_sign() {
    // slt −1 < 0 is 1; claim sa = 0 (so the unsigned order, 0): the sign check
    // 2·0xffff − 0 = 0x1fffe is out of range.
    let e = AluEvent::new(AluOp::Slt, u64::MAX, 0);
    let f = forge(&with_others(e), with_limbs(e, [0, 0, 0, 0]), |row| {
        set(row, compare::C, Val::ZERO);
        set(row, compare::SA + 1, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![0x1fffe])]);
    // A forged top-limb column: ta = 0 instead of a3 = 0xffff.
    let f = forge(&with_others(e), with_limbs(e, [0, 0, 0, 0]), |row| {
        set(row, compare::C, Val::ZERO);
        set(row, compare::SA, Val::ZERO);
        set(row, compare::SA + 1, Val::ZERO);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn compare_rejects_a_non_boolean_limb_choice() {
    // sltu 5 < 0 is 0. With z0 = −1/5 and z1 = 6/5 (sum 1), x = 5·z0 = −1, y = 0 and
    // D = y − x − 1 = 0: everything but the booleanity of z holds for lt = 1 (limb 0's
    // and limb 1's equality constraints have the factor 1 − Σ = 0 resp. a1 = b1).
    let e = AluEvent::new(AluOp::Sltu, 5, 0);
    let fifth = Val::from_u64(5).inverse();
    let f = forge(&with_others(e), with_limbs(e, [1, 0, 0, 0]), |row| {
        set(row, compare::Z, -fifth);
        set(row, compare::Z + 1, Val::ONE + fifth);
        set(row, compare::LT, Val::ONE);
        set(row, compare::GT, Val::ZERO);
        set(row, compare::D, Val::ZERO);
        set(row, compare::C, Val::ONE);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn logic_rejects_a_wrong_byte() {
    let e = AluEvent::new(AluOp::And, 0xf0, 0x3c);
    let f = forge(&with_others(e), with_limbs(e, [0x31, 0, 0, 0]), |row| set(row, logic::R, Val::from_u64(0x31)));
    let (or, xor) = (0xf0 + 0x3c - 0x31, 0xf0 + 0x3c - 2 * 0x31);
    assert_needs_impossible_lookups(f, &[(LOGIC, vec![0xf0, 0x3c, 0x31, or, xor])]);
}

#[test]
fn logic_rejects_a_non_canonical_operand() {
    // or 0x100 | 0x100 with a's bytes (256, 0): byte 0 gives 256 | 0 = 256, byte 1
    // 0 | 1 = 1, so c0 = 256 + 256 = 0x200.
    let e = AluEvent::new(AluOp::Or, 0x100, 0x100);
    let f = forge(&with_others(e), with_limbs(e, [0x200, 0, 0, 0]), |row| {
        set(row, logic::A, Val::from_u64(256));
        set(row, logic::A + 1, Val::ZERO);
        set(row, logic::R + 1, Val::ZERO);
    });
    assert_needs_impossible_lookups(f, &[(LOGIC, vec![256, 0, 0, 256, 256])]);
}
