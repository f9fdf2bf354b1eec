//! Emitting the Cranelift IR of one region (see the parent module for the design).
//!
//! The IR follows the interpreter's `step` operation by operation; where Cranelift's
//! instruction would trap and RISC-V's does not (division by zero, `MIN / -1`), the
//! divisor is replaced by 1 and the RISC-V result selected afterwards, so the
//! generated code never branches on these corner cases.

use super::{ctx, perm, Block, Layout, Variant};
use crate::inst::{Inst, Op};
use crate::program::Program;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    AbiParam, AliasRegionData, Function, InstBuilder, JumpTableData, MemFlagsData, Signature, TrapCode, UserFuncName,
    Value,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};

/// Number of permission table entries for the 32-bit address space; the table the
/// runtime passes has one more (zero) entry, which every out-of-range page index is
/// clamped to.
const PAGES: i64 = 1 << (32 - perm::PAGE_SHIFT);

/// Most runs of accessible pages a group's check tests one after the other (see
/// [`Emitter::check_runs`]); with more, it reads the permission table instead.
const MAX_RUN_TESTS: usize = 3;

/// Lowers region `index` of `layout` to a Cranelift function named `u0:index`.
pub fn lower_region(
    program: &Program,
    layout: &Layout,
    index: usize,
    variant: Variant,
    config: TargetFrontendConfig,
    fctx: &mut FunctionBuilderContext,
) -> Function {
    let region = &layout.regions[index];
    let mut sig = Signature::new(config.default_call_conv);
    sig.params.push(AbiParam::new(I64));
    sig.params.push(AbiParam::new(I32));
    sig.returns.push(AbiParam::new(I64));
    let mut func = Function::with_name_signature(UserFuncName::user(0, index as u32), sig);

    // Registers the region reads or writes are loaded at entry; exits store those it
    // may have written (see [`dirty_at_entry`]). Register fields of formats without
    // that operand are 0 (x0).
    let mut used = [false; 32];
    for block in &region.blocks {
        let mut pc = block.start;
        for _ in 0..block.len {
            let inst = inst_at(program, pc);
            used[inst.rs1 as usize] = true;
            used[inst.rs2 as usize] = true;
            used[inst.rd as usize] = true;
            pc += u64::from(inst.len);
        }
    }

    let mut b = FunctionBuilder::new(&mut func, fctx);
    let entry = b.create_block();
    let blocks: Vec<_> = region.blocks.iter().map(|_| b.create_block()).collect();
    let bad_entry = b.create_block();

    let mut regs = [None; 32];
    for (r, var) in regs.iter_mut().enumerate().skip(1) {
        if used[r] {
            *var = Some(b.declare_var(I64));
        }
    }
    let budget = b.declare_var(I64);
    let log_ptr = (variant != Variant::Plain).then(|| b.declare_var(I64));

    // Entry: context pointers, registers, budget; then the jump to the entry block.
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (ctx_ptr, entry_index) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    // Three alias regions that never overlap: the context, the permission table and
    // guest memory, so Cranelift may keep context values in registers across guest
    // stores.
    let mut region_flags = |user_id: u32, description: &'static str, flags: MemFlagsData| {
        let region = b.func.dfg.alias_regions.insert(AliasRegionData { user_id, description: description.into() });
        flags.with_alias_region(Some(region))
    };
    let ctx_flags = region_flags(0, "context", MemFlagsData::trusted());
    let flags = MemoryFlags {
        ctx: ctx_flags,
        table: region_flags(1, "permission table", MemFlagsData::trusted().with_readonly()),
        guest: region_flags(2, "guest memory", MemFlagsData::new().with_notrap()),
        log: region_flags(3, "trace log", MemFlagsData::trusted()),
    };
    // The host address of guest memory lives in the pinned register for the whole
    // region (see `codegen_flags`); the caller's value of that register is saved
    // here and put back by every exit.
    let caller_pinned = b.ins().get_pinned_reg(I64);
    let base = b.ins().load(I64, ctx_flags.with_readonly(), ctx_ptr, ctx::MEM_BASE);
    b.ins().set_pinned_reg(base);
    let perms = b.ins().load(I64, ctx_flags.with_readonly(), ctx_ptr, ctx::PERMS);
    for (r, var) in regs.iter().enumerate() {
        if let Some(var) = *var {
            let v = b.ins().load(I64, ctx_flags, ctx_ptr, ctx::REGS + 8 * r as i32);
            b.def_var(var, v);
        }
    }
    let v = b.ins().load(I64, ctx_flags, ctx_ptr, ctx::BUDGET);
    b.def_var(budget, v);
    let log_end = log_ptr.map(|var| {
        let v = b.ins().load(I64, ctx_flags, ctx_ptr, ctx::LOG_PTR);
        b.def_var(var, v);
        b.ins().load(I64, ctx_flags.with_readonly(), ctx_ptr, ctx::LOG_END)
    });
    let calls: Vec<_> = region.entries.iter().map(|&i| b.func.dfg.block_call(blocks[i], &[])).collect();
    let default = b.func.dfg.block_call(bad_entry, &[]);
    let table = b.create_jump_table(JumpTableData::new(default, &calls));
    b.ins().br_table(entry_index, table);

    // The runtime only passes indices from the layout's table: anything else is a bug.
    b.switch_to_block(bad_entry);
    b.seal_block(bad_entry);
    b.ins().trap(TrapCode::unwrap_user(1));

    let mut e = Emitter {
        b,
        program,
        layout,
        region: index,
        variant,
        regs,
        blocks: blocks.clone(),
        budget,
        log_ptr,
        log_end,
        flags,
        ctx_ptr,
        caller_pinned,
        perms,
        dirty: 0,
        exits: Vec::new(),
    };
    let (successors, writes) = flow(program, layout, index);
    let dirty_in = dirty_at_entry(&successors, &writes);
    let checks = step_checks(program, layout, index, variant, &successors);
    for (i, block) in region.blocks.iter().enumerate() {
        e.dirty = dirty_in[i];
        e.block(e.blocks[i], block, checks[i]);
    }

    let mut b = e.b;
    b.seal_all_blocks();
    b.finalize(config);
    func
}

/// The in-region static successors of each block of region `index`, and the guest
/// registers each block writes (bit `r` for `x{r}`).
fn flow(program: &Program, layout: &Layout, index: usize) -> (Vec<Vec<usize>>, Vec<u32>) {
    let region = &layout.regions[index];
    let in_region = |pc: u64| layout.block_of(pc).filter(|&(r, _)| r == index).map(|(_, b)| b);
    let mut writes = Vec::with_capacity(region.blocks.len());
    let mut successors = Vec::with_capacity(region.blocks.len());
    for block in &region.blocks {
        let (mut pc, mut written, mut next) = (block.start, 0u32, Vec::new());
        for k in 0..block.len {
            let inst = inst_at(program, pc);
            written |= 1 << inst.rd;
            let after = pc + u64::from(inst.len);
            if k + 1 == block.len {
                if let Some(t) = super::static_target(pc, inst) {
                    next.extend(in_region(t));
                }
                if matches!(inst.op, Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu) {
                    next.extend(in_region(after));
                }
            }
            pc = after;
        }
        next.extend(block.fallthrough.and_then(in_region));
        writes.push(written & !1);
        successors.push(next);
    }
    (successors, writes)
}

/// The guest registers each block may find *dirty* when it is entered (bit `r` for
/// `x{r}`): written by the region since it was entered, so that their value in the
/// context is stale. The runtime enters a region with every register clean, so a
/// block's set is the union of what its in-region predecessors leave dirty (a forward
/// data-flow fixpoint over the static control flow). Exits store only the dirty
/// registers.
fn dirty_at_entry(successors: &[Vec<usize>], writes: &[u32]) -> Vec<u32> {
    let mut dirty = vec![0u32; successors.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for (b, next) in successors.iter().enumerate() {
            let out = dirty[b] | writes[b];
            for &s in next {
                if dirty[s] | out != dirty[s] {
                    dirty[s] |= out;
                    changed = true;
                }
            }
        }
    }
    dirty
}

/// Longest stretch of guest steps one block's step check may cover (see
/// [`step_checks`]): bounds how early a run near its step limit or segment boundary
/// leaves compiled code.
const MAX_CHECKED_STEPS: u32 = 256;

/// Which blocks check the step budget (and the trace or profile log's room) on entry,
/// and for how much: `Some((steps, log words))`, or `None` for a block covered by its
/// predecessors' checks. A block that is not an entry and whose predecessors all lie
/// before it is reached only through them, so each predecessor can check for its own
/// length plus the longest such covered stretch after it, and the covered block needs
/// no check. A check that asks for more than the block itself needs is exact all the
/// same: when it fails, the region exits at the block's first instruction with
/// nothing retired, and the runtime interprets on from there.
fn step_checks(
    program: &Program,
    layout: &Layout,
    index: usize,
    variant: Variant,
    successors: &[Vec<usize>],
) -> Vec<Option<(u32, u32)>> {
    let region = &layout.regions[index];
    let count = region.blocks.len();
    let own: Vec<(u32, u32)> = region
        .blocks
        .iter()
        .map(|block| {
            let words = match variant {
                Variant::Plain => 0,
                // The worst case: two logged words per memory access.
                Variant::Trace => {
                    let mut pc = block.start;
                    let mut accesses = 0;
                    for _ in 0..block.len {
                        let inst = inst_at(program, pc);
                        accesses += u32::from(inst.op.access_size() != 0);
                        pc += u64::from(inst.len);
                    }
                    2 * accesses
                }
                Variant::Profile => 1,
            };
            (block.len, words)
        })
        .collect();
    let mut covered = vec![true; count];
    for &e in &region.entries {
        covered[e] = false;
    }
    for (b, next) in successors.iter().enumerate() {
        for &s in next {
            if s <= b {
                covered[s] = false;
            }
        }
    }
    // Back to front: a covered block's need is final before its predecessors'.
    let mut need = own.clone();
    for b in (0..count).rev() {
        let after = successors[b].iter().filter(|&&s| covered[s]);
        let (steps, words) = after.fold((0, 0), |(st, w), &s| (st.max(need[s].0), w.max(need[s].1)));
        if own[b].0 + steps <= MAX_CHECKED_STEPS {
            need[b] = (own[b].0 + steps, own[b].1 + words);
        } else {
            for &s in &successors[b] {
                covered[s] = false;
            }
        }
    }
    (0..count).map(|b| (!covered[b]).then_some(need[b])).collect()
}

/// A permission check covering a group of accesses: offsets `[lo, end)` from their
/// common base register must have the permission bits `need`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Check {
    lo: i64,
    end: i64,
    need: u8,
}

/// An open group of [`plan_checks`]: accesses at `root + [lo, end)`, the first of
/// them at instruction `first` through a base register holding `root + base`.
struct Group {
    root: (u8, u32),
    first: usize,
    base: i64,
    lo: i64,
    end: i64,
    need: u8,
}

/// The permission checks of the block of `len` instructions at `start`, one entry per
/// instruction. Accesses in a block whose addresses are one value plus constants form
/// a group whose offsets span at most one page, so the range touches at most two pages
/// and one check covers them all; the group's first access carries that check (its
/// offsets relative to that access's base register) and the others none. Values are
/// followed through `addi` (and `mv`), so an `sp` adjusted by a prologue or a pointer
/// stepped by a loop body stays the same value plus a known constant.
/// Permissions never change during a run, so checking early is exact for the accesses
/// that succeed; if the check fails, the region exits at the group's first access and
/// the interpreter runs on from there, reaching any fault at its own instruction.
/// Fewer checks mean less hot code and fewer exits for Cranelift to compile.
fn plan_checks(program: &Program, start: u64, len: u32) -> Vec<Option<Check>> {
    let page = 1i64 << perm::PAGE_SHIFT;
    let mut checks: Vec<Option<Check>> = vec![None; len as usize];
    // Each register as `root + offset`, a root being a register's value after its
    // `n`-th write in the block, `(register, n)`.
    let mut version = [0u32; 32];
    let mut value: [((u8, u32), i64); 32] = std::array::from_fn(|r| ((r as u8, 0), 0));
    let mut groups: Vec<Group> = Vec::new();
    let mut pc = start;
    for k in 0..len as usize {
        let inst = inst_at(program, pc);
        let size = i64::from(inst.op.access_size());
        if size > 0 {
            let need = if inst.op.is_store() { perm::W } else { perm::R };
            let (root, offset) = value[inst.rs1 as usize];
            let (lo, end) = (offset + inst.imm, offset + inst.imm + size);
            match groups.iter_mut().rev().find(|g| g.root == root) {
                Some(g) if g.end.max(end) - g.lo.min(lo) <= page => {
                    (g.lo, g.end, g.need) = (g.lo.min(lo), g.end.max(end), g.need | need);
                }
                _ => groups.push(Group { root, first: k, base: offset, lo, end, need }),
            }
        }
        if inst.rd != 0 {
            let rd = inst.rd as usize;
            version[rd] += 1;
            value[rd] = match inst.op {
                Op::Addi => (value[inst.rs1 as usize].0, value[inst.rs1 as usize].1 + inst.imm),
                _ => ((inst.rd, version[rd]), 0),
            };
        }
        pc += u64::from(inst.len);
    }
    for g in groups {
        checks[g.first] = Some(Check { lo: g.lo - g.base, end: g.end - g.base, need: g.need });
    }
    checks
}

fn inst_at(program: &Program, pc: u64) -> &Inst {
    &program.code[((pc - program.code_base) >> 1) as usize]
}

/// Memory flags (with their alias regions) of the accesses inside blocks.
struct MemoryFlags {
    ctx: MemFlagsData,
    table: MemFlagsData,
    guest: MemFlagsData,
    log: MemFlagsData,
}

/// State while emitting the blocks of one region.
struct Emitter<'a, 'f> {
    b: FunctionBuilder<'f>,
    program: &'a Program,
    layout: &'a Layout,
    region: usize,
    variant: Variant,
    regs: [Option<Variable>; 32],
    /// The Cranelift block of each of the region's basic blocks.
    blocks: Vec<cranelift_codegen::ir::Block>,
    budget: Variable,
    /// The trace and profile variants' log write pointer, and the end of the log's room.
    log_ptr: Option<Variable>,
    log_end: Option<Value>,
    flags: MemoryFlags,
    ctx_ptr: Value,
    /// The caller's value of the pinned register, restored by every exit.
    caller_pinned: Value,
    perms: Value,
    /// The registers that may be dirty at the current point (see [`dirty_at_entry`]).
    dirty: u32,
    /// Exit blocks branched to from the current block, filled in once it is terminated.
    exits: Vec<Exit>,
}

/// A pending exit from the region: a block of its own that stores the registers dirty
/// at the branch to it and returns `pc`.
struct Exit {
    block: cranelift_codegen::ir::Block,
    pc: ExitPc,
    dirty: u32,
    /// `Some(unretired)` for a slow exit: give back that many steps of the block and
    /// ask the runtime to interpret the instruction at `pc`.
    slow: Option<u32>,
}

/// The next guest pc an exit returns.
#[derive(Clone, Copy)]
enum ExitPc {
    Static(u64),
    Dynamic(Value),
}

impl Emitter<'_, '_> {
    fn reg(&mut self, r: u8) -> Value {
        match self.regs[r as usize] {
            Some(var) => self.b.use_var(var),
            None => self.b.ins().iconst(I64, 0),
        }
    }

    fn set(&mut self, r: u8, v: Value) {
        if let Some(var) = self.regs[r as usize].filter(|_| r != 0) {
            self.b.def_var(var, v);
            self.dirty |= 1 << r;
        }
    }

    /// The branch destination for guest `pc`: its block if it starts one in this
    /// region, else a new exit block returning `pc`.
    fn dest(&mut self, pc: u64) -> cranelift_codegen::ir::Block {
        match self.layout.block_of(pc) {
            Some((region, index)) if region == self.region => self.blocks[index],
            _ => self.exit(ExitPc::Static(pc), None),
        }
    }

    fn jump_to(&mut self, pc: u64) {
        let block = self.dest(pc);
        self.b.ins().jump(block, &[]);
        self.fill_exits();
    }

    /// A new exit block for the current point; the caller branches to it and then
    /// calls [`Emitter::fill_exits`]. Slow exits are cold: they are laid out after
    /// the hot code.
    fn exit(&mut self, pc: ExitPc, slow: Option<u32>) -> cranelift_codegen::ir::Block {
        let block = self.b.create_block();
        if slow.is_some() {
            self.b.set_cold_block(block);
        }
        self.exits.push(Exit { block, pc, dirty: self.dirty, slow });
        block
    }

    /// Emits the pending exit blocks, now that the block branching to them is
    /// terminated: each stores the registers dirty at its branch, the step budget
    /// (with a slow exit's unretired steps given back) and the log pointer, sets the
    /// context's `exit` flag for a slow exit, and returns the next pc. Each exit
    /// stores its own registers, rather than all exits merging into one block, so the
    /// register allocator never has to bring every guest register into one set of
    /// locations on the many edges to it.
    fn fill_exits(&mut self) {
        let ctx_flags = self.flags.ctx;
        for exit in std::mem::take(&mut self.exits) {
            self.b.switch_to_block(exit.block);
            self.b.seal_block(exit.block);
            for r in 1..32 {
                if let Some(var) = self.regs[r].filter(|_| exit.dirty & 1 << r != 0) {
                    let v = self.b.use_var(var);
                    self.b.ins().store(ctx_flags, v, self.ctx_ptr, ctx::REGS + 8 * r as i32);
                }
            }
            let mut left = self.b.use_var(self.budget);
            if let Some(unretired) = exit.slow {
                if unretired > 0 {
                    left = self.b.ins().iadd_imm_s(left, i64::from(unretired));
                }
                let flag = self.b.ins().iconst(I64, ctx::EXIT_INTERPRET as i64);
                self.b.ins().store(ctx_flags, flag, self.ctx_ptr, ctx::EXIT);
            }
            self.b.ins().store(ctx_flags, left, self.ctx_ptr, ctx::BUDGET);
            if let Some(var) = self.log_ptr {
                let v = self.b.use_var(var);
                self.b.ins().store(ctx_flags, v, self.ctx_ptr, ctx::LOG_PTR);
            }
            self.b.ins().set_pinned_reg(self.caller_pinned);
            let pc = match exit.pc {
                ExitPc::Static(pc) => self.b.ins().iconst(I64, pc as i64),
                ExitPc::Dynamic(v) => v,
            };
            self.b.ins().return_(&[pc]);
        }
    }

    /// Branches to `ok` if `cond` is true, else leaves through a slow exit at `pc`
    /// that gives back `unretired` steps; continues in `ok`.
    fn check(&mut self, cond: Value, pc: u64, unretired: u32) {
        let ok = self.b.create_block();
        let slow = self.exit(ExitPc::Static(pc), Some(unretired));
        self.b.ins().brif(cond, ok, &[], slow, &[]);
        self.fill_exits();
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
    }

    /// One basic block: the step check (if it has one, see [`step_checks`]) and
    /// count, then its instructions.
    fn block(&mut self, clif: cranelift_codegen::ir::Block, block: &Block, check: Option<(u32, u32)>) {
        let (start, len) = (block.start, block.len);
        self.b.switch_to_block(clif);
        let left = self.b.use_var(self.budget);
        if let Some((steps, log_words)) = check {
            let mut fits = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, left, i64::from(steps));
            if let (Some(var), Some(end), true) = (self.log_ptr, self.log_end, log_words > 0) {
                let ptr = self.b.use_var(var);
                let room = self.b.ins().isub(end, ptr);
                let enough = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, room, 8 * i64::from(log_words));
                fits = self.b.ins().band(fits, enough);
            }
            self.check(fits, start, 0);
        }
        let left = self.b.ins().iadd_imm_s(left, -i64::from(len));
        self.b.def_var(self.budget, left);
        if let (Some(var), Variant::Profile) = (self.log_ptr, self.variant) {
            let ptr = self.b.use_var(var);
            let entry = self.b.ins().iconst(I64, super::profile_word(start, len) as i64);
            self.b.ins().store(self.flags.log, entry, ptr, 0);
            let next = self.b.ins().iadd_imm_s(ptr, 8);
            self.b.def_var(var, next);
        }
        let checks = plan_checks(self.program, start, len);
        let mut pc = start;
        for (k, check) in (0..len).zip(checks) {
            let inst = *inst_at(self.program, pc);
            self.inst(pc, &inst, len - k, check);
            pc += u64::from(inst.len);
        }
        if let Some(next) = block.fallthrough {
            self.jump_to(next);
        }
    }

    /// Sign-extends the low 32 bits.
    fn sext32(&mut self, v: Value) -> Value {
        let low = self.b.ins().ireduce(I32, v);
        self.b.ins().sextend(I64, low)
    }

    /// The host address of a guest access of `size` bytes at `rs1 + imm`. If the
    /// access opens a group (`check`, see [`plan_checks`]), the whole group's range is
    /// checked inline first; a refused range leaves through a slow exit with
    /// `unretired` steps given back, and the interpreter then runs from this access on
    /// and reports the exact fault, if any.
    fn address(&mut self, pc: u64, inst: &Inst, check: Option<Check>, unretired: u32) -> Value {
        let size = i64::from(inst.op.access_size());
        let a = self.reg(inst.rs1);
        let runs = check.map_or(0, |c| self.layout.runs[c.need as usize].len());
        if let (Some(check), 1..=MAX_RUN_TESTS) = (check, runs) {
            self.check_runs(a, inst.rs1, check, pc, unretired);
        } else if let Some(check) = check {
            let limit = self.b.ins().iconst(I64, PAGES);
            let table_flags = self.flags.table;
            let page_bits = |b: &mut FunctionBuilder<'_>, offset: i64| {
                let at = b.ins().iadd_imm_s(a, offset);
                let page = b.ins().ushr_imm_s(at, i64::from(perm::PAGE_SHIFT));
                let page = b.ins().umin(page, limit);
                let p = b.ins().iadd(self.perms, page);
                b.ins().uload8(I32, table_flags, p, 0)
            };
            let mut bits = page_bits(&mut self.b, check.lo);
            if check.end - check.lo > 1 {
                let last = page_bits(&mut self.b, check.end - 1);
                bits = self.b.ins().band(bits, last);
            }
            let need = i64::from(check.need);
            let allowed = if check.need.count_ones() == 1 {
                self.b.ins().band_imm_s(bits, need)
            } else {
                let granted = self.b.ins().band_imm_s(bits, need);
                self.b.ins().icmp_imm_s(IntCC::Equal, granted, need)
            };
            self.check(allowed, pc, unretired);
        }
        let addr = self.b.ins().iadd_imm_s(a, inst.imm);
        if let (Some(var), Variant::Trace) = (self.log_ptr, self.variant) {
            self.log_words(var, addr, size, inst.op.is_store());
        }
        let base = self.b.ins().get_pinned_reg(I64);
        self.b.ins().iadd(base, addr)
    }

    /// The inline check of a group when the accessible memory is a few runs of pages
    /// ([`super::Layout::runs`], typically the program's segments and the stack): the
    /// range `[base + lo, base + end)` is accepted when it lies inside one run, which
    /// is one subtraction and one unsigned comparison per run, with no table load.
    /// An `sp`-based group tests the stack's run first, others test it last.
    fn check_runs(&mut self, base: Value, base_reg: u8, check: Check, pc: u64, unretired: u32) {
        let span = (check.end - check.lo) as u64;
        let stack_top = crate::STACK_TOP;
        // Runs are whole pages and a group spans at most one, so `e - s - span` ≥ 0.
        let mut runs = self.layout.runs[check.need as usize].clone();
        // Stable sort: the stack's run (the one ending at its top) first for `sp`.
        runs.sort_by_key(|&(s, e)| (s < stack_top && stack_top <= e) != (base_reg == 2));
        let start = self.b.ins().iadd_imm_s(base, check.lo);
        let ok = self.b.create_block();
        let slow = self.exit(ExitPc::Static(pc), Some(unretired));
        for (i, &(s, e)) in runs.iter().enumerate() {
            let offset = self.b.ins().iadd_imm_s(start, (s as i64).wrapping_neg());
            let inside = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, offset, (e - s - span) as i64);
            if i + 1 == runs.len() {
                self.b.ins().brif(inside, ok, &[], slow, &[]);
            } else {
                let next = self.b.create_block();
                self.b.ins().brif(inside, ok, &[], next, &[]);
                self.b.switch_to_block(next);
                self.b.seal_block(next);
            }
        }
        self.fill_exits();
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
    }

    /// The trace variant's logging of one checked access at guest address `addr`
    /// (`ziskjit_runtime::trace` defines what is logged): the aligned word holding
    /// the first byte, and the next one if the access spans into it; for a store,
    /// nothing when it is a full aligned doubleword. Both candidate words are written
    /// unconditionally (the block reserved room for two) and the pointer advances by
    /// the number that count, so there is no branch. Reading the second word is safe
    /// even when it is not part of the access: the host window is mapped everywhere
    /// (with slack past 2^32), and its value is then simply not kept.
    fn log_words(&mut self, var: Variable, addr: Value, size: i64, is_store: bool) {
        let (guest, log) = (self.flags.guest, self.flags.log);
        let aligned = self.b.ins().band_imm_s(addr, !7);
        let base = self.b.ins().get_pinned_reg(I64);
        let host = self.b.ins().iadd(base, aligned);
        let ptr = self.b.use_var(var);
        let first = self.b.ins().load(I64, guest, host, 0);
        self.b.ins().store(log, first, ptr, 0);
        let offset = self.b.ins().band_imm_s(addr, 7);
        let words = if size == 1 {
            self.b.ins().iconst(I64, 1)
        } else {
            let second = self.b.ins().load(I64, guest, host, 8);
            self.b.ins().store(log, second, ptr, 8);
            // The access spans two words iff offset + size > 8.
            let spans = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, offset, 8 - size);
            let spans = self.b.ins().uextend(I64, spans);
            if is_store && size == 8 {
                // A doubleword store logs nothing when aligned, else both words.
                self.b.ins().ishl_imm_s(spans, 1)
            } else {
                self.b.ins().iadd_imm_s(spans, 1)
            }
        };
        let bytes = self.b.ins().ishl_imm_s(words, 3);
        let next = self.b.ins().iadd(ptr, bytes);
        self.b.def_var(var, next);
    }

    /// Emits one instruction; `unretired` counts it and the rest of its block, `check`
    /// is the permission check it carries (see [`plan_checks`]).
    fn inst(&mut self, pc: u64, inst: &Inst, unretired: u32, check: Option<Check>) {
        use Op::*;
        let next = pc + u64::from(inst.len);
        let imm = inst.imm;
        let flags = self.flags.guest;
        let value = match inst.op {
            Lui => self.b.ins().iconst(I64, imm),
            Auipc => self.b.ins().iconst(I64, pc.wrapping_add(imm as u64) as i64),
            Jal => {
                let link = self.b.ins().iconst(I64, next as i64);
                self.set(inst.rd, link);
                self.jump_to(pc.wrapping_add(imm as u64));
                return;
            }
            Jalr => {
                let a = self.reg(inst.rs1);
                let target = self.b.ins().iadd_imm_s(a, imm);
                let target = self.b.ins().band_imm_s(target, !1);
                let link = self.b.ins().iconst(I64, next as i64);
                self.set(inst.rd, link);
                let exit = self.exit(ExitPc::Dynamic(target), None);
                self.b.ins().jump(exit, &[]);
                self.fill_exits();
                return;
            }
            Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                let cc = match inst.op {
                    Beq => IntCC::Equal,
                    Bne => IntCC::NotEqual,
                    Blt => IntCC::SignedLessThan,
                    Bge => IntCC::SignedGreaterThanOrEqual,
                    Bltu => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                let (a, c) = (self.reg(inst.rs1), self.reg(inst.rs2));
                let taken = self.b.ins().icmp(cc, a, c);
                let tb = self.dest(pc.wrapping_add(imm as u64));
                let fb = self.dest(next);
                self.b.ins().brif(taken, tb, &[], fb, &[]);
                self.fill_exits();
                return;
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {
                let host = self.address(pc, inst, check, unretired);
                let ins = self.b.ins();
                match inst.op {
                    Lb => ins.sload8(I64, flags, host, 0),
                    Lh => ins.sload16(I64, flags, host, 0),
                    Lw => ins.sload32(flags, host, 0),
                    Lbu => ins.uload8(I64, flags, host, 0),
                    Lhu => ins.uload16(I64, flags, host, 0),
                    Lwu => ins.uload32(flags, host, 0),
                    _ => ins.load(I64, flags, host, 0),
                }
            }
            Sb | Sh | Sw | Sd => {
                let host = self.address(pc, inst, check, unretired);
                let v = self.reg(inst.rs2);
                let ins = self.b.ins();
                match inst.op {
                    Sb => ins.istore8(flags, v, host, 0),
                    Sh => ins.istore16(flags, v, host, 0),
                    Sw => ins.istore32(flags, v, host, 0),
                    _ => ins.store(flags, v, host, 0),
                };
                return;
            }
            Fence | FenceI => return,
            _ => self.alu(inst),
        };
        self.set(inst.rd, value);
    }

    /// Register and immediate arithmetic (RV64I and M).
    fn alu(&mut self, inst: &Inst) -> Value {
        use Op::*;
        let imm = inst.imm;
        let a = self.reg(inst.rs1);
        let c = self.reg(inst.rs2);
        let ins = self.b.ins();
        match inst.op {
            Addi => ins.iadd_imm_s(a, imm),
            Slti => {
                let t = ins.icmp_imm_s(IntCC::SignedLessThan, a, imm);
                self.b.ins().uextend(I64, t)
            }
            Sltiu => {
                let t = ins.icmp_imm_s(IntCC::UnsignedLessThan, a, imm);
                self.b.ins().uextend(I64, t)
            }
            Xori => ins.bxor_imm_s(a, imm),
            Ori => ins.bor_imm_s(a, imm),
            Andi => ins.band_imm_s(a, imm),
            Slli => ins.ishl_imm_s(a, imm & 63),
            Srli => ins.ushr_imm_s(a, imm & 63),
            Srai => ins.sshr_imm_s(a, imm & 63),
            Addiw => {
                let t = ins.iadd_imm_s(a, imm);
                self.sext32(t)
            }
            Slliw => {
                let t = ins.ishl_imm_s(a, imm & 31);
                self.sext32(t)
            }
            Srliw | Sraiw => {
                let low = ins.ireduce(I32, a);
                let t = if inst.op == Srliw {
                    self.b.ins().ushr_imm_s(low, imm & 31)
                } else {
                    self.b.ins().sshr_imm_s(low, imm & 31)
                };
                self.b.ins().sextend(I64, t)
            }
            Add => ins.iadd(a, c),
            Sub => ins.isub(a, c),
            // Cranelift masks shift amounts to the operand width, as RISC-V does.
            Sll => ins.ishl(a, c),
            Srl => ins.ushr(a, c),
            Sra => ins.sshr(a, c),
            Slt | Sltu => {
                let cc = if inst.op == Slt { IntCC::SignedLessThan } else { IntCC::UnsignedLessThan };
                let t = ins.icmp(cc, a, c);
                self.b.ins().uextend(I64, t)
            }
            Xor => ins.bxor(a, c),
            Or => ins.bor(a, c),
            And => ins.band(a, c),
            Addw | Subw | Mulw => {
                let t = match inst.op {
                    Addw => ins.iadd(a, c),
                    Subw => ins.isub(a, c),
                    _ => ins.imul(a, c),
                };
                self.sext32(t)
            }
            Sllw | Srlw | Sraw => {
                let low = ins.ireduce(I32, a);
                let ins = self.b.ins();
                let t = match inst.op {
                    Sllw => ins.ishl(low, c),
                    Srlw => ins.ushr(low, c),
                    _ => ins.sshr(low, c),
                };
                self.b.ins().sextend(I64, t)
            }
            Mul => ins.imul(a, c),
            Mulh => ins.smulhi(a, c),
            Mulhu => ins.umulhi(a, c),
            Mulhsu => {
                // high(signed a × unsigned c) = high(unsigned) − (a < 0 ? c : 0).
                let hi = ins.umulhi(a, c);
                let sign = self.b.ins().sshr_imm_s(a, 63);
                let adjust = self.b.ins().band(sign, c);
                self.b.ins().isub(hi, adjust)
            }
            Div | Rem | Divu | Remu => self.divide(inst.op, a, c),
            Divw | Remw | Divuw | Remuw => {
                let a32 = ins.ireduce(I32, a);
                let c32 = self.b.ins().ireduce(I32, c);
                let t = self.divide(inst.op, a32, c32);
                self.b.ins().sextend(I64, t)
            }
            op => unreachable!("`{}` is not an ALU operation; the layout never compiles it here", op.mnemonic()),
        }
    }

    /// RISC-V division and remainder on values of type I64 or I32 (the type of `a`):
    /// `x / 0 = -1` (all ones unsigned), `x % 0 = x`, `MIN / -1 = MIN`, `MIN % -1 = 0`.
    fn divide(&mut self, op: Op, a: Value, c: Value) -> Value {
        use Op::*;
        let ty = self.b.func.dfg.value_type(a);
        let signed = matches!(op, Div | Rem | Divw | Remw);
        let ins = self.b.ins();
        let zero = ins.icmp_imm_s(IntCC::Equal, c, 0);
        let one = self.b.ins().iconst(ty, 1);
        let trapping = if signed {
            let min = if ty == I32 { i64::from(i32::MIN) } else { i64::MIN };
            let a_min = self.b.ins().icmp_imm_s(IntCC::Equal, a, min);
            let c_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, c, -1);
            let overflow = self.b.ins().band(a_min, c_neg1);
            self.b.ins().bor(zero, overflow)
        } else {
            zero
        };
        let divisor = self.b.ins().select(trapping, one, c);
        let ins = self.b.ins();
        match op {
            Div | Divw | Divu | Divuw => {
                let q = if signed { ins.sdiv(a, divisor) } else { ins.udiv(a, divisor) };
                let all_ones = self.b.ins().iconst(ty, -1);
                self.b.ins().select(zero, all_ones, q)
            }
            _ => {
                let r = if signed { ins.srem(a, divisor) } else { ins.urem(a, divisor) };
                self.b.ins().select(zero, a, r)
            }
        }
    }
}
