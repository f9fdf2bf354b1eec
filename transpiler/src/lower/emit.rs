//! Emitting the Cranelift IR of one region (see the parent module for the design).
//!
//! The IR follows the interpreter's `step` operation by operation; where Cranelift's
//! instruction would trap and RISC-V's does not (division by zero, `MIN / -1`), the
//! divisor is replaced by 1 and the RISC-V result selected afterwards, so the
//! generated code never branches on these corner cases.

use super::{ctx, perm, Layout, Variant};
use crate::inst::{Inst, Op};
use crate::program::Program;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    AbiParam, AliasRegionData, BlockArg, Function, InstBuilder, JumpTableData, MemFlagsData, Signature, TrapCode,
    UserFuncName, Value,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};

/// Number of permission table entries for the 32-bit address space; the table the
/// runtime passes has one more (zero) entry, which every out-of-range page index is
/// clamped to.
const PAGES: i64 = 1 << (32 - perm::PAGE_SHIFT);

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

    // Registers the region reads or writes are loaded at entry; those it writes are
    // stored at exit. Register fields of formats without that operand are 0 (x0).
    let (mut used, mut written) = ([false; 32], [false; 32]);
    for block in &region.blocks {
        let mut pc = block.start;
        for _ in 0..block.len {
            let inst = inst_at(program, pc);
            used[inst.rs1 as usize] = true;
            used[inst.rs2 as usize] = true;
            used[inst.rd as usize] = true;
            written[inst.rd as usize] = true;
            pc += u64::from(inst.len);
        }
    }

    let mut b = FunctionBuilder::new(&mut func, fctx);
    let entry = b.create_block();
    let blocks: Vec<_> = region.blocks.iter().map(|_| b.create_block()).collect();
    let exit = b.create_block();
    let slow = b.create_block();
    let bad_entry = b.create_block();
    b.append_block_param(exit, I64);
    b.append_block_param(slow, I64);
    b.append_block_param(slow, I64);

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
        table: region_flags(1, "permission table", MemFlagsData::trusted().with_readonly()),
        guest: region_flags(2, "guest memory", MemFlagsData::new().with_notrap()),
        log: region_flags(3, "trace log", MemFlagsData::trusted()),
    };
    let base = b.ins().load(I64, ctx_flags.with_readonly(), ctx_ptr, ctx::MEM_BASE);
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
        base,
        perms,
        exit,
        slow,
    };
    for (i, block) in region.blocks.iter().enumerate() {
        e.block(e.blocks[i], block.start, block.len, block.fallthrough);
    }

    // The slow exit: give back the steps of the block that did not retire, and ask
    // the runtime to interpret the instruction at `pc`.
    let mut b = e.b;
    b.switch_to_block(slow);
    let (pc, fix) = (b.block_params(slow)[0], b.block_params(slow)[1]);
    let left = b.use_var(budget);
    let left = b.ins().iadd(left, fix);
    b.def_var(budget, left);
    let flag = b.ins().iconst(I64, ctx::EXIT_INTERPRET as i64);
    b.ins().store(ctx_flags, flag, ctx_ptr, ctx::EXIT);
    b.ins().jump(exit, &[BlockArg::Value(pc)]);

    // The exit: registers back to the context, return the next pc.
    b.switch_to_block(exit);
    let pc = b.block_params(exit)[0];
    for (r, var) in regs.iter().enumerate() {
        if let Some(var) = *var {
            if written[r] {
                let v = b.use_var(var);
                b.ins().store(ctx_flags, v, ctx_ptr, ctx::REGS + 8 * r as i32);
            }
        }
    }
    let left = b.use_var(budget);
    b.ins().store(ctx_flags, left, ctx_ptr, ctx::BUDGET);
    if let Some(var) = log_ptr {
        let v = b.use_var(var);
        b.ins().store(ctx_flags, v, ctx_ptr, ctx::LOG_PTR);
    }
    b.ins().return_(&[pc]);

    b.seal_all_blocks();
    b.finalize(config);
    func
}

fn inst_at(program: &Program, pc: u64) -> &Inst {
    &program.code[((pc - program.code_base) >> 1) as usize]
}

/// Memory flags (with their alias regions) of the accesses inside blocks.
struct MemoryFlags {
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
    base: Value,
    perms: Value,
    exit: cranelift_codegen::ir::Block,
    slow: cranelift_codegen::ir::Block,
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
        }
    }

    /// The branch destination for guest `pc`: its block if it starts one in this
    /// region, else the exit with `pc` as the next pc.
    fn dest(&mut self, pc: u64) -> (cranelift_codegen::ir::Block, Vec<BlockArg>) {
        match self.layout.block_of(pc) {
            Some((region, index)) if region == self.region => (self.blocks[index], Vec::new()),
            _ => {
                let v = self.b.ins().iconst(I64, pc as i64);
                (self.exit, vec![BlockArg::Value(v)])
            }
        }
    }

    fn jump_to(&mut self, pc: u64) {
        let (block, args) = self.dest(pc);
        self.b.ins().jump(block, &args);
    }

    fn slow_args(&mut self, pc: u64, fix: u32) -> [BlockArg; 2] {
        let pc = self.b.ins().iconst(I64, pc as i64);
        let fix = self.b.ins().iconst(I64, i64::from(fix));
        [BlockArg::Value(pc), BlockArg::Value(fix)]
    }

    /// One basic block: the step check and count, then its instructions.
    fn block(&mut self, clif: cranelift_codegen::ir::Block, start: u64, len: u32, fallthrough: Option<u64>) {
        self.b.switch_to_block(clif);
        let left = self.b.use_var(self.budget);
        let mut fits = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, left, i64::from(len));
        let log_words = match self.variant {
            Variant::Plain => 0,
            // The worst case: two logged words per memory access.
            Variant::Trace => {
                2 * (0..len)
                    .scan(start, |pc, _| {
                        let inst = *inst_at(self.program, *pc);
                        *pc += u64::from(inst.len);
                        Some(inst.op.access_size() != 0)
                    })
                    .filter(|&is_access| is_access)
                    .count() as i64
            }
            Variant::Profile => 1,
        };
        if let (Some(var), Some(end), true) = (self.log_ptr, self.log_end, log_words > 0) {
            let ptr = self.b.use_var(var);
            let room = self.b.ins().isub(end, ptr);
            let enough = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, room, 8 * log_words);
            fits = self.b.ins().band(fits, enough);
        }
        let body = self.b.create_block();
        let args = self.slow_args(start, 0);
        self.b.ins().brif(fits, body, &[], self.slow, &args);
        self.b.switch_to_block(body);
        let left = self.b.ins().iadd_imm_s(left, -i64::from(len));
        self.b.def_var(self.budget, left);
        if let (Some(var), Variant::Profile) = (self.log_ptr, self.variant) {
            let ptr = self.b.use_var(var);
            let entry = self.b.ins().iconst(I64, super::profile_word(start, len) as i64);
            self.b.ins().store(self.flags.log, entry, ptr, 0);
            let next = self.b.ins().iadd_imm_s(ptr, 8);
            self.b.def_var(var, next);
        }
        let mut pc = start;
        for k in 0..len {
            let inst = *inst_at(self.program, pc);
            self.inst(pc, &inst, len - k);
            pc += u64::from(inst.len);
        }
        if let Some(next) = fallthrough {
            self.jump_to(next);
        }
    }

    /// Sign-extends the low 32 bits.
    fn sext32(&mut self, v: Value) -> Value {
        let low = self.b.ins().ireduce(I32, v);
        self.b.ins().sextend(I64, low)
    }

    /// The host address of a guest access of `size` bytes at `rs1 + imm`, after the
    /// inline check; a refused access leaves through the slow exit with `unretired`
    /// steps given back, and the interpreter then reports the exact fault.
    fn address(&mut self, pc: u64, inst: &Inst, size: i64, need: u8, unretired: u32) -> Value {
        let a = self.reg(inst.rs1);
        let addr = self.b.ins().iadd_imm_s(a, inst.imm);
        let limit = self.b.ins().iconst(I64, PAGES);
        let first = self.b.ins().ushr_imm_s(addr, i64::from(perm::PAGE_SHIFT));
        let first = self.b.ins().umin(first, limit);
        let table_flags = self.flags.table;
        let p = self.b.ins().iadd(self.perms, first);
        let mut bits = self.b.ins().uload8(I32, table_flags, p, 0);
        if size > 1 {
            let last = self.b.ins().iadd_imm_s(addr, size - 1);
            let last = self.b.ins().ushr_imm_s(last, i64::from(perm::PAGE_SHIFT));
            let last = self.b.ins().umin(last, limit);
            let p = self.b.ins().iadd(self.perms, last);
            let bits_last = self.b.ins().uload8(I32, table_flags, p, 0);
            bits = self.b.ins().band(bits, bits_last);
        }
        let allowed = self.b.ins().band_imm_s(bits, i64::from(need));
        let ok = self.b.create_block();
        let args = self.slow_args(pc, unretired);
        self.b.ins().brif(allowed, ok, &[], self.slow, &args);
        self.b.switch_to_block(ok);
        if let (Some(var), Variant::Trace) = (self.log_ptr, self.variant) {
            self.log_words(var, addr, size, need == perm::W);
        }
        self.b.ins().iadd(self.base, addr)
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
        let host = self.b.ins().iadd(self.base, aligned);
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

    /// Emits one instruction; `unretired` counts it and the rest of its block.
    fn inst(&mut self, pc: u64, inst: &Inst, unretired: u32) {
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
                self.b.ins().jump(self.exit, &[BlockArg::Value(target)]);
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
                let (tb, targs) = self.dest(pc.wrapping_add(imm as u64));
                let (fb, fargs) = self.dest(next);
                self.b.ins().brif(taken, tb, &targs, fb, &fargs);
                return;
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {
                let host = self.address(pc, inst, i64::from(inst.op.access_size()), perm::R, unretired);
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
                let host = self.address(pc, inst, i64::from(inst.op.access_size()), perm::W, unretired);
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
