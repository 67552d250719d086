//! What a span cost: its LLM call priced from genai-prices (or a project's
//! override), and infrastructure and data processing from the project's
//! rate card.

use super::columns::{LlmCost, COST_NOT_LLM, COST_OVERRIDE, COST_PRICED, COST_UNPRICED};
use super::read_attributes::AttrLookup;
use super::token_counts::{opt_u32, TokenCounts};
use super::{
    Enricher, RateCard, SpanFacts, SpanInputs, BYTES_READ_ATTRIBUTE, TOOL_NAME_ATTRIBUTES,
};
use crate::energy::ComputeUsage;
use crate::pricing::Usage;

/// The LLM cost of span `i`; unpriced (never 0) when the model or its
/// tokens are unknown, or the cost is too large for f64.
#[inline]
pub(super) fn llm_cost(
    e: &Enricher,
    cols: &SpanInputs<'_>,
    span: &SpanFacts<'_>,
    tokens: &TokenCounts,
) -> LlmCost {
    let (i, provider, model) = (span.i, span.provider, span.model);
    if !span.llm {
        return LlmCost {
            status: COST_NOT_LLM,
            usd: None,
        };
    }
    let project = cols.project.value(i);
    let start_ns = cols.start_time.value(i);
    let id = (!model.is_empty())
        .then(|| e.prices.resolve_for_project(project, provider, model))
        .flatten();
    let has_tokens = tokens.input.is_some() || tokens.output.is_some();
    if let (Some(id), true) = (id, has_tokens) {
        let usage = Usage::from_span(
            tokens.input.map(u64::from),
            tokens.output.map(u64::from),
            opt_u32(cols.cached_tokens, i).map(u64::from),
            None,
            opt_u32(cols.reasoning_tokens, i).map(u64::from),
        );
        // A cost too large for f64 is not a price: unpriced, never inf.
        let cost = e.prices.cost(id, start_ns, &usage);
        if let Some(c) = cost.filter(|c| c.total.is_finite()) {
            let status = if e.prices.model_ref(id).override_project.is_some() {
                COST_OVERRIDE
            } else {
                COST_PRICED
            };
            return LlmCost {
                status,
                usd: Some((c.total, c.input_total(), c.output_total())),
            };
        }
    }
    LlmCost {
        status: COST_UNPRICED,
        usd: None,
    }
}

/// Infrastructure (CPU and GPU seconds, tool calls) and data (bytes read)
/// costs from the project's rate card; unknown without one, or when the
/// figure is too large for f64. Times as the power model reads them:
/// negative, NaN or infinite is not reported.
#[inline]
pub(super) fn rate_card_costs(
    card: Option<&RateCard>,
    usage: &ComputeUsage,
    attrs: &AttrLookup<'_, '_>,
    cols: &SpanInputs<'_>,
    span: &SpanFacts<'_>,
) -> (Option<f64>, Option<f64>) {
    let seconds = |s: Option<f64>| s.filter(|s| s.is_finite() && *s >= 0.0);
    let mut infra = None;
    if let Some(card) = card {
        let add = |acc: &mut Option<f64>, v: f64| *acc = Some(acc.unwrap_or(0.0) + v);
        if let (Some(rate), Some(s)) = (card.cpu_second_usd, seconds(usage.cpu_seconds)) {
            add(&mut infra, rate * s);
        }
        if let (Some(rate), Some(s)) = (card.gpu_second_usd, seconds(usage.gpu_seconds)) {
            add(&mut infra, rate * s);
        }
        if span.span_type == "tool" && !card.tool_call_usd.is_empty() {
            let tool = TOOL_NAME_ATTRIBUTES
                .iter()
                .find_map(|k| attrs.span(k))
                .unwrap_or_else(|| cols.name.value(span.i));
            if let Some(&price) = card.tool_call_usd.get(tool) {
                add(&mut infra, price);
            }
        }
    }
    let data = card.and_then(|card| {
        let rate = card.gb_read_usd?;
        let bytes: f64 = attrs.span(BYTES_READ_ATTRIBUTE)?.trim().parse().ok()?;
        (bytes.is_finite() && bytes >= 0.0).then(|| rate * bytes / 1e9)
    });
    // A figure too large for f64 is unknown, never inf (JSON has no inf).
    (
        infra.filter(|v: &f64| v.is_finite()),
        data.filter(|v: &f64| v.is_finite()),
    )
}
