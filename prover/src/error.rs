//! Error types: every failure names what went wrong and where (segment, table, row).

/// Why [`crate::setup`] refused a set of tables.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A program needs at least one table.
    #[error("no tables given")]
    NoTables,
    /// The preprocessed trace disagrees with `preprocessed_width()`.
    #[error("table `{table}`: preprocessed trace has width {got}, preprocessed_width() says {declared}")]
    PreprocessedWidth {
        /// Table name.
        table: String,
        /// Declared width.
        declared: usize,
        /// Width of the returned trace (0 if none).
        got: usize,
    },
    /// Preprocessed heights must be powers of two from 2 to
    /// [`Config::max_log_height`](crate::Config::max_log_height).
    #[error("table `{table}`: preprocessed trace height {height} is not a power of two in [2, 2^{max_log}] (two-adicity − log_blowup)")]
    PreprocessedHeight {
        /// Table name.
        table: String,
        /// The height.
        height: usize,
        /// Largest supported log2 height.
        max_log: usize,
    },
    /// Messages of one bus must have one arity: the fingerprint pads a shorter tuple with
    /// zeros, so `(a)` and `(a, 0)` would be the same message.
    #[error(
        "table `{table}`: bus {bus} carries {arity}-value tuples here but {expected}-value tuples in `{first_table}`"
    )]
    BusArity {
        /// The table where the arity differs.
        table: String,
        /// The bus.
        bus: u32,
        /// Its arity there.
        arity: usize,
        /// The table that used the bus first.
        first_table: String,
        /// The arity there.
        expected: usize,
    },
    /// Two bus ids are the same field element (ids at or above the field's
    /// characteristic wrap), so their messages would be indistinguishable.
    #[error("bus ids {bus} and {other} are the same element of the field; use ids below its characteristic")]
    BusIdsCollide {
        /// One id.
        bus: u32,
        /// The other.
        other: u32,
    },
    /// Periodic columns are not part of this protocol.
    #[error("table `{table}`: periodic columns are not supported")]
    PeriodicColumns {
        /// Table name.
        table: String,
    },
    /// The constraints need a larger quotient domain than the trace LDE.
    #[error("table `{table}`: constraint degree {degree} needs a quotient domain 2^{log_quotient_degree} times the trace height, but log_blowup is {log_blowup}")]
    DegreeTooHigh {
        /// Table name.
        table: String,
        /// Constraint degree, LogUp included.
        degree: usize,
        /// log2 of the quotient domain's size over the trace height.
        log_quotient_degree: usize,
        /// Configured log2 blowup.
        log_blowup: usize,
    },
    /// The PCS failed to commit the preprocessed columns.
    #[error("committing the preprocessed columns failed: {0}")]
    Pcs(String),
}

/// Why proving failed.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The witness has a different number of traces than there are tables.
    #[error("segment {segment}: {got} traces given for {expected} tables")]
    TableCount {
        /// Segment index.
        segment: usize,
        /// Number of tables.
        expected: usize,
        /// Number of traces.
        got: usize,
    },
    /// A trace has the wrong width.
    #[error("segment {segment}, table `{table}`: trace width {got}, expected {expected}")]
    Width {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
        /// Expected width.
        expected: usize,
        /// Actual width.
        got: usize,
    },
    /// A trace height is not allowed.
    #[error("segment {segment}, table `{table}`: trace height {height} {reason}")]
    Height {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
        /// The height.
        height: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The segment's public values have the wrong length.
    #[error("segment {segment}: {got} public values, the tables expect {expected}")]
    PublicValues {
        /// Segment index.
        segment: usize,
        /// Expected count.
        expected: usize,
        /// Actual count.
        got: usize,
    },
    /// A constraint does not hold ([`crate::check_witness`]).
    #[error("segment {segment}, table `{table}`, row {row}: constraint #{constraint} does not hold")]
    Constraint {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
        /// Row index.
        row: usize,
        /// Index of the constraint in evaluation order.
        constraint: usize,
    },
    /// The global challenge hit a message fingerprint (probability ~2^-100); retry with
    /// different public values.
    #[error("segment {segment}, table `{table}`, row {row}: bus challenge equals a message fingerprint")]
    FingerprintCollision {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
        /// Row index.
        row: usize,
    },
    /// The witness generator returned different traces in phase 2 than in phase 1.
    #[error("segment {segment}: the witness generator is not deterministic (phase-2 commitment differs from phase 1)")]
    NonDeterministicWitness {
        /// Segment index.
        segment: usize,
    },
    /// The witness generator failed.
    #[error("segment {segment}: witness generation failed: {message}")]
    Witness {
        /// Segment index.
        segment: usize,
        /// Its message.
        message: String,
    },
    /// The segments' heights exceed LogUp's multiplicity bounds ([`crate::bounds`]): the
    /// verifier would reject the proof set, so phase 2 is not run.
    #[error("the proof set would exceed LogUp's bounds: {0}")]
    BusTerms(VerifyError),
    /// The PCS failed.
    #[error("segment {segment}: {phase} failed: {message}")]
    Pcs {
        /// Segment index.
        segment: usize,
        /// Which commitment or opening.
        phase: &'static str,
        /// The PCS error.
        message: String,
    },
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A proof set must hold at least one segment.
    #[error("no segment proofs given")]
    NoSegments,
    /// The tables handed to the verifier are not the ones the key was made for.
    #[error("table #{table}: {what} differs from the verification key")]
    KeyMismatch {
        /// Table index.
        table: usize,
        /// What differs.
        what: &'static str,
    },
    /// Segment proofs must come in order, numbered from 0.
    #[error("segment proof at position {position} claims index {claimed}")]
    SegmentIndex {
        /// Position in the list.
        position: usize,
        /// The index in the proof.
        claimed: u32,
    },
    /// The proof's shape does not match the key.
    #[error("segment {segment}: malformed proof: {what}")]
    Shape {
        /// Segment index.
        segment: usize,
        /// What is wrong.
        what: String,
    },
    /// The FRI opening proof failed.
    #[error("segment {segment}: opening proof rejected: {message}")]
    Opening {
        /// Segment index.
        segment: usize,
        /// The PCS error.
        message: String,
    },
    /// The out-of-domain point fell on a trace domain (negligible probability).
    #[error("segment {segment}: out-of-domain point lies in a trace domain")]
    OodPointInDomain {
        /// Segment index.
        segment: usize,
    },
    /// The constraints do not match the quotient at the out-of-domain point.
    #[error("segment {segment}, table `{table}`: constraints do not match the quotient at zeta")]
    ConstraintMismatch {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
    },
    /// A table without interactions published a non-zero bus sum.
    #[error("segment {segment}, table `{table}`: non-zero bus sum but no interactions")]
    SpuriousBusSum {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
    },
    /// The bus sums of all segments plus the boundary terms do not add up to zero.
    #[error("the bus does not balance: segment sums plus boundary terms = {0}")]
    Unbalanced(String),
    /// The proof of work before the global challenge is invalid.
    #[error("invalid proof of work before the global bus challenge")]
    BusProofOfWork,
    /// The global challenge hit a boundary message's fingerprint.
    #[error("the bus challenge equals the fingerprint of a boundary message")]
    BoundaryCollision,
    /// A segment claims a table taller than the configuration proves
    /// ([`crate::Config::max_log_height`]).
    #[error("segment {segment}, table `{table}`: height 2^{log_height} exceeds the largest height 2^{max_log} (two-adicity − log_blowup)")]
    TableTooTall {
        /// Segment index.
        segment: usize,
        /// Table name.
        table: String,
        /// The claimed log2 height.
        log_height: usize,
        /// The largest log2 height.
        max_log: usize,
    },
    /// Check (a) of [`crate::bounds`]: a segment has so many bus terms (rows × interactions
    /// of its tables, plus the statement's messages on local buses) that `p` copies of one
    /// false message could cancel.
    #[error("segment {segment}: {terms} bus terms (rows × interactions, plus the statement's messages on local buses) reach the field's characteristic {modulus}")]
    SegmentBusTerms {
        /// Segment index.
        segment: usize,
        /// Its count of terms.
        terms: u128,
        /// The base field's characteristic `p`.
        modulus: u64,
    },
    /// Check (b) of [`crate::bounds`]: the proof set has so many terms on non-local buses
    /// (over all segments, plus the statement's messages on them) that `p` copies of one
    /// false message could cancel.
    #[error("the proof set has {terms} terms on non-local buses (rows × interactions over all segments, plus the statement's messages), reaching the field's characteristic {modulus}")]
    GlobalBusTerms {
        /// The count of terms.
        terms: u128,
        /// The base field's characteristic `p`.
        modulus: u64,
    },
}
