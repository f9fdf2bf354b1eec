//! `ziskjit compile`, and where every subcommand gets a guest's program and compiled
//! code from: an ELF (compiled now, or taken from the image cache) or a precompiled
//! image (detected by its magic bytes, so any subcommand takes either).
//!
//! The cache holds one image per ELF, compiler and host and variant, named
//! `<ELF SHA-256>-<hash of compiler id and host>-<variant>.zjimg`, in
//! `$ZISKJIT_CACHE_DIR`, else `$XDG_CACHE_HOME/ziskjit`, else `~/.cache/ziskjit`.
//! Entries are written to a temporary file and renamed, so a reader never sees half
//! of one; an entry that fails any image check (a crash mid-write on a filesystem
//! without atomic rename, a disk error, a foreign file) is reported as a warning,
//! recompiled and replaced, never run. The cache is an optimisation only: when it
//! cannot be read or written the run goes on with freshly compiled code.

use crate::cli::{read_file, CliError, ErrorKind};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;
use ziskjit_runtime::jit::Compiled;
use ziskjit_transpiler::image::{self, compile_object, host_id, Image};
use ziskjit_transpiler::lower::Variant;
use ziskjit_transpiler::Program;

#[derive(Args)]
pub struct CompileArgs {
    /// The guest ELF (riscv64, statically linked).
    pub elf: PathBuf,
    /// Where to write the image (all variants: plain, trace, profile).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn compile(args: &CompileArgs) -> Result<u8, CliError> {
    let guest = Guest::open(&args.elf)?;
    let Code::Elf(elf) = &guest.code else {
        return Err(CliError::new(
            ErrorKind::Usage,
            format!("`{}` is already a precompiled image; `ziskjit compile` takes the guest ELF", args.elf.display()),
        ));
    };
    let started = Instant::now();
    let bytes = image::build(elf, &guest.program, &Variant::ALL).map_err(|e| guest.compile_error(&e))?;
    write_atomically(&args.output, &bytes)
        .map_err(|e| CliError::new(ErrorKind::Usage, format!("cannot write `{}`: {e}", args.output.display())))?;
    eprintln!(
        "compiled `{}` ({} variants) in {:.3} s: `{}`, {} bytes",
        args.elf.display(),
        Variant::ALL.len(),
        started.elapsed().as_secs_f64(),
        args.output.display(),
        bytes.len()
    );
    Ok(0)
}

/// Where a run's compiled code came from (the `code` field of `--stats-json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeOrigin {
    /// Compiled by this run.
    Compiled,
    /// Loaded from the image cache.
    Cache,
    /// Loaded from the image given on the command line.
    Image,
}

impl CodeOrigin {
    pub fn name(self) -> &'static str {
        match self {
            CodeOrigin::Compiled => "compiled",
            CodeOrigin::Cache => "cache",
            CodeOrigin::Image => "image",
        }
    }
}

/// What the guest file was.
enum Code {
    /// An ELF: its bytes, to compile or to find in the cache.
    Elf(Vec<u8>),
    /// A precompiled image: its compiled code (a relocatable object).
    Image(Vec<u8>),
}

/// A guest given on the command line: its decoded program and where its code is.
pub struct Guest {
    pub path: PathBuf,
    pub program: Program,
    code: Code,
}

impl Guest {
    /// Reads an ELF or an image (told apart by the magic bytes) and decodes the program.
    pub fn open(path: &Path) -> Result<Guest, CliError> {
        let bytes = read_file(path, "guest file")?;
        let (elf, code) = if image::is_image(&bytes) {
            let image = Image::open(&bytes, None).map_err(|e| {
                CliError::new(ErrorKind::InvalidImage, format!("invalid image `{}`: {e}", path.display()))
            })?;
            (image.elf.to_vec(), Code::Image(image.object.to_vec()))
        } else {
            (bytes.clone(), Code::Elf(bytes))
        };
        let program = ziskjit_transpiler::load_elf(&elf)
            .map_err(|e| CliError::new(ErrorKind::InvalidElf, format!("invalid ELF `{}`: {e}", path.display())))?;
        Ok(Guest { path: path.to_path_buf(), program, code })
    }

    /// The program's code compiled as `variant`: from the image, else from the cache
    /// (unless `no_cache`), else compiled now and stored in the cache.
    pub fn compiled(&self, variant: Variant, no_cache: bool) -> Result<(Compiled, CodeOrigin), CliError> {
        let started = Instant::now();
        let (mut compiled, origin) = match &self.code {
            Code::Image(object) => {
                let compiled = Compiled::load(&self.program, object, variant).map_err(|e| {
                    CliError::new(ErrorKind::InvalidImage, format!("invalid image `{}`: {e}", self.path.display()))
                })?;
                (compiled, CodeOrigin::Image)
            }
            Code::Elf(elf) => match cache_entry(elf, variant).filter(|_| !no_cache) {
                Some(entry) => match self.cached(&entry, elf, variant) {
                    Some(compiled) => (compiled, CodeOrigin::Cache),
                    None => (self.compile_into_cache(&entry, elf, variant)?, CodeOrigin::Compiled),
                },
                None => (self.compile(variant)?.0, CodeOrigin::Compiled),
            },
        };
        compiled.compile_seconds = started.elapsed().as_secs_f64();
        Ok((compiled, origin))
    }

    fn compile_error(&self, e: &dyn std::fmt::Display) -> CliError {
        CliError::new(ErrorKind::InvalidElf, format!("cannot compile `{}`: {e}", self.path.display()))
    }

    /// Compiles and loads `variant`; also returns the object, for the cache.
    fn compile(&self, variant: Variant) -> Result<(Compiled, Vec<u8>), CliError> {
        let object = compile_object(&self.program, &[variant]).map_err(|e| self.compile_error(&e))?;
        let compiled = Compiled::load(&self.program, &object, variant).map_err(|e| self.compile_error(&e))?;
        Ok((compiled, object))
    }

    /// The cached code at `entry`, if there is a valid entry; a bad one is reported.
    fn cached(&self, entry: &Path, elf: &[u8], variant: Variant) -> Option<Compiled> {
        let bytes = match std::fs::read(entry) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                eprintln!("warning: cannot read the cached image `{}`: {e}; compiling", entry.display());
                return None;
            }
        };
        let loaded = Image::open(&bytes, Some(&image::sha256(elf)))
            .map_err(|e| e.to_string())
            .and_then(|image| Compiled::load(&self.program, image.object, variant).map_err(|e| e.to_string()));
        match loaded {
            Ok(compiled) => Some(compiled),
            Err(e) => {
                eprintln!("warning: ignoring the cached image `{}`: {e}; recompiling it", entry.display());
                None
            }
        }
    }

    /// Compiles `variant` and stores it as the cache entry `entry`.
    fn compile_into_cache(&self, entry: &Path, elf: &[u8], variant: Variant) -> Result<Compiled, CliError> {
        let (compiled, object) = self.compile(variant)?;
        let stored = host_id().map_err(|e| e.to_string()).and_then(|host| {
            let image = Image {
                compiler: image::COMPILER_ID,
                host: &host,
                elf_sha256: image::sha256(elf),
                elf,
                object: &object,
            };
            entry.parent().map_or(Ok(()), std::fs::create_dir_all).map_err(|e| e.to_string())?;
            write_atomically(entry, &image.to_bytes()).map_err(|e| e.to_string())
        });
        if let Err(e) = stored {
            eprintln!("warning: cannot store the compiled code in the cache `{}`: {e}", entry.display());
        }
        Ok(compiled)
    }
}

/// The cache directory, if one can be named.
fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("ZISKJIT_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("ziskjit")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("ziskjit")))
}

/// The cache entry for `elf` compiled as `variant` by this compiler on this host.
fn cache_entry(elf: &[u8], variant: Variant) -> Option<PathBuf> {
    let host = host_id().ok()?;
    let compiler = image::sha256(format!("{}\n{host}", image::COMPILER_ID).as_bytes());
    let name = format!("{}-{}-{}.zjimg", image::hex(&image::sha256(elf)), image::hex(&compiler[..8]), variant.name());
    Some(cache_dir()?.join(name))
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let written = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
