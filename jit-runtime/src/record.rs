//! Per-step records: what one retired instruction read and wrote.
//!
//! A [`StepRecord`] is what the witness generator needs from a step and what the
//! trace replay must reproduce exactly. Records are produced by running the one
//! [`step`] function through a [`RecordingBus`], over live memory
//! (the interpreter, the reference) or over a minimal trace (the replay), so the two
//! can only differ if their buses disagree on what memory holds.

use crate::fault::FaultKind;
use crate::interp::{step, Bus, Cpu};
use crate::syscall::SyscallOutcome;
use ziskjit_transpiler::Inst;

/// One memory access of a step (loads return the zero-extended value read; stores
/// the value's low `size` bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MemAccess {
    pub addr: u64,
    pub size: u8,
    pub is_store: bool,
    pub value: u64,
}

/// Everything one retired instruction did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepRecord {
    /// The global step number (0 for the first instruction of the run).
    pub step: u64,
    pub pc: u64,
    pub inst: Inst,
    /// Values of `rs1` and `rs2` before the step.
    pub rs1_value: u64,
    pub rs2_value: u64,
    /// Value of `rd` after the step (0 when `rd` is x0).
    pub rd_value: u64,
    pub next_pc: u64,
    /// Up to two data accesses in order (an AMO loads then stores). Syscall buffers
    /// are not listed here; their bytes are part of the public output / input.
    pub accesses: [MemAccess; 2],
    pub access_count: u8,
}

impl StepRecord {
    /// The data accesses of the step.
    pub fn accesses(&self) -> &[MemAccess] {
        &self.accesses[..self.access_count as usize]
    }

    /// A 64-bit digest of the record, for comparing long runs without storing them.
    pub fn digest(&self, seed: u64) -> u64 {
        let mut h = seed;
        let mut mix = |x: u64| h = (h ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        mix(self.step);
        mix(self.pc);
        mix(u64::from(self.inst.raw));
        mix(self.rs1_value);
        mix(self.rs2_value);
        mix(self.rd_value);
        mix(self.next_pc);
        for a in self.accesses() {
            mix(a.addr);
            mix(u64::from(a.size) | (u64::from(a.is_store) << 8));
            mix(a.value);
        }
        h
    }
}

/// A [`Bus`] wrapper that notes the data accesses passing through it.
pub struct RecordingBus<'b, B> {
    pub inner: &'b mut B,
    accesses: [MemAccess; 2],
    count: u8,
}

impl<B: Bus> Bus for RecordingBus<'_, B> {
    #[inline]
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        let value = self.inner.load(addr, size)?;
        self.note(MemAccess { addr, size, is_store: false, value });
        Ok(value)
    }

    #[inline]
    fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind> {
        self.inner.store(addr, size, value)?;
        let value = if size == 8 { value } else { value & ((1u64 << (8 * size)) - 1) };
        self.note(MemAccess { addr, size, is_store: true, value });
        Ok(())
    }

    fn ecall(&mut self, regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        self.inner.ecall(regs)
    }
}

impl<B> RecordingBus<'_, B> {
    fn note(&mut self, access: MemAccess) {
        // No instruction makes more than two data accesses.
        self.accesses[self.count as usize] = access;
        self.count += 1;
    }
}

/// Executes one step like [`step`] and returns its record (`step_number` is the
/// global index of this step).
#[inline]
pub fn record_step<B: Bus>(
    cpu: &mut Cpu,
    inst: &Inst,
    bus: &mut B,
    step_number: u64,
) -> Result<(SyscallOutcome, StepRecord), FaultKind> {
    let pc = cpu.pc;
    let rs1_value = cpu.regs[inst.rs1 as usize];
    let rs2_value = cpu.regs[inst.rs2 as usize];
    let mut recording = RecordingBus { inner: bus, accesses: [MemAccess::default(); 2], count: 0 };
    let outcome = step(cpu, inst, &mut recording)?;
    let record = StepRecord {
        step: step_number,
        pc,
        inst: *inst,
        rs1_value,
        rs2_value,
        rd_value: cpu.regs[inst.rd as usize],
        next_pc: cpu.pc,
        accesses: recording.accesses,
        access_count: recording.count,
    };
    Ok((outcome, record))
}
