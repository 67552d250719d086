//! Token counts a span did not report, estimated from its text with the
//! model's tokenizer, and the tokens of its system prompt.

use arrow_array::{Array, UInt32Array};

use super::columns::{TokenColumns, ESTIMATED_INPUT, ESTIMATED_OUTPUT};
use super::{Enricher, SpanInputs};
use crate::tokens;

#[inline]
pub(super) fn opt_u32(a: &UInt32Array, i: usize) -> Option<u32> {
    a.is_valid(i).then(|| a.value(i))
}

/// What the token step found for one LLM span.
pub(super) struct TokenCounts {
    pub(super) input: Option<u32>,
    pub(super) output: Option<u32>,
    /// `ESTIMATED_*` bits of the counts estimated here.
    pub(super) estimated: u8,
    pub(super) system: Option<u32>,
}

/// Estimates what is missing of span `i`'s token counts from its text, and
/// counts its system prompt's tokens; records estimates in `columns`.
#[inline]
pub(super) fn token_counts(
    e: &Enricher,
    cols: &SpanInputs<'_>,
    i: usize,
    llm: bool,
    model: &str,
    columns: &mut TokenColumns,
) -> TokenCounts {
    let mut input_tokens = opt_u32(cols.input_tokens, i);
    let mut output_tokens = opt_u32(cols.output_tokens, i);
    let mut estimated = 0u8;
    let mut system = None;
    if llm && !model.is_empty() {
        let prompt = cols.input.value(i);
        if input_tokens.is_none() && !prompt.is_empty() {
            if let Ok(est) = tokens::estimate_tokens(model, prompt) {
                input_tokens = Some(est.tokens);
                estimated |= ESTIMATED_INPUT;
            }
        }
        // Same rule whether or not the count was estimated: NULL when the
        // prompt is not a message array (the estimate says 0 for plain text).
        if !prompt.is_empty() {
            system = e.system_tokens(model, prompt);
        }
        let completion = cols.output.value(i);
        if output_tokens.is_none() && !completion.is_empty() {
            if let Ok(est) = tokens::estimate_completion_tokens(model, completion) {
                output_tokens = Some(est);
                estimated |= ESTIMATED_OUTPUT;
            }
        }
    }
    if estimated != 0 {
        let n = cols.project.len();
        let fill = |slot: &mut Option<Vec<Option<u32>>>, col: &UInt32Array| {
            slot.get_or_insert_with(|| (0..n).map(|j| opt_u32(col, j)).collect());
        };
        fill(&mut columns.input, cols.input_tokens);
        fill(&mut columns.output, cols.output_tokens);
        fill(&mut columns.total, cols.total_tokens);
        if let Some(v) = columns.input.as_mut() {
            v[i] = input_tokens;
        }
        if let Some(v) = columns.output.as_mut() {
            v[i] = output_tokens;
        }
        if let Some(v) = columns.total.as_mut() {
            if v[i].is_none() {
                v[i] = match (input_tokens, output_tokens) {
                    (Some(a), Some(b)) => Some(a.saturating_add(b)),
                    _ => None,
                };
            }
        }
    }
    TokenCounts {
        input: input_tokens,
        output: output_tokens,
        estimated,
        system,
    }
}
