//! Lowering a whole [`Program`] to Cranelift IR, ahead of time (DESIGN.md §4).
//!
//! The ROM is cut into *regions* (one per function symbol, long stretches split so that
//! no single Cranelift function gets too large to compile quickly), each region into
//! basic blocks, and every region becomes one Cranelift function:
//!
//! ```text
//!   fn region(ctx: *mut Ctx, entry: i32) -> i64 /* next guest pc */
//! ```
//!
//! * Guest registers are Cranelift `Variable`s: loaded from the context once when the
//!   region is entered, kept in SSA values (host registers) across all of the region's
//!   blocks and loops, and stored back only when control leaves the region. Inside a
//!   region there is no register traffic at all.
//! * Static control flow between blocks of a region is a direct Cranelift branch. Every
//!   other transfer (`jalr`, a jump into another region) *exits*: the region returns the
//!   next guest pc and the runtime's dispatcher finds the target's region and block in a
//!   dense table indexed by `(pc - code_base) >> 1` ([`Layout::entry_of`]), then calls it
//!   with the block's `entry` index, which the region's first block dispatches on with
//!   one `br_table`.
//! * Every exit is a block of its own that stores only the registers that may be
//!   *dirty* there (written since the region was entered, by a forward data-flow over
//!   the region's blocks) and returns. Exits do not share one block: a shared exit would
//!   make every guest register a parameter of that block, and on each of the many edges
//!   to it (one per check) the register allocator would have to move all of them into
//!   the same locations, which cost more than the exits' duplicated stores. The slow
//!   exits are cold blocks, laid out after the hot code.
//! * Guest memory is the runtime's single host window (`host = base + guest address`,
//!   `base` in Cranelift's pinned register for the whole region). Accesses are checked
//!   inline; there is no call per access. Accesses of a block whose addresses are one
//!   value plus constants (followed through `addi`) and whose offsets span at most a
//!   page share one check, carried by the first of them. The check accepts the range when it lies in
//!   one of the runs of accessible pages the layout derives from the ELF's segments and
//!   the stack ([`Layout::runs`]: one subtraction and one comparison per run, no table
//!   load; the runtime verifies the runs against its page table). A program with more
//!   runs is checked against the runtime's per-page permission table instead: the range
//!   must lie below 2^32 and the table must allow its first and last page.
//! * Steps: a block adds its length once, at its entry, as a decrement of a *budget*
//!   variable (the number of steps still allowed), and checks that the whole block fits.
//!   A block that would cross the limit is not entered: the region exits to the runtime,
//!   which finishes with single interpreted steps and so stops on the exact step. A
//!   block that is not an entry and is reached only from earlier blocks of its region
//!   has no check of its own: its predecessors check for their length plus the longest
//!   such stretch after them (up to 256 steps), which is exact too, only earlier.
//! * Anything unusual leaves through a *slow* exit: the region stores its registers,
//!   sets the context's `exit` flag and returns the pc of the instruction the runtime must
//!   execute with the interpreter's `step` (a group of memory accesses the inline check
//!   refused, a block that would cross the step limit); the runtime interprets from
//!   there until it reaches a block it can enter. Instructions that are rare and
//!   intricate — `ecall`, LR/SC, AMOs, illegal and unsupported encodings — are never
//!   compiled: they end a block and have no entry in the table, so the dispatcher
//!   interprets them. The interpreter is then the one source of every fault, syscall
//!   and reservation rule, and compiled code cannot disagree with it on those.
//!
//! The lowering is parameterised by a [`Variant`] so that the trace-recording and
//! profiling engines are built from this same source rather than from copies.

mod emit;

use crate::inst::{Inst, Op};
use crate::program::Program;
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_codegen::settings::Configurable;
use cranelift_frontend::FunctionBuilderContext;
use std::collections::BTreeSet;

pub use emit::lower_region;

/// The byte layout of the run-time context that compiled code reads and writes (the
/// runtime defines a `#[repr(C)]` struct with exactly these offsets and checks them).
pub mod ctx {
    /// `regs: [u64; 32]`, x0..x31 (x0 is never written).
    pub const REGS: i32 = 0;
    /// `budget: u64`: steps still allowed before the step limit.
    pub const BUDGET: i32 = 256;
    /// `exit: u64`: set to [`EXIT_INTERPRET`] when the runtime must interpret the
    /// instruction at the returned pc; 0 for an ordinary jump to the returned pc.
    pub const EXIT: i32 = 264;
    /// `mem_base: *mut u8`: host address of guest address 0.
    pub const MEM_BASE: i32 = 272;
    /// `perms: *const u8`: one permission byte per 4 KiB guest page, with one extra
    /// zero entry for the page at 2^32 (an access ending past the address space).
    pub const PERMS: i32 = 280;
    /// `log_ptr: *mut u64`: where the trace and profile variants write their next
    /// logged word.
    pub const LOG_PTR: i32 = 288;
    /// `log_end: *mut u64`: one past the last word those variants may write.
    pub const LOG_END: i32 = 296;
    /// Size of the context.
    pub const SIZE: usize = 304;
    /// Value of `exit` asking the runtime to interpret one instruction.
    pub const EXIT_INTERPRET: u64 = 1;
}

/// Page permission bits as the runtime's permission table stores them.
pub mod perm {
    /// Readable.
    pub const R: u8 = 1;
    /// Writable.
    pub const W: u8 = 2;
    /// `log2` of the page size.
    pub const PAGE_SHIFT: u32 = 12;
}

/// What the compiled code does besides executing the guest. Every variant runs the
/// same guest semantics; the others add hooks (logging loaded words for the minimal
/// trace, logging entered blocks for the profiler) at the points the plain variant
/// already has (memory accesses, block entries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Variant {
    /// Execute only.
    #[default]
    Plain,
    /// Also log the minimal trace (DESIGN.md §5, `ziskjit_runtime::trace`): every
    /// aligned word a load reads and the old words under every store that is not a
    /// full aligned doubleword, written at the context's `log_ptr`. A block is entered
    /// only if the log has room for two words per memory access in it.
    Trace,
    /// Also log every executed block for the profiler: one word per block, written at
    /// the context's `log_ptr` when the block is entered, `start pc | len << 32`. A
    /// block is entered only if the log has room for that word. The sequence of
    /// logged blocks is the program's exact path (each block's successor is the next
    /// logged block, or the pc the region returns), which is all the profiler needs to
    /// rebuild call stacks; a block cut short by a slow exit is told apart by the step
    /// budget, which the slow exit gives back exactly (see [`profile_entry`]).
    Profile,
}

impl Variant {
    /// Every variant, in the order images list them.
    pub const ALL: [Variant; 3] = [Variant::Plain, Variant::Trace, Variant::Profile];

    /// A short lower-case name (symbol names in images, cache file names, messages).
    pub fn name(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Trace => "trace",
            Variant::Profile => "profile",
        }
    }
}

/// The word the profile variant logs for the block at `start` of `len` instructions
/// (guest pcs are below 2^32, so both fit).
pub fn profile_word(start: u64, len: u32) -> u64 {
    start | u64::from(len) << 32
}

/// Splits a word the profile variant logged into the block's start pc and its number
/// of instructions.
#[inline]
pub fn profile_entry(word: u64) -> (u64, u64) {
    (word & 0xffff_ffff, word >> 32)
}

/// Longest region in ROM halfwords before it is split: bounds the size of one
/// Cranelift function (compile time grows faster than linearly with it).
const MAX_REGION_HALFWORDS: u64 = 8192;

/// A range of the ROM compiled as one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// First pc of the region.
    pub start: u64,
    /// One past the last pc.
    pub end: u64,
    /// The blocks, in pc order.
    pub blocks: Vec<Block>,
    /// The blocks the runtime may enter the region at: entry index `i` starts
    /// `blocks[entries[i]]`.
    pub entries: Vec<usize>,
}

/// A basic block: straight-line compiled instructions starting at a leader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub start: u64,
    /// Number of instructions (each retires one step).
    pub len: u32,
    /// Where control goes after the last instruction when that is not itself a jump or
    /// branch (the block was cut by a leader, an interpreted instruction or the region's end).
    pub fallthrough: Option<u64>,
}

/// What starts at one ROM slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot {
    /// `region + 1` if a compiled block starts here, else 0.
    region: u32,
    /// The block's index in its region.
    block: u32,
    /// The block's entry index, or `u32::MAX` if it is reached only from its region.
    entry: u32,
}

/// The whole program's regions and the pc → (region, block) map.
#[derive(Clone, Debug)]
pub struct Layout {
    pub code_base: u64,
    pub regions: Vec<Region>,
    /// One slot per ROM halfword.
    slots: Vec<Slot>,
    /// `runs[need]`: the maximal ranges `[start, end)` of whole pages whose permission
    /// bits include `need` (an index 1..=3, see [`perm`]), in address order.
    pub runs: [Vec<(u64, u64)>; 4],
}

impl Layout {
    #[inline]
    fn slot(&self, pc: u64) -> Option<Slot> {
        let offset = pc.wrapping_sub(self.code_base);
        if offset & 1 != 0 {
            return None;
        }
        self.slots.get((offset >> 1) as usize).copied().filter(|s| s.region != 0)
    }

    /// The region index and entry index of the block starting at `pc`, if the runtime
    /// may enter a region there.
    #[inline]
    pub fn entry_of(&self, pc: u64) -> Option<(usize, u32)> {
        self.slot(pc).filter(|s| s.entry != u32::MAX).map(|s| (s.region as usize - 1, s.entry))
    }

    /// The region index and block index of the block starting at `pc`, if any.
    pub fn block_of(&self, pc: u64) -> Option<(usize, usize)> {
        self.slot(pc).map(|s| (s.region as usize - 1, s.block as usize))
    }
}

/// True for instructions that compiled code executes itself; the others are left to
/// the interpreter (see the module documentation).
pub fn is_compiled(op: Op) -> bool {
    use Op::*;
    !matches!(
        op,
        Ecall
            | Unsupported(_)
            | Illegal
            | LrW
            | ScW
            | LrD
            | ScD
            | AmoSwapW
            | AmoAddW
            | AmoXorW
            | AmoAndW
            | AmoOrW
            | AmoMinW
            | AmoMaxW
            | AmoMinuW
            | AmoMaxuW
            | AmoSwapD
            | AmoAddD
            | AmoXorD
            | AmoAndD
            | AmoOrD
            | AmoMinD
            | AmoMaxD
            | AmoMinuD
            | AmoMaxuD
    )
}

/// The static target of a jump or branch.
fn static_target(pc: u64, inst: &Inst) -> Option<u64> {
    use Op::*;
    match inst.op {
        Jal | Beq | Bne | Blt | Bge | Bltu | Bgeu => Some(pc.wrapping_add(inst.imm as u64)),
        _ => None,
    }
}

/// Recovers regions, basic blocks and region entries from the ROM.
///
/// Leaders are the entry point, function symbols, static jump targets, and every
/// instruction after a block end or after an interpreted instruction, found by a
/// linear sweep of each executable segment.
///
/// Entries are the blocks where control can arrive from outside the region: the
/// region's start and symbols, return addresses (after a `jal`/`jalr` that links),
/// targets of jumps from other regions, the instruction after an interpreted one, loop
/// headers (targets of backward jumps and branches, where execution resumes after the
/// runtime stopped compiled code inside a loop at a segment boundary), and
/// every block no other entry reaches by static control flow (typically a jump-table
/// target). Only entries get an edge from the region's dispatch `br_table`, because
/// every such edge makes all guest registers merge (a block parameter each) at that
/// block; entering every block would multiply compile time. A `jalr` that lands
/// anywhere else (or between the instructions of the sweep) is still exact: the runtime
/// interprets until it reaches an entry, so the choice of entries affects speed, never
/// results.
pub fn layout(program: &Program) -> Layout {
    let code_base = program.code_base;
    let code_end = code_base + 2 * program.code.len() as u64;
    let inst_at = |pc: u64| &program.code[((pc - code_base) >> 1) as usize];
    let in_code = |pc: u64| pc >= code_base && pc < code_end && pc & 1 == 0;

    // Region boundaries: function symbols and executable segment starts, then long
    // stretches split evenly.
    let mut bounds: BTreeSet<u64> = BTreeSet::from([code_base, code_end]);
    for seg in program.segments.iter().filter(|s| s.executable) {
        bounds.insert(seg.vaddr & !1);
    }
    for sym in &program.symbols {
        if in_code(sym.addr) {
            bounds.insert(sym.addr);
            if sym.size > 0 && in_code(sym.addr + sym.size) {
                bounds.insert(sym.addr + sym.size);
            }
        }
    }
    let coarse: Vec<u64> = bounds.iter().copied().collect();
    for pair in coarse.windows(2) {
        let (lo, hi) = (pair[0], pair[1]);
        let pieces = (hi - lo).div_ceil(2 * MAX_REGION_HALFWORDS);
        for k in 1..pieces {
            bounds.insert(lo + k * (((hi - lo) / pieces) & !1));
        }
    }
    let bounds: Vec<u64> = bounds.into_iter().collect();
    let region_of = |pc: u64| bounds.partition_point(|&b| b <= pc);

    // Leaders, and the pcs that must be entries whatever the static flow says.
    let mut leaders: BTreeSet<u64> = bounds.iter().copied().filter(|&pc| pc < code_end).collect();
    let mut forced: BTreeSet<u64> = leaders.clone();
    if in_code(program.entry) {
        leaders.insert(program.entry);
        forced.insert(program.entry);
    }
    for seg in program.segments.iter().filter(|s| s.executable) {
        let mut pc = seg.vaddr & !1;
        let mut after_end = true;
        while pc < seg.end() && pc < code_end {
            let inst = inst_at(pc);
            let next = pc + u64::from(inst.len);
            if after_end {
                leaders.insert(pc);
            }
            if let Some(t) = static_target(pc, inst).filter(|&t| in_code(t)) {
                leaders.insert(t);
                // Loop headers are entries too: after the runtime interprets up to a
                // segment boundary or a step limit inside a loop, it re-enters compiled
                // code within one iteration instead of interpreting the rest of the loop.
                if region_of(t) != region_of(pc) || t <= pc {
                    forced.insert(t);
                }
            }
            let links = matches!(inst.op, Op::Jal | Op::Jalr) && inst.rd != 0;
            if links || !is_compiled(inst.op) {
                forced.insert(next);
            }
            after_end = inst.op.ends_block() || !is_compiled(inst.op);
            pc = next;
        }
    }

    let mut slots = vec![Slot::default(); program.code.len()];
    let slot_index = |pc: u64| ((pc - code_base) >> 1) as usize;
    let mut regions = Vec::new();
    for pair in bounds.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let mut blocks = Vec::new();
        for &leader in leaders.range(start..end) {
            if !is_compiled(inst_at(leader).op) {
                continue;
            }
            let mut pc = leader;
            let mut len = 0;
            let fallthrough = loop {
                let inst = inst_at(pc);
                if !is_compiled(inst.op) {
                    break Some(pc);
                }
                len += 1;
                if inst.op.ends_block() {
                    break None;
                }
                pc += u64::from(inst.len);
                if pc >= end || leaders.contains(&pc) {
                    break Some(pc);
                }
            };
            slots[slot_index(leader)] =
                Slot { region: regions.len() as u32 + 1, block: blocks.len() as u32, entry: u32::MAX };
            blocks.push(Block { start: leader, len, fallthrough });
        }
        if blocks.is_empty() {
            continue;
        }
        // Static successors inside the region, for the reachability of entries.
        let block_at = |pc: u64| -> Option<usize> {
            (pc >= start && pc < end && pc & 1 == 0)
                .then(|| slots[slot_index(pc)])
                .filter(|s| s.region as usize == regions.len() + 1)
                .map(|s| s.block as usize)
        };
        let successors = |b: &Block| -> Vec<usize> {
            let last = {
                let mut pc = b.start;
                for _ in 1..b.len {
                    pc += u64::from(inst_at(pc).len);
                }
                pc
            };
            let mut next = Vec::new();
            if let Some(t) = static_target(last, inst_at(last)) {
                next.extend(block_at(t));
            }
            if inst_at(last).op.ends_block() && inst_at(last).op != Op::Jal && inst_at(last).op != Op::Jalr {
                next.extend(block_at(last + u64::from(inst_at(last).len)));
            }
            next.extend(b.fallthrough.and_then(block_at));
            next
        };
        let mut reached = vec![false; blocks.len()];
        let visit = |root: usize, reached: &mut Vec<bool>| {
            let mut stack = vec![root];
            while let Some(b) = stack.pop() {
                for s in successors(&blocks[b]) {
                    if !reached[s] {
                        reached[s] = true;
                        stack.push(s);
                    }
                }
            }
        };
        let mut is_entry: Vec<bool> = blocks.iter().map(|b| forced.contains(&b.start)).collect();
        for i in (0..blocks.len()).filter(|&i| is_entry[i]) {
            visit(i, &mut reached);
        }
        for i in 0..blocks.len() {
            if !reached[i] && !is_entry[i] {
                is_entry[i] = true;
                visit(i, &mut reached);
            }
        }
        let entries: Vec<usize> = (0..blocks.len()).filter(|&i| is_entry[i]).collect();
        for (e, &b) in entries.iter().enumerate() {
            slots[slot_index(blocks[b].start)].entry = e as u32;
        }
        regions.push(Region { start, end, blocks, entries });
    }
    Layout { code_base, regions, slots, runs: access_runs(program) }
}

/// The page permissions the runtime gives `program` (its `GuestMemory`): every page of
/// a segment readable, and writable if the segment is, and the stack readable and
/// writable (DESIGN.md §3), as the maximal runs of pages that have each permission
/// mask (see [`Layout::runs`]). Compiled code lets an access through when it lies in
/// one of these runs; the runtime checks when it loads the code that each run is
/// indeed accessible in its own page table.
fn access_runs(program: &Program) -> [Vec<(u64, u64)>; 4] {
    let page = 1u64 << perm::PAGE_SHIFT;
    // Page ranges and their bits, from which the runs are cut.
    let mut spans: Vec<(u64, u64, u8)> = program
        .segments
        .iter()
        .filter(|s| s.mem_size > 0)
        .map(|s| {
            let bits = if s.writable { perm::R | perm::W } else { perm::R };
            (s.vaddr & !(page - 1), (s.vaddr + s.mem_size).next_multiple_of(page), bits)
        })
        .collect();
    spans.push((crate::STACK_TOP - crate::STACK_SIZE, crate::STACK_TOP, perm::R | perm::W));
    let mut bounds: Vec<u64> = spans.iter().flat_map(|&(s, e, _)| [s, e]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut runs: [Vec<(u64, u64)>; 4] = Default::default();
    for pair in bounds.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let bits = spans.iter().filter(|&&(s, e, _)| s < end && start < e).fold(0, |acc, &(_, _, b)| acc | b);
        for (need, list) in runs.iter_mut().enumerate().skip(1) {
            if bits & need as u8 == need as u8 {
                match list.last_mut() {
                    Some(last) if last.1 == start => last.1 = end,
                    _ => list.push((start, end)),
                }
            }
        }
    }
    runs
}

/// The frontend configuration used when IR is only printed, not compiled
/// (x86-64 System V, the host this project targets).
pub fn default_frontend_config() -> TargetFrontendConfig {
    TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: target_lexicon::PointerWidth::U64,
        page_size_align_log2: 12,
    }
}

/// The Cranelift IR of every region of `program`, as text (for `--dump-ir` and tests).
pub fn dump_ir(program: &Program, variant: Variant) -> String {
    let layout = layout(program);
    let config = default_frontend_config();
    let mut fctx = FunctionBuilderContext::new();
    let mut out = String::new();
    for (index, region) in layout.regions.iter().enumerate() {
        let func = lower_region(program, &layout, index, variant, config, &mut fctx);
        out.push_str(&format!("; region {index}: [0x{:x}, 0x{:x})\n", region.start, region.end));
        out.push_str(&func.display().to_string());
        out.push('\n');
    }
    out
}

/// Regions with more guest instructions than this are compiled with Cranelift's
/// single-pass register allocator. Guest registers stay live across a whole region, so
/// the backtracking allocator's time grows steeply with region size (seconds for the
/// largest functions of an ECDSA guest); the single-pass one is ~10x faster to run and
/// its code ~1.2-2x slower. Hot loops are small functions, which keep the better code.
pub const LARGE_REGION_INSTRUCTIONS: u32 = 1500;

impl Region {
    /// Number of guest instructions in the region's blocks.
    pub fn instructions(&self) -> u32 {
        self.blocks.iter().map(|b| b.len).sum()
    }
}

/// Cranelift settings for compiling the lowered IR: optimise for speed, the fast
/// register allocator for large regions (see [`LARGE_REGION_INSTRUCTIONS`]), and no IR
/// verifier in optimised builds (the lowering is tested with it on in debug builds).
pub fn codegen_flags(large_region: bool) -> cranelift_codegen::settings::Builder {
    let mut flags = cranelift_codegen::settings::builder();
    let set = |flags: &mut cranelift_codegen::settings::Builder, name: &str, value: &str| {
        flags.set(name, value).unwrap_or_else(|e| panic!("cranelift setting {name}={value}: {e}"));
    };
    set(&mut flags, "opt_level", "speed");
    set(&mut flags, "regalloc_algorithm", if large_region { "single_pass" } else { "backtracking" });
    set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" });
    set(&mut flags, "is_pic", "false");
    set(&mut flags, "use_colocated_libcalls", "false");
    // Region code never unwinds (it calls nothing), so no unwind tables are built.
    set(&mut flags, "unwind_info", "false");
    // Guest memory's host address in a register of its own for the whole region
    // (r15 on x86-64): every access adds it, and as an ordinary value the register
    // allocator spilled it in the regions with the most guest registers live, adding
    // a reload to every access. The pinned register is not callee-saved for
    // Cranelift, so the lowering saves the caller's value and restores it at each exit.
    set(&mut flags, "enable_pinned_reg", "true");
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Segment;

    /// `addi x5, x5, 1; ld x6, 0(x10); bne x5, x7, -8; ecall` at 0x1000: a self-loop
    /// of three compiled instructions followed by an interpreted `ecall`.
    fn tiny() -> Program {
        let words: [u32; 4] = [0x0012_8293, 0x0005_3303, 0xfe72_9ce3, 0x0000_0073];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let segment = Segment { vaddr: 0x1000, mem_size: 16, data, readable: true, writable: false, executable: true };
        Program::new(0x1000, vec![segment], Vec::new())
    }

    /// A loop whose header is not the region's start must still be an entry, so the
    /// runtime can resume compiled code after stopping inside the loop.
    #[test]
    fn loop_headers_are_entries() {
        // addi x5,x5,1; loop: addi x6,x6,1; bne x6,x7,loop; ecall
        let words: [u32; 4] = [0x0012_8293, 0x0013_0313, 0xfe73_1ee3, 0x0000_0073];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let segment = Segment { vaddr: 0x1000, mem_size: 16, data, readable: true, writable: false, executable: true };
        let layout = layout(&Program::new(0x1000, vec![segment], Vec::new()));
        let region = &layout.regions[0];
        assert_eq!(region.blocks[1], Block { start: 0x1004, len: 2, fallthrough: None });
        assert_eq!(region.entries, vec![0, 1]);
        assert_eq!(layout.entry_of(0x1004), Some((0, 1)));
    }

    /// The runs of accessible pages: the read-only code page, the stack for all three
    /// masks.
    #[test]
    fn tiny_runs() {
        let stack = (crate::STACK_TOP - crate::STACK_SIZE, crate::STACK_TOP);
        let runs = layout(&tiny()).runs;
        assert_eq!(runs[perm::R as usize], vec![(0x1000, 0x2000), stack]);
        assert_eq!(runs[perm::W as usize], vec![stack]);
        assert_eq!(runs[(perm::R | perm::W) as usize], vec![stack]);
    }

    #[test]
    fn tiny_layout() {
        let layout = layout(&tiny());
        assert_eq!(layout.regions.len(), 1);
        let region = &layout.regions[0];
        assert_eq!(region.blocks, vec![Block { start: 0x1000, len: 3, fallthrough: None }]);
        assert_eq!(region.entries, vec![0]);
        assert_eq!(layout.entry_of(0x1000), Some((0, 0)));
        // Mid-block pcs and the interpreted `ecall` have no compiled entry.
        assert_eq!(layout.entry_of(0x1004), None);
        assert_eq!(layout.entry_of(0x100c), None);
        assert_eq!(layout.entry_of(0x1001), None);
    }

    /// Splits printed IR into `(block name, lines)`.
    fn blocks(ir: &str) -> Vec<(String, Vec<&str>)> {
        let mut out: Vec<(String, Vec<&str>)> = Vec::new();
        for line in ir.lines() {
            if line.starts_with("block") {
                let name = line.split(['(', ':']).next().unwrap_or_default().to_string();
                out.push((name, Vec::new()));
            } else if let Some((_, lines)) = out.last_mut() {
                lines.push(line);
            }
        }
        out
    }

    #[test]
    fn tiny_ir_keeps_registers_in_ssa_and_counts_steps_once() {
        let ir = dump_ir(&tiny(), Variant::Plain);
        assert_eq!(ir.matches("function ").count(), 1, "{ir}");
        let blocks = blocks(&ir);
        let has = |lines: &[&str], pat: &str| lines.iter().any(|l| l.contains(pat));

        // The step check and count: one block with the check, one decrement by 3.
        let checks: Vec<&String> = blocks.iter().filter(|(_, l)| has(l, "icmp uge")).map(|(n, _)| n).collect();
        assert_eq!(checks.len(), 1, "one step check per guest block:\n{ir}");
        assert_eq!(ir.matches("iconst.i64 -3").count(), 1, "one step-count add per guest block:\n{ir}");
        let header = checks[0];

        // Context (register) traffic only at the region's entry and exits.
        for (i, (name, lines)) in blocks.iter().enumerate() {
            let exit = has(lines, "return") || has(lines, "+264");
            if has(lines, "region0") {
                assert!(i == 0 || exit, "{name} touches the context inside the region:\n{ir}");
            }
        }
        // The guest load goes to guest memory, after an inline check against the runs
        // of readable pages (the segment's page, then the stack), not the table.
        assert!(ir.contains("load.i64 notrap region2"), "{ir}");
        assert!(!ir.contains("uload8"), "{ir}");
        assert!(ir.contains("icmp ule") && ir.contains("= 4088"), "{ir}");
        // The loop's back edge is a direct branch to its header, not an exit.
        let back_edge = blocks
            .iter()
            .filter(|(name, _)| name != header)
            .any(|(_, lines)| lines.iter().any(|l| l.contains("brif") && l.contains(&format!("{header}("))));
        assert!(back_edge, "no direct back edge to {header}:\n{ir}");
    }
}
