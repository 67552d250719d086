//! TEST ORACLE (tests, and the `baseline` feature for benches): a second,
//! independent decode path, prost-decoded structs -> batch, as the core
//! decoded before the wire reader of `otlp_views.rs`. The property tests
//! (`decode::prop_tests`) assert that both give the same batch for the same
//! protobuf request. It shares with production only what is a contract, not
//! logic: the column buffers and span checks (`arrow_batch`), the attribute
//! type codes, and the semantic-convention key table (`semconv::keys`).

pub mod attr_text;
pub mod semconv;

use crate::decode::arrow_batch::{
    check_span, offset, Builder, DecodeOptions, Decoded, Reject, Rejections, TimeBounds, Utf8Col,
};
use crate::decode::otlp_messages::{ExportTraceServiceRequest, KeyValue};
use crate::decode::semconv::{valid_project, Col};
use crate::errors::{Error, Result};
use attr_text::{
    utf8, write_events_json, write_key_values_json, write_links_json, write_value_text, TYPE_STRING,
};
use semconv::{resource_info, tags, Found};

/// Decodes a protobuf request with prost and builds its batch (the old path).
pub fn decode_traces_prost(body: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    let req = crate::decode::otlp_messages::decode_request(bytes::Bytes::copy_from_slice(body))?;
    build(&req, opts, body.len())
}

#[inline]
fn text_col(found: &Found, col: Col, attrs: &[KeyValue], out: &mut Utf8Col) -> Result<()> {
    found.write_text(col, attrs, &mut out.data)?;
    out.end()
}

/// Builds the batch of a decoded request. `body_len` sizes the buffers.
pub fn build(
    req: &ExportTraceServiceRequest,
    opts: &DecodeOptions,
    body_len: usize,
) -> Result<Decoded> {
    if !valid_project(&opts.default_project) {
        return Err(Error::InvalidArgument(format!(
            "default_project {:?} is not a valid project name (1-128 characters of [A-Za-z0-9._-])",
            opts.default_project
        )));
    }
    let total: usize = req
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len())
        .sum();
    let mut b = Builder::new(total, body_len);
    let bounds = TimeBounds::of(opts);
    let mut rejected = Rejections::default();
    let mut projects: Vec<String> = Vec::new();
    let mut found = Found::default();
    let mut order: Vec<u32> = Vec::with_capacity(32);
    let mut accepted = 0usize;

    for rs in &req.resource_spans {
        let res_attrs: &[KeyValue] = rs
            .resource
            .as_ref()
            .map(|r| &r.attributes[..])
            .unwrap_or(&[]);
        let info = resource_info(res_attrs)?;
        let project = opts
            .project_override
            .clone()
            .or(info.project)
            .unwrap_or_else(|| opts.default_project.clone());
        let project_ok = valid_project(&project);
        let mut res_json = Vec::with_capacity(64);
        write_key_values_json(&mut res_json, res_attrs, 1)?;
        let res_json = std::str::from_utf8(&res_json).expect("validated");
        let mut project_listed = false;

        for ss in &rs.scope_spans {
            let (scope_name, scope_version, scope_json) = match &ss.scope {
                Some(sc) => {
                    let mut j = Vec::new();
                    write_key_values_json(&mut j, &sc.attributes, 1)?;
                    (
                        utf8(&sc.name, "scope name")?,
                        utf8(&sc.version, "scope version")?,
                        String::from_utf8(j).expect("validated"),
                    )
                }
                None => ("", "", "[]".to_owned()),
            };
            for span in &ss.spans {
                let reason = check_span(
                    &span.trace_id,
                    &span.span_id,
                    &span.parent_span_id,
                    span.start_time_unix_nano,
                    span.end_time_unix_nano,
                    bounds,
                )
                .or((!project_ok).then_some(Reject::Project));
                if let Some(r) = reason {
                    rejected.add(r);
                    continue;
                }
                accepted += 1;
                if !project_listed {
                    project_listed = true;
                    if !projects.contains(&project) {
                        projects.push(project.clone());
                    }
                }
                let attrs = &span.attributes[..];
                found.scan(attrs);

                b.project.push(&project)?;
                b.trace_id.extend_from_slice(&span.trace_id);
                b.span_id.extend_from_slice(&span.span_id);
                if span.parent_span_id.is_empty() {
                    b.parent_span_id.extend_from_slice(&[0; 8]);
                } else {
                    b.parent_span_id.extend_from_slice(&span.parent_span_id);
                }
                b.trace_state
                    .push(utf8(&span.trace_state, "span trace_state")?)?;
                b.flags.push(span.flags);
                b.name.push(utf8(&span.name, "span name")?)?;
                b.kind.push(u8::try_from(span.kind).unwrap_or(0));
                found.write_span_type(&mut b.span_type.data, attrs)?;
                b.span_type.end()?;
                b.service_name.push(&info.service_name)?;
                b.scope_name.push(scope_name)?;
                b.scope_version.push(scope_version)?;
                let (start, end) = (
                    span.start_time_unix_nano as i64,
                    span.end_time_unix_nano as i64,
                );
                b.start_time.push(start);
                b.end_time.push(end);
                b.duration_ns.push(end - start);
                match &span.status {
                    Some(st) => {
                        b.status_code.push(u8::try_from(st.code).unwrap_or(0));
                        b.status_message
                            .push(utf8(&st.message, "status message")?)?;
                    }
                    None => {
                        b.status_code.push(0);
                        b.status_message.end()?;
                    }
                }
                text_col(&found, Col::Model, attrs, &mut b.model)?;
                text_col(&found, Col::Provider, attrs, &mut b.provider)?;
                b.input_tokens.push(found.tokens(Col::InputTokens));
                b.output_tokens.push(found.tokens(Col::OutputTokens));
                b.cached_tokens.push(found.tokens(Col::CachedTokens));
                b.reasoning_tokens.push(found.tokens(Col::ReasoningTokens));
                b.total_tokens.push(found.tokens(Col::TotalTokens));
                text_col(&found, Col::Chain, attrs, &mut b.chain)?;
                text_col(&found, Col::Agent, attrs, &mut b.agent)?;
                text_col(&found, Col::UserId, attrs, &mut b.user_id)?;
                text_col(&found, Col::SessionId, attrs, &mut b.session_id)?;
                if !found.write_text(Col::Environment, attrs, &mut b.environment.data)? {
                    if let Some(env) = &info.environment {
                        b.environment.data.extend_from_slice(env.as_bytes());
                    }
                }
                b.environment.end()?;
                if let Some(kv) = found.attr(Col::Tags, attrs) {
                    for t in tags(kv)? {
                        b.tags_items.push(&t)?;
                    }
                }
                b.tags_offsets.push(offset(b.tags_items.offsets.len() - 1)?);
                found.write_io(false, attrs, &mut b.input.data)?;
                b.input.end()?;
                found.write_io(true, attrs, &mut b.output.data)?;
                b.output.end()?;

                // attributes / attribute_types: keys sorted, last duplicate
                // wins; the string attribute that is input (output) verbatim
                // goes to input_key (output_key) instead
                let in_ix = found.verbatim(Col::Input, attrs);
                let out_ix = found.verbatim(Col::Output, attrs);
                let (mut in_key, mut out_key) = ("", "");
                order.clear();
                order.extend(0..attrs.len() as u32);
                order.sort_by(|&x, &y| attrs[x as usize].key.cmp(&attrs[y as usize].key));
                for (j, &ix) in order.iter().enumerate() {
                    let kv = &attrs[ix as usize];
                    if let Some(&next) = order.get(j + 1) {
                        if attrs[next as usize].key == kv.key {
                            continue;
                        }
                    }
                    let key = utf8(&kv.key, "attribute key")?;
                    if Some(ix as usize) == in_ix {
                        in_key = key;
                        continue;
                    }
                    if Some(ix as usize) == out_ix {
                        out_key = key;
                        continue;
                    }
                    b.attr_keys.push(key)?;
                    let code = write_value_text(
                        &mut b.attr_values.data,
                        kv.value.as_ref().and_then(|v| v.value.as_ref()),
                    )?;
                    b.attr_values.end()?;
                    if code != TYPE_STRING {
                        b.type_keys.push(key)?;
                        b.type_values.push(code);
                    }
                }
                b.attr_offsets.push(offset(b.attr_keys.offsets.len() - 1)?);
                b.type_offsets.push(offset(b.type_values.len())?);
                b.input_key.push(in_key)?;
                b.output_key.push(out_key)?;

                b.resource_attributes.push(res_json)?;
                b.scope_attributes.push(&scope_json)?;
                write_events_json(&mut b.events.data, &span.events)?;
                b.events.end()?;
                write_links_json(&mut b.links.data, &span.links)?;
                b.links.end()?;
                b.dropped_attributes_count
                    .push(span.dropped_attributes_count);
                b.dropped_events_count.push(span.dropped_events_count);
                b.dropped_links_count.push(span.dropped_links_count);
            }
        }
    }

    Ok(Decoded {
        batch: b.finish(opts.received_ns, None)?,
        accepted_spans: accepted,
        rejected_spans: rejected.total(),
        rejection_message: rejected.message(total),
        projects,
    })
}
