//! The [`Profiler`]: turns a stream of retired instructions into call stacks and counts.
//!
//! # Why reconstruct stacks from control flow
//!
//! A native profiler samples and unwinds the stack with frame pointers or DWARF CFI.
//! A zkVM guest has neither to spare (release guests omit frame pointers, and the
//! unwind tables are stripped or absent), but it has something better than samples:
//! every retired instruction. Watching calls and returns go by is enough to keep a
//! shadow call stack that is exact for code that follows the calling convention, at a
//! cost of a compare per step, with no access to guest memory. This is also all a
//! JIT can report cheaply, so the same analysis serves both engines (see
//! [`Profiler::retire_block`]).
//!
//! # The rules
//!
//! The link registers are `x1` (`ra`) and `x5` (`t0`, the alternate link register
//! the RISC-V psABI gives millicode). Every `jal`/`jalr` is classified with the
//! return-address-stack hints of the unprivileged ISA manual (table "Return-address
//! stack prediction hints"), which compilers follow because hardware return
//! predictors rely on them:
//!
//! | instruction | `rd` link? | `rs1` link? | meaning |
//! |---|---|---|---|
//! | `jal` | yes | — | **call**: push a frame |
//! | `jalr` | yes | no, or `rs1 == rd` | **call**: push a frame |
//! | `jalr` | yes | yes, `rs1 != rd` | **return then call** (coroutine swap) |
//! | `jalr` | no | yes | **return**: pop (e.g. `ret` = `jalr x0, 0(ra)`, `c.jr ra`) |
//! | either | no | no | a plain jump (`j`, `jr t1`, jump tables) |
//!
//! A pushed frame records the function of the call's target and the return address
//! `pc + len`. A return pops down to the topmost frame (within the nearest
//! [`RETURN_SEARCH_WINDOW`] frames) whose return address equals the return's target,
//! so a return that skips frames (a `longjmp`-like unwind) is followed as well.
//!
//! **The leaf rule** keeps the stack honest whatever happens in between: before a step
//! is counted, if the pc's function differs from the top frame's, the top frame is
//! *replaced* by the pc's function (keeping its return address). This one rule covers
//! tail calls (`jal x0, f`, `jr t1` into another function: `f` replaces the caller and
//! returns straight to the caller's caller, exactly as the hardware stack looks), a
//! function falling through into the next symbol, branches between functions, and any
//! stack the other rules got wrong. It is also why the counts are exact: every step is
//! charged to the function of its own pc, so the folded leaf counts are the exclusive
//! counts, and both sum to the total number of steps.
//!
//! # Limits (documented behaviour, never a panic)
//!
//! * **Unbalanced returns.** A return whose target matches no tracked frame pops one
//!   frame, what a hardware return-address stack does, and is counted in
//!   [`Profile::unmatched_returns`](crate::Profile::unmatched_returns). The bottom
//!   frame is never popped: a program that returns more than it called (say `_start`
//!   jumps to `f` without linking and `f` returns into `_start`) keeps one frame that
//!   the leaf rule renames, so `f` and `_start` show up as separate roots.
//! * **Calls without the link registers** (`jalr x6, 0(x7)`) are plain jumps: the
//!   callee replaces the caller by the leaf rule, and the inclusive counts of the
//!   caller miss the callee's steps.
//! * **Deep stacks.** A stack of up to [`Limits::shown_depth`] frames is shown as it
//!   is; a deeper one keeps its `shown_depth - 1` outermost frames and its current
//!   function, with one `[elided frames]` entry between them. That keeps the folded
//!   output and the number of distinct stacks bounded under deep recursion. Inclusive counts of elided functions miss
//!   the steps run while they were elided; exclusive counts are unaffected.
//! * **Runaway stacks.** At most [`Limits::tracked_frames`] frames are tracked, so
//!   memory never grows with the number of steps (a loop made of `jal ra` would
//!   otherwise push forever). A call on a full stack replaces the top frame and is
//!   counted in [`Profile::overflowed_calls`](crate::Profile::overflowed_calls).
//!
//! # Representation
//!
//! Stacks live in a calling-context tree: one node per distinct stack (a path of
//! functions from the root), each with the number of steps retired while it was the
//! current stack. A frame holds its node, so counting a step is one increment; the
//! folded stacks, and the exclusive and inclusive counts, are read off the tree once
//! at the end ([`Profiler::finish`]).

use crate::class::InstClass;
use crate::functions::{FuncId, FunctionMap};
use crate::profile::Profile;
use ziskjit_transpiler::{Inst, Op, Program};

/// How many frames, from the top, a return searches for its target address.
/// Bounded so that a program full of unmatched returns stays O(1) per step.
pub const RETURN_SEARCH_WINDOW: usize = 32;

/// Bounds on the shadow call stack (see the module docs, "Limits").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Frames a stack may have before the middle ones are elided (at least 2).
    pub shown_depth: usize,
    /// Frames tracked at most (at least `shown_depth`).
    pub tracked_frames: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { shown_depth: 256, tracked_frames: 1 << 18 }
    }
}

/// Why events could not be profiled.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// [`Profiler::retire_block`] was given a block that runs into non-code.
    #[error("profiled block at 0x{block:x}: no instruction at 0x{pc:x} ({steps} steps into the block)")]
    NotCode { block: u64, pc: u64, steps: u64 },
    /// Writing a report, folded stacks or a flamegraph failed.
    #[error("cannot write the {what}: {source}")]
    Write { what: &'static str, source: std::io::Error },
}

pub(crate) type NodeId = u32;

/// The calling-context tree's root: the empty stack, parent of every bottom frame.
pub(crate) const ROOT: NodeId = 0;

/// A node of the calling-context tree: one distinct stack.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub parent: NodeId,
    pub func: FuncId,
    /// Steps retired while this was the current stack.
    pub steps: u64,
    pub children: Vec<(FuncId, NodeId)>,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    func: FuncId,
    node: NodeId,
    /// Where a return from this frame goes (unused for the bottom frame).
    return_addr: u64,
}

/// What retiring a whole block at once needs to know (see the module docs).
#[derive(Clone, Debug)]
struct BlockSummary {
    steps: u64,
    /// The function every instruction of the block belongs to.
    func: FuncId,
    /// Instructions per class.
    classes: [u64; InstClass::ALL.len()],
    /// The last instruction and its pc, if it is a `jal`/`jalr`.
    jump: Option<(u64, Inst)>,
    /// Times the block was retired through this summary.
    executions: u64,
}

/// Marks a ROM slot without a block summary.
const NO_SUMMARY: u32 = u32::MAX;

/// Marks a ROM slot whose block the summary cannot stand for.
const UNSUMMARISABLE: u32 = u32::MAX - 1;

/// Consumes retired instructions and builds a [`Profile`].
pub struct Profiler<'p> {
    program: &'p Program,
    functions: FunctionMap,
    /// Per ROM slot: the index of the summary of the block starting there, or one
    /// of the markers above.
    summary_of: Vec<u32>,
    summaries: Vec<BlockSummary>,
    limits: Limits,
    frames: Vec<Frame>,
    nodes: Vec<Node>,
    classes: [u64; InstClass::ALL.len()],
    steps: u64,
    unmatched_returns: u64,
    overflowed_calls: u64,
}

/// True for the link registers `ra` and `t0`.
fn is_link(reg: u8) -> bool {
    reg == 1 || reg == 5
}

impl<'p> Profiler<'p> {
    /// A profiler for `program` with the default [`Limits`].
    pub fn new(program: &'p Program) -> Profiler<'p> {
        Profiler::with_limits(program, Limits::default())
    }

    /// A profiler with explicit stack limits (raised to their minimums if below).
    pub fn with_limits(program: &'p Program, limits: Limits) -> Profiler<'p> {
        let shown_depth = limits.shown_depth.max(2);
        let limits = Limits { shown_depth, tracked_frames: limits.tracked_frames.max(shown_depth) };
        let root = Node { parent: ROOT, func: FuncId::MAX, steps: 0, children: Vec::new() };
        Profiler {
            program,
            functions: FunctionMap::new(program),
            summary_of: vec![NO_SUMMARY; program.code.len()],
            summaries: Vec::new(),
            limits,
            frames: Vec::new(),
            nodes: vec![root],
            classes: [0; InstClass::ALL.len()],
            steps: 0,
            unmatched_returns: 0,
            overflowed_calls: 0,
        }
    }

    /// Counts one retired instruction: `inst` ran at `pc`, and the next instruction is
    /// at `next_pc` (the fields of the same names in `ziskjit-runtime`'s `StepRecord`).
    #[inline]
    pub fn retire(&mut self, pc: u64, inst: &Inst, next_pc: u64) {
        self.count(self.functions.lookup(pc), 1);
        self.classes[InstClass::of(inst.op) as usize] += 1;
        self.transfer(pc, inst, next_pc);
    }

    /// Charges `steps` steps in `func` to the current stack, after the leaf rule.
    #[inline]
    fn count(&mut self, func: FuncId, steps: u64) {
        if self.frames.is_empty() {
            let node = child(&mut self.nodes, ROOT, func);
            self.frames.push(Frame { func, node, return_addr: 0 });
        }
        let top = self.frames.last_mut().expect("a frame was just ensured");
        if top.func != func {
            // The leaf rule: a tail call, a fall-through or a jump into `func`.
            let parent = self.nodes[top.node as usize].parent;
            top.node = child(&mut self.nodes, parent, func);
            top.func = func;
        }
        self.nodes[top.node as usize].steps += steps;
        self.steps += steps;
    }

    /// The calls and returns of `inst` at `pc`, which continued at `next_pc`.
    #[inline]
    fn transfer(&mut self, pc: u64, inst: &Inst, next_pc: u64) {
        if matches!(inst.op, Op::Jal | Op::Jalr) {
            let links_rd = is_link(inst.rd);
            let links_rs1 = inst.op == Op::Jalr && is_link(inst.rs1);
            if links_rs1 && !(links_rd && inst.rs1 == inst.rd) {
                self.ret(next_pc);
            }
            if links_rd {
                self.call(pc.wrapping_add(u64::from(inst.len)), next_pc);
            }
        }
    }

    /// Counts a straight-line run of `steps` instructions starting at `pc`, the last
    /// of which continued at `next_pc`: the event a block-level engine (the JIT's
    /// profiling variant) reports instead of single steps. Every instruction but the
    /// last falls through (`next = pc + len`); the instructions are read from the ROM.
    /// The result equals calling [`Profiler::retire`] for each of them.
    pub fn retire_block(&mut self, pc: u64, steps: u64, next_pc: u64) -> Result<(), ProfileError> {
        let slot = (pc.wrapping_sub(self.program.code_base) >> 1) as usize;
        let mut index = self.summary_of.get(slot).copied().filter(|_| pc & 1 == 0).unwrap_or(UNSUMMARISABLE);
        if index == NO_SUMMARY && steps > 1 {
            // Single steps (interpreted instructions) are not worth a summary, and
            // would keep a longer block starting at the same pc from getting one.
            index = self.summarise(pc, steps)?;
            self.summary_of[slot] = index;
        }
        match self.summaries.get_mut(index as usize).filter(|s| s.steps == steps) {
            Some(summary) => {
                summary.executions += 1;
                let (func, jump) = (summary.func, summary.jump);
                self.count(func, steps);
                if let Some((at, inst)) = jump {
                    self.transfer(at, &inst, next_pc);
                }
            }
            None => {
                let program = self.program;
                let mut at = pc;
                for i in 0..steps {
                    let inst = program.fetch(at).map_err(|_| ProfileError::NotCode { block: pc, pc: at, steps: i })?;
                    let next = if i + 1 == steps { next_pc } else { at.wrapping_add(u64::from(inst.len)) };
                    self.retire(at, inst, next);
                    at = next;
                }
            }
        }
        Ok(())
    }

    /// Builds the summary of the `steps`-instruction block at `pc` and returns its
    /// index, or [`UNSUMMARISABLE`].
    fn summarise(&mut self, pc: u64, steps: u64) -> Result<u32, ProfileError> {
        let func = self.functions.lookup(pc);
        let mut classes = [0; InstClass::ALL.len()];
        let mut jump = None;
        let mut at = pc;
        for i in 0..steps {
            let inst = self.program.fetch(at).map_err(|_| ProfileError::NotCode { block: pc, pc: at, steps: i })?;
            if self.functions.lookup(at) != func || jump.is_some() {
                return Ok(UNSUMMARISABLE);
            }
            classes[InstClass::of(inst.op) as usize] += 1;
            if matches!(inst.op, Op::Jal | Op::Jalr) {
                jump = Some((at, *inst));
            }
            at = at.wrapping_add(u64::from(inst.len));
        }
        self.summaries.push(BlockSummary { steps, func, classes, jump, executions: 0 });
        Ok((self.summaries.len() - 1) as u32)
    }

    /// A call from the top frame to `target`, returning to `return_addr`.
    fn call(&mut self, return_addr: u64, target: u64) {
        let func = self.functions.lookup(target);
        let depth = self.frames.len();
        let top = *self.frames.last().expect("retire keeps at least one frame");
        let parent_of_top = self.nodes[top.node as usize].parent;
        if depth >= self.limits.tracked_frames {
            self.overflowed_calls += 1;
            let node = child(&mut self.nodes, parent_of_top, func);
            *self.frames.last_mut().expect("checked above") = Frame { func, node, return_addr };
            return;
        }
        // The new frame gets index `depth`; frames from index `shown_depth - 1` up to
        // the one below the top are hidden behind the elided marker.
        let parent = match depth.cmp(&self.limits.shown_depth) {
            std::cmp::Ordering::Less => top.node,
            std::cmp::Ordering::Equal => child(&mut self.nodes, parent_of_top, self.functions.elided()),
            std::cmp::Ordering::Greater => parent_of_top,
        };
        let node = child(&mut self.nodes, parent, func);
        self.frames.push(Frame { func, node, return_addr });
    }

    /// A return to `target`.
    fn ret(&mut self, target: u64) {
        let depth = self.frames.len();
        let lowest = depth.saturating_sub(RETURN_SEARCH_WINDOW).max(1);
        match (lowest..depth).rev().find(|&i| self.frames[i].return_addr == target) {
            Some(i) => self.frames.truncate(i),
            None => {
                self.unmatched_returns += 1;
                if depth > 1 {
                    self.frames.pop();
                }
            }
        }
    }

    /// The profile of everything retired so far.
    pub fn finish(mut self) -> Profile {
        for summary in &self.summaries {
            for (total, n) in self.classes.iter_mut().zip(summary.classes) {
                *total += n * summary.executions;
            }
        }
        Profile::from_tree(
            &self.functions,
            &self.nodes,
            &self.classes,
            self.steps,
            self.unmatched_returns,
            self.overflowed_calls,
        )
    }
}

/// The child of `parent` for `func`, created on first use.
fn child(nodes: &mut Vec<Node>, parent: NodeId, func: FuncId) -> NodeId {
    if let Some(&(_, id)) = nodes[parent as usize].children.iter().find(|(f, _)| *f == func) {
        return id;
    }
    let id = nodes.len() as NodeId;
    nodes.push(Node { parent, func, steps: 0, children: Vec::new() });
    nodes[parent as usize].children.push((func, id));
    id
}
