//! The STARK core (work in progress).
