//! Guest profiles: where a guest program spends its steps.
//!
//! In a zkVM the cost that matters is the number of retired guest instructions
//! ("steps"): every step is a row of the main table, so proving time is proportional
//! to it, and a step saved in a hot function is proving time saved. Wall-clock time
//! of the emulator says little about that, so this crate counts steps, exactly:
//!
//! * per function, *exclusive* (steps at the function's own pcs) and *inclusive*
//!   (steps while it was on the call stack), from the ELF symbols
//!   ([`functions`]);
//! * per instruction class (ALU, mul/div, load, store, atomic, branch, jump,
//!   syscall, other; [`class`]);
//! * per call stack, reconstructed from the calls and returns going by
//!   ([`profiler`] explains the rules and their limits), written as folded stacks
//!   and drawn as a flamegraph ([`profile`]).
//!
//! The crate is only the *analysis*. It does not run guests: an engine hands it the
//! retired instructions, one at a time ([`Profiler::retire`], e.g. from the
//! interpreter's step records) or a straight-line block at a time
//! ([`Profiler::retire_block`], what a compiled engine can afford to report), so the
//! numbers do not depend on which engine produced them. It depends on the
//! transpiler alone (for the [`Program`](ziskjit_transpiler::Program): symbols and
//! the decoded ROM).
//!
//! ```text
//! let mut profiler = Profiler::new(&program);
//! interpreter.run_observed(&mut io, max_steps, Some(|r: &StepRecord| profiler.retire(r.pc, &r.inst, r.next_pc)))?;
//! let profile = profiler.finish();
//! print!("{}", profile.report(20));
//! ```

pub mod class;
pub mod functions;
pub mod profile;
pub mod profiler;

pub use class::InstClass;
pub use functions::{FunctionKind, FunctionMap};
pub use profile::{FunctionProfile, Profile};
pub use profiler::{Limits, ProfileError, Profiler, RETURN_SEARCH_WINDOW};
