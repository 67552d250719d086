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
        let req = otlp_json::decode_request(body)?;
        return build(&req, opts, body.len());
    }
    // SAFETY: prost slices every string/bytes field out of the buffer as a
    // `Bytes`. With `from_static` those slices are plain (ptr, len) copies:
    // no reference counting, which was ~40% of the protobuf decode time.
    // The `&'static` is a lie that we keep contained: `req` (the only owner of
    // such `Bytes`) is dropped at the end of this block, before `body` can
    // go away, and `build` copies everything it keeps into its own buffers
    // (`Decoded` holds no `Bytes`).
    let static_body: &'static [u8] = unsafe { std::mem::transmute::<&[u8], &'static [u8]>(body) };
    let req = otlp_proto::decode_request(Bytes::from_static(static_body))?;
    let decoded = build(&req, opts, body.len());
    drop(req);
    decoded
}
