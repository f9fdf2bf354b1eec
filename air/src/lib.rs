//! `ziskjit-air`: the RISC-V execution as a set of tables (AIRs) on the
//! [`ziskjit_prover`] bus, their witness generation from replayed segments, and the
//! prove/verify pipeline behind `ziskjit prove` / `ziskjit verify`.
//!
//! # The shape of the argument
//!
//! A run is cut into execution segments of `S` steps (the minimal trace's segments).
//! Every execution segment proof holds every table (a table with nothing to do in a
//! segment has padding rows that put nothing on the bus), its own ROM and bytes table
//! included, plus one last *memory segment* holding the final memory table and a bytes
//! table (its ROM is absent: it executes nothing). All tables talk over the buses of [`bus`]; the statement (what
//! the verifier computes from the ELF and the claimed output) adds the boundary messages.
//!
//! | table | rows | role |
//! |---|---|---|
//! | [`main`](crate::cpu) | one per step | fetches the instruction from the ROM, reads `rs1`/`rs2`, writes `rd`, computes the next pc, delegates arithmetic to the ALU bus, memory instructions to the memop bus, `ecall` to the syscall bus |
//! | [`rom`] | one per instruction of the ELF (preprocessed) | the program: its commitment is the verification key |
//! | [`alu`] | one per ALU operation | add/sub, logic, shifts, comparisons (and the W forms) |
//! | [`muldiv`] | one per M-extension operation | mul, mulh*, div*, rem* with their corner cases |
//! | [`memop`] | one per memory instruction but aligned `ld`/`sd` | loads/stores of every width and alignment against aligned 64-bit words, LR/SC, AMOs |
//! | [`memword`] | one per `ld`/`sd` at an address divisible by 8 | the common memory instruction, at a quarter of memop's cost |
//! | [`syscall`] | per `ecall`, plus one per buffer word | `exit`, `write` (public output bytes), `read` (private input bytes) |
//! | [`boundary`] | one per memory cell a segment touches | imports each cell's value from the global bus at the segment's start, exports it at its end |
//! | [`final_memory`] | one per cell the run touched or the ELF initialises | creates every cell once with its initial value and consumes its final value |
//! | [`bytes`] | 2^16 (preprocessed) | 16-bit range checks, byte-pair range checks, bytewise AND/OR/XOR |
//!
//! # Memory: offline checking with timestamps
//!
//! Registers, memory words and the LR/SC reservation are all *cells* ([`bus::cell`]).
//! A cell's value travels as a *token* `(segment, cell, v0, v1, v2, v3, time)` on [`bus::MEMORY`]
//! (the segment number keeps tokens inside their segment, see [`bus::MEMORY`]): an
//! access at time `t` receives the token left by the previous access (`t' < t`, checked
//! by a range check of `t − t' − 1`) and sends a new one with its own time and the new
//! value (the same value for a read). Times are local to a segment (see [`bus::ts`]);
//! between segments a cell travels on [`bus::GLOBAL_MEMORY`] as `(cell, v0..v3, segment)`
//! through the [`boundary`] table, and the
//! [`final_memory`] table creates each cell once (value from the ELF
//! image, sent by the statement, or zero) and consumes its last value. Since a token is
//! consumed by exactly one access and times strictly increase along a cell's chain, every
//! read returns the last value written (Blum et al.'s offline memory checking).
//!
//! # Values
//!
//! The field is KoalaBear, `p = 2^31 − 2^24 + 1`, with challenges in its degree-4
//! extension: a 64-bit value is four 16-bit limbs `v0..v3` (low first), each a field
//! element `< 2^16`. Tables that *create* a value (ALU results, loaded sub-words, input
//! bytes) range-check its limbs; values read from tokens are trusted, being created by
//! such a table or by the statement. Every constraint read as an equation between
//! integers states its integer range beside it, and that range is narrower than `p`, so
//! the equation holds over the integers. Products of two data values are byte × byte.
//! `air/PORT31.md` is the design of this representation (it replaced 32-bit limbs over
//! Goldilocks, which DESIGN.md specified, for about 1.5× faster proving).
//!
//! # Degrees
//!
//! With the default blowup 2, a constraint may have degree ≤ 3 including its selector
//! (`when_first_row`/`when_last_row` add one; `when_transition` is counted as degree 0,
//! as in Plonky3). A bus interaction alone costs degree
//! `max(1 + degree of its tuple entries, degree of its multiplicity)`, and two sharing a
//! LogUp column `max(1 + deg t_1 + deg t_2, deg m_1 + deg t_2, deg m_2 + deg t_1)`: keep
//! tuple entries and multiplicities of degree ≤ 2, and tuples of degree 1 where possible,
//! so that the prover can pair interactions (see `ziskjit_prover::symbolic`).

pub mod boundary;
pub mod bus;
pub mod bytes;
mod columns;
pub mod cpu;
pub mod debug;
pub mod final_memory;
pub mod gadgets;
pub mod parts;
pub mod rom;
pub mod run_proof;
pub mod segment;
pub mod table;
pub mod witness;

pub mod alu;
pub mod memop;
pub mod memword;
pub mod muldiv;
pub mod syscall;

/// The field of every table: KoalaBear (see "Values").
pub type Val = p3_koala_bear::KoalaBear;
