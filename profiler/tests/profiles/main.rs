//! The profiler's tests, one test binary: hand-counted assembly programs
//! ([`stacks`]) and the real example guests ([`examples`]), sharing the helpers in
//! [`common`].

mod common;
mod examples;
mod stacks;
