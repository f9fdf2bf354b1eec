//! Precompiled images: the compiled code of one guest ELF in a file, so that running it
//! again needs no compilation (DESIGN.md §4).
//!
//! # Format (version [`FORMAT_VERSION`])
//!
//! ```text
//!   0  magic             16 bytes  b"\x89ZISKJIT-IMAGE\r\n"
//!  16  format version     u32 LE
//!  20  content SHA-256    32 bytes  of every byte from offset 52 to the end
//!  52  fields, each a u64 LE length and that many bytes, in this order:
//!      compiler id        UTF-8     COMPILER_ID of the ziskjit that wrote it
//!      host id            UTF-8     target triple and CPU features of the code (compile::host_id)
//!      ELF SHA-256        32 bytes  of the guest ELF below
//!      guest ELF          the ELF file, byte for byte
//!      object             the relocatable host object with the compiled code (compile.rs)
//! ```
//!
//! The magic's first byte is not ASCII and its `\r\n` catches line-ending conversion, as
//! PNG's does; it also tells an image from an ELF (`\x7fELF`), so every subcommand takes
//! either. The code is a standard ELF object written by `cranelift-object`, which
//! `object`-crate tools (`objdump -d`, `readelf`) can read once the header is cut off.
//!
//! **Why the guest ELF itself, not a serialised `Program`.** Decoding is fast (a few
//! milliseconds for the largest example) and deterministic, so the loader rebuilds
//! the `Program` and the region layout from the ELF, exactly as the compiler saw them.
//! A second serialisation of the ROM, the symbols and the layout would be one more
//! format to keep in step with the decoder, with no gain in start-up time; and with
//! the ELF inside, an image runs on its own and its ELF hash is checked directly.
//!
//! # Refusals
//!
//! An image is run only if it is this format version, its content hash matches (a
//! truncated or corrupted file fails here), it was written by this exact compiler
//! ([`COMPILER_ID`], which includes a fingerprint of the transpiler's sources, so a
//! changed lowering never runs old code), its code is for this host's triple and CPU
//! features, its ELF matches its recorded hash and, when the caller expects a given
//! ELF (the cache), that one. The hash detects accidents, not attacks: an image is
//! native code and must be trusted like any executable.

pub mod compile;

use crate::lower::Variant;
use crate::program::Program;
use sha2::{Digest, Sha256};

pub use compile::{compile_object, host_id, table_symbol, CompileError};

/// The first bytes of every image.
pub const MAGIC: [u8; 16] = *b"\x89ZISKJIT-IMAGE\r\n";

/// The version of the layout described in the module docs.
pub const FORMAT_VERSION: u32 = 1;

/// The compiler that produced an image: the crate version, the Cranelift version, and
/// a fingerprint of the transpiler's sources (from `build.rs`).
pub const COMPILER_ID: &str = concat!(
    "ziskjit-transpiler ",
    env!("CARGO_PKG_VERSION"),
    " cranelift 0.135 source ",
    env!("ZISKJIT_TRANSPILER_FINGERPRINT")
);

/// Offset of the content hash, and of the fields it covers.
const HASH_AT: usize = 20;
const FIELDS_AT: usize = 52;

/// Why an image cannot be run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("not a ziskjit image (bad magic bytes)")]
    NotAnImage,
    #[error("truncated image: {0}")]
    Truncated(String),
    #[error(
        "image format version {found}, this ziskjit reads version {expected}; recompile it with `ziskjit compile`"
    )]
    Version { found: u32, expected: u32 },
    #[error("corrupted image: the content does not match its SHA-256")]
    Corrupted,
    #[error("malformed image: {0}")]
    Malformed(String),
    #[error("image compiled by `{found}`, this is `{expected}`; recompile it with `ziskjit compile`")]
    Compiler { found: String, expected: String },
    #[error("image compiled for the host `{found}`, this host is `{expected}`; recompile it here")]
    Host { found: String, expected: String },
    #[error("the image's ELF does not match the ELF hash in its header ({header})")]
    ElfHash { header: String },
    #[error("image built for the ELF with SHA-256 {found}, expected {expected}")]
    ForeignElf { found: String, expected: String },
    #[error("cannot identify the host: {0}")]
    UnknownHost(String),
}

/// A parsed image, borrowing the file's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image<'a> {
    pub compiler: &'a str,
    pub host: &'a str,
    pub elf_sha256: [u8; 32],
    pub elf: &'a [u8],
    pub object: &'a [u8],
}

/// True if `bytes` start like an image (the rest is checked by [`Image::open`]).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compiles `program`, loaded from `elf`, for each of `variants` and returns the image.
pub fn build(elf: &[u8], program: &Program, variants: &[Variant]) -> Result<Vec<u8>, CompileError> {
    let object = compile_object(program, variants)?;
    let host = host_id()?;
    let image = Image { compiler: COMPILER_ID, host: &host, elf_sha256: sha256(elf), elf, object: &object };
    Ok(image.to_bytes())
}

impl<'a> Image<'a> {
    /// Parses and checks an image for running on this host: [`Image::parse`], then
    /// [`Image::check`].
    pub fn open(bytes: &'a [u8], expected_elf: Option<&[u8; 32]>) -> Result<Image<'a>, ImageError> {
        let image = Image::parse(bytes)?;
        image.check(expected_elf)?;
        Ok(image)
    }

    /// Parses an image and checks its integrity: magic, version, content hash, the
    /// fields, and the ELF against its hash. Who wrote it and for which host is
    /// [`Image::check`]'s business.
    pub fn parse(bytes: &'a [u8]) -> Result<Image<'a>, ImageError> {
        if bytes.len() < MAGIC.len() {
            return Err(if MAGIC.starts_with(bytes) && !bytes.is_empty() {
                ImageError::Truncated(format!("{} bytes, the header alone has {FIELDS_AT}", bytes.len()))
            } else {
                ImageError::NotAnImage
            });
        }
        if !is_image(bytes) {
            return Err(ImageError::NotAnImage);
        }
        if bytes.len() < FIELDS_AT {
            return Err(ImageError::Truncated(format!("{} bytes, the header alone has {FIELDS_AT}", bytes.len())));
        }
        let version = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(ImageError::Version { found: version, expected: FORMAT_VERSION });
        }
        if bytes[HASH_AT..FIELDS_AT] != sha256(&bytes[FIELDS_AT..]) {
            return Err(ImageError::Corrupted);
        }
        let mut rest = &bytes[FIELDS_AT..];
        let mut field = |name: &str| -> Result<&'a [u8], ImageError> {
            let missing = || ImageError::Malformed(format!("the {name} field is cut short"));
            let len = rest.get(..8).ok_or_else(missing)?;
            let len = usize::try_from(u64::from_le_bytes(len.try_into().expect("8 bytes"))).map_err(|_| missing())?;
            let value = rest.get(8..).and_then(|r| r.get(..len)).ok_or_else(missing)?;
            rest = &rest[8 + len..];
            Ok(value)
        };
        let text = |name: &str, value: &'a [u8]| {
            std::str::from_utf8(value).map_err(|_| ImageError::Malformed(format!("the {name} is not UTF-8")))
        };
        let compiler = text("compiler id", field("compiler id")?)?;
        let host = text("host id", field("host id")?)?;
        let elf_sha256: [u8; 32] =
            field("ELF hash")?.try_into().map_err(|_| ImageError::Malformed("the ELF hash is not 32 bytes".into()))?;
        let elf = field("ELF")?;
        let object = field("object")?;
        if !rest.is_empty() {
            return Err(ImageError::Malformed(format!("{} bytes after the last field", rest.len())));
        }
        if sha256(elf) != elf_sha256 {
            return Err(ImageError::ElfHash { header: hex(&elf_sha256) });
        }
        Ok(Image { compiler, host, elf_sha256, elf, object })
    }

    /// Checks that this ziskjit on this host may run the image, and that it was built
    /// for the ELF with hash `expected_elf` when one is given.
    pub fn check(&self, expected_elf: Option<&[u8; 32]>) -> Result<(), ImageError> {
        if self.compiler != COMPILER_ID {
            return Err(ImageError::Compiler { found: self.compiler.into(), expected: COMPILER_ID.into() });
        }
        let host = host_id().map_err(|e| ImageError::UnknownHost(e.to_string()))?;
        if self.host != host {
            return Err(ImageError::Host { found: self.host.into(), expected: host });
        }
        match expected_elf {
            Some(expected) if *expected != self.elf_sha256 => {
                Err(ImageError::ForeignElf { found: hex(&self.elf_sha256), expected: hex(expected) })
            }
            _ => Ok(()),
        }
    }

    /// The image file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut fields = Vec::new();
        for value in [self.compiler.as_bytes(), self.host.as_bytes(), &self.elf_sha256, self.elf, self.object] {
            fields.extend_from_slice(&(value.len() as u64).to_le_bytes());
            fields.extend_from_slice(value);
        }
        let mut out = Vec::with_capacity(FIELDS_AT + fields.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&sha256(&fields));
        out.extend_from_slice(&fields);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let elf = b"not really an ELF, the format does not care";
        Image { compiler: COMPILER_ID, host: "test-host", elf_sha256: sha256(elf), elf, object: b"code" }.to_bytes()
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let image = Image::parse(&bytes).unwrap();
        assert_eq!(image.object, b"code");
        assert_eq!(image.to_bytes(), bytes);
        assert!(is_image(&bytes));
    }

    #[test]
    fn refusals() {
        let bytes = sample();
        assert_eq!(Image::parse(b"\x7fELF\x02\x01\x01"), Err(ImageError::NotAnImage));
        assert_eq!(Image::parse(b""), Err(ImageError::NotAnImage));
        for len in [3, 16, 40, bytes.len() - 1] {
            let err = Image::parse(&bytes[..len]).unwrap_err();
            assert!(matches!(err, ImageError::Truncated(_) | ImageError::Corrupted), "length {len}: {err:?}");
        }
        let mut version = bytes.clone();
        version[16] = 2;
        assert_eq!(Image::parse(&version), Err(ImageError::Version { found: 2, expected: FORMAT_VERSION }));
        for at in [HASH_AT, FIELDS_AT, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assert_eq!(Image::parse(&flipped), Err(ImageError::Corrupted), "flipped byte {at}");
        }
        // A consistent image whose ELF is not the one its header names.
        let image = Image::parse(&bytes).unwrap();
        let forged = Image { elf: b"another ELF", ..image.clone() }.to_bytes();
        assert!(matches!(Image::parse(&forged), Err(ImageError::ElfHash { .. })));
        // Host and compiler checks.
        assert!(matches!(image.check(None), Err(ImageError::Host { .. })));
        let other = Image { compiler: "ziskjit-transpiler 0.0.0", ..image.clone() };
        assert!(matches!(other.check(None), Err(ImageError::Compiler { .. })));
        let host = host_id().unwrap();
        let here = Image { host: &host, ..image };
        assert_eq!(here.check(Some(&here.elf_sha256)), Ok(()));
        assert!(matches!(here.check(Some(&[0; 32])), Err(ImageError::ForeignElf { .. })));
    }
}
