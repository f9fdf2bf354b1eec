//! Replaying the minimal trace (DESIGN.md §5) into per-step records.
//!
//! A segment is replayed from its own
//! [`SegmentTrace`](ziskjit_runtime::trace::SegmentTrace) alone: the start snapshot
//! gives the registers, and every value the segment read from memory is in its log,
//! so no memory image is needed and segments replay independently, one per core.
//! The replay runs the interpreter's own [`step`](ziskjit_runtime::step) over a
//! [`ReplayBus`] that serves loads from the log; it can therefore only disagree with
//! the interpreter if the trace is wrong, which the checks here catch:
//!
//! * the checksum recorded with each segment (a corrupted or truncated trace);
//! * the log must hold exactly what the steps consume, no less, no more;
//! * the end state of segment *k* must equal the start snapshot of segment *k+1*,
//!   and the last segment must end with `exit` at its last step.

mod replay;

pub use replay::{replay_segment, replay_segments, replay_stream, ReplayBus, ReplayError, ReplayedRun, SegmentEnd};
