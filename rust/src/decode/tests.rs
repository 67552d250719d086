//! End-to-end tests of decode_traces (protobuf/JSON -> RecordBatch).

use arrow_array::{Array, FixedSizeBinaryArray, MapArray, StringArray, UInt32Array};
use bytes::Bytes;
use prost::Message;

use crate::decode::otlp_messages::any_value::Value;
use crate::decode::otlp_messages::*;
use crate::errors::Error;
use crate::{decode_traces, span_schema, BodyFormat, DecodeOptions};

const NOW: i64 = 1_700_000_000_000_000_000;
const SEC: u64 = 1_000_000_000;

fn kv(k: &str, v: Value) -> KeyValue {
    KeyValue {
        key: Bytes::copy_from_slice(k.as_bytes()),
        value: Some(AnyValue { value: Some(v) }),
    }
}
fn s(k: &str, v: &str) -> KeyValue {
    kv(k, Value::StringValue(Bytes::copy_from_slice(v.as_bytes())))
}

fn span(i: u8) -> Span {
    Span {
        trace_id: Bytes::from(vec![1; 16]),
        span_id: Bytes::from(vec![i; 8]),
        name: Bytes::from_static(b"op"),
        start_time_unix_nano: NOW as u64 - 2 * SEC,
        end_time_unix_nano: NOW as u64 - SEC,
        ..Default::default()
    }
}

fn req(spans: Vec<Span>, resource: Vec<KeyValue>) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: resource,
                dropped_attributes_count: 0,
            }),
            scope_spans: vec![ScopeSpans { scope: None, spans }],
        }],
    }
    .encode_to_vec()
}

fn opts() -> DecodeOptions {
    DecodeOptions {
        default_project: "default".into(),
        project_override: None,
        received_ns: NOW,
        oldest_start_ns: 0,
        enricher: None,
    }
}

fn pb() -> BodyFormat {
    BodyFormat {
        json: false,
        gzip: false,
        max_body_bytes: 1 << 30,
    }
}

fn col<'a, T: 'static>(b: &'a arrow_array::RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

#[test]
fn decodes_and_normalises() {
    let mut sp = span(1);
    sp.attributes = vec![
        s("gen_ai.operation.name", "chat"),
        s("gen_ai.request.model", "gpt-4o"),
        kv("gen_ai.usage.input_tokens", Value::IntValue(10)),
        kv("gen_ai.usage.output_tokens", Value::IntValue(5)),
        s("b", "x"),
        s("a", "y"),
    ];
    let body = req(
        vec![sp],
        vec![s("service.name", "svc"), s("gls.project", "p")],
    );
    let d = decode_traces(&body, pb(), &opts()).unwrap();
    assert_eq!(
        (d.accepted_spans, d.rejected_spans, d.projects.clone()),
        (1, 0, vec!["p".to_string()])
    );
    let b = &d.batch;
    assert_eq!(b.schema(), span_schema());
    assert_eq!(col::<StringArray>(b, "span_type").value(0), "llm");
    assert_eq!(col::<StringArray>(b, "model").value(0), "gpt-4o");
    assert_eq!(col::<UInt32Array>(b, "total_tokens").value(0), 15);
    assert!(col::<UInt32Array>(b, "cached_tokens").is_null(0));
    assert_eq!(
        col::<FixedSizeBinaryArray>(b, "parent_span_id").value(0),
        &[0u8; 8]
    );
    let m = col::<MapArray>(b, "attributes");
    let keys = m.keys().as_any().downcast_ref::<StringArray>().unwrap();
    let ks: Vec<&str> = (0..keys.len()).map(|i| keys.value(i)).collect();
    let mut sorted = ks.clone();
    sorted.sort();
    assert_eq!(ks, sorted);
    assert_eq!(ks.len(), 6);
    assert_eq!(col::<MapArray>(b, "attribute_types").value(0).len(), 2);
}

/// (input, output, input_key, output_key, attribute keys, attribute_types keys) of one span.
fn io_row(attrs: Vec<KeyValue>) -> (String, String, String, String, Vec<String>, Vec<String>) {
    let mut sp = span(1);
    sp.attributes = attrs;
    let d = decode_traces(&req(vec![sp], vec![]), pb(), &opts()).unwrap();
    let b = &d.batch;
    let text = |name: &str| col::<StringArray>(b, name).value(0).to_string();
    let keys = |name: &str| {
        let m = col::<MapArray>(b, name);
        let k = m.keys().as_any().downcast_ref::<StringArray>().unwrap();
        (0..k.len())
            .map(|i| k.value(i).to_string())
            .collect::<Vec<_>>()
    };
    (
        text("input"),
        text("output"),
        text("input_key"),
        text("output_key"),
        keys("attributes"),
        keys("attribute_types"),
    )
}

#[test]
fn verbatim_input_output_are_stored_once() {
    let names = span_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect::<Vec<_>>();
    let at = names.iter().position(|n| n == "output").unwrap();
    assert_eq!(names[at + 1..at + 3], ["input_key", "output_key"]);

    // one string attribute each: left out of the map, key recorded
    let r = io_row(vec![
        s("output.value", "out"),
        s("input.value", "in"),
        s("gen_ai.prompt", "lower rank, stays"),
        s("z", "1"),
    ]);
    assert_eq!(
        r,
        (
            "in".into(),
            "out".into(),
            "input.value".into(),
            "output.value".into(),
            vec!["gen_ai.prompt".into(), "z".into()],
            vec![]
        )
    );
    // an empty best-ranked value falls through: the next key is taken
    let r = io_row(vec![s("input.value", ""), s("traceloop.entity.input", "x")]);
    assert_eq!(
        (r.0.as_str(), r.2.as_str()),
        ("x", "traceloop.entity.input")
    );
    assert_eq!(r.4, ["input.value"]);
    // assembled from gen_ai.prompt.{i}.*: no key, every attribute stays
    let r = io_row(vec![
        s("gen_ai.prompt.0.role", "user"),
        s("gen_ai.prompt.0.content", "hi"),
    ]);
    assert_eq!(r.0, r#"[{"role":"user","content":"hi"}]"#);
    assert_eq!((r.2.as_str(), r.4.len()), ("", 2));
    // not a string (its text is not the value): the attribute stays
    let r = io_row(vec![kv("input.value", Value::IntValue(7))]);
    assert_eq!((r.0.as_str(), r.2.as_str()), ("7", ""));
    assert_eq!(
        (r.4.clone(), r.5),
        (
            vec!["input.value".to_string()],
            vec!["input.value".to_string()]
        )
    );
    // a duplicate key whose last value is empty: the map keeps that last
    // value, the column the earlier one, so nothing is left out
    let r = io_row(vec![s("output.value", "first"), s("output.value", "")]);
    assert_eq!((r.1.as_str(), r.3.as_str()), ("first", ""));
    assert_eq!(r.4, ["output.value"]);
    // a duplicate whose last value is the one chosen: left out
    let r = io_row(vec![s("output.value", ""), s("output.value", "last")]);
    assert_eq!(
        (r.1.as_str(), r.3.as_str(), r.4.len()),
        ("last", "output.value", 0)
    );
}

#[test]
fn spans_older_than_the_retention_are_rejected_with_their_own_reason() {
    let mut o = opts();
    o.oldest_start_ns = NOW - 3_600 * SEC as i64;
    let mut old = span(1);
    old.start_time_unix_nano = o.oldest_start_ns as u64 - 1;
    let mut edge = span(2); // starts exactly at the cutoff: kept
    edge.start_time_unix_nano = o.oldest_start_ns as u64;
    let mut ancient = span(3); // before 1990: invalid, whatever the retention
    ancient.start_time_unix_nano = 1;
    let d = decode_traces(&req(vec![old, edge, ancient, span(4)], vec![]), pb(), &o).unwrap();
    assert_eq!((d.accepted_spans, d.rejected_spans), (2, 2));
    assert!(
        d.rejection_message.ends_with(
            "1 invalid start_time (zero, before 1990-01-01 or more than 1 day after receipt); \
             1 start_time older than the store keeps (retention)"
        ),
        "{}",
        d.rejection_message
    );
    // JSON bodies go through the same check.
    let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"01010101010101010101010101010101",
        "spanId":"0101010101010101","name":"op","startTimeUnixNano":"1000000000000000000",
        "endTimeUnixNano":"1000000000000000001"}]}]}]}"#;
    let fmt = BodyFormat { json: true, ..pb() };
    let d = decode_traces(json, fmt, &o).unwrap();
    assert_eq!((d.accepted_spans, d.rejected_spans), (0, 1));
}

#[test]
fn rejection_rules_and_message() {
    let mut bad = vec![];
    let mut x = span(1);
    x.trace_id = Bytes::from(vec![0; 16]);
    bad.push(x);
    let mut x = span(2);
    x.span_id = Bytes::from(vec![1; 7]);
    bad.push(x);
    let mut x = span(3);
    x.parent_span_id = Bytes::from(vec![1; 3]);
    bad.push(x);
    let mut x = span(4);
    x.start_time_unix_nano = 0;
    bad.push(x);
    let mut x = span(5);
    x.end_time_unix_nano = x.start_time_unix_nano - 1;
    bad.push(x);
    let mut x = span(6);
    x.end_time_unix_nano = NOW as u64 + 86_400 * SEC + 1;
    bad.push(x);
    bad.push(span(7));
    let d = decode_traces(&req(bad, vec![]), pb(), &opts()).unwrap();
    assert_eq!((d.accepted_spans, d.rejected_spans), (1, 6));
    assert_eq!(
        d.rejection_message,
        "rejected 6 of 7 spans: 1 invalid trace_id (must be 16 bytes, not all zero); \
         1 invalid span_id (must be 8 bytes, not all zero); 1 invalid parent_span_id (must be empty or 8 bytes); \
         1 invalid start_time (zero, before 1990-01-01 or more than 1 day after receipt); \
         1 end_time before start_time; 1 end_time more than 1 day after receipt"
    );
    assert_eq!(d.batch.num_rows(), 1);
    let d = decode_traces(
        &req(vec![span(1)], vec![s("gls.project", "no spaces please")]),
        pb(),
        &opts(),
    )
    .unwrap();
    assert_eq!(d.rejected_spans, 1);
    assert!(d
        .rejection_message
        .ends_with("1 invalid project name (must be 1-128 characters of [A-Za-z0-9._-])"));
    let mut o = opts();
    o.default_project = "bad name".into();
    assert!(matches!(
        decode_traces(&req(vec![], vec![]), pb(), &o),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn invalid_utf8_and_truncation() {
    let mut sp = span(1);
    sp.name = Bytes::from_static(b"\xc3\x28");
    let e = decode_traces(&req(vec![sp], vec![]), pb(), &opts()).unwrap_err();
    assert_eq!(e, Error::InvalidUtf8("span name"));
    let mut sp = span(1);
    sp.attributes = vec![KeyValue {
        key: Bytes::from_static(b"\xff"),
        value: None,
    }];
    assert!(matches!(
        decode_traces(&req(vec![sp], vec![]), pb(), &opts()),
        Err(Error::InvalidUtf8(_))
    ));
    let body = req(vec![span(1)], vec![s("service.name", "\u{e9}")]);
    let e = decode_traces(&body[..body.len() - 3], pb(), &opts()).unwrap_err();
    assert!(matches!(e, Error::InvalidProtobuf(_)), "{e}");
}

#[test]
fn json_and_protobuf_give_the_same_batch() {
    let json = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},
        "scopeSpans":[{{"spans":[{{"traceId":"{}","spanId":"0101010101010101","name":"op",
        "startTimeUnixNano":"{}","endTimeUnixNano":{}}}]}}]}}]}}"#,
        "01".repeat(16),
        NOW as u64 - 2 * SEC,
        NOW as u64 - SEC
    );
    let a = decode_traces(json.as_bytes(), BodyFormat { json: true, ..pb() }, &opts()).unwrap();
    let b = decode_traces(
        &req(vec![span(1)], vec![s("service.name", "svc")]),
        pb(),
        &opts(),
    )
    .unwrap();
    assert_eq!(a.batch, b.batch);
}

#[test]
fn body_limits() {
    let body = req(vec![span(1)], vec![]);
    let f = BodyFormat {
        max_body_bytes: body.len() - 1,
        ..pb()
    };
    assert!(matches!(
        decode_traces(&body, f, &opts()),
        Err(Error::BodyTooLarge { .. })
    ));
}
