//! The span schema: the columns of the span batch, in order (see
//! docs/span-schema.md), the decoder's own followed by enrichment's.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

pub(super) fn map_entries(value: DataType) -> Arc<Field> {
    Arc::new(Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", value, false),
        ])),
        false,
    ))
}

pub(super) fn tags_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, false))
}

/// The columns of the span batch, in order.
pub fn span_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            use DataType::*;
            let f = |name: &str, t: DataType| Field::new(name, t, false);
            let tok = |name: &str| Field::new(name, UInt32, true);
            let mut fields = vec![
                f("project", Utf8),
                f("trace_id", FixedSizeBinary(16)),
                f("span_id", FixedSizeBinary(8)),
                f("parent_span_id", FixedSizeBinary(8)),
                f("trace_state", Utf8),
                f("flags", UInt32),
                f("name", Utf8),
                f("kind", UInt8),
                f("span_type", Utf8),
                f("service_name", Utf8),
                f("scope_name", Utf8),
                f("scope_version", Utf8),
                f("start_time", ts_type()),
                f("end_time", ts_type()),
                f("duration_ns", Int64),
                f("status_code", UInt8),
                f("status_message", Utf8),
                f("model", Utf8),
                f("provider", Utf8),
                tok("input_tokens"),
                tok("output_tokens"),
                tok("cached_tokens"),
                tok("reasoning_tokens"),
                tok("total_tokens"),
                f("chain", Utf8),
                f("agent", Utf8),
                f("user_id", Utf8),
                f("session_id", Utf8),
                f("environment", Utf8),
                f("tags", List(tags_item())),
                f("input", Utf8),
                f("output", Utf8),
                f("input_key", Utf8),
                f("output_key", Utf8),
                f("attributes", Map(map_entries(Utf8), true)),
                f("attribute_types", Map(map_entries(UInt8), true)),
                f("resource_attributes", Utf8),
                f("scope_attributes", Utf8),
                f("events", Utf8),
                f("links", Utf8),
                f("dropped_attributes_count", UInt32),
                f("dropped_events_count", UInt32),
                f("dropped_links_count", UInt32),
                f("ingested_at", ts_type()),
            ];
            fields.extend(crate::enrich::enrichment_fields());
            Arc::new(Schema::new(fields))
        })
        .clone()
}
