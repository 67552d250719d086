//! The Arrow form of sketch delta rows: the schema of `metric_sketches`
//! inserts, and the builder that fills it.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int16Array, MapArray, RecordBatch, StringArray, StructArray,
    TimestampSecondArray, UInt64Array,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::errors::{Error, Result};
use crate::sketch::quantile::QuantileSketch;
use crate::sketch::row_keys::{GroupKind, Metric, Population};

fn bucket_entries() -> Arc<Field> {
    Arc::new(Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", DataType::Int16, false),
            Field::new("value", DataType::UInt64, false),
        ])),
        false,
    ))
}

/// The columns of the sketch delta rows: project, minute (UTC, seconds),
/// group_kind ("all", "chain", "agent", "user", "environment", "model"),
/// group_value ("" for "all"), metric ("latency_ns", "total_tokens",
/// "cost_usd"), buckets (key -> count), count, sum, min, max, zero_count.
pub fn sketch_delta_schema() -> SchemaRef {
    use DataType::*;
    let f = |name: &str, t: DataType| Field::new(name, t, false);
    Arc::new(Schema::new(vec![
        f("project", Utf8),
        f("minute", Timestamp(TimeUnit::Second, Some("UTC".into()))),
        f("population", Utf8),
        f("group_kind", Utf8),
        f("group_value", Utf8),
        f("metric", Utf8),
        f("buckets", Map(bucket_entries(), true)),
        f("count", UInt64),
        f("sum", Float64),
        f("min", Float64),
        f("max", Float64),
        f("zero_count", UInt64),
    ]))
}

/// Delta rows being built, column by column.
#[derive(Default)]
pub(super) struct SketchRows {
    project: Vec<String>,
    minute_s: Vec<i64>,
    population: Vec<&'static str>,
    group_kind: Vec<&'static str>,
    group_value: Vec<String>,
    metric: Vec<&'static str>,
    offsets: Vec<i32>,
    bucket_keys: Vec<i16>,
    bucket_counts: Vec<u64>,
    count: Vec<u64>,
    sum: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
    zero_count: Vec<u64>,
}

impl SketchRows {
    /// One row: the sketch of `metric` in one (project, population, minute, group).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        project: &str,
        population: Population,
        minute_s: i64,
        kind: GroupKind,
        value: &str,
        metric: Metric,
        sketch: &QuantileSketch,
    ) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.project.push(project.to_owned());
        self.minute_s.push(minute_s);
        self.population.push(population.as_str());
        self.group_kind.push(kind.as_str());
        self.group_value.push(value.to_owned());
        self.metric.push(metric.as_str());
        for (k, c) in sketch.to_buckets() {
            self.bucket_keys.push(k);
            self.bucket_counts.push(c);
        }
        self.offsets.push(self.bucket_keys.len() as i32);
        self.count.push(sketch.count());
        self.sum.push(sketch.sum());
        // an empty sketch keeps its identities, which min/max merges ignore
        self.min.push(sketch.min().unwrap_or(f64::INFINITY));
        self.max.push(sketch.max().unwrap_or(f64::NEG_INFINITY));
        self.zero_count.push(sketch.zero_count());
    }

    pub(super) fn finish(mut self) -> Result<RecordBatch> {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let internal = |e: arrow_schema::ArrowError| {
            // Only reachable through a bug: the buffers are built to match the schema.
            Error::InvalidArgument(format!("internal error building the sketch batch: {e}"))
        };
        i32::try_from(self.bucket_keys.len()).map_err(|_| Error::BatchTooLarge)?;
        let entries_field = bucket_entries();
        let DataType::Struct(entry_fields) = entries_field.data_type().clone() else {
            unreachable!("bucket_entries is a struct field")
        };
        let entries = StructArray::try_new(
            entry_fields,
            vec![
                Arc::new(Int16Array::from(self.bucket_keys)) as ArrayRef,
                Arc::new(UInt64Array::from(self.bucket_counts)),
            ],
            None,
        )
        .map_err(internal)?;
        let buckets = MapArray::try_new(
            entries_field,
            OffsetBuffer::new(self.offsets.into()),
            entries,
            None,
            true,
        )
        .map_err(internal)?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.project)),
            Arc::new(TimestampSecondArray::from(self.minute_s).with_timezone("UTC")),
            Arc::new(StringArray::from(self.population)),
            Arc::new(StringArray::from(self.group_kind)),
            Arc::new(StringArray::from(self.group_value)),
            Arc::new(StringArray::from(self.metric)),
            Arc::new(buckets),
            Arc::new(UInt64Array::from(self.count)),
            Arc::new(Float64Array::from(self.sum)),
            Arc::new(Float64Array::from(self.min)),
            Arc::new(Float64Array::from(self.max)),
            Arc::new(UInt64Array::from(self.zero_count)),
        ];
        RecordBatch::try_new(sketch_delta_schema(), columns).map_err(internal)
    }
}
