//! The shift table (`alu::shift`): proofs of every shift on corner cases and random
//! inputs against `AluOp::eval`, its shape, and forgeries of a result that must not
//! verify.

mod common;

use common::alu::{
    self, assert_breaks_a_constraint, assert_needs_impossible_lookups, set, with_limbs, with_result, Forgery,
};
use p3_field::{Field, PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ziskjit_air::alu::{shift, AluTable, COUNT};
use ziskjit_air::bus::{AluEvent, AluOp, RANGE16};
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::symbolic::TableAnalysis;

/// The shift operations.
const OPS: [AluOp; 6] = [AluOp::Sll, AluOp::Srl, AluOp::Sra, AluOp::Sllw, AluOp::Srlw, AluOp::Sraw];

/// Operands at the edges: zero, one, all ones, the 32- and 64-bit sign boundaries, the
/// 16-bit limb boundaries, and garbage above a small low half.
const CORNERS: [u64; 17] = [
    0,
    1,
    2,
    0x7fff,
    0x8000,
    0xffff,
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

/// Shift amounts in `b`: every limb move and bit offset's edges (0, 1, 15, 16, 17, 31,
/// 32, 47, 48, 63), ≥ 64 (only the low bits count), garbage in the other limbs.
const SHIFTS: [u64; 15] = [0, 1, 4, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 95, 0x1234_5678_9abc_ffe5];

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(0x5bf7)
}

/// Every pair of a corner and a shift amount, and random values with random amounts.
fn inputs(rng: &mut ChaCha8Rng) -> Vec<(u64, u64)> {
    let mut pairs: Vec<(u64, u64)> = CORNERS.iter().flat_map(|&a| SHIFTS.iter().map(move |&b| (a, b))).collect();
    for _ in 0..40 {
        let a: u64 = rng.gen();
        pairs.push((a, rng.gen_range(0..128) | (rng.gen::<u64>() << 7)));
        pairs.push((a | 1 << 63, rng.gen_range(0..64)));
        pairs.push((a | 1 << 31, rng.gen_range(0..32)));
    }
    pairs
}

/// The ALU tables of the proofs: the shift table (with the bytes table).
const TABLES: [AluTable; 1] = [AluTable::Shift];

/// The traces of the shift table and the bytes table for shift events.
fn witness(events: &[AluEvent]) -> Vec<RowMajorMatrix<Val>> {
    alu::witness(&TABLES, events)
}

/// Proves and verifies `events` (checking the bus balance and every constraint first).
fn prove(events: &[AluEvent]) {
    alu::prove(&TABLES, events)
}

#[test]
fn the_docs_count_columns_and_interactions() {
    let table = Table::Alu(AluTable::Shift);
    let analysis = TableAnalysis::of(&table, ziskjit_air::segment::PUBLIC_VALUES);
    assert_eq!(shift::WIDTH, 41);
    assert_eq!(analysis.interactions.len(), 19);
    assert_eq!(analysis.num_logup_columns(), 10);
    assert_eq!(analysis.max_constraint_degree, 3);
    assert_eq!(analysis.total_degree(), 3);
}

#[test]
fn every_shift_proves_on_corner_cases_and_random_inputs() {
    let mut rng = rng();
    let mut events = Vec::new();
    for op in OPS {
        events.extend(inputs(&mut rng).into_iter().map(|(a, b)| AluEvent::new(op, a, b)));
    }
    // Repeated events share a row (count > 1).
    events.extend(events[..50].to_vec());
    prove(&events);
}

#[test]
fn identical_events_share_a_row() {
    let events = [
        AluEvent::new(AluOp::Sll, 3, 4),
        AluEvent::new(AluOp::Srl, 3, 4),
        AluEvent::new(AluOp::Sll, 3, 4),
        AluEvent::new(AluOp::Sll, 3, 4),
    ];
    let trace = &witness(&events)[0];
    assert_eq!(trace.width, shift::WIDTH);
    assert_eq!(trace.values.len(), 2 * shift::WIDTH, "two rows: the distinct events");
    assert_eq!(trace.values[COUNT], Val::from_u64(3));
    assert_eq!(trace.values[shift::WIDTH + COUNT], Val::ONE);
    prove(&events);
}

#[test]
fn no_events_is_all_padding() {
    let trace = &witness(&[])[0];
    assert_eq!(trace.values.len(), 2 * trace.width, "two padding rows");
    prove(&[]);
}

// ---------------------------------------------------------------------------------
// Forgeries (`common::alu::forge`): the statement sends a wrong tuple and the row
// receiving it is tampered to match; the bytes table's counts are then fixed up for
// every lookup it can serve. What remains must not verify.

/// `-x` as a canonical field element.
fn minus(x: u64) -> u64 {
    Val::ORDER_U64 - x
}

/// The row of `event` alone in the shift table.
fn row_of(event: AluEvent) -> Vec<Val> {
    let trace = &witness(&[event])[0];
    trace.values[..trace.width].to_vec()
}

/// `common::alu::forge` over the shift table.
fn forge(events: &[AluEvent], forged: [u64; 13], tamper: impl FnOnce(&mut [Val])) -> Forgery {
    alu::forge(&TABLES, events, forged, tamper)
}

/// A few honest events after the victim, so the table is not only the victim.
fn with_others(victim: AluEvent) -> Vec<AluEvent> {
    alu::with_others(victim, &OPS)
}

#[test]
fn a_wrong_result_limb_is_rejected() {
    // Every op, each with another amount and limb: the claimed limb is one more than the
    // row's pieces make it.
    for (i, op) in OPS.into_iter().enumerate() {
        let (e, limb) = (AluEvent::new(op, 0x8123_4567_89ab_cdef, [5, 0x13, 0x24, 0x3f, 1, 0x11][i]), i % 4);
        let mut forged = e.tuple();
        forged[9 + limb] += 1;
        let f = forge(&with_others(e), forged, |row| row[shift::C + limb] += Val::ONE);
        assert!(f.impossible.is_empty(), "{op:?}: {:?}", f.impossible);
        assert_breaks_a_constraint(f);
    }
}

#[test]
fn a_forged_shift_amount_is_rejected() {
    // srl 0x100 by 1, claimed as the row of a shift by 2 whose b0 = 1 = 2 + 64·q:
    // q = −1/64 is out of range.
    let e = AluEvent::new(AluOp::Srl, 0x100, 1);
    let q = -Val::from_u64(64).inverse();
    let f = forge(&with_others(e), with_result(e, 0x40), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Srl, 0x100, 2)));
        set(row, shift::B, 1);
        row[shift::Q] = q;
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![q.as_canonical_u64()])]);
}

#[test]
fn a_non_boolean_bit_is_rejected() {
    // sll 1 by 2 with the amount's bits (2, 0, …): the decomposition still sums to 2,
    // but the power becomes 3, and so M̄ = 3, M = 2^16/3.
    let e = AluEvent::new(AluOp::Sll, 1, 2);
    let f = forge(&with_others(e), with_result(e, 3), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Sll, 1, 0)));
        set(row, shift::B, 2);
        set(row, shift::BITS, 2);
        set(row, shift::P1, 3);
        set(row, shift::MBAR, 3);
        row[shift::M] = Val::from_u64(1 << 16) * Val::from_u64(3).inverse();
        set(row, shift::C, 3);
    });
    assert!(!f.impossible.is_empty(), "M − 1 − lower is no 16-bit value");
    assert_breaks_a_constraint(f);
}

#[test]
fn a_wrong_power_is_rejected() {
    // srl 0x1234 by 4, computed by the row of a shift by 3 (M = 8, M̄ = 2^13, consistent
    // pieces) with the amount's bits and p1 of 4: only pow = M fails.
    let e = AluEvent::new(AluOp::Srl, 0x1234, 4);
    let f = forge(&with_others(e), with_result(e, 0x1234 >> 3), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Srl, 0x1234, 3)));
        set(row, shift::B, 4);
        set(row, shift::BITS, 0);
        set(row, shift::BITS + 1, 0);
        set(row, shift::BITS + 2, 1);
        set(row, shift::P1, 16);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn a_wrong_limb_move_is_rejected() {
    // sll a by 16, computed by the row of a shift by 0 with the amount's bit 4 set.
    let a = 0x1111_2222_3333_4444;
    let e = AluEvent::new(AluOp::Sll, a, 16);
    let f = forge(&with_others(e), with_result(e, a), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Sll, a, 0)));
        set(row, shift::B, 16);
        set(row, shift::BITS + 4, 1);
    });
    assert!(f.impossible.is_empty(), "{:?}", f.impossible);
    assert_breaks_a_constraint(f);
}

#[test]
fn a_piece_out_of_its_bound_is_rejected() {
    // srl 0x1234 by 4: m_0 = 0x1234 = lower + 16·higher, honestly (4, 0x123). The split
    // (20, 0x122) has the same sum (an exact integer equation) and gives c = 0x122 (the
    // lower piece is shifted out), but lower = 20 is not below M = 16: the bound's
    // second lookup M − 1 − lower = −5 fails.
    let e = AluEvent::new(AluOp::Srl, 0x1234, 4);
    let f = forge(&with_others(e), with_result(e, 0x122), |row| {
        set(row, shift::LOWER, 20);
        set(row, shift::HIGHER, 0x122);
        set(row, shift::C, 0x122);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![minus(5)])]);
    // A left shift: sll 0x1234 by 4 splits m_0 at M = 2^12 into (0x234, 1); (0x1234, 0)
    // has the same sum and gives the limbs (16·0x1234, 0) = (0x12340, 0), but
    // 0x1234 ≥ M: the lookup M − 1 − lower = 0xfff − 0x1234 fails.
    let e = AluEvent::new(AluOp::Sll, 0x1234, 4);
    let f = forge(&with_others(e), with_limbs(e, [0x12340, 0, 0, 0]), |row| {
        set(row, shift::LOWER, 0x1234);
        set(row, shift::HIGHER, 0);
        set(row, shift::C, 0x12340);
        set(row, shift::C + 1, 0);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![minus(0x1234 - 0xfff)])]);
}

#[test]
fn a_piece_split_past_the_modulus_is_rejected() {
    // PORT31 §2.4's alias: sll 5 by 0 splits m_0 = 5 at M = 2^16 (M̄ = 1) into (5, 0).
    // Take higher = h = 32 512 and lower = 5 − 2^16·h in the field: the split's equation
    // holds mod p. In KoalaBear 2^16·h = p − 1, so lower = 6: both pieces pass RANGE16
    // and only bound(higher, M̄) catches it (M̄ − 1 − h = −h); the result would be
    // (6, h, 0, 0). (In Goldilocks lower wraps to a large element: RANGE16 catches it.)
    let h = 32_512;
    let lower = Val::from_u64(5) - Val::from_u64(1 << 16) * Val::from_u64(h);
    let e = AluEvent::new(AluOp::Sll, 5, 0);
    let f = forge(&with_others(e), with_limbs(e, [lower.as_canonical_u64(), h, 0, 0]), |row| {
        row[shift::LOWER] = lower;
        set(row, shift::HIGHER, h);
        row[shift::C] = lower;
        set(row, shift::C + 1, h);
    });
    // The lookups of m_0's bounds (M − 1 = 0xffff, M̄ − 1 = 0) that no row serves, sorted
    // as the imbalance reports them.
    let mut expected: Vec<(u32, Vec<u64>)> =
        [lower, Val::from_u64(0xffff) - lower, Val::from_u64(h), -Val::from_u64(h)]
            .into_iter()
            .map(|v| v.as_canonical_u64())
            .filter(|&v| v >= 1 << 16)
            .map(|v| (RANGE16, vec![v]))
            .collect();
    expected.sort();
    assert!(expected.contains(&(RANGE16, vec![minus(h)])));
    assert_needs_impossible_lookups(f, &expected);
}

#[test]
fn a_forged_sign_is_rejected() {
    // sra 2^63 by 63 is all ones (k = 3, s = 15, fill 0xffff); with sign = 0 the fill
    // is 0 and the result 1, but the sign's check 2·0x8000 = 2^16 is out of range.
    let e = AluEvent::new(AluOp::Sra, 1 << 63, 63);
    let f = forge(&with_others(e), with_result(e, 1), |row| {
        set(row, shift::SIGN, 0);
        for j in 1..4 {
            set(row, shift::LOWER + j, 0);
            set(row, shift::HIGHER + j, 0);
        }
        set(row, shift::C, 1);
        for j in 1..4 {
            set(row, shift::C + j, 0);
        }
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}

#[test]
fn a_forged_sraw_fill_is_rejected() {
    // sraw 0x8000_0000 by 4 is 0xffff_ffff_f800_0000; claim the logical 0x0800_0000.
    // With fill 0 the pieces and the result are consistent, and c1 = 0x0800 even has
    // bit 15 clear: the fill's sign comes from a1 = 0x8000, whose check 2^16 fails.
    let e = AluEvent::new(AluOp::Sraw, 0x8000_0000, 4);
    let f = forge(&with_others(e), with_result(e, 0x0800_0000), |row| {
        row.copy_from_slice(&row_of(AluEvent::new(AluOp::Srlw, 0x8000_0000, 4)));
        set(row, shift::SRA, 1);
        set(row, shift::TOP, 0x8000);
        set(row, shift::SIGN, 0);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}

#[test]
fn a_missing_sign_extension_is_rejected() {
    // sllw 0x8000 by 16 is 0xffff_ffff_8000_0000; claim 0x8000_0000 (sign 0): the
    // check of c1 = 0x8000 is 2^16.
    let e = AluEvent::new(AluOp::Sllw, 0x8000, 16);
    let f = forge(&with_others(e), with_result(e, 0x8000_0000), |row| {
        set(row, shift::SIGN, 0);
        set(row, shift::C + 2, 0);
        set(row, shift::C + 3, 0);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
    // srlw 0x8000_1234 by 0 is sign-extended too.
    let e = AluEvent::new(AluOp::Srlw, 0x8000_1234, 0);
    let f = forge(&with_others(e), with_result(e, 0x8000_1234), |row| {
        set(row, shift::SIGN, 0);
        set(row, shift::C + 2, 0);
        set(row, shift::C + 3, 0);
    });
    assert_needs_impossible_lookups(f, &[(RANGE16, vec![1 << 16])]);
}
