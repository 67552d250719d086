//! The energy and carbon of a span: an LLM call from EcoLogits' model at
//! its provider's data centre (or the zone the span names), other spans
//! from their reported CPU/GPU time where the app runs.

use super::columns::{ENERGY_COMPUTE, ENERGY_LLM, ENERGY_UNKNOWN};
use super::read_attributes::AttrLookup;
use super::{Enricher, SpanFacts};
use crate::energy::{ComputeUsage, Impacts, ZoneHints, ZoneSource};

/// The span's impacts (None when unknown or not finite), their
/// `energy_source` and the carbon zone they were computed for.
#[inline]
pub(super) fn energy_and_carbon<'e>(
    e: &'e Enricher,
    span: &SpanFacts<'_>,
    output_tokens: Option<u32>,
    duration_ns: i64,
    usage: &ComputeUsage,
    attrs: &AttrLookup<'_, '_>,
    project_zone: &'e str,
) -> (Option<Impacts>, u8, &'e str) {
    let (provider, model) = (span.provider, span.model);
    let (impacts, source, zone): (Option<Impacts>, u8, &str) = if span.llm {
        // The LLM ran at its provider's data centre: the app's own
        // resource (cloud.region of the service) does not say where.
        let hints = ZoneHints::from_attributes(|k| attrs.span(k));
        let model_ref = (!model.is_empty())
            .then(|| e.impacts.resolve(provider, model))
            .flatten();
        match (model_ref, output_tokens) {
            (Some(m), Some(out)) => {
                // Only the span's own zone or a region our table knows
                // say where it ran; else the matched model's provider
                // (not the project default an unknown region falls to).
                let resolved = e.impacts.resolve_zone(&hints, project_zone);
                let zone = match resolved.source {
                    ZoneSource::Explicit | ZoneSource::CloudRegion => resolved.zone,
                    ZoneSource::LlmProvider | ZoneSource::ProjectDefault => {
                        e.impacts.provider_zone(m)
                    }
                };
                let latency_s = duration_ns.max(0) as f64 / 1e9;
                let imp = e
                    .impacts
                    .llm_impacts(m, u64::from(out), latency_s, Some(zone));
                (imp, ENERGY_LLM, zone)
            }
            _ => (None, ENERGY_UNKNOWN, ""),
        }
    } else {
        // An agent or tool naming its LLM provider still runs where the
        // app runs: the provider's data centre is for LLM calls only.
        let hints = ZoneHints {
            llm_provider: None,
            ..ZoneHints::from_attributes(|k| attrs.any(k))
        };
        let zone = e.impacts.resolve_zone(&hints, project_zone).zone;
        match e.impacts.compute_impacts(usage, zone) {
            Some(imp) => (Some(imp), ENERGY_COMPUTE, zone),
            None => (None, ENERGY_UNKNOWN, ""),
        }
    };
    (impacts.filter(impacts_are_finite), source, zone)
}

/// Every figure is a number: an overflow (1e308 CPU seconds, say) is unknown.
fn impacts_are_finite(imp: &Impacts) -> bool {
    [imp.energy_kwh, imp.usage_gwp_kgco2eq]
        .iter()
        .chain(imp.embodied_gwp_kgco2eq.iter())
        .all(|e| e.value.is_finite() && e.min.is_finite() && e.max.is_finite())
}
