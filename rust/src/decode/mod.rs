//! One request body -> one decoded batch: inflate, decode (protobuf or JSON),
//! build the Arrow batch.
//!
//! The chain, in the order a body goes through it:
//! - `gzip`: inflation of gzip bodies, bounded by `max_body_bytes`;
//! - `protobuf_wire`: the protobuf wire-format reader (fields as borrowed slices);
//! - `otlp_views`: the OTLP trace messages read over it as borrowed views;
//! - `otlp_json`: the OTLP/JSON mapping, decoded into the prost structs of
//!   `otlp_messages` and re-encoded to protobuf for the one builder;
//! - `semconv`: the semantic-convention normaliser (attribute keys -> the
//!   typed columns);
//! - `attr_text`: attribute values as text and as OTLP/JSON;
//! - `arrow_batch`: the span schema and the Arrow batch builder.
//!
//! `oracle` (tests and the `baseline` feature) is an independent decode path
//! over prost structs that the property tests (`prop_tests`) hold the wire
//! reader against.

pub mod arrow_batch;
pub mod attr_text;
pub mod gzip;
#[cfg(any(test, feature = "baseline"))]
pub mod oracle;
pub mod otlp_json;
pub mod otlp_messages;
pub mod otlp_views;
pub mod protobuf_wire;
pub mod semconv;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

use crate::errors::{Error, Result};
use arrow_batch::{build_proto, DecodeOptions, Decoded};
use gzip::gunzip;

/// Default `max_body_bytes`: 20 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// How the body is encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct BodyFormat {
    pub json: bool,
    pub gzip: bool,
    pub max_body_bytes: usize,
}

/// Decodes an OTLP `ExportTraceServiceRequest` body into a span batch.
pub fn decode_traces(body: &[u8], format: BodyFormat, opts: &DecodeOptions) -> Result<Decoded> {
    let inflated;
    let body: &[u8] = if format.gzip {
        inflated = gunzip(body, format.max_body_bytes)?;
        &inflated
    } else {
        if body.len() > format.max_body_bytes {
            return Err(Error::BodyTooLarge {
                limit: format.max_body_bytes,
            });
        }
        body
    };
    if format.json {
        // JSON -> prost structs -> protobuf -> the one builder: the batch of
        // a JSON request is the batch of its protobuf equivalent.
        let req = otlp_json::decode_request(body)?;
        let pb = prost::Message::encode_to_vec(&req);
        drop(req);
        return build_proto(&pb, opts, body.len());
    }
    build_proto(body, opts, body.len())
}
