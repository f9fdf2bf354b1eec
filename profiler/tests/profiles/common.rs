//! Shared helpers of the profiler tests: assembling a program and profiling a run of
//! it the two ways the CLI does: on the reference interpreter (every step) and on the
//! compiled profile variant (blocks). Every profile a test looks at is taken both
//! ways and must be identical, so each test also checks the compiled engine.

use ziskjit_profiler::{Limits, Profile, Profiler};
use ziskjit_runtime::jit::{Compiled, Jit};
use ziskjit_runtime::record::StepRecord;
use ziskjit_runtime::{Fault, Interpreter, Io, RunResult};
use ziskjit_transpiler::lower::Variant;
use ziskjit_transpiler::Program;

/// Assembles `source` (GNU as, with `_start`) and loads the ELF.
pub fn assemble(name: &str, source: &str) -> Program {
    ziskjit_testgen::toolchain::require_tools();
    let dir = tempfile::tempdir().expect("temporary directory");
    let elf = ziskjit_testgen::toolchain::assemble(dir.path(), name, source);
    load(&std::fs::read(elf).expect("read the assembled ELF"))
}

/// Loads an ELF image.
pub fn load(bytes: &[u8]) -> Program {
    ziskjit_transpiler::load_elf(bytes).expect("a loadable ELF")
}

/// Runs `program` on the interpreter with `input`, handing every step to `observe`;
/// returns the number of steps and the exit code.
pub fn run(program: &Program, input: &[u8], observe: impl FnMut(&StepRecord)) -> (u64, u8) {
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut machine = Interpreter::new(program).expect("guest memory");
    let result = machine
        .run_observed(&mut Io::in_memory(input, &mut public, &mut debug), 1 << 32, Some(observe))
        .expect("the guest runs to its exit");
    (result.steps, result.exit_code)
}

/// Profiles a run of `program` with the given stack limits, checking that both engines
/// give the same profile; also returns the interpreter's own step count.
pub fn profile_with(program: &Program, input: &[u8], limits: Limits) -> (Profile, u64) {
    let (profile, outcome) = both_engines(program, input, limits, 1 << 32);
    let steps = outcome.expect("the guest runs to its exit").steps;
    (profile, steps)
}

/// Profiles a run of at most `max_steps` steps on the interpreter and on the compiled
/// profile variant, asserts that the profiles and outcomes are equal, and returns them.
pub fn both_engines(
    program: &Program,
    input: &[u8],
    limits: Limits,
    max_steps: u64,
) -> (Profile, Result<RunResult, Fault>) {
    let (mut public, mut debug) = (Vec::new(), Vec::new());
    let mut profiler = Profiler::with_limits(program, limits);
    let mut machine = Interpreter::new(program).expect("guest memory");
    let observe = |r: &StepRecord| profiler.retire(r.pc, &r.inst, r.next_pc);
    let outcome = machine.run_observed(&mut Io::in_memory(input, &mut public, &mut debug), max_steps, Some(observe));
    let by_step = profiler.finish();

    let compiled = Compiled::new(program, Variant::Profile).expect("compile");
    let (mut jit_public, mut jit_debug) = (Vec::new(), Vec::new());
    let mut profiler = Profiler::with_limits(program, limits);
    let mut machine = Jit::new(program, &compiled).expect("guest memory");
    let jit_outcome =
        machine.profile(&mut Io::in_memory(input, &mut jit_public, &mut jit_debug), max_steps, |pc, n, next| {
            profiler.retire_block(pc, n, next).expect("the compiled code reports blocks of the program")
        });
    assert_eq!(jit_outcome, outcome, "the compiled profile run ended differently");
    assert_eq!(jit_public, public, "the compiled profile run wrote a different public output");
    assert_eq!(profiler.finish(), by_step, "the compiled engine's profile differs from the interpreter's");
    (by_step, outcome)
}

/// [`profile_with`] the default limits.
pub fn profile(program: &Program, input: &[u8]) -> (Profile, u64) {
    profile_with(program, input, Limits::default())
}

/// The (exclusive, inclusive) steps of the function called `name`.
pub fn counts(profile: &Profile, name: &str) -> (u64, u64) {
    let f = profile.function(name).unwrap_or_else(|| panic!("no function `{name}` in the profile"));
    (f.exclusive, f.inclusive)
}

/// The invariants every profile satisfies: exclusive counts, folded-stack counts and
/// class counts each sum to the total; no inclusive count is below its exclusive
/// count or above the total; the folded text parses back to the same stacks.
pub fn check_invariants(profile: &Profile) {
    let total = profile.total_steps;
    assert_eq!(profile.functions.iter().map(|f| f.exclusive).sum::<u64>(), total, "exclusive counts");
    assert_eq!(profile.stacks.values().sum::<u64>(), total, "folded counts");
    assert_eq!(profile.classes.iter().map(|(_, n)| n).sum::<u64>(), total, "class counts");
    for f in &profile.functions {
        assert!(f.exclusive <= f.inclusive && f.inclusive <= total, "{f:?}");
    }
    let parsed = parse_folded(&profile.folded());
    assert_eq!(parsed.len(), profile.stacks.len());
    for (stack, steps) in &parsed {
        assert_eq!(profile.stacks.get(stack), Some(steps), "folded line `{stack} {steps}`");
        assert!(stack.split(';').all(|frame| !frame.is_empty()), "empty frame in `{stack}`");
    }
}

/// Parses folded-stack text: every line is `frames count`, the count after the last
/// space. Panics on a malformed line.
pub fn parse_folded(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .map(|line| {
            let (stack, count) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no count in `{line}`"));
            let count = count.parse().unwrap_or_else(|e| panic!("bad count in `{line}`: {e}"));
            (stack.to_string(), count)
        })
        .collect()
}
