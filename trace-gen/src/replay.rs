//! The replay bus and the per-segment / all-segment replay drivers.

use rayon::prelude::*;
use ziskjit_runtime::interp::fetch;
use ziskjit_runtime::record::{record_step, StepRecord};
use ziskjit_runtime::syscall::{dispatch, OutputFd, SyscallHost};
use ziskjit_runtime::trace::{covering_words, SegmentTrace, Snapshot};
use ziskjit_runtime::{Bus, Fault, FaultKind, SyscallOutcome};
use ziskjit_transpiler::Program;

/// Why a segment could not be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("segment {segment}: checksum mismatch (the trace is corrupted or truncated)")]
    Checksum { segment: u64 },
    #[error("segment {segment}: trace log exhausted at step {step} (pc 0x{pc:x}): the trace is truncated")]
    Exhausted { segment: u64, step: u64, pc: u64 },
    #[error("segment {segment}: {unused} logged words left unused after its last step")]
    Unused { segment: u64, unused: usize },
    #[error("segment {segment}: read delivered {n} bytes into a {len}-byte buffer at step {step}")]
    BadRead { segment: u64, step: u64, n: u64, len: u64 },
    #[error("segment {segment}: the replay faulted at step {step}: {fault}")]
    Fault { segment: u64, step: u64, fault: Fault },
    #[error("segment {segment}: exit at step {step}, before the segment's last step")]
    EarlyExit { segment: u64, step: u64 },
    #[error("segment {segment}: ends at step {step} without exit, but it is the last segment")]
    NoExit { segment: u64, step: u64 },
    #[error("segment {segment}: its end state differs from the start snapshot of segment {next}")]
    Boundary { segment: u64, next: u64 },
    #[error("segment {segment}: starts at step {actual}, expected {expected}")]
    Misplaced { segment: u64, expected: u64, actual: u64 },
    #[error("no segments to replay")]
    Empty,
}

/// A [`Bus`] whose memory is the segment's log.
pub struct ReplayBus<'t> {
    log: &'t [u64],
    pos: usize,
    /// Bytes the segment wrote to fd 1.
    pub public_output: Vec<u8>,
    /// Set when the log ran out; the step then fails.
    exhausted: bool,
    /// Set when a `read` claims more bytes than its buffer.
    bad_read: Option<(u64, u64)>,
}

impl<'t> ReplayBus<'t> {
    pub fn new(log: &'t [u64]) -> ReplayBus<'t> {
        ReplayBus { log, pos: 0, public_output: Vec::new(), exhausted: false, bad_read: None }
    }

    fn next_word(&mut self) -> Result<u64, FaultKind> {
        match self.log.get(self.pos) {
            Some(&w) => {
                self.pos += 1;
                Ok(w)
            }
            None => {
                self.exhausted = true;
                // The fault kind is replaced by ReplayError::Exhausted by the driver.
                Err(FaultKind::HostIo { message: "trace log exhausted".into() })
            }
        }
    }

    /// Consumes the words covering `[addr, addr + size)` and returns the little-endian
    /// value of those bytes (size ≤ 8).
    fn read_covered(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        let lo = self.next_word()?;
        let offset = (addr & 7) as u32;
        let spans = u32::from(size) + offset > 8;
        let hi = if spans { self.next_word()? } else { 0 };
        let wide = u128::from(lo) | (u128::from(hi) << 64);
        let mask = if size == 8 { u64::MAX } else { (1u64 << (8 * size)) - 1 };
        Ok(((wide >> (8 * offset)) as u64) & mask)
    }
}

impl Bus for ReplayBus<'_> {
    #[inline]
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        self.read_covered(addr, size)
    }

    #[inline]
    fn store(&mut self, addr: u64, size: u8, _value: u64) -> Result<(), FaultKind> {
        if size != 8 || !addr.is_multiple_of(8) {
            // The old words; the witness generator combines them with the value.
            self.read_covered(addr, size)?;
        }
        Ok(())
    }

    fn ecall(&mut self, regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        dispatch(regs, self)
    }
}

impl SyscallHost for ReplayBus<'_> {
    fn write(&mut self, fd: OutputFd, ptr: u64, len: u64) -> Result<(), FaultKind> {
        if len == 0 {
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(len as usize + 16);
        for _ in covering_words(ptr, len) {
            bytes.extend_from_slice(&self.next_word()?.to_le_bytes());
        }
        let start = (ptr & 7) as usize;
        if fd == OutputFd::Public {
            self.public_output.extend_from_slice(&bytes[start..start + len as usize]);
        }
        Ok(())
    }

    fn read(&mut self, _ptr: u64, len: u64) -> Result<u64, FaultKind> {
        let n = self.next_word()?;
        if n > len {
            self.bad_read = Some((n, len));
            return Err(FaultKind::HostIo { message: "read count exceeds its buffer".into() });
        }
        for _ in 0..n.div_ceil(8) {
            self.next_word()?;
        }
        Ok(n)
    }
}

/// How a replayed segment ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentEnd {
    /// The state after the segment's last step.
    pub end: Snapshot,
    /// The exit code, if the segment ended with `exit`.
    pub exit_code: Option<u8>,
    /// Bytes the segment wrote to fd 1.
    pub public_output: Vec<u8>,
}

/// Replays one segment from its trace alone, passing every step's record to
/// `on_record`, and checks the trace's internal consistency. Whether the segment may
/// or must end with `exit` depends on its place in the run: [`replay_segments`] checks.
pub fn replay_segment(
    program: &Program,
    segment: &SegmentTrace,
    mut on_record: impl FnMut(&StepRecord),
) -> Result<SegmentEnd, ReplayError> {
    let index = segment.index;
    if segment.compute_checksum() != segment.checksum {
        return Err(ReplayError::Checksum { segment: index });
    }
    let mut cpu = segment.start.cpu.clone();
    let mut bus = ReplayBus::new(&segment.log);
    let first = segment.start.step;
    let mut exit_code = None;
    for step_number in first..first + segment.steps {
        if exit_code.is_some() {
            return Err(ReplayError::EarlyExit { segment: index, step: step_number - 1 });
        }
        let pc = cpu.pc;
        let inst =
            fetch(program, pc).map_err(|fault| ReplayError::Fault { segment: index, step: step_number, fault })?;
        let (outcome, record) = record_step(&mut cpu, inst, &mut bus, step_number).map_err(|kind| {
            if bus.exhausted {
                ReplayError::Exhausted { segment: index, step: step_number, pc }
            } else if let Some((n, len)) = bus.bad_read {
                ReplayError::BadRead { segment: index, step: step_number, n, len }
            } else {
                ReplayError::Fault { segment: index, step: step_number, fault: Fault { pc, kind } }
            }
        })?;
        on_record(&record);
        if let SyscallOutcome::Exit(code) = outcome {
            exit_code = Some(code);
        }
    }
    if bus.pos != segment.log.len() {
        return Err(ReplayError::Unused { segment: index, unused: segment.log.len() - bus.pos });
    }
    Ok(SegmentEnd { end: Snapshot { step: first + segment.steps, cpu }, exit_code, public_output: bus.public_output })
}

/// The result of replaying a whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayedRun {
    pub exit_code: u8,
    pub steps: u64,
    pub final_state: Snapshot,
    pub public_output: Vec<u8>,
    /// Per segment, a digest of its step records in order (see [`StepRecord::digest`]).
    pub record_digests: Vec<u64>,
    /// Sum over segments of the wall time each took to replay (per-core throughput =
    /// steps / this).
    pub busy_seconds: f64,
}

/// What the run-level checks need from one replayed segment; its log is no longer needed.
struct ReplayedSegment {
    index: u64,
    start: Snapshot,
    steps: u64,
    end: SegmentEnd,
    digest: u64,
    seconds: f64,
}

fn replay_one(program: &Program, segment: &SegmentTrace) -> Result<ReplayedSegment, ReplayError> {
    let started = std::time::Instant::now();
    let mut digest = 0u64;
    let end = replay_segment(program, segment, |r| digest = r.digest(digest))?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(ReplayedSegment {
        index: segment.index,
        start: segment.start.clone(),
        steps: segment.steps,
        end,
        digest,
        seconds,
    })
}

/// Replays all segments of a run in parallel (rayon) and checks that they join up.
pub fn replay_segments(program: &Program, segments: &[SegmentTrace]) -> Result<ReplayedRun, ReplayError> {
    let _span = tracing::info_span!("replay", segments = segments.len()).entered();
    let replayed = segments.par_iter().map(|segment| replay_one(program, segment)).collect::<Result<Vec<_>, _>>();
    join(replayed?)
}

/// Replays segments as they arrive (e.g. from a channel fed by the running guest), in
/// parallel, keeping only their boundary states, and checks that they join up. Memory
/// holds the segments in flight, not the whole trace.
pub fn replay_stream(
    program: &Program,
    segments: impl Iterator<Item = SegmentTrace> + Send,
) -> Result<ReplayedRun, ReplayError> {
    let _span = tracing::info_span!("replay_stream").entered();
    let mut replayed =
        segments.par_bridge().map(|segment| replay_one(program, &segment)).collect::<Result<Vec<_>, _>>()?;
    replayed.sort_by_key(|r| r.index);
    join(replayed)
}

/// The run-level checks: segments in order without gaps, each starting where the
/// previous one ended, only the last one exiting, and it exiting.
fn join(replayed: Vec<ReplayedSegment>) -> Result<ReplayedRun, ReplayError> {
    let last = replayed.len().checked_sub(1).ok_or(ReplayError::Empty)?;
    let mut expected_step = 0;
    for (i, segment) in replayed.iter().enumerate() {
        if segment.start.step != expected_step || segment.index != i as u64 {
            return Err(ReplayError::Misplaced {
                segment: i as u64,
                expected: expected_step,
                actual: segment.start.step,
            });
        }
        expected_step += segment.steps;
    }
    for (i, pair) in replayed.windows(2).enumerate() {
        if pair[0].end.exit_code.is_some() {
            return Err(ReplayError::EarlyExit { segment: i as u64, step: pair[0].end.end.step - 1 });
        }
        if pair[0].end.end != pair[1].start {
            return Err(ReplayError::Boundary { segment: i as u64, next: i as u64 + 1 });
        }
    }
    let final_segment = &replayed[last];
    let exit_code = final_segment
        .end
        .exit_code
        .ok_or(ReplayError::NoExit { segment: last as u64, step: final_segment.end.end.step })?;
    Ok(ReplayedRun {
        exit_code,
        steps: final_segment.end.end.step,
        final_state: final_segment.end.end.clone(),
        public_output: replayed.iter().flat_map(|r| r.end.public_output.iter().copied()).collect(),
        record_digests: replayed.iter().map(|r| r.digest).collect(),
        busy_seconds: replayed.iter().map(|r| r.seconds).sum(),
    })
}
