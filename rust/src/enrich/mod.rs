//! Cost, energy, carbon and data quality of every span, computed from the
//! columns of a decoded batch (docs/span-schema.md "Cost, energy, carbon").
//!
//! Runs once per request right after the batch is built, in the decode
//! thread: a pass over a few columns, with the attributes a span's figures
//! need gathered in one pass over its keys and resource attributes parsed
//! once per distinct resource. Unknown stays unknown: an LLM call whose model
//! cannot be priced gets a NULL cost and `cost_status` UNPRICED, never 0.
//!
//! Per span, in order: `token_counts` (estimates of missing counts, system
//! prompt tokens), `costs` (LLM, infrastructure, data), `carbon` (energy and
//! carbon), `quality`; `columns` holds the columns they fill; `enricher` what
//! enrichment knows (prices, impact data, project rules).

mod carbon;
mod columns;
mod costs;
mod enricher;
mod quality;
mod read_attributes;
mod system_tokens;
mod token_counts;

use arrow_array::{
    Array, Int64Array, MapArray, StringArray, TimestampNanosecondArray, UInt32Array,
};

pub(crate) use columns::Enriched;
pub use columns::{
    enrichment_fields, COST_NOT_LLM, COST_OVERRIDE, COST_PRICED, COST_UNPRICED, ENERGY_COMPUTE,
    ENERGY_LLM, ENERGY_UNKNOWN, ESTIMATED_INPUT, ESTIMATED_OUTPUT,
};
pub use enricher::{Enricher, ProjectRules, RateCard};
pub use quality::{Q_CARBON, Q_COST, Q_MODEL, Q_TOKENS, Q_VALID};

use crate::energy::ComputeUsage;
use crate::errors::{Error, Result};
use carbon::energy_and_carbon;
use columns::{EnrichmentColumns, TokenColumns};
use costs::{llm_cost, rate_card_costs};
use quality::{quality, quality_unenriched, Outcome};
use read_attributes::{gather_read_keys, resource_strings, AttrLookup};
use token_counts::{opt_u32, token_counts};

/// Span attributes the rate card reads.
pub const TOOL_NAME_ATTRIBUTES: [&str; 2] = ["gen_ai.tool.name", "tool.name"];
pub const BYTES_READ_ATTRIBUTE: &str = "gls.data.bytes_read";

/// The decoder's columns enrichment reads (by position in the span schema).
pub(crate) struct SpanInputs<'a> {
    pub project: &'a StringArray,
    pub span_type: &'a StringArray,
    pub name: &'a StringArray,
    pub start_time: &'a TimestampNanosecondArray,
    pub duration_ns: &'a Int64Array,
    pub model: &'a StringArray,
    pub provider: &'a StringArray,
    pub input_tokens: &'a UInt32Array,
    pub output_tokens: &'a UInt32Array,
    pub cached_tokens: &'a UInt32Array,
    pub reasoning_tokens: &'a UInt32Array,
    pub total_tokens: &'a UInt32Array,
    pub input: &'a StringArray,
    pub output: &'a StringArray,
    pub attributes: &'a MapArray,
    pub resource_attributes: &'a StringArray,
}

/// What every step reads of span `i`.
pub(super) struct SpanFacts<'a> {
    pub(super) i: usize,
    pub(super) span_type: &'a str,
    pub(super) provider: &'a str,
    pub(super) model: &'a str,
    /// An LLM call (see `is_llm_span`).
    pub(super) llm: bool,
}

/// An LLM call: what a provider bills. A chain or agent span that names a
/// model is not one (its LLM child is; counting both would bill twice).
fn is_llm_span(span_type: &str) -> bool {
    matches!(span_type, "llm" | "embedding")
}

/// Enriches the spans of one batch. `enricher` None: every figure unknown.
pub(crate) fn enrich(cols: &SpanInputs<'_>, enricher: Option<&Enricher>) -> Result<Enriched> {
    let n = cols.project.len();
    let mut out = EnrichmentColumns::with_capacity(n);
    let mut token_columns = TokenColumns::default();

    let entries = cols.attributes.entries();
    let keys = entries
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| Error::InvalidArgument("attribute keys are not utf8".into()))?;
    let values = entries
        .column(1)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| Error::InvalidArgument("attribute values are not utf8".into()))?;
    let offsets = cols.attributes.value_offsets();
    let mut resource: Vec<(String, String)> = Vec::new();
    let mut resource_text: Option<&str> = None;
    let mut span_attrs: Vec<(&str, &str)> = Vec::with_capacity(8);

    for i in 0..n {
        let res_json = cols.resource_attributes.value(i);
        if resource_text != Some(res_json) {
            resource = resource_strings(res_json);
            resource_text = Some(res_json);
        }
        gather_read_keys(
            keys,
            values,
            offsets[i] as usize..offsets[i + 1] as usize,
            &mut span_attrs,
        );
        let attrs = AttrLookup {
            span: &span_attrs,
            resource: &resource,
        };
        let span_type = cols.span_type.value(i);
        let span = SpanFacts {
            i,
            span_type,
            provider: cols.provider.value(i),
            model: cols.model.value(i),
            llm: is_llm_span(span_type),
        };
        let reported_tokens =
            opt_u32(cols.input_tokens, i).is_some() && opt_u32(cols.output_tokens, i).is_some();

        let Some(e) = enricher else {
            let (checks, passed) = quality_unenriched(&span, reported_tokens);
            let status = if span.llm {
                COST_UNPRICED
            } else {
                COST_NOT_LLM
            };
            out.push_unknown(status, checks, passed);
            continue;
        };
        let rules = e.rules(cols.project.value(i));

        let tokens = token_counts(e, cols, i, span.llm, span.model, &mut token_columns);
        out.push_tokens(tokens.system, tokens.estimated);

        let llm = llm_cost(e, cols, &span, &tokens);
        out.push_llm_cost(&llm);
        let usage = ComputeUsage::from_attributes(|k| attrs.any(k));
        let card = rules.map(|r| &r.rate_card);
        let (infra, data) = rate_card_costs(card, &usage, &attrs, cols, &span);
        out.push_other_costs(llm.usd.map(|(total, _, _)| total), infra, data);

        let (impacts, source, zone) = energy_and_carbon(
            e,
            &span,
            tokens.output,
            cols.duration_ns.value(i),
            &usage,
            &attrs,
            e.zone_default(rules),
        );
        out.push_impacts(impacts.as_ref(), source, zone);

        let (checks, passed) = quality(
            cols,
            &span,
            &Outcome {
                reported_tokens,
                cost_status: llm.status,
                compute_reported: usage.cpu_seconds.is_some() || usage.gpu_seconds.is_some(),
                impacts_known: impacts.is_some(),
            },
        );
        out.push_quality(checks, passed);
    }
    Ok(out.finish(token_columns))
}
