//! Profiles of real guests (the `examples/` programs, built by the nested cargo
//! build): totals agree with the interpreter, the hot function is the one the
//! program is about, and the names are demangled Rust paths.

use crate::common::{check_invariants, load, profile};

#[test]
fn sha256_spends_its_time_in_the_compression_function() {
    let elf = std::fs::read(ziskjit_testgen::guests::example_elf("sha256")).expect("read the sha256 ELF");
    let program = load(&elf);
    let input = ziskjit_testgen::guests::pseudo_random_bytes(7, 16 << 10);
    let (profile, steps) = profile(&program, &input);
    check_invariants(&profile);
    assert_eq!(profile.total_steps, steps, "totals equal the interpreter's step count");
    let top = &profile.functions[0];
    assert!(
        top.name.starts_with("sha2::") && top.name.contains("compress"),
        "the top function is {top:?}; report:\n{}",
        profile.report(10)
    );
    assert!(top.exclusive * 2 > steps, "hashing 16 KiB is mostly compression: {}", profile.report(10));
    assert!(profile.functions.iter().all(|f| !f.name.starts_with("_ZN")), "names are demangled");
    // Every stack starts at the entry point, and the compression function is called
    // from the guest's main function (`__ziskjit_main`, as the SDK's `entry!` names it).
    let entry = profile.stacks.keys().next().and_then(|s| s.split(';').next()).expect("a stack").to_string();
    assert!(profile.stacks.keys().all(|s| s.split(';').next() == Some(entry.as_str())), "one root: {entry}");
    assert!(
        profile.stacks.keys().any(|s| s.contains("main;") && s.ends_with(top.name.as_str())),
        "{}",
        profile.folded()
    );
    assert_eq!(profile.unmatched_returns, 0, "compiled Rust follows the calling convention");
}
