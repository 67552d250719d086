//! One request body -> one decoded batch: inflate, decode (protobuf or JSON),
//! build the Arrow batch.

use crate::batch::{build_proto, DecodeOptions, Decoded};
use crate::decompress::gunzip;
use crate::errors::{Error, Result};
use crate::otlp_json;

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
