//! The ahead-of-time engine: running a whole [`Program`] compiled with Cranelift before
//! the first step, over the same [`GuestMemory`] as the interpreter.
//!
//! The transpiler lowers every region of the program to a Cranelift function and
//! compiles them all into one relocatable object
//! (`ziskjit_transpiler::image::compile`); [`load`] maps that object into executable
//! memory ([`Compiled`]), whether it was compiled a moment ago ([`Compiled::new`]) or
//! read from a precompiled image ([`Compiled::load`]), and [`Jit::run`] drives it. The
//! driver is a small dispatch loop: it looks the guest pc up in the layout's dense
//! pc → (region, block) table and calls that region with the block's entry index; the
//! region runs — chaining its blocks directly, guest registers in host registers —
//! until control leaves it, and returns the next pc with the registers written back to
//! a [`Ctx`].
//!
//! Everything else goes through one exit path: when there is no compiled block at the
//! pc (an `ecall`, an atomic, an illegal encoding, a `jalr` into the middle of a block)
//! or the region asked for it (a memory access its inline check refused, a block that
//! would cross the step limit), the driver executes exactly one instruction with the
//! interpreter's [`step`] on the same registers and memory. Syscalls, faults, the LR/SC
//! reservation and the step limit are therefore decided by the interpreter's code
//! alone, and the JIT reports the same [`Fault`] values with the same pc.
//!
//! The three variants of the code share this loop through `Hooks`: the plain run,
//! the minimal-trace recorder ([`Jit::record`]) and the profiler feed ([`Jit::profile`]).

pub mod load;

use crate::fault::{Fault, FaultKind as Kind};
use crate::interp::{fetch, step, Cpu, LiveBus, RunResult};
use crate::memory::{GuestMemory, MemoryError, PAGE_SHIFT};
use crate::syscall::{Io, SyscallOutcome};
use crate::trace::{SegmentCutter, SegmentTrace, TraceSummary, TracingBus, LOG_CHUNK_WORDS};
use load::{CodeMap, LoadError};
use std::time::Instant;
use ziskjit_transpiler::image::{compile_object, table_symbol, CompileError};
use ziskjit_transpiler::lower::{self, ctx, Layout, Variant};
use ziskjit_transpiler::{Inst, Program};

/// The run-time context shared with compiled code; its layout is
/// `ziskjit_transpiler::lower::ctx` (checked at compile time below).
#[repr(C)]
pub struct Ctx {
    regs: [u64; 32],
    budget: u64,
    exit: u64,
    mem_base: *mut u8,
    perms: *const u8,
    log_ptr: *mut u64,
    log_end: *mut u64,
}

const _: () = {
    assert!(std::mem::offset_of!(Ctx, regs) == ctx::REGS as usize);
    assert!(std::mem::offset_of!(Ctx, budget) == ctx::BUDGET as usize);
    assert!(std::mem::offset_of!(Ctx, exit) == ctx::EXIT as usize);
    assert!(std::mem::offset_of!(Ctx, mem_base) == ctx::MEM_BASE as usize);
    assert!(std::mem::offset_of!(Ctx, perms) == ctx::PERMS as usize);
    assert!(std::mem::offset_of!(Ctx, log_ptr) == ctx::LOG_PTR as usize);
    assert!(std::mem::offset_of!(Ctx, log_end) == ctx::LOG_END as usize);
    assert!(std::mem::size_of::<Ctx>() == ctx::SIZE);
};

/// A compiled region: `(context, entry index) -> next guest pc`.
type RegionFn = unsafe extern "C" fn(*mut Ctx, u32) -> u64;

/// Why a program's code could not be compiled or loaded.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// A program's code in executable memory, for one variant.
pub struct Compiled {
    /// The mapping the region functions live in; they die with it.
    _code: CodeMap,
    /// The variant the code was lowered as.
    pub variant: Variant,
    layout: Layout,
    regions: Vec<RegionFn>,
    /// Wall time spent producing the code: lowering and compiling, or loading an image.
    pub compile_seconds: f64,
}

impl Compiled {
    /// Lowers and compiles every region of `program` (on all host cores) and loads
    /// the code.
    pub fn new(program: &Program, variant: Variant) -> Result<Compiled, JitError> {
        let started = Instant::now();
        let object = compile_object(program, &[variant])?;
        let mut compiled = Compiled::load(program, &object, variant)?;
        compiled.compile_seconds = started.elapsed().as_secs_f64();
        Ok(compiled)
    }

    /// Loads the `variant` code of `program` from `object`, the code of a precompiled
    /// image built from the same program (the image format checks that).
    pub fn load(program: &Program, object: &[u8], variant: Variant) -> Result<Compiled, JitError> {
        let started = Instant::now();
        let layout = lower::layout(program);
        let code = CodeMap::load(object)?;
        let regions = code
            .table(object, &table_symbol(variant), layout.regions.len())?
            .into_iter()
            .map(|address| {
                // SAFETY: every entry of a variant's table is the address of a region
                // function (checked to lie in the loaded code) that was lowered for
                // this program's layout with exactly this signature (context pointer,
                // entry index) -> i64, in the host's calling convention.
                unsafe { std::mem::transmute::<usize, RegionFn>(address) }
            })
            .collect();
        Ok(Compiled { _code: code, variant, layout, regions, compile_seconds: started.elapsed().as_secs_f64() })
    }

    /// The compiled region and entry index of the block at `pc`, if there is one.
    #[inline]
    fn entry(&self, pc: u64) -> Option<(RegionFn, u32)> {
        self.layout.entry_of(pc).map(|(region, block)| (self.regions[region], block))
    }
}

/// A guest machine driven by compiled code (same public state as the interpreter's).
pub struct Jit<'p> {
    pub program: &'p Program,
    pub compiled: &'p Compiled,
    pub cpu: Cpu,
    pub mem: GuestMemory,
    /// Instructions retired so far.
    pub steps: u64,
    /// The page permission table with one extra zero entry for the page at 2^32, so
    /// compiled code can clamp any page index into the table. Permissions never change
    /// after loading (there is no `mmap`/`brk` syscall), so a copy is exact.
    perms: Vec<u8>,
}

impl<'p> Jit<'p> {
    /// A machine at the program's initial state running `compiled` (built from `program`).
    pub fn new(program: &'p Program, compiled: &'p Compiled) -> Result<Jit<'p>, MemoryError> {
        let mem = GuestMemory::new(program)?;
        let mut perms = mem.perms().to_vec();
        // Compiled code lets accesses inside these runs through without reading the
        // table; each must really be accessible (the transpiler derives them from the
        // same guest contract as `GuestMemory`).
        for (need, runs) in compiled.layout.runs.iter().enumerate() {
            for &(start, end) in runs {
                let pages = &perms[(start >> PAGE_SHIFT) as usize..(end >> PAGE_SHIFT) as usize];
                assert!(
                    pages.iter().all(|&p| p & need as u8 == need as u8),
                    "compiled code assumes [0x{start:x}, 0x{end:x}) has permissions {need}, the memory disagrees"
                );
            }
        }
        perms.push(0);
        Ok(Jit { program, compiled, cpu: Cpu::new(program.entry), mem, steps: 0, perms })
    }

    /// Runs until the guest exits, faults, or has retired `max_steps` instructions in
    /// total, with exactly the interpreter's results (`Interpreter::run`).
    pub fn run(&mut self, io: &mut Io<'_>, max_steps: u64) -> Result<RunResult, Fault> {
        assert_eq!(self.compiled.variant, Variant::Plain, "running needs code compiled with Variant::Plain");
        let exit_code = self.drive(io, max_steps, &mut Plain)?;
        Ok(RunResult { exit_code, steps: self.steps })
    }

    /// Runs like [`Jit::run`] while recording the minimal trace, with exactly the
    /// segments `trace::record_with_interpreter` produces; `self.compiled` must have
    /// been built with `Variant::Trace`. Segments go to `on_segment` as they complete.
    pub fn record(
        &mut self,
        io: &mut Io<'_>,
        segment_steps: u64,
        max_steps: u64,
        on_segment: impl FnMut(SegmentTrace),
    ) -> Result<TraceSummary, Fault> {
        assert_eq!(self.compiled.variant, Variant::Trace, "recording needs code compiled with Variant::Trace");
        assert_eq!(self.steps, 0, "recording starts with a fresh machine");
        let mut tracer = Tracer { cutter: SegmentCutter::new(segment_steps, &self.cpu, on_segment), log: Vec::new() };
        tracer.log.reserve(LOG_CHUNK_WORDS);
        let exit_code = self.drive(io, max_steps, &mut tracer)?;
        Ok(tracer.cutter.finish(self.steps, &self.cpu, tracer.log, exit_code))
    }

    /// Runs like [`Jit::run`] while reporting every retired instruction, in order, to
    /// `on_retire(pc, steps, next_pc)`: `steps` instructions ran straight-line from
    /// `pc` (each falling through to the next), and the last of them continued at
    /// `next_pc`. This is the event `ziskjit_profiler::Profiler::retire_block` takes,
    /// and the events cover exactly the steps the interpreter retires, so a profile
    /// built from them equals one built from the interpreter's step records.
    /// `self.compiled` must have been built with `Variant::Profile`.
    pub fn profile(
        &mut self,
        io: &mut Io<'_>,
        max_steps: u64,
        on_retire: impl FnMut(u64, u64, u64),
    ) -> Result<RunResult, Fault> {
        assert_eq!(self.compiled.variant, Variant::Profile, "profiling needs code compiled with Variant::Profile");
        let mut profiling = Profiling { on_retire, log: Vec::with_capacity(LOG_CHUNK_WORDS), budget: 0 };
        let exit_code = self.drive(io, max_steps, &mut profiling)?;
        Ok(RunResult { exit_code, steps: self.steps })
    }

    /// The dispatch loop shared by every variant; `hooks` supply what differs.
    fn drive(&mut self, io: &mut Io<'_>, max_steps: u64, hooks: &mut impl Hooks) -> Result<u8, Fault> {
        let mut ctx = Ctx {
            regs: self.cpu.regs,
            budget: 0,
            exit: 0,
            mem_base: self.mem.base(),
            perms: self.perms.as_ptr(),
            log_ptr: std::ptr::null_mut(),
            log_end: std::ptr::null_mut(),
        };
        // Compiled code runs until `stop`: the step limit or the next segment boundary.
        let mut stop = hooks.next_stop(self.steps).min(max_steps);
        ctx.budget = stop - self.steps;
        let mut pc = self.cpu.pc;
        let result = loop {
            if let Some((region, entry)) = self.compiled.entry(pc) {
                hooks.before_region(&mut ctx);
                // SAFETY: `region` was compiled from this program's layout and `entry`
                // comes from the same layout; the context points at live guest memory,
                // a permission table covering every page index the code can form, and
                // (trace and profile variants) a log with the room the code checks for.
                // Region code uses r15 as Cranelift's pinned register and restores the
                // caller's value itself before returning (see `lower::codegen_flags`).
                pc = unsafe { region(&mut ctx, entry) };
                hooks.after_region(&ctx, pc);
                if ctx.exit == 0 {
                    continue;
                }
                ctx.exit = 0;
            }
            self.cpu.pc = pc;
            self.cpu.regs = ctx.regs;
            if ctx.budget == 0 {
                // At `stop`: a segment boundary, the step limit, or both.
                let steps = stop;
                hooks.at_stop(steps, &self.cpu);
                if steps >= max_steps {
                    break Err(Fault { pc, kind: Kind::StepLimit { limit: max_steps } });
                }
                stop = hooks.next_stop(steps).min(max_steps);
                ctx.budget = stop - steps;
                continue;
            }
            // One interpreted step at `pc`, exactly as `Interpreter::run` does it.
            let inst = match fetch(self.program, pc) {
                Ok(inst) => inst,
                Err(fault) => break Err(fault),
            };
            let outcome = hooks.step(&mut self.cpu, inst, &mut self.mem, io);
            ctx.regs = self.cpu.regs;
            match outcome {
                Ok(outcome) => {
                    ctx.budget -= 1;
                    pc = self.cpu.pc;
                    if let SyscallOutcome::Exit(exit_code) = outcome {
                        break Ok(exit_code);
                    }
                }
                Err(kind) => break Err(Fault { pc, kind }),
            }
        };
        self.cpu.regs = ctx.regs;
        self.cpu.pc = pc;
        self.steps = stop - ctx.budget;
        result
    }
}

/// What differs between the plain and the recording runs of [`Jit::drive`].
trait Hooks {
    /// The next step count at which compiled code must stop, after `steps`.
    fn next_stop(&self, steps: u64) -> u64;
    /// Called when exactly `steps` steps have retired and compiled code stopped there.
    fn at_stop(&mut self, steps: u64, cpu: &Cpu);
    /// Prepares the context before compiled code runs.
    fn before_region(&mut self, ctx: &mut Ctx);
    /// Takes back what compiled code produced; it returned `pc`.
    fn after_region(&mut self, ctx: &Ctx, pc: u64);
    /// Executes one instruction with the interpreter's `step`.
    fn step(
        &mut self,
        cpu: &mut Cpu,
        inst: &Inst,
        mem: &mut GuestMemory,
        io: &mut Io<'_>,
    ) -> Result<SyscallOutcome, Kind>;
}

/// The plain run: no stops but the step limit.
struct Plain;

impl Hooks for Plain {
    fn next_stop(&self, _steps: u64) -> u64 {
        u64::MAX
    }

    fn at_stop(&mut self, _steps: u64, _cpu: &Cpu) {}

    #[inline]
    fn before_region(&mut self, _ctx: &mut Ctx) {}

    #[inline]
    fn after_region(&mut self, _ctx: &Ctx, _pc: u64) {}

    fn step(
        &mut self,
        cpu: &mut Cpu,
        inst: &Inst,
        mem: &mut GuestMemory,
        io: &mut Io<'_>,
    ) -> Result<SyscallOutcome, Kind> {
        step(cpu, inst, &mut LiveBus { mem, io })
    }
}

/// The recording run: stops at every segment boundary; compiled code appends to `log`
/// through the context's `log_ptr`, interpreted steps through a [`TracingBus`].
struct Tracer<F> {
    cutter: SegmentCutter<F>,
    log: Vec<u64>,
}

impl<F: FnMut(SegmentTrace)> Hooks for Tracer<F> {
    fn next_stop(&self, _steps: u64) -> u64 {
        self.cutter.segment_end()
    }

    fn at_stop(&mut self, steps: u64, cpu: &Cpu) {
        if steps == self.cutter.segment_end() {
            let log = std::mem::replace(&mut self.log, Vec::with_capacity(LOG_CHUNK_WORDS));
            self.cutter.cut(steps, cpu, log);
        }
    }

    #[inline]
    fn before_region(&mut self, ctx: &mut Ctx) {
        open_log(&mut self.log, ctx);
    }

    #[inline]
    fn after_region(&mut self, ctx: &Ctx, _pc: u64) {
        close_log(&mut self.log, ctx);
    }

    fn step(
        &mut self,
        cpu: &mut Cpu,
        inst: &Inst,
        mem: &mut GuestMemory,
        io: &mut Io<'_>,
    ) -> Result<SyscallOutcome, Kind> {
        let mut bus = TracingBus { mem, io, log: std::mem::take(&mut self.log) };
        let outcome = step(cpu, inst, &mut bus);
        self.log = bus.log;
        outcome
    }
}

/// Points the context's log window at the spare capacity of `log`. A chunk of room is
/// kept so that compiled blocks (which check for the words they may log) rarely find
/// the log full; if one does, it exits and is interpreted.
#[inline]
fn open_log(log: &mut Vec<u64>, ctx: &mut Ctx) {
    if log.capacity() - log.len() < LOG_CHUNK_WORDS / 2 {
        log.reserve(LOG_CHUNK_WORDS.max(log.len()));
    }
    let range = log.spare_capacity_mut().as_mut_ptr_range();
    ctx.log_ptr = range.start.cast();
    ctx.log_end = range.end.cast();
}

/// Takes the words compiled code appended to `log` after [`open_log`].
#[inline]
fn close_log(log: &mut Vec<u64>, ctx: &Ctx) {
    // SAFETY: compiled code wrote initialised words from the old end of the vector up
    // to `log_ptr`, never past `log_end` (the spare capacity `open_log` handed out).
    unsafe {
        let written = ctx.log_ptr.offset_from(log.as_ptr()) as usize;
        log.set_len(written);
    }
}

/// The profiling run: compiled code logs one word per block it enters
/// (`lower::profile_entry`), turned into retire events after each region call;
/// interpreted steps are reported one by one.
struct Profiling<F> {
    on_retire: F,
    log: Vec<u64>,
    /// The step budget when the region was entered.
    budget: u64,
}

impl<F: FnMut(u64, u64, u64)> Hooks for Profiling<F> {
    fn next_stop(&self, _steps: u64) -> u64 {
        u64::MAX
    }

    fn at_stop(&mut self, _steps: u64, _cpu: &Cpu) {}

    #[inline]
    fn before_region(&mut self, ctx: &mut Ctx) {
        self.budget = ctx.budget;
        open_log(&mut self.log, ctx);
    }

    /// Each logged block continues at the next logged block, the last one at the pc
    /// the region returned. Only the last can have been cut short, by a slow exit
    /// (a refused memory access) inside it; the budget says by how much, since the
    /// region gave back exactly the steps that did not retire.
    #[inline]
    fn after_region(&mut self, ctx: &Ctx, pc: u64) {
        close_log(&mut self.log, ctx);
        let retired = self.budget - ctx.budget;
        let logged: u64 = self.log.iter().map(|&word| lower::profile_entry(word).1).sum();
        let mut unretired = logged - retired;
        let mut blocks = self.log.iter().map(|&word| lower::profile_entry(word)).peekable();
        while let Some((start, len)) = blocks.next() {
            let (steps, next) = match blocks.peek() {
                Some(&(next, _)) => (len, next),
                None => (len - std::mem::take(&mut unretired), pc),
            };
            if steps > 0 {
                (self.on_retire)(start, steps, next);
            }
        }
        self.log.clear();
    }

    fn step(
        &mut self,
        cpu: &mut Cpu,
        inst: &Inst,
        mem: &mut GuestMemory,
        io: &mut Io<'_>,
    ) -> Result<SyscallOutcome, Kind> {
        let pc = cpu.pc;
        let outcome = step(cpu, inst, &mut LiveBus { mem, io })?;
        (self.on_retire)(pc, 1, cpu.pc);
        Ok(outcome)
    }
}
