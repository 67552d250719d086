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

use crate::decode::otlp_views::{for_each_item, resolve_any, scan_kv, Event, Kv, Link, Val};
use crate::errors::{Error, Result, MAX_ANYVALUE_DEPTH};

pub const TYPE_STRING: u8 = 0; // not stored: a missing attribute_types entry means string
pub const TYPE_BOOL: u8 = 1;
pub const TYPE_INT: u8 = 2;
pub const TYPE_DOUBLE: u8 = 3;
pub const TYPE_BYTES: u8 = 4;
pub const TYPE_ARRAY: u8 = 5;
pub const TYPE_KVLIST: u8 = 6;
pub const TYPE_EMPTY: u8 = 7;

/// Checks UTF-8 and returns the text: short ASCII strings (keys, names,
/// ids) by a word-at-a-time test, the rest by simdutf8 (SIMD).
#[inline]
pub fn utf8<'a>(b: &'a [u8], field: &'static str) -> Result<&'a str> {
    if b.len() <= 64 && is_ascii_short(b) {
        // SAFETY: all bytes are < 0x80, and ASCII is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(b) });
    }
    simdutf8::basic::from_utf8(b).map_err(|_| Error::InvalidUtf8(field))
}

/// Appends `b` to `out`. Short slices (keys, names, numbers: most of the
/// appends) are copied inline with two overlapping loads/stores instead of
/// a call to `memcpy`, which cost ~20 instructions per call.
#[inline(always)]
pub fn put(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if n > 32 {
        out.extend_from_slice(b);
        return;
    }
    out.reserve(32);
    let len = out.len();
    // SAFETY: `reserve(32)` leaves capacity >= len + 32 >= len + n, so every
    // store below (all within dst[0..n]) is inside the allocation; every
    // load is within src[0..n] (each branch requires n >= the load width);
    // unaligned loads/stores are used; `src` and `dst` cannot overlap (`b`
    // is borrowed shared while `out` is borrowed mutably). After the copy
    // the n bytes at dst are initialized, so `set_len(len + n)` is sound.
    unsafe {
        let src = b.as_ptr();
        let dst = out.as_mut_ptr().add(len);
        if n >= 16 {
            let a = (src as *const u128).read_unaligned();
            let z = (src.add(n - 16) as *const u128).read_unaligned();
            (dst as *mut u128).write_unaligned(a);
            (dst.add(n - 16) as *mut u128).write_unaligned(z);
        } else if n >= 8 {
            let a = (src as *const u64).read_unaligned();
            let z = (src.add(n - 8) as *const u64).read_unaligned();
            (dst as *mut u64).write_unaligned(a);
            (dst.add(n - 8) as *mut u64).write_unaligned(z);
        } else if n >= 4 {
            let a = (src as *const u32).read_unaligned();
            let z = (src.add(n - 4) as *const u32).read_unaligned();
            (dst as *mut u32).write_unaligned(a);
            (dst.add(n - 4) as *mut u32).write_unaligned(z);
        } else {
            for i in 0..n {
                *dst.add(i) = *src.add(i);
            }
        }
        out.set_len(len + n);
    }
}

/// Are all bytes ASCII? (for short slices: 8 bytes at a time, no call)
#[inline(always)]
fn is_ascii_short(b: &[u8]) -> bool {
    let mut acc = 0u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        acc |= u64::from_le_bytes(c.try_into().unwrap());
    }
    let mut tail = 0u64;
    for (i, &x) in chunks.remainder().iter().enumerate() {
        tail |= (x as u64) << (8 * i);
    }
    (acc | tail) & 0x8080_8080_8080_8080 == 0
}

/// The type code of a value (`TYPE_STRING` for strings).
#[inline]
pub fn type_code(v: &Val) -> u8 {
    match v {
        Val::Str(_) => TYPE_STRING,
        Val::Bool(_) => TYPE_BOOL,
        Val::Int(_) => TYPE_INT,
        Val::Double(_) => TYPE_DOUBLE,
        Val::Bytes(_) => TYPE_BYTES,
        Val::Array(_) => TYPE_ARRAY,
        Val::Kvlist(_) => TYPE_KVLIST,
        Val::Empty => TYPE_EMPTY,
    }
}

#[inline]
pub(crate) fn write_double_text(out: &mut Vec<u8>, d: f64) {
    if d.is_finite() {
        put(out, ryu::Buffer::new().format_finite(d).as_bytes());
    } else if d.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if d > 0.0 {
        out.extend_from_slice(b"Infinity");
    } else {
        out.extend_from_slice(b"-Infinity");
    }
}

/// Appends the text of a top-level attribute value to `out`; returns its
/// type code. `str_checked`: a string value known to be valid UTF-8 already.
#[inline]
pub fn write_value_text_checked(out: &mut Vec<u8>, v: &Val, str_checked: bool) -> Result<u8> {
    match v {
        Val::Str(s) => {
            if !str_checked {
                utf8(s, "attribute value")?;
            }
            put(out, s);
            Ok(TYPE_STRING)
        }
        Val::Bool(b) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(TYPE_BOOL)
        }
        Val::Int(i) => {
            put(out, itoa::Buffer::new().format(*i).as_bytes());
            Ok(TYPE_INT)
        }
        Val::Double(d) => {
            write_double_text(out, *d);
            Ok(TYPE_DOUBLE)
        }
        Val::Bytes(b) => {
            b64_into(out, b);
            Ok(TYPE_BYTES)
        }
        Val::Array(a) => {
            write_array_json(out, a, 2)?;
            Ok(TYPE_ARRAY)
        }
        Val::Kvlist(kv) => {
            write_kvlist_json(out, kv, 2)?;
            Ok(TYPE_KVLIST)
        }
        Val::Empty => Ok(TYPE_EMPTY),
    }
}

/// Appends the text of a top-level attribute value to `out`; returns its type code.
#[inline]
pub fn write_value_text(out: &mut Vec<u8>, v: &Val) -> Result<u8> {
    write_value_text_checked(out, v, false)
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
    write_json_utf8(out, s.as_bytes())
}

/// [`write_json_str`] of bytes already known to be UTF-8.
pub(crate) fn write_json_utf8(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
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
pub(crate) fn write_json_bytes_str(out: &mut Vec<u8>, b: &[u8], field: &'static str) -> Result<()> {
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

pub(crate) fn write_json_u64_str(out: &mut Vec<u8>, v: u64) {
    out.push(b'"');
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    out.push(b'"');
}

/// OTLP/JSON of an AnyValue at nesting level `depth` (top-level value = 1).
pub fn write_any_value_json(out: &mut Vec<u8>, v: &Val, depth: usize) -> Result<()> {
    if depth > MAX_ANYVALUE_DEPTH {
        return Err(Error::NestingTooDeep);
    }
    match v {
        Val::Empty => out.extend_from_slice(b"{}"),
        Val::Str(s) => {
            out.extend_from_slice(b"{\"stringValue\":");
            write_json_bytes_str(out, s, "attribute value")?;
            out.push(b'}');
        }
        Val::Bool(b) => out.extend_from_slice(if *b {
            b"{\"boolValue\":true}"
        } else {
            b"{\"boolValue\":false}"
        }),
        Val::Int(i) => {
            out.extend_from_slice(b"{\"intValue\":\"");
            out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes());
            out.extend_from_slice(b"\"}");
        }
        Val::Double(d) => {
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
        Val::Bytes(b) => {
            out.extend_from_slice(b"{\"bytesValue\":\"");
            b64_into(out, b);
            out.extend_from_slice(b"\"}");
        }
        Val::Array(a) => {
            out.extend_from_slice(b"{\"arrayValue\":");
            write_array_json(out, a, depth + 1)?;
            out.push(b'}');
        }
        Val::Kvlist(kv) => {
            out.extend_from_slice(b"{\"kvlistValue\":");
            write_kvlist_json(out, kv, depth + 1)?;
            out.push(b'}');
        }
    }
    Ok(())
}

/// `{"values":[AnyValue...]}` of an encoded ArrayValue whose items are at level `depth`.
pub fn write_array_json(out: &mut Vec<u8>, a: &[u8], depth: usize) -> Result<()> {
    out.extend_from_slice(b"{\"values\":[");
    let mut first = true;
    for_each_item(a, |item| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_any_value_json(out, &resolve_any(item, depth, false)?, depth)
    })?;
    out.extend_from_slice(b"]}");
    Ok(())
}

/// `{"values":[KeyValue...]}` of an encoded KeyValueList whose values are at level `depth`.
pub fn write_kvlist_json(out: &mut Vec<u8>, kvl: &[u8], depth: usize) -> Result<()> {
    out.extend_from_slice(b"{\"values\":[");
    let mut first = true;
    for_each_item(kvl, |item| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_kv_json(out, &scan_kv(item, depth, false)?, depth)
    })?;
    out.extend_from_slice(b"]}");
    Ok(())
}

#[inline]
fn write_kv_json(out: &mut Vec<u8>, kv: &Kv, depth: usize) -> Result<()> {
    out.extend_from_slice(b"{\"key\":");
    write_json_bytes_str(out, kv.key, "attribute key")?;
    out.extend_from_slice(b",\"value\":");
    write_any_value_json(out, &kv.val, depth)?;
    out.push(b'}');
    Ok(())
}

/// `[{"key":"k","value":{...}}, ...]`; values at level `depth` (1 for attributes).
pub fn write_key_values_json(out: &mut Vec<u8>, kvs: &[Kv], depth: usize) -> Result<()> {
    out.push(b'[');
    for (i, kv) in kvs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_kv_json(out, kv, depth)?;
    }
    out.push(b']');
    Ok(())
}

/// OTLP/JSON array of (encoded) events: `timeUnixNano` as a string, `name`,
/// `attributes`, and `droppedAttributesCount` when not zero.
pub fn write_events_json(out: &mut Vec<u8>, events: &[&[u8]]) -> Result<()> {
    out.push(b'[');
    for (i, e) in events.iter().enumerate() {
        let e = Event::scan(e)?;
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"timeUnixNano\":");
        write_json_u64_str(out, e.time_unix_nano);
        out.extend_from_slice(b",\"name\":");
        write_json_bytes_str(out, e.name, "event name")?;
        out.extend_from_slice(b",\"attributes\":");
        write_key_values_json(out, &e.attrs, 1)?;
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

/// OTLP/JSON array of (encoded) links: hex `traceId`/`spanId`, `traceState`
/// when not empty, `attributes`, `droppedAttributesCount` and `flags` when not zero.
pub fn write_links_json(out: &mut Vec<u8>, links: &[&[u8]]) -> Result<()> {
    out.push(b'[');
    for (i, l) in links.iter().enumerate() {
        let l = Link::scan(l)?;
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"traceId\":");
        write_json_hex(out, l.trace_id);
        out.extend_from_slice(b",\"spanId\":");
        write_json_hex(out, l.span_id);
        if !l.trace_state.is_empty() {
            out.extend_from_slice(b",\"traceState\":");
            write_json_bytes_str(out, l.trace_state, "link trace_state")?;
        }
        out.extend_from_slice(b",\"attributes\":");
        write_key_values_json(out, &l.attrs, 1)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::oracle::attr_text as old;
    use crate::decode::otlp_messages::any_value::Value;
    use crate::decode::otlp_messages::AnyValue;
    use bytes::Bytes;
    use prost::Message;

    fn s(x: &str) -> AnyValue {
        AnyValue {
            value: Some(Value::StringValue(Bytes::copy_from_slice(x.as_bytes()))),
        }
    }

    /// (text, code) of the new writer on the encoded value, and of the reference.
    fn both(v: &AnyValue) -> ((String, u8), (String, u8)) {
        let enc = v.encode_to_vec();
        let val = resolve_any(&enc, 1, true).unwrap();
        let mut out = Vec::new();
        let code = write_value_text(&mut out, &val).unwrap();
        let mut o2 = Vec::new();
        let c2 = old::write_value_text(&mut o2, v.value.as_ref()).unwrap();
        (
            (String::from_utf8(out).unwrap(), code),
            (String::from_utf8(o2).unwrap(), c2),
        )
    }

    #[test]
    fn same_texts_as_reference() {
        use crate::decode::otlp_messages::{ArrayValue, KeyValue, KeyValueList};
        let nested = AnyValue {
            value: Some(Value::KvlistValue(KeyValueList {
                values: vec![
                    KeyValue {
                        key: Bytes::from_static(b"list"),
                        value: Some(AnyValue {
                            value: Some(Value::ArrayValue(ArrayValue {
                                values: vec![
                                    s("x\n\u{7}\u{1f}"),
                                    AnyValue {
                                        value: Some(Value::BytesValue(Bytes::from_static(b"\xff"))),
                                    },
                                    AnyValue {
                                        value: Some(Value::DoubleValue(f64::NAN)),
                                    },
                                    AnyValue { value: None },
                                ],
                            })),
                        }),
                    },
                    KeyValue {
                        key: Bytes::from_static(b"none"),
                        value: None,
                    },
                ],
            })),
        };
        for v in [
            s("héllo \"q\""),
            AnyValue { value: None },
            AnyValue {
                value: Some(Value::IntValue(i64::MIN)),
            },
            AnyValue {
                value: Some(Value::DoubleValue(-0.0)),
            },
            AnyValue {
                value: Some(Value::BoolValue(true)),
            },
            nested,
        ] {
            let (a, b) = both(&v);
            assert_eq!(a, b);
        }
    }

    fn nest(levels: usize) -> Vec<u8> {
        crate::decode::prop_tests::nested_any(levels)
    }

    #[test]
    fn nesting_limit() {
        let ok = nest(64);
        let v = resolve_any(&ok, 1, true).unwrap();
        let mut out = Vec::new();
        assert_eq!(write_value_text(&mut out, &v).unwrap(), TYPE_ARRAY);
        assert_eq!(
            resolve_any(&nest(65), 1, true).unwrap_err(),
            Error::NestingTooDeep
        );
        // deep hostile nesting errors without overflowing the stack
        assert_eq!(
            resolve_any(&nest(100_000), 1, true).unwrap_err(),
            Error::NestingTooDeep
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let bad = AnyValue {
            value: Some(Value::StringValue(Bytes::from_static(b"\xff\xfe"))),
        }
        .encode_to_vec();
        let v = resolve_any(&bad, 1, true).unwrap();
        let mut out = Vec::new();
        assert_eq!(
            write_value_text(&mut out, &v),
            Err(Error::InvalidUtf8("attribute value"))
        );
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
