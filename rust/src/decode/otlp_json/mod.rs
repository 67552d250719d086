//! OTLP/JSON -> the prost structs of `otlp_messages.rs`.
//!
//! The OTLP/JSON mapping is proto3's JSON mapping with two OTLP twists:
//! trace and span ids are hex (not base64), and enums are integers. We accept:
//! camelCase and snake_case field names; 64-bit integers as strings or numbers;
//! enums as integers or their names; `bytesValue` as standard or URL-safe
//! base64 (padding optional); `null` for any field (= the default); unknown
//! fields (skipped). Nesting is bounded without serde_json's recursion limit
//! (which would refuse legal 64-level AnyValues): AnyValues deeper than 64
//! levels, and unknown values nested deeper than 128, are errors.
//!
//! - `seeds`: the serde machinery, one JSON object -> one message field by
//!   field, repeated fields, null, skipped unknown fields;
//! - `scalars`: ids (hex), bytes (base64), integers, numbers, enums;
//! - `messages`: the fields of each OTLP message.

use serde::de::DeserializeSeed;

use crate::decode::otlp_messages::{ArrayValue, ExportTraceServiceRequest, KeyValueList};
use crate::errors::{Error, Result};
use seeds::MsgSeed;

mod messages;
mod scalars;
mod seeds;
#[cfg(test)]
mod tests;

/// Decodes an OTLP/JSON `ExportTraceServiceRequest` (strings are valid UTF-8
/// by construction, JSON being text).
pub fn decode_request(body: &[u8]) -> Result<ExportTraceServiceRequest> {
    // One SIMD check of the whole body, then serde_json's str reader, which
    // does not check each string again (that was 5% of a JSON decode).
    let text = simdutf8::basic::from_utf8(body).map_err(|_| {
        let valid = simdutf8::compat::from_utf8(body).map_or_else(|e| e.valid_up_to(), |_| 0);
        let before = &body[..valid];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        Error::InvalidJson {
            line,
            column,
            message: "invalid UTF-8".to_owned(),
        }
    })?;
    // The request itself must be an object: `null` (which its fields may be) or
    // any other value is not an ExportTraceServiceRequest.
    if let Some(at) = text.find(|c: char| !c.is_ascii_whitespace()) {
        if !text[at..].starts_with('{') {
            let line = text[..at].matches('\n').count() + 1;
            let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
            return Err(Error::InvalidJson {
                line,
                column,
                message: "the request must be a JSON object (an ExportTraceServiceRequest)"
                    .to_owned(),
            });
        }
    }
    parse_with(text, MsgSeed::<ExportTraceServiceRequest>::new(0))
}

/// Parses the text of an array attribute (`{"values":[...]}`, type code 5).
pub fn parse_array_value(text: &str) -> Result<ArrayValue> {
    parse_with(text, MsgSeed::<ArrayValue>::new(2))
}

/// Parses the text of a kvlist attribute (`{"values":[...]}`, type code 6).
pub fn parse_kvlist_value(text: &str) -> Result<KeyValueList> {
    parse_with(text, MsgSeed::<KeyValueList>::new(2))
}

fn parse_with<'de, S: DeserializeSeed<'de>>(body: &'de str, seed: S) -> Result<S::Value> {
    let mut de = serde_json::Deserializer::from_str(body);
    de.disable_recursion_limit();
    let v = seed.deserialize(&mut de).map_err(Error::from_json)?;
    de.end().map_err(Error::from_json)?;
    Ok(v)
}

/// `{}` or `{"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}}`
/// (proto3 JSON: default-valued fields are left out).
pub fn encode_export_response(rejected_spans: i64, error_message: &str) -> Vec<u8> {
    if rejected_spans == 0 && error_message.is_empty() {
        return b"{}".to_vec();
    }
    let mut out = b"{\"partialSuccess\":{".to_vec();
    if rejected_spans != 0 {
        out.extend_from_slice(b"\"rejectedSpans\":\"");
        out.extend_from_slice(itoa::Buffer::new().format(rejected_spans).as_bytes());
        out.push(b'"');
    }
    if !error_message.is_empty() {
        if rejected_spans != 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"\"errorMessage\":");
        crate::decode::attr_text::write_json_str(&mut out, error_message);
    }
    out.extend_from_slice(b"}}");
    out
}
