//! OTLP/JSON -> the prost structs of `otlp_messages.rs`.
//!
//! The OTLP/JSON mapping is proto3's JSON mapping with two OTLP twists:
//! trace and span ids are hex (not base64), and enums are integers. We accept:
//! camelCase and snake_case field names; 64-bit integers as strings or numbers;
//! enums as integers or their names; `bytesValue` as standard or URL-safe
//! base64 (padding optional); `null` for any field (= the default); unknown
//! fields (skipped). Nesting is bounded without serde_json's recursion limit
//! (which would refuse legal 64-level AnyValues): AnyValues deeper than 64
//! levels, and unknown values nested deeper than 128, are errors.

use std::fmt;
use std::marker::PhantomData;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::decode::otlp_messages::any_value::Value;
use crate::decode::otlp_messages::*;
use crate::errors::{Error, Result, MAX_ANYVALUE_DEPTH, NESTING_MESSAGE};

/// Deepest nesting of an unknown (skipped) JSON value.
const MAX_SKIP_DEPTH: usize = 128;

/// Decodes an OTLP/JSON `ExportTraceServiceRequest` (strings are valid UTF-8
/// by construction, JSON being text).
pub fn decode_request(body: &[u8]) -> Result<ExportTraceServiceRequest> {
    // One SIMD check of the whole body, then serde_json's str reader, which
    // does not check each string again (that was 5% of a JSON decode).
    let text = simdutf8::basic::from_utf8(body).map_err(|_| {
        let valid = simdutf8::compat::from_utf8(body).map_or_else(|e| e.valid_up_to(), |_| 0);
        let before = &body[..valid];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        Error::InvalidJson {
            line,
            column,
            message: "invalid UTF-8".to_owned(),
        }
    })?;
    parse_with(text, MsgSeed::<ExportTraceServiceRequest>::new(0))
}

/// Parses the text of an array attribute (`{"values":[...]}`, type code 5).
pub fn parse_array_value(text: &str) -> Result<ArrayValue> {
    parse_with(text, MsgSeed::<ArrayValue>::new(2))
}

/// Parses the text of a kvlist attribute (`{"values":[...]}`, type code 6).
pub fn parse_kvlist_value(text: &str) -> Result<KeyValueList> {
    parse_with(text, MsgSeed::<KeyValueList>::new(2))
}

fn parse_with<'de, S: DeserializeSeed<'de>>(body: &'de str, seed: S) -> Result<S::Value> {
    let mut de = serde_json::Deserializer::from_str(body);
    de.disable_recursion_limit();
    let v = seed.deserialize(&mut de).map_err(Error::from_json)?;
    de.end().map_err(Error::from_json)?;
    Ok(v)
}

/// `{}` or `{"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}}`
/// (proto3 JSON: default-valued fields are left out).
pub fn encode_export_response(rejected_spans: i64, error_message: &str) -> Vec<u8> {
    if rejected_spans == 0 && error_message.is_empty() {
        return b"{}".to_vec();
    }
    let mut out = b"{\"partialSuccess\":{".to_vec();
    if rejected_spans != 0 {
        out.extend_from_slice(b"\"rejectedSpans\":\"");
        out.extend_from_slice(itoa::Buffer::new().format(rejected_spans).as_bytes());
        out.push(b'"');
    }
    if !error_message.is_empty() {
        if rejected_spans != 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"\"errorMessage\":");
        crate::decode::attr_text::write_json_str(&mut out, error_message);
    }
    out.extend_from_slice(b"}}");
    out
}

// ------------------------------------------------------------------ messages

/// A message decoded from a JSON object field by field.
trait JsonMsg: Default + Sized {
    const EXPECTING: &'static str;
    /// Reads the value of `key` (a field name, camelCase or snake_case).
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        depth: usize,
    ) -> Result<(), A::Error>;
}

/// Seed for a message; `depth` is the AnyValue level of the values inside it
/// (only meaningful for KeyValue / AnyValue / ArrayValue / KeyValueList).
struct MsgSeed<T>(usize, PhantomData<T>);

impl<T> MsgSeed<T> {
    fn new(depth: usize) -> Self {
        MsgSeed(depth, PhantomData)
    }
}
impl<T> Clone for MsgSeed<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MsgSeed<T> {}

impl<'de, T: JsonMsg> DeserializeSeed<'de> for MsgSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: JsonMsg> Visitor<'de> for MsgSeed<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut msg = T::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            msg.field(key.as_str(), &mut map, self.0)?;
        }
        Ok(msg)
    }
}

/// A JSON object key, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// A repeated field: a JSON array (or null) of `S` items.
#[derive(Clone, Copy)]
struct VecSeed<S>(S);

impl<'de, S: DeserializeSeed<'de> + Copy> DeserializeSeed<'de> for VecSeed<S> {
    type Value = Vec<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: DeserializeSeed<'de> + Copy> Visitor<'de> for VecSeed<S> {
    type Value = Vec<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element_seed(self.0)? {
            v.push(x);
        }
        Ok(v)
    }
}

fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value_seed(Skip(0))
}

/// Skips any JSON value, refusing nesting deeper than [`MAX_SKIP_DEPTH`]
/// (serde's `IgnoredAny` would recurse without bound once serde_json's own
/// recursion limit is off).
#[derive(Clone, Copy)]
struct Skip(usize);

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.0 > MAX_SKIP_DEPTH {
            return Err(de::Error::custom(
                "unknown field nested deeper than 128 levels",
            ));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip(self.0 + 1))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip(self.0 + 1))?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------- scalars

macro_rules! scalar_seed {
    ($name:ident, $ty:ty, $expecting:expr, { $($body:tt)* }) => {
        #[derive(Clone, Copy)]
        struct $name;
        impl<'de> DeserializeSeed<'de> for $name {
            type Value = $ty;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$ty, D::Error> {
                d.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for $name {
            type Value = $ty;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($expecting)
            }
            fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
                Ok(<$ty>::default())
            }
            $($body)*
        }
    };
}

scalar_seed!(StrSeed, Bytes, "a string", {
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        Ok(Bytes::copy_from_slice(s.as_bytes()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Bytes, E> {
        Ok(Bytes::from(s.into_bytes()))
    }
});

scalar_seed!(HexSeed, Bytes, "a hex string", {
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        decode_hex(s)
            .map(Bytes::from)
            .ok_or_else(|| E::custom(format!("id is not a hex string: {s:?}")))
    }
});

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    fn nib(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    b.chunks_exact(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

const B64_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const B64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

scalar_seed!(B64Seed, Bytes, "a base64 string", {
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        B64_STD
            .decode(s)
            .or_else(|_| B64_URL.decode(s))
            .map(Bytes::from)
            .map_err(|_| E::custom("bytesValue is not base64"))
    }
});

scalar_seed!(BoolSeed, bool, "a boolean", {
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<bool, E> {
        Ok(b)
    }
});

/// Integers: JSON numbers (integral) or decimal strings.
macro_rules! int_seed {
    ($name:ident, $ty:ty, $expecting:expr) => {
        scalar_seed!($name, $ty, $expecting, {
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                <$ty>::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $expecting)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                <$ty>::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $expecting)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                if v.fract() == 0.0 && v >= <$ty>::MIN as f64 && v <= <$ty>::MAX as f64 {
                    Ok(v as $ty)
                } else {
                    Err(E::custom(format!("{v} is not {}", $expecting)))
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                s.parse::<$ty>()
                    .map_err(|_| E::custom(format!("{s:?} is not {}", $expecting)))
            }
        });
    };
}

int_seed!(U64Seed, u64, "an unsigned 64-bit integer");
int_seed!(I64Seed, i64, "a 64-bit integer");
int_seed!(U32Seed, u32, "an unsigned 32-bit integer");

scalar_seed!(F64Seed, f64, "a number", {
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
        match s {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s
                .parse()
                .map_err(|_| E::custom(format!("{s:?} is not a number"))),
        }
    }
});

/// An enum: its integer, or its name (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
#[derive(Clone, Copy)]
struct EnumSeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for EnumSeed {
    type Value = i32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<i32, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnumSeed {
    type Value = i32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an enum integer or name")
    }
    fn visit_unit<E: de::Error>(self) -> Result<i32, E> {
        Ok(0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom(format!("enum value {v} out of range")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom(format!("enum value {v} out of range")))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<i32, E> {
        if let Some(i) = self.0.iter().position(|n| *n == s) {
            return Ok(i as i32);
        }
        s.parse::<i32>()
            .map_err(|_| E::custom(format!("unknown enum value {s:?}")))
    }
}

const SPAN_KINDS: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];
const STATUS_CODES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

// ------------------------------------------------------------ message fields

fn attrs_seed(depth: usize) -> VecSeed<MsgSeed<KeyValue>> {
    VecSeed(MsgSeed::new(depth))
}

impl JsonMsg for ExportTraceServiceRequest {
    const EXPECTING: &'static str = "an ExportTraceServiceRequest object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "resourceSpans" | "resource_spans" => {
                self.resource_spans = map.next_value_seed(VecSeed(MsgSeed::new(1)))?
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for ResourceSpans {
    const EXPECTING: &'static str = "a ResourceSpans object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "resource" => self.resource = Some(map.next_value_seed(MsgSeed::new(1))?),
            "scopeSpans" | "scope_spans" => {
                self.scope_spans = map.next_value_seed(VecSeed(MsgSeed::new(1)))?
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for Resource {
    const EXPECTING: &'static str = "a Resource object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "attributes" => self.attributes = map.next_value_seed(attrs_seed(1))?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                self.dropped_attributes_count = map.next_value_seed(U32Seed)?
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for ScopeSpans {
    const EXPECTING: &'static str = "a ScopeSpans object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "scope" => self.scope = Some(map.next_value_seed(MsgSeed::new(1))?),
            "spans" => self.spans = map.next_value_seed(VecSeed(MsgSeed::new(1)))?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for InstrumentationScope {
    const EXPECTING: &'static str = "an InstrumentationScope object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "name" => self.name = map.next_value_seed(StrSeed)?,
            "version" => self.version = map.next_value_seed(StrSeed)?,
            "attributes" => self.attributes = map.next_value_seed(attrs_seed(1))?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                self.dropped_attributes_count = map.next_value_seed(U32Seed)?
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for Span {
    const EXPECTING: &'static str = "a Span object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "traceId" | "trace_id" => self.trace_id = map.next_value_seed(HexSeed)?,
            "spanId" | "span_id" => self.span_id = map.next_value_seed(HexSeed)?,
            "traceState" | "trace_state" => self.trace_state = map.next_value_seed(StrSeed)?,
            "parentSpanId" | "parent_span_id" => {
                self.parent_span_id = map.next_value_seed(HexSeed)?
            }
            "flags" => self.flags = map.next_value_seed(U32Seed)?,
            "name" => self.name = map.next_value_seed(StrSeed)?,
            "kind" => self.kind = map.next_value_seed(EnumSeed(SPAN_KINDS))?,
            "startTimeUnixNano" | "start_time_unix_nano" => {
                self.start_time_unix_nano = map.next_value_seed(U64Seed)?
            }
            "endTimeUnixNano" | "end_time_unix_nano" => {
                self.end_time_unix_nano = map.next_value_seed(U64Seed)?
            }
            "attributes" => self.attributes = map.next_value_seed(attrs_seed(1))?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                self.dropped_attributes_count = map.next_value_seed(U32Seed)?
            }
            "events" => self.events = map.next_value_seed(VecSeed(MsgSeed::new(1)))?,
            "droppedEventsCount" | "dropped_events_count" => {
                self.dropped_events_count = map.next_value_seed(U32Seed)?
            }
            "links" => self.links = map.next_value_seed(VecSeed(MsgSeed::new(1)))?,
            "droppedLinksCount" | "dropped_links_count" => {
                self.dropped_links_count = map.next_value_seed(U32Seed)?
            }
            "status" => self.status = Some(map.next_value_seed(MsgSeed::new(1))?),
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for span::Event {
    const EXPECTING: &'static str = "an Event object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "timeUnixNano" | "time_unix_nano" => {
                self.time_unix_nano = map.next_value_seed(U64Seed)?
            }
            "name" => self.name = map.next_value_seed(StrSeed)?,
            "attributes" => self.attributes = map.next_value_seed(attrs_seed(1))?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                self.dropped_attributes_count = map.next_value_seed(U32Seed)?
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for span::Link {
    const EXPECTING: &'static str = "a Link object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "traceId" | "trace_id" => self.trace_id = map.next_value_seed(HexSeed)?,
            "spanId" | "span_id" => self.span_id = map.next_value_seed(HexSeed)?,
            "traceState" | "trace_state" => self.trace_state = map.next_value_seed(StrSeed)?,
            "attributes" => self.attributes = map.next_value_seed(attrs_seed(1))?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                self.dropped_attributes_count = map.next_value_seed(U32Seed)?
            }
            "flags" => self.flags = map.next_value_seed(U32Seed)?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for Status {
    const EXPECTING: &'static str = "a Status object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        _: usize,
    ) -> Result<(), A::Error> {
        match key {
            "message" => self.message = map.next_value_seed(StrSeed)?,
            "code" => self.code = map.next_value_seed(EnumSeed(STATUS_CODES))?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for KeyValue {
    const EXPECTING: &'static str = "a KeyValue object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        depth: usize,
    ) -> Result<(), A::Error> {
        match key {
            "key" => self.key = map.next_value_seed(StrSeed)?,
            "value" => self.value = Some(map.next_value_seed(MsgSeed::new(depth))?),
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for AnyValue {
    const EXPECTING: &'static str = "an AnyValue object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        depth: usize,
    ) -> Result<(), A::Error> {
        if depth > MAX_ANYVALUE_DEPTH {
            return Err(de::Error::custom(NESTING_MESSAGE));
        }
        let v = match key {
            "stringValue" | "string_value" => {
                nullable(map.next_value_seed(OptSeed(StrSeed))?, Value::StringValue)
            }
            "boolValue" | "bool_value" => {
                nullable(map.next_value_seed(OptSeed(BoolSeed))?, Value::BoolValue)
            }
            "intValue" | "int_value" => {
                nullable(map.next_value_seed(OptSeed(I64Seed))?, Value::IntValue)
            }
            "doubleValue" | "double_value" => {
                nullable(map.next_value_seed(OptSeed(F64Seed))?, Value::DoubleValue)
            }
            "bytesValue" | "bytes_value" => {
                nullable(map.next_value_seed(OptSeed(B64Seed))?, Value::BytesValue)
            }
            "arrayValue" | "array_value" => nullable(
                map.next_value_seed(OptSeed(MsgSeed::new(depth + 1)))?,
                Value::ArrayValue,
            ),
            "kvlistValue" | "kvlist_value" => nullable(
                map.next_value_seed(OptSeed(MsgSeed::new(depth + 1)))?,
                Value::KvlistValue,
            ),
            _ => {
                skip(map)?;
                return Ok(());
            }
        };
        if v.is_some() {
            self.value = v;
        }
        Ok(())
    }
}

fn nullable<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Option<Value> {
    v.map(f)
}

/// `null` -> None (an AnyValue field set to null leaves the value unset).
#[derive(Clone, Copy)]
struct OptSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OptSeed<S> {
    type Value = Option<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OptSeed<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

impl JsonMsg for ArrayValue {
    const EXPECTING: &'static str = "an ArrayValue object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        depth: usize,
    ) -> Result<(), A::Error> {
        match key {
            "values" => self.values = map.next_value_seed(VecSeed(MsgSeed::new(depth)))?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl JsonMsg for KeyValueList {
    const EXPECTING: &'static str = "a KeyValueList object";
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        depth: usize,
    ) -> Result<(), A::Error> {
        match key {
            "values" => self.values = map.next_value_seed(attrs_seed(depth))?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(err(
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}"#
        )
        .contains("is not an unsigned 64-bit integer"));
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
}
