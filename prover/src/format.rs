//! The versioned binary format of proof sets and verification keys.
//!
//! Layout: 4-byte magic (`ZJPF` for a proof set, `ZJVK` for a key), format version
//! (u16, little-endian), the configuration's [`HashKind`] (one byte), then the value in
//! the `postcard` encoding (varint lengths, canonical field elements as u64 varints).
//! Decoding never panics: truncated, foreign, malformed or trailing bytes, another
//! version, or bytes made under the other hash are each reported as a [`FormatError`].
//! Bytes that decode but were altered fail verification.

use p3_uni_stark::StarkGenericConfig;

use crate::config::{Config, HashKind};
use crate::keys::VerifyingKey;
use crate::proof::SegmentProof;

/// The format version this build writes and reads. Version 2: Poseidon2 leaves hashed
/// with the width-16 sponge, and one LogUp column per batch of interactions instead of
/// one per interaction (other aux widths in the openings); version-1 proofs do not verify.
/// Version 3: FRI folds by up to 8 per round ([`crate::config::FRI_MAX_LOG_ARITY`]).
/// Version 4: the last LogUp batch has no column (the running sum carries it).
/// Version 5: quotient chunks may be split further, down to a height another table of
/// the segment already has ([`crate::symbolic::TableAnalysis::log_quotient_chunks`]).
/// Version 6: a segment may leave out a table that may be absent (key field
/// `may_be_absent`, log height [`crate::proof::ABSENT`]).
/// Version 7: the key records its local buses ([`VerifyingKey::local_buses`]).
pub const FORMAT_VERSION: u16 = 7;
const PROOF_MAGIC: [u8; 4] = *b"ZJPF";
const KEY_MAGIC: [u8; 4] = *b"ZJVK";
const HEADER_LEN: usize = 7;

/// Why bytes could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    /// Fewer bytes than the header.
    #[error("{what}: only {len} bytes, shorter than the {HEADER_LEN}-byte header")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Number of bytes given.
        len: usize,
    },
    /// The bytes are not ours, or are another kind of object.
    #[error("{what}: bad magic {found:02x?} (expected {expected:?}); not a ziskjit {what}")]
    BadMagic {
        /// What was being read.
        what: &'static str,
        /// The magic expected.
        expected: &'static str,
        /// The first four bytes found.
        found: [u8; 4],
    },
    /// Another format version.
    #[error("{what}: format version {found}, this build reads version {FORMAT_VERSION}")]
    Version {
        /// What was being read.
        what: &'static str,
        /// Version found.
        found: u16,
    },
    /// Made under another configuration.
    #[error("{what}: made with hash id {found}, but the verifier is configured for {expected:?}")]
    WrongHash {
        /// What was being read.
        what: &'static str,
        /// Hash id found.
        found: u8,
        /// The configured hash.
        expected: HashKind,
    },
    /// The body does not decode.
    #[error("{what}: malformed body at or before byte {offset}: {message}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// Approximate offset of the problem.
        offset: usize,
        /// The decoder's message.
        message: String,
    },
    /// Bytes left over after the value.
    #[error("{what}: {count} unexpected trailing bytes")]
    TrailingBytes {
        /// What was being read.
        what: &'static str,
        /// How many.
        count: usize,
    },
    /// Encoding failed (cannot happen for well-formed values).
    #[error("encoding failed: {0}")]
    Encode(String),
}

fn encode<T: serde::Serialize>(magic: [u8; 4], hash: HashKind, value: &T) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(&magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(hash as u8);
    postcard::to_extend(value, out).map_err(|e| FormatError::Encode(e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    magic: [u8; 4],
    hash: HashKind,
    bytes: &[u8],
) -> Result<T, FormatError> {
    if bytes.len() < HEADER_LEN {
        return Err(FormatError::Truncated { what, len: bytes.len() });
    }
    let found = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if found != magic {
        return Err(FormatError::BadMagic {
            what,
            expected: if magic == PROOF_MAGIC { "ZJPF" } else { "ZJVK" },
            found,
        });
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(FormatError::Version { what, found: version });
    }
    if bytes[6] != hash as u8 {
        return Err(FormatError::WrongHash { what, found: bytes[6], expected: hash });
    }
    let body = &bytes[HEADER_LEN..];
    let (value, rest) = postcard::take_from_bytes::<T>(body).map_err(|e| FormatError::Malformed {
        what,
        offset: bytes.len(),
        message: e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(FormatError::TrailingBytes { what, count: rest.len() });
    }
    Ok(value)
}

/// Serializes a proof set (the segment proofs, in order).
pub fn encode_proofs<SC: StarkGenericConfig>(
    config: &Config<SC>,
    proofs: &[SegmentProof<SC>],
) -> Result<Vec<u8>, FormatError> {
    encode(PROOF_MAGIC, config.hash, &proofs)
}

/// Deserializes a proof set written by [`encode_proofs`] under the same configuration.
pub fn decode_proofs<SC: StarkGenericConfig>(
    config: &Config<SC>,
    bytes: &[u8],
) -> Result<Vec<SegmentProof<SC>>, FormatError> {
    decode("proof", PROOF_MAGIC, config.hash, bytes)
}

/// Serializes a verification key.
pub fn encode_vk<SC: StarkGenericConfig>(config: &Config<SC>, vk: &VerifyingKey<SC>) -> Result<Vec<u8>, FormatError> {
    encode(KEY_MAGIC, config.hash, vk)
}

/// Deserializes a verification key written by [`encode_vk`] under the same configuration.
pub fn decode_vk<SC: StarkGenericConfig>(config: &Config<SC>, bytes: &[u8]) -> Result<VerifyingKey<SC>, FormatError> {
    decode("verification key", KEY_MAGIC, config.hash, bytes)
}
