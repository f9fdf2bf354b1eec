//! The reference interpreter. [`step`] is the single definition of the RV64IMAC
//! semantics in ziskjit: the JIT, the trace replay and the AIRs are all tested
//! against it, never against each other.
//!
//! `step` is generic over a [`Bus`] (memory and syscalls) so that the same
//! semantics run over live guest memory (here) and over a recorded minimal trace
//! (the replay in `ziskjit-trace`), which then needs no memory image.

use crate::fault::{Fault, FaultKind};
use crate::memory::{GuestMemory, INITIAL_SP};
use crate::record::{record_step, StepRecord};
use crate::syscall::{syscall, Io, SyscallOutcome};
use ziskjit_transpiler::{Inst, Op, Program};

/// The architectural state of the hart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cpu {
    pub pc: u64,
    /// x0..x31; `regs[0]` is always 0.
    pub regs: [u64; 32],
    /// The address reserved by the last `lr`, cleared by every `sc`.
    pub reservation: Option<u64>,
}

impl Cpu {
    /// The initial state: pc at the ELF entry, `sp` at the top of the stack, all
    /// other registers zero.
    pub fn new(entry: u64) -> Cpu {
        let mut regs = [0; 32];
        regs[2] = INITIAL_SP;
        Cpu { pc: entry, regs, reservation: None }
    }
}

/// Memory and syscalls as seen by [`step`].
pub trait Bus {
    /// Loads `size` (1, 2, 4, 8) bytes at `addr`, zero-extended, any alignment.
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind>;
    /// Stores the low `size` bytes of `value` at `addr`, any alignment.
    fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind>;
    /// Executes the syscall in `regs[17]` (a7).
    fn ecall(&mut self, regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind>;
}

/// Executes one instruction `inst` at `cpu.pc`. On success the instruction retired:
/// registers, memory and `pc` are updated. On a fault nothing architectural changed
/// except what the bus had already done (a faulting access changes nothing).
#[inline]
pub fn step<B: Bus>(cpu: &mut Cpu, inst: &Inst, bus: &mut B) -> Result<SyscallOutcome, FaultKind> {
    use Op::*;
    let pc = cpu.pc;
    let a = cpu.regs[inst.rs1 as usize];
    let b = cpu.regs[inst.rs2 as usize];
    let imm = inst.imm;
    let uimm = imm as u64;
    let mut next_pc = pc.wrapping_add(u64::from(inst.len));
    let w = |x: u64| x as i32 as i64 as u64; // sign-extend the low 32 bits
    let result: Option<u64> = match inst.op {
        Lui => Some(uimm),
        Auipc => Some(pc.wrapping_add(uimm)),
        Jal => {
            next_pc = pc.wrapping_add(uimm);
            Some(pc.wrapping_add(u64::from(inst.len)))
        }
        Jalr => {
            next_pc = a.wrapping_add(uimm) & !1;
            Some(pc.wrapping_add(u64::from(inst.len)))
        }
        Beq | Bne | Blt | Bge | Bltu | Bgeu => {
            let taken = match inst.op {
                Beq => a == b,
                Bne => a != b,
                Blt => (a as i64) < (b as i64),
                Bge => (a as i64) >= (b as i64),
                Bltu => a < b,
                _ => a >= b,
            };
            if taken {
                next_pc = pc.wrapping_add(uimm);
            }
            None
        }
        Lb => Some(bus.load(a.wrapping_add(uimm), 1)? as i8 as i64 as u64),
        Lh => Some(bus.load(a.wrapping_add(uimm), 2)? as i16 as i64 as u64),
        Lw => Some(w(bus.load(a.wrapping_add(uimm), 4)?)),
        Ld => Some(bus.load(a.wrapping_add(uimm), 8)?),
        Lbu => Some(bus.load(a.wrapping_add(uimm), 1)?),
        Lhu => Some(bus.load(a.wrapping_add(uimm), 2)?),
        Lwu => Some(bus.load(a.wrapping_add(uimm), 4)?),
        Sb | Sh | Sw | Sd => {
            bus.store(a.wrapping_add(uimm), inst.op.access_size(), b)?;
            None
        }
        Addi => Some(a.wrapping_add(uimm)),
        Slti => Some(u64::from((a as i64) < imm)),
        Sltiu => Some(u64::from(a < uimm)),
        Xori => Some(a ^ uimm),
        Ori => Some(a | uimm),
        Andi => Some(a & uimm),
        Slli => Some(a << (imm & 63)),
        Srli => Some(a >> (imm & 63)),
        Srai => Some(((a as i64) >> (imm & 63)) as u64),
        Addiw => Some(w(a.wrapping_add(uimm))),
        Slliw => Some(w(a << (imm & 31))),
        Srliw => Some(w(u64::from((a as u32) >> (imm & 31)))),
        Sraiw => Some(((a as i32) >> (imm & 31)) as i64 as u64),
        Add => Some(a.wrapping_add(b)),
        Sub => Some(a.wrapping_sub(b)),
        Sll => Some(a << (b & 63)),
        Slt => Some(u64::from((a as i64) < (b as i64))),
        Sltu => Some(u64::from(a < b)),
        Xor => Some(a ^ b),
        Srl => Some(a >> (b & 63)),
        Sra => Some(((a as i64) >> (b & 63)) as u64),
        Or => Some(a | b),
        And => Some(a & b),
        Addw => Some(w(a.wrapping_add(b))),
        Subw => Some(w(a.wrapping_sub(b))),
        Sllw => Some(w(a << (b & 31))),
        Srlw => Some(w(u64::from((a as u32) >> (b & 31)))),
        Sraw => Some(((a as i32) >> (b & 31)) as i64 as u64),
        Mul => Some(a.wrapping_mul(b)),
        Mulh => Some(((i128::from(a as i64) * i128::from(b as i64)) >> 64) as u64),
        Mulhsu => Some(((i128::from(a as i64) * (b as i128)) >> 64) as u64),
        Mulhu => Some(((u128::from(a) * u128::from(b)) >> 64) as u64),
        Div => Some(div_signed(a as i64, b as i64) as u64),
        Divu => Some(a.checked_div(b).unwrap_or(u64::MAX)),
        Rem => Some(rem_signed(a as i64, b as i64) as u64),
        Remu => Some(if b == 0 { a } else { a % b }),
        Mulw => Some(w(a.wrapping_mul(b))),
        Divw => Some(i64::from(div_signed32(a as i32, b as i32)) as u64),
        Divuw => Some(w(u64::from((a as u32).checked_div(b as u32).unwrap_or(u32::MAX)))),
        Remw => Some(i64::from(rem_signed32(a as i32, b as i32)) as u64),
        Remuw => Some(w(u64::from(if b as u32 == 0 { a as u32 } else { a as u32 % b as u32 }))),
        LrW | LrD => {
            let size = if inst.op == LrW { 4 } else { 8 };
            check_aligned(a, size)?;
            let v = bus.load(a, size)?;
            cpu.reservation = Some(a);
            Some(if size == 4 { w(v) } else { v })
        }
        ScW | ScD => {
            let size = if inst.op == ScW { 4 } else { 8 };
            check_aligned(a, size)?;
            let success = cpu.reservation == Some(a);
            if success {
                bus.store(a, size, b)?;
            }
            cpu.reservation = None;
            Some(u64::from(!success))
        }
        AmoSwapW | AmoAddW | AmoXorW | AmoAndW | AmoOrW | AmoMinW | AmoMaxW | AmoMinuW | AmoMaxuW => {
            check_aligned(a, 4)?;
            let old = w(bus.load(a, 4)?);
            let (x, y) = (old as i32, b as i32);
            let new = match inst.op {
                AmoSwapW => y,
                AmoAddW => x.wrapping_add(y),
                AmoXorW => x ^ y,
                AmoAndW => x & y,
                AmoOrW => x | y,
                AmoMinW => x.min(y),
                AmoMaxW => x.max(y),
                AmoMinuW => (x as u32).min(y as u32) as i32,
                _ => (x as u32).max(y as u32) as i32,
            };
            bus.store(a, 4, new as u32 as u64)?;
            Some(old)
        }
        AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD | AmoMinD | AmoMaxD | AmoMinuD | AmoMaxuD => {
            check_aligned(a, 8)?;
            let old = bus.load(a, 8)?;
            let new = match inst.op {
                AmoSwapD => b,
                AmoAddD => old.wrapping_add(b),
                AmoXorD => old ^ b,
                AmoAndD => old & b,
                AmoOrD => old | b,
                AmoMinD => (old as i64).min(b as i64) as u64,
                AmoMaxD => (old as i64).max(b as i64) as u64,
                AmoMinuD => old.min(b),
                _ => old.max(b),
            };
            bus.store(a, 8, new)?;
            Some(old)
        }
        Fence | FenceI => None,
        Ecall => {
            let outcome = bus.ecall(&mut cpu.regs)?;
            cpu.pc = next_pc;
            return Ok(outcome);
        }
        Unsupported(mnemonic) => return Err(FaultKind::UnsupportedInstruction { mnemonic, raw_hex: inst.raw_hex() }),
        Illegal => return Err(FaultKind::IllegalInstruction { raw_hex: inst.raw_hex() }),
    };
    if let Some(value) = result {
        if inst.rd != 0 {
            cpu.regs[inst.rd as usize] = value;
        }
    }
    cpu.pc = next_pc;
    Ok(SyscallOutcome::Continue)
}

fn check_aligned(addr: u64, size: u8) -> Result<(), FaultKind> {
    if addr.is_multiple_of(u64::from(size)) {
        Ok(())
    } else {
        Err(FaultKind::MisalignedAtomic { addr, size })
    }
}

/// RISC-V signed division: x / 0 = -1, MIN / -1 = MIN (no trap).
fn div_signed(x: i64, y: i64) -> i64 {
    if y == 0 {
        -1
    } else {
        x.wrapping_div(y)
    }
}

/// RISC-V signed remainder: x % 0 = x, MIN % -1 = 0.
fn rem_signed(x: i64, y: i64) -> i64 {
    if y == 0 {
        x
    } else {
        x.wrapping_rem(y)
    }
}

fn div_signed32(x: i32, y: i32) -> i32 {
    if y == 0 {
        -1
    } else {
        x.wrapping_div(y)
    }
}

fn rem_signed32(x: i32, y: i32) -> i32 {
    if y == 0 {
        x
    } else {
        x.wrapping_rem(y)
    }
}

/// The instruction at `pc`, or the fault fetching it raises. Whether data happens to be
/// mapped at `pc` does not matter (pages are shared at segment edges): code is only
/// what the ELF's executable segments hold.
#[inline]
pub fn fetch(program: &Program, pc: u64) -> Result<&Inst, Fault> {
    program.fetch(pc).map_err(|_| {
        let kind = if pc >= ziskjit_transpiler::ADDRESS_SPACE_END {
            FaultKind::OutsideAddressSpace { access: crate::fault::Access::Fetch, addr: pc }
        } else {
            FaultKind::NotExecutable { addr: pc }
        };
        Fault { pc, kind }
    })
}

/// The live-memory [`Bus`]: guest memory plus the host I/O.
pub struct LiveBus<'m, 'io> {
    pub mem: &'m mut GuestMemory,
    pub io: &'m mut Io<'io>,
}

impl Bus for LiveBus<'_, '_> {
    #[inline]
    fn load(&mut self, addr: u64, size: u8) -> Result<u64, FaultKind> {
        self.mem.load(addr, size)
    }

    #[inline]
    fn store(&mut self, addr: u64, size: u8, value: u64) -> Result<(), FaultKind> {
        self.mem.store(addr, size, value)
    }

    fn ecall(&mut self, regs: &mut [u64; 32]) -> Result<SyscallOutcome, FaultKind> {
        syscall(regs, self.mem, self.io)
    }
}

/// How a completed run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunResult {
    /// The guest's exit code.
    pub exit_code: u8,
    /// Instructions retired, including the final `ecall`.
    pub steps: u64,
}

/// A guest machine driven by the interpreter.
pub struct Interpreter<'p> {
    pub program: &'p Program,
    pub cpu: Cpu,
    pub mem: GuestMemory,
    /// Instructions retired so far.
    pub steps: u64,
}

impl<'p> Interpreter<'p> {
    /// A machine at the program's initial state.
    pub fn new(program: &'p Program) -> Result<Interpreter<'p>, crate::memory::MemoryError> {
        Ok(Interpreter { program, cpu: Cpu::new(program.entry), mem: GuestMemory::new(program)?, steps: 0 })
    }

    /// Runs until the guest exits, faults, or has retired `max_steps` instructions
    /// in total (then [`FaultKind::StepLimit`] at the pc of the next instruction).
    pub fn run(&mut self, io: &mut Io<'_>, max_steps: u64) -> Result<RunResult, Fault> {
        self.run_observed(io, max_steps, None::<fn(&StepRecord)>)
    }

    /// [`Interpreter::run`] that also hands every step's [`StepRecord`] to `observer`
    /// (the reference the trace replay and the witness generator are checked against).
    pub fn run_observed(
        &mut self,
        io: &mut Io<'_>,
        max_steps: u64,
        mut observer: Option<impl FnMut(&StepRecord)>,
    ) -> Result<RunResult, Fault> {
        let mut bus = LiveBus { mem: &mut self.mem, io };
        loop {
            let pc = self.cpu.pc;
            if self.steps >= max_steps {
                return Err(Fault { pc, kind: FaultKind::StepLimit { limit: max_steps } });
            }
            let inst = fetch(self.program, pc)?;
            let outcome = match observer.as_mut() {
                None => step(&mut self.cpu, inst, &mut bus),
                Some(observe) => record_step(&mut self.cpu, inst, &mut bus, self.steps).map(|(outcome, record)| {
                    observe(&record);
                    outcome
                }),
            }
            .map_err(|kind| Fault { pc, kind })?;
            self.steps += 1;
            if let SyscallOutcome::Exit(exit_code) = outcome {
                return Ok(RunResult { exit_code, steps: self.steps });
            }
        }
    }
}
