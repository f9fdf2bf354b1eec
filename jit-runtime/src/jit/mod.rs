//! The ahead-of-time engine: compiling a whole [`Program`] with Cranelift before the
//! first step, and running the compiled code over the same [`GuestMemory`] as the
//! interpreter.
//!
//! The transpiler lowers every region of the program to a Cranelift function
//! (`ziskjit_transpiler::lower`); here they are compiled with `cranelift-jit` into
//! executable memory ([`Compiled`]), and [`Jit::run`] drives them. The driver is a small
//! dispatch loop: it looks the guest pc up in the layout's dense pc → (region, block)
//! table and calls that region with the block's entry index; the region runs — chaining
//! its blocks directly, guest registers in host registers — until control leaves it,
//! and returns the next pc with the registers written back to a [`Ctx`].
//!
//! Everything else goes through one exit path: when there is no compiled block at the
//! pc (an `ecall`, an atomic, an illegal encoding, a `jalr` into the middle of a block)
//! or the region asked for it (a memory access its inline check refused, a block that
//! would cross the step limit), the driver executes exactly one instruction with the
//! interpreter's [`step`] on the same registers and memory. Syscalls, faults, the LR/SC
//! reservation and the step limit are therefore decided by the interpreter's code
//! alone, and the JIT reports the same [`Fault`] values with the same pc.

use crate::fault::{Fault, FaultKind as Kind};
use crate::interp::{fetch, step, Cpu, LiveBus, RunResult};
use crate::memory::{GuestMemory, MemoryError};
use crate::syscall::{Io, SyscallOutcome};
use crate::trace::{SegmentCutter, SegmentTrace, TraceSummary, TracingBus, LOG_CHUNK_WORDS};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::AbiParam;
use cranelift_codegen::{settings, Context};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
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

/// Alignment of each region's code (a cache line).
const CODE_ALIGNMENT: u64 = 64;

/// A compiled region: `(context, entry index) -> next guest pc`.
type RegionFn = unsafe extern "C" fn(*mut Ctx, u32) -> u64;

/// Why a program could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("the host CPU is not supported by Cranelift: {0}")]
    UnsupportedHost(String),
    #[error("compiling the code region [0x{start:x}, 0x{end:x}): {message}")]
    Region { start: u64, end: u64, message: String },
    #[error("linking the compiled code: {0}")]
    Link(String),
}

/// A program compiled to host code.
pub struct Compiled {
    module: Option<JITModule>,
    /// The variant the code was lowered as.
    pub variant: Variant,
    layout: Layout,
    regions: Vec<RegionFn>,
    /// Wall time spent lowering and compiling.
    pub compile_seconds: f64,
}

impl Compiled {
    /// Lowers and compiles every region of `program`, on all host cores.
    pub fn new(program: &Program, variant: Variant) -> Result<Compiled, JitError> {
        let started = Instant::now();
        let isa = |large: bool| {
            cranelift_native::builder()
                .map_err(|e| JitError::UnsupportedHost(e.to_string()))?
                .finish(settings::Flags::new(lower::codegen_flags(large)))
                .map_err(|e| JitError::UnsupportedHost(e.to_string()))
        };
        let (small_isa, large_isa) = (isa(false)?, isa(true)?);
        let layout = lower::layout(program);
        let config = small_isa.frontend_config();

        // Lower and compile regions in parallel (each thread takes the next region),
        // then place the machine code in executable memory. The code of a region refers
        // to nothing outside itself (no calls, no data), so it needs no relocations.
        let count = layout.regions.len();
        let next = AtomicUsize::new(0);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, count.max(1));
        let compile_some = || {
            let mut context = Context::new();
            let mut builder_context = FunctionBuilderContext::new();
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(region) = layout.regions.get(index) else { break done };
                let error = |message: String| JitError::Region { start: region.start, end: region.end, message };
                context.clear();
                context.func = lower::lower_region(program, &layout, index, variant, config, &mut builder_context);
                let isa =
                    if region.instructions() > lower::LARGE_REGION_INSTRUCTIONS { &large_isa } else { &small_isa };
                let code = match context.compile(isa.as_ref(), &mut ControlPlane::default()) {
                    Ok(code) if code.buffer.relocs().is_empty() => Ok(code.code_buffer().to_vec()),
                    Ok(_) => Err(error("the compiled code needs relocations".to_string())),
                    Err(e) => Err(error(format!("{:?}", e.inner))),
                };
                done.push((index, code));
            }
        };
        let mut code: Vec<Option<Vec<u8>>> = vec![None; count];
        let batches = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(compile_some)).collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect::<Vec<_>>()
        });
        for (index, bytes) in batches.into_iter().flatten() {
            code[index] = Some(bytes?);
        }

        let mut module = JITModule::new(JITBuilder::with_isa(small_isa, default_libcall_names()));
        let mut ids = Vec::with_capacity(count);
        for (index, (region, bytes)) in layout.regions.iter().zip(code).enumerate() {
            let error = |e: cranelift_module::ModuleError| JitError::Region {
                start: region.start,
                end: region.end,
                message: e.to_string(),
            };
            let bytes = bytes.expect("every region index is taken by exactly one worker");
            let mut signature = module.make_signature();
            signature.params.extend([AbiParam::new(I64), AbiParam::new(I32)]);
            signature.returns.push(AbiParam::new(I64));
            let id = module
                .declare_function(&format!("region_{index}_{:x}", region.start), Linkage::Local, &signature)
                .map_err(error)?;
            module.define_function_bytes(id, CODE_ALIGNMENT, &bytes, &[]).map_err(error)?;
            ids.push(id);
        }
        module.finalize_definitions().map_err(|e| JitError::Link(e.to_string()))?;
        let regions = ids
            .into_iter()
            .map(|id| {
                // SAFETY: every region was lowered with exactly this signature
                // (context pointer, entry index) -> i64, in the host's calling convention.
                unsafe { std::mem::transmute::<*const u8, RegionFn>(module.get_finalized_function(id)) }
            })
            .collect();
        Ok(Compiled {
            module: Some(module),
            variant,
            layout,
            regions,
            compile_seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The compiled region and entry index of the block at `pc`, if there is one.
    #[inline]
    fn entry(&self, pc: u64) -> Option<(RegionFn, u32)> {
        self.layout.entry_of(pc).map(|(region, block)| (self.regions[region], block))
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the function pointers die with `self`, and no machine can run
            // them afterwards because `Jit` borrows the `Compiled` it runs.
            unsafe { module.free_memory() };
        }
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
                // (trace variant) a log with the room the code checks for.
                pc = unsafe { region(&mut ctx, entry) };
                hooks.after_region(&ctx);
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
    /// Takes back what compiled code produced.
    fn after_region(&mut self, ctx: &Ctx);
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
    fn after_region(&mut self, _ctx: &Ctx) {}

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
        // Keep a chunk of room so that compiled blocks (which need two words per
        // access) rarely find the log full; if one does, it exits and is interpreted.
        if self.log.capacity() - self.log.len() < LOG_CHUNK_WORDS / 2 {
            self.log.reserve(LOG_CHUNK_WORDS.max(self.log.len()));
        }
        let range = self.log.spare_capacity_mut().as_mut_ptr_range();
        ctx.log_ptr = range.start.cast();
        ctx.log_end = range.end.cast();
    }

    #[inline]
    fn after_region(&mut self, ctx: &Ctx) {
        // SAFETY: compiled code wrote initialised words from the old end of the
        // vector up to `log_ptr`, never past `log_end` (the spare capacity).
        unsafe {
            let written = ctx.log_ptr.offset_from(self.log.as_ptr()) as usize;
            self.log.set_len(written);
        }
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
