//! Setup: analysing the tables and committing their preprocessed columns once per
//! program. The verification key is the program's identity: a proof made for other
//! preprocessed columns (another program) does not verify under it.

use p3_commit::Pcs;
use p3_field::Field;
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use p3_uni_stark::{Com, StarkGenericConfig, Val};

use crate::air::{BusId, StarkTable};
use crate::config::Config;
use crate::error::SetupError;
use crate::proof::ABSENT;
use crate::symbolic::TableAnalysis;

/// The PCS prover data of a commitment.
pub type PcsData<SC> = <<SC as StarkGenericConfig>::Pcs as Pcs<
    <SC as StarkGenericConfig>::Challenge,
    <SC as StarkGenericConfig>::Challenger,
>>::ProverData;

/// What the verifier knows about one table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableKey {
    /// The table's name (for messages; not bound into the transcript).
    pub name: String,
    /// Main trace width.
    pub width: usize,
    /// Preprocessed width (0 if none).
    pub preprocessed_width: usize,
    /// log2 of the preprocessed height, which is then the table's height in every segment.
    pub preprocessed_log_height: Option<usize>,
    /// Constraint count, degrees and interactions.
    pub analysis: TableAnalysis,
    /// Whether a segment may leave the table out ([`crate::TableName::may_be_absent`]).
    pub may_be_absent: bool,
}

/// The verification key of a program: the tables' shapes and the commitment to all
/// preprocessed columns.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct VerifyingKey<SC: StarkGenericConfig> {
    /// One entry per table, in table order.
    pub tables: Vec<TableKey>,
    /// Number of per-segment public values every table sees.
    pub num_public_values: usize,
    /// Commitment to the preprocessed traces of the tables that have them, in table order.
    pub preprocessed: Option<Com<SC>>,
    /// The buses whose tuples the tables tag with the segment (sorted, no repeats), as
    /// named to [`setup_with_local_buses`]: the verifier bounds their terms per segment
    /// instead of over the proof set ([`crate::bounds`]). Not observed by the transcripts:
    /// it changes nothing a prover computes, only which proof sets the verifier accepts.
    pub local_buses: Vec<BusId>,
}

impl<SC: StarkGenericConfig> VerifyingKey<SC> {
    /// For table `t`, its position inside the preprocessed commitment, if it has one.
    pub(crate) fn preprocessed_slot(&self, t: usize) -> Option<usize> {
        self.tables[t].preprocessed_log_height?;
        Some(self.tables[..t].iter().filter(|k| k.preprocessed_log_height.is_some()).count())
    }

    /// Where each table of a segment with table heights `2^log_heights[t]` sits in the
    /// segment's commitments: the one place prover and verifier take positions and
    /// quotient chunk counts from. A table of height [`ABSENT`] has no slot anywhere and
    /// no quotient chunks; the preprocessed commitment, made once at setup, keeps every
    /// table's slot ([`Self::preprocessed_slot`]).
    pub(crate) fn layout(&self, log_heights: &[u8]) -> SegmentLayout {
        let mut layout = SegmentLayout::default();
        // Each commitment numbers its matrices in table order.
        let (mut main_slots, mut aux_slots) = (0usize.., 0usize..);
        for (key, &log_h) in self.tables.iter().zip(log_heights) {
            let present = log_h != ABSENT;
            let talks = present && !key.analysis.interactions.is_empty();
            layout.main.push(present.then(|| main_slots.next()).flatten());
            layout.aux.push(talks.then(|| aux_slots.next()).flatten());
            layout.quotient_chunks.push(match present {
                true => 1 << key.analysis.log_quotient_chunks(usize::from(log_h), log_heights),
                false => 0,
            });
            layout.domain_log_heights.push(match present {
                true => usize::from(log_h),
                false => key.preprocessed_log_height.unwrap_or(1),
            });
        }
        layout
    }

    /// Checks that `tables` are the tables this key was made for (same shapes and
    /// constraint analysis); the preprocessed values themselves are bound by the
    /// commitment.
    pub fn check_tables<T: StarkTable<SC>>(&self, tables: &[T]) -> Result<(), crate::error::VerifyError> {
        use crate::error::VerifyError::KeyMismatch;
        if tables.len() != self.tables.len() {
            return Err(KeyMismatch { table: tables.len().min(self.tables.len()), what: "number of tables" });
        }
        for (i, (table, key)) in tables.iter().zip(&self.tables).enumerate() {
            if table.width() != key.width {
                return Err(KeyMismatch { table: i, what: "main width" });
            }
            if table.preprocessed_width() != key.preprocessed_width {
                return Err(KeyMismatch { table: i, what: "preprocessed width" });
            }
            if TableAnalysis::of(table, self.num_public_values) != key.analysis {
                return Err(KeyMismatch { table: i, what: "constraint system" });
            }
            if table.may_be_absent() != key.may_be_absent {
                return Err(KeyMismatch { table: i, what: "whether it may be absent" });
            }
        }
        Ok(())
    }
}

/// Where a segment's tables sit in its commitments ([`VerifyingKey::layout`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SegmentLayout {
    /// Per table, its matrix in the main commitment (`None`: absent).
    pub main: Vec<Option<usize>>,
    /// Per table, its matrix in the LogUp commitment (`None`: absent or no interactions).
    pub aux: Vec<Option<usize>>,
    /// Per table, the number of chunks its quotient is committed in (0: absent;
    /// [`TableAnalysis::log_quotient_chunks`](crate::symbolic::TableAnalysis::log_quotient_chunks)).
    pub quotient_chunks: Vec<usize>,
    /// Per table, log2 of the height of the domain its openings refer to: its height, or
    /// for an absent table its preprocessed height (the key's commitment still holds its
    /// fixed columns, opened at `ζ` only: Plonky3's FRI prover and verifier disagree on a
    /// committed matrix opened at no point), else 1.
    pub domain_log_heights: Vec<usize>,
}

impl SegmentLayout {
    /// Whether the segment has a LogUp commitment: some table present in it talks on the bus.
    pub fn has_aux(&self) -> bool {
        self.aux.iter().any(Option::is_some)
    }
}

/// The proving key: the verification key plus the preprocessed commitment's prover data.
pub struct ProvingKey<SC: StarkGenericConfig> {
    /// The verification key.
    pub vk: VerifyingKey<SC>,
    /// Prover data of the preprocessed commitment (its LDEs and Merkle tree).
    pub(crate) preprocessed_data: Option<PcsData<SC>>,
    /// The preprocessed traces themselves, per table: phase 2 evaluates bus interactions
    /// on trace rows, and those may read preprocessed columns.
    pub(crate) preprocessed_traces: Vec<Option<RowMajorMatrix<Val<SC>>>>,
}

/// What setup knows about a bus: its id as a field element, its arity and the first
/// table using it.
struct BusUse<F> {
    bus: BusId,
    element: F,
    arity: usize,
    table: String,
}

/// Records `table`'s use of `bus` with `arity`-value tuples, refusing an arity another
/// table's use disagrees with, and an id that is the same field element as another id.
/// Both would let distinct messages share a fingerprint ([`crate::logup`]: the bus id is
/// the fingerprint's constant term, and a shorter tuple reads as one padded with zeros).
fn check_bus<F: Field>(buses: &mut Vec<BusUse<F>>, table: &str, bus: BusId, arity: usize) -> Result<(), SetupError> {
    let element = F::from_u32(bus);
    match buses.iter().find(|u| u.element == element) {
        Some(u) if u.bus != bus => Err(SetupError::BusIdsCollide { bus: u.bus, other: bus }),
        Some(u) if u.arity != arity => Err(SetupError::BusArity {
            table: table.to_string(),
            bus,
            arity,
            first_table: u.table.clone(),
            expected: u.arity,
        }),
        Some(_) => Ok(()),
        None => {
            buses.push(BusUse { bus, element, arity, table: table.to_string() });
            Ok(())
        }
    }
}

/// Analyses `tables` and commits their preprocessed columns; no bus is local, so the
/// verifier bounds every bus's terms over the whole proof set ([`crate::bounds`]).
/// Equivalent to [`setup_with_local_buses`] with no local buses.
pub fn setup<SC, T>(config: &Config<SC>, tables: &[T]) -> Result<ProvingKey<SC>, SetupError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    setup_with_local_buses(config, tables, &[])
}

/// [`setup`], naming the *local buses*: buses on which every tuple carries a tag the
/// tables constrain to a value distinct for each segment of a proof set (the segment
/// number). The verifier then bounds the terms on them per segment (check (a) of
/// [`crate::bounds`]) and leaves them out of the bound over the whole proof set (check
/// (b)), which is what lets a long run in a 31-bit field stay under the bounds.
///
/// **Soundness contract:** the prover does not check the tags. Naming a bus local is the
/// caller's promise that every table's tuples on it (and the statement's, if any) carry
/// that per-segment tag; a bus named wrongly lets `p` copies of a false message of
/// different segments cancel. Ids are stored sorted without repeats; an id no table uses
/// is allowed (it bounds nothing).
pub fn setup_with_local_buses<SC, T>(
    config: &Config<SC>,
    tables: &[T],
    local_buses: &[BusId],
) -> Result<ProvingKey<SC>, SetupError>
where
    SC: StarkGenericConfig,
    T: StarkTable<SC>,
{
    if tables.is_empty() {
        return Err(SetupError::NoTables);
    }
    let pcs = config.stark.pcs();
    let max_log = config.max_log_height();
    let num_public_values = tables.iter().map(|t| t.num_public_values()).max().unwrap_or(0);
    let mut keys = Vec::with_capacity(tables.len());
    let mut preprocessed = Vec::new();
    let mut preprocessed_traces = Vec::with_capacity(tables.len());
    let mut buses = Vec::<BusUse<Val<SC>>>::new();
    for table in tables {
        let name = table.name();
        if table.num_periodic_columns() != 0 {
            return Err(SetupError::PeriodicColumns { table: name });
        }
        let declared = table.preprocessed_width();
        let trace = table.preprocessed_trace();
        let got = trace.as_ref().map_or(0, |t| t.width());
        if got != declared || (declared == 0 && trace.is_some()) {
            return Err(SetupError::PreprocessedWidth { table: name, declared, got });
        }
        let preprocessed_log_height = match trace {
            Some(trace) => {
                let height = trace.height();
                if !height.is_power_of_two() || height < 2 || height.ilog2() as usize > max_log {
                    return Err(SetupError::PreprocessedHeight { table: name, height, max_log });
                }
                preprocessed.push((pcs.natural_domain_for_degree(height), trace.clone()));
                preprocessed_traces.push(Some(trace));
                Some(height.ilog2() as usize)
            }
            None => {
                preprocessed_traces.push(None);
                None
            }
        };
        let analysis = TableAnalysis::of(table, num_public_values);
        for shape in &analysis.interactions {
            check_bus(&mut buses, &name, shape.bus, shape.arity)?;
        }
        // The quotient is evaluated on a coset of the trace LDE's size or less.
        let log_quotient_degree = analysis.log_quotient_degree();
        if log_quotient_degree > config.fri.log_blowup {
            return Err(SetupError::DegreeTooHigh {
                table: name,
                degree: analysis.total_degree(),
                log_quotient_degree,
                log_blowup: config.fri.log_blowup,
            });
        }
        keys.push(TableKey {
            name,
            width: table.width(),
            preprocessed_width: declared,
            preprocessed_log_height,
            analysis,
            may_be_absent: table.may_be_absent(),
        });
    }
    let mut local_buses = local_buses.to_vec();
    local_buses.sort_unstable();
    local_buses.dedup();
    let (commit, data) = if preprocessed.is_empty() {
        (None, None)
    } else {
        let (c, d) = p3_commit::UnivariateStarkPcs::commit_preprocessing(pcs, preprocessed)
            .map_err(|e| SetupError::Pcs(format!("{e:?}")))?;
        (Some(c), Some(d))
    };
    Ok(ProvingKey {
        vk: VerifyingKey { tables: keys, num_public_values, preprocessed: commit, local_buses },
        preprocessed_data: data,
        preprocessed_traces,
    })
}
