//! The span schema, and the builders that turn a decoded request into one
//! Arrow `RecordBatch` (see docs/span-schema.md).

use std::sync::{Arc, OnceLock};

use arrow_array::{
    ArrayRef, FixedSizeBinaryArray, Int64Array, ListArray, MapArray, RecordBatch, StringArray,
    StructArray, TimestampNanosecondArray, UInt32Array, UInt8Array,
};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::decode::attr_text::{
    put, utf8, write_events_json, write_key_values_json, write_links_json, TYPE_STRING,
};
use crate::decode::otlp_views::{
    scan_resource, scan_scope, validate_request, Kv, Outline, SpanView,
};
use crate::decode::semconv::{resource_info, tags, valid_project, Col, Found};
use crate::enrich::{enrich, Enricher, SpanInputs};
use crate::errors::{Error, Result};

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

fn map_entries(value: DataType) -> Arc<Field> {
    Arc::new(Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", value, false),
        ])),
        false,
    ))
}

fn tags_item() -> Arc<Field> {
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

/// A utf8 column built from raw offsets + bytes. Every byte written is
/// UTF-8-checked where it comes from (`attr_text::utf8` on each protobuf
/// string field, JSON text being UTF-8 already, our own ASCII JSON syntax),
/// so `finish` does not validate again (that was 13% of the build time).
pub(crate) struct Utf8Col {
    pub(crate) offsets: Vec<i32>,
    pub(crate) data: Vec<u8>,
}

impl Utf8Col {
    fn new(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Utf8Col {
            offsets,
            data: Vec::with_capacity(bytes),
        }
    }
    /// Ends the current value (whatever was written to `data` since the last one).
    #[inline]
    pub(crate) fn end(&mut self) -> Result<()> {
        let end = i32::try_from(self.data.len()).map_err(|_| Error::BatchTooLarge)?;
        self.offsets.push(end);
        Ok(())
    }
    #[inline]
    pub(crate) fn push(&mut self, s: &str) -> Result<()> {
        crate::decode::attr_text::put(&mut self.data, s.as_bytes());
        self.end()
    }
    fn finish(mut self) -> StringArray {
        debug_assert!(std::str::from_utf8(&self.data).is_ok());
        debug_assert!(self.offsets.windows(2).all(|w| w[0] <= w[1]));
        // The buffers were reserved from guesses (up to the body's length):
        // give the unused tail back before the batch waits in the queue for
        // its insert (a shrinking realloc does not copy).
        self.data.shrink_to_fit();
        self.offsets.shrink_to_fit();
        let offsets = ScalarBuffer::from(self.offsets);
        // SAFETY: offsets start at 0, never decrease and end at data.len()
        // (`end` pushes data.len()); each value is a run of whole UTF-8 strings.
        unsafe {
            StringArray::new_unchecked(
                OffsetBuffer::new_unchecked(offsets),
                Buffer::from_vec(self.data),
                None,
            )
        }
    }
}

/// A nullable uint32 column.
pub(crate) struct OptU32 {
    values: Vec<u32>,
    nulls: NullBufferBuilder,
}

impl OptU32 {
    fn new(rows: usize) -> Self {
        OptU32 {
            values: Vec::with_capacity(rows),
            nulls: NullBufferBuilder::new(rows),
        }
    }
    #[inline]
    pub(crate) fn push(&mut self, v: Option<u32>) {
        self.values.push(v.unwrap_or(0));
        self.nulls.append(v.is_some());
    }
    fn finish(mut self) -> UInt32Array {
        UInt32Array::new(self.values.into(), self.nulls.finish())
    }
}

/// Why a span was rejected; the order is the order of the message.
#[derive(Clone, Copy)]
pub(crate) enum Reject {
    TraceId,
    SpanId,
    ParentSpanId,
    StartTime,
    EndBeforeStart,
    EndTime,
    Project,
    BeforeRetention,
}

/// One count per `Reject`.
pub(crate) const REJECT_REASONS: usize = 8;

pub(crate) const REJECT_TEXT: [&str; REJECT_REASONS] = [
    "invalid trace_id (must be 16 bytes, not all zero)",
    "invalid span_id (must be 8 bytes, not all zero)",
    "invalid parent_span_id (must be empty or 8 bytes)",
    "invalid start_time (zero, before 1990-01-01 or more than 1 day after receipt)",
    "end_time before start_time",
    "end_time more than 1 day after receipt",
    "invalid project name (must be 1-128 characters of [A-Za-z0-9._-])",
    "start_time older than the store keeps (retention)",
];

const NS_1990: u64 = 631_152_000 * 1_000_000_000;
pub(crate) const NS_DAY: u64 = 86_400 * 1_000_000_000;

/// The bounds a span's times are checked against, from the decode options.
#[derive(Clone, Copy)]
pub(crate) struct TimeBounds {
    /// Spans starting earlier are past the retention (0: none).
    pub(crate) oldest_start: u64,
    pub(crate) max_time: u64,
}

impl TimeBounds {
    pub(crate) fn of(opts: &DecodeOptions) -> Self {
        TimeBounds {
            oldest_start: u64::try_from(opts.oldest_start_ns).unwrap_or(0),
            max_time: u64::try_from(opts.received_ns)
                .unwrap_or(0)
                .saturating_add(NS_DAY),
        }
    }
}

#[inline]
pub(crate) fn check_span(
    trace_id: &[u8],
    span_id: &[u8],
    parent_span_id: &[u8],
    start: u64,
    end: u64,
    bounds: TimeBounds,
) -> Option<Reject> {
    let max_time = bounds.max_time;
    let valid_id = |id: &[u8], n: usize| id.len() == n && id.iter().any(|&b| b != 0);
    if !valid_id(trace_id, 16) {
        return Some(Reject::TraceId);
    }
    if !valid_id(span_id, 8) {
        return Some(Reject::SpanId);
    }
    if !(parent_span_id.is_empty() || parent_span_id.len() == 8) {
        return Some(Reject::ParentSpanId);
    }
    if start < NS_1990 || start > max_time {
        return Some(Reject::StartTime);
    }
    if end < start {
        return Some(Reject::EndBeforeStart);
    }
    if end > max_time {
        return Some(Reject::EndTime);
    }
    if start < bounds.oldest_start {
        return Some(Reject::BeforeRetention);
    }
    None
}

/// Options of one decode.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub default_project: String,
    pub project_override: Option<String>,
    pub received_ns: i64,
    /// Spans that start before this are refused as past the store's retention
    /// (their day would be deleted within the hour); 0 keeps every age.
    pub oldest_start_ns: i64,
    /// Prices, impact data and project rules for cost and carbon; `None`
    /// leaves every figure unknown (NULL).
    pub enricher: Option<Arc<Enricher>>,
}

/// The result of decoding one request.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub batch: RecordBatch,
    pub accepted_spans: usize,
    pub rejected_spans: usize,
    pub rejection_message: String,
    pub projects: Vec<String>,
}

/// All the column buffers of the batch.
pub(crate) struct Builder {
    pub(crate) project: Utf8Col,
    pub(crate) trace_id: Vec<u8>,
    pub(crate) span_id: Vec<u8>,
    pub(crate) parent_span_id: Vec<u8>,
    pub(crate) trace_state: Utf8Col,
    pub(crate) flags: Vec<u32>,
    pub(crate) name: Utf8Col,
    pub(crate) kind: Vec<u8>,
    pub(crate) span_type: Utf8Col,
    pub(crate) service_name: Utf8Col,
    pub(crate) scope_name: Utf8Col,
    pub(crate) scope_version: Utf8Col,
    pub(crate) start_time: Vec<i64>,
    pub(crate) end_time: Vec<i64>,
    pub(crate) duration_ns: Vec<i64>,
    pub(crate) status_code: Vec<u8>,
    pub(crate) status_message: Utf8Col,
    pub(crate) model: Utf8Col,
    pub(crate) provider: Utf8Col,
    pub(crate) input_tokens: OptU32,
    pub(crate) output_tokens: OptU32,
    pub(crate) cached_tokens: OptU32,
    pub(crate) reasoning_tokens: OptU32,
    pub(crate) total_tokens: OptU32,
    pub(crate) chain: Utf8Col,
    pub(crate) agent: Utf8Col,
    pub(crate) user_id: Utf8Col,
    pub(crate) session_id: Utf8Col,
    pub(crate) environment: Utf8Col,
    pub(crate) tags_offsets: Vec<i32>,
    pub(crate) tags_items: Utf8Col,
    pub(crate) input: Utf8Col,
    pub(crate) output: Utf8Col,
    pub(crate) input_key: Utf8Col,
    pub(crate) output_key: Utf8Col,
    pub(crate) attr_offsets: Vec<i32>,
    pub(crate) attr_keys: Utf8Col,
    pub(crate) attr_values: Utf8Col,
    pub(crate) type_offsets: Vec<i32>,
    pub(crate) type_keys: Utf8Col,
    pub(crate) type_values: Vec<u8>,
    pub(crate) resource_attributes: Utf8Col,
    pub(crate) scope_attributes: Utf8Col,
    pub(crate) events: Utf8Col,
    pub(crate) links: Utf8Col,
    pub(crate) dropped_attributes_count: Vec<u32>,
    pub(crate) dropped_events_count: Vec<u32>,
    pub(crate) dropped_links_count: Vec<u32>,
}

impl Builder {
    pub(crate) fn new(n: usize, body_len: usize) -> Self {
        let s = |bytes_per_row: usize| Utf8Col::new(n, n * bytes_per_row);
        let mut zero = Vec::with_capacity(n + 1);
        zero.push(0i32);
        Builder {
            project: s(8),
            trace_id: Vec::with_capacity(n * 16),
            span_id: Vec::with_capacity(n * 8),
            parent_span_id: Vec::with_capacity(n * 8),
            trace_state: s(0),
            flags: Vec::with_capacity(n),
            name: s(16),
            kind: Vec::with_capacity(n),
            span_type: s(4),
            service_name: s(16),
            scope_name: s(16),
            scope_version: s(8),
            start_time: Vec::with_capacity(n),
            end_time: Vec::with_capacity(n),
            duration_ns: Vec::with_capacity(n),
            status_code: Vec::with_capacity(n),
            status_message: s(0),
            model: s(16),
            provider: s(8),
            input_tokens: OptU32::new(n),
            output_tokens: OptU32::new(n),
            cached_tokens: OptU32::new(n),
            reasoning_tokens: OptU32::new(n),
            total_tokens: OptU32::new(n),
            chain: s(0),
            agent: s(0),
            user_id: s(12),
            session_id: s(16),
            environment: s(8),
            tags_offsets: zero.clone(),
            tags_items: Utf8Col::new(n, 0),
            input: Utf8Col::new(n, body_len / 4),
            output: Utf8Col::new(n, body_len / 4),
            input_key: s(12),
            output_key: s(12),
            attr_offsets: zero.clone(),
            attr_keys: Utf8Col::new(n * 16, n * 16 * 24),
            attr_values: Utf8Col::new(n * 16, body_len),
            type_offsets: zero,
            type_keys: Utf8Col::new(n * 4, n * 4 * 24),
            type_values: Vec::with_capacity(n * 4),
            resource_attributes: s(0), // reserved per scope
            scope_attributes: s(2),
            events: s(2),
            links: s(2),
            dropped_attributes_count: Vec::with_capacity(n),
            dropped_events_count: Vec::with_capacity(n),
            dropped_links_count: Vec::with_capacity(n),
        }
    }

    /// After `done` spans, reserves room for `more` like them in every
    /// variable-size buffer (the initial sizes are guesses; growing by
    /// doubling copied ~4% of the build).
    fn extrapolate(&mut self, done: usize, more: usize) {
        fn grow<T: Copy>(v: &mut Vec<T>, done: usize, more: usize) {
            let add = v.len() / done * more;
            let need = v.len() + add + add / 8;
            if need > v.capacity() {
                // a new buffer: `reserve` would realloc, which copies the
                // whole old capacity, not just what is used
                let mut bigger = Vec::with_capacity(need);
                bigger.extend_from_slice(v);
                *v = bigger;
            }
        }
        for c in [
            &mut self.project,
            &mut self.trace_state,
            &mut self.name,
            &mut self.span_type,
            &mut self.service_name,
            &mut self.scope_name,
            &mut self.scope_version,
            &mut self.status_message,
            &mut self.model,
            &mut self.provider,
            &mut self.chain,
            &mut self.agent,
            &mut self.user_id,
            &mut self.session_id,
            &mut self.environment,
            &mut self.tags_items,
            &mut self.input,
            &mut self.output,
            &mut self.input_key,
            &mut self.output_key,
            &mut self.attr_keys,
            &mut self.attr_values,
            &mut self.type_keys,
            &mut self.scope_attributes,
            &mut self.events,
            &mut self.links,
        ] {
            grow(&mut c.data, done, more);
            grow(&mut c.offsets, done, more);
        }
        grow(&mut self.type_values, done, more);
    }

    pub(crate) fn finish(
        self,
        received_ns: i64,
        enricher: Option<&Enricher>,
    ) -> Result<RecordBatch> {
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
        let mut columns = columns;
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
}

fn internal(e: arrow_schema::ArrowError) -> Error {
    // Only reachable through a bug: the buffers are built to match the schema.
    Error::InvalidArgument(format!("internal error building the Arrow batch: {e}"))
}

/// Builds the batch of an encoded protobuf `ExportTraceServiceRequest`.
/// `body_len` sizes the buffers.
///
/// Errors: a protobuf error (or an AnyValue nested too deep) anywhere in the
/// request wins over the other errors (invalid UTF-8, ...), as when the whole
/// request was decoded first: when building fails, the request is checked in
/// full and its first structural error, if any, is returned instead.
pub fn build_proto(body: &[u8], opts: &DecodeOptions, body_len: usize) -> Result<Decoded> {
    build_inner(body, opts, body_len).map_err(|e| validate_request(body).err().unwrap_or(e))
}

/// The first 8 bytes of a key, zero-padded, as a big-endian number: keys
/// compare as (prefix, key), which is their byte order.
#[inline]
fn key_prefix(k: &[u8]) -> u64 {
    if let Some(b) = k.first_chunk::<8>() {
        return u64::from_be_bytes(*b);
    }
    let mut b = [0u8; 8];
    let n = k.len().min(8);
    b[..n].copy_from_slice(&k[..n]);
    u64::from_be_bytes(b)
}

/// Puts the indices of a span's attributes in key order (stable: equal
/// keys keep their order), as (key prefix, index) pairs.
///
/// Spans of one instrumentation have their keys in the same order, so the
/// permutations that sorted the last few spans are tried first: applying
/// one and checking the result is sorted costs n integer compares (whole
/// keys only for equal 8-byte prefixes), against ~n²/4 moves for sorting.
#[derive(Default)]
struct KeySorter {
    order: Vec<(u64, u32)>,
    cand: Vec<(u64, u32)>,
    /// recent permutations (indices into the unsorted pairs), newest first
    recent: Vec<Vec<u32>>,
}

const RECENT_PERMUTATIONS: usize = 4;

impl KeySorter {
    #[inline]
    fn sort(&mut self, attrs: &[Kv]) {
        let order = &mut self.order;
        order.clear();
        order.extend(
            attrs
                .iter()
                .enumerate()
                .map(|(i, kv)| (key_prefix(kv.key), i as u32)),
        );
        // strictly before: by prefix, then whole key, then index
        let before = |a: &(u64, u32), b: &(u64, u32)| {
            a.0 < b.0
                || (a.0 == b.0 && {
                    let (ka, kb) = (attrs[a.1 as usize].key, attrs[b.1 as usize].key);
                    ka < kb || (ka == kb && a.1 < b.1)
                })
        };
        let sorted = |v: &[(u64, u32)]| v.windows(2).all(|w| before(&w[0], &w[1]));
        if sorted(order) {
            return;
        }
        for (r, perm) in self.recent.iter().enumerate() {
            if perm.len() != order.len() {
                continue;
            }
            self.cand.clear();
            self.cand.extend(perm.iter().map(|&i| order[i as usize]));
            if sorted(&self.cand) {
                std::mem::swap(order, &mut self.cand);
                self.recent[..=r].rotate_right(1);
                return;
            }
        }
        // unstable sort on (prefix, index) = stable on the prefix; then runs
        // of equal prefixes in whole key order (stable)
        order.sort_unstable();
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && order[j].0 == order[i].0 {
                j += 1;
            }
            if j - i > 1 {
                order[i..j].sort_by(|a, b| attrs[a.1 as usize].key.cmp(attrs[b.1 as usize].key));
            }
            i = j;
        }
        let mut perm = if self.recent.len() < RECENT_PERMUTATIONS {
            Vec::new()
        } else {
            self.recent.pop().unwrap_or_default()
        };
        perm.clear();
        perm.extend(order.iter().map(|p| p.1));
        self.recent.insert(0, perm);
    }
}

fn build_inner(body: &[u8], opts: &DecodeOptions, body_len: usize) -> Result<Decoded> {
    if !valid_project(&opts.default_project) {
        return Err(Error::InvalidArgument(format!(
            "default_project {:?} is not a valid project name (1-128 characters of [A-Za-z0-9._-])",
            opts.default_project
        )));
    }
    let outline = Outline::scan(body)?;
    let total = outline.spans.len();
    let mut b = Builder::new(total, body_len);
    let bounds = TimeBounds::of(opts);
    let mut rejected = [0usize; REJECT_REASONS];
    let mut projects: Vec<String> = Vec::new();
    let mut found = Found::default();
    let mut sorter = KeySorter::default();
    let mut accepted = 0usize;
    let mut span = SpanView::default();
    let mut seen = 0usize;
    const SAMPLE: usize = 16;

    for (resource, scopes) in &outline.resources {
        let mut res_attrs: Vec<Kv> = Vec::new();
        if let Some(r) = resource {
            scan_resource(r, &mut res_attrs)?;
        }
        let info = resource_info(&res_attrs)?;
        let project = opts
            .project_override
            .clone()
            .or(info.project)
            .unwrap_or_else(|| opts.default_project.clone());
        let project_ok = valid_project(&project);
        let mut res_json = Vec::with_capacity(64);
        write_key_values_json(&mut res_json, &res_attrs, 1)?;
        let mut project_listed = false;

        for (scope, spans) in &outline.scopes[scopes.clone()] {
            let sc = scope.as_deref().map(scan_scope).transpose()?;
            let (scope_name, scope_version, scope_json) = match &sc {
                Some(sc) => {
                    let mut j = Vec::new();
                    write_key_values_json(&mut j, &sc.attrs, 1)?;
                    (
                        utf8(sc.name, "scope name")?,
                        utf8(sc.version, "scope version")?,
                        j,
                    )
                }
                None => ("", "", b"[]".to_vec()),
            };
            b.resource_attributes
                .data
                .reserve(res_json.len() * spans.len());
            for &sb in &outline.spans[spans.clone()] {
                seen += 1;
                if accepted == SAMPLE && total - seen > SAMPLE {
                    b.extrapolate(SAMPLE, total - seen + 1);
                }
                span.scan(sb)?;
                let reason = check_span(
                    span.trace_id,
                    span.span_id,
                    span.parent_span_id,
                    span.start_time_unix_nano,
                    span.end_time_unix_nano,
                    bounds,
                )
                .or((!project_ok).then_some(Reject::Project));
                if let Some(r) = reason {
                    rejected[r as usize] += 1;
                    span.validate_events_links()?;
                    continue;
                }
                accepted += 1;
                if !project_listed {
                    project_listed = true;
                    if !projects.contains(&project) {
                        projects.push(project.clone());
                    }
                }
                let attrs = &span.attrs[..];
                found.scan(attrs);

                b.project.push(&project)?;
                b.trace_id.extend_from_slice(span.trace_id);
                b.span_id.extend_from_slice(span.span_id);
                if span.parent_span_id.is_empty() {
                    b.parent_span_id.extend_from_slice(&[0; 8]);
                } else {
                    b.parent_span_id.extend_from_slice(span.parent_span_id);
                }
                b.trace_state
                    .push(utf8(span.trace_state, "span trace_state")?)?;
                b.flags.push(span.flags);
                b.name.push(utf8(span.name, "span name")?)?;
                b.kind.push(u8::try_from(span.kind).unwrap_or(0));
                found.write_span_type(&mut b.span_type.data, attrs)?;
                b.span_type.end()?;
                b.service_name.push(&info.service_name)?;
                b.scope_name.push(scope_name)?;
                b.scope_version.push(scope_version)?;
                let (start, end) = (
                    span.start_time_unix_nano as i64,
                    span.end_time_unix_nano as i64,
                );
                b.start_time.push(start);
                b.end_time.push(end);
                b.duration_ns.push(end - start);
                match span.status {
                    Some((message, code)) => {
                        b.status_code.push(u8::try_from(code).unwrap_or(0));
                        b.status_message.push(utf8(message, "status message")?)?;
                    }
                    None => {
                        b.status_code.push(0);
                        b.status_message.end()?;
                    }
                }
                text_col(&mut found, Col::Model, attrs, &mut b.model)?;
                text_col(&mut found, Col::Provider, attrs, &mut b.provider)?;
                b.input_tokens.push(found.tokens(Col::InputTokens));
                b.output_tokens.push(found.tokens(Col::OutputTokens));
                b.cached_tokens.push(found.tokens(Col::CachedTokens));
                b.reasoning_tokens.push(found.tokens(Col::ReasoningTokens));
                b.total_tokens.push(found.tokens(Col::TotalTokens));
                text_col(&mut found, Col::Chain, attrs, &mut b.chain)?;
                text_col(&mut found, Col::Agent, attrs, &mut b.agent)?;
                text_col(&mut found, Col::UserId, attrs, &mut b.user_id)?;
                text_col(&mut found, Col::SessionId, attrs, &mut b.session_id)?;
                if !found.write_text(Col::Environment, attrs, &mut b.environment.data)? {
                    if let Some(env) = &info.environment {
                        b.environment.data.extend_from_slice(env.as_bytes());
                    }
                }
                b.environment.end()?;
                if let Some(kv) = found.attr(Col::Tags, attrs) {
                    for t in tags(kv)? {
                        b.tags_items.push(&t)?;
                    }
                }
                b.tags_offsets.push(offset(b.tags_items.offsets.len() - 1)?);
                found.write_io(false, attrs, &mut b.input.data)?;
                b.input.end()?;
                found.write_io(true, attrs, &mut b.output.data)?;
                b.output.end()?;

                // attributes / attribute_types: keys sorted, last duplicate
                // wins; the string attribute that is input (output) verbatim
                // is left out, its key goes to input_key (output_key)
                let in_ix = found
                    .verbatim(Col::Input, attrs)
                    .map_or(u32::MAX, |i| i as u32);
                let out_ix = found
                    .verbatim(Col::Output, attrs)
                    .map_or(u32::MAX, |i| i as u32);
                sorter.sort(attrs);
                let order = &sorter.order;
                for (j, &(_, ix)) in order.iter().enumerate() {
                    let kv = &attrs[ix as usize];
                    if let Some(&(_, next)) = order.get(j + 1) {
                        if attrs[next as usize].key == kv.key {
                            continue;
                        }
                    }
                    utf8(kv.key, "attribute key")?;
                    if ix == in_ix {
                        put(&mut b.input_key.data, kv.key);
                        continue;
                    }
                    if ix == out_ix {
                        put(&mut b.output_key.data, kv.key);
                        continue;
                    }
                    put(&mut b.attr_keys.data, kv.key);
                    b.attr_keys.end()?;
                    let code = found.value_text(ix as usize, attrs, &mut b.attr_values.data)?;
                    b.attr_values.end()?;
                    if code != TYPE_STRING {
                        put(&mut b.type_keys.data, kv.key);
                        b.type_keys.end()?;
                        b.type_values.push(code);
                    }
                }
                b.attr_offsets.push(offset(b.attr_keys.offsets.len() - 1)?);
                b.type_offsets.push(offset(b.type_values.len())?);
                b.input_key.end()?;
                b.output_key.end()?;

                b.resource_attributes.data.extend_from_slice(&res_json);
                b.resource_attributes.end()?;
                b.scope_attributes.data.extend_from_slice(&scope_json);
                b.scope_attributes.end()?;
                write_events_json(&mut b.events.data, &span.events)?;
                b.events.end()?;
                write_links_json(&mut b.links.data, &span.links)?;
                b.links.end()?;
                b.dropped_attributes_count
                    .push(span.dropped_attributes_count);
                b.dropped_events_count.push(span.dropped_events_count);
                b.dropped_links_count.push(span.dropped_links_count);
            }
        }
    }

    let rejected_spans: usize = rejected.iter().sum();
    let rejection_message = if rejected_spans == 0 {
        String::new()
    } else {
        let parts: Vec<String> = rejected
            .iter()
            .zip(REJECT_TEXT)
            .filter(|(n, _)| **n > 0)
            .map(|(n, t)| format!("{n} {t}"))
            .collect();
        format!(
            "rejected {rejected_spans} of {total} spans: {}",
            parts.join("; ")
        )
    };
    Ok(Decoded {
        batch: b.finish(opts.received_ns, opts.enricher.as_deref())?,
        accepted_spans: accepted,
        rejected_spans,
        rejection_message,
        projects,
    })
}

#[inline]
fn text_col(found: &mut Found, col: Col, attrs: &[Kv], out: &mut Utf8Col) -> Result<()> {
    found.write_text(col, attrs, &mut out.data)?;
    out.end()
}

#[inline]
pub(crate) fn offset(n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::BatchTooLarge)
}
