//! Precompiled images end to end: `ziskjit compile`, running from an image (same
//! results as from the ELF, for run, trace and profile), the image cache (the second
//! run does not compile; `--no-cache`; a corrupt or foreign entry is recompiled with a
//! warning), and the refusal of stale, foreign and corrupted images with exit code 106
//! before anything runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use ziskjit_testgen::guests;
use ziskjit_transpiler::image::{Image, FORMAT_VERSION};

struct Outcome {
    stdout: Vec<u8>,
    stderr: String,
    code: i32,
}

/// Runs ziskjit with `args`, no stdin, and the image cache in `cache`.
fn ziskjit(cache: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_ziskjit"))
        .args(args.iter().map(|a| a.as_ref()))
        .env("ZISKJIT_CACHE_DIR", cache)
        .stdin(Stdio::null())
        .output()
        .expect("run ziskjit");
    Outcome {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("stats file")).expect("stats JSON")
}

/// A temporary directory with an input file for the sha256 example and its image.
struct Setup {
    dir: tempfile::TempDir,
    elf: PathBuf,
    input: PathBuf,
    image: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("temporary directory");
        let elf = guests::example_elf("sha256");
        let input = dir.path().join("input.bin");
        std::fs::write(&input, guests::pseudo_random_bytes(3, 5000)).expect("write input");
        let image = dir.path().join("sha256.zjimg");
        let out = ziskjit(&dir.path().join("unused-cache"), &[&"compile", &elf, &"-o", &image]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        Setup { dir, elf, input, image }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    /// `ziskjit run GUEST` with stats; returns the outcome and the stats.
    fn run(&self, guest: &Path, extra: &[&str]) -> (Outcome, serde_json::Value) {
        let stats = self.path("stats.json");
        let _ = std::fs::remove_file(&stats);
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
            vec![&"run", &guest, &"--input", &self.input, &"--stats-json", &stats];
        args.extend(extra.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
        let out = ziskjit(&self.cache(), &args);
        let stats = if out.code == 0 { json(&stats) } else { serde_json::Value::Null };
        (out, stats)
    }
}

#[test]
fn an_image_runs_like_its_elf_in_every_subcommand() {
    let s = Setup::new();
    let (from_elf, elf_stats) = s.run(&s.elf, &["--no-cache"]);
    let (from_image, image_stats) = s.run(&s.image, &[]);
    assert_eq!(from_elf.code, 0, "{}", from_elf.stderr);
    assert_eq!(from_image.code, 0, "{}", from_image.stderr);
    assert_eq!(from_image.stdout, from_elf.stdout);
    assert_eq!(from_image.stdout.len(), 32, "a SHA-256 digest");
    assert_eq!(image_stats["steps"], elf_stats["steps"]);
    assert_eq!(image_stats["code"], "image");
    assert_eq!(elf_stats["code"], "compiled");

    for (name, guest) in [("elf", &s.elf), ("image", &s.image)] {
        let folded = s.path(&format!("{name}.folded"));
        let out = ziskjit(&s.cache(), &[&"profile", guest, &"--input", &s.input, &"--folded", &folded]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout, from_elf.stdout);
        let out = ziskjit(&s.cache(), &[&"trace", guest, &"--input", &s.input, &"--segment-steps", &"65536"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout, from_elf.stdout);
    }
    assert_eq!(std::fs::read(s.path("elf.folded")).unwrap(), std::fs::read(s.path("image.folded")).unwrap());

    // `compile` wants the ELF, not an image.
    let out = ziskjit(&s.cache(), &[&"compile", &s.image, &"-o", &s.path("again.zjimg")]);
    assert_eq!(out.code, 100, "{}", out.stderr);
    assert!(out.stderr.contains("already a precompiled image"), "{}", out.stderr);
}

#[test]
fn the_cache_makes_the_second_run_skip_compilation() {
    let s = Setup::new();
    let (first, stats) = s.run(&s.elf, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(stats["code"], "compiled");
    let entries: Vec<PathBuf> = std::fs::read_dir(s.cache()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(entries.len(), 1, "one cache entry, no temporary file left: {entries:?}");
    let entry = &entries[0];
    assert!(entry.to_string_lossy().ends_with("-plain.zjimg"), "{}", entry.display());

    let (second, stats) = s.run(&s.elf, &[]);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(stats["code"], "cache");
    let (bypass, stats) = s.run(&s.elf, &["--no-cache"]);
    assert_eq!(bypass.stdout, first.stdout);
    assert_eq!(stats["code"], "compiled");

    // A corrupt entry is refused, recompiled and replaced: a warning, not a failure.
    let good = std::fs::read(entry).unwrap();
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x40;
    std::fs::write(entry, &bad).unwrap();
    let (repaired, stats) = s.run(&s.elf, &[]);
    assert_eq!(repaired.code, 0, "{}", repaired.stderr);
    assert_eq!(repaired.stdout, first.stdout);
    assert_eq!(stats["code"], "compiled");
    assert!(repaired.stderr.contains("warning: ignoring the cached image") && repaired.stderr.contains("corrupted"));
    assert_eq!(s.run(&s.elf, &[]).1["code"], "cache", "the entry was replaced");

    // An entry holding another ELF's code (a cache key mismatch) is refused the same way.
    let other = guests::example_elf("fibonacci");
    let other_entry = s.path("other-cache");
    let fibonacci_input = s.path("fibonacci.bin");
    std::fs::write(&fibonacci_input, guests::fibonacci_input(10)).unwrap();
    let out = ziskjit(&other_entry, &[&"run", &other, &"--input", &fibonacci_input]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let other_bytes = std::fs::read(std::fs::read_dir(&other_entry).unwrap().next().unwrap().unwrap().path()).unwrap();
    std::fs::write(entry, other_bytes).unwrap();
    let (refused, stats) = s.run(&s.elf, &[]);
    assert_eq!(refused.stdout, first.stdout);
    assert_eq!(stats["code"], "compiled");
    assert!(refused.stderr.contains("image built for the ELF with SHA-256"), "{}", refused.stderr);
}

#[test]
fn stale_foreign_and_corrupted_images_are_refused() {
    let s = Setup::new();
    let good = std::fs::read(&s.image).unwrap();
    let image = Image::parse(&good).expect("a valid image");
    let mut wrong_version = good.clone();
    wrong_version[16..20].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let mut flipped = good.clone();
    let at = good.len() - 100;
    flipped[at] ^= 1;
    let other_elf = std::fs::read(guests::example_elf("fibonacci")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 3].to_vec(), "corrupted image"),
        ("header only", good[..30].to_vec(), "truncated image"),
        ("flipped", flipped, "corrupted image"),
        ("version", wrong_version, "image format version"),
        ("host", Image { host: "riscv64gc-unknown-linux-gnu []", ..image.clone() }.to_bytes(), "compiled for the host"),
        ("compiler", Image { compiler: "ziskjit-transpiler 0.0.1", ..image.clone() }.to_bytes(), "compiled by"),
        ("elf hash", Image { elf: &other_elf, ..image.clone() }.to_bytes(), "does not match the ELF hash"),
    ];
    for (name, bytes, message) in cases {
        let path = s.path(&format!("{}.zjimg", name.replace(' ', "-")));
        std::fs::write(&path, bytes).unwrap();
        for command in ["run", "profile", "trace"] {
            let out = ziskjit(&s.cache(), &[&command, &path, &"--input", &s.input]);
            assert_eq!(out.code, 106, "{name}, {command}: {}", out.stderr);
            assert!(out.stderr.contains(message), "{name}, {command}: expected `{message}` in {}", out.stderr);
            assert!(out.stdout.is_empty(), "{name}, {command}: the guest must not run");
        }
    }
}
