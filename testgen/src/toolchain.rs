//! Assembling test programs with binutils and running ELFs under `qemu-riscv64`.
//!
//! Tests call [`require_tools`] first: a missing tool is a setup error with the apt
//! package to install, never a silently skipped test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Linker script for assembled test programs: text, read-only data and writable data
/// on separate 4 KiB pages (so the read-only pages really are read-only under QEMU
/// and under ziskjit), entry at `_start`.
pub const LINK_SCRIPT: &str = r#"
ENTRY(_start)
SECTIONS
{
  . = 0x10000;
  .text : { *(.text.start) *(.text .text.*) }
  . = ALIGN(0x1000);
  .rodata : { *(.rodata .rodata.*) }
  . = ALIGN(0x1000);
  .data : { *(.data .data.* .sdata .sdata.*) }
  .bss : { *(.bss .bss.* .sbss .sbss.*) *(COMMON) }
  /DISCARD/ : { *(.riscv.attributes) *(.comment) }
}
"#;

/// The assembler and linker used for test programs (Debian `binutils-riscv64-unknown-elf`).
pub const AS: &str = "riscv64-unknown-elf-as";
/// See [`AS`].
pub const LD: &str = "riscv64-unknown-elf-ld";
/// The reference emulator (Debian `qemu-user`).
pub const QEMU: &str = "qemu-riscv64";

/// Panics with an actionable message if the external tools are missing.
pub fn require_tools() {
    for (tool, package) in
        [(AS, "binutils-riscv64-unknown-elf"), (LD, "binutils-riscv64-unknown-elf"), (QEMU, "qemu-user")]
    {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(found, "`{tool}` not found: install the Debian package `{package}` (.ci/run does)");
    }
}

/// Assembles `source` (GNU as syntax, must define `_start`) into a static ELF at
/// `dir/name.elf`, for `march` (e.g. `rv64imac_zifencei` or `rv64ima_zifencei`).
/// Panics with the assembler's message on failure: a test program that does not
/// assemble is a bug in the test.
pub fn assemble_with(dir: &Path, name: &str, source: &str, march: &str) -> PathBuf {
    let src = dir.join(format!("{name}.S"));
    let obj = dir.join(format!("{name}.o"));
    let elf = dir.join(format!("{name}.elf"));
    let script = dir.join("link.ld");
    if !script.exists() {
        std::fs::write(&script, LINK_SCRIPT).expect("write linker script");
    }
    std::fs::write(&src, source).expect("write assembly source");
    let out = Command::new(AS)
        .args([&format!("-march={march}"), "-mabi=lp64", "-o"])
        .arg(&obj)
        .arg(&src)
        .output()
        .expect("run assembler");
    assert!(out.status.success(), "assembling {}:\n{}", src.display(), String::from_utf8_lossy(&out.stderr));
    let out = Command::new(LD)
        .arg("-T")
        .arg(&script)
        .arg("-static")
        .arg("-o")
        .arg(&elf)
        .arg(&obj)
        .output()
        .expect("run linker");
    assert!(out.status.success(), "linking {}:\n{}", obj.display(), String::from_utf8_lossy(&out.stderr));
    elf
}

/// [`assemble_with`] for RV64IMAC + Zifencei, the ISA ziskjit implements.
pub fn assemble(dir: &Path, name: &str, source: &str) -> PathBuf {
    assemble_with(dir, name, source, "rv64imac_zifencei")
}

/// What a run produced: the bytes written to fd 1 and to fd 2, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: i32,
}

/// Runs `program args…` with `input` on stdin and collects its [`Outcome`].
pub fn run_command(program: impl AsRef<std::ffi::OsStr>, args: &[&std::ffi::OsStr], input: &[u8]) -> Outcome {
    let mut child = Command::new(program.as_ref())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {:?}: {e}", program.as_ref()));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Feed stdin from a thread so a guest that writes before reading cannot deadlock.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for child");
    feeder.join().expect("stdin feeder");
    Outcome { stdout: out.stdout, stderr: out.stderr, exit_code: out.status.code().unwrap_or(-1) }
}

/// Runs `elf` under `qemu-riscv64` with `input` on stdin.
pub fn run_qemu(elf: &Path, input: &[u8]) -> Outcome {
    run_command(QEMU, &[elf.as_os_str()], input)
}
