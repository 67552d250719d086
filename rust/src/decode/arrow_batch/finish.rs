//! The column buffers -> the Arrow batch, with enrichment's columns (cost,
//! energy, carbon, quality) computed over the decoder's.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, FixedSizeBinaryArray, Int64Array, ListArray, MapArray, RecordBatch, StringArray,
    StructArray, TimestampNanosecondArray, UInt32Array, UInt8Array,
};
use arrow_buffer::{Buffer, OffsetBuffer};
use arrow_schema::DataType;

use super::columns::{Builder, Utf8Col};
use super::schema::{map_entries, span_schema, tags_item};
use crate::enrich::{enrich, Enricher, SpanInputs};
use crate::errors::{Error, Result};

impl Builder {
    /// The batch: the decoder's columns, then enrichment's (`enricher`
    /// None: every figure unknown).
    pub(crate) fn finish(
        self,
        received_ns: i64,
        enricher: Option<&Enricher>,
    ) -> Result<RecordBatch> {
        let columns = self.into_columns(received_ns)?;
        with_enrichment(columns, enricher)
    }

    /// The decoder's own columns, in schema order.
    fn into_columns(self, received_ns: i64) -> Result<Vec<ArrayRef>> {
        let n = self.flags.len();
        let fsb = |size: i32, mut v: Vec<u8>| -> ArrayRef {
            v.shrink_to_fit();
            Arc::new(FixedSizeBinaryArray::new(size, Buffer::from_vec(v), None))
        };
        let ts = |v: Vec<i64>| -> ArrayRef {
            Arc::new(TimestampNanosecondArray::new(v.into(), None).with_timezone("UTC"))
        };
        let s = |c: Utf8Col| -> ArrayRef { Arc::new(c.finish()) };
        let map = |value_type: DataType,
                   offsets: Vec<i32>,
                   keys: StringArray,
                   values: ArrayRef|
         -> Result<ArrayRef> {
            let field = map_entries(value_type);
            let DataType::Struct(fields) = field.data_type().clone() else {
                unreachable!()
            };
            let entries =
                StructArray::try_new(fields, vec![Arc::new(keys) as ArrayRef, values], None)
                    .map_err(internal)?;
            let m = MapArray::try_new(
                field,
                OffsetBuffer::new(offsets.into()),
                entries,
                None,
                true,
            )
            .map_err(internal)?;
            Ok(Arc::new(m))
        };
        let tags = ListArray::try_new(
            tags_item(),
            OffsetBuffer::new(self.tags_offsets.into()),
            Arc::new(self.tags_items.finish()),
            None,
        )
        .map_err(internal)?;
        let columns: Vec<ArrayRef> = vec![
            s(self.project),
            fsb(16, self.trace_id),
            fsb(8, self.span_id),
            fsb(8, self.parent_span_id),
            s(self.trace_state),
            Arc::new(UInt32Array::from(self.flags)),
            s(self.name),
            Arc::new(UInt8Array::from(self.kind)),
            s(self.span_type),
            s(self.service_name),
            s(self.scope_name),
            s(self.scope_version),
            ts(self.start_time),
            ts(self.end_time),
            Arc::new(Int64Array::from(self.duration_ns)),
            Arc::new(UInt8Array::from(self.status_code)),
            s(self.status_message),
            s(self.model),
            s(self.provider),
            Arc::new(self.input_tokens.finish()),
            Arc::new(self.output_tokens.finish()),
            Arc::new(self.cached_tokens.finish()),
            Arc::new(self.reasoning_tokens.finish()),
            Arc::new(self.total_tokens.finish()),
            s(self.chain),
            s(self.agent),
            s(self.user_id),
            s(self.session_id),
            s(self.environment),
            Arc::new(tags),
            s(self.input),
            s(self.output),
            s(self.input_key),
            s(self.output_key),
            map(
                DataType::Utf8,
                self.attr_offsets,
                self.attr_keys.finish(),
                s(self.attr_values),
            )?,
            map(
                DataType::UInt8,
                self.type_offsets,
                self.type_keys.finish(),
                Arc::new(UInt8Array::from(self.type_values)),
            )?,
            s(self.resource_attributes),
            s(self.scope_attributes),
            s(self.events),
            s(self.links),
            Arc::new(UInt32Array::from(self.dropped_attributes_count)),
            Arc::new(UInt32Array::from(self.dropped_events_count)),
            Arc::new(UInt32Array::from(self.dropped_links_count)),
            ts(vec![received_ns; n]),
        ];
        Ok(columns)
    }
}

/// Appends enrichment's columns to the decoder's, its token estimates
/// replacing the token columns they fill in.
fn with_enrichment(mut columns: Vec<ArrayRef>, enricher: Option<&Enricher>) -> Result<RecordBatch> {
    let enriched = {
        let schema = span_schema();
        let col = |name: &str| -> &ArrayRef {
            // the names are the schema's own, so index_of cannot fail
            &columns[schema.index_of(name).unwrap_or(usize::MAX)]
        };
        fn cast<T: 'static>(a: &ArrayRef) -> Result<&T> {
            a.as_any()
                .downcast_ref::<T>()
                .ok_or_else(|| Error::InvalidArgument("internal: column type".into()))
        }
        let inputs = SpanInputs {
            project: cast(col("project"))?,
            span_type: cast(col("span_type"))?,
            name: cast(col("name"))?,
            start_time: cast(col("start_time"))?,
            duration_ns: cast(col("duration_ns"))?,
            model: cast(col("model"))?,
            provider: cast(col("provider"))?,
            input_tokens: cast(col("input_tokens"))?,
            output_tokens: cast(col("output_tokens"))?,
            cached_tokens: cast(col("cached_tokens"))?,
            reasoning_tokens: cast(col("reasoning_tokens"))?,
            total_tokens: cast(col("total_tokens"))?,
            input: cast(col("input"))?,
            output: cast(col("output"))?,
            attributes: cast(col("attributes"))?,
            resource_attributes: cast(col("resource_attributes"))?,
        };
        enrich(&inputs, enricher)?
    };
    let schema = span_schema();
    for (name, replacement) in [
        ("input_tokens", enriched.input_tokens),
        ("output_tokens", enriched.output_tokens),
        ("total_tokens", enriched.total_tokens),
    ] {
        if let (Some(a), Ok(ix)) = (replacement, schema.index_of(name)) {
            columns[ix] = a;
        }
    }
    columns.extend(enriched.columns);
    RecordBatch::try_new(schema, columns).map_err(internal)
}

fn internal(e: arrow_schema::ArrowError) -> Error {
    // Only reachable through a bug: the buffers are built to match the schema.
    Error::InvalidArgument(format!("internal error building the Arrow batch: {e}"))
}
