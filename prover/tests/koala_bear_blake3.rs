//! The toy tables of `common` under Blake3 over KoalaBear (`Config::blake3_koala_bear`:
//! the 31-bit field with degree-4 challenges, Blake3 Merkle trees and challenger): the
//! shared suite (`common/suite.rs`, also run by `toy.rs` and `koala_bear.rs`), plus its
//! bytes told apart from the other KoalaBear configuration's and its security figure.

mod common;

use common::*;
use p3_field::PrimeCharacteristicRing;
use p3_koala_bear::KoalaBear;
use p3_matrix::dense::RowMajorMatrix;
use ziskjit_prover::*;

/// The base field of these tests.
type F = KoalaBear;
/// Its challenge field.
type EF = KoalaBearChallenge;
type SC = Blake3KoalaBearStark;

fn config() -> Config<SC> {
    Config::blake3_koala_bear(FriSettings::default())
}

common::suite::toy_suite!();

#[test]
fn bytes_name_the_hash_and_field() {
    let blake3 = config();
    let poseidon2 = Config::poseidon2_koala_bear(FriSettings::default());
    assert_eq!(blake3.hash, HashKind::Blake3KoalaBear);
    let witness = fibonacci_witness::<F>(16, 0, 1);
    let (pk, proofs) = prove_one_segment_with(&blake3, &[Toy::Fibonacci], &witness);
    let bytes = encode_proofs(&blake3, &proofs).unwrap();
    assert_eq!(bytes[6], HashKind::Blake3KoalaBear as u8);
    let err = decode_proofs(&poseidon2, &bytes).err().unwrap();
    assert!(matches!(err, FormatError::WrongHash { expected: HashKind::Poseidon2KoalaBear, .. }), "{err}");
    let vk_bytes = encode_vk(&blake3, &pk.vk).unwrap();
    let err = decode_vk(&Config::blake3(FriSettings::default()), &vk_bytes).err().unwrap();
    assert!(matches!(err, FormatError::WrongHash { expected: HashKind::Blake3, .. }), "{err}");
    // And the other way round: Poseidon2-over-KoalaBear bytes under this decoder.
    let (_, p2_proofs) = prove_one_segment_with(&poseidon2, &[Toy::Fibonacci], &witness);
    let err = decode_proofs(&blake3, &encode_proofs(&poseidon2, &p2_proofs).unwrap()).err().unwrap();
    assert!(matches!(err, FormatError::WrongHash { expected: HashKind::Blake3KoalaBear, .. }), "{err}");
    // A Blake3 proof does not verify as a Poseidon2 one would (nor need it): decoded under
    // its own configuration it does.
    verify_one_segment_with(&blake3, &[Toy::Fibonacci], &pk, &decode_proofs(&blake3, &bytes).unwrap()).unwrap();
}

#[test]
fn security_and_limits_match_the_poseidon2_configuration() {
    let blake3 = config();
    let poseidon2 = Config::poseidon2_koala_bear(FriSettings::default());
    assert_eq!(blake3.challenge_field_bits(), poseidon2.challenge_field_bits());
    assert_eq!(blake3.security(22, 3, 27.0), poseidon2.security(22, 3, 27.0));
    assert!(blake3.security(22, 3, 38.0).conjectured_bits >= 100.0);
    assert_eq!(blake3.max_log_height(), 23);
}
