//! End-to-end proofs of whole runs, and soundness: for each family of constraints a
//! witness or a proof is tampered with and verification must fail.
//!
//! The guest is a small assembled program using every instruction kind (ALU, M, loads
//! and stores of every width and alignment, LR/SC, AMOs, branches, jumps, `read`,
//! `write`, `exit`, `lui`, `fence`), run in segments of a few dozen steps so that registers and memory
//! cross several segment boundaries.

use p3_field::PrimeCharacteristicRing;
use std::path::Path;
use ziskjit_air::bus::cell;
use ziskjit_air::cpu::col;
use ziskjit_air::rom::{field, Kind};
use ziskjit_air::run_proof::{prove_run, statement, verify_run, ProgramKey, RunProof};
use ziskjit_air::witness::RunWitness;
use ziskjit_air::Val;
use ziskjit_prover::{commit_segment, prove_segments, SegmentWitness};
use ziskjit_runtime::trace::{record_with_interpreter, SegmentTrace};
use ziskjit_runtime::Io;
use ziskjit_testgen::toolchain::assemble;
use ziskjit_transpiler::Program;

/// Every instruction kind, a loop, private input echoed to the public output.
const GUEST: &str = r#"
    .globl _start
    .pushsection .data
    .balign 8
buf:    .dword 0x1122334455667788, 0x99aabbccddeeff00
lock:   .dword 0
inbuf:  .zero 16
    .popsection
    .text
_start:
    lui t0, 0xfffff           # an ALU row from x0
    fence                     # one writing nothing
    la s0, buf
    li s1, 5                  # loop counter
    li s2, 0                  # accumulator
loop:
    ld t0, 0(s0)
    lbu t1, 3(s0)
    lh t2, 5(s0)
    lw t3, 6(s0)              # spans two words
    add s2, s2, t0
    xor s2, s2, t1
    sub s2, s2, t2
    sll t4, s2, s1
    sra t5, t4, s1
    sltu t6, t5, t4
    or s2, s2, t6
    mul a3, s2, t3
    mulh a4, s2, t0
    div a5, a3, s1
    remu a6, a3, s1
    divw a7, s2, zero         # division by zero
    add s2, s2, a5
    xor s2, s2, a6
    sb s2, 9(s0)
    sh s2, 13(s0)             # spans two words
    sw a4, 2(s0)
    addiw s1, s1, -1
    bnez s1, loop
    # atomics
    la s3, lock
    lr.d t0, (s3)
    addi t0, t0, 7
    sc.d t1, t0, (s3)
    sc.d t2, t0, (s3)         # fails: no reservation
    li t3, -3
    amoadd.w t4, t3, (s3)
    amomaxu.d t5, s2, (s3)
    amoswap.w t6, s1, (s3)
    add s2, s2, t1
    add s2, s2, t2
    add s2, s2, t4
    jal ra, helper
    # read up to 16 bytes of input into inbuf, then write them and the accumulator
    li a0, 0
    la a1, inbuf
    li a2, 16
    li a7, 63
    ecall
    mv a2, a0
    li a0, 1
    la a1, inbuf
    li a7, 64
    ecall
    sd s2, 0(s0)
    li a0, 1
    mv a1, s0
    li a2, 8
    li a7, 64
    ecall
    andi a0, s2, 0x7f
    li a7, 93
    ecall
helper:
    addi s2, s2, 1
    ret
"#;

/// Steps per segment in these tests: small, so a run has several segments.
const SEGMENT_STEPS: u64 = 64;

struct Run {
    program: Program,
    segments: Vec<SegmentTrace>,
    input: Vec<u8>,
    exit_code: u8,
    output: Vec<u8>,
}

fn run_guest(dir: &Path, source: &str, input: &[u8]) -> Run {
    let elf = assemble(dir, "guest", source);
    let program = ziskjit_transpiler::load_elf(&std::fs::read(elf).unwrap()).unwrap();
    let mut output = Vec::new();
    let mut segments = Vec::new();
    let summary = {
        let mut debug = Vec::new();
        let mut io = Io::in_memory(input, &mut output, &mut debug);
        record_with_interpreter(&program, &mut io, SEGMENT_STEPS, 1 << 20, |s| segments.push(s)).unwrap()
    };
    Run { program, segments, input: input.to_vec(), exit_code: summary.exit_code, output }
}

fn guest_run() -> Run {
    let dir = tempfile::tempdir().unwrap();
    run_guest(dir.path(), GUEST, b"private input!")
}

/// Proves `run`, keeping up to `keep_bytes` of phase-1 results for phase 2; returns the
/// proof and the number of witnesses built (one per kept segment, two per other).
fn prove_keeping(run: &Run, key: &ProgramKey, keep_bytes: usize) -> (RunProof, usize) {
    let built = std::sync::atomic::AtomicUsize::new(0);
    let count = || {
        built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let proof = prove_run(&run.program, key, run.segments.clone().into_iter(), &run.input, 0, keep_bytes, &count);
    (proof.unwrap(), built.into_inner())
}

/// Proves `run` with every segment witness passed through `tamper(segment, witness)`.
fn prove_tampered(run: &Run, key: &ProgramKey, tamper: impl Fn(usize, &mut SegmentWitness<Val>) + Sync) -> RunProof {
    let rom = ziskjit_air::rom::RomTable::new(&run.program).unwrap();
    let mut witness = RunWitness::new(&run.program, &rom, &run.input);
    for trace in &run.segments {
        witness.push(trace.clone()).unwrap();
    }
    let exit_code = witness.exit_code.unwrap();
    let statement = statement(&run.program, exit_code, &witness.public_output, witness.num_segments());
    let proofs = prove_segments(
        &ziskjit_air::run_proof::config(),
        &key.pk,
        &key.tables,
        &statement,
        witness.num_segments(),
        0,
        |i| {
            let mut w = witness.segment(i)?;
            tamper(i, &mut w);
            Ok::<_, ziskjit_air::witness::WitnessError>(w)
        },
    )
    .unwrap();
    RunProof { exit_code, public_output: witness.public_output.clone(), segments: proofs }
}

/// The first row of a segment's main table of kind `kind` whose ROM fields pass `pick`.
fn find_row_where(w: &SegmentWitness<Val>, kind: Kind, pick: impl Fn(&[Val]) -> bool) -> Option<usize> {
    let cpu = &w.traces[0];
    let fields =
        |r: usize| &cpu.values[r * col::WIDTH + col::ROM..r * col::WIDTH + col::ROM + ziskjit_air::rom::FIELDS];
    (0..cpu.values.len() / col::WIDTH).find(|&r| fields(r)[field::KIND + kind.index()] == Val::ONE && pick(fields(r)))
}

#[test]
fn a_run_over_several_segments_proves_and_verifies() {
    let run = guest_run();
    assert!(run.segments.len() >= 3, "{} segments", run.segments.len());
    assert_eq!(&run.output[..14], b"private input!");
    let key = ProgramKey::new(&run.program).unwrap();
    // Every phase-1 result kept (each witness built once), none kept (twice), and a
    // budget holding some: phase 2 proves each from what it has.
    let segments = run.segments.len() + 1;
    let (proof, built) = prove_keeping(&run, &key, usize::MAX);
    assert_eq!(built, segments);
    let (rebuilt, built) = prove_keeping(&run, &key, 0);
    assert_eq!(built, 2 * segments);
    verify_run(&run.program, &key, &rebuilt).unwrap();
    let one_segment = {
        let rom = ziskjit_air::rom::RomTable::new(&run.program).unwrap();
        let mut witness = RunWitness::new(&run.program, &rom, &run.input);
        let (index, w) = witness.push(run.segments[0].clone()).unwrap();
        commit_segment(&ziskjit_air::run_proof::config(), &key.pk, index, w).unwrap().resident_bytes()
    };
    let (partial, built) = prove_keeping(&run, &key, 2 * one_segment);
    assert!(segments < built && built < 2 * segments, "{built} witnesses for {segments} segments");
    verify_run(&run.program, &key, &partial).unwrap();
    assert_eq!(proof.exit_code, run.exit_code);
    assert_eq!(proof.public_output, run.output);
    verify_run(&run.program, &key, &proof).unwrap();
    // The file format round-trips, and rejects truncation.
    let bytes = proof.encode().unwrap();
    let decoded = RunProof::decode(&bytes).unwrap();
    verify_run(&run.program, &key, &decoded).unwrap();
    for cut in [0, 7, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(<RunProof>::decode(&bytes[..cut]).is_err(), "truncated at {cut}");
    }

    // The claim: public output and exit code.
    let mut changed = proof.clone();
    changed.public_output[3] ^= 1;
    assert!(verify_run(&run.program, &key, &changed).is_err(), "changed output byte");
    let mut dropped = proof.clone();
    dropped.public_output.pop();
    assert!(verify_run(&run.program, &key, &dropped).is_err(), "dropped output byte");
    let mut exit = proof.clone();
    exit.exit_code ^= 1;
    assert!(verify_run(&run.program, &key, &exit).is_err(), "changed exit code");

    // Segment proofs dropped, duplicated, reordered.
    let mut fewer = proof.clone();
    fewer.segments.remove(1);
    assert!(verify_run(&run.program, &key, &fewer).is_err(), "dropped segment");
    let mut more = proof.clone();
    more.segments.insert(1, proof.segments[1].clone());
    assert!(verify_run(&run.program, &key, &more).is_err(), "duplicated segment");
    let mut swapped = proof.clone();
    swapped.segments.swap(1, 2);
    assert!(verify_run(&run.program, &key, &swapped).is_err(), "swapped segments");

    // Another program's key (one instruction differs), and altered initial memory (one
    // data byte of the ELF differs).
    let dir = tempfile::tempdir().unwrap();
    let other = run_guest(dir.path(), &GUEST.replace("li s1, 5 ", "li s1, 4 "), b"");
    let other_key = ProgramKey::new(&other.program).unwrap();
    assert!(verify_run(&other.program, &other_key, &proof).is_err(), "another ELF's key");
    let mut altered = run.program.clone();
    let data = altered.segments.iter_mut().find(|s| s.writable && !s.data.is_empty()).unwrap();
    data.data[0] ^= 0x40;
    let altered_key = ProgramKey::new(&altered).unwrap();
    assert!(verify_run(&altered, &altered_key, &proof).is_err(), "altered initial memory");
}

/// A run whose `exit` is the last row of a full segment (the main table's last row, whose
/// successor is its first): the final state is sent from there, and no empty segment
/// follows.
#[test]
fn an_exit_on_the_last_row_of_a_full_segment_proves() {
    let dir = tempfile::tempdir().unwrap();
    let steps = |run: &Run| run.segments.iter().map(|s| s.steps).sum::<u64>();
    let padding = (SEGMENT_STEPS - steps(&guest_run()) % SEGMENT_STEPS) % SEGMENT_STEPS;
    let nops = "    nop\n".repeat(padding as usize);
    let run = run_guest(dir.path(), &GUEST.replace("_start:\n", &format!("_start:\n{nops}")), b"private input!");
    assert_eq!(steps(&run) % SEGMENT_STEPS, 0);
    assert_eq!(run.segments.last().unwrap().steps, SEGMENT_STEPS);
    let key = ProgramKey::new(&run.program).unwrap();
    let (proof, _) = prove_keeping(&run, &key, usize::MAX);
    verify_run(&run.program, &key, &proof).unwrap();
    assert_eq!((proof.exit_code, &proof.public_output), (run.exit_code, &run.output));
}

/// Tampers with one main-table cell of the first row of `kind` in each segment that has
/// one (there is one) and expects verification to fail.
fn tampered_main_cell_fails(kind: Kind, column: usize, what: &str) {
    tampered_picked_cell_fails(kind, |_| true, column, what);
}

/// [`tampered_main_cell_fails`] on the first row of `kind` whose ROM fields pass `pick`.
fn tampered_picked_cell_fails(kind: Kind, pick: impl Fn(&[Val]) -> bool + Sync, column: usize, what: &str) {
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let tampered = std::sync::atomic::AtomicBool::new(false);
    let proof = prove_tampered(&run, &key, |_, w| {
        if let Some(row) = find_row_where(w, kind, &pick) {
            w.traces[0].values[row * col::WIDTH + column] += Val::ONE;
            tampered.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert!(tampered.into_inner(), "no row of {kind:?} to tamper with");
    assert!(verify_run(&run.program, &key, &proof).is_err(), "{what} verified");
}

#[test]
fn wrong_lui_result_fails() {
    // `lui` is `add rd, x0, imm` on the ALU bus: its result is the ALU's.
    let from_x0 = |f: &[Val]| f[field::RS1] == Val::ZERO && f[field::RD] != Val::from_u8(cell::DISCARD);
    tampered_picked_cell_fails(Kind::AluImm, from_x0, col::C + 1, "a wrong lui result");
}

/// A `jal`: a `jalr` from x0 to the absolute target.
fn is_jal(f: &[Val]) -> bool {
    f[field::RS1] == Val::ZERO
}

#[test]
fn wrong_jump_target_fails() {
    // The target is the ALU's `rs1 + imm`, or one less (odd: no instruction there).
    tampered_picked_cell_fails(Kind::Jalr, is_jal, col::NEXT_PC, "a wrong jal target");
    tampered_picked_cell_fails(Kind::Jalr, |f| !is_jal(f), col::NEXT_PC, "a wrong jalr target");
    tampered_picked_cell_fails(Kind::Jalr, is_jal, col::ADDR, "a wrong jal address");
    tampered_picked_cell_fails(Kind::Jalr, is_jal, col::ADDR + 1, "a wrong jal address high limb");
}

#[test]
fn forged_shared_rom_field_fails() {
    // `op` holds a memory row's memory operation (its ALU operation is `Add`), a
    // branch's immediate fields its next-pc constants: all are the ROM's.
    tampered_main_cell_fails(Kind::Memory, col::ROM + field::OP, "a forged memory operation");
    tampered_main_cell_fails(Kind::Branch, col::ROM + field::BRANCH_P, "a forged branch constant P");
    tampered_main_cell_fails(Kind::Branch, col::ROM + field::BRANCH_Q, "a forged branch constant Q");
    // A `jalr`'s length and operation fields hold its link, which it writes to `rd`.
    tampered_main_cell_fails(Kind::Jalr, col::ROM + field::LINK0, "a forged link limb 0");
    tampered_main_cell_fails(Kind::Jalr, col::ROM + field::LINK1, "a forged link limb 1");
    tampered_main_cell_fails(Kind::Jalr, col::C + 1, "a link other than the ROM's");
    // `lui` and `auipc` constants are the ROM's immediates.
    let from_x0 = |f: &[Val]| f[field::RS1] == Val::ZERO;
    tampered_picked_cell_fails(Kind::AluImm, from_x0, col::ROM + field::IMM_EXT, "a forged immediate");
}

#[test]
fn nonzero_unused_operand_fails() {
    // An operand the instruction does not use is a read of x0, which holds 0.
    tampered_picked_cell_fails(Kind::Jalr, is_jal, col::A, "a jal reading a nonzero rs1");
}

#[test]
fn second_kind_flag_fails() {
    // A real row's kind flags are the ROM's, exactly one of them set.
    tampered_main_cell_fails(Kind::AluReg, col::ROM + field::KIND + Kind::Jalr.index(), "a second kind flag");
}

#[test]
fn discarded_write_to_a_register_fails() {
    // A store's `rd` is the discarded register: writing its data to a real one instead
    // changes the ROM field.
    tampered_main_cell_fails(Kind::Memory, col::ROM + field::RD, "a store writing a register");
}

#[test]
fn wrong_ecall_effect_on_main_fails() {
    // The next pc and the output count after an `ecall` are the syscall table's.
    tampered_main_cell_fails(Kind::Ecall, col::NEXT_PC, "a wrong pc after an ecall");
    tampered_main_cell_fails(Kind::Ecall, col::C, "a wrong output count after an ecall");
    tampered_main_cell_fails(Kind::Ecall, col::C + 1, "a wrong output count (limb 1) after an ecall");
}

#[test]
fn wrong_alu_result_fails() {
    tampered_main_cell_fails(Kind::AluReg, col::C, "a wrong ALU result");
}

#[test]
fn wrong_loaded_value_fails() {
    tampered_main_cell_fails(Kind::Memory, col::C, "a wrong loaded value");
}

#[test]
fn wrong_branch_target_fails() {
    tampered_main_cell_fails(Kind::Branch, col::NEXT_PC, "a wrong branch target");
}

#[test]
fn wrong_store_fails() {
    // The first store's data (rs2) is one more than the register holds.
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let proof = prove_tampered(&run, &key, |segment, w| {
        let cpu = &mut w.traces[0];
        let store_op = Val::from_u64(ziskjit_air::bus::MemOp::Sb.id());
        if let Some(row) = (0..cpu.values.len() / col::WIDTH).find(|&r| {
            let f = &cpu.values[r * col::WIDTH + col::ROM..];
            f[field::KIND + Kind::Memory.index()] == Val::ONE && f[field::OP] == store_op
        }) {
            if segment <= 1 {
                cpu.values[row * col::WIDTH + col::B] += Val::ONE;
            }
        }
    });
    assert!(verify_run(&run.program, &key, &proof).is_err());
}

#[test]
fn skipped_or_repeated_step_fails() {
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    for repeat in [false, true] {
        let proof = prove_tampered(&run, &key, |segment, w| {
            if segment == 1 {
                let values = &mut w.traces[0].values;
                let (from, to) = if repeat { (10, 11) } else { (11, 10) };
                let row: Vec<Val> = values[from * col::WIDTH..(from + 1) * col::WIDTH].to_vec();
                values[to * col::WIDTH..(to + 1) * col::WIDTH].copy_from_slice(&row);
                // Keep the row counter consistent so only the step itself is wrong.
                values[to * col::WIDTH + col::CLK] = Val::from_u64(to as u64);
            }
        });
        assert!(verify_run(&run.program, &key, &proof).is_err(), "repeat = {repeat}");
    }
}

#[test]
fn changed_register_across_a_segment_boundary_fails() {
    // The boundary table's import of segment 2's first register is off by one.
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let boundary = key.tables.iter().position(|t| matches!(t, ziskjit_air::table::Table::Boundary(_))).unwrap();
    let proof = prove_tampered(&run, &key, |segment, w| {
        if segment == 2 {
            // Columns (boundary.rs): 0 the real flag, 1 the cell, 2 the imported value's
            // limb 0.
            let table = &mut w.traces[boundary];
            let width = table.width;
            let first_register = Val::from_u64(ziskjit_air::bus::cell::REGISTERS);
            let row = (0..table.values.len() / width)
                .find(|&r| {
                    use p3_field::PrimeField64;
                    table.values[r * width] == Val::ONE
                        && table.values[r * width + 1].as_canonical_u64() > first_register.as_canonical_u64()
                })
                .expect("segment 2 touches a register");
            table.values[row * width + 2] += Val::ONE;
        }
    });
    assert!(verify_run(&run.program, &key, &proof).is_err());
}

#[test]
fn wrong_logic_result_in_a_later_part_fails() {
    // The logic table is proved as parts (`parts.rs`): a row of its second part is held
    // to the same constraints and lookups as a row of the first.
    use ziskjit_air::alu::{logic, COUNT};
    use ziskjit_prover::TableName;
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let part = key.tables.iter().position(|t| t.name() == "alu-logic#1").expect("a second logic part");
    let tampered = std::sync::atomic::AtomicBool::new(false);
    let proof = prove_tampered(&run, &key, |_, w| {
        let table = &mut w.traces[part];
        if table.values[COUNT] != Val::ZERO {
            table.values[logic::R] += Val::ONE;
            tampered.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert!(tampered.into_inner(), "no segment has a second logic part with a real row");
    assert!(verify_run(&run.program, &key, &proof).is_err());
}

#[test]
fn every_execution_segment_holds_its_rom_and_bytes_table() {
    // The lookup buses are local: each execution segment holds the ROM and the bytes
    // table with its own counts; the memory segment (the last) holds the bytes table
    // only (it executes nothing).
    use ziskjit_prover::{TableName, ABSENT};
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let position = |name: &str| key.tables.iter().position(|t| t.name() == name).unwrap();
    let (rom, bytes) = (position("rom"), position("bytes"));
    let (proof, _) = prove_keeping(&run, &key, usize::MAX);
    let last = proof.segments.len() - 1;
    for (i, segment) in proof.segments.iter().enumerate() {
        let heights = &segment.commitment.log_heights;
        assert_eq!((heights[rom] == ABSENT, heights[bytes] == ABSENT), (i == last, false), "segment {i}");
    }
    verify_run(&run.program, &key, &proof).unwrap();

    // A segment without its ROM step counts, without its bytes table, or with the bytes
    // table's counts doubled: each leaves the bus unbalanced.
    let no_steps = prove_tampered(&run, &key, |i, w| {
        if i == 1 {
            w.traces[rom].values.fill(Val::ZERO)
        }
    });
    assert!(verify_run(&run.program, &key, &no_steps).is_err(), "ROM counts dropped");
    let no_bytes = prove_tampered(&run, &key, |i, w| {
        if i == 1 {
            w.traces[bytes] = p3_matrix::dense::RowMajorMatrix::new(Vec::new(), w.traces[bytes].width);
        }
    });
    assert!(verify_run(&run.program, &key, &no_bytes).is_err(), "bytes table left out");
    let doubled = prove_tampered(&run, &key, |i, w| {
        if i == 1 {
            w.traces[bytes].values.iter_mut().for_each(|c| *c = c.double());
        }
    });
    assert!(verify_run(&run.program, &key, &doubled).is_err(), "bytes counts doubled");
}

/// A lookup is served by its own segment's table: moving one ROM count, or one RANGE16
/// count of the bytes table, from segment 0 to segment 1 keeps the run-wide sums (which
/// balanced with one ROM and one bytes table per run) but not the segments' own, since
/// every lookup tuple carries its segment number.
#[test]
fn a_lookup_served_by_another_segment_fails() {
    use p3_field::PrimeField64;
    use ziskjit_prover::TableName;
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let position = |name: &str| key.tables.iter().position(|t| t.name() == name).unwrap();
    for (table, column) in [(position("rom"), 0), (position("bytes"), 0)] {
        let rom = ziskjit_air::rom::RomTable::new(&run.program).unwrap();
        let mut witness = RunWitness::new(&run.program, &rom, &run.input);
        let (_, first) = witness.push(run.segments[0].clone()).unwrap();
        let (_, second) = witness.push(run.segments[1].clone()).unwrap();
        // A row both segments look up, so both tables keep non-negative counts.
        let (t0, t1) = (&first.traces[table], &second.traces[table]);
        let width = t0.width;
        let row = (0..t0.values.len() / width)
            .find(|&r| {
                let count = |t: &p3_matrix::dense::RowMajorMatrix<Val>| t.values[r * width + column].as_canonical_u64();
                count(t0) > 0 && count(t1) > 0
            })
            .expect("a lookup both segments make");
        let at = row * width + column;
        let proof = prove_tampered(&run, &key, |i, w| match i {
            0 => w.traces[table].values[at] -= Val::ONE,
            1 => w.traces[table].values[at] += Val::ONE,
            _ => {}
        });
        assert!(verify_run(&run.program, &key, &proof).is_err(), "a {} count moved", key.tables[table].name());
    }
}

/// A program with code at or above 2^30 has no key: its pcs would not stay far from the
/// field's order (the main table's next-pc arithmetic relies on pcs below 2^30).
#[test]
fn a_program_with_code_at_2_30_has_no_key() {
    use ziskjit_air::run_proof::ProgramKeyError;
    use ziskjit_transpiler::Segment;
    // `addi a0, a0, 1` and `ecall`, 4 bytes each, the second at 2^30.
    let code: Vec<u8> = [0x0015_0513u32, 0x0000_0073].iter().flat_map(|w| w.to_le_bytes()).collect();
    let vaddr = (1 << 30) - 4;
    let segment = Segment { vaddr, mem_size: 8, data: code, readable: true, writable: false, executable: true };
    let program = Program::new(vaddr, vec![segment], Vec::new());
    let err = ProgramKey::<ziskjit_prover::KoalaBearStark>::new(&program).err().expect("no key");
    assert!(matches!(err, ProgramKeyError::Rom(_)), "{err}");
    assert!(err.to_string().contains("0x40000000"), "{err}");
}

#[test]
fn aligned_doublewords_go_to_the_word_table() {
    // The guest's `ld`/`sd` at aligned addresses (stack spills) are the word table's
    // rows, whose proofs the tests above verify.
    use ziskjit_air::memword::MemWordTable;
    use ziskjit_prover::TableName;
    let run = guest_run();
    let rom = ziskjit_air::rom::RomTable::new(&run.program).unwrap();
    let tables = RunWitness::tables(&rom);
    let word = tables.iter().position(|t| t.name() == "memword#0").expect("the word table");
    let mut witness = RunWitness::new(&run.program, &rom, &run.input);
    let (_, w) = witness.push(run.segments[0].clone()).unwrap();
    let flags = [MemWordTable::columns("load").unwrap().start, MemWordTable::columns("store").unwrap().start];
    let trace = &w.traces[word];
    let rows = trace.values.chunks(trace.width).filter(|row| flags.iter().any(|&f| row[f] == Val::ONE)).count();
    assert!(rows > 0, "no aligned ld/sd in the first segment");
}

/// One register access of a real main row, as the forgery below needs it.
struct RegisterAccess {
    segment: usize,
    row: usize,
    /// The `prev_time` column (the gap's two range-checked window14 digits follow it).
    prev_time_col: usize,
    cell: u64,
    time: u64,
    prev_time: u64,
    /// The value before the access (four limbs).
    before: [Val; 4],
    is_read: bool,
}

/// Every register access of segment `segment`'s main rows.
fn register_accesses(segment: usize, w: &SegmentWitness<Val>) -> Vec<RegisterAccess> {
    use p3_field::PrimeField64;
    use ziskjit_air::bus::ts;
    let cpu = &w.traces[0];
    let mut out = Vec::new();
    for (row, v) in cpu.values.chunks(col::WIDTH).enumerate() {
        let real = (0..Kind::ALL.len()).map(|k| v[col::ROM + field::KIND + k]).sum::<Val>();
        if real != Val::ONE {
            continue;
        }
        let u = |i: usize| v[i].as_canonical_u64();
        let clk = u(col::CLK);
        let limbs = |i: usize| [v[i], v[i + 1], v[i + 2], v[i + 3]];
        let register = |f: usize| cell::REGISTERS + u(col::ROM + f);
        for (value, f, at, slot) in
            [(col::A, field::RS1, col::RS1_ACCESS, ts::RS1), (col::B, field::RS2, col::RS2_ACCESS, ts::RS2)]
        {
            out.push(RegisterAccess {
                segment,
                row,
                prev_time_col: at,
                cell: register(f),
                time: ts::at(clk, slot),
                prev_time: u(at),
                before: limbs(value),
                is_read: true,
            });
        }
        out.push(RegisterAccess {
            segment,
            row,
            prev_time_col: col::RD_ACCESS + 4,
            cell: register(field::RD),
            time: ts::at(clk, ts::RD),
            prev_time: u(col::RD_ACCESS + 4),
            before: limbs(col::RD_ACCESS),
            is_read: false,
        });
    }
    out
}

/// The range-checked window14 digits of the gap between an access at `time` and the
/// previous one.
fn gap_digits(time: u64, prev_time: u64) -> [u64; 2] {
    ziskjit_air::gadgets::window14_split(time - prev_time - 1)
}

/// Sets a main-row access's `prev_time` and the range-checked digits of its gap.
fn set_prev_time(w: &mut SegmentWitness<Val>, access: &RegisterAccess, prev_time: u64) {
    let at = access.row * col::WIDTH + access.prev_time_col;
    let [low, high] = gap_digits(access.time, prev_time);
    w.traces[0].values[at..at + 3].copy_from_slice(&[prev_time, low, high].map(Val::from_u64));
}

/// Moves the bytes table's RANGE16 counts (its first witness column, row = value) of an
/// access whose previous time changes from `old` to `new`.
fn move_range_counts(bytes: &mut SegmentWitness<Val>, table: usize, access: &RegisterAccess, new: u64) {
    let width = bytes.traces[table].width;
    let counts = &mut bytes.traces[table].values;
    for (old, new) in gap_digits(access.time, access.prev_time).into_iter().zip(gap_digits(access.time, new)) {
        counts[old as usize * width] -= Val::ONE;
        counts[new as usize * width] += Val::ONE;
    }
}

/// Memory tokens are local to their segment. The forgery moves tokens of one register
/// between two segments without changing any value, only which access each token comes
/// from: in segment A, a read at time `a` (previous access at `p > 0`) takes the token of
/// segment B's import instead, `(c, X, 0)`; the access after it in A takes A's token
/// `(c, X, p)`; and B's first access of `c` (after `a`) takes A's token `(c, X, a)`. Every
/// segment's constraints hold and the global bus balances, so without the segment
/// number in the memory tuple this proof verified (a read could then be served a value
/// another segment wrote).
#[test]
fn a_memory_token_from_another_segment_fails() {
    let run = guest_run();
    let key = ProgramKey::new(&run.program).unwrap();
    let rom = ziskjit_air::rom::RomTable::new(&run.program).unwrap();
    let mut witness = RunWitness::new(&run.program, &rom, &run.input);
    for trace in &run.segments {
        witness.push(trace.clone()).unwrap();
    }
    let execution_segments = witness.num_segments() - 1;
    let accesses: Vec<Vec<RegisterAccess>> =
        (0..execution_segments).map(|i| register_accesses(i, &witness.segment(i).unwrap())).collect();
    let plan = (0..execution_segments)
        .flat_map(|a| (0..execution_segments).filter(move |&b| b != a).map(move |b| (a, b)))
        .find_map(|(a, b)| {
            accesses[a].iter().filter(|x| x.is_read && x.prev_time > 0).find_map(|read| {
                let after = accesses[a].iter().find(|y| y.cell == read.cell && y.prev_time == read.time)?;
                let first_in_b = accesses[b].iter().find(|z| {
                    z.cell == read.cell && z.prev_time == 0 && z.time > read.time && z.before == read.before
                })?;
                Some([(read, 0), (after, read.prev_time), (first_in_b, read.time)])
            })
        })
        .expect("two segments share a register value at suitable times");
    // Each segment's bytes table serves its own range checks.
    let bytes = key.tables.iter().position(|t| matches!(t, ziskjit_air::table::Table::Bytes(_))).unwrap();
    let proof = prove_tampered(&run, &key, |segment, w| {
        for &(access, prev_time) in &plan {
            if access.segment == segment {
                set_prev_time(w, access, prev_time);
                move_range_counts(w, bytes, access, prev_time);
            }
        }
    });
    assert!(verify_run(&run.program, &key, &proof).is_err(), "a token taken from another segment");
}

/// The buses whose messages only make sense inside one segment (see `bus::MEMORY` and
/// `bus::LOCAL_BUSES`) tag every message with the segment number: on random rows of every
/// table, each message on a local bus starts with the segment's public value.
#[test]
fn local_bus_messages_carry_the_segment_number() {
    use p3_air::BaseAir;
    use ziskjit_air::bus::LOCAL_BUSES;
    use ziskjit_air::debug::{row_messages, Rows};
    let run = guest_run();
    let key: ProgramKey = ProgramKey::new(&run.program).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut random_row = |width: usize| -> Vec<Val> {
        (0..width)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                Val::from_u64(state >> 33)
            })
            .collect()
    };
    let mut seen = [0usize; LOCAL_BUSES.len()];
    for table in &key.tables {
        let (width, fixed) = (BaseAir::<Val>::width(table), BaseAir::<Val>::preprocessed_width(table));
        for segment in [3u64, 4] {
            let (local, next) = (random_row(width), random_row(width));
            let (pre_local, pre_next) = (random_row(fixed), random_row(fixed));
            let rows = Rows { main: [&local, &next], preprocessed: [&pre_local, &pre_next], first: false, last: false };
            let public_values = ziskjit_air::segment::public_values(segment as usize - 1, false).map(Val::from_u64);
            assert_eq!(public_values[ziskjit_air::segment::NUMBER], Val::from_u64(segment));
            for (bus, values, _) in row_messages(table, rows, &public_values) {
                if let Some(i) = LOCAL_BUSES.iter().position(|&b| b == bus) {
                    seen[i] += 1;
                    assert_eq!(
                        values[0],
                        segment,
                        "table {}, bus {bus}: {values:?}",
                        ziskjit_prover::TableName::name(table)
                    );
                }
            }
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "messages seen per local bus: {seen:?}");
}
