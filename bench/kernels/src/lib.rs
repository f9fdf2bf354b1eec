//! The benchmark kernels of DESIGN.md §8 in plain `no_std` Rust, with no dependencies
//! and no precompiles, so that the guest (RISC-V) and native (x86-64) builds run the
//! very same source and their speeds compare code generators, not libraries.
//!
//! Each kernel is deterministic and returns a 64-bit digest of its work, which both
//! builds print: equal digests show both ran the same computation.

#![no_std]

/// A dependent register loop: `rounds` steps of xorshift64, each depending on the last.
pub fn xorshift_loop(rounds: u64) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

const SHA256_K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// The SHA-256 compression function (FIPS 180-4 §6.2.2) on one 64-byte block.
pub fn sha256_compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = [0u32; 64];
    for (i, word) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for i in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(SHA256_K[i]).wrapping_add(w[i]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// `blocks` SHA-256 compressions, each block derived from the previous state.
pub fn sha256_chain(blocks: u64) -> u64 {
    let mut state: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut block = [0u8; 64];
    for n in 0..blocks {
        for (i, s) in state.iter().enumerate() {
            block[4 * i..4 * i + 4].copy_from_slice(&s.to_le_bytes());
        }
        block[32..40].copy_from_slice(&n.to_le_bytes());
        sha256_compress(&mut state, &block);
    }
    (u64::from(state[0]) << 32) | u64::from(state[1])
}

const KECCAK_RC: [u64; 24] = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000a, 0x000000008000808b, 0x800000000000008b, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
];
const KECCAK_ROTC: [u32; 24] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];
const KECCAK_PILN: [usize; 24] = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

/// Keccak-f[1600] (FIPS 202 §3.3), the permutation of SHA-3.
pub fn keccak_f(a: &mut [u64; 25]) {
    for rc in KECCAK_RC {
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        let mut t = a[1];
        for i in 0..24 {
            let j = KECCAK_PILN[i];
            let next = a[j];
            a[j] = t.rotate_left(KECCAK_ROTC[i]);
            t = next;
        }
        for y in 0..5 {
            let row = [a[5 * y], a[5 * y + 1], a[5 * y + 2], a[5 * y + 3], a[5 * y + 4]];
            for x in 0..5 {
                a[5 * y + x] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        a[0] ^= rc;
    }
}

/// `rounds` Keccak-f[1600] permutations of one state.
pub fn keccak_chain(rounds: u64) -> u64 {
    let mut state = [0u64; 25];
    for n in 0..rounds {
        state[0] ^= n;
        keccak_f(&mut state);
    }
    state[0] ^ state[24]
}

/// Fills `values` with xorshift64 output, sorts it with `sort_unstable`, and returns a
/// position-weighted checksum of the result.
pub fn sort_values(values: &mut [u64]) -> u64 {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for v in values.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *v = x;
    }
    values.sort_unstable();
    values.iter().enumerate().fold(0u64, |acc, (i, &v)| acc.rotate_left(5) ^ v.wrapping_mul(i as u64 | 1))
}

/// Number of values the sort kernel sorts: 2^22.
pub const SORT_LEN: usize = 1 << 22;
/// Work sizes, chosen so each kernel retires roughly 0.5–1.5 G guest instructions.
pub const LOOP_ROUNDS: u64 = 150_000_000;
pub const SHA256_BLOCKS: u64 = 250_000;
pub const KECCAK_ROUNDS: u64 = 250_000;

/// Runs kernel `name` at its benchmark size (the sort kernel sorts `scratch`, which
/// must hold [`SORT_LEN`] values); `None` for an unknown name.
pub fn run(name: &str, scratch: &mut [u64]) -> Option<u64> {
    Some(match name {
        "loop" => xorshift_loop(LOOP_ROUNDS),
        "sha256" => sha256_chain(SHA256_BLOCKS),
        "keccak" => keccak_chain(KECCAK_ROUNDS),
        "sort" => sort_values(&mut scratch[..SORT_LEN]),
        _ => return None,
    })
}

/// The kernels' names, in table order.
pub const KERNELS: [&str; 4] = ["loop", "sha256", "keccak", "sort"];
