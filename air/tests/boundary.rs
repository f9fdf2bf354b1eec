//! The boundary and final memory tables, each proved alone with the bytes table, the
//! statement playing the rest of the run: for the boundary table the segment's accesses
//! (MEMORY) and the other segments (GLOBAL_MEMORY); for the final memory table the
//! execution segments' last exports and first imports and the ELF image. Tampered
//! witnesses must fail: a segment importing from itself or from a later segment, a
//! changed export, a repeated cell, a cell beyond the final memory's bound, an image
//! cell created twice.

mod common;

use common::{config, imbalance, in_segment, prove_and_verify, prove_and_verify_checked, vals};
use p3_field::{PrimeCharacteristicRing, PrimeField64};
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_air::boundary::{self, BoundaryRow, BoundaryTable};
use ziskjit_air::bus::{cell, limbs, ts, GLOBAL_MEMORY, MEMORY, RANGE16};
use ziskjit_air::bytes::{BytesTable, Lookups};
use ziskjit_air::debug::bus_imbalance;
use ziskjit_air::final_memory::{self, FinalCell, FinalMemoryTable};
use ziskjit_air::gadgets::CellSpan;
use ziskjit_air::segment;
use ziskjit_air::table::Table;
use ziskjit_air::Val;
use ziskjit_prover::{check_witness, prove_segments, setup, verify_segments, BusMessage, SegmentWitness, Statement};

/// The test segment's number (execution segment 0).
const SEGMENT: u64 = 1;
/// The field's modulus (KoalaBear), for negative residues.
const ORDER: u64 = Val::ORDER_U64;

/// `(cell, v0, v1, v2, v3, last)`: a tuple with a value's four limbs.
fn tuple(cell: u64, value: u64, last: u64) -> Vec<u64> {
    [vec![cell], limbs(value).to_vec(), vec![last]].concat()
}

// ---------------------------------------------------------------------------------
// Boundary

/// Cells across the cell space with pseudo-random values, some left unchanged.
fn spans() -> Vec<CellSpan> {
    let cells = [0, 7, (1 << 29) - 1, 1 << 29, cell::register(0), cell::register(31), cell::RESERVATION];
    cells
        .into_iter()
        .enumerate()
        .map(|(i, cell)| {
            let first = 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(cell + 1);
            let last = if i % 3 == 0 { first } else { first.rotate_left(17) ^ i as u64 };
            CellSpan { cell, first, last, last_time: ts::at(3 * i as u64, ts::RD) }
        })
        .collect()
}

fn boundary_tables() -> Vec<Table> {
    vec![Table::Boundary(BoundaryTable), Table::Bytes(BytesTable)]
}

/// The statement around the boundary table: the segments that left the imported values
/// send them, the next ones receive the exports; the segment's accesses take the
/// time-0 tokens and leave the last ones.
fn boundary_statement(rows: &[BoundaryRow]) -> Vec<BusMessage<Val>> {
    rows.iter()
        .flat_map(|r| {
            let s = r.span;
            [
                BusMessage::send(GLOBAL_MEMORY, vals(&tuple(s.cell, s.first, r.in_segment))),
                BusMessage::receive(GLOBAL_MEMORY, vals(&tuple(s.cell, s.last, SEGMENT))),
                BusMessage::receive(MEMORY, vals(&tuple(s.cell, s.first, 0))),
                BusMessage::send(MEMORY, vals(&tuple(s.cell, s.last, s.last_time))),
            ]
        })
        .collect()
}

fn boundary_rows() -> Vec<BoundaryRow> {
    spans().into_iter().map(|span| BoundaryRow { span, in_segment: 0 }).collect()
}

#[test]
fn boundary_joins_the_segment_to_the_global_bus() {
    let rows = boundary_rows();
    let mut lookups = Lookups::default();
    let trace = BoundaryTable::trace(&rows, SEGMENT, &mut lookups);
    let statement = boundary_statement(&rows);
    assert_eq!(imbalance(&boundary_tables(), &[trace.clone(), lookups.trace()], &statement), vec![]);
    prove_and_verify_checked(&boundary_tables(), vec![trace, lookups.trace()], statement).expect("verifies");
}

/// A row imports its value from this segment (a cycle) or a later one (a read from the
/// future): `segment − in_segment − 1` is negative, so its RANGE16 lookup is not in the
/// bytes table, and nothing else is unbalanced.
#[test]
fn boundary_import_from_this_or_a_later_segment_fails() {
    for in_segment in [SEGMENT, SEGMENT + 4] {
        let mut rows = boundary_rows();
        let forged = 2;
        let mut lookups = Lookups::default();
        let mut trace = BoundaryTable::trace(&rows, SEGMENT, &mut Lookups::default());
        for _ in 1..rows.len() {
            lookups.range16(SEGMENT - 1);
        }
        trace.values[forged * boundary::WIDTH + boundary::IN_SEGMENT] = Val::from_u64(in_segment);
        rows[forged].in_segment = in_segment;
        let statement = boundary_statement(&rows);
        let traces = vec![trace, lookups.trace()];
        let unbalanced = imbalance(&boundary_tables(), &traces, &statement);
        let wrapped = ORDER - (in_segment + 1 - SEGMENT);
        assert_eq!(
            unbalanced.iter().map(|u| (u.bus, u.values.clone(), u.count)).collect::<Vec<_>>(),
            [(RANGE16, vec![wrapped], 1)]
        );
        assert!(prove_and_verify(&boundary_tables(), traces, statement).is_err(), "in_segment {in_segment}");
    }
}

/// The export is not the segment's last token: a changed top limb.
#[test]
fn boundary_changed_export_fails() {
    let rows = boundary_rows();
    let mut lookups = Lookups::default();
    let mut trace = BoundaryTable::trace(&rows, SEGMENT, &mut lookups);
    trace.values[boundary::WIDTH + boundary::OUT + 3] += Val::ONE;
    let statement = boundary_statement(&rows);
    let traces = vec![trace, lookups.trace()];
    let buses: Vec<_> = imbalance(&boundary_tables(), &traces, &statement).into_iter().map(|u| u.bus).collect();
    assert_eq!(buses.iter().filter(|&&b| b == MEMORY).count(), 2, "{buses:?}");
    assert_eq!(buses.iter().filter(|&&b| b == GLOBAL_MEMORY).count(), 2, "{buses:?}");
    assert!(prove_and_verify(&boundary_tables(), traces, statement).is_err());
}

// ---------------------------------------------------------------------------------
// Final memory

fn final_tables() -> Vec<Table> {
    vec![Table::FinalMemory(FinalMemoryTable), Table::Bytes(BytesTable)]
}

/// The memory segment's public values (the final memory table is active only there).
fn memory_public_values() -> Vec<Val> {
    segment::public_values(0, true).map(Val::from_u64).to_vec()
}

/// Image cells touched and untouched, cells only the run touched, registers and the
/// reservation; sorted by cell.
fn final_cells() -> Vec<FinalCell> {
    let cell = |cell: u64, is_image: bool, segment: u64| FinalCell {
        cell,
        is_image,
        value: if segment == 0 && !is_image { 0 } else { 0x0123_4567_89ab_cdef_u64.rotate_left(cell as u32 % 64) },
        segment,
    };
    vec![
        cell(0, true, 0),
        cell(1, true, 3),
        cell(2, false, 1),
        cell(0x4000, false, 2),
        cell((1 << 29) - 1, true, 0),
        cell(1 << 29, false, 5),
        cell(cell::register(2), true, 4),
        cell(cell::register(31), false, 1),
        cell(cell::RESERVATION, false, 9),
    ]
}

/// The statement around the final memory table: the ELF image's tokens, the first
/// segment touching a non-image cell takes its created token, the last one exports the
/// final value (an image cell's import and the image's token cancel).
fn final_statement(cells: &[FinalCell]) -> Vec<BusMessage<Val>> {
    let mut statement = Vec::new();
    for c in cells {
        match (c.is_image, c.segment) {
            (true, 0) => statement.push(BusMessage::send(GLOBAL_MEMORY, vals(&tuple(c.cell, c.value, 0)))),
            (false, 0) => {}
            (is_image, segment) => {
                if !is_image {
                    statement.push(BusMessage::receive(GLOBAL_MEMORY, vals(&tuple(c.cell, 0, 0))));
                }
                statement.push(BusMessage::send(GLOBAL_MEMORY, vals(&tuple(c.cell, c.value, segment))));
            }
        }
    }
    statement
}

/// The bytes table serving every in-range RANGE16 lookup `trace` makes.
fn serve(trace: &RowMajorMatrix<Val>) -> RowMajorMatrix<Val> {
    let tables = [Table::FinalMemory(FinalMemoryTable)];
    let mut lookups = Lookups::default();
    for u in bus_imbalance(&tables, std::slice::from_ref(trace), &memory_public_values(), &[]) {
        if let (RANGE16, &[s, v]) = (u.bus, &u.values[..]) {
            if s == SEGMENT && v < 1 << 16 && u.count > 0 {
                (0..u.count).for_each(|_| lookups.range16(v));
            }
        }
    }
    lookups.trace()
}

/// The tuples left unbalanced by the final memory table, its bytes table and `statement`.
fn final_imbalance(traces: &[RowMajorMatrix<Val>], statement: &[BusMessage<Val>]) -> Vec<(u32, Vec<u64>, i64)> {
    let unbalanced = bus_imbalance(&final_tables(), traces, &memory_public_values(), statement);
    unbalanced.into_iter().map(|u| (u.bus, u.values, u.count)).collect()
}

/// Proves the memory segment's final memory table (with its public values, which
/// `common::prove_and_verify` does not use); `checked` first requires the constraints.
fn prove_final(traces: Vec<RowMajorMatrix<Val>>, statement: Vec<BusMessage<Val>>, checked: bool) -> Result<(), String> {
    let (config, tables) = (config(), final_tables());
    let pk = setup(&config, &tables).map_err(|e| format!("setup: {e}"))?;
    let witness = SegmentWitness { traces, public_values: memory_public_values() };
    if checked {
        check_witness(&config, &pk, &tables, 0, &witness).map_err(|e| format!("constraints: {e}"))?;
    }
    let statement = Statement { public_values: vec![], boundary: statement };
    let proofs = prove_segments(&config, &pk, &tables, &statement, 1, 1, |_| Ok::<_, String>(witness.clone()))
        .map_err(|e| format!("prove: {e}"))?;
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).map_err(|e| e.to_string())
}

#[test]
fn final_memory_consumes_every_cell_once() {
    let cells = final_cells();
    let mut lookups = Lookups::default();
    let trace = FinalMemoryTable::trace(&cells, &mut lookups);
    let traces = vec![trace, lookups.trace()];
    let statement = final_statement(&cells);
    assert_eq!(final_imbalance(&traces, &statement), vec![]);
    prove_final(traces, statement, true).expect("verifies");
}

/// Outside the memory segment the table has no real row.
#[test]
fn final_memory_outside_the_memory_segment_fails() {
    let cells = final_cells();
    let mut lookups = Lookups::default();
    let traces = vec![FinalMemoryTable::trace(&cells, &mut lookups), lookups.trace()];
    let statement = in_segment(&final_statement(&cells));
    assert!(prove_and_verify(&final_tables(), traces, statement).is_err());
}

/// Two rows for one cell (the second created again): two tokens of the cell, two
/// chains of its values. `cell' − cell − 1 = −1` has no window.
#[test]
fn final_memory_repeated_cell_fails() {
    let mut cells = final_cells();
    let repeated = 3;
    let trace = FinalMemoryTable::trace(&cells, &mut Lookups::default());
    let mut values = trace.values;
    let row = |r: usize, col: usize| r * final_memory::WIDTH + col;
    let cell = cells[repeated - 1].cell;
    cells[repeated].cell = cell;
    values[row(repeated, final_memory::CELL)] = Val::from_u64(cell);
    values[row(repeated, final_memory::BOUND)] = Val::from_u64(cell);
    values[row(repeated, final_memory::BOUND + 1)] = Val::ZERO;
    // The best split of −1 into the window, and the next row's gap from `cell`.
    values[row(repeated - 1, final_memory::GAP)] = Val::NEG_ONE;
    values[row(repeated - 1, final_memory::GAP + 1)] = Val::ZERO;
    let gap = cells[repeated + 1].cell - cell - 1;
    values[row(repeated, final_memory::GAP)] = Val::from_u64(gap & 0x3fff);
    values[row(repeated, final_memory::GAP + 1)] = Val::from_u64(gap >> 14);
    let trace = RowMajorMatrix::new(values, final_memory::WIDTH);
    let traces = vec![trace.clone(), serve(&trace)];
    let statement = final_statement(&cells);
    assert_eq!(final_imbalance(&traces, &statement), [(RANGE16, vec![SEGMENT, ORDER - 1], 1)]);
    assert!(prove_final(traces, statement, true).is_err());
}

/// A row past the last with a cell above the bound (`2^29 + 2^16`; `w_0` would be
/// `2^16 + 2^13`), creating and consuming its own token: the order holds, only the
/// bound fails. (Over a 31-bit field such cells would let the order go round the field
/// back to a real cell.)
#[test]
fn final_memory_cell_beyond_the_bound_fails() {
    let cells = final_cells();
    let extra = cells.len();
    let big = (1 << 29) + (1 << 16);
    let trace = FinalMemoryTable::trace(&cells, &mut Lookups::default());
    assert!(trace.values.len() > (extra + 1) * final_memory::WIDTH, "a padding row to use");
    let mut values = trace.values;
    let row = |r: usize, col: usize| r * final_memory::WIDTH + col;
    let gap = big - cells[extra - 1].cell - 1;
    values[row(extra - 1, final_memory::GAP)] = Val::from_u64(gap & 0x3fff);
    values[row(extra - 1, final_memory::GAP + 1)] = Val::from_u64(gap >> 14);
    values[row(extra, final_memory::IS_REAL)] = Val::ONE;
    values[row(extra, final_memory::CELL)] = Val::from_u64(big);
    values[row(extra, final_memory::BOUND)] = Val::from_u64((1 << 16) + (1 << 13));
    values[row(extra, final_memory::BOUND + 1)] = Val::from_u64(0xffff);
    let trace = RowMajorMatrix::new(values, final_memory::WIDTH);
    let traces = vec![trace.clone(), serve(&trace)];
    let statement = final_statement(&cells);
    assert_eq!(final_imbalance(&traces, &statement), [(RANGE16, vec![SEGMENT, (1 << 16) + (1 << 13)], 1)]);
    assert!(prove_final(traces, statement, true).is_err());
}

/// An image cell claimed as not in the image: its row creates a zero token besides the
/// image's, and only one is consumed.
#[test]
fn final_memory_image_cell_created_twice_fails() {
    let cells = final_cells();
    let mut lookups = Lookups::default();
    let mut trace = FinalMemoryTable::trace(&cells, &mut lookups);
    let image = cells.iter().position(|c| c.is_image && c.segment > 0).expect("a touched image cell");
    trace.values[image * final_memory::WIDTH + final_memory::IS_IMAGE] = Val::ZERO;
    let traces = vec![trace, lookups.trace()];
    let statement = final_statement(&cells);
    let c = cells[image].cell;
    assert_eq!(final_imbalance(&traces, &statement), [(GLOBAL_MEMORY, tuple(c, 0, 0), 1)]);
    assert!(prove_final(traces, statement, false).is_err());
}
