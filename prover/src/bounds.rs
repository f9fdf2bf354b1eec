//! LogUp's multiplicity bounds: how many bus terms a proof set may have in a field as
//! small as KoalaBear.
//!
//! **Why.** The LogUp claim ([`crate::logup`]) concludes "the sent and received multisets
//! differ ⇒ the bus sum is a non-zero rational function of `γ`". That needs each message's
//! *net multiplicity* to be non-zero **in the field** whenever it is non-zero as an
//! integer. Multiplicities are field elements, so `p` identical sends of a false message
//! (say a lookup of a value out of range) cancel: `p·1 = 0`. In Goldilocks
//! (`p ≈ 2^64`) no proof set is that large; in KoalaBear (`p ≈ 2^31`) a long run is
//! (`2^31` steps are about 8 000 segments of `2^18` rows).
//!
//! **The argument.** The tables are trusted (by the caller of [`crate::setup`]) to keep
//! this contract: every interaction either has a multiplicity in `{−1, 0, 1}` on every
//! row, or carries only *true* messages (a lookup table receiving, with a free
//! multiplicity, tuples it proves true; such a message needs no soundness from LogUp).
//! For a false message `t`, let `c_t` be the number of (row, interaction) pairs that may
//! carry it plus the statement's copies of it. Its integer net multiplicity `N_t` has
//! `|N_t| ≤ c_t`; if `c_t < p`, then `N_t ≡ 0 (mod p)` forces `N_t = 0`. So if every false
//! message's count is below `p`, the multisets agree as integers on the false messages,
//! which is what the AIRs' soundness arguments use. (A multiplicity bounded by `k > 1` on
//! false messages is outside the contract: such an interaction would have to count `k`
//! times.)
//!
//! **Local buses.** Counting over the whole proof set makes the bound grow with the run.
//! A caller may name *local buses* ([`crate::setup_with_local_buses`], recorded in
//! [`VerifyingKey::local_buses`]): buses on which every tuple carries a tag that the AIRs
//! constrain to a value *distinct for each segment of a proof set* (the segment number, a
//! public value the segment's state messages bind). A false message on a local bus then
//! lives in one segment, and its count is bounded by that segment's terms. **The prover
//! does not check the tags**: naming a bus local is the caller's promise that its AIRs
//! tag every tuple on it with the segment, and a false promise voids the bound.
//!
//! **The checks** (on the heights each segment claims, which its proof binds; an absent
//! table counts 0 rows), each `< p` or the verifier rejects:
//!
//! * (a) per segment, [`VerifyError::SegmentBusTerms`]: `Σ_T height_T · #interactions_T`
//!   over all the segment's tables and interactions (a superset of its local terms: the
//!   simpler bound is far from binding for honest segments, `≈ 2^24` for `2^18` RISC-V
//!   steps), plus the statement's messages on local buses (a statement message of
//!   multiplicity `m` counts `|m|`, `m` read as a signed integer in `(−p/2, p/2)`; a
//!   tagged message of the statement may match any one segment, so each counts it);
//! * (b) over the proof set, [`VerifyError::GlobalBusTerms`]: `Σ_segments Σ_T height_T ·
//!   #(interactions of T on non-local buses)` plus the statement's messages on non-local
//!   buses.
//!
//! A message on a local bus is counted by (a) of its segment, one on another bus by (b)
//! (the bus id is part of the fingerprint, so messages of different buses never match),
//! so every `c_t` is below `p`. The bound is `p` itself, not a fraction of it: `|N_t| ≤
//! c_t < p` is all the argument needs. With no local buses, (b) counts every term and
//! implies (a); in Goldilocks neither can be reached by an honest run.

use p3_field::PrimeField64;
use p3_uni_stark::{StarkGenericConfig, Val};

use crate::air::BusId;
use crate::error::VerifyError;
use crate::keys::VerifyingKey;
use crate::proof::{Statement, ABSENT};

/// The bus terms of a proof set, as the checks of [`crate::bounds`] count them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusTerms {
    /// Per segment, check (a): rows × interactions of all its tables, plus `|m|` of the
    /// statement's messages on local buses.
    pub segments: Vec<u128>,
    /// Check (b): rows × interactions on non-local buses over all segments, plus `|m|`
    /// of the statement's messages on non-local buses.
    pub global: u128,
}

/// `|m|` of a multiplicity read as a signed integer in `(−p/2, p/2)`.
fn magnitude<F: PrimeField64>(m: F) -> u128 {
    let c = m.as_canonical_u64();
    u128::from(c.min(F::ORDER_U64 - c))
}

/// `2^log_height` rows, 0 for an absent table, saturating for a height no field has.
fn rows(log_height: u8) -> u128 {
    match log_height {
        ABSENT => 0,
        h => 1u128.checked_shl(u32::from(h)).unwrap_or(u128::MAX),
    }
}

impl<SC: StarkGenericConfig> VerifyingKey<SC> {
    /// Whether `bus` is one of the key's [local buses](Self::local_buses).
    pub fn is_local(&self, bus: BusId) -> bool {
        self.local_buses.contains(&bus)
    }

    /// Counts the bus terms of a proof set whose segments claim table heights
    /// `2^segment_log_heights[s][t]` ([`crate::SegmentCommitment::log_heights`]), under
    /// `statement` (see [`crate::bounds`]). Heights beyond the key's tables are ignored,
    /// and missing ones count as absent (the shape check rejects either).
    pub fn bus_terms<'a>(
        &self,
        statement: &Statement<Val<SC>>,
        segment_log_heights: impl IntoIterator<Item = &'a [u8]>,
    ) -> BusTerms {
        let (mut local_messages, mut global) = (0u128, 0u128);
        for m in &statement.boundary {
            let weight = magnitude(m.multiplicity);
            match self.is_local(m.bus) {
                true => local_messages = local_messages.saturating_add(weight),
                false => global = global.saturating_add(weight),
            }
        }
        let per_table: Vec<(u128, u128)> = self
            .tables
            .iter()
            .map(|t| {
                let all = t.analysis.interactions.len();
                let non_local = t.analysis.interactions.iter().filter(|i| !self.is_local(i.bus)).count();
                (all as u128, non_local as u128)
            })
            .collect();
        let mut segments = Vec::new();
        for log_heights in segment_log_heights {
            let mut terms = local_messages;
            for (&(all, non_local), &log_h) in per_table.iter().zip(log_heights) {
                let n = rows(log_h);
                terms = terms.saturating_add(n.saturating_mul(all));
                global = global.saturating_add(n.saturating_mul(non_local));
            }
            segments.push(terms);
        }
        BusTerms { segments, global }
    }

    /// [`Self::bus_terms`], rejecting a segment with `p` or more terms (check (a),
    /// [`VerifyError::SegmentBusTerms`]) and a proof set with `p` or more terms on
    /// non-local buses (check (b), [`VerifyError::GlobalBusTerms`]), `p` the base field's
    /// characteristic. [`crate::verify_segments`] calls it on the heights the proofs
    /// claim, and [`crate::prove_segments`] after phase 1; a caller running the phases
    /// itself may call it on the phase-1 commitments before proving phase 2.
    pub fn check_bus_terms<'a>(
        &self,
        statement: &Statement<Val<SC>>,
        segment_log_heights: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<BusTerms, VerifyError> {
        let terms = self.bus_terms(statement, segment_log_heights);
        let modulus = Val::<SC>::ORDER_U64;
        if let Some((segment, &count)) = terms.segments.iter().enumerate().find(|(_, &c)| c >= u128::from(modulus)) {
            return Err(VerifyError::SegmentBusTerms { segment, terms: count, modulus });
        }
        if terms.global >= u128::from(modulus) {
            return Err(VerifyError::GlobalBusTerms { terms: terms.global, modulus });
        }
        Ok(terms)
    }
}
