//! Compiling a lowered [`Program`] to host machine code, as one relocatable object.
//!
//! Every engine gets its code from here, whether it runs at once (the JIT) or is saved
//! in a precompiled image: the regions of the requested [`Variant`]s are lowered and
//! compiled in parallel, then emitted with `cranelift-object` into one ELF object for
//! the host. So the code an image holds is byte for byte the code the JIT would run,
//! and the runtime has one loader for both (`ziskjit_runtime::jit`).
//!
//! What the object holds, per variant `v`:
//! * one local function per region, `ziskjit_{v}_{index}`, with the signature
//!   `(context, entry index) -> next pc` of [`lower_region`](crate::lower::lower_region);
//! * a read-only table `ziskjit_regions_{v}`: the address of every region function,
//!   in region order (8 bytes each). The runtime dispatches through it, and it is
//!   filled by the object's absolute relocations (`R_X86_64_64`), which the loader
//!   applies once it has placed the code. Region code itself refers to nothing outside
//!   its own function (no calls, no data), so these table entries are the object's
//!   only relocations; a region whose code needs one is refused here.

use crate::lower::{self, Layout, Variant};
use crate::program::Program;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::AbiParam;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{settings, Context};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{default_libcall_names, DataDescription, Linkage, Module, ModuleError};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Alignment of each region's code (a cache line).
const CODE_ALIGNMENT: u64 = 64;

/// Why a program could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("the host CPU is not supported by Cranelift: {0}")]
    UnsupportedHost(String),
    #[error("compiling the code region [0x{start:x}, 0x{end:x}) ({variant} variant): {message}")]
    Region { start: u64, end: u64, variant: &'static str, message: String },
    #[error("emitting the compiled code as an object file: {0}")]
    Object(String),
}

/// The name of the region-address table of `variant` in the object.
pub fn table_symbol(variant: Variant) -> String {
    format!("ziskjit_regions_{}", variant.name())
}

/// The Cranelift target for this host: its CPU's features, and the register allocator
/// for small or large regions (see [`lower::LARGE_REGION_INSTRUCTIONS`]).
pub fn host_isa(large_regions: bool) -> Result<OwnedTargetIsa, CompileError> {
    cranelift_native::builder()
        .map_err(|e| CompileError::UnsupportedHost(e.to_string()))?
        .finish(settings::Flags::new(lower::codegen_flags(large_regions)))
        .map_err(|e| CompileError::UnsupportedHost(e.to_string()))
}

/// What the compiled code depends on in the host: the target triple and the CPU
/// features Cranelift was allowed to use. Code is only run where this is equal.
pub fn host_id() -> Result<String, CompileError> {
    let isa = host_isa(false)?;
    let features: Vec<String> = isa.isa_flags().iter().map(|flag| flag.to_string()).collect();
    Ok(format!("{} [{}]", isa.triple(), features.join(",")))
}

/// Compiles every region of `program` for each of `variants` (on all host cores) and
/// returns the relocatable object (see the module docs for its contents).
pub fn compile_object(program: &Program, variants: &[Variant]) -> Result<Vec<u8>, CompileError> {
    let (small_isa, large_isa) = (host_isa(false)?, host_isa(true)?);
    let layout = lower::layout(program);
    let count = layout.regions.len();
    let tasks: Vec<(Variant, usize)> = variants.iter().flat_map(|&v| (0..count).map(move |i| (v, i))).collect();

    // Lower and compile regions in parallel, each thread taking the next task.
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, tasks.len().max(1));
    let compile_some = || {
        let mut context = Context::new();
        let mut builder_context = FunctionBuilderContext::new();
        let config = small_isa.frontend_config();
        let mut done = Vec::new();
        loop {
            let task = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(variant, index)) = tasks.get(task) else { break done };
            let region = &layout.regions[index];
            let error = |message: String| CompileError::Region {
                start: region.start,
                end: region.end,
                variant: variant.name(),
                message,
            };
            context.clear();
            context.func = lower::lower_region(program, &layout, index, variant, config, &mut builder_context);
            let isa = if region.instructions() > lower::LARGE_REGION_INSTRUCTIONS { &large_isa } else { &small_isa };
            let code = match context.compile(isa.as_ref(), &mut ControlPlane::default()) {
                Ok(code) if code.buffer.relocs().is_empty() => Ok(code.code_buffer().to_vec()),
                Ok(_) => Err(error("the compiled code needs relocations".to_string())),
                Err(e) => Err(error(format!("{:?}", e.inner))),
            };
            done.push((task, code));
        }
    };
    let mut code: Vec<Option<Vec<u8>>> = vec![None; tasks.len()];
    let batches = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(compile_some)).collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect::<Vec<_>>()
    });
    for (task, bytes) in batches.into_iter().flatten() {
        code[task] = Some(bytes?);
    }
    let code: Vec<Vec<u8>> = code.into_iter().map(|c| c.expect("every task is taken by exactly one worker")).collect();
    emit_object(small_isa, &layout, variants, &code)
}

/// Places the compiled regions (`code[v * regions + i]` for `variants[v]`, region
/// `i`) and their address tables in one object file.
fn emit_object(
    isa: OwnedTargetIsa,
    layout: &Layout,
    variants: &[Variant],
    code: &[Vec<u8>],
) -> Result<Vec<u8>, CompileError> {
    let error = |e: ModuleError| CompileError::Object(e.to_string());
    let builder = ObjectBuilder::new(isa, "ziskjit", default_libcall_names()).map_err(error)?;
    let mut module = ObjectModule::new(builder);
    let mut signature = module.make_signature();
    signature.params.extend([AbiParam::new(I64), AbiParam::new(I32)]);
    signature.returns.push(AbiParam::new(I64));
    let count = layout.regions.len();
    for (v, &variant) in variants.iter().enumerate() {
        let mut table = DataDescription::new();
        table.define(vec![0; 8 * count].into_boxed_slice());
        table.set_align(8);
        for index in 0..count {
            let name = format!("ziskjit_{}_{index}", variant.name());
            let id = module.declare_function(&name, Linkage::Local, &signature).map_err(error)?;
            module.define_function_bytes(id, CODE_ALIGNMENT, &code[v * count + index], &[]).map_err(error)?;
            let func = module.declare_func_in_data(id, &mut table);
            table.write_function_addr(8 * index as u32, func);
        }
        let id = module.declare_data(&table_symbol(variant), Linkage::Export, false, false).map_err(error)?;
        module.define_data(id, &table).map_err(error)?;
    }
    module.finish().emit().map_err(|e| CompileError::Object(e.to_string()))
}
