//! An encoded protobuf request -> one Arrow `RecordBatch` of its spans (see
//! docs/span-schema.md): the walk over resources, scopes and spans, which
//! spans are accepted, and what the result reports.
//!
//! - `schema`: the columns, in order;
//! - `columns`: their buffers;
//! - `span_checks`: which spans are refused, and why;
//! - `span_row`: one accepted span -> one row of every column;
//! - `key_order`: a span's attribute keys in byte order, for the maps;
//! - `finish`: the buffers -> the Arrow batch, with enrichment's columns.

mod columns;
mod finish;
mod key_order;
mod schema;
mod span_checks;
mod span_row;

use std::sync::Arc;

use arrow_array::RecordBatch;

pub(crate) use columns::Builder;
// For the test oracle, which fills the same column buffers.
#[cfg(any(test, feature = "baseline"))]
pub(crate) use columns::{offset, Utf8Col};
pub use schema::span_schema;
pub(crate) use span_checks::{check_span, Reject, Rejections, TimeBounds};

use crate::decode::attr_text::{utf8, write_key_values_json};
use crate::decode::otlp_views::{
    scan_resource, scan_scope, validate_request, Kv, Outline, SpanView,
};
use crate::decode::semconv::{resource_info, valid_project};
use crate::enrich::Enricher;
use crate::errors::{Error, Result};
use span_row::{ScopeRows, SpanRows};

/// Options of one decode.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub default_project: String,
    pub project_override: Option<String>,
    pub received_ns: i64,
    /// Spans that start before this are refused as past the store's retention
    /// (their day would be deleted within the hour); 0 keeps every age.
    pub oldest_start_ns: i64,
    /// Prices, impact data and project rules for cost and carbon; `None`
    /// leaves every figure unknown (NULL).
    pub enricher: Option<Arc<Enricher>>,
}

/// The result of decoding one request.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub batch: RecordBatch,
    pub accepted_spans: usize,
    pub rejected_spans: usize,
    pub rejection_message: String,
    pub projects: Vec<String>,
}

/// Builds the batch of an encoded protobuf `ExportTraceServiceRequest`.
/// `body_len` sizes the buffers.
///
/// Errors: a protobuf error (or an AnyValue nested too deep) anywhere in the
/// request wins over the other errors (invalid UTF-8, ...), as when the whole
/// request was decoded first: when building fails, the request is checked in
/// full and its first structural error, if any, is returned instead.
pub fn build_proto(body: &[u8], opts: &DecodeOptions, body_len: usize) -> Result<Decoded> {
    build_inner(body, opts, body_len).map_err(|e| validate_request(body).err().unwrap_or(e))
}

fn build_inner(body: &[u8], opts: &DecodeOptions, body_len: usize) -> Result<Decoded> {
    if !valid_project(&opts.default_project) {
        return Err(Error::InvalidArgument(format!(
            "default_project {:?} is not a valid project name (1-128 characters of [A-Za-z0-9._-])",
            opts.default_project
        )));
    }
    let outline = Outline::scan(body)?;
    let total = outline.spans.len();
    let mut b = Builder::new(total, body_len);
    let bounds = TimeBounds::of(opts);
    let mut rejected = Rejections::default();
    let mut projects: Vec<String> = Vec::new();
    let mut rows = SpanRows::default();
    let mut accepted = 0usize;
    let mut span = SpanView::default();
    let mut seen = 0usize;
    const SAMPLE: usize = 16;

    for (resource, scopes) in &outline.resources {
        let mut res_attrs: Vec<Kv> = Vec::new();
        if let Some(r) = resource {
            scan_resource(r, &mut res_attrs)?;
        }
        let mut info = resource_info(&res_attrs)?;
        let project = opts
            .project_override
            .clone()
            .or(info.project.take())
            .unwrap_or_else(|| opts.default_project.clone());
        let project_ok = valid_project(&project);
        let mut res_json = Vec::with_capacity(64);
        write_key_values_json(&mut res_json, &res_attrs, 1)?;
        let mut project_listed = false;

        for (scope, spans) in &outline.scopes[scopes.clone()] {
            let sc = scope.as_deref().map(scan_scope).transpose()?;
            let (scope_name, scope_version, scope_json) = match &sc {
                Some(sc) => {
                    let mut j = Vec::new();
                    write_key_values_json(&mut j, &sc.attrs, 1)?;
                    (
                        utf8(sc.name, "scope name")?,
                        utf8(sc.version, "scope version")?,
                        j,
                    )
                }
                None => ("", "", b"[]".to_vec()),
            };
            b.resource_attributes
                .data
                .reserve(res_json.len() * spans.len());
            let shared = ScopeRows {
                project: &project,
                service_name: &info.service_name,
                environment: info.environment.as_deref(),
                resource_json: &res_json,
                scope_name,
                scope_version,
                scope_json: &scope_json,
            };
            for &sb in &outline.spans[spans.clone()] {
                seen += 1;
                if accepted == SAMPLE && total - seen > SAMPLE {
                    b.extrapolate(SAMPLE, total - seen + 1);
                }
                span.scan(sb)?;
                let reason = check_span(
                    span.trace_id,
                    span.span_id,
                    span.parent_span_id,
                    span.start_time_unix_nano,
                    span.end_time_unix_nano,
                    bounds,
                )
                .or((!project_ok).then_some(Reject::Project));
                if let Some(r) = reason {
                    rejected.add(r);
                    span.validate_events_links()?;
                    continue;
                }
                accepted += 1;
                if !project_listed {
                    project_listed = true;
                    if !projects.contains(&project) {
                        projects.push(project.clone());
                    }
                }
                rows.push(&mut b, &span, &shared)?;
            }
        }
    }

    Ok(Decoded {
        batch: b.finish(opts.received_ns, opts.enricher.as_deref())?,
        accepted_spans: accepted,
        rejected_spans: rejected.total(),
        rejection_message: rejected.message(total),
        projects,
    })
}
