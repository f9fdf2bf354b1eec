//! Benchmark (not a test): prove/verify time, proof size and peak memory for a 64-column
//! AIR at several heights, with Poseidon2 and Blake3, for this crate's prover (one
//! segment: phase 1, global challenge, phase 2) next to `p3-uni-stark` on the same AIR
//! with the same FRI settings; plus the same AIR with 4 byte lookups per row into a
//! 256-row range table (preprocessed), to show the cost of the LogUp bus.
//!
//! Each measurement runs in a child process so that its peak resident memory (VmHWM) is
//! its own. Usage:
//!
//! ```text
//! cargo run --release -p ziskjit-prover --example bench [-- --logs 16,18,20]
//! cargo run --release -p ziskjit-prover --example bench -- --segments 8
//! ```
//!
//! `--segments N` instead proves N segments of the bus variant at 2^16 rows with
//! `prove_segments` for several `max_in_flight` bounds, showing peak memory follow the
//! bound rather than N.
//!
//! `--fields` prices a 31-bit field for the whole prover, LogUp included: a main-like
//! table proved as one segment in Goldilocks ([`Config::poseidon2`], challenges in
//! `F_{p²}`) and in KoalaBear ([`Config::poseidon2_koala_bear`], challenges in `F_{q⁴}`, so
//! every LogUp and quotient column is 4 base cells instead of 2). Shapes, at `2^LOG_ROWS`
//! rows (default 18):
//!
//! * `today`: the RISC-V main table's shape under Goldilocks: 36 columns, 18 bus
//!   interactions per row with tuples of 4–7 entries (9 messages, each sent and received
//!   on the same row so the bus balances), degree-1 multiplicities (selector columns) and
//!   entries, degree-3 constraints (so the interactions pair up into 9 LogUp batches);
//! * `ported`: the same table with 64-bit values in four 16-bit limbs instead of two
//!   32-bit ones: 45 columns, tuples 2 entries longer (6–9).
//!
//! Goldilocks runs `today`, KoalaBear runs `ported` and, for reference, `today`; the three
//! alternate over `ROUNDS` rounds (default 3) in one process (this host's speed drifts,
//! compare within a round), with the time of the prover's phases (its tracing spans).
//!
//! ```text
//! cargo run --release -p ziskjit-prover --example bench -- --fields [--log-rows 18] [--rounds 3]
//! ```

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_challenger::GrindingChallenger;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use p3_uni_stark::{StarkGenericConfig, Val};
use ziskjit_prover::symbolic::TableAnalysis;
use ziskjit_prover::{
    commit_segment, encode_proofs, global_challenge, prove_committed, prove_segments, setup, verify_segments,
    Blake3Stark, BusBuilder, Config, FriSettings, Poseidon2Stark, SegmentWitness, StarkTable, Statement, TableName,
};

const WIDTH: usize = 64;

/// 64 columns, one degree-2 transition constraint per column:
/// `next[i] = local[i]·local[i+1] + local[i]`.
struct Wide;

impl TableName for Wide {
    fn name(&self) -> String {
        "wide".into()
    }
}

impl<F> BaseAir<F> for Wide {
    fn width(&self) -> usize {
        WIDTH
    }
}

impl<AB: AirBuilder> Air<AB> for Wide {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (local, next) = (main.current_slice().to_vec(), main.next_slice().to_vec());
        let mut t = builder.when_transition();
        for i in 0..WIDTH {
            t.assert_eq(next[i], local[i] * local[(i + 1) % WIDTH] + local[i]);
        }
    }
}

/// The bus variant: `Wide` plus 4 byte columns, each looked up in a 256-row range table
/// (a preprocessed column of 0..=255 and a multiplicity column): 4 sends per row.
enum WithBus {
    Bytes,
    Range,
}

const BYTE_COLUMNS: usize = 4;
const BYTE_BUS: u32 = 1;

impl TableName for WithBus {
    fn name(&self) -> String {
        match self {
            WithBus::Bytes => "wide+bytes".into(),
            WithBus::Range => "range".into(),
        }
    }
}

impl<F: Field> BaseAir<F> for WithBus {
    fn width(&self) -> usize {
        match self {
            WithBus::Bytes => WIDTH + BYTE_COLUMNS,
            WithBus::Range => 1,
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            WithBus::Bytes => 0,
            WithBus::Range => 1,
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        match self {
            WithBus::Bytes => None,
            WithBus::Range => Some(RowMajorMatrix::new_col((0..256).map(F::from_usize).collect())),
        }
    }
}

impl<AB: BusBuilder<F: Field>> Air<AB> for WithBus {
    fn eval(&self, builder: &mut AB) {
        match self {
            WithBus::Bytes => {
                Wide.eval(builder);
                let main = builder.main();
                let bytes = main.current_slice()[WIDTH..].to_vec();
                for b in bytes {
                    builder.send(BYTE_BUS, [b], AB::Expr::ONE);
                }
            }
            WithBus::Range => {
                let value = builder.preprocessed().current_slice()[0];
                let count = builder.main().current_slice()[0];
                builder.receive(BYTE_BUS, [value], count);
            }
        }
    }
}

/// The witness of the bus variant: `Wide`'s trace with byte columns, and the counts.
fn bus_witness<F: Field>(log_n: usize) -> SegmentWitness<F> {
    let wide = trace::<F>(log_n);
    let n = 1 << log_n;
    let mut counts = vec![0u64; 256];
    let mut values = Vec::with_capacity(n * (WIDTH + BYTE_COLUMNS));
    for (r, row) in wide.values.chunks(WIDTH).enumerate() {
        values.extend_from_slice(row);
        for k in 0..BYTE_COLUMNS {
            let byte = (r * (2 * k + 1) + k) % 256;
            counts[byte] += 1;
            values.push(F::from_usize(byte));
        }
    }
    SegmentWitness {
        traces: vec![
            RowMajorMatrix::new(values, WIDTH + BYTE_COLUMNS),
            RowMajorMatrix::new_col(counts.into_iter().map(F::from_u64).collect()),
        ],
        public_values: vec![],
    }
}

fn trace<F: Field>(log_n: usize) -> RowMajorMatrix<F> {
    let n = 1 << log_n;
    let mut values = Vec::with_capacity(n * WIDTH);
    values.extend((0..WIDTH).map(|i| F::from_usize(i + 1)));
    for r in 1..n {
        let prev = &values[(r - 1) * WIDTH..r * WIDTH];
        let row: Vec<F> = (0..WIDTH).map(|i| prev[i] * prev[(i + 1) % WIDTH] + prev[i]).collect();
        values.extend(row);
    }
    RowMajorMatrix::new(values, WIDTH)
}

struct Measurement {
    prove: Duration,
    /// CPU seconds (user + system, all threads) spent proving: robust to other load on a
    /// shared machine, where wall time is not.
    prove_cpu: f64,
    verify: Duration,
    bytes: usize,
}

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    // Fields 14 and 15 of /proc/self/stat, after the parenthesised command name, are
    // utime and stime in clock ticks (100 per second on Linux).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn ours<SC>(config: &Config<SC>, log_n: usize, with_bus: bool) -> Measurement
where
    SC: StarkGenericConfig + Sync,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    p3_uni_stark::Com<SC>: Send + Sync,
    ziskjit_prover::proof::PcsProof<SC>: Sync,
{
    if with_bus {
        prove_and_verify(config, &[WithBus::Bytes, WithBus::Range], bus_witness(log_n))
    } else {
        let witness = SegmentWitness { traces: vec![trace::<Val<SC>>(log_n)], public_values: vec![] };
        prove_and_verify(config, &[Wide], witness)
    }
}

/// One segment through phase 1, the global challenge and phase 2, then verification.
fn prove_and_verify<SC, T>(config: &Config<SC>, tables: &[T], witness: SegmentWitness<Val<SC>>) -> Measurement
where
    SC: StarkGenericConfig + Sync,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    p3_uni_stark::Com<SC>: Send + Sync,
    ziskjit_prover::proof::PcsProof<SC>: Sync,
    T: StarkTable<SC>,
{
    let pk = setup(config, tables).expect("setup");
    let statement = Statement::default();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let committed = commit_segment(config, &pk, 0, witness).expect("phase 1");
    let challenge = global_challenge(config, &pk.vk, &statement, std::slice::from_ref(&committed.commitment));
    let proofs = vec![prove_committed(config, &pk, tables, committed, &challenge).expect("phase 2")];
    let prove = start.elapsed();
    let prove_cpu = cpu_seconds() - cpu;
    let bytes = encode_proofs(config, &proofs).expect("encode").len();
    let start = Instant::now();
    verify_segments(config, tables, &pk.vk, &statement, &proofs).expect("verify");
    Measurement { prove, prove_cpu, verify: start.elapsed(), bytes }
}

fn uni<SC>(config: &SC, log_n: usize) -> Measurement
where
    SC: StarkGenericConfig,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
{
    let t = trace::<Val<SC>>(log_n);
    let cpu = cpu_seconds();
    let start = Instant::now();
    let proof = p3_uni_stark::prove(config, &Wide, t, &[]).expect("p3-uni-stark prove");
    let prove = start.elapsed();
    let prove_cpu = cpu_seconds() - cpu;
    let bytes = postcard::to_allocvec(&proof).expect("encode").len();
    let start = Instant::now();
    p3_uni_stark::verify(config, &Wide, &proof, &[]).expect("p3-uni-stark verify");
    Measurement { prove, prove_cpu, verify: start.elapsed(), bytes }
}

/// Child mode for `--segments`: proves `segments` copies of the bus variant with
/// `prove_segments` (both phases, witnesses regenerated in phase 2), then verifies them.
fn measure_segments(segments: usize, log_n: usize, max_in_flight: usize) {
    let config = Config::poseidon2(FriSettings::default());
    let tables = [WithBus::Bytes, WithBus::Range];
    let pk = setup(&config, &tables).expect("setup");
    let statement = Statement::default();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let proofs = prove_segments(&config, &pk, &tables, &statement, segments, max_in_flight, |_| {
        Ok::<_, String>(bus_witness(log_n))
    })
    .expect("prove");
    let prove = start.elapsed().as_secs_f64();
    let prove_cpu = cpu_seconds() - cpu;
    let bytes = encode_proofs(&config, &proofs).expect("encode").len();
    let start = Instant::now();
    verify_segments(&config, &tables, &pk.vk, &statement, &proofs).expect("verify");
    println!("RESULT {prove} {prove_cpu} {} {bytes} {}", start.elapsed().as_secs_f64(), peak_kib());
}

/// Peak resident set of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Child mode: one measurement, printed as
/// `RESULT prove_s prove_cpu_s verify_s bytes peak_kib`.
fn measure_one(prover: &str, hash: &str, log_n: usize) {
    let fri = FriSettings::default();
    let m = match (prover, hash) {
        ("ours", "poseidon2") => ours::<Poseidon2Stark>(&Config::poseidon2(fri), log_n, false),
        ("ours", "blake3") => ours::<Blake3Stark>(&Config::blake3(fri), log_n, false),
        ("bus", "poseidon2") => ours::<Poseidon2Stark>(&Config::poseidon2(fri), log_n, true),
        ("bus", "blake3") => ours::<Blake3Stark>(&Config::blake3(fri), log_n, true),
        ("p3", "poseidon2") => uni(&Config::poseidon2(fri).stark, log_n),
        ("p3", "blake3") => uni(&Config::blake3(fri).stark, log_n),
        _ => {
            eprintln!("unknown prover/hash {prover}/{hash}");
            std::process::exit(2);
        }
    };
    println!("RESULT {} {} {} {} {}", m.prove.as_secs_f64(), m.prove_cpu, m.verify.as_secs_f64(), m.bytes, peak_kib());
}

/// Runs a measurement `REPEATS` times (each in its own process) and keeps, per column,
/// the best value: other jobs on a shared machine only ever make a run slower.
fn run_best(prover: &str, hash: &str, log_n: usize) -> Option<[f64; 5]> {
    (0..REPEATS).filter_map(|_| run_child(prover, hash, log_n)).reduce(|a, b| std::array::from_fn(|i| a[i].min(b[i])))
}

const REPEATS: usize = 2;

fn run_child(prover: &str, hash: &str, log_n: usize) -> Option<[f64; 5]> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).args(["--one", prover, hash, &log_n.to_string()]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT "))?;
    let v: Vec<f64> = line[7..].split_whitespace().filter_map(|x| x.parse().ok()).collect();
    (v.len() == 5).then(|| [v[0], v[1], v[2], v[3], v[4]])
}

// ---------------------------------------------------------------------------------------
// `--fields`: Goldilocks against KoalaBear on a main-like table with bus interactions.

/// Selector columns (0/1), used as the interactions' multiplicities.
const SELECTORS: usize = 3;

/// A main-like table: [`SELECTORS`] boolean selector columns, then value columns in groups
/// `(a, b, c, p)` with `p = a·b·c` (degree 3, as the RISC-V main table; any leftover value
/// columns are free). Message `j` is `arities[j]` consecutive value columns (wrapping),
/// sent on bus `1 + j % 4` with multiplicity selector `j % SELECTORS` and received on the
/// same row with the same multiplicity, so the bus balances: `2·arities.len()`
/// interactions per row, all sends declared first.
struct MainLike {
    name: &'static str,
    width: usize,
    arities: Vec<usize>,
}

impl MainLike {
    /// The RISC-V main table under Goldilocks: 36 columns, 18 interactions of 4–7 values.
    fn today() -> Self {
        Self { name: "today", width: 36, arities: vec![4, 5, 6, 7, 4, 5, 6, 7, 5] }
    }

    /// The same table with 64-bit values in four 16-bit limbs: 45 columns, every tuple
    /// 2 entries longer.
    fn ported() -> Self {
        Self { name: "ported", width: 45, arities: vec![6, 7, 8, 9, 6, 7, 8, 9, 7] }
    }

    fn values(&self) -> usize {
        self.width - SELECTORS
    }

    /// The value columns of message `j`.
    fn message(&self, j: usize) -> impl Iterator<Item = usize> + '_ {
        let start = 7 * j;
        (0..self.arities[j]).map(move |i| SELECTORS + (start + i) % self.values())
    }
}

impl TableName for MainLike {
    fn name(&self) -> String {
        self.name.into()
    }
}

impl<F> BaseAir<F> for MainLike {
    fn width(&self) -> usize {
        self.width
    }
}

impl<AB: BusBuilder> Air<AB> for MainLike {
    fn eval(&self, builder: &mut AB) {
        let local = builder.main().current_slice().to_vec();
        for &s in &local[..SELECTORS] {
            builder.assert_bool(s);
        }
        for g in local[SELECTORS..].chunks_exact(4) {
            builder.assert_eq(g[3], g[0] * g[1] * g[2]);
        }
        for receive in [false, true] {
            for j in 0..self.arities.len() {
                let bus = 1 + (j % 4) as u32;
                let tuple = self.message(j).map(|c| local[c]);
                let m = local[j % SELECTORS];
                if receive {
                    builder.receive(bus, tuple, m);
                } else {
                    builder.send(bus, tuple, m);
                }
            }
        }
    }
}

/// A satisfying trace of `table`: pseudo-random selector bits and 16-bit values (valid
/// limbs in either field), products filled in.
fn main_like_witness<F: Field>(table: &MainLike, log_rows: usize) -> SegmentWitness<F> {
    use rayon::prelude::*;
    let w = table.width;
    let mut values = F::zero_vec(w << log_rows);
    values.par_chunks_mut(w).enumerate().for_each(|(row, cells)| {
        let mut z = (row as u64).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut next = || {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        let bits = next();
        for (s, cell) in cells[..SELECTORS].iter_mut().enumerate() {
            *cell = F::from_bool(bits >> s & 1 == 1);
        }
        for g in cells[SELECTORS..].chunks_mut(4) {
            for cell in g.iter_mut() {
                *cell = F::from_u64(next() & 0xffff);
            }
            if let [a, b, c, p] = g {
                *p = *a * *b * *c;
            }
        }
    });
    SegmentWitness { traces: vec![RowMajorMatrix::new(values, w)], public_values: vec![] }
}

/// A live span of [`PhaseTimer`]: its name, reference count, and when it was entered.
struct LiveSpan {
    name: &'static str,
    refs: usize,
    entered: Option<Instant>,
}

/// Accumulated wall time of the prover's tracing spans (`commit_main`, `logup_columns`,
/// ...), by name: a minimal subscriber for spans of this crate only.
#[derive(Default)]
struct PhaseTimer {
    next_id: AtomicU64,
    spans: Mutex<HashMap<u64, LiveSpan>>,
    totals: Mutex<HashMap<&'static str, Duration>>,
}

impl PhaseTimer {
    /// Takes the accumulated totals, leaving them empty.
    fn take(&self) -> HashMap<&'static str, Duration> {
        std::mem::take(&mut *self.totals.lock().unwrap())
    }
}

impl tracing::Subscriber for PhaseTimer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_span() && metadata.target().starts_with("ziskjit_prover")
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.spans.lock().unwrap().insert(id, LiveSpan { name: span.metadata().name(), refs: 1, entered: None });
        tracing::span::Id::from_u64(id)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, span: &tracing::span::Id) {
        if let Some(live) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            live.entered = Some(Instant::now());
        }
    }

    fn exit(&self, span: &tracing::span::Id) {
        let done = self.spans.lock().unwrap().get_mut(&span.into_u64()).and_then(|s| Some((s.name, s.entered.take()?)));
        if let Some((name, start)) = done {
            *self.totals.lock().unwrap().entry(name).or_default() += start.elapsed();
        }
    }

    fn clone_span(&self, span: &tracing::span::Id) -> tracing::span::Id {
        if let Some(live) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            live.refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: tracing::span::Id) -> bool {
        let mut spans = self.spans.lock().unwrap();
        let closed = spans.get_mut(&span.into_u64()).is_some_and(|s| {
            s.refs -= 1;
            s.refs == 0
        });
        if closed {
            spans.remove(&span.into_u64());
        }
        closed
    }
}

/// The phases reported, in the order the prover runs them, then the proofs of work
/// (`grind`: the bus's, between `commit_main` and `logup_columns`, and FRI's query
/// grinding, inside `open`). The witnesses are deterministic, so a configuration whose
/// transcript needs many candidates needs them in every round.
const PHASES: [&str; 7] =
    ["commit_main", "logup_columns", "commit_logup", "quotient", "commit_quotient", "open", "grind"];

/// One `--fields` measurement: the proof's numbers and the phases' wall times.
struct FieldRun {
    m: Measurement,
    phases: Vec<f64>,
}

/// Proves and verifies one segment of `table` under `config`, with its phases.
fn field_run<SC>(config: &Config<SC>, table: &MainLike, log_rows: usize, timer: &PhaseTimer) -> FieldRun
where
    SC: StarkGenericConfig + Sync,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    p3_uni_stark::Com<SC>: Send + Sync,
    ziskjit_prover::proof::PcsProof<SC>: Sync,
{
    let tables = std::slice::from_ref(table);
    let witness = main_like_witness::<Val<SC>>(table, log_rows);
    timer.take();
    let m = prove_and_verify(config, tables, witness);
    let totals = timer.take();
    let phases = PHASES.iter().map(|p| totals.get(p).map_or(0.0, Duration::as_secs_f64)).collect();
    FieldRun { m, phases }
}

/// Committed base cells per row of `table` in a field whose challenges have `degree`
/// coordinates: main columns, LogUp columns and quotient chunks (the table alone in its
/// segment, so its quotient is not split further).
fn committed_cells(table: &MainLike, degree: usize) -> (usize, usize, usize) {
    let analysis = TableAnalysis::of::<p3_goldilocks::Goldilocks, _>(table, 0);
    let logup = analysis.num_logup_columns();
    (logup, table.width + degree * logup, degree << analysis.log_quotient_degree())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Mean wall time of one proof of work of `bits` bits under `config`'s challenger, over
/// `n` successive grinds (each observes its witness, so the next solves a new puzzle).
fn grind_seconds<SC>(config: &Config<SC>, bits: usize, n: usize) -> f64
where
    SC: StarkGenericConfig,
    SC::Challenger: GrindingChallenger,
{
    let mut challenger = config.stark.initialise_challenger();
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(challenger.grind(bits));
    }
    start.elapsed().as_secs_f64() / n as f64
}

/// `--fields`: see the module docs.
fn fields(log_rows: usize, rounds: usize) {
    let timer = Arc::new(PhaseTimer::default());
    tracing::subscriber::set_global_default(timer.clone()).expect("no other subscriber");
    let fri = FriSettings::default();
    let goldilocks = Config::poseidon2(fri);
    let koala_bear = Config::poseidon2_koala_bear(fri);
    let (today, ported) = (MainLike::today(), MainLike::ported());
    println!(
        "One segment (phase 1, global challenge, phase 2) of a main-like table, 2^{log_rows} rows; FRI log_blowup {}, {} queries, {} PoW bits; {} bus PoW bits; {} rayon threads; {rounds} rounds, alternating",
        fri.log_blowup,
        fri.num_queries,
        fri.query_pow_bits,
        goldilocks.bus_pow_bits,
        rayon::current_num_threads()
    );
    let pow = [goldilocks.bus_pow_bits, fri.query_pow_bits];
    let mean_pow = [
        pow.iter().map(|&b| grind_seconds(&goldilocks, b, 8)).sum::<f64>(),
        pow.iter().map(|&b| grind_seconds(&koala_bear, b, 8)).sum::<f64>(),
    ];
    println!(
        "Both proofs of work (bus and FRI query), mean of 8 grinds each: Goldilocks {:.3} s, KoalaBear {:.3} s",
        mean_pow[0], mean_pow[1]
    );
    println!();
    let runs: [(&str, &MainLike, usize); 3] =
        [("Goldilocks", &today, 2), ("KoalaBear", &ported, 4), ("KoalaBear", &today, 4)];
    println!(
        "| field | shape | columns | interactions (LogUp columns) | committed cells/row (main + LogUp + quotient) |"
    );
    println!("|---|---|---:|---:|---:|");
    for (field, table, degree) in runs {
        let (logup, main_and_logup, quotient) = committed_cells(table, degree);
        println!(
            "| {field} | {} | {} | {} ({logup} × {degree}) | {} ({} + {} + {quotient}) |",
            table.name,
            table.width,
            2 * table.arities.len(),
            main_and_logup + quotient,
            table.width,
            main_and_logup - table.width,
        );
    }
    println!();
    println!(
        "Phases: wall seconds of the prover's spans; `grind` is both proofs of work (the query one inside `open`), \
         whose deterministic witnesses make their cost a fixed draw per transcript, so the ratios are also given \
         with the measured grinding replaced by the mean above (\"PoW at mean\")."
    );
    println!();
    println!(
        "| round | field | shape | prove wall (s) | prove CPU (s) | verify (ms) | proof (KiB) | vs Goldilocks: wall, CPU, size | wall, PoW at mean | {} |",
        PHASES.join(" | ")
    );
    println!("|---:|---|---|---:|---:|---:|---:|---:|---:|{}", "---:|".repeat(PHASES.len()));
    const GRIND: usize = PHASES.len() - 1;
    let mut ratios: Vec<Vec<[f64; 4]>> = vec![Vec::new(); runs.len()];
    for round in 1..=rounds {
        let mut reference: Option<[f64; 4]> = None;
        for (i, (field, table, _)) in runs.iter().enumerate() {
            let run = match i {
                0 => field_run(&goldilocks, table, log_rows, &timer),
                _ => field_run(&koala_bear, table, log_rows, &timer),
            };
            let m = &run.m;
            let wall = m.prove.as_secs_f64();
            let at_mean = wall - run.phases[GRIND] + mean_pow[usize::from(i > 0)];
            let this = [wall, m.prove_cpu, m.bytes as f64, at_mean];
            let base = *reference.get_or_insert(this);
            let ratio: [f64; 4] = std::array::from_fn(|k| this[k] / base[k]);
            ratios[i].push(ratio);
            let phases: Vec<String> = run.phases.iter().map(|p| format!("{p:.2}")).collect();
            println!(
                "| {round} | {field} | {} | {wall:.2} | {:.2} | {:.1} | {:.0} | {:.2}, {:.2}, {:.2} | {at_mean:.2}, {:.2} | {} |",
                table.name,
                this[1],
                m.verify.as_secs_f64() * 1e3,
                this[2] / 1024.0,
                ratio[0],
                ratio[1],
                ratio[2],
                ratio[3],
                phases.join(" | ")
            );
        }
    }
    println!();
    for (i, (field, table, _)) in runs.iter().enumerate().skip(1) {
        let range = |k: usize| {
            let v: Vec<f64> = ratios[i].iter().map(|r| r[k]).collect();
            let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            format!("{lo:.2}–{hi:.2} (median {:.2})", median(v))
        };
        println!(
            "{field} {} / Goldilocks today: wall {}, CPU {}, wall with PoW at mean {}, proof size {}",
            table.name,
            range(0),
            range(1),
            range(3),
            range(2)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--fields") {
        let flag = |name: &str, default: usize| {
            args.iter().position(|a| a == name).map_or(default, |i| {
                args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("{name} takes a number");
                    std::process::exit(2)
                })
            })
        };
        fields(flag("--log-rows", 18), flag("--rounds", 3));
        return;
    }
    if args.len() == 5 && args[1] == "--segments-one" {
        let n: Vec<usize> = args[2..].iter().filter_map(|a| a.parse().ok()).collect();
        if n.len() != 3 {
            eprintln!("usage: --segments-one SEGMENTS LOG_ROWS MAX_IN_FLIGHT");
            std::process::exit(2);
        }
        measure_segments(n[0], n[1], n[2]);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--segments") {
        let segments: usize = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(8);
        let log_n = 16;
        println!("{segments} segments of the bus variant (2^{log_n} + 256 rows), Poseidon2, prove_segments:");
        println!();
        println!("| max in flight | prove wall (s) | prove CPU (s) | verify (ms) | proofs (KiB) | peak RSS (MiB) |");
        println!("|---:|---:|---:|---:|---:|---:|");
        for in_flight in [1, 2, segments] {
            let exe = std::env::current_exe().expect("own path");
            let out = Command::new(exe)
                .args(["--segments-one", &segments.to_string(), &log_n.to_string(), &in_flight.to_string()])
                .output()
                .expect("run child");
            let text = String::from_utf8_lossy(&out.stdout);
            let v: Vec<f64> = text
                .lines()
                .find_map(|l| l.strip_prefix("RESULT "))
                .map(|l| l.split_whitespace().filter_map(|x| x.parse().ok()).collect())
                .unwrap_or_default();
            if let [prove, cpu, verify, bytes, peak] = v[..] {
                println!(
                    "| {in_flight} | {prove:.2} | {cpu:.2} | {:.1} | {:.0} | {:.0} |",
                    verify * 1e3,
                    bytes / 1024.0,
                    peak / 1024.0
                );
            } else {
                println!("| {in_flight} | failed | | | | |");
            }
        }
        return;
    }
    if args.len() == 5 && args[1] == "--one" {
        let log_n = args[4].parse().unwrap_or_else(|_| {
            eprintln!("bad log height {}", args[4]);
            std::process::exit(2)
        });
        measure_one(&args[2], &args[3], log_n);
        return;
    }
    let logs: Vec<usize> = match args.iter().position(|a| a == "--logs") {
        Some(i) => args.get(i + 1).map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect()).unwrap_or_default(),
        None => vec![16, 18, 20],
    };
    let fri = FriSettings::default();
    println!(
        "64-column AIR, degree-2 transition constraints; FRI log_blowup {}, {} queries, {} PoW bits; {} rayon threads; best of {REPEATS} runs",
        fri.log_blowup,
        fri.num_queries,
        fri.query_pow_bits,
        rayon::current_num_threads()
    );
    println!();
    println!("| rows | hash | prover | prove wall (s) | prove CPU (s) | verify (ms) | proof (KiB) | peak RSS (MiB) | ratio ours/p3 (wall, CPU) |");
    println!("|---:|---|---|---:|---:|---:|---:|---:|---:|");
    for &log_n in &logs {
        for hash in ["poseidon2", "blake3"] {
            let p3 = run_best("p3", hash, log_n);
            let us = run_best("ours", hash, log_n);
            let bus = run_best("bus", hash, log_n);
            for (name, m) in [("p3-uni-stark", p3), ("ziskjit-prover", us), ("ziskjit-prover + 4 lookups/row", bus)] {
                let ratio = match (name, p3, us) {
                    ("ziskjit-prover", Some(a), Some(b)) => format!("{:.2}, {:.2}", b[0] / a[0], b[1] / a[1]),
                    _ => String::new(),
                };
                match m {
                    Some([prove, cpu, verify, bytes, peak]) => println!(
                        "| 2^{log_n} | {hash} | {name} | {prove:.2} | {cpu:.2} | {:.1} | {:.0} | {:.0} | {ratio} |",
                        verify * 1e3,
                        bytes / 1024.0,
                        peak / 1024.0
                    ),
                    None => println!("| 2^{log_n} | {hash} | {name} | failed | | | | | |"),
                }
            }
        }
    }
}
