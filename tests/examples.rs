//! End-to-end tests of the example guests (`examples/`) and, through them, the guest
//! SDK: every example runs on several inputs under `qemu-riscv64` (the reference) and
//! under `ziskjit run --engine interp`, and both must produce exactly the public
//! output and exit code computed on the host with independent implementations
//! (`sha2`, `sha3` for Keccak, `k256` with a fixed signing key, and host versions of
//! the Fibonacci and sort digests). Error paths are checked the same way: the exit
//! code and the message on stderr.
//!
//! Each example gets one test per runner (`<example>::qemu`, `<example>::ziskjit`), so
//! `cargo test --test examples qemu` checks the guests alone, and a test of its ELF's
//! memory layout (`<example>::layout`) against what the SDK's linker script promises.

use std::ffi::OsStr;
use std::path::Path;

use k256::ecdsa::signature::{Signer, Verifier};
use k256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};
use sha3::Keccak256;
use ziskjit_testgen::guests::{
    ecdsa_input, example_elf, fibonacci_input, json_document, pseudo_random_bytes, sort_input,
};
use ziskjit_testgen::toolchain::{require_tools, run_command, run_qemu, Outcome};

/// What a run must produce.
struct Expected {
    /// The public output (fd 1), byte for byte.
    public: Vec<u8>,
    exit_code: i32,
    /// Text the debug output (fd 2) must contain, if any.
    stderr_contains: Vec<String>,
}

impl Expected {
    fn success(public: Vec<u8>) -> Self {
        Self { public, exit_code: 0, stderr_contains: Vec::new() }
    }

    /// A guest that reports `message` as an error from `main` (exit code 1).
    fn error(message: &str) -> Self {
        Self { public: Vec::new(), exit_code: 1, stderr_contains: vec![format!("error: {message}")] }
    }
}

/// One run of an example: a name for failure messages, the input, the expectation.
struct Case {
    name: String,
    input: Vec<u8>,
    expected: Expected,
}

fn case(name: impl Into<String>, input: Vec<u8>, expected: Expected) -> Case {
    Case { name: name.into(), input, expected }
}

/// How an ELF is run.
#[derive(Clone, Copy, Debug)]
enum Runner {
    Qemu,
    Ziskjit,
}

impl Runner {
    fn run(self, elf: &Path, input: &[u8]) -> Outcome {
        match self {
            Runner::Qemu => run_qemu(elf, input),
            Runner::Ziskjit => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let input_file = dir.path().join("input.bin");
                std::fs::write(&input_file, input).expect("write the input file");
                let args: [&OsStr; 6] = [
                    "run".as_ref(),
                    elf.as_os_str(),
                    "--engine".as_ref(),
                    "interp".as_ref(),
                    "--input".as_ref(),
                    input_file.as_os_str(),
                ];
                run_command(env!("CARGO_BIN_EXE_ziskjit"), &args, &[])
            }
        }
    }
}

/// Runs every case of `example` under `runner` and checks it, reporting all failing
/// cases at once.
fn check(example: &str, runner: Runner, cases: Vec<Case>) {
    require_tools();
    let elf = example_elf(example);
    let mut failures = Vec::new();
    for case in &cases {
        let got = runner.run(&elf, &case.input);
        let stderr = String::from_utf8_lossy(&got.stderr);
        let mut problems = Vec::new();
        if got.exit_code != case.expected.exit_code {
            problems.push(format!("exit code {} (expected {})", got.exit_code, case.expected.exit_code));
        }
        if got.stdout != case.expected.public {
            problems.push(format!("public output {} (expected {})", hex(&got.stdout), hex(&case.expected.public)));
        }
        for needle in &case.expected.stderr_contains {
            if !stderr.contains(needle.as_str()) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{example}/{} under {runner:?}: {}\n  stderr: {stderr}",
                case.name,
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty)".into();
    }
    let shown: String = bytes.iter().take(80).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 80 {
        format!("{shown}… ({} bytes)", bytes.len())
    } else {
        shown
    }
}

/// fib(n) mod 2^64 by fast doubling (fib(2k) = fib(k)(2fib(k+1) − fib(k)),
/// fib(2k+1) = fib(k)² + fib(k+1)²), a different algorithm from the guest's loop.
fn fibonacci(n: u64) -> u64 {
    fn pair(n: u64) -> (u64, u64) {
        if n == 0 {
            return (0, 1);
        }
        let (a, b) = pair(n / 2);
        let even = a.wrapping_mul(b.wrapping_mul(2).wrapping_sub(a));
        let odd = a.wrapping_mul(a).wrapping_add(b.wrapping_mul(b));
        if n.is_multiple_of(2) {
            (even, odd)
        } else {
            (odd, even.wrapping_add(odd))
        }
    }
    pair(n).0
}

fn fibonacci_cases() -> Vec<Case> {
    // Known values pin the host reference itself (fib(93) is the largest that fits).
    assert_eq!((fibonacci(10), fibonacci(90)), (55, 2_880_067_194_370_816_120));
    assert_eq!(fibonacci(93), 12_200_160_415_121_876_738);
    let mut cases: Vec<Case> = [0u64, 1, 2, 10, 93, 94, 100_000]
        .into_iter()
        .map(|n| {
            let public = [n.to_le_bytes(), fibonacci(n).to_le_bytes()].concat();
            case(format!("n={n}"), fibonacci_input(n), Expected::success(public))
        })
        .collect();
    let mut trailing = fibonacci_input(20);
    trailing.extend_from_slice(b"ignored");
    cases.push(case(
        "trailing bytes",
        trailing,
        Expected::success([20u64.to_le_bytes(), 6765u64.to_le_bytes()].concat()),
    ));
    cases.push(case(
        "empty input",
        Vec::new(),
        Expected::error("private input too short: needed 8 bytes at offset 0, only 0 left"),
    ));
    cases.push(case(
        "5-byte input",
        vec![1; 5],
        Expected::error("private input too short: needed 8 bytes at offset 0, only 5 left"),
    ));
    cases
}

/// Inputs around the hash block boundaries (`block` bytes) and a long one.
fn hash_inputs(block: usize) -> Vec<(String, Vec<u8>)> {
    let mut inputs = vec![("empty".to_string(), Vec::new()), ("abc".to_string(), b"abc".to_vec())];
    for len in [block - 9, block - 8, block - 1, block, block + 1, 2 * block, 100_000] {
        inputs.push((format!("{len} bytes"), pseudo_random_bytes(len as u64, len)));
    }
    inputs
}

fn sha256_cases() -> Vec<Case> {
    let digest_of_abc = Sha256::digest(b"abc");
    assert_eq!(digest_of_abc[..4], [0xba, 0x78, 0x16, 0xbf], "host SHA-256 of \"abc\" (FIPS 180-2)");
    hash_inputs(64)
        .into_iter()
        .map(|(name, input)| {
            let digest = Sha256::digest(&input).to_vec();
            case(name, input, Expected::success(digest))
        })
        .collect()
}

fn keccak_cases() -> Vec<Case> {
    let empty = Keccak256::digest(b"");
    assert_eq!(empty[..4], [0xc5, 0xd2, 0x46, 0x01], "host Keccak-256 of \"\" (Ethereum's empty hash)");
    // 136 bytes is Keccak-256's rate.
    hash_inputs(136)
        .into_iter()
        .map(|(name, input)| {
            let digest = Keccak256::digest(&input).to_vec();
            case(name, input, Expected::success(digest))
        })
        .collect()
}

/// Checksum of the sort example: `h = (h rotl 5 ^ v) * 0x100000001b3`, wrapping.
fn sort_public(values: &[u64]) -> Vec<u8> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let checksum = sorted.iter().fold(0u64, |h, &v| (h.rotate_left(5) ^ v).wrapping_mul(0x100_0000_01b3));
    let mut words = vec![sorted.len() as u64, checksum];
    if let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) {
        words.extend([first, sorted[sorted.len() / 2], last]);
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn sort_cases() -> Vec<Case> {
    let random: Vec<u64> =
        pseudo_random_bytes(42, 8 << 14).chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    let few_distinct: Vec<u64> = random.iter().take(5000).map(|v| v % 7).collect();
    let descending: Vec<u64> = (0..3000).rev().collect();
    let extremes = vec![u64::MAX, 0, 1, u64::MAX - 1, 1 << 63];
    let mut cases: Vec<Case> = [
        ("empty", Vec::new()),
        ("one value", vec![42]),
        ("2^14 random", random),
        ("duplicates", few_distinct),
        ("descending", descending),
        ("extremes", extremes),
    ]
    .into_iter()
    .map(|(name, values)| case(name, sort_input(&values), Expected::success(sort_public(&values))))
    .collect();
    cases.push(case(
        "12-byte input",
        vec![0; 12],
        Expected::error("the input is 12 bytes, not a whole number of little-endian u64s (8 bytes each)"),
    ));
    // 72 MiB of input: the input buffer grows to 128 MiB while reading (doubling), is
    // shrunk back to 72 MiB, and the 72 MiB array of values then exceeds the SDK's
    // 128 MiB heap. The allocation failure must end as a panic (exit 101), not a fault.
    let too_big = 72 << 20;
    cases.push(case(
        "larger than the heap",
        vec![0; too_big],
        Expected {
            public: Vec::new(),
            exit_code: 101,
            stderr_contains: vec![format!("memory allocation of {too_big} bytes failed")],
        },
    ));
    cases
}

/// Public output of the ecdsa example for `input`, computed with host `k256`.
fn ecdsa_public(verified: bool, key: &[u8; 33], message: &[u8]) -> Vec<u8> {
    [&[u8::from(verified)][..], &Sha256::digest(message)[..], &key[..]].concat()
}

fn ecdsa_cases() -> Vec<Case> {
    let signing_key = SigningKey::from_slice(&[0x5a; 32]).expect("a valid secret scalar");
    let verifying_key = *signing_key.verifying_key();
    let key: [u8; 33] = verifying_key.to_encoded_point(true).as_bytes().try_into().expect("33-byte compressed key");
    let other_key: [u8; 33] = SigningKey::from_slice(&[0x17; 32])
        .unwrap()
        .verifying_key()
        .to_encoded_point(true)
        .as_bytes()
        .try_into()
        .unwrap();
    let long_message = pseudo_random_bytes(3, 10_000);
    let mut cases = Vec::new();
    for (name, message) in
        [("empty message", &b""[..]), ("short message", b"pay 5 to bob"), ("10 KB message", &long_message)]
    {
        let signature: Signature = signing_key.sign(message);
        let sig: [u8; 64] = signature.to_bytes().into();
        assert!(verifying_key.verify(message, &signature).is_ok(), "host signature verifies");
        cases.push(case(
            format!("{name}, valid"),
            ecdsa_input(&key, &sig, message),
            Expected::success(ecdsa_public(true, &key, message)),
        ));

        let mut corrupted = sig;
        corrupted[40] ^= 0x01;
        let host_verdict = Signature::from_slice(&corrupted).is_ok_and(|s| verifying_key.verify(message, &s).is_ok());
        assert!(!host_verdict, "a flipped bit in s must not verify on the host either");
        cases.push(case(
            format!("{name}, corrupted signature"),
            ecdsa_input(&key, &corrupted, message),
            Expected::success(ecdsa_public(false, &key, message)),
        ));
        cases.push(case(
            format!("{name}, other key"),
            ecdsa_input(&other_key, &sig, message),
            Expected::success(ecdsa_public(false, &other_key, message)),
        ));
    }
    let message = b"pay 5 to bob";
    let sig: [u8; 64] = Signer::<Signature>::sign(&signing_key, message).to_bytes().into();
    cases.push(case(
        "altered message",
        ecdsa_input(&key, &sig, b"pay 500 to bob"),
        Expected::success(ecdsa_public(false, &key, b"pay 500 to bob")),
    ));
    let mut zero_r = sig;
    zero_r[..32].fill(0);
    cases.push(case(
        "r = 0",
        ecdsa_input(&key, &zero_r, message),
        Expected::success(ecdsa_public(false, &key, message)),
    ));
    // x = 5 is not the x-coordinate of any secp256k1 point (5^3 + 7 = 132 is not a square mod p).
    let mut not_a_point = [0u8; 33];
    not_a_point[0] = 0x02;
    not_a_point[32] = 5;
    assert!(k256::ecdsa::VerifyingKey::from_sec1_bytes(&not_a_point).is_err(), "host rejects the key too");
    cases.push(case(
        "public key not on the curve",
        ecdsa_input(&not_a_point, &sig, message),
        Expected::error("the public key (input bytes 0..33) is not a compressed secp256k1 point"),
    ));
    cases.push(case(
        "empty input",
        Vec::new(),
        Expected::error("public key: private input too short: needed 33 bytes at offset 0, only 0 left"),
    ));
    cases.push(case(
        "truncated signature",
        [&key[..], &sig[..50]].concat(),
        Expected::error("signature: private input too short: needed 64 bytes at offset 33, only 50 left"),
    ));
    cases
}

/// Public output of the json example: counts of nulls, booleans, numbers, strings,
/// arrays, objects; maximum depth; wrapping sum of integers; bytes of string text.
fn json_public(document: &serde_json::Value) -> Vec<u8> {
    fn visit(value: &serde_json::Value, depth: u64, stats: &mut [u64; 9]) {
        use serde_json::Value;
        stats[6] = stats[6].max(depth);
        match value {
            Value::Null => stats[0] += 1,
            Value::Bool(_) => stats[1] += 1,
            Value::Number(n) => {
                stats[2] += 1;
                let integer = n.as_i64().map(|i| i as u64).or(n.as_u64()).unwrap_or(0);
                stats[7] = stats[7].wrapping_add(integer);
            }
            Value::String(s) => {
                stats[3] += 1;
                stats[8] += s.len() as u64;
            }
            Value::Array(items) => {
                stats[4] += 1;
                items.iter().for_each(|item| visit(item, depth + 1, stats));
            }
            Value::Object(fields) => {
                stats[5] += 1;
                for (key, item) in fields {
                    stats[8] += key.len() as u64;
                    visit(item, depth + 1, stats);
                }
            }
        }
    }
    let mut stats = [0u64; 9];
    visit(document, 1, &mut stats);
    stats.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn json_words(words: [u64; 9]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn json_cases() -> Vec<Case> {
    // Hand-counted, so the host reference is itself checked: 1 null, 1 bool, 3 numbers
    // (1 + (-3) as the integer sum; 2.5 is not an integer), 1 string ("hé", 3 bytes) +
    // keys a, b, c (3 bytes), 3 arrays, 2 objects, depth 4 ({ "b": { "c": [ [] ] } }).
    let small = r#"{"a": [1, 2.5, -3, null, true, "h\u00e9"], "b": {"c": [[]]}}"#;
    let small_public = json_words([1, 1, 3, 1, 3, 2, 4, (-2i64) as u64, 6]);
    assert_eq!(json_public(&serde_json::from_str(small).unwrap()), small_public);
    let mut cases = vec![
        case("small document", small.as_bytes().to_vec(), Expected::success(small_public)),
        case(
            "top-level number",
            b" 18446744073709551615 ".to_vec(),
            Expected::success(json_words([0, 0, 1, 0, 0, 0, 1, u64::MAX, 0])),
        ),
    ];
    for (seed, len) in [(1, 1_000), (2, 100_000)] {
        let document = json_document(seed, len);
        let public = json_public(&serde_json::from_str(&document).expect("generated JSON parses on the host"));
        cases.push(case(format!("{len}-byte generated document"), document.into_bytes(), Expected::success(public)));
    }
    cases.push(case(
        "empty input",
        Vec::new(),
        Expected::error("invalid JSON: EOF while parsing a value at line 1 column 0"),
    ));
    cases.push(case(
        "missing value",
        br#"{"a":}"#.to_vec(),
        Expected::error("invalid JSON: expected value at line 1 column 6"),
    ));
    cases.push(case(
        "nested too deep",
        "[".repeat(200).into_bytes(),
        Expected::error("invalid JSON: recursion limit exceeded at line 1 column 128"),
    ));
    cases
}

fn panicking_cases() -> Vec<Case> {
    [Vec::new(), b"abc".to_vec()]
        .into_iter()
        .map(|input| {
            let n = input.len();
            let expected = Expected {
                public: (n as u64).to_le_bytes().to_vec(),
                exit_code: 101,
                stderr_contains: vec![
                    "guest panicked at panicking/src/main.rs:".to_string(),
                    format!("deliberate panic after reading {n} bytes of input"),
                ],
            };
            case(format!("{n}-byte input"), input, expected)
        })
        .collect()
}

/// Where the SDK's linker script promises to put things (guest/README.md).
const IMAGE_BASE: u64 = 0x0010_0000;
const STACK_BOTTOM: u64 = 0x7F80_0000;
const HEAP_SIZE: u64 = 128 << 20;

/// Checks that `example`'s ELF has the memory layout the SDK's linker script promises
/// and the VM relies on: entry `_start` at the image base, every PT_LOAD segment
/// between the base and the stack, no segment both writable and executable, no two
/// segments sharing a 4 KiB page, the 128 MiB heap zero-filled (past `p_filesz`) in a
/// writable segment, and symbols kept for the profiler (without `.L` labels).
fn check_layout(example: &str) {
    use goblin::elf::program_header::{PF_W, PF_X, PT_LOAD};
    let elf_path = example_elf(example);
    let bytes = std::fs::read(&elf_path).expect("read the example ELF");
    let elf = goblin::elf::Elf::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", elf_path.display()));
    let symbol = |name: &str| elf.syms.iter().find(|s| elf.strtab.get_at(s.st_name) == Some(name)).map(|s| s.st_value);
    let labels = elf.syms.iter().filter(|s| elf.strtab.get_at(s.st_name).is_some_and(|n| n.starts_with(".L"))).count();
    assert_eq!(labels, 0, "{example}: assembler .L labels left in the symbol table");
    assert!(symbol("__ziskjit_main").is_some(), "{example}: function symbols must be kept");

    assert_eq!(Some(elf.entry), symbol("_start"), "{example}: the entry point is _start");
    assert_eq!(elf.entry, IMAGE_BASE, "{example}: _start is first, at the image base");
    let loads: Vec<_> = elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let page = |a: u64| a & !0xFFF;
    for (i, p) in loads.iter().enumerate() {
        let end = p.p_vaddr + p.p_memsz;
        assert!(p.p_vaddr >= IMAGE_BASE && end <= STACK_BOTTOM, "{example}: segment {i} at {:#x}..{end:#x}", p.p_vaddr);
        assert!((p.p_flags & (PF_W | PF_X)) != (PF_W | PF_X), "{example}: segment {i} is writable and executable");
        for q in &loads[i + 1..] {
            let disjoint = page(end - 1) < page(q.p_vaddr) || page(q.p_vaddr + q.p_memsz - 1) < page(p.p_vaddr);
            assert!(disjoint, "{example}: segments at {:#x} and {:#x} share a page", p.p_vaddr, q.p_vaddr);
        }
    }
    let executable = loads.iter().filter(|p| p.p_flags & PF_X != 0).count();
    assert_eq!(executable, 1, "{example}: one executable segment (.text)");

    let (start, end) = (symbol("__ziskjit_heap_start").unwrap(), symbol("__ziskjit_heap_end").unwrap());
    assert_eq!(end - start, HEAP_SIZE, "{example}: heap size");
    let holder = loads.iter().find(|p| p.p_vaddr <= start && end <= p.p_vaddr + p.p_memsz);
    let holder = holder.unwrap_or_else(|| panic!("{example}: no segment holds the heap {start:#x}..{end:#x}"));
    assert!(holder.p_flags & PF_W != 0, "{example}: the heap is writable");
    assert!(holder.p_vaddr + holder.p_filesz <= start, "{example}: the heap takes no file space");
}

/// One module per example: a test of its ELF layout and one per runner.
macro_rules! example_tests {
    ($($example:ident => $cases:ident),* $(,)?) => {$(
        mod $example {
            #[test]
            fn layout() {
                super::check_layout(stringify!($example));
            }

            #[test]
            fn qemu() {
                super::check(stringify!($example), super::Runner::Qemu, super::$cases());
            }

            #[test]
            fn ziskjit() {
                super::check(stringify!($example), super::Runner::Ziskjit, super::$cases());
            }
        }
    )*};
}

example_tests! {
    fibonacci => fibonacci_cases,
    sha256 => sha256_cases,
    keccak => keccak_cases,
    sort => sort_cases,
    ecdsa => ecdsa_cases,
    json => json_cases,
    panicking => panicking_cases,
}
