//! OTLP/JSON decoding: the mapping's twists, what is accepted, what is refused.

use super::{decode_request, encode_export_response};
use crate::decode::otlp_messages::any_value::Value;
use crate::decode::otlp_messages::*;
use crate::errors::Error;
use bytes::Bytes;

fn sv(s: &str) -> AnyValue {
    AnyValue {
        value: Some(Value::StringValue(Bytes::copy_from_slice(s.as_bytes()))),
    }
}

const FULL: &str = r#"{
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}], "droppedAttributesCount": 1},
    "scopeSpans": [{
      "scope": {"name": "sc", "version": "1.0", "attributes": [{"key":"a","value":{"boolValue":true}}]},
      "spans": [{
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "eee19b7ec3c1b174",
        "parentSpanId": "",
        "traceState": "k=v",
        "flags": 257,
        "name": "chat gpt-4o",
        "kind": 3,
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": 1544712661000000000,
        "attributes": [
          {"key": "i", "value": {"intValue": "42"}},
          {"key": "i2", "value": {"intValue": -7}},
          {"key": "d", "value": {"doubleValue": 1.5}},
          {"key": "nan", "value": {"doubleValue": "NaN"}},
          {"key": "b", "value": {"bytesValue": "AP8="}},
          {"key": "arr", "value": {"arrayValue": {"values": [{"stringValue": "x"}, {}]}}},
          {"key": "kv", "value": {"kvlistValue": {"values": [{"key": "n", "value": {"intValue": "1"}}]}}},
          {"key": "empty", "value": {}},
          {"key": "novalue"}
        ],
        "droppedAttributesCount": "2",
        "events": [{"timeUnixNano": "1544712660500000000", "name": "ev", "attributes": []}],
        "links": [{"traceId": "00000000000000000000000000000001", "spanId": "0000000000000002", "flags": 1}],
        "status": {"code": 2, "message": "boom"},
        "someFutureField": {"x": [1, 2, {"y": null}]}
      }]
    }],
    "schemaUrl": "https://x"
  }]
}"#;

#[test]
fn full_request() {
    let req = decode_request(FULL.as_bytes()).unwrap();
    let rs = &req.resource_spans[0];
    let res = rs.resource.as_ref().unwrap();
    assert_eq!(res.attributes[0].key, "service.name");
    assert_eq!(res.attributes[0].value, Some(sv("svc")));
    assert_eq!(res.dropped_attributes_count, 1);
    let ss = &rs.scope_spans[0];
    assert_eq!(ss.scope.as_ref().unwrap().version, "1.0");
    let sp = &ss.spans[0];
    assert_eq!(
        sp.trace_id.as_ref(),
        b"\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c"
    );
    assert_eq!(sp.span_id.len(), 8);
    assert!(sp.parent_span_id.is_empty());
    assert_eq!(sp.flags, 257);
    assert_eq!(sp.kind, 3);
    assert_eq!(sp.start_time_unix_nano, 1544712660000000000);
    assert_eq!(sp.end_time_unix_nano, 1544712661000000000);
    assert_eq!(sp.dropped_attributes_count, 2);
    let a = &sp.attributes;
    assert_eq!(
        a[0].value.as_ref().unwrap().value,
        Some(Value::IntValue(42))
    );
    assert_eq!(
        a[1].value.as_ref().unwrap().value,
        Some(Value::IntValue(-7))
    );
    assert_eq!(
        a[2].value.as_ref().unwrap().value,
        Some(Value::DoubleValue(1.5))
    );
    assert!(
        matches!(a[3].value.as_ref().unwrap().value, Some(Value::DoubleValue(d)) if d.is_nan())
    );
    assert_eq!(
        a[4].value.as_ref().unwrap().value,
        Some(Value::BytesValue(Bytes::from_static(b"\x00\xff")))
    );
    assert!(
        matches!(&a[5].value.as_ref().unwrap().value, Some(Value::ArrayValue(v)) if v.values.len() == 2)
    );
    assert!(
        matches!(&a[6].value.as_ref().unwrap().value, Some(Value::KvlistValue(v)) if v.values[0].key == "n")
    );
    assert_eq!(a[7].value.as_ref().unwrap().value, None);
    assert_eq!(a[8].value, None);
    assert_eq!(sp.events[0].time_unix_nano, 1544712660500000000);
    assert_eq!(sp.links[0].span_id.as_ref(), b"\0\0\0\0\0\0\0\x02");
    assert_eq!(sp.links[0].flags, 1);
    let st = sp.status.as_ref().unwrap();
    assert_eq!((st.code, st.message.as_ref()), (2, &b"boom"[..]));
}

#[test]
fn snake_case_names_and_enum_names() {
    let body = r#"{"resource_spans":[{"scope_spans":[{"spans":[{
        "trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0102030405060708",
        "parent_span_id":"0807060504030201","start_time_unix_nano":5,"end_time_unix_nano":"6",
        "kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_OK"},
        "attributes":[{"key":"k","value":{"string_value":"v","int_value":null}}],
        "dropped_links_count":3}]}]}]}"#;
    let req = decode_request(body.as_bytes()).unwrap();
    let sp = &req.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(sp.kind, 3);
    assert_eq!(sp.status.as_ref().unwrap().code, 1);
    assert_eq!(
        sp.parent_span_id.as_ref(),
        b"\x08\x07\x06\x05\x04\x03\x02\x01"
    );
    assert_eq!((sp.start_time_unix_nano, sp.end_time_unix_nano), (5, 6));
    assert_eq!(sp.attributes[0].value, Some(sv("v")));
    assert_eq!(sp.dropped_links_count, 3);
}

#[test]
fn nulls_and_empty() {
    assert_eq!(decode_request(b"{}").unwrap().resource_spans.len(), 0);
    assert_eq!(
        decode_request(b"{\"resourceSpans\":null}")
            .unwrap()
            .resource_spans
            .len(),
        0
    );
    let req = decode_request(
        br#"{"resourceSpans":[{"resource":null,"scopeSpans":[{"spans":[{"name":null}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(req.resource_spans[0].scope_spans[0].spans[0].name, "");
}

fn err(body: &str) -> String {
    decode_request(body.as_bytes()).unwrap_err().to_string()
}

#[test]
fn the_request_itself_is_an_object() {
    for body in ["null", " \n [] ", "3", "\"x\""] {
        assert!(
            err(body).contains("must be a JSON object"),
            "{body}: {}",
            err(body)
        );
    }
    assert!(err("\n  null").contains("line 2"), "{}", err("\n  null"));
    assert_eq!(decode_request(b" \n {}").unwrap().resource_spans.len(), 0);
}

#[test]
fn errors() {
    assert_eq!(
        err("{\"resourceSpans\": tru}"),
        "invalid JSON at line 1 column 22: expected ident"
    );
    assert!(
        err("").starts_with("invalid JSON at line 1 column 0: EOF"),
        "{}",
        err("")
    );
    assert!(
        err("[]").starts_with("invalid JSON at line 1 column "),
        "{}",
        err("[]")
    );
    assert!(err("{} x").contains("trailing characters"));
    assert!(
        err(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#)
            .contains("not a hex string")
    );
    assert!(
        err(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}"#)
            .contains("is not an unsigned 64-bit integer")
    );
    assert!(err(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"bytesValue":"!!"}}]}]}]}]}"#).contains("base64"));
    assert!(
        err(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"NOPE"}]}]}]}"#)
            .contains("unknown enum value")
    );
    assert!(
        err(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}"#)
            .contains("invalid type")
    );
}

#[test]
fn invalid_utf8_in_json_is_refused() {
    let body = b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"\xff\"}]}]}]}";
    let e = decode_request(body).unwrap_err().to_string();
    assert!(e.starts_with("invalid JSON at line 1"), "{e}");
    // Where: the first byte that is not UTF-8, wherever it is (here outside a string).
    let body = b"{\n  \"resourceSpans\": []\xc3\n}";
    let Err(Error::InvalidJson {
        line,
        column,
        message,
    }) = decode_request(body)
    else {
        panic!("expected InvalidJson");
    };
    assert_eq!((line, column, message.as_str()), (2, 22, "invalid UTF-8"));
}

fn nested_attr_json(levels: usize, kvlist: bool) -> String {
    let (open, close) = if kvlist {
        (
            "{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":",
            "}]}}",
        )
    } else {
        ("{\"arrayValue\":{\"values\":[", "]}}")
    };
    let v = format!(
        "{}{{\"stringValue\":\"leaf\"}}{}",
        open.repeat(levels - 1),
        close.repeat(levels - 1)
    );
    format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"attributes":[{{"key":"deep","value":{v}}}]}}]}}]}}]}}"#
    )
}

#[test]
fn nesting_limit() {
    for kvlist in [false, true] {
        assert!(decode_request(nested_attr_json(64, kvlist).as_bytes()).is_ok());
        assert_eq!(
            decode_request(nested_attr_json(65, kvlist).as_bytes()),
            Err(Error::NestingTooDeep)
        );
    }
    // very deep nesting must not overflow the stack
    assert_eq!(
        decode_request(nested_attr_json(100_000, false).as_bytes()),
        Err(Error::NestingTooDeep)
    );
    // unknown fields nested deeply are refused too
    let deep_unknown = format!("{{\"x\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(err(&deep_unknown).contains("nested deeper than 128 levels"));
    let ok_unknown = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
    assert!(decode_request(ok_unknown.as_bytes()).is_ok());
}

#[test]
fn response_json() {
    assert_eq!(encode_export_response(0, ""), b"{}");
    assert_eq!(
        String::from_utf8(encode_export_response(3, "bad \"ids\"")).unwrap(),
        r#"{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad \"ids\""}}"#
    );
    assert_eq!(
        String::from_utf8(encode_export_response(0, "warn")).unwrap(),
        r#"{"partialSuccess":{"errorMessage":"warn"}}"#
    );
}
