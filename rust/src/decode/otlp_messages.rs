//! The OTLP trace protobuf messages, written by hand with `prost-derive`
//! (no protoc, no build script).
//!
//! Field numbers follow opentelemetry-proto v1.x
//! (`opentelemetry/proto/{collector/trace,trace,common,resource}/v1/*.proto`).
//!
//! String and bytes fields are decoded into [`bytes::Bytes`]: decoding from a
//! `Bytes` buffer then slices the input instead of allocating one `String` per
//! field, which is most of the cost of a span. The wire format of `string` and
//! `bytes` is the same; UTF-8 of the string fields is checked where the text
//! is used (see `arrow_batch.rs`), so the request is still refused when one is not
//! valid UTF-8. Fields we do not use (`entity_refs`, `key_strindex`,
//! `string_value_strindex`, `schema_url`) are skipped as unknown fields.

use bytes::Bytes;

/// `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportTraceServiceRequest {
    #[prost(message, repeated, tag = "1")]
    pub resource_spans: Vec<ResourceSpans>,
}

/// `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportTraceServiceResponse {
    #[prost(message, optional, tag = "1")]
    pub partial_success: Option<ExportTracePartialSuccess>,
}

/// `opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportTracePartialSuccess {
    #[prost(int64, tag = "1")]
    pub rejected_spans: i64,
    #[prost(string, tag = "2")]
    pub error_message: String,
}

/// `opentelemetry.proto.trace.v1.ResourceSpans`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceSpans {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(message, repeated, tag = "2")]
    pub scope_spans: Vec<ScopeSpans>,
}

/// `opentelemetry.proto.resource.v1.Resource`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Resource {
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "2")]
    pub dropped_attributes_count: u32,
}

/// `opentelemetry.proto.trace.v1.ScopeSpans`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ScopeSpans {
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    #[prost(message, repeated, tag = "2")]
    pub spans: Vec<Span>,
}

/// `opentelemetry.proto.common.v1.InstrumentationScope`
#[derive(Clone, PartialEq, prost::Message)]
pub struct InstrumentationScope {
    #[prost(bytes = "bytes", tag = "1")]
    pub name: Bytes,
    #[prost(bytes = "bytes", tag = "2")]
    pub version: Bytes,
    #[prost(message, repeated, tag = "3")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "4")]
    pub dropped_attributes_count: u32,
}

/// `opentelemetry.proto.trace.v1.Span`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Span {
    #[prost(bytes = "bytes", tag = "1")]
    pub trace_id: Bytes,
    #[prost(bytes = "bytes", tag = "2")]
    pub span_id: Bytes,
    /// string
    #[prost(bytes = "bytes", tag = "3")]
    pub trace_state: Bytes,
    #[prost(bytes = "bytes", tag = "4")]
    pub parent_span_id: Bytes,
    #[prost(fixed32, tag = "16")]
    pub flags: u32,
    /// string
    #[prost(bytes = "bytes", tag = "5")]
    pub name: Bytes,
    /// `Span.SpanKind` enum
    #[prost(int32, tag = "6")]
    pub kind: i32,
    #[prost(fixed64, tag = "7")]
    pub start_time_unix_nano: u64,
    #[prost(fixed64, tag = "8")]
    pub end_time_unix_nano: u64,
    #[prost(message, repeated, tag = "9")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "10")]
    pub dropped_attributes_count: u32,
    #[prost(message, repeated, tag = "11")]
    pub events: Vec<span::Event>,
    #[prost(uint32, tag = "12")]
    pub dropped_events_count: u32,
    #[prost(message, repeated, tag = "13")]
    pub links: Vec<span::Link>,
    #[prost(uint32, tag = "14")]
    pub dropped_links_count: u32,
    #[prost(message, optional, tag = "15")]
    pub status: Option<Status>,
}

pub mod span {
    use bytes::Bytes;

    /// `opentelemetry.proto.trace.v1.Span.Event`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Event {
        #[prost(fixed64, tag = "1")]
        pub time_unix_nano: u64,
        /// string
        #[prost(bytes = "bytes", tag = "2")]
        pub name: Bytes,
        #[prost(message, repeated, tag = "3")]
        pub attributes: Vec<super::KeyValue>,
        #[prost(uint32, tag = "4")]
        pub dropped_attributes_count: u32,
    }

    /// `opentelemetry.proto.trace.v1.Span.Link`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Link {
        #[prost(bytes = "bytes", tag = "1")]
        pub trace_id: Bytes,
        #[prost(bytes = "bytes", tag = "2")]
        pub span_id: Bytes,
        /// string
        #[prost(bytes = "bytes", tag = "3")]
        pub trace_state: Bytes,
        #[prost(message, repeated, tag = "4")]
        pub attributes: Vec<super::KeyValue>,
        #[prost(uint32, tag = "5")]
        pub dropped_attributes_count: u32,
        #[prost(fixed32, tag = "6")]
        pub flags: u32,
    }
}

/// `opentelemetry.proto.trace.v1.Status`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    /// string
    #[prost(bytes = "bytes", tag = "2")]
    pub message: Bytes,
    /// `Status.StatusCode` enum
    #[prost(int32, tag = "3")]
    pub code: i32,
}

/// `opentelemetry.proto.common.v1.KeyValue`
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    /// string
    #[prost(bytes = "bytes", tag = "1")]
    pub key: Bytes,
    #[prost(message, optional, tag = "2")]
    pub value: Option<AnyValue>,
}

/// `opentelemetry.proto.common.v1.AnyValue`
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnyValue {
    #[prost(oneof = "any_value::Value", tags = "1, 2, 3, 4, 5, 6, 7")]
    pub value: Option<any_value::Value>,
}

pub mod any_value {
    use bytes::Bytes;

    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        /// string
        #[prost(bytes = "bytes", tag = "1")]
        StringValue(Bytes),
        #[prost(bool, tag = "2")]
        BoolValue(bool),
        #[prost(int64, tag = "3")]
        IntValue(i64),
        #[prost(double, tag = "4")]
        DoubleValue(f64),
        #[prost(message, tag = "5")]
        ArrayValue(super::ArrayValue),
        #[prost(message, tag = "6")]
        KvlistValue(super::KeyValueList),
        #[prost(bytes = "bytes", tag = "7")]
        BytesValue(Bytes),
    }
}

/// `opentelemetry.proto.common.v1.ArrayValue`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ArrayValue {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<AnyValue>,
}

/// `opentelemetry.proto.common.v1.KeyValueList`
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValueList {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<KeyValue>,
}

/// Encodes an `ExportTraceServiceResponse`; `partial_success` is set only when
/// something was rejected or there is a message.
pub fn encode_export_response(rejected_spans: i64, error_message: &str) -> Vec<u8> {
    use prost::Message;
    let resp = ExportTraceServiceResponse {
        partial_success: (rejected_spans != 0 || !error_message.is_empty()).then(|| {
            ExportTracePartialSuccess {
                rejected_spans,
                error_message: error_message.to_owned(),
            }
        }),
    };
    resp.encode_to_vec()
}

/// Decodes a protobuf `ExportTraceServiceRequest` (UTF-8 not yet checked).
pub fn decode_request(body: Bytes) -> Result<ExportTraceServiceRequest, crate::errors::Error> {
    use prost::Message;
    ExportTraceServiceRequest::decode(body).map_err(crate::errors::Error::from_prost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn response_empty_when_nothing_rejected() {
        assert!(encode_export_response(0, "").is_empty());
        let b = encode_export_response(3, "x");
        let r = ExportTraceServiceResponse::decode(&b[..]).unwrap();
        let ps = r.partial_success.unwrap();
        assert_eq!(ps.rejected_spans, 3);
        assert_eq!(ps.error_message, "x");
    }

    #[test]
    fn truncated_protobuf_is_an_error() {
        let req = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans {
                    scope: None,
                    spans: vec![Span {
                        name: Bytes::from_static(b"hello"),
                        ..Default::default()
                    }],
                }],
            }],
        };
        let bytes = req.encode_to_vec();
        assert!(decode_request(Bytes::from(bytes.clone())).is_ok());
        let err = decode_request(Bytes::from(bytes[..bytes.len() - 2].to_vec())).unwrap_err();
        assert!(err.to_string().starts_with("invalid protobuf: "), "{err}");
        let err = decode_request(Bytes::from_static(b"\xff\xff\xff")).unwrap_err();
        assert!(err.to_string().starts_with("invalid protobuf: "), "{err}");
    }

    #[test]
    fn decoding_slices_the_input() {
        let kv = KeyValue {
            key: Bytes::from_static(b"k"),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue(Bytes::from_static(b"v"))),
            }),
        };
        let buf = Bytes::from(kv.encode_to_vec());
        let back = KeyValue::decode(buf.clone()).unwrap();
        assert_eq!(back, kv);
        let start = buf.as_ptr() as usize;
        let p = back.key.as_ptr() as usize;
        assert!(
            p >= start && p < start + buf.len(),
            "key should borrow the input buffer"
        );
    }
}
