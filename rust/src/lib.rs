//! GreenLang Studio core: OTLP trace export requests (protobuf or JSON,
//! optionally gzip) -> one Arrow `RecordBatch` per request, with the columns
//! of docs/span-schema.md.
//!
//! The Rust API is usable without Python (`cargo test`); the `python` feature
//! adds the `gls_engine._core` extension module.

pub mod decode;
pub mod energy;
pub mod enrich;
pub mod errors;
pub mod pricing;
pub mod sketch;
pub mod tokens;

pub use decode::arrow_batch::{span_schema, DecodeOptions, Decoded};
pub use decode::{decode_traces, BodyFormat, DEFAULT_MAX_BODY_BYTES};
pub use errors::{Error, Result};

#[cfg(feature = "python")]
mod python;

/// mimalloc keeps freed pages for reuse: the column buffers of one batch are
/// then built in memory the previous batch released, instead of fresh pages
/// from the kernel (page faults were ~15% of the build time with glibc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
