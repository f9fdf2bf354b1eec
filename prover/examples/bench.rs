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

use std::process::Command;
use std::time::{Duration, Instant};

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_challenger::GrindingChallenger;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use p3_uni_stark::{StarkGenericConfig, Val};
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
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
