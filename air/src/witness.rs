//! Witness generation: from a run's minimal trace to every table's trace, per segment.
//!
//! Each execution segment is replayed from its own minimal trace
//! ([`ziskjit_trace::replay_segment`]); its steps are dispatched, in order, to the
//! table builders, which perform the step's memory accesses on one [`MemoryTracker`]
//! (so times and previous values are consistent across tables). The only thing a
//! segment needs from the others is the value of each cell at its start and which
//! segment left it there (for the boundary table): [`MemoryHistory`] holds, per cell,
//! the value each segment exported. It is built by one sequential pass
//! ([`RunWitness::push`]) that generates every segment's witness once and keeps only its
//! exports (it runs as the segments arrive from execution, and hands each witness to
//! phase 1 at once); afterwards any segment's witness can be regenerated on its own,
//! in any order and in parallel (for phase 2).
//!
//! The ROM and the bytes table are lookup tables on local buses (their tuples carry the
//! segment number, [`crate::bus::LOCAL_BUSES`]): every execution segment holds both with
//! its own counts. The memory segment executes nothing, so it leaves the ROM out (a
//! table with no rows) and holds the bytes table for its own range checks.
//!
//! Every value the tables compute is cross-checked against the interpreter's step
//! record (the one ISA semantics): a table whose arithmetic disagrees with the VM is a
//! witness error, never a silently wrong proof.

use crate::alu::AluTable;
use crate::boundary::{BoundaryRow, BoundaryTable};
use crate::bus::{addr_limbs, cell, ts, AluEvent, AluOp, HALT_PC, MAX_PC};
use crate::bytes::Lookups;
use crate::cpu::col;
use crate::final_memory::{FinalCell, FinalMemoryTable};
use crate::gadgets::{limb_vals, to_val, MemoryTracker};
use crate::memop::MemOpBuilder;
use crate::memword::{MemWordBuilder, MemWordTable};
use crate::muldiv::MulDivTable;
use crate::parts::PARTS;
use crate::rom::{Kind, RomRow, RomTable};
use crate::syscall::SyscallBuilder;
use crate::table::Table;
use crate::Val;
use p3_air::BaseAir;
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use std::collections::{BTreeMap, HashMap};
use ziskjit_prover::SegmentWitness;
use ziskjit_runtime::record::StepRecord;
use ziskjit_runtime::trace::SegmentTrace;
use ziskjit_transpiler::Program;

/// Why a witness could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("replaying segment {segment}: {source}")]
    Replay { segment: usize, source: ziskjit_trace::ReplayError },
    #[error("step {step} (pc 0x{pc:x}): {message}")]
    Step { step: u64, pc: u64, message: String },
    /// An ecall the VM runs but a proof cannot hold (too many bytes moved or output).
    #[error("step {step} (pc 0x{pc:x}): {source}")]
    ProofLimit { step: u64, pc: u64, source: crate::syscall::ProofLimit },
}

/// The ELF's initial memory as cells: every non-zero aligned word of the loadable
/// segments' file bytes, and the initial stack pointer. Every other cell starts at 0.
pub fn initial_cells(program: &Program) -> BTreeMap<u64, u64> {
    let mut words: BTreeMap<u64, u64> = BTreeMap::new();
    for segment in &program.segments {
        for (i, &byte) in segment.data.iter().enumerate() {
            if byte != 0 {
                let addr = segment.vaddr + i as u64;
                *words.entry(cell::word(addr)).or_default() |= u64::from(byte) << (8 * (addr & 7));
            }
        }
    }
    words.insert(cell::register(2), ziskjit_runtime::memory::INITIAL_SP);
    words
}

/// Per cell, the values segments exported, in segment order.
#[derive(Clone, Debug, Default)]
pub struct MemoryHistory {
    initial: BTreeMap<u64, u64>,
    exports: HashMap<u64, Vec<(u64, u64)>>,
}

impl MemoryHistory {
    /// The value of `cell` when segment number `segment` starts, and the number of the
    /// segment that left it (0: the initial memory).
    pub fn before(&self, cell: u64, segment: u64) -> (u64, u64) {
        let initial = || (self.initial.get(&cell).copied().unwrap_or(0), 0);
        let Some(list) = self.exports.get(&cell) else { return initial() };
        match list.partition_point(|&(s, _)| s < segment) {
            0 => initial(),
            i => (list[i - 1].1, list[i - 1].0),
        }
    }
}

/// What a segment starts with besides memory.
#[derive(Clone, Copy, Debug, Default)]
struct SegmentStart {
    /// Public output bytes written before it.
    output_count: u64,
    /// Private input bytes consumed before it.
    input_offset: usize,
}

/// Everything needed to generate any segment's witness: the program, the run's
/// minimal trace (kept: the prover regenerates each segment's witness for phase 2) and
/// private input, and what the sequential pass learned.
pub struct RunWitness<'a> {
    program: &'a Program,
    rom: &'a RomTable,
    input: &'a [u8],
    segments: Vec<SegmentTrace>,
    history: MemoryHistory,
    starts: Vec<SegmentStart>,
    next_start: SegmentStart,
    /// The run's public output and exit code so far, as the tables computed them.
    pub public_output: Vec<u8>,
    pub exit_code: Option<u8>,
}

/// One segment's traces before padding into the program's table order.
struct SegmentTables {
    cpu: RowMajorMatrix<Val>,
    rom_counts: HashMap<u64, u64>,
    alu: Vec<AluEvent>,
    memop: MemOpBuilder,
    memword: MemWordBuilder,
    syscall: SyscallBuilder,
    boundary: Vec<BoundaryRow>,
    lookups: Lookups,
}

impl<'a> RunWitness<'a> {
    /// A run of `program` on `input`, before its first segment.
    pub fn new(program: &'a Program, rom: &'a RomTable, input: &'a [u8]) -> Self {
        RunWitness {
            program,
            rom,
            input,
            segments: Vec::new(),
            history: MemoryHistory { initial: initial_cells(program), exports: HashMap::new() },
            starts: Vec::new(),
            next_start: SegmentStart::default(),
            public_output: Vec::new(),
            exit_code: None,
        }
    }

    /// Adds the run's next execution segment (segments must come in order) and returns
    /// its position and witness. This is the sequential pass: it records what the
    /// segment leaves in memory for the segments after it.
    pub fn push(&mut self, trace: SegmentTrace) -> Result<(usize, SegmentWitness<Val>), WitnessError> {
        let k = self.segments.len();
        let _span = tracing::info_span!("witness", segment = k).entered();
        self.segments.push(trace);
        self.starts.push(self.next_start);
        let (tables, end) = self.generate(k)?;
        for b in &tables.boundary {
            self.history.exports.entry(b.span.cell).or_default().push((k as u64 + 1, b.span.last));
        }
        self.public_output.extend_from_slice(&end.public_output);
        if end.exit_code.is_some() {
            self.exit_code = end.exit_code;
        }
        self.next_start = SegmentStart { output_count: end.output_count, input_offset: end.input_offset };
        Ok((k, self.assemble(k, tables, Vec::new(), false)))
    }

    /// Number of segment proofs: the execution segments and the memory segment.
    pub fn num_segments(&self) -> usize {
        self.segments.len() + 1
    }

    /// The program's tables, in the order of every segment's traces.
    pub fn tables(rom: &RomTable) -> Vec<Table> {
        let mut tables = vec![Table::Cpu(crate::cpu::CpuTable), Table::Rom(rom.clone())];
        let split = AluTable::all().into_iter().map(Table::Alu);
        let split = split.chain(MulDivTable::all().into_iter().map(Table::MulDiv));
        let split = split.chain([Table::MemOp(crate::memop::MemOpTable), Table::MemWord(MemWordTable)]);
        tables.extend(Table::parts(split, PARTS));
        tables.extend([
            Table::Syscall(crate::syscall::SyscallTable),
            Table::Boundary(BoundaryTable),
            Table::FinalMemory(FinalMemoryTable),
            Table::Bytes(crate::bytes::BytesTable),
        ]);
        tables
    }

    /// The witness of proof segment `index` (after the last [`RunWitness::push`], index
    /// `num_segments() − 1` is the memory segment).
    pub fn segment(&self, index: usize) -> Result<SegmentWitness<Val>, WitnessError> {
        let _span = tracing::info_span!("witness", segment = index).entered();
        Ok(if index < self.segments.len() {
            self.assemble(index, self.generate(index)?.0, Vec::new(), false)
        } else {
            self.assemble(index, SegmentTables::empty(), self.final_cells(), true)
        })
    }

    /// Puts a segment's tables in the program's table order, with its own ROM counts and
    /// bytes table; the memory segment (`is_memory`) leaves the ROM out.
    fn assemble(
        &self,
        index: usize,
        tables: SegmentTables,
        final_cells: Vec<FinalCell>,
        is_memory: bool,
    ) -> SegmentWitness<Val> {
        let number = index as u64 + 1;
        let public_values = crate::segment::public_values(index, is_memory).map(Val::from_u64).to_vec();
        let SegmentTables { cpu, rom_counts, alu, memop, memword, syscall, boundary, mut lookups } = tables;
        let (base, muldiv): (Vec<AluEvent>, Vec<AluEvent>) = alu.into_iter().partition(|e| AluTable::handles(e.op));
        let mut traces = vec![cpu];
        let split = AluTable::rows(&base, &mut lookups).into_iter();
        let split = split.chain(MulDivTable::all().into_iter().map(|t| t.rows(&muldiv, &mut lookups)));
        traces.extend(split.chain([memop.rows(), memword.rows()]).flat_map(|rows| rows.into_parts(PARTS)));
        traces.push(syscall.trace());
        traces.push(BoundaryTable::trace(&boundary, number, &mut lookups));
        traces.push(FinalMemoryTable::trace(&final_cells, &mut lookups));
        let rom = match is_memory {
            true => absent(self.rom.width()),
            false => self.rom.trace(&rom_counts),
        };
        traces.insert(1, rom);
        traces.push(lookups.trace());
        SegmentWitness { traces, public_values }
    }

    /// The final memory table's rows: every cell an execution segment touched or the
    /// image initialises, with its last value.
    fn final_cells(&self) -> Vec<FinalCell> {
        let mut cells: BTreeMap<u64, FinalCell> = self
            .history
            .initial
            .iter()
            .map(|(&cell, &value)| (cell, FinalCell { cell, is_image: true, value, segment: 0 }))
            .collect();
        for (&cell, list) in &self.history.exports {
            let &(segment, value) = list.last().expect("a cell is exported at least once");
            let is_image = self.history.initial.contains_key(&cell);
            cells.insert(cell, FinalCell { cell, is_image, value, segment });
        }
        cells.into_values().collect()
    }

    /// Replays execution segment `k` and builds its tables.
    fn generate(&self, k: usize) -> Result<(SegmentTables, SegmentEnd), WitnessError> {
        let segment = &self.segments[k];
        let number = k as u64 + 1;
        let import = |c: u64| self.history.before(c, number).0;
        let mut state = StepState {
            rom: self.rom,
            tracker: MemoryTracker::new(&import),
            tables: SegmentTables::empty(),
            cpu_rows: Vec::with_capacity(segment.steps as usize * col::WIDTH),
            first_step: segment.start.step,
            output_count: self.starts[k].output_count,
            input: self.input,
            input_offset: self.starts[k].input_offset,
            public_output: Vec::new(),
            exit_code: None,
            error: None,
        };
        let replayed = ziskjit_trace::replay_segment(self.program, segment, |record| {
            if state.error.is_none() {
                if let Err(e) = state.step(record) {
                    state.error = Some(e);
                }
            }
        });
        replayed.map_err(|source| WitnessError::Replay { segment: k, source })?;
        if let Some(e) = state.error {
            return Err(e);
        }
        let StepState { tracker, mut tables, cpu_rows, .. } = state;
        tables.cpu = pad_cpu(cpu_rows, state.output_count);
        tables.boundary = tracker
            .spans()
            .into_iter()
            .map(|span| BoundaryRow { span, in_segment: self.history.before(span.cell, number).1 })
            .collect();
        let end = SegmentEnd {
            output_count: state.output_count,
            input_offset: state.input_offset,
            public_output: state.public_output,
            exit_code: state.exit_code,
        };
        Ok((tables, end))
    }
}

/// The trace of a table the segment leaves out.
fn absent(width: usize) -> RowMajorMatrix<Val> {
    RowMajorMatrix::new(Vec::new(), width)
}

/// What a segment leaves for the next.
struct SegmentEnd {
    output_count: u64,
    input_offset: usize,
    public_output: Vec<u8>,
    exit_code: Option<u8>,
}

impl SegmentTables {
    fn empty() -> Self {
        SegmentTables {
            cpu: pad_cpu(Vec::new(), 0),
            rom_counts: HashMap::new(),
            alu: Vec::new(),
            memop: MemOpBuilder::new(),
            memword: MemWordBuilder::default(),
            syscall: SyscallBuilder::new(),
            boundary: Vec::new(),
            lookups: Lookups::default(),
        }
    }
}

/// Pads the main table's rows to a power of two ≥ 2 with rows that only count `clk`
/// and carry the output count `out` after the last step.
fn pad_cpu(mut rows: Vec<Val>, out: u64) -> RowMajorMatrix<Val> {
    let real = rows.len() / col::WIDTH;
    let height = real.next_power_of_two().max(2);
    for clk in real..height {
        let mut row = [Val::ZERO; col::WIDTH];
        row[col::CLK] = to_val(clk as u64);
        row[col::OUT] = to_val(out);
        rows.extend(row);
    }
    RowMajorMatrix::new(rows, col::WIDTH)
}

/// The state of one segment's witness generation, step by step.
struct StepState<'t, 'i> {
    rom: &'t RomTable,
    tracker: MemoryTracker<'i>,
    tables: SegmentTables,
    cpu_rows: Vec<Val>,
    first_step: u64,
    output_count: u64,
    input: &'t [u8],
    input_offset: usize,
    public_output: Vec<u8>,
    exit_code: Option<u8>,
    error: Option<WitnessError>,
}

impl StepState<'_, '_> {
    /// Dispatches one step to the tables and appends its main-table row.
    fn step(&mut self, record: &StepRecord) -> Result<(), WitnessError> {
        let fail = |message: String| WitnessError::Step { step: record.step, pc: record.pc, message };
        let row: RomRow = *self.rom.row(record.pc).ok_or_else(|| fail("no provable instruction here".into()))?;
        let clk = record.step - self.first_step;
        let lookups = &mut self.tables.lookups;
        // x0 (the register of an unused operand) holds 0.
        let a = if row.rs1 != 0 { record.rs1_value } else { 0 };
        let b = if row.rs2 != 0 { record.rs2_value } else { 0 };
        let mut read = |reg: u8, value: u64, slot: u64, tracker: &mut MemoryTracker| {
            let w = tracker.read(cell::register(reg), ts::at(clk, slot), lookups);
            if w.prev != value {
                return Err(fail(format!("x{reg} holds {:#x} in memory, the record says {value:#x}", w.prev)));
            }
            Ok(w)
        };
        let rs1_access = read(row.rs1, a, ts::RS1, &mut self.tracker)?;
        let rs2_access = read(row.rs2, b, ts::RS2, &mut self.tracker)?;

        let alu = |op: AluOp, x: u64, y: u64, events: &mut Vec<AluEvent>| {
            let e = AluEvent::new(op, x, y);
            events.push(e);
            e.c
        };
        let pc = record.pc;
        let link = pc + u64::from(row.len);
        let (mut next_pc, mut next_out, mut halted, mut addr) = (link, self.output_count, false, 0);
        let alu_op = row.alu;
        let events = &mut self.tables.alu;
        let result = match row.kind {
            Kind::AluReg => alu(alu_op.unwrap(), a, b, events),
            Kind::AluImm => alu(alu_op.unwrap(), a, row.imm, events),
            Kind::Jalr => {
                addr = alu(AluOp::Add, a, row.imm, events);
                if addr >= MAX_PC {
                    return Err(fail(format!("jump target {addr:#x} at or above 2^30, where no code is")));
                }
                // Main's `small14` of the target's high limb.
                self.tables.lookups.small14(addr >> 16);
                next_pc = addr & !1;
                link
            }
            Kind::Branch => {
                let cmp = alu(alu_op.unwrap(), a, b, events);
                if cmp ^ u64::from(row.negate) == 1 {
                    next_pc = pc.wrapping_add(row.imm);
                }
                cmp
            }
            Kind::Memory => {
                addr = alu(AluOp::Add, a, row.imm, events);
                if addr >> 32 != 0 {
                    return Err(fail(format!("address {addr:#x} outside the 32-bit address space")));
                }
                let op = row.mem.expect("memory rows have a memop");
                let (tracker, lookups) = (&mut self.tracker, &mut self.tables.lookups);
                if MemWordTable::takes(op, addr) {
                    self.tables.memword.push(clk, op, addr, b, tracker, lookups)
                } else {
                    self.tables.memop.push(clk, op, addr, b, tracker, lookups, events)
                }
            }
            Kind::Ecall => {
                let len = self.tracker.peek(cell::register(12));
                let is_read = self.tracker.peek(cell::register(17)) == ziskjit_runtime::syscall::SYS_READ;
                let delivered = if is_read {
                    let n = (len as usize).min(self.input.len() - self.input_offset);
                    &self.input[self.input_offset..self.input_offset + n]
                } else {
                    &[]
                };
                let effect = self
                    .tables
                    .syscall
                    .push(clk, pc, self.output_count, delivered, &mut self.tracker, &mut self.tables.lookups)
                    .map_err(|source| WitnessError::ProofLimit { step: record.step, pc, source })?;
                self.input_offset += delivered.len();
                next_out = effect.next_output_count;
                halted = effect.halted;
                if halted {
                    next_pc = HALT_PC;
                }
                self.public_output.extend_from_slice(&effect.public_output);
                if let Some(code) = effect.exit_code {
                    self.exit_code = Some(code);
                }
                next_out
            }
        };
        if row.rd != cell::DISCARD && result != record.rd_value {
            return Err(fail(format!("tables compute {result:#x}, the interpreter {:#x}", record.rd_value)));
        }
        if !halted && next_pc != record.next_pc {
            return Err(fail(format!("tables go to {next_pc:#x}, the interpreter to {:#x}", record.next_pc)));
        }
        let lookups = &mut self.tables.lookups;
        let rd_access = self.tracker.write(cell::register(row.rd), result, ts::at(clk, ts::RD), lookups);

        let mut r = [Val::ZERO; col::WIDTH];
        r[col::CLK] = to_val(clk);
        r[col::PC] = to_val(pc);
        r[col::NEXT_PC] = to_val(next_pc);
        r[col::OUT] = to_val(self.output_count);
        // Memory and jalr rows: `rs1 + imm < 2^32` (checked above), as two limbs.
        r[col::ADDR..col::ADDR + 2].copy_from_slice(&addr_limbs(addr).map(Val::from_u64));
        r[col::A..col::A + 4].copy_from_slice(&limb_vals(a));
        r[col::B..col::B + 4].copy_from_slice(&limb_vals(b));
        // An ecall's result is the output count after it (< 2^30): main reads it as
        // `C0 + 2^16·C1`, and the discarded register gets these limbs.
        r[col::C..col::C + 4].copy_from_slice(&limb_vals(result));
        r[col::ROM..col::ROM + crate::rom::FIELDS].copy_from_slice(&row.fields());
        for (w, at) in [(rs1_access, col::RS1_ACCESS), (rs2_access, col::RS2_ACCESS)] {
            r[at..at + 3].copy_from_slice(&w.time_cols());
        }
        r[col::RD_ACCESS..col::RD_ACCESS + 4].copy_from_slice(&rd_access.prev_limbs());
        r[col::RD_ACCESS + 4..col::RD_ACCESS + 7].copy_from_slice(&rd_access.time_cols());
        self.cpu_rows.extend(r);
        *self.tables.rom_counts.entry(pc).or_default() += 1;
        self.output_count = next_out;
        Ok(())
    }
}
