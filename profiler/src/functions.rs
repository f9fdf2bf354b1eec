//! The function map: which function every code address belongs to.
//!
//! A profile is only as readable as its names, and a guest has nothing but its ELF
//! symbol table to name code with. The map is built once per program and is dense in
//! the same way as the ROM ([`Program::code`]): one entry per halfword of the
//! executable span, so attributing a retired step to its function is one array index
//! on the hot path, never a search, whatever the number of symbols.
//!
//! Rules, in the order they are applied:
//! * Every `STT_FUNC` symbol the transpiler kept claims `[addr, addr + size)`. Symbols
//!   are visited in address order and a halfword keeps its first claimant, so an alias
//!   (two names at one address, e.g. after identical-code folding) is reported under
//!   the name that sorts first, and a symbol nested inside another gets only what its
//!   container does not already cover.
//! * A symbol of size 0 (hand-written assembly without `.size`) extends to the next
//!   symbol, as `perf` does: otherwise its code would be anonymous.
//! * Executable code that no symbol covers is grouped into one pseudo-function per
//!   maximal uncovered run, named `[unknown 0x…]` after the run's first address. Runs
//!   are few (at most one more than the symbols), so the profile stays small, and the
//!   address tells a person where to look with `objdump`.
//! * A pc outside the ROM cannot retire on either engine, but an event source is not
//!   trusted: such a pc is counted under the single pseudo-function `[no code]`.
//!
//! Names are demangled with `rustc-demangle` in its alternate form (no trailing hash),
//! which is how Rust backtraces print them; C names pass through unchanged.

use ziskjit_transpiler::Program;

/// An index into [`FunctionMap::functions`].
pub type FuncId = u32;

/// What a [`Function`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionKind {
    /// An ELF function symbol.
    Symbol,
    /// Executable code covered by no symbol.
    Unknown,
    /// A pc outside the ROM.
    NoCode,
    /// The stand-in for call-stack frames elided below the depth limit; it never
    /// retires a step itself (see the `profiler` module).
    Elided,
}

/// One function of the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// The display name (demangled for symbols).
    pub name: String,
    /// The first address (the symbol's address, or the start of an unknown run);
    /// `None` for the pseudo-functions that cover no address.
    pub addr: Option<u64>,
    pub kind: FunctionKind,
}

/// Every function of a program and the dense pc → function table.
#[derive(Clone, Debug)]
pub struct FunctionMap {
    pub functions: Vec<Function>,
    /// `table[i]`: the function of the halfword at `code_base + 2 * i`.
    table: Vec<FuncId>,
    code_base: u64,
    no_code: FuncId,
    elided: FuncId,
}

/// Marks a halfword no symbol has claimed yet while the table is built.
const UNCLAIMED: FuncId = FuncId::MAX;

impl FunctionMap {
    /// Builds the map of `program` (see the module docs for the rules).
    pub fn new(program: &Program) -> FunctionMap {
        let code_base = program.code_base;
        let code_end = code_base + 2 * program.code.len() as u64;
        let mut functions = Vec::new();
        let mut table = vec![UNCLAIMED; program.code.len()];
        let slot = |addr: u64| ((addr.clamp(code_base, code_end) - code_base) / 2) as usize;
        for (i, sym) in program.symbols.iter().enumerate() {
            let end = match sym.size {
                0 => program.symbols[i + 1..].iter().map(|s| s.addr).find(|&a| a > sym.addr).unwrap_or(code_end),
                size => sym.addr.saturating_add(size),
            };
            // Round the start down to a halfword like the ROM does; an odd symbol
            // address is not a valid instruction address but must not shift the map.
            let (first, last) = (slot(sym.addr & !1), slot(end.saturating_add(1)));
            let claimed = table[first..last].iter_mut().filter(|id| **id == UNCLAIMED);
            let id = functions.len() as FuncId;
            let mut any = false;
            for entry in claimed {
                *entry = id;
                any = true;
            }
            if any {
                let name = format!("{:#}", rustc_demangle::demangle(&sym.name));
                functions.push(Function { name, addr: Some(sym.addr), kind: FunctionKind::Symbol });
            }
        }
        let mut previous = None;
        for (i, entry) in table.iter_mut().enumerate() {
            if *entry == UNCLAIMED {
                let id = match previous {
                    Some((prev_slot, id)) if prev_slot + 1 == i => id,
                    _ => {
                        let addr = code_base + 2 * i as u64;
                        functions.push(Function {
                            name: format!("[unknown 0x{addr:x}]"),
                            addr: Some(addr),
                            kind: FunctionKind::Unknown,
                        });
                        (functions.len() - 1) as FuncId
                    }
                };
                *entry = id;
                previous = Some((i, id));
            }
        }
        let no_code = functions.len() as FuncId;
        functions.push(Function { name: "[no code]".into(), addr: None, kind: FunctionKind::NoCode });
        let elided = functions.len() as FuncId;
        functions.push(Function { name: "[elided frames]".into(), addr: None, kind: FunctionKind::Elided });
        FunctionMap { functions, table, code_base, no_code, elided }
    }

    /// The function `pc` belongs to.
    #[inline]
    pub fn lookup(&self, pc: u64) -> FuncId {
        // Below the base the subtraction wraps to an index far past the table.
        self.table.get((pc.wrapping_sub(self.code_base) >> 1) as usize).copied().unwrap_or(self.no_code)
    }

    /// The pseudo-function standing for elided call-stack frames.
    pub fn elided(&self) -> FuncId {
        self.elided
    }
}
