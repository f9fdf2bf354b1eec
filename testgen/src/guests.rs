//! The example guests (`examples/`) as test programs: building them, finding their
//! ELFs, and encoding their inputs.
//!
//! The examples are a separate Cargo workspace for `riscv64imac-unknown-none-elf`, so
//! a test cannot depend on them as crates: [`example_elf`] runs `cargo build
//! --release` in `examples/` once per test process and returns the path of one ELF.
//! The input encoders follow the layouts documented in each example's `main.rs`, so
//! tests and benchmarks do not each re-derive them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The target the guests are built for (set in `examples/.cargo/config.toml`).
pub const GUEST_TARGET: &str = "riscv64imac-unknown-none-elf";

/// The example guests' workspace, `examples/` at the repository root.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("examples")
}

/// Whether the outer build's environment variable `name` must be hidden from the
/// nested cargo. Cargo passes its configuration to the processes it runs (a test
/// binary sees e.g. `CARGO_TARGET_DIR`, `RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS` with
/// the host's `-C target-cpu=native`); inherited, they would send the guest build to
/// the host's target directory or with host-only flags. Only where to find cargo's
/// home, the registry and the network settings are kept.
fn hidden_from_nested_cargo(name: &str) -> bool {
    const KEEP: [&str; 5] = ["CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTRIES_", "CARGO_REGISTRY_"];
    const DROP: [&str; 5] =
        ["RUSTFLAGS", "RUSTDOCFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "RUSTC_BOOTSTRAP"];
    (name.starts_with("CARGO_") && !KEEP.iter().any(|keep| name.starts_with(keep)))
        || name.starts_with("__CARGO")
        || DROP.contains(&name)
}

/// Builds the examples workspace (once per process) and returns the directory that
/// holds the release ELFs. Panics with cargo's output if the build fails: the guests
/// not building is a broken checkout, not a test outcome.
fn release_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = examples_dir();
        let mut cargo = Command::new("cargo");
        cargo.args(["build", "--release"]).current_dir(&dir);
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(hidden_from_nested_cargo) {
                cargo.env_remove(&name);
            }
        }
        let out =
            cargo.output().unwrap_or_else(|e| panic!("running `cargo build --release` in {}: {e}", dir.display()));
        assert!(
            out.status.success(),
            "building the example guests (`cargo build --release` in {}) failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        dir.join("target").join(GUEST_TARGET).join("release")
    })
}

/// The release ELF of the example guest `name` (a folder of `examples/`), building
/// the examples first if this process has not yet.
pub fn example_elf(name: &str) -> PathBuf {
    let elf = release_dir().join(name);
    assert!(
        elf.is_file(),
        "no example guest `{name}`: {} does not exist after building {} (is `{name}` a member of examples/Cargo.toml?)",
        elf.display(),
        examples_dir().display()
    );
    elf
}

/// Input of `fibonacci`: `n` as a little-endian u64.
pub fn fibonacci_input(n: u64) -> Vec<u8> {
    n.to_le_bytes().to_vec()
}

/// Input of `sort`: the values as consecutive little-endian u64s.
pub fn sort_input(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Input of `ecdsa`: the SEC1-compressed public key, the signature `r ‖ s` (32-byte
/// big-endian scalars each), then the message.
pub fn ecdsa_input(public_key: &[u8; 33], signature: &[u8; 64], message: &[u8]) -> Vec<u8> {
    [&public_key[..], &signature[..], message].concat()
}

/// SplitMix64: a tiny deterministic generator, so generated workloads are the same on
/// every run and every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (n > 0; the slight modulo bias does not matter here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `len` deterministic pseudo-random bytes (SplitMix64 from `seed`), for hashing
/// and sorting workloads that must be the same on every run.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = SplitMix(seed);
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Input of `json`: a deterministic pseudo-random JSON document of at least `min_len`
/// bytes, a top-level array of values nested up to 8 deep, using every JSON value
/// kind, negative and 64-bit integers, fractions and exponents, and strings with
/// escapes, non-ASCII text and surrogate pairs.
pub fn json_document(seed: u64, min_len: usize) -> String {
    let mut rng = SplitMix(seed);
    let mut out = String::from("[");
    while out.len() < min_len {
        if out.len() > 1 {
            out.push(',');
        }
        json_value(&mut rng, 2, &mut out);
    }
    out.push(']');
    out
}

/// Appends one random JSON value at nesting `depth` (containers only below 8).
fn json_value(rng: &mut SplitMix, depth: u32, out: &mut String) {
    use std::fmt::Write;
    let kinds = if depth < 8 { 9 } else { 6 };
    match rng.below(kinds) {
        0 => out.push_str("null"),
        1 => out.push_str(if rng.below(2) == 0 { "false" } else { "true" }),
        2 => write!(out, "{}", rng.next() as i64 >> rng.below(64)).unwrap(),
        3 => write!(out, "{}", rng.next()).unwrap(),
        4 => write!(out, "{}.{:03}e{}", rng.below(1000) as i64 - 500, rng.below(1000), rng.below(40) as i64 - 20)
            .unwrap(),
        5 => json_string(rng, out),
        6 | 7 => {
            out.push('[');
            for i in 0..rng.below(5) {
                out.push_str(if i > 0 { ", " } else { "" });
                json_value(rng, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for i in 0..rng.below(5) {
                out.push_str(if i > 0 { "," } else { "" });
                json_string(rng, out);
                out.push(':');
                json_value(rng, depth + 1, out);
            }
            out.push('}');
        }
    }
}

/// Appends a random JSON string literal.
fn json_string(rng: &mut SplitMix, out: &mut String) {
    const PIECES: [&str; 12] =
        ["a", "key", "Zz9", " ", r#"\""#, r"\\", r"\n", r"\t", r"\u00e9", "ß€", r"\ud83d\ude00", "日本"];
    out.push('"');
    for _ in 0..rng.below(8) {
        out.push_str(PIECES[rng.below(PIECES.len() as u64) as usize]);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_build_configuration_is_hidden_from_the_nested_cargo() {
        for hidden in
            ["CARGO_TARGET_DIR", "CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "__CARGO_FIX_PLZ"]
        {
            assert!(hidden_from_nested_cargo(hidden), "{hidden} must not reach the guest build");
        }
        for kept in ["CARGO_HOME", "CARGO_NET_OFFLINE", "PATH", "HOME", "RUSTUP_TOOLCHAIN"] {
            assert!(!hidden_from_nested_cargo(kept), "{kept} must reach the guest build");
        }
    }

    #[test]
    fn inputs_follow_the_documented_layouts() {
        assert_eq!(fibonacci_input(0x0102), [2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(sort_input(&[1, u64::MAX]), [[1, 0, 0, 0, 0, 0, 0, 0], [0xFF; 8]].concat());
        let input = ecdsa_input(&[2; 33], &[7; 64], b"msg");
        assert_eq!((input.len(), input[32], input[33], input[96], &input[97..]), (100, 2, 7, 7, &b"msg"[..]));
    }

    #[test]
    fn json_documents_are_deterministic_and_long_enough() {
        let doc = json_document(5, 2000);
        assert!(doc.len() >= 2000 && doc.starts_with('[') && doc.ends_with(']'));
        assert_eq!(json_document(5, 2000), doc);
        assert_ne!(json_document(6, 2000), doc);
        for needle in ["null", "true", "{", "e-", r#"\""#, r"\ud83d\ude00", "€"] {
            assert!(doc.contains(needle), "a 2000-byte document uses {needle}");
        }
    }

    #[test]
    fn pseudo_random_bytes_are_deterministic_prefixes() {
        let long = pseudo_random_bytes(7, 100);
        assert_eq!(pseudo_random_bytes(7, 13), long[..13]);
        assert_ne!(pseudo_random_bytes(8, 100), long);
        assert!(long.iter().filter(|&&b| b == long[0]).count() < 20, "not a constant fill");
    }
}
