//! The `ziskjit run` CLI on bad input: wrong arguments, files that are not RV64
//! executables, guests that fault or never stop. Each must end with the documented
//! exit code (100 usage/I-O, 102 invalid ELF, 103 guest fault, 104 step limit) and a
//! one-line `error: …` on stderr that names what is wrong and where (the file, the pc,
//! the address, the raw bits), never with a panic and never by hanging (every run is
//! killed after a time limit). Also the good paths those errors border on: the guest's
//! exit code and its fd 1 / fd 2 bytes pass through unchanged (checked against
//! `qemu-riscv64`).

#[path = "isa/support.rs"]
mod support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{qemu_run, run_limited, ziskjit_run, ZISKJIT};
use tempfile::TempDir;
use ziskjit_testgen::toolchain::{assemble_with, require_tools, Outcome};

const USAGE: i32 = 100;
const INVALID_ELF: i32 = 102;
const GUEST_FAULT: i32 = 103;
const STEP_LIMIT: i32 = 104;

/// `riscv64-unknown-elf-nm`, from the same binutils package as the assembler.
const NM: &str = "riscv64-unknown-elf-nm";

/// A test program: `body` runs from `_start` and falls through to `exit(0)`.
fn guest_source(body: &str) -> String {
    format!(
        "    .section .text.start, \"ax\"\n    .globl _start\n_start:\n{body}\n    li a0, 0\n    li a7, 93\n    ecall\n"
    )
}

/// Assembles `body` (see [`guest_source`]) for `march` into `dir`.
fn guest_with(dir: &TempDir, name: &str, body: &str, march: &str) -> PathBuf {
    require_tools();
    assemble_with(dir.path(), name, &guest_source(body), march)
}

fn guest(dir: &TempDir, name: &str, body: &str) -> PathBuf {
    guest_with(dir, name, body, "rv64imac_zifencei")
}

/// The address of `symbol` in `elf`, read with binutils' `nm` (so the expected pc of a
/// fault does not depend on ziskjit's own ELF reader).
fn symbol_address(elf: &Path, symbol: &str) -> u64 {
    let out = Command::new(NM).arg(elf).output().unwrap_or_else(|e| panic!("run {NM}: {e}"));
    assert!(out.status.success(), "{NM} {}: {}", elf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            let (addr, _kind, name) = (fields.next()?, fields.next()?, fields.next()?);
            (name == symbol).then(|| u64::from_str_radix(addr, 16).expect("nm prints hex addresses"))
        })
        .unwrap_or_else(|| panic!("symbol `{symbol}` not in {}", elf.display()))
}

fn stderr_text(outcome: &Outcome) -> String {
    String::from_utf8_lossy(&outcome.stderr).into_owned()
}

/// The process did not panic: no panic message, no backtrace hint, not Rust's panic
/// exit code 101.
fn assert_no_panic(outcome: &Outcome, what: &str) {
    let stderr = stderr_text(outcome);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE") && outcome.exit_code != 101,
        "{what}: ziskjit panicked (exit {}):\n{stderr}",
        outcome.exit_code
    );
}

/// Exit code `code` and exactly one stderr line `error: …` containing every one of
/// `needles` (compared case-insensitively). Returns that line.
fn assert_error(outcome: &Outcome, code: i32, needles: &[&str], what: &str) -> String {
    assert_no_panic(outcome, what);
    let stderr = stderr_text(outcome);
    assert_eq!(outcome.exit_code, code, "{what}: exit code; stderr:\n{stderr}");
    let line = stderr.strip_suffix('\n').unwrap_or(&stderr);
    assert!(
        line.starts_with("error: ") && !line.contains('\n'),
        "{what}: stderr must be one line starting with `error: `, got:\n{stderr}"
    );
    let lower = line.to_lowercase();
    for needle in needles {
        assert!(lower.contains(&needle.to_lowercase()), "{what}: error message lacks `{needle}`:\n{line}");
    }
    line.to_string()
}

/// Whether `text` mentions `{prefix}0x{value:x}` with the number whole (not as the
/// prefix of a longer hex literal, e.g. address 0x1000 inside pc 0x10004).
fn mentions_hex_after(text: &str, prefix: &str, value: u64) -> bool {
    let lower = text.to_lowercase();
    let needle = format!("{prefix}0x{value:x}");
    lower
        .match_indices(&needle)
        .any(|(at, _)| !lower[at + needle.len()..].starts_with(|c: char| c.is_ascii_hexdigit() || c == '_'))
}

fn mentions_hex(text: &str, value: u64) -> bool {
    mentions_hex_after(text, "", value)
}

/// A guest fault (exit 103) at the instruction labelled `fault_here`, whose message
/// names that pc and contains `needles`; returns the message.
fn assert_fault_at_label(elf: &Path, needles: &[&str], what: &str) -> String {
    let outcome = ziskjit_run(elf, &[], b"");
    let line = assert_error(&outcome, GUEST_FAULT, needles, what);
    let pc = symbol_address(elf, "fault_here");
    assert!(mentions_hex_after(&line, "pc ", pc), "{what}: message lacks `pc 0x{pc:x}`:\n{line}");
    line
}

// ---------------------------------------------------------------------------------
// 100: usage and I/O errors.

#[test]
fn unknown_flags_and_bad_values_are_usage_errors() {
    let dir = TempDir::new().unwrap();
    let elf = guest(&dir, "ok", "    nop");
    let elf = elf.as_os_str();
    let cases: [(&[&OsStr], &str); 5] = [
        (&[OsStr::new("run"), elf, OsStr::new("--bogus-flag")], "--bogus-flag"),
        (&[OsStr::new("run"), elf, OsStr::new("--max-steps"), OsStr::new("many")], "many"),
        (&[OsStr::new("run"), elf, OsStr::new("--engine"), OsStr::new("warp")], "warp"),
        (&[OsStr::new("frobnicate"), elf], "frobnicate"),
        (&[OsStr::new("run")], "<ELF"),
    ];
    for (args, named) in cases {
        let outcome = run_limited(ZISKJIT, args, b"");
        let what = format!("ziskjit {args:?}");
        assert_no_panic(&outcome, &what);
        assert_eq!(outcome.exit_code, USAGE, "{what}: stderr:\n{}", stderr_text(&outcome));
        // clap follows its `error: …` line with usage hints; the first line must say
        // what was wrong.
        let stderr = stderr_text(&outcome);
        let first = stderr.lines().next().unwrap_or("");
        assert!(first.starts_with("error: "), "{what}: first stderr line: {first}");
        assert!(stderr.contains(named), "{what}: stderr does not name `{named}`:\n{stderr}");
    }
}

#[test]
fn missing_elf_and_input_files_are_named() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("no-such-guest.elf");
    let outcome = run_limited(ZISKJIT, &[OsStr::new("run"), missing.as_os_str()], b"");
    assert_error(&outcome, USAGE, &[&missing.display().to_string()], "missing ELF");

    let outcome = ziskjit_run(dir.path(), &[], b"");
    assert_error(&outcome, USAGE, &[&dir.path().display().to_string()], "a directory as the ELF");

    let elf = guest(&dir, "ok", "    nop");
    let missing_input = dir.path().join("no-such-input.bin");
    let outcome = ziskjit_run(&elf, &["--input", missing_input.to_str().unwrap()], b"");
    assert_error(&outcome, USAGE, &[&missing_input.display().to_string()], "missing --input file");
}

// ---------------------------------------------------------------------------------
// 102: files that are not loadable RV64 executables.

/// A minimal static executable made by hand: one PT_LOAD segment (the whole file, at
/// 0x10000) whose code is `exit(0)`. The class, byte order and machine are parameters
/// so that each invalid variant differs from a valid file in exactly one field.
fn handmade_elf(class64: bool, big_endian: bool, machine: u16) -> Vec<u8> {
    elf_image(class64, big_endian, machine, &EXIT_0, 0)
}

/// `li a0, 0; li a7, 93; ecall`, little-endian.
const EXIT_0: [u8; 12] = [0x13, 0x05, 0x00, 0x00, 0x93, 0x08, 0xd0, 0x05, 0x73, 0x00, 0x00, 0x00];
/// Where [`elf_image`] loads its file.
const IMAGE_BASE: u64 = 0x10000;

/// [`handmade_elf`] with any code bytes (placed right after the headers, at the end of
/// the file and of its only segment) and the entry `entry_offset` bytes into them.
fn elf_image(class64: bool, big_endian: bool, machine: u16, code: &[u8], entry_offset: u64) -> Vec<u8> {
    let (ehsize, phentsize) = if class64 { (64u16, 56u16) } else { (52, 32) };
    let code_offset = u64::from(ehsize + phentsize);
    let file_size = code_offset + code.len() as u64;
    let mut out = Vec::new();
    let u16 = |out: &mut Vec<u8>, v: u16| out.extend(if big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
    let u32 = |out: &mut Vec<u8>, v: u32| out.extend(if big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
    // An address-sized field: 8 bytes in ELF64, 4 in ELF32.
    let word = |out: &mut Vec<u8>, v: u64| {
        if class64 {
            out.extend(if big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
        } else {
            let v = u32::try_from(v).expect("fits ELF32");
            out.extend(if big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
        }
    };
    out.extend([0x7f, b'E', b'L', b'F', if class64 { 2 } else { 1 }, if big_endian { 2 } else { 1 }, 1, 0]);
    out.extend([0; 8]);
    u16(&mut out, 2); // e_type: ET_EXEC
    u16(&mut out, machine);
    u32(&mut out, 1); // e_version
    word(&mut out, IMAGE_BASE + code_offset + entry_offset); // e_entry
    word(&mut out, u64::from(ehsize)); // e_phoff
    word(&mut out, 0); // e_shoff: no section headers
    u32(&mut out, 0); // e_flags
    for v in [ehsize, phentsize, 1, 0, 0, 0] {
        u16(&mut out, v); // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
    }
    const PT_LOAD: u32 = 1;
    const PF_R_X: u32 = 5;
    u32(&mut out, PT_LOAD);
    if class64 {
        u32(&mut out, PF_R_X);
    }
    for v in [0, IMAGE_BASE, IMAGE_BASE, file_size, file_size] {
        word(&mut out, v); // p_offset, p_vaddr, p_paddr, p_filesz, p_memsz
    }
    if !class64 {
        u32(&mut out, PF_R_X);
    }
    word(&mut out, 0x1000); // p_align
    assert_eq!(out.len() as u64, code_offset, "header layout");
    out.extend_from_slice(code);
    out
}

const EM_RISCV: u16 = 243;

/// Writes `bytes` to `dir/name` as an executable file: qemu-riscv64, like the kernel,
/// refuses to load a file without an execute bit (and says so only on a stdout it never
/// flushes), so a hand-made ELF must look like one the linker wrote.
fn write_file(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write test file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("make test file executable");
    path
}

/// The hand-made ELF is valid as built: qemu and ziskjit both run it to exit 0. So
/// the variants below are rejected for the one field they change.
#[test]
fn handmade_elf_is_valid() {
    require_tools();
    let dir = TempDir::new().unwrap();
    let elf = write_file(&dir, "handmade.elf", &handmade_elf(true, false, EM_RISCV));
    let qemu = qemu_run(&elf, b"");
    assert_eq!(qemu.exit_code, 0, "qemu: {}", stderr_text(&qemu));
    let ours = ziskjit_run(&elf, &[], b"");
    assert_no_panic(&ours, "hand-made ELF");
    assert_eq!(ours.exit_code, 0, "ziskjit: {}", stderr_text(&ours));
}

#[test]
fn invalid_elves_are_rejected_with_the_reason_and_the_path() {
    let dir = TempDir::new().unwrap();
    let valid = handmade_elf(true, false, EM_RISCV);
    let assembled = std::fs::read(guest(&dir, "real", "    nop")).unwrap();
    let mut not_elf = b"#!/bin/sh\necho this is a shell script, not an ELF executable at all\n".to_vec();
    not_elf.resize(200, b' ');
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("empty.elf", Vec::new(), &["truncated"]),
        ("magic-only.elf", valid[..10].to_vec(), &["truncated"]),
        ("header-cut.elf", valid[..40].to_vec(), &["truncated"]),
        ("segments-cut.elf", assembled[..assembled.len() / 2].to_vec(), &["truncated"]),
        ("script.elf", not_elf, &["magic"]),
        ("elf32.elf", handmade_elf(false, false, EM_RISCV), &["32-bit"]),
        ("big.elf", handmade_elf(true, true, EM_RISCV), &["big-endian"]),
        ("aarch64.elf", handmade_elf(true, false, 183), &["machine", "aarch64"]),
    ];
    for (name, bytes, needles) in cases {
        let path = write_file(&dir, name, &bytes);
        let mut needles = needles.to_vec();
        let shown = path.display().to_string();
        needles.push(&shown);
        assert_error(&ziskjit_run(&path, &[], b""), INVALID_ELF, &needles, name);
    }
}

/// Overwrites the little-endian u64 at `offset` of a copy of `elf`.
fn with_u64(elf: &[u8], offset: usize, value: u64) -> Vec<u8> {
    let mut out = elf.to_vec();
    out[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    out
}

/// Header and program-header fields that are individually wrong in the hand-made
/// ELF64 (offsets from the ELF64 layout: e_entry at 24, the one program header at 64).
#[test]
fn inconsistent_elf_fields_are_rejected() {
    const E_ENTRY: usize = 24;
    const E_PHNUM: usize = 56;
    const P_TYPE: usize = 64;
    const P_OFFSET: usize = 72;
    const P_VADDR: usize = 80;
    const P_FILESZ: usize = 96;
    const P_MEMSZ: usize = 104;
    let dir = TempDir::new().unwrap();
    let valid = handmade_elf(true, false, EM_RISCV);
    let len = valid.len() as u64;
    let mut no_load = valid.clone();
    no_load[P_TYPE..P_TYPE + 4].copy_from_slice(&0u32.to_le_bytes()); // PT_NULL
    let mut many_phdrs = valid.clone();
    many_phdrs[E_PHNUM..E_PHNUM + 2].copy_from_slice(&0xffffu16.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("entry-outside.elf", with_u64(&valid, E_ENTRY, 0x5000), &["entry", "0x5000"]),
        ("entry-4g.elf", with_u64(&valid, E_ENTRY, 0x1_0001_0000), &["entry"]),
        ("no-load.elf", no_load, &["PT_LOAD"]),
        ("phnum.elf", many_phdrs, &[]),
        ("segment-past-eof.elf", with_u64(&with_u64(&valid, P_FILESZ, len + 8), P_MEMSZ, len + 8), &["truncated"]),
        ("offset-past-eof.elf", with_u64(&valid, P_OFFSET, 0x10_0000), &[]),
        ("filesz-over-memsz.elf", with_u64(&valid, P_MEMSZ, 8), &[]),
        ("segment-4g.elf", with_u64(&valid, P_VADDR, 0x1_0000_0000), &["32-bit"]),
        ("segment-across-4g.elf", with_u64(&with_u64(&valid, P_VADDR, 0xffff_f000), P_MEMSZ, 0x2000), &["32-bit"]),
        ("huge-memsz.elf", with_u64(&valid, P_MEMSZ, 1 << 48), &["32-bit"]),
    ];
    for (name, bytes, needles) in cases {
        let path = write_file(&dir, name, &bytes);
        let mut needles = needles.to_vec();
        let shown = path.display().to_string();
        needles.push(&shown);
        assert_error(&ziskjit_run(&path, &[], b""), INVALID_ELF, &needles, name);
    }
}

/// Code that is cut off or entered badly: an instruction whose second half lies past
/// the end of the only segment, an entry point in the middle of an instruction, and a
/// segment of zero bytes. Each stops with a one-line error, never a panic or a hang.
#[test]
fn truncated_or_misentered_code_fails_cleanly() {
    let dir = TempDir::new().unwrap();
    let code_start = IMAGE_BASE + 64 + 56;
    // li a0, 0, then the low half of the 32-bit `li a7, 93`.
    let cut = elf_image(true, false, EM_RISCV, &EXIT_0[..6], 0);
    let path = write_file(&dir, "cut.elf", &cut);
    let line = assert_error(&ziskjit_run(&path, &[], b""), GUEST_FAULT, &[], "instruction cut by the segment end");
    // Linux and qemu map the segment's whole page, so the missing half may read as
    // zeros (`li a7, 0`) and the fault come at the next pc, where the code ends.
    let (cut_pc, next_pc) = (code_start + 4, code_start + 8);
    assert!(
        mentions_hex(&line, cut_pc) || mentions_hex(&line, next_pc),
        "names neither pc 0x{cut_pc:x} nor 0x{next_pc:x}: {line}"
    );

    let zeros = elf_image(true, false, EM_RISCV, &[0; 8], 0);
    let path = write_file(&dir, "zeros.elf", &zeros);
    let line = assert_error(&ziskjit_run(&path, &[], b""), GUEST_FAULT, &["illegal instruction"], "zero code");
    assert!(mentions_hex(&line, code_start), "the entry pc 0x{code_start:x}: {line}");

    // An odd entry cannot be a pc at all: rejected at load (102) or at the first fetch (103).
    for (name, entry_offset) in [("odd-entry.elf", 1), ("mid-instruction-entry.elf", 2)] {
        let path = write_file(&dir, name, &elf_image(true, false, EM_RISCV, &EXIT_0, entry_offset));
        let outcome = ziskjit_run(&path, &[], b"");
        assert_no_panic(&outcome, name);
        let stderr = stderr_text(&outcome);
        if entry_offset == 2 {
            // The upper half of `li a0, 0` (0x0000) is a defined illegal 16-bit parcel.
            assert_error(&outcome, GUEST_FAULT, &["illegal instruction"], name);
        } else {
            assert!(
                [INVALID_ELF, GUEST_FAULT].contains(&outcome.exit_code),
                "{name}: exit {}: {stderr}",
                outcome.exit_code
            );
            assert!(stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1, "{name}: {stderr}");
        }
    }
}

/// The test binary itself is an x86-64 ELF: the machine must be named.
#[test]
fn x86_64_elf_is_rejected_naming_the_machine() {
    let exe = std::env::current_exe().expect("path of the test binary");
    let shown = exe.display().to_string();
    assert_error(&ziskjit_run(&exe, &[], b""), INVALID_ELF, &["machine", "x86", &shown], "x86-64 ELF");
}

/// A relocatable object (the assembler's `.o`, not linked) is no executable.
#[test]
fn object_file_is_rejected() {
    let dir = TempDir::new().unwrap();
    guest(&dir, "obj", "    nop");
    let object = dir.path().join("obj.o");
    let shown = object.display().to_string();
    assert_error(&ziskjit_run(&object, &[], b""), INVALID_ELF, &[&shown], "relocatable object");
}

// ---------------------------------------------------------------------------------
// 103: guest faults, each naming the pc and the cause.

#[test]
fn illegal_encodings_name_pc_and_raw_bits() {
    let dir = TempDir::new().unwrap();
    // (encoding, the bits the message must show): an all-zero parcel, all ones, and a
    // 32-bit custom-0 opcode with distinctive bits.
    for (i, raw) in [0u32, 0xffff_ffff, 0x1234_500b].into_iter().enumerate() {
        let elf = guest(&dir, &format!("illegal{i}"), &format!("    li a0, 1\nfault_here:\n    .word {raw:#x}"));
        let what = format!(".word {raw:#x}");
        let line = assert_fault_at_label(&elf, &["illegal instruction 0x"], &what);
        // The raw bits are shown at the width the decoder read (a 16-bit parcel or a
        // 32-bit word); whichever it is, they must be the program's bits.
        let hex = line.split("illegal instruction 0x").nth(1).unwrap_or("");
        let digits: String = hex.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        let shown = u64::from_str_radix(&digits, 16).unwrap_or_else(|_| panic!("{what}: no raw bits in: {line}"));
        let width = 4 * digits.len() as u32;
        assert!(width == 16 || width == 32, "{what}: raw bits shown with {} hex digits: {line}", digits.len());
        assert_eq!(shown, u64::from(raw) & ((1u64 << width) - 1), "{what}: raw bits in: {line}");
    }
}

#[test]
fn csr_and_privileged_instructions_are_unsupported() {
    let dir = TempDir::new().unwrap();
    let cases = [
        ("csrrw", "csrrw a0, mscratch, a1"),
        ("csrrs", "rdcycle a0"),
        ("ebreak", "ebreak"),
        ("ebreak", "c.ebreak"),
        ("mret", "mret"),
        ("wfi", "wfi"),
    ];
    for (i, (mnemonic, asm)) in cases.into_iter().enumerate() {
        let body = format!("    li a0, 1\nfault_here:\n    {asm}");
        let elf = guest_with(&dir, &format!("priv{i}"), &body, "rv64imac_zicsr_zifencei");
        assert_fault_at_label(&elf, &["unsupported instruction", mnemonic], asm);
    }
}

#[test]
fn stores_into_read_only_segments_are_faults() {
    let dir = TempDir::new().unwrap();
    let rodata = "    .section .rodata\nconstant:\n    .dword 42\n    .section .text.start\n";
    let cases = [
        ("text", "_start", "    la t0, _start\nfault_here:\n    sd zero, 0(t0)".to_string()),
        ("rodata", "constant", format!("{rodata}    la t0, constant\nfault_here:\n    sb a0, 0(t0)")),
        ("rodata_offset", "constant", format!("{rodata}    la t0, constant - 16\nfault_here:\n    sw a0, 16(t0)")),
        // A misaligned store that starts in the last bytes of the read-only page and
        // ends in the writable page after it (.rodata and .data each start a page).
        (
            "rodata_into_data",
            "tail",
            "    .section .rodata\n    .skip 4092\ntail:\n    .word 0\n    .section .data\nhead:\n    .word 0\n    \
             .section .text.start\n    la t0, head\nfault_here:\n    sd a0, -4(t0)"
                .to_string(),
        ),
    ];
    for (name, symbol, body) in cases {
        let elf = guest(&dir, name, &body);
        let line = assert_fault_at_label(&elf, &["read-only"], name);
        let addr = symbol_address(&elf, symbol);
        assert!(mentions_hex(&line, addr), "{name}: message lacks the address 0x{addr:x}:\n{line}");
        if name == "rodata_into_data" {
            let head = symbol_address(&elf, "head");
            assert!(
                head == addr + 4 && head.is_multiple_of(4096),
                "layout: 0x{addr:x} and 0x{head:x} must meet at a page"
            );
        }
    }
}

#[test]
fn unmapped_and_out_of_range_accesses_are_faults() {
    let dir = TempDir::new().unwrap();
    let unmapped = "unmapped";
    let outside = "outside the 32-bit guest address space";
    let cases = [
        ("load_low", "li t0, 0x1000\nfault_here:\n    ld a0, 0(t0)", 0x1000u64, unmapped),
        ("store_1g", "li t0, 0x40000000\nfault_here:\n    sw a0, 0(t0)", 0x4000_0000, unmapped),
        ("load_4g", "li t0, 0x100000000\nfault_here:\n    lbu a0, 0(t0)", 0x1_0000_0000, outside),
        ("store_neg", "li t0, -8\nfault_here:\n    sd a0, 0(t0)", u64::MAX - 7, outside),
        // The immediate carries the address past 2^32: no 32-bit truncation.
        ("load_offset_4g", "li t0, 0xffffff00\nfault_here:\n    ld a0, 0x100(t0)", 0x1_0000_0000, outside),
    ];
    for (name, asm, addr, cause) in cases {
        let elf = guest(&dir, name, &format!("    {asm}"));
        let line = assert_fault_at_label(&elf, &[cause], name);
        assert!(mentions_hex(&line, addr), "{name}: message lacks the address 0x{addr:x}:\n{line}");
    }
    // A misaligned doubleword that starts below 2^32 and ends above it.
    let elf = guest(&dir, "straddle_4g", "    li t0, 0xfffffffc\nfault_here:\n    ld a0, 0(t0)");
    assert_fault_at_label(&elf, &[], "ld across 2^32");
}

#[test]
fn jumps_to_unmapped_or_data_addresses_are_faults() {
    let dir = TempDir::new().unwrap();
    let data = "    .section .data\nbuffer:\n    .dword 0\n    .section .text.start\n";
    let cases = [
        ("jump_low", "    li t0, 0x1000\n    jr t0".to_string(), None, 0x1000u64),
        ("jump_4g", "    li t0, 0x100000000\n    jr t0".to_string(), None, 0x1_0000_0000),
        ("jump_data", format!("{data}    la t0, buffer\n    jr t0"), Some("buffer"), 0),
    ];
    for (name, body, symbol, addr) in cases {
        let elf = guest(&dir, name, &body);
        let addr = symbol.map_or(addr, |s| symbol_address(&elf, s));
        let line = assert_error(&ziskjit_run(&elf, &[], b""), GUEST_FAULT, &[], name);
        assert!(mentions_hex(&line, addr), "{name}: message lacks the target 0x{addr:x}:\n{line}");
    }
}

#[test]
fn unknown_syscall_is_named() {
    let dir = TempDir::new().unwrap();
    let elf = guest(&dir, "syscall", "    li a7, 1234\nfault_here:\n    ecall");
    assert_fault_at_label(&elf, &["unknown syscall 1234"], "a7 = 1234");
}

/// Syscalls whose buffers or descriptors are bad fault the guest with the address or
/// the descriptor (Linux would return -EFAULT/-EBADF; ziskjit has no errno path, so
/// the run stops with a clear message instead).
#[test]
fn syscalls_with_bad_buffers_or_descriptors_are_faults() {
    let dir = TempDir::new().unwrap();
    let ecall = "\nfault_here:\n    ecall";
    let cases = [
        ("write_unmapped", "li a0, 1\n    li a1, 0x1000\n    li a2, 16\n    li a7, 64", &["0x1000"][..]),
        ("write_past_4g", "li a0, 1\n    li a1, 0xfffffff0\n    li a2, 0x20\n    li a7, 64", &["0x100000000"][..]),
        ("read_into_text", "li a0, 0\n    la a1, _start\n    li a2, 4\n    li a7, 63", &["read-only"][..]),
        ("write_fd3", "li a0, 3\n    la a1, _start\n    li a2, 4\n    li a7, 64", &["file descriptor 3"][..]),
        ("read_fd1", "li a0, 1\n    la a1, buffer\n    li a2, 4\n    li a7, 63", &["file descriptor 1"][..]),
    ];
    let data = "    .section .data\nbuffer:\n    .dword 0\n    .section .text.start\n";
    for (name, setup, needles) in cases {
        let elf = guest(&dir, name, &format!("{data}    {setup}{ecall}"));
        // The read cases get input, so that the syscall really has bytes to deliver.
        let outcome = ziskjit_run(&elf, &[], b"some input");
        let line = assert_error(&outcome, GUEST_FAULT, needles, name);
        let pc = symbol_address(&elf, "fault_here");
        assert!(mentions_hex(&line, pc), "{name}: message lacks pc 0x{pc:x}:\n{line}");
    }
}

/// LR/SC and AMOs need natural alignment (qemu raises SIGBUS); the fault names the
/// address.
#[test]
fn misaligned_atomics_are_faults() {
    let dir = TempDir::new().unwrap();
    let data = "    .section .data\nbuffer:\n    .dword 0, 0\n    .section .text.start\n";
    let cases = [
        ("amoadd_w", 2, "amoadd.w a2, a1, (a0)"),
        ("amoswap_d", 4, "amoswap.d a2, a1, (a0)"),
        ("lr_d", 4, "lr.d a2, (a0)"),
        ("sc_w", 1, "sc.w a2, a1, (a0)"),
    ];
    for (name, offset, asm) in cases {
        let body = format!("{data}    la a0, buffer + {offset}\n    li a1, 1\nfault_here:\n    {asm}");
        let elf = guest(&dir, name, &body);
        let line = assert_fault_at_label(&elf, &["misaligned"], asm);
        let addr = symbol_address(&elf, "buffer") + offset;
        assert!(mentions_hex(&line, addr), "{asm}: message lacks the address 0x{addr:x}:\n{line}");
    }
}

// ---------------------------------------------------------------------------------
// 104: the step limit.

#[test]
fn step_limit_stops_an_infinite_loop() {
    let dir = TempDir::new().unwrap();
    let elf = guest(&dir, "forever", "1:\n    addi a0, a0, 1\n    j 1b");
    let outcome = ziskjit_run(&elf, &["--max-steps", "100000"], b"");
    assert_error(&outcome, STEP_LIMIT, &["step limit"], "infinite loop with --max-steps");
    // A limit the program stays under does not fire.
    let short = guest(&dir, "short", "    li a0, 3\n1:\n    addi a0, a0, -1\n    bnez a0, 1b");
    let outcome = ziskjit_run(&short, &["--max-steps", "100"], b"");
    assert_no_panic(&outcome, "short program under --max-steps");
    assert_eq!(outcome.exit_code, 0, "stderr: {}", stderr_text(&outcome));
}

// ---------------------------------------------------------------------------------
// Pass-through of exit codes and output, compared with qemu-riscv64.

#[test]
fn guest_exit_code_passes_through() {
    let dir = TempDir::new().unwrap();
    for code in [7u32, 0, 99, 255, 256 + 7] {
        let elf = guest(&dir, &format!("exit{code}"), &format!("    li a0, {code}\n    li a7, 93\n    ecall"));
        let qemu = qemu_run(&elf, b"");
        let ours = ziskjit_run(&elf, &[], b"");
        assert_no_panic(&ours, "exit");
        // Linux keeps the low 8 bits of the status.
        assert_eq!(qemu.exit_code, (code & 0xff) as i32, "qemu exit({code})");
        assert_eq!(ours.exit_code, qemu.exit_code, "exit({code}); stderr: {}", stderr_text(&ours));
        assert!(ours.stdout.is_empty() && ours.stderr.is_empty(), "exit({code}) printed: {ours:?}");
    }
}

/// `write(fd, ptr, len)` as a guest source line sequence that exits with 9 unless the
/// syscall returns `len`.
fn write_call(fd: u32, symbol: &str, len: usize) -> String {
    format!(
        "    li a0, {fd}\n    la a1, {symbol}\n    li a2, {len}\n    li a7, 64\n    ecall\n    li t0, {len}\n    \
         beq a0, t0, 1f\n    li a0, 9\n    li a7, 93\n    ecall\n1:\n"
    )
}

fn byte_list(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:#04x}")).collect::<Vec<_>>().join(", ")
}

#[test]
fn guest_fd1_and_fd2_bytes_reach_stdout_and_stderr_raw() {
    require_tools();
    let dir = TempDir::new().unwrap();
    // Not UTF-8, with NUL, newline and CR: the bytes must arrive untouched.
    let public: &[u8] = b"out\x00\xff\xfe\n\r\x80end";
    let debug: &[u8] = b"dbg\x01\xc3\x28\n";
    let body = format!(
        "    .section .rodata\npublic:\n    .byte {}\ndebug:\n    .byte {}\n    .section .text.start\n{}{}{}",
        byte_list(public),
        byte_list(debug),
        write_call(1, "public", public.len()),
        write_call(2, "debug", debug.len()),
        write_call(1, "public", 3),
    );
    let elf = guest(&dir, "write", &body);
    let expected_stdout = [public, &public[..3]].concat();
    let qemu = qemu_run(&elf, b"");
    assert_eq!((qemu.exit_code, &qemu.stdout, &qemu.stderr), (0, &expected_stdout, &debug.to_vec()), "qemu");
    let ours = ziskjit_run(&elf, &[], b"");
    assert_no_panic(&ours, "write");
    assert_eq!(ours.exit_code, 0, "exit 9 = wrong write return value; stderr: {}", stderr_text(&ours));
    assert_eq!(ours.stdout, expected_stdout, "fd 1 bytes on stdout");
    assert_eq!(ours.stderr, debug, "fd 2 bytes on stderr");
}

/// 1 MiB of public output (256 writes of 4 KiB) arrives complete and in order.
#[test]
fn large_output_is_complete() {
    let dir = TempDir::new().unwrap();
    let pattern: Vec<u8> = (0..4096u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let body = format!(
        "    .section .rodata\nblock:\n    .byte {}\n    .section .text.start\n    li s0, 256\n2:\n{}    addi s0, s0, -1\n    bnez s0, 2b",
        byte_list(&pattern),
        write_call(1, "block", pattern.len())
    );
    let elf = guest(&dir, "bulk", &body);
    let expected = pattern.repeat(256);
    let qemu = qemu_run(&elf, b"");
    assert!(
        qemu.exit_code == 0 && qemu.stdout == expected,
        "qemu: exit {}, {} bytes",
        qemu.exit_code,
        qemu.stdout.len()
    );
    let ours = ziskjit_run(&elf, &[], b"");
    assert_no_panic(&ours, "1 MiB output");
    assert_eq!(ours.exit_code, 0, "stderr: {}", stderr_text(&ours));
    assert!(ours.stdout == expected, "stdout: {} bytes, expected {}", ours.stdout.len(), expected.len());
}

/// The private input reaches the guest from stdin, from `--input -` and from
/// `--input F` alike: an echo guest copies it to fd 1 in 7-byte reads (so reads cross
/// the input's end and the last returns 0); an empty input gives an empty output.
#[test]
fn input_from_stdin_and_from_input_file() {
    let dir = TempDir::new().unwrap();
    let body = "    .section .bss\nbuf:\n    .skip 16\n    .section .text.start\n\
                1:\n    li a0, 0\n    la a1, buf\n    li a2, 7\n    li a7, 63\n    ecall\n    beqz a0, 2f\n\
                \x20   mv a2, a0\n    li a0, 1\n    la a1, buf\n    li a7, 64\n    ecall\n    j 1b\n2:";
    let elf = guest(&dir, "echo", body);
    let file_arg = |file: &Path| file.to_str().expect("UTF-8 temporary path").to_string();
    for input in [(0..=255u8).rev().chain(*b"tail").collect::<Vec<u8>>(), Vec::new()] {
        let qemu = qemu_run(&elf, &input);
        assert_eq!((qemu.exit_code, &qemu.stdout), (0, &input), "qemu echo");
        let file = write_file(&dir, "input.bin", &input);
        let runs = [
            ("stdin", ziskjit_run(&elf, &[], &input)),
            ("--input -", ziskjit_run(&elf, &["--input", "-"], &input)),
            ("--input F", ziskjit_run(&elf, &["--input", &file_arg(&file)], b"stdin is ignored")),
        ];
        for (how, outcome) in runs {
            assert_no_panic(&outcome, how);
            assert_eq!(outcome.exit_code, 0, "{how}, {} input bytes: {}", input.len(), stderr_text(&outcome));
            assert!(outcome.stdout == input, "{how}: echoed {} of {} bytes", outcome.stdout.len(), input.len());
        }
    }
}
