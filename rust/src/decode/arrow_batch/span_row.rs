//! One accepted span -> one row of every column: its own fields, the
//! normalised columns the semantic conventions feed (`semconv`), the
//! attribute maps, events and links, and what its resource and scope share.

use super::columns::{offset, Builder, Utf8Col};
use super::key_order::KeySorter;
use crate::decode::attr_text::{put, utf8, write_events_json, write_links_json, TYPE_STRING};
use crate::decode::otlp_views::{Kv, SpanView};
use crate::decode::semconv::{tags, Col, Found};
use crate::errors::Result;

/// What the spans of one scope share.
pub(super) struct ScopeRows<'a> {
    pub(super) project: &'a str,
    pub(super) service_name: &'a str,
    /// The resource's environment, for spans that name none.
    pub(super) environment: Option<&'a str>,
    pub(super) resource_json: &'a [u8],
    pub(super) scope_name: &'a str,
    pub(super) scope_version: &'a str,
    pub(super) scope_json: &'a [u8],
}

/// Writes span rows; keeps what one span needs (the attribute scan, the key
/// order and the permutations that sorted the last spans) from span to span.
#[derive(Default)]
pub(super) struct SpanRows {
    found: Found,
    sorter: KeySorter,
}

impl SpanRows {
    /// Appends the row of an accepted span. The columns are written in
    /// schema order, so the first invalid field found is the one reported.
    #[inline]
    pub(super) fn push(
        &mut self,
        b: &mut Builder,
        span: &SpanView,
        scope: &ScopeRows,
    ) -> Result<()> {
        let attrs = &span.attrs[..];
        let found = &mut self.found;
        found.scan(attrs);

        b.project.push(scope.project)?;
        b.trace_id.extend_from_slice(span.trace_id);
        b.span_id.extend_from_slice(span.span_id);
        if span.parent_span_id.is_empty() {
            b.parent_span_id.extend_from_slice(&[0; 8]);
        } else {
            b.parent_span_id.extend_from_slice(span.parent_span_id);
        }
        b.trace_state
            .push(utf8(span.trace_state, "span trace_state")?)?;
        b.flags.push(span.flags);
        b.name.push(utf8(span.name, "span name")?)?;
        b.kind.push(u8::try_from(span.kind).unwrap_or(0));
        found.write_span_type(&mut b.span_type.data, attrs)?;
        b.span_type.end()?;
        b.service_name.push(scope.service_name)?;
        b.scope_name.push(scope.scope_name)?;
        b.scope_version.push(scope.scope_version)?;
        let (start, end) = (
            span.start_time_unix_nano as i64,
            span.end_time_unix_nano as i64,
        );
        b.start_time.push(start);
        b.end_time.push(end);
        b.duration_ns.push(end - start);
        match span.status {
            Some((message, code)) => {
                b.status_code.push(u8::try_from(code).unwrap_or(0));
                b.status_message.push(utf8(message, "status message")?)?;
            }
            None => {
                b.status_code.push(0);
                b.status_message.end()?;
            }
        }
        text_col(found, Col::Model, attrs, &mut b.model)?;
        text_col(found, Col::Provider, attrs, &mut b.provider)?;
        b.input_tokens.push(found.tokens(Col::InputTokens));
        b.output_tokens.push(found.tokens(Col::OutputTokens));
        b.cached_tokens.push(found.tokens(Col::CachedTokens));
        b.reasoning_tokens.push(found.tokens(Col::ReasoningTokens));
        b.total_tokens.push(found.tokens(Col::TotalTokens));
        text_col(found, Col::Chain, attrs, &mut b.chain)?;
        text_col(found, Col::Agent, attrs, &mut b.agent)?;
        text_col(found, Col::UserId, attrs, &mut b.user_id)?;
        text_col(found, Col::SessionId, attrs, &mut b.session_id)?;
        if !found.write_text(Col::Environment, attrs, &mut b.environment.data)? {
            if let Some(env) = scope.environment {
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

        self.push_attributes(b, attrs)?;

        b.resource_attributes
            .data
            .extend_from_slice(scope.resource_json);
        b.resource_attributes.end()?;
        b.scope_attributes.data.extend_from_slice(scope.scope_json);
        b.scope_attributes.end()?;
        write_events_json(&mut b.events.data, &span.events)?;
        b.events.end()?;
        write_links_json(&mut b.links.data, &span.links)?;
        b.links.end()?;
        b.dropped_attributes_count
            .push(span.dropped_attributes_count);
        b.dropped_events_count.push(span.dropped_events_count);
        b.dropped_links_count.push(span.dropped_links_count);
        Ok(())
    }

    /// attributes / attribute_types: keys sorted, last duplicate wins; the
    /// string attribute that is input (output) verbatim is left out, its key
    /// goes to input_key (output_key). Always inlined, like the helpers the
    /// row calls: apart from the span loop they cost ~1-5% more
    /// instructions per span (callgrind, profile_decode).
    #[inline(always)]
    fn push_attributes(&mut self, b: &mut Builder, attrs: &[Kv]) -> Result<()> {
        let found = &mut self.found;
        let in_ix = found
            .verbatim(Col::Input, attrs)
            .map_or(u32::MAX, |i| i as u32);
        let out_ix = found
            .verbatim(Col::Output, attrs)
            .map_or(u32::MAX, |i| i as u32);
        self.sorter.sort(attrs);
        let order = &self.sorter.order;
        for (j, &(_, ix)) in order.iter().enumerate() {
            let kv = &attrs[ix as usize];
            if let Some(&(_, next)) = order.get(j + 1) {
                if attrs[next as usize].key == kv.key {
                    continue;
                }
            }
            utf8(kv.key, "attribute key")?;
            if ix == in_ix {
                put(&mut b.input_key.data, kv.key);
                continue;
            }
            if ix == out_ix {
                put(&mut b.output_key.data, kv.key);
                continue;
            }
            put(&mut b.attr_keys.data, kv.key);
            b.attr_keys.end()?;
            let code = found.value_text(ix as usize, attrs, &mut b.attr_values.data)?;
            b.attr_values.end()?;
            if code != TYPE_STRING {
                put(&mut b.type_keys.data, kv.key);
                b.type_keys.end()?;
                b.type_values.push(code);
            }
        }
        b.attr_offsets.push(offset(b.attr_keys.offsets.len() - 1)?);
        b.type_offsets.push(offset(b.type_values.len())?);
        b.input_key.end()?;
        b.output_key.end()?;
        Ok(())
    }
}

#[inline(always)]
fn text_col(found: &mut Found, col: Col, attrs: &[Kv], out: &mut Utf8Col) -> Result<()> {
    found.write_text(col, attrs, &mut out.data)?;
    out.end()
}
