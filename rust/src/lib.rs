//! GreenLang Studio core: OTLP trace export requests (protobuf or JSON,
//! optionally gzip) -> one Arrow `RecordBatch` per request, with the columns
//! of docs/span-schema.md.
//!
//! The Rust API is usable without Python (`cargo test`); the `python` feature
//! adds the `gls_engine._core` extension module.

pub mod attr_text;
pub mod batch;
pub mod decode;
pub mod decompress;
pub mod energy;
pub mod enrich;
pub mod errors;
pub mod normalize;
pub mod otlp_json;
pub mod otlp_proto;
pub mod otlp_wire;
pub mod pricing;
#[cfg(any(test, feature = "baseline"))]
pub mod reference;
pub mod sketch;
pub mod tokens;
pub mod wire;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

pub use batch::{span_schema, DecodeOptions, Decoded};
pub use decode::{decode_traces, BodyFormat, DEFAULT_MAX_BODY_BYTES};
pub use errors::{Error, Result};

#[cfg(feature = "python")]
mod python;

/// mimalloc keeps freed pages for reuse: the column buffers of one batch are
/// then built in memory the previous batch released, instead of fresh pages
/// from the kernel (page faults were ~15% of the build time with glibc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
