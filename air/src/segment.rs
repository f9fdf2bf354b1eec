//! The public values every segment proof carries, which the verifier fixes from the
//! segment's position: its number (0 is reserved for the initial memory, execution
//! segment `k` is `k + 1`, the memory segment comes last) and whether it is the memory
//! segment.

/// Number of public values per segment.
pub const PUBLIC_VALUES: usize = 2;
/// Index of the segment number.
pub const NUMBER: usize = 0;
/// Index of the is-memory-segment flag.
pub const IS_MEMORY: usize = 1;

/// The segment number as an expression of the table's constraints (every table of a
/// segment sees the segment's public values).
pub fn number<AB: p3_air::AirBuilder>(builder: &AB) -> AB::Expr {
    builder.public_values()[NUMBER].into()
}

/// The public values of the segment at `position`; the memory segment is the last.
pub fn public_values(position: usize, is_memory: bool) -> [u64; PUBLIC_VALUES] {
    [position as u64 + 1, u64::from(is_memory)]
}

/// Sends `values` on a local bus ([`crate::bus::LOCAL_BUSES`]) with the segment number
/// in front, as every tuple of a local bus starts.
pub fn send<AB: ziskjit_prover::BusBuilder>(
    builder: &mut AB,
    bus: ziskjit_prover::BusId,
    values: impl IntoIterator<Item = AB::Expr>,
    multiplicity: impl Into<AB::Expr>,
) {
    let tuple: Vec<AB::Expr> = std::iter::once(number(builder)).chain(values).collect();
    builder.send(bus, tuple, multiplicity);
}

/// Receives `values` on a local bus, with the segment number in front (see [`send`]).
pub fn receive<AB: ziskjit_prover::BusBuilder>(
    builder: &mut AB,
    bus: ziskjit_prover::BusId,
    values: impl IntoIterator<Item = AB::Expr>,
    multiplicity: impl Into<AB::Expr>,
) {
    let multiplicity: AB::Expr = multiplicity.into();
    send(builder, bus, values, <AB::Expr as p3_field::PrimeCharacteristicRing>::ZERO - multiplicity);
}
