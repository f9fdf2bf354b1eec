//! Shared by the ALU table tests (`tests/alu.rs`, `tests/shift.rs`): the tables of a
//! proof of some of the ALU tables with the bytes table, their witness, proofs of
//! events, and forgeries of a result that must not verify. Each function takes the ALU
//! tables in the proof, in the order of `AluTable::all()`.

use super::{config, imbalance, prove_and_verify, prove_and_verify_checked, segment_values, vals};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_air::alu::AluTable;
use ziskjit_air::bus::{AluEvent, AluOp, ALU, LOGIC, RANGE16};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::debug::Unbalanced;
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{check_witness, setup, BusMessage, SegmentWitness};

/// The tables of the proof: the ALU tables `alu`, then the bytes table.
pub fn tables(alu: &[AluTable]) -> Vec<Table> {
    alu.iter().map(|&t| Table::Alu(t)).chain([Table::Bytes(BytesTable)]).collect()
}

/// The traces of [`tables`] for `events` (all computed by the tables `alu`).
pub fn witness(alu: &[AluTable], events: &[AluEvent]) -> Vec<RowMajorMatrix<Val>> {
    let mut lookups = Lookups::default();
    let mut all: Vec<Option<RowMajorMatrix<Val>>> =
        AluTable::traces(events, &mut lookups).into_iter().map(Some).collect();
    let position = |t: &AluTable| AluTable::all().iter().position(|a| a == t).unwrap();
    let mut traces: Vec<_> = alu.iter().map(|t| all[position(t)].take().expect("each table once")).collect();
    traces.push(lookups.trace());
    traces
}

/// The statement playing the senders: it sends each tuple (without the segment) once.
pub fn sends(tuples: impl IntoIterator<Item = [u64; 13]>) -> Vec<BusMessage<Val>> {
    tuples.into_iter().map(|t| BusMessage::send(ALU, vals(&t))).collect()
}

/// Proves and verifies `events` (checking the bus balance and every constraint first).
pub fn prove(alu: &[AluTable], events: &[AluEvent]) {
    let (tables, traces) = (tables(alu), witness(alu, events));
    let boundary = sends(events.iter().map(AluEvent::tuple));
    let unbalanced = imbalance(&tables, &traces, &boundary);
    assert!(unbalanced.is_empty(), "unbalanced: {:?}", &unbalanced[..unbalanced.len().min(5)]);
    prove_and_verify_checked(&tables, traces, boundary).unwrap();
}

/// A few honest events of `ops` after the victim, so the tables are not only the victim.
pub fn with_others(victim: AluEvent, ops: &[AluOp]) -> Vec<AluEvent> {
    let mut events = vec![victim];
    events.extend(ops.iter().map(|&op| AluEvent::new(op, 0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321)));
    events
}

// ---------------------------------------------------------------------------------
// Forgeries: the statement sends a wrong tuple and the row receiving it is tampered to
// match; the bytes table's counts are then fixed up for every lookup the bytes table
// can serve (the forger's best effort). What remains must not verify.

/// What became of a forgery.
pub struct Forgery {
    /// Every constraint of the tampered witness holds.
    pub constraints_hold: bool,
    /// The lookups no bytes-table row can serve.
    pub impossible: Vec<Unbalanced>,
    pub verified: Result<(), String>,
}

/// `x` as a field element, signed.
pub fn signed(x: i64) -> Val {
    if x < 0 {
        -Val::from_u64(x.unsigned_abs())
    } else {
        Val::from_u64(x as u64)
    }
}

/// Proves `events` where the row of `events[0]` (row 0 of its table) is changed by
/// `tamper` and the statement sends `forged` instead of that event's tuple.
pub fn forge(alu: &[AluTable], events: &[AluEvent], forged: [u64; 13], tamper: impl FnOnce(&mut [Val])) -> Forgery {
    let tables = tables(alu);
    let mut traces = witness(alu, events);
    let table = alu.iter().position(|t| t.computes(events[0].op)).unwrap();
    let width = traces[table].width;
    tamper(&mut traces[table].values[..width]);
    let boundary = sends(std::iter::once(forged).chain(events[1..].iter().map(AluEvent::tuple)));

    let bytes = traces.len() - 1;
    let mut impossible = Vec::new();
    for u in imbalance(&tables, &traces, &boundary) {
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
    let segment = SegmentWitness { traces: traces.clone(), public_values: segment_values(&pk) };
    let constraints_hold = check_witness(&cfg, &pk, &tables, 0, &segment).is_ok();
    let verified = prove_and_verify(&tables, traces, boundary);
    Forgery { constraints_hold, impossible, verified }
}

/// `event`'s tuple with the result `c` instead.
pub fn with_result(event: AluEvent, c: u64) -> [u64; 13] {
    AluEvent { c, ..event }.tuple()
}

/// `event`'s tuple with the result limbs `c` (field elements, possibly not limbs).
pub fn with_limbs(event: AluEvent, c: [u64; 4]) -> [u64; 13] {
    let mut t = event.tuple();
    t[9..].copy_from_slice(&c);
    t
}

/// Asserts the forgery breaks a constraint and does not verify.
pub fn assert_breaks_a_constraint(f: Forgery) {
    assert!(f.verified.is_err(), "a forgery verified");
    assert!(!f.constraints_hold, "the tampered witness satisfies every constraint");
}

/// Asserts the forgery satisfies every constraint but needs the out-of-range lookups
/// `(bus, values)`, and does not verify.
pub fn assert_needs_impossible_lookups(f: Forgery, expected: &[(u32, Vec<u64>)]) {
    assert!(f.constraints_hold, "the tampered witness should satisfy the constraints");
    let got: Vec<(u32, Vec<u64>)> = f.impossible.iter().map(|u| (u.bus, u.values.clone())).collect();
    assert_eq!(got, expected);
    assert!(f.verified.is_err(), "a forgery verified");
}

/// A row's column as a field element: a `Val`, or a `u64` below the field's order.
pub trait Column {
    fn val(self) -> Val;
}

impl Column for Val {
    fn val(self) -> Val {
        self
    }
}

impl Column for u64 {
    fn val(self) -> Val {
        Val::from_u64(self)
    }
}

/// Sets `row[column]` to `value`.
pub fn set(row: &mut [Val], column: usize, value: impl Column) {
    row[column] = value.val();
}
