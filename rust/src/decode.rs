//! One request body -> one decoded batch: inflate, decode (protobuf or JSON),
//! build the Arrow batch.

use bytes::Bytes;

use crate::batch::{build, DecodeOptions, Decoded};
use crate::decompress::gunzip;
use crate::errors::{Error, Result};
use crate::{otlp_json, otlp_proto};

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
    let body: Bytes = if format.gzip {
        Bytes::from(gunzip(body, format.max_body_bytes)?)
    } else {
        if body.len() > format.max_body_bytes {
            return Err(Error::BodyTooLarge { limit: format.max_body_bytes });
        }
        // one memcpy, so that prost can slice strings out of a `Bytes`
        Bytes::copy_from_slice(body)
    };
    let req = if format.json { otlp_json::decode_request(&body)? } else { otlp_proto::decode_request(body.clone())? };
    build(&req, opts, body.len())
}
