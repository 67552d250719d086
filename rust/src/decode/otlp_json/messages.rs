//! The fields of each OTLP message in OTLP/JSON (camelCase or snake_case
//! names), read into the prost structs of `otlp_messages`.

use serde::de::{self, MapAccess};

use super::scalars::{
    B64Seed, BoolSeed, EnumSeed, F64Seed, HexSeed, I64Seed, StrSeed, U32Seed, U64Seed, SPAN_KINDS,
    STATUS_CODES,
};
use super::seeds::{nullable, skip, JsonMsg, MsgSeed, OptSeed, VecSeed};
use crate::decode::otlp_messages::any_value::Value;
use crate::decode::otlp_messages::*;
use crate::errors::{MAX_ANYVALUE_DEPTH, NESTING_MESSAGE};

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
