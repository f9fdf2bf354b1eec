//! The [`Profile`]: the finished counts, and the three ways of presenting them.
//!
//! * [`Profile::report`]: a text table for a person at a terminal. Functions are
//!   sorted by *exclusive* steps (where the time goes, the list to optimise from),
//!   with the *inclusive* column beside it (what a call costs in total, the number to
//!   compare two implementations of the same function by).
//! * [`Profile::folded`]: the folded-stack format of Brendan Gregg's FlameGraph tools
//!   (`_start;main;f 42`, one line per distinct stack), the lingua franca that
//!   flamegraph viewers, `inferno`, speedscope and differential tools all read.
//! * [`Profile::write_flamegraph`]: an SVG flamegraph drawn by `inferno` from those
//!   same lines, so the picture and the text can never disagree.
//!
//! All three are derived from the calling-context tree once, in
//! `Profile::from_tree`; the invariant tying them together, checked by the tests,
//! is that the exclusive counts, the folded counts and the class counts each sum to
//! the total number of steps.

use crate::class::InstClass;
use crate::functions::{FunctionKind, FunctionMap};
use crate::profiler::{Node, NodeId, ProfileError, ROOT};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

/// The counts of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionProfile {
    /// Display name (demangled; see [`crate::functions`] for the pseudo-functions).
    pub name: String,
    /// First address, when the function covers code.
    pub addr: Option<u64>,
    pub kind: FunctionKind,
    /// Steps retired at pcs inside the function.
    pub exclusive: u64,
    /// Steps retired while the function was anywhere on the call stack (counted
    /// once per step under recursion).
    pub inclusive: u64,
}

/// A finished guest profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Instructions retired.
    pub total_steps: u64,
    /// Every function that ran or was on a stack, by exclusive steps (descending),
    /// then inclusive steps (descending), then name.
    pub functions: Vec<FunctionProfile>,
    /// Steps per instruction class, in [`InstClass::ALL`] order.
    pub classes: Vec<(InstClass, u64)>,
    /// Folded stacks: frames from the outermost, joined by `;`, and their steps.
    pub stacks: BTreeMap<String, u64>,
    /// Returns whose target matched no tracked frame (see [`crate::profiler`]).
    pub unmatched_returns: u64,
    /// Calls made while the shadow stack was full (see [`crate::profiler`]).
    pub overflowed_calls: u64,
}

impl Profile {
    /// Reads the profile off the calling-context tree. Children always have larger
    /// ids than their parents (a node is created under an existing one), which lets
    /// subtree totals be summed in one reverse pass.
    pub(crate) fn from_tree(
        map: &FunctionMap,
        nodes: &[Node],
        classes: &[u64],
        total_steps: u64,
        unmatched_returns: u64,
        overflowed_calls: u64,
    ) -> Profile {
        let mut subtree: Vec<u64> = nodes.iter().map(|n| n.steps).collect();
        for id in (1..nodes.len()).rev() {
            subtree[nodes[id].parent as usize] += subtree[id];
        }
        let count = map.functions.len();
        let (mut exclusive, mut inclusive, mut on_path) = (vec![0u64; count], vec![0u64; count], vec![0u32; count]);
        // Folded frames may not contain `;` (the frame separator); demangled names
        // can, in array types such as `[u8; 32]`.
        let frame_names: Vec<String> = map.functions.iter().map(|f| f.name.replace(';', ",")).collect();
        let mut stacks = BTreeMap::new();
        let mut path: Vec<&str> = Vec::new();
        // Depth-first walk with explicit enter/leave events: a function's inclusive
        // count is the total of its outermost occurrences on each path.
        enum Visit {
            Enter(NodeId),
            Leave(NodeId),
        }
        let mut work: Vec<Visit> =
            nodes[ROOT as usize].children.iter().rev().map(|&(_, id)| Visit::Enter(id)).collect();
        while let Some(visit) = work.pop() {
            match visit {
                Visit::Enter(id) => {
                    let node = &nodes[id as usize];
                    let func = node.func as usize;
                    exclusive[func] += node.steps;
                    if on_path[func] == 0 {
                        inclusive[func] += subtree[id as usize];
                    }
                    on_path[func] += 1;
                    path.push(&frame_names[func]);
                    if node.steps > 0 {
                        *stacks.entry(path.join(";")).or_insert(0) += node.steps;
                    }
                    work.push(Visit::Leave(id));
                    work.extend(node.children.iter().rev().map(|&(_, child)| Visit::Enter(child)));
                }
                Visit::Leave(id) => {
                    on_path[nodes[id as usize].func as usize] -= 1;
                    path.pop();
                }
            }
        }
        let mut functions: Vec<FunctionProfile> = map
            .functions
            .iter()
            .enumerate()
            .filter(|&(id, f)| f.kind != FunctionKind::Elided && (exclusive[id] > 0 || inclusive[id] > 0))
            .map(|(id, f)| FunctionProfile {
                name: f.name.clone(),
                addr: f.addr,
                kind: f.kind,
                exclusive: exclusive[id],
                inclusive: inclusive[id],
            })
            .collect();
        functions.sort_by(|a, b| {
            b.exclusive.cmp(&a.exclusive).then(b.inclusive.cmp(&a.inclusive)).then_with(|| a.name.cmp(&b.name))
        });
        let classes = InstClass::ALL.iter().map(|&c| (c, classes[c as usize])).collect();
        Profile { total_steps, functions, classes, stacks, unmatched_returns, overflowed_calls }
    }

    /// The first function called `name` (names can repeat: generic instances
    /// demangle alike), if it ran.
    pub fn function(&self, name: &str) -> Option<&FunctionProfile> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The text report: the `top` functions by exclusive steps, the instruction-class
    /// table, and the call-stack diagnostics when there are any.
    pub fn report(&self, top: usize) -> String {
        let percent = |n: u64| 100.0 * n as f64 / self.total_steps.max(1) as f64;
        let width = self.total_steps.to_string().len().max("exclusive".len());
        let mut out = String::new();
        let _ = writeln!(out, "{} steps retired; functions by exclusive steps:", self.total_steps);
        let _ = writeln!(
            out,
            "  {:>width$} {:>7}  {:>width$} {:>7}  {:>10}  function",
            "exclusive", "%", "inclusive", "%", "address"
        );
        for f in self.functions.iter().take(top) {
            let addr = f.addr.map_or_else(|| "-".to_string(), |a| format!("0x{a:x}"));
            let _ = writeln!(
                out,
                "  {:>width$} {:>6.2}%  {:>width$} {:>6.2}%  {addr:>10}  {}",
                f.exclusive,
                percent(f.exclusive),
                f.inclusive,
                percent(f.inclusive),
                f.name
            );
        }
        if self.functions.len() > top {
            let rest: u64 = self.functions[top..].iter().map(|f| f.exclusive).sum();
            let _ = writeln!(
                out,
                "  {rest:>width$} {:>6.2}%  ({} more functions)",
                percent(rest),
                self.functions.len() - top
            );
        }
        let _ = writeln!(out, "instruction classes:");
        for &(class, n) in &self.classes {
            let _ = writeln!(out, "  {:<8} {n:>width$} {:>6.2}%", class.name(), percent(n));
        }
        if self.unmatched_returns > 0 || self.overflowed_calls > 0 {
            let _ = writeln!(
                out,
                "call stacks: {} returns matched no call, {} calls overflowed the shadow stack \
                 (stacks are approximate there; exclusive counts are exact)",
                self.unmatched_returns, self.overflowed_calls
            );
        }
        out
    }

    /// The folded stacks, one `frame;frame;… steps` line per distinct stack, sorted.
    pub fn folded(&self) -> String {
        let mut out = String::new();
        for (stack, steps) in &self.stacks {
            let _ = writeln!(out, "{stack} {steps}");
        }
        out
    }

    /// Draws the folded stacks as an SVG flamegraph titled `title` into `writer`.
    pub fn write_flamegraph(&self, title: &str, writer: impl Write) -> Result<(), ProfileError> {
        let write_error = |source| ProfileError::Write { what: "flamegraph", source };
        if self.stacks.is_empty() {
            return Err(write_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "no step was retired, so there is nothing to draw",
            )));
        }
        let mut options = inferno::flamegraph::Options::default();
        options.title = title.to_string();
        options.count_name = "steps".to_string();
        // Colours from a hash of the name, so the same function keeps its colour
        // across runs and two profiles can be compared side by side.
        options.hash = true;
        options.deterministic = true;
        let folded = self.folded();
        inferno::flamegraph::from_lines(&mut options, folded.lines(), writer).map_err(write_error)
    }
}
