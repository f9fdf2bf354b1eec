//! The minimal trace (DESIGN.md §5) and its recorder over the interpreter.
//!
//! A run is cut into segments of exactly `S` steps (the last one shorter). For each
//! segment the trace keeps its start [`Snapshot`] and one flat log of 64-bit words:
//!
//! * a load logs every aligned word it reads (two for a load that spans a word
//!   boundary), in order — AMOs and LR included;
//! * a store that is not a full aligned doubleword logs the old word(s) it modifies,
//!   so the new word can be rebuilt without a memory image;
//! * `write` logs the aligned words covering its buffer (the replay rebuilds the
//!   public output from them); `read` logs the count delivered and then the bytes,
//!   packed little-endian into words.
//!
//! Registers are never logged: the replay recomputes them from the snapshot. This is
//! the same format whatever engine records it; the interpreter's recorder here is the
//! reference the compiled recorder is tested against.

use crate::fault::{Access, Fault, FaultKind};
use crate::interp::{fetch, step, Bus, Cpu};
use crate::memory::GuestMemory;
use crate::syscall::{dispatch, Io, LiveHost, OutputFd, SyscallHost, SyscallOutcome};
use ziskjit_transpiler::Program;

/// The default segment length: 2^18 steps.
pub const DEFAULT_SEGMENT_STEPS: u64 = 1 << 18;

/// The architectural state at a segment boundary.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// Steps retired before this point.
    pub step: u64,
    pub cpu: Cpu,
}

/// One segment of the minimal trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentTrace {
    /// Segment number (0-based).
    pub index: u64,
    /// State before the segment's first step.
    pub start: Snapshot,
    /// Steps in the segment: `S` except for the last segment of a run.
    pub steps: u64,
    /// The logged words, in the order the steps consumed them.
    pub log: Vec<u64>,
    /// [`SegmentTrace::compute_checksum`] of the above, set by the recorder, so a
    /// corrupted or truncated trace is detected before it is replayed.
    pub checksum: u64,
}

impl SegmentTrace {
    /// A digest of the snapshot, the step count and the log.
    pub fn compute_checksum(&self) -> u64 {
        let mut h = 0x5a15_c0de_u64 ^ self.index;
        let mut mix = |x: u64| h = (h ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(31);
        mix(self.start.step);
        mix(self.start.cpu.pc);
        self.start.cpu.regs.iter().for_each(|&r| mix(r));
        mix(self.start.cpu.reservation.map_or(u64::MAX, |a| a));
        mix(self.steps);
        mix(self.log.len() as u64);
        self.log.iter().for_each(|&w| mix(w));
        h
    }

    /// Size of the trace in bytes: the snapshot (pc, 32 registers, step,
    /// reservation) plus 8 bytes per logged word.
    pub fn size_bytes(&self) -> u64 {
        35 * 8 + 8 * self.log.len() as u64
    }
}

/// How a traced run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceSummary {
    pub exit_code: u8,
    pub steps: u64,
    pub segments: u64,
    /// The state after the final step (the `exit` ecall).
    pub final_state: Snapshot,
    pub trace_bytes: u64,
}

/// The live [`Bus`] that logs the minimal trace.
pub struct TracingBus<'m, 'io> {
    pub mem: &'m mut GuestMemory,
    pub io: &'m mut Io<'io>,
    pub log: Vec<u64>,
}

/// The aligned words covering `[addr, addr + len)`, `len ≥ 1`.
pub fn covering_words(addr: u64, len: u64) -> impl Iterator<Item = u64> {
    let first = addr & !7;
    let last = (addr + len - 1) & !7;
    (first..=last).step_by(8)
}

impl TracingBus<'_, '_> {
    fn log_words(&mut self, addr: u64, len: u64) {
        // Aligned words never cross a page, so every word covering a checked
        // access is mapped.
        for word in covering_words(addr, len) {
            self.log.push(self.mem.read_unchecked(word, 8));
        }
    }
}

impl Bus for TracingBus<'_, '_> {
    #[inline]
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        let value = self.mem.load(addr, size)?;
        self.log_words(addr, u64::from(size));
        Ok(value)
    }

    #[inline]
    fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind> {
        self.mem.check(addr, u64::from(size), Access::Store)?;
        if size != 8 || !addr.is_multiple_of(8) {
            self.log_words(addr, u64::from(size));
        }
        self.mem.store(addr, size, value)
    }

    fn ecall(&mut self, regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        dispatch(regs, self)
    }
}

impl SyscallHost for TracingBus<'_, '_> {
    fn write(&mut self, fd: OutputFd, ptr: u64, len: u64) -> Result<(), FaultKind> {
        LiveHost { mem: self.mem, io: self.io }.write_checked(fd, ptr, len)?;
        if len > 0 {
            self.log_words(ptr, len);
        }
        Ok(())
    }

    fn read(&mut self, ptr: u64, len: u64) -> Result<u64, FaultKind> {
        let mut host = LiveHost { mem: self.mem, io: self.io };
        let bytes = host.read_checked(ptr, len)?;
        let n = bytes.len() as u64;
        self.log.push(n);
        self.log.extend(bytes.chunks(8).map(|chunk| {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            u64::from_le_bytes(word)
        }));
        Ok(n)
    }
}

/// Cuts a recorded run into [`SegmentTrace`]s; shared by every recorder so that they
/// produce the same segments (the interpreter's here, the compiled code's in `jit`).
pub struct SegmentCutter<F> {
    segment_steps: u64,
    start: Snapshot,
    index: u64,
    trace_bytes: u64,
    on_segment: F,
}

impl<F: FnMut(SegmentTrace)> SegmentCutter<F> {
    /// Starts the first segment at `cpu`, step 0.
    pub fn new(segment_steps: u64, cpu: &Cpu, on_segment: F) -> Self {
        assert!(segment_steps.is_power_of_two(), "segment length must be a power of two");
        SegmentCutter {
            segment_steps,
            start: Snapshot { step: 0, cpu: cpu.clone() },
            index: 0,
            trace_bytes: 0,
            on_segment,
        }
    }

    /// The step at which the current segment ends (if the guest does not exit first).
    pub fn segment_end(&self) -> u64 {
        self.start.step + self.segment_steps
    }

    /// Ends the current segment after `steps` steps in total with state `cpu` and
    /// `log`, hands it on, and starts the next one there.
    pub fn cut(&mut self, steps: u64, cpu: &Cpu, log: Vec<u64>) {
        let start = std::mem::replace(&mut self.start, Snapshot { step: steps, cpu: cpu.clone() });
        let mut segment = SegmentTrace { index: self.index, steps: steps - start.step, start, log, checksum: 0 };
        segment.checksum = segment.compute_checksum();
        self.trace_bytes += segment.size_bytes();
        self.index += 1;
        (self.on_segment)(segment);
    }

    /// Ends the run: the last segment (ending with `exit`) and the summary.
    pub fn finish(mut self, steps: u64, cpu: &Cpu, log: Vec<u64>, exit_code: u8) -> TraceSummary {
        self.cut(steps, cpu, log);
        TraceSummary { exit_code, steps, segments: self.index, final_state: self.start, trace_bytes: self.trace_bytes }
    }
}

/// Initial capacity of a segment's log, in words.
pub const LOG_CHUNK_WORDS: usize = 1 << 16;

/// Runs `program` in the interpreter while recording the minimal trace; every
/// completed segment is handed to `on_segment` at once (streaming), so memory holds
/// one segment's log at a time unless the consumer keeps them. This is the reference
/// recorder the compiled one (`Jit::record`) is tested against.
pub fn record_with_interpreter(
    program: &Program,
    io: &mut Io<'_>,
    segment_steps: u64,
    max_steps: u64,
    on_segment: impl FnMut(SegmentTrace),
) -> Result<TraceSummary, Fault> {
    let mut mem = GuestMemory::new(program)
        .map_err(|e| Fault { pc: program.entry, kind: FaultKind::HostIo { message: e.to_string() } })?;
    let mut cpu = Cpu::new(program.entry);
    let mut cutter = SegmentCutter::new(segment_steps, &cpu, on_segment);
    let mut bus = TracingBus { mem: &mut mem, io, log: Vec::with_capacity(LOG_CHUNK_WORDS) };
    let mut steps = 0u64;
    loop {
        if steps == cutter.segment_end() {
            cutter.cut(steps, &cpu, std::mem::replace(&mut bus.log, Vec::with_capacity(LOG_CHUNK_WORDS)));
        }
        let pc = cpu.pc;
        if steps >= max_steps {
            return Err(Fault { pc, kind: FaultKind::StepLimit { limit: max_steps } });
        }
        let inst = fetch(program, pc)?;
        let outcome = step(&mut cpu, inst, &mut bus).map_err(|kind| Fault { pc, kind })?;
        steps += 1;
        if let SyscallOutcome::Exit(exit_code) = outcome {
            return Ok(cutter.finish(steps, &cpu, std::mem::take(&mut bus.log), exit_code));
        }
    }
}
