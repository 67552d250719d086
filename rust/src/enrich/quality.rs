//! Data quality: which checks apply to a span and which it passed
//! (docs/span-schema.md "Data quality").

use super::columns::{COST_OVERRIDE, COST_PRICED};
use super::token_counts::opt_u32;
use super::{SpanFacts, SpanInputs};

/// `quality_checks` / `quality_passed` bits.
pub const Q_MODEL: u8 = 1;
pub const Q_TOKENS: u8 = 2;
pub const Q_COST: u8 = 4;
pub const Q_CARBON: u8 = 8;
pub const Q_VALID: u8 = 16;

/// What the checks read of a span besides its own columns.
pub(super) struct Outcome {
    /// Input and output token counts were both reported (not estimated).
    pub(super) reported_tokens: bool,
    pub(super) cost_status: u8,
    /// CPU or GPU time was reported.
    pub(super) compute_reported: bool,
    pub(super) impacts_known: bool,
}

/// (checks, passed) of an enriched span.
#[inline]
pub(super) fn quality(cols: &SpanInputs<'_>, span: &SpanFacts<'_>, o: &Outcome) -> (u8, u8) {
    let mut checks = Q_VALID;
    let mut passed = 0u8;
    if span.llm {
        checks |= Q_MODEL | Q_TOKENS | Q_COST;
        if !span.model.is_empty() {
            passed |= Q_MODEL;
        }
        if o.reported_tokens {
            passed |= Q_TOKENS;
        }
        if matches!(o.cost_status, COST_PRICED | COST_OVERRIDE) {
            passed |= Q_COST;
        }
    }
    if span.llm || o.compute_reported {
        checks |= Q_CARBON;
        if o.impacts_known {
            passed |= Q_CARBON;
        }
    }
    if span_is_valid(cols, span.i, span.llm) {
        passed |= Q_VALID;
    }
    (checks, passed)
}

/// (checks, passed) of a span decoded without prices or impact data:
/// validity is taken as passed, cost and carbon as failed.
#[inline]
pub(super) fn quality_unenriched(span: &SpanFacts<'_>, reported_tokens: bool) -> (u8, u8) {
    let checks = Q_VALID
        | if span.llm {
            Q_MODEL | Q_TOKENS | Q_COST | Q_CARBON
        } else {
            0
        };
    let mut passed = Q_VALID;
    if span.llm && !span.model.is_empty() {
        passed |= Q_MODEL;
    }
    if span.llm && reported_tokens {
        passed |= Q_TOKENS;
    }
    (checks, passed & checks)
}

/// The span's own figures hold together: a name, and for an LLM call a
/// reported total that is not below input + output.
fn span_is_valid(cols: &SpanInputs<'_>, i: usize, llm: bool) -> bool {
    if cols.name.value(i).is_empty() {
        return false;
    }
    if llm {
        if let (Some(inp), Some(out), Some(total)) = (
            opt_u32(cols.input_tokens, i),
            opt_u32(cols.output_tokens, i),
            opt_u32(cols.total_tokens, i),
        ) {
            return u64::from(total) >= u64::from(inp) + u64::from(out);
        }
    }
    true
}
