//! TEST ORACLE (prost structs; tests and the `baseline` feature only): the
//! attribute writers over prost values, written apart from the production
//! ones over wire views (`decode::attr_text`).
//!
//! Attribute values as text (the `attributes` / `attribute_types` columns),
//! and the OTLP/JSON writer used for array/kvlist values, resource and scope
//! attributes, events and links.
//!
//! | code | AnyValue        | text                                         |
//! |------|-----------------|----------------------------------------------|
//! | -    | string_value    | the string, byte-exact                       |
//! | 1    | bool_value      | `true` / `false`                             |
//! | 2    | int_value       | decimal i64                                  |
//! | 3    | double_value    | shortest round-trip, `NaN`, `Infinity`, `-Infinity` |
//! | 4    | bytes_value     | standard base64                              |
//! | 5    | array_value     | OTLP/JSON of the ArrayValue `{"values":[...]}` |
//! | 6    | kvlist_value    | OTLP/JSON of the KeyValueList `{"values":[...]}` |
//! | 7    | no value set    | empty                                        |

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::decode::otlp_json::{parse_array_value, parse_kvlist_value};
use crate::decode::otlp_messages::any_value::Value;
use crate::decode::otlp_messages::{span, AnyValue, ArrayValue, KeyValue, KeyValueList};
use crate::errors::{Error, Result, MAX_ANYVALUE_DEPTH};

// The type codes are the `attribute_types` column's contract, not logic.
pub use crate::decode::attr_text::{
    utf8, TYPE_ARRAY, TYPE_BOOL, TYPE_BYTES, TYPE_DOUBLE, TYPE_EMPTY, TYPE_INT, TYPE_KVLIST,
    TYPE_STRING,
};

/// The type code of a value (`TYPE_STRING` for strings).
#[inline]
pub fn type_code(v: Option<&Value>) -> u8 {
    match v {
        Some(Value::StringValue(_)) => TYPE_STRING,
        Some(Value::BoolValue(_)) => TYPE_BOOL,
        Some(Value::IntValue(_)) => TYPE_INT,
        Some(Value::DoubleValue(_)) => TYPE_DOUBLE,
        Some(Value::BytesValue(_)) => TYPE_BYTES,
        Some(Value::ArrayValue(_)) => TYPE_ARRAY,
        Some(Value::KvlistValue(_)) => TYPE_KVLIST,
        None => TYPE_EMPTY,
    }
}

#[inline]
fn write_double_text(out: &mut Vec<u8>, d: f64) {
    if d.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(d).as_bytes());
    } else if d.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if d > 0.0 {
        out.extend_from_slice(b"Infinity");
    } else {
        out.extend_from_slice(b"-Infinity");
    }
}

/// Appends the text of a top-level attribute value to `out`; returns its type code.
#[inline]
pub fn write_value_text(out: &mut Vec<u8>, v: Option<&Value>) -> Result<u8> {
    match v {
        Some(Value::StringValue(s)) => {
            out.extend_from_slice(utf8(s, "attribute value")?.as_bytes());
            Ok(TYPE_STRING)
        }
        Some(Value::BoolValue(b)) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(TYPE_BOOL)
        }
        Some(Value::IntValue(i)) => {
            out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes());
            Ok(TYPE_INT)
        }
        Some(Value::DoubleValue(d)) => {
            write_double_text(out, *d);
            Ok(TYPE_DOUBLE)
        }
        Some(Value::BytesValue(b)) => {
            b64_into(out, b);
            Ok(TYPE_BYTES)
        }
        Some(Value::ArrayValue(a)) => {
            write_array_json(out, a, 2)?;
            Ok(TYPE_ARRAY)
        }
        Some(Value::KvlistValue(kv)) => {
            write_kvlist_json(out, kv, 2)?;
            Ok(TYPE_KVLIST)
        }
        None => Ok(TYPE_EMPTY),
    }
}

/// Appends standard base64 of `input` to `out` (no temporary `String`).
pub fn b64_into(out: &mut Vec<u8>, input: &[u8]) {
    let start = out.len();
    let n = base64::encoded_len(input.len(), true).expect("base64 length overflow");
    out.resize(start + n, 0);
    let written = B64
        .encode_slice(input, &mut out[start..])
        .expect("sized above");
    out.truncate(start + written);
}

// ---------------------------------------------------------------- JSON writer

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends a JSON string literal (quotes included) of UTF-8 text.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[inline]
fn write_json_bytes_str(out: &mut Vec<u8>, b: &[u8], field: &'static str) -> Result<()> {
    write_json_str(out, utf8(b, field)?);
    Ok(())
}

/// Appends lower-case hex of `b` as a JSON string.
pub fn write_json_hex(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    for &x in b {
        out.push(HEX[(x >> 4) as usize]);
        out.push(HEX[(x & 0xf) as usize]);
    }
    out.push(b'"');
}

fn write_json_u64_str(out: &mut Vec<u8>, v: u64) {
    out.push(b'"');
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    out.push(b'"');
}

/// OTLP/JSON of an AnyValue at nesting level `depth` (top-level value = 1).
pub fn write_any_value_json(out: &mut Vec<u8>, v: &AnyValue, depth: usize) -> Result<()> {
    if depth > MAX_ANYVALUE_DEPTH {
        return Err(Error::NestingTooDeep);
    }
    match &v.value {
        None => out.extend_from_slice(b"{}"),
        Some(Value::StringValue(s)) => {
            out.extend_from_slice(b"{\"stringValue\":");
            write_json_bytes_str(out, s, "attribute value")?;
            out.push(b'}');
        }
        Some(Value::BoolValue(b)) => out.extend_from_slice(if *b {
            b"{\"boolValue\":true}"
        } else {
            b"{\"boolValue\":false}"
        }),
        Some(Value::IntValue(i)) => {
            out.extend_from_slice(b"{\"intValue\":\"");
            out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes());
            out.extend_from_slice(b"\"}");
        }
        Some(Value::DoubleValue(d)) => {
            out.extend_from_slice(b"{\"doubleValue\":");
            if d.is_finite() {
                write_double_text(out, *d);
            } else {
                out.push(b'"');
                write_double_text(out, *d);
                out.push(b'"');
            }
            out.push(b'}');
        }
        Some(Value::BytesValue(b)) => {
            out.extend_from_slice(b"{\"bytesValue\":\"");
            b64_into(out, b);
            out.extend_from_slice(b"\"}");
        }
        Some(Value::ArrayValue(a)) => {
            out.extend_from_slice(b"{\"arrayValue\":");
            write_array_json(out, a, depth + 1)?;
            out.push(b'}');
        }
        Some(Value::KvlistValue(kv)) => {
            out.extend_from_slice(b"{\"kvlistValue\":");
            write_kvlist_json(out, kv, depth + 1)?;
            out.push(b'}');
        }
    }
    Ok(())
}

/// `{"values":[AnyValue...]}` whose items are at level `depth`.
pub fn write_array_json(out: &mut Vec<u8>, a: &ArrayValue, depth: usize) -> Result<()> {
    out.extend_from_slice(b"{\"values\":[");
    for (i, v) in a.values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_any_value_json(out, v, depth)?;
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

/// `{"values":[KeyValue...]}` whose values are at level `depth`.
pub fn write_kvlist_json(out: &mut Vec<u8>, kv: &KeyValueList, depth: usize) -> Result<()> {
    out.extend_from_slice(b"{\"values\":");
    write_key_values_json(out, &kv.values, depth)?;
    out.push(b'}');
    Ok(())
}

/// `[{"key":"k","value":{...}}, ...]`; values at level `depth` (1 for attributes).
pub fn write_key_values_json(out: &mut Vec<u8>, kvs: &[KeyValue], depth: usize) -> Result<()> {
    out.push(b'[');
    for (i, kv) in kvs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"key\":");
        write_json_bytes_str(out, &kv.key, "attribute key")?;
        out.extend_from_slice(b",\"value\":");
        match &kv.value {
            Some(v) => write_any_value_json(out, v, depth)?,
            None => out.extend_from_slice(b"{}"),
        }
        out.push(b'}');
    }
    out.push(b']');
    Ok(())
}

/// OTLP/JSON array of events: `timeUnixNano` as a string, `name`,
/// `attributes`, and `droppedAttributesCount` when not zero.
pub fn write_events_json(out: &mut Vec<u8>, events: &[span::Event]) -> Result<()> {
    out.push(b'[');
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"timeUnixNano\":");
        write_json_u64_str(out, e.time_unix_nano);
        out.extend_from_slice(b",\"name\":");
        write_json_bytes_str(out, &e.name, "event name")?;
        out.extend_from_slice(b",\"attributes\":");
        write_key_values_json(out, &e.attributes, 1)?;
        if e.dropped_attributes_count != 0 {
            out.extend_from_slice(b",\"droppedAttributesCount\":");
            out.extend_from_slice(
                itoa::Buffer::new()
                    .format(e.dropped_attributes_count)
                    .as_bytes(),
            );
        }
        out.push(b'}');
    }
    out.push(b']');
    Ok(())
}

/// OTLP/JSON array of links: hex `traceId`/`spanId`, `traceState` when not
/// empty, `attributes`, `droppedAttributesCount` and `flags` when not zero.
pub fn write_links_json(out: &mut Vec<u8>, links: &[span::Link]) -> Result<()> {
    out.push(b'[');
    for (i, l) in links.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"traceId\":");
        write_json_hex(out, &l.trace_id);
        out.extend_from_slice(b",\"spanId\":");
        write_json_hex(out, &l.span_id);
        if !l.trace_state.is_empty() {
            out.extend_from_slice(b",\"traceState\":");
            write_json_bytes_str(out, &l.trace_state, "link trace_state")?;
        }
        out.extend_from_slice(b",\"attributes\":");
        write_key_values_json(out, &l.attributes, 1)?;
        if l.dropped_attributes_count != 0 {
            out.extend_from_slice(b",\"droppedAttributesCount\":");
            out.extend_from_slice(
                itoa::Buffer::new()
                    .format(l.dropped_attributes_count)
                    .as_bytes(),
            );
        }
        if l.flags != 0 {
            out.extend_from_slice(b",\"flags\":");
            out.extend_from_slice(itoa::Buffer::new().format(l.flags).as_bytes());
        }
        out.push(b'}');
    }
    out.push(b']');
    Ok(())
}

// ------------------------------------------------------------- text -> value

/// Turns an (`attributes[key]`, `attribute_types[key]`) pair back into the
/// AnyValue (the inverse of [`write_value_text`]); `None` when malformed.
pub fn parse_value_text(text: &str, code: u8) -> Option<AnyValue> {
    let value = match code {
        TYPE_STRING => Some(Value::StringValue(bytes::Bytes::copy_from_slice(
            text.as_bytes(),
        ))),
        TYPE_BOOL => Some(Value::BoolValue(match text {
            "true" => true,
            "false" => false,
            _ => return None,
        })),
        TYPE_INT => Some(Value::IntValue(text.parse().ok()?)),
        TYPE_DOUBLE => Some(Value::DoubleValue(match text {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            _ => text.parse().ok()?,
        })),
        TYPE_BYTES => Some(Value::BytesValue(B64.decode(text).ok()?.into())),
        TYPE_ARRAY => Some(Value::ArrayValue(parse_array_value(text).ok()?)),
        TYPE_KVLIST => Some(Value::KvlistValue(parse_kvlist_value(text).ok()?)),
        TYPE_EMPTY => None,
        _ => return None,
    };
    Some(AnyValue { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn s(x: &str) -> AnyValue {
        AnyValue {
            value: Some(Value::StringValue(Bytes::copy_from_slice(x.as_bytes()))),
        }
    }
    fn kv(k: &str, v: AnyValue) -> KeyValue {
        KeyValue {
            key: Bytes::copy_from_slice(k.as_bytes()),
            value: Some(v),
        }
    }
    fn text(v: &AnyValue) -> (String, u8) {
        let mut out = Vec::new();
        let code = write_value_text(&mut out, v.value.as_ref()).unwrap();
        (String::from_utf8(out).unwrap(), code)
    }
    fn roundtrip(v: AnyValue) {
        let (t, code) = text(&v);
        let back =
            parse_value_text(&t, code).unwrap_or_else(|| panic!("cannot parse {t:?} {code}"));
        // NaN != NaN: compare the texts instead
        let (t2, code2) = text(&back);
        assert_eq!((t2, code2), (t, code));
        if !matches!(v.value, Some(Value::DoubleValue(d)) if d.is_nan()) {
            assert_eq!(back, v);
        }
    }

    #[test]
    fn scalar_texts() {
        assert_eq!(
            text(&s("a\0b<script>'; DROP TABLE x;--")),
            ("a\0b<script>'; DROP TABLE x;--".into(), 0)
        );
        assert_eq!(
            text(&AnyValue {
                value: Some(Value::BoolValue(true))
            }),
            ("true".into(), 1)
        );
        assert_eq!(
            text(&AnyValue {
                value: Some(Value::IntValue(-42))
            }),
            ("-42".into(), 2)
        );
        assert_eq!(
            text(&AnyValue {
                value: Some(Value::IntValue(i64::MIN))
            })
            .0,
            i64::MIN.to_string()
        );
        let d = |x: f64| {
            text(&AnyValue {
                value: Some(Value::DoubleValue(x)),
            })
            .0
        };
        assert_eq!(d(1.5), "1.5");
        assert_eq!(d(1e300), "1e300");
        assert_eq!(d(f64::NAN), "NaN");
        assert_eq!(d(f64::INFINITY), "Infinity");
        assert_eq!(d(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(
            text(&AnyValue {
                value: Some(Value::BytesValue(Bytes::from_static(b"\x00\xff")))
            }),
            ("AP8=".into(), 4)
        );
        assert_eq!(text(&AnyValue { value: None }), ("".into(), 7));
    }

    #[test]
    fn array_and_kvlist_texts() {
        let arr = AnyValue {
            value: Some(Value::ArrayValue(ArrayValue {
                values: vec![
                    s("a"),
                    AnyValue {
                        value: Some(Value::IntValue(1)),
                    },
                ],
            })),
        };
        assert_eq!(
            text(&arr),
            (
                r#"{"values":[{"stringValue":"a"},{"intValue":"1"}]}"#.into(),
                5
            )
        );
        let kvl = AnyValue {
            value: Some(Value::KvlistValue(KeyValueList {
                values: vec![
                    kv(
                        "k",
                        AnyValue {
                            value: Some(Value::DoubleValue(f64::NAN)),
                        },
                    ),
                    kv("e", AnyValue { value: None }),
                ],
            })),
        };
        assert_eq!(
            text(&kvl),
            (
                r#"{"values":[{"key":"k","value":{"doubleValue":"NaN"}},{"key":"e","value":{}}]}"#
                    .into(),
                6
            )
        );
    }

    #[test]
    fn round_trips() {
        roundtrip(s(""));
        roundtrip(s(
            "héllo \u{1F600} \0 \"quoted\" \\ <b>x</b> SELECT * FROM t WHERE a='1'",
        ));
        roundtrip(AnyValue {
            value: Some(Value::BoolValue(false)),
        });
        for i in [0, -1, i64::MAX, i64::MIN] {
            roundtrip(AnyValue {
                value: Some(Value::IntValue(i)),
            });
        }
        for d in [
            0.0,
            -0.0,
            0.1,
            1e-300,
            5e-324,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            123456789.0,
        ] {
            roundtrip(AnyValue {
                value: Some(Value::DoubleValue(d)),
            });
        }
        roundtrip(AnyValue {
            value: Some(Value::BytesValue(Bytes::from_static(b""))),
        });
        roundtrip(AnyValue {
            value: Some(Value::BytesValue(Bytes::from_static(b"\x00\x01binary\xfe"))),
        });
        roundtrip(AnyValue { value: None });
        let nested = AnyValue {
            value: Some(Value::KvlistValue(KeyValueList {
                values: vec![
                    kv(
                        "list",
                        AnyValue {
                            value: Some(Value::ArrayValue(ArrayValue {
                                values: vec![
                                    s("x\n\u{7}\u{1f}"),
                                    AnyValue {
                                        value: Some(Value::BytesValue(Bytes::from_static(b"\xff"))),
                                    },
                                    AnyValue {
                                        value: Some(Value::DoubleValue(-2.5)),
                                    },
                                    AnyValue {
                                        value: Some(Value::BoolValue(true)),
                                    },
                                    AnyValue { value: None },
                                ],
                            })),
                        },
                    ),
                    kv(
                        "int",
                        AnyValue {
                            value: Some(Value::IntValue(-7)),
                        },
                    ),
                    kv("", s("")),
                ],
            })),
        };
        roundtrip(nested);
    }

    fn nest(levels: usize) -> AnyValue {
        let mut v = s("leaf");
        for _ in 1..levels {
            v = AnyValue {
                value: Some(Value::ArrayValue(ArrayValue { values: vec![v] })),
            };
        }
        v
    }

    #[test]
    fn nesting_limit_in_writer() {
        let mut out = Vec::new();
        assert!(write_value_text(&mut out, nest(64).value.as_ref()).is_ok());
        out.clear();
        assert_eq!(
            write_value_text(&mut out, nest(65).value.as_ref()),
            Err(Error::NestingTooDeep)
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let bad = AnyValue {
            value: Some(Value::StringValue(Bytes::from_static(b"\xff\xfe"))),
        };
        let mut out = Vec::new();
        assert_eq!(
            write_value_text(&mut out, bad.value.as_ref()),
            Err(Error::InvalidUtf8("attribute value"))
        );
        let arr = AnyValue {
            value: Some(Value::ArrayValue(ArrayValue { values: vec![bad] })),
        };
        assert!(matches!(
            write_value_text(&mut out, arr.value.as_ref()),
            Err(Error::InvalidUtf8(_))
        ));
    }

    #[test]
    fn json_string_escaping() {
        let mut out = Vec::new();
        write_json_str(&mut out, "a\"b\\c\n\u{0}\u{1f}é");
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#""a\"b\\c\n\u0000\u001fé""#
        );
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, "a\"b\\c\n\u{0}\u{1f}é");
    }
}
