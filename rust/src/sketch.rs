//! Mergeable quantile sketches (DDSketch-style log buckets) for non-negative
//! values: latency in ns, token counts, cost in USD.
//!
//! # Mapping
//! A positive value `x` goes to bucket `key(x) = ceil(ln(x) / ln(gamma))`,
//! with `gamma = (1 + a) / (1 - a)` and `a` = [`RELATIVE_ACCURACY`] = 0.005.
//! Bucket `k` covers `(gamma^(k-1), gamma^k]` and is represented by
//! `2 gamma^k / (gamma + 1)`, which is within `a` relative error of every
//! value of the bucket. So a quantile read from the buckets is within 0.5% of
//! the exact order statistic of the same rank; the margin to the 1% the issue
//! asks for absorbs `ln` rounding at bucket edges (a value within a few ulps
//! of `gamma^k` may land in the neighbour bucket on another libm) and leaves
//! room to spare. The price: 230 buckets per decade of spread (1 ms..100 s of
//! latency is at most ~1150 buckets), still small as a sparse map.
//!
//! Zero and values below [`MIN_POSITIVE`] (1e-140) are counted in
//! `zero_count`, not in a bucket; values above [`MAX_VALUE`] (1e140),
//! negative values, NaN and infinities are refused. With that range every
//! key fits `Int16` (|key| <= 32236), the key type of the ClickHouse map.
//!
//! # Storage and merge
//! A sketch persists as (sparse buckets `Map(Int16, UInt64)`, count, sum,
//! min, max, zero_count). Merging two sketches is adding their bucket maps
//! and counts and taking min of mins and max of maxes: exactly what
//! ClickHouse's `sumMap` / `sum` / `min` / `max` do in an AggregatingMergeTree,
//! so ClickHouse merges any time range itself and [`QuantileSketch::from_buckets`]
//! turns the merged row into quantiles.
//!
//! # Rank convention
//! `quantile(q)` over `n` values returns the value of 0-based rank
//! `min(floor(q * n), n - 1)` (q = 1 gives the maximum), the convention of
//! ClickHouse's `quantileExact` / `quantilesExact` (`level * size`, truncated,
//! as a double product), so the two can be compared rank for rank. The
//! first and last ranks return the exact min and max; the others are
//! clamped to [min, max], which only moves them towards the true value.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use arrow_array::{Array, FixedSizeBinaryArray, Int64Array};
use arrow_array::{
    ArrayRef, Float64Array, Int16Array, MapArray, RecordBatch, StringArray, StructArray,
    TimestampNanosecondArray, TimestampSecondArray, UInt32Array, UInt64Array,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::errors::{Error, Result};

/// Relative accuracy of every bucket (0.5%; see the module doc for why not 1%).
pub const RELATIVE_ACCURACY: f64 = 0.005;
/// Bucket growth factor, `(1 + a) / (1 - a)`.
pub const GAMMA: f64 = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
/// `ln(GAMMA)`, spelled out (`ln` is not const) and checked by a test. A
/// literal also keeps the mapping of persisted buckets fixed.
const LN_GAMMA: f64 = 0.010_000_083_334_583_179;
const INV_LN_GAMMA: f64 = 1.0 / LN_GAMMA;
/// Positive values below this count as zero (`zero_count`).
pub const MIN_POSITIVE: f64 = 1e-140;
/// Largest value a sketch accepts.
pub const MAX_VALUE: f64 = 1e140;
/// Representative value of bucket `k` is `gamma^k * VALUE_FACTOR`.
const VALUE_FACTOR: f64 = 2.0 / (1.0 + GAMMA);
/// Key range reachable from [MIN_POSITIVE, MAX_VALUE] (|key| <= 32236), with
/// room for edge rounding; keys outside are refused by `from_buckets`.
pub const MAX_KEY: i16 = 32_300;
pub const MIN_KEY: i16 = -32_300;

/// Where a value goes: the zero bucket or a log bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Zero,
    Key(i16),
}

/// The bucket of a value, or an error for a value a sketch does not take
/// (negative, NaN, infinite or above [`MAX_VALUE`]).
#[inline]
pub fn bucket_of(x: f64) -> Result<Bucket> {
    if (MIN_POSITIVE..=MAX_VALUE).contains(&x) {
        // |ln(x) / ln(gamma)| <= 32236 here, so the cast cannot saturate.
        Ok(Bucket::Key((x.ln() * INV_LN_GAMMA).ceil() as i16))
    } else if (0.0..MIN_POSITIVE).contains(&x) {
        Ok(Bucket::Zero)
    } else {
        Err(Error::InvalidArgument(format!(
            "sketch values must be finite, >= 0 and <= {MAX_VALUE:e} (got {x})"
        )))
    }
}

/// The value that represents bucket `key` (within [`RELATIVE_ACCURACY`] of
/// every value in the bucket).
#[inline]
pub fn bucket_value(key: i16) -> f64 {
    (f64::from(key) * LN_GAMMA).exp() * VALUE_FACTOR
}

/// A mergeable quantile sketch of non-negative values.
///
/// In memory the buckets are a dense window `counts[k - offset]` over the
/// keys seen (an add is an index, no hashing: it runs for every span and
/// metric); the window costs 8 bytes per key of spread, 1.8 KB per decade.
/// [`to_buckets`](Self::to_buckets) gives the sparse form that is persisted.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileSketch {
    offset: i32,
    counts: Vec<u64>,
    zero_count: u64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for QuantileSketch {
    fn default() -> Self {
        Self::new()
    }
}

impl QuantileSketch {
    pub fn new() -> Self {
        QuantileSketch {
            offset: 0,
            counts: Vec::new(),
            zero_count: 0,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds one value (see [`bucket_of`] for the values refused).
    #[inline]
    pub fn add(&mut self, x: f64) -> Result<()> {
        let bucket = bucket_of(x)?;
        self.add_bucketed(x, bucket);
        Ok(())
    }

    /// Adds a value whose bucket is already known (`bucket == bucket_of(x)`),
    /// so one `ln` serves every group a span belongs to.
    #[inline]
    pub fn add_bucketed(&mut self, x: f64, bucket: Bucket) {
        match bucket {
            Bucket::Zero => self.zero_count += 1,
            Bucket::Key(k) => {
                let i = self.slot(i32::from(k));
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// The index of key `k` in `counts`, growing the window to cover it.
    #[inline]
    fn slot(&mut self, k: i32) -> usize {
        if self.counts.is_empty() {
            // Room for a few neighbours of the first value: one allocation
            // serves most small sketches (one user's spans of one minute).
            self.offset = (k - 8).max(i32::from(MIN_KEY));
            self.counts = vec![0; 17];
            return (k - self.offset) as usize;
        }
        if k < self.offset {
            self.grow_to(k, self.offset + self.counts.len() as i32 - 1);
        } else if k >= self.offset + self.counts.len() as i32 {
            self.grow_to(self.offset, k);
        }
        (k - self.offset) as usize
    }

    /// Widens the window to cover `[lo, hi]` (`lo <= offset`, `hi >= last key`),
    /// with some slack on the side that grew so a drifting series does not
    /// reallocate on every new key.
    #[cold]
    fn grow_to(&mut self, lo: i32, hi: i32) {
        const SLACK: i32 = 16;
        let last = self.offset + self.counts.len() as i32 - 1;
        let lo = if lo < self.offset {
            (lo - SLACK).max(i32::from(MIN_KEY))
        } else {
            lo
        };
        let hi = if hi > last {
            (hi + SLACK).min(i32::from(MAX_KEY))
        } else {
            hi
        };
        let front = (self.offset - lo) as usize;
        let mut counts = vec![0u64; (hi - lo + 1) as usize];
        counts[front..front + self.counts.len()].copy_from_slice(&self.counts);
        self.counts = counts;
        self.offset = lo;
    }

    /// Adds `other` into `self` (the same as having added its values).
    pub fn merge(&mut self, other: &QuantileSketch) {
        if other.count == 0 {
            return;
        }
        if let (Some(lo), Some(hi)) = (other.first_key(), other.last_key()) {
            // Cover the union once, then add window to window.
            self.slot(lo);
            self.slot(hi);
            let from = &other.counts[(lo - other.offset) as usize..=(hi - other.offset) as usize];
            let start = (lo - self.offset) as usize;
            for (mine, &c) in self.counts[start..start + from.len()].iter_mut().zip(from) {
                *mine += c;
            }
        }
        self.zero_count += other.zero_count;
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    fn first_key(&self) -> Option<i32> {
        let i = self.counts.iter().position(|&c| c > 0)?;
        Some(self.offset + i as i32)
    }

    fn last_key(&self) -> Option<i32> {
        let i = self.counts.iter().rposition(|&c| c > 0)?;
        Some(self.offset + i as i32)
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Sum of the values added (0 when empty).
    pub fn sum(&self) -> f64 {
        self.sum
    }
    /// Smallest value added (None when empty).
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }
    /// Largest value added (None when empty).
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }
    /// Number of values in the zero bucket (0 and values below [`MIN_POSITIVE`]).
    pub fn zero_count(&self) -> u64 {
        self.zero_count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `q`-quantile (0 <= q <= 1) with ClickHouse `quantileExact`'s rank
    /// convention (module doc); None when the sketch is empty.
    pub fn quantile(&self, q: f64) -> Result<Option<f64>> {
        let rank = self.rank_of(q)?;
        Ok(rank.map(|r| self.value_at_rank(r)))
    }

    /// Several quantiles in one call (each as [`quantile`](Self::quantile)).
    pub fn quantiles(&self, qs: &[f64]) -> Result<Vec<Option<f64>>> {
        qs.iter().map(|&q| self.quantile(q)).collect()
    }

    fn rank_of(&self, q: f64) -> Result<Option<u64>> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::InvalidArgument(format!(
                "quantile level must be in [0, 1] (got {q})"
            )));
        }
        if self.count == 0 {
            return Ok(None);
        }
        // ClickHouse: `level < 1 ? level * size : size - 1`, truncated to size_t.
        let n = self.count;
        let rank = if q < 1.0 {
            ((q * n as f64) as u64).min(n - 1)
        } else {
            n - 1
        };
        Ok(Some(rank))
    }

    fn value_at_rank(&self, rank: u64) -> f64 {
        // The extreme ranks are known exactly.
        if rank == 0 {
            return self.min;
        }
        if rank + 1 == self.count {
            return self.max;
        }
        let clamp = |v: f64| v.max(self.min).min(self.max);
        if rank < self.zero_count {
            return clamp(0.0);
        }
        let mut remaining = rank - self.zero_count;
        for (i, &c) in self.counts.iter().enumerate() {
            if remaining < c {
                return clamp(bucket_value((self.offset + i as i32) as i16));
            }
            remaining -= c;
        }
        // Unreachable while count == zero_count + sum(counts) (kept by every
        // constructor); the maximum is the right answer for the top rank.
        self.max
    }

    /// The non-empty buckets as (key, count), ascending by key.
    pub fn to_buckets(&self) -> Vec<(i16, u64)> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, &c)| ((self.offset + i as i32) as i16, c))
            .collect()
    }

    /// The distribution on `bins` equal-ratio bins from the smallest to the
    /// largest positive value, as (lower, upper, count); a `(0, 0, zeros)`
    /// bin first when there are zeros. A bucket's count goes whole to the bin
    /// its representative value falls in (so bins are exact to the bucket
    /// width, 1%).
    pub fn log_histogram(&self, bins: usize) -> Vec<(f64, f64, u64)> {
        let mut out = Vec::with_capacity(bins + 1);
        if self.zero_count > 0 {
            out.push((0.0, 0.0, self.zero_count));
        }
        let buckets = self.to_buckets();
        let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
            return out;
        };
        let lo = bucket_value(first.0).max(self.min).max(MIN_POSITIVE);
        let hi = bucket_value(last.0).min(self.max).max(lo);
        let bins = bins.max(1);
        if hi <= lo {
            out.push((lo, hi, buckets.iter().map(|b| b.1).sum()));
            return out;
        }
        let step = (hi / lo).ln() / bins as f64;
        let mut counts = vec![0u64; bins];
        for (key, count) in buckets {
            let v = bucket_value(key).clamp(lo, hi);
            let index = ((v / lo).ln() / step) as usize;
            counts[index.min(bins - 1)] += count;
        }
        for (i, count) in counts.into_iter().enumerate() {
            let lower = lo * (step * i as f64).exp();
            let upper = lo * (step * (i + 1) as f64).exp();
            out.push((lower, upper, count));
        }
        out
    }

    /// Rebuilds a sketch from its persisted form (e.g. a row merged by
    /// ClickHouse). `count` is the zero count plus the bucket counts; `min`
    /// and `max` are ignored when that is 0. Keys may repeat (their counts add).
    pub fn from_buckets<I>(
        buckets: I,
        zero_count: u64,
        sum: f64,
        min: f64,
        max: f64,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = (i32, u64)>,
    {
        let bad = |m: String| Error::InvalidArgument(format!("invalid sketch buckets: {m}"));
        let mut pairs = Vec::new();
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        let mut count = zero_count;
        for (k, c) in buckets {
            if !(i32::from(MIN_KEY)..=i32::from(MAX_KEY)).contains(&k) {
                return Err(bad(format!("key {k} outside [{MIN_KEY}, {MAX_KEY}]")));
            }
            if c == 0 {
                continue;
            }
            count = count
                .checked_add(c)
                .ok_or_else(|| bad("total count overflows u64".into()))?;
            lo = lo.min(k);
            hi = hi.max(k);
            pairs.push((k, c));
        }
        let mut sketch = QuantileSketch::new();
        if count == 0 {
            return Ok(sketch);
        }
        if !(min >= 0.0 && min <= max && max <= MAX_VALUE && sum.is_finite()) {
            return Err(bad(format!(
                "need 0 <= min <= max <= {MAX_VALUE:e} and a finite sum (min {min}, max {max}, sum {sum})"
            )));
        }
        if !pairs.is_empty() {
            sketch.offset = lo;
            sketch.counts = vec![0; (hi - lo + 1) as usize];
            for (k, c) in pairs {
                sketch.counts[(k - lo) as usize] += c;
            }
        }
        sketch.zero_count = zero_count;
        sketch.count = count;
        sketch.sum = sum;
        sketch.min = min;
        sketch.max = max;
        Ok(sketch)
    }
}

/// What a sketch row is grouped by. `All` is every span of the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKind {
    All,
    Chain,
    Agent,
    User,
    Environment,
    Model,
}

impl GroupKind {
    pub const EVERY: [GroupKind; 6] = [
        GroupKind::All,
        GroupKind::Chain,
        GroupKind::Agent,
        GroupKind::User,
        GroupKind::Environment,
        GroupKind::Model,
    ];

    /// The `group_kind` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::All => "all",
            GroupKind::Chain => "chain",
            GroupKind::Agent => "agent",
            GroupKind::User => "user",
            GroupKind::Environment => "environment",
            GroupKind::Model => "model",
        }
    }
}

/// The measured quantity of a sketch row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    LatencyNs,
    TotalTokens,
    CostUsd,
}

impl Metric {
    pub const EVERY: [Metric; 3] = [Metric::LatencyNs, Metric::TotalTokens, Metric::CostUsd];

    /// The `metric` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::LatencyNs => "latency_ns",
            Metric::TotalTokens => "total_tokens",
            Metric::CostUsd => "cost_usd",
        }
    }
}

/// Which spans a sketch row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Population {
    /// Root spans: a trace's own latency (tokens and cost of a trace are
    /// sums over its spans, which arrive over many requests: not sketched).
    Trace,
    /// LLM calls (span type `llm` or `embedding`): latency, tokens, cost.
    Llm,
}

impl Population {
    /// The `population` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Trace => "trace",
            Population::Llm => "llm",
        }
    }
}

/// The columns of one decoded span batch the sketches need, one entry per
/// span. Group values of "" mean "not in a group of that kind".
pub struct SpanColumns<'a> {
    pub project: &'a [&'a str],
    /// Start of the span's minute, unix seconds (see [`minute_of_ns`]).
    pub start_minute_s: &'a [i64],
    pub chain: &'a [&'a str],
    pub agent: &'a [&'a str],
    pub user: &'a [&'a str],
    pub environment: &'a [&'a str],
    pub model: &'a [&'a str],
    pub latency_ns: &'a [i64],
    pub total_tokens: &'a [Option<u32>],
    pub cost_usd: &'a [Option<f64>],
}

/// The start of the minute of a unix-ns timestamp, in unix seconds.
#[inline]
pub fn minute_of_ns(ns: i64) -> i64 {
    ns.div_euclid(60_000_000_000) * 60
}

/// One sketch row's identity; strings interned as ids of the accumulator.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct GroupKey {
    population: Population,
    project: u32,
    minute_s: i64,
    kind: GroupKind,
    value: u32,
}

/// Collects per (project, minute, group, metric) sketches from span batches
/// and hands them out as delta rows ([`sketch_delta_schema`]) to insert
/// beside the spans; ClickHouse adds them up.
#[derive(Default)]
pub struct SketchAccumulator {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    groups: HashMap<GroupKey, u32>,
    keys: Vec<GroupKey>,
    sketches: Vec<[QuantileSketch; 3]>,
}

/// A group a row fell in on the previous row, to skip the hash lookups when
/// consecutive spans share project, minute and group value (the common case
/// within a request).
#[derive(Clone, Copy)]
struct Recent<'a> {
    project: &'a str,
    minute_s: i64,
    value: &'a str,
    index: u32,
}

impl SketchAccumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of (project, minute, group) cells collected so far.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn group_index(
        &mut self,
        population: Population,
        project: &str,
        minute_s: i64,
        kind: GroupKind,
        value: &str,
    ) -> u32 {
        let key = GroupKey {
            population,
            project: self.intern(project),
            minute_s,
            kind,
            value: self.intern(value),
        };
        if let Some(&i) = self.groups.get(&key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(key);
        self.sketches.push(Default::default());
        self.groups.insert(key, i);
        i
    }

    /// Adds every span of `cols`. Values a sketch refuses (negative latency,
    /// NaN or negative cost) are left out of that metric, not the others.
    pub fn add_columns(&mut self, population: Population, cols: &SpanColumns<'_>) -> Result<()> {
        let n = cols.project.len();
        let lengths = [
            cols.start_minute_s.len(),
            cols.chain.len(),
            cols.agent.len(),
            cols.user.len(),
            cols.environment.len(),
            cols.model.len(),
            cols.latency_ns.len(),
            cols.total_tokens.len(),
            cols.cost_usd.len(),
        ];
        if lengths.iter().any(|&l| l != n) {
            return Err(Error::InvalidArgument(format!(
                "sketch columns differ in length: project {n}, others {lengths:?}"
            )));
        }
        let group_values: [&[&str]; 6] = [
            cols.project, // placeholder for All: its value is always ""
            cols.chain,
            cols.agent,
            cols.user,
            cols.environment,
            cols.model,
        ];
        let mut recent: [Option<Recent<'_>>; 6] = [None; 6];
        // One index into ten parallel columns reads clearer than ten zips.
        #[allow(clippy::needless_range_loop)]
        for row in 0..n {
            let project = cols.project[row];
            let minute_s = cols.start_minute_s[row];
            let value_of = |x: Option<f64>| x.and_then(|x| Some((x, bucket_of(x).ok()?)));
            let metrics = [
                value_of(Some(cols.latency_ns[row] as f64)),
                value_of(cols.total_tokens[row].map(f64::from)),
                value_of(cols.cost_usd[row]),
            ];
            for (slot, kind) in GroupKind::EVERY.into_iter().enumerate() {
                let value = if kind == GroupKind::All {
                    ""
                } else {
                    group_values[slot][row]
                };
                if kind != GroupKind::All && value.is_empty() {
                    continue;
                }
                let index = match recent[slot] {
                    Some(r)
                        if r.minute_s == minute_s && r.project == project && r.value == value =>
                    {
                        r.index
                    }
                    _ => {
                        let index = self.group_index(population, project, minute_s, kind, value);
                        recent[slot] = Some(Recent {
                            project,
                            minute_s,
                            value,
                            index,
                        });
                        index
                    }
                };
                let sketches = &mut self.sketches[index as usize];
                for (sketch, metric) in sketches.iter_mut().zip(metrics) {
                    if let Some((x, bucket)) = metric {
                        sketch.add_bucketed(x, bucket);
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds the spans of a batch with the span schema's column names
    /// (`project`, `start_time`, `parent_span_id`, `span_type`, `chain`,
    /// `agent`, `user_id`, `environment`, `model`, `duration_ns`,
    /// `total_tokens` and, when present, a Float64 `llm_cost_usd`): root spans
    /// into the `trace` population (latency only), LLM calls into `llm`.
    pub fn add_span_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| Error::InvalidArgument(format!("span batch has no column {name:?}")))
        };
        let wrong = |name: &str| {
            Error::InvalidArgument(format!("span batch column {name:?} has an unexpected type"))
        };
        let strings = |name: &str| -> Result<Vec<&str>> {
            let array = column(name)?;
            let array = array
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| wrong(name))?;
            Ok(array.iter().map(|v| v.unwrap_or("")).collect())
        };
        let project = strings("project")?;
        let chain = strings("chain")?;
        let agent = strings("agent")?;
        let user = strings("user_id")?;
        let environment = strings("environment")?;
        let model = strings("model")?;
        let span_type = strings("span_type")?;
        let parent = column("parent_span_id")?;
        let parent = parent
            .as_any()
            .downcast_ref::<FixedSizeBinaryArray>()
            .ok_or_else(|| wrong("parent_span_id"))?;
        let start = column("start_time")?;
        let start = start
            .as_any()
            .downcast_ref::<TimestampNanosecondArray>()
            .ok_or_else(|| wrong("start_time"))?;
        let start_minute_s: Vec<i64> = start.values().iter().map(|&ns| minute_of_ns(ns)).collect();
        let duration = column("duration_ns")?;
        let latency_ns = duration
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| wrong("duration_ns"))?
            .values();
        let tokens = column("total_tokens")?;
        let total_tokens: Vec<Option<u32>> = tokens
            .as_any()
            .downcast_ref::<UInt32Array>()
            .ok_or_else(|| wrong("total_tokens"))?
            .iter()
            .collect();
        let cost_usd: Vec<Option<f64>> = match batch.column_by_name("llm_cost_usd") {
            None => vec![None; batch.num_rows()],
            Some(cost) => cost
                .as_any()
                .downcast_ref::<Float64Array>()
                .ok_or_else(|| wrong("llm_cost_usd"))?
                .iter()
                .collect(),
        };
        let roots: Vec<usize> = (0..batch.num_rows())
            .filter(|&i| parent.value(i).iter().all(|&b| b == 0))
            .collect();
        let llm: Vec<usize> = (0..batch.num_rows())
            .filter(|&i| matches!(span_type[i], "llm" | "embedding"))
            .collect();
        for (population, rows) in [(Population::Trace, roots), (Population::Llm, llm)] {
            if rows.is_empty() {
                continue;
            }
            let no_values = population == Population::Trace;
            let tokens: Vec<Option<u32>> = rows
                .iter()
                .map(|&i| total_tokens[i].filter(|_| !no_values))
                .collect();
            let costs: Vec<Option<f64>> = rows
                .iter()
                .map(|&i| cost_usd[i].filter(|_| !no_values))
                .collect();
            let project: Vec<&str> = rows.iter().map(|&i| project[i]).collect();
            let chain: Vec<&str> = rows.iter().map(|&i| chain[i]).collect();
            let agent: Vec<&str> = rows.iter().map(|&i| agent[i]).collect();
            let user: Vec<&str> = rows.iter().map(|&i| user[i]).collect();
            let environment: Vec<&str> = rows.iter().map(|&i| environment[i]).collect();
            let model: Vec<&str> = rows.iter().map(|&i| model[i]).collect();
            let minutes: Vec<i64> = rows.iter().map(|&i| start_minute_s[i]).collect();
            let latency: Vec<i64> = rows.iter().map(|&i| latency_ns[i]).collect();
            self.add_columns(
                population,
                &SpanColumns {
                    project: &project,
                    start_minute_s: &minutes,
                    chain: &chain,
                    agent: &agent,
                    user: &user,
                    environment: &environment,
                    model: &model,
                    latency_ns: &latency,
                    total_tokens: &tokens,
                    cost_usd: &costs,
                },
            )?;
        }
        Ok(())
    }

    /// The collected sketches as delta rows ([`sketch_delta_schema`]), one per
    /// (project, minute, group, metric) with at least one value, sorted by
    /// those columns; the accumulator is empty afterwards.
    pub fn finish(&mut self) -> Result<RecordBatch> {
        let names = std::mem::take(&mut self.names);
        let keys = std::mem::take(&mut self.keys);
        let sketches = std::mem::take(&mut self.sketches);
        self.ids.clear();
        self.groups.clear();

        let mut order: Vec<usize> = (0..keys.len()).collect();
        let name = |id: u32| &*names[id as usize];
        order.sort_by(|&a, &b| {
            let (ka, kb) = (&keys[a], &keys[b]);
            (
                name(ka.project),
                ka.population,
                ka.minute_s,
                ka.kind,
                name(ka.value),
            )
                .cmp(&(
                    name(kb.project),
                    kb.population,
                    kb.minute_s,
                    kb.kind,
                    name(kb.value),
                ))
        });

        let mut rows = SketchRows::default();
        for i in order {
            let key = &keys[i];
            for (sketch, metric) in sketches[i].iter().zip(Metric::EVERY) {
                if !sketch.is_empty() {
                    rows.push(name(key.project), key, name(key.value), metric, sketch);
                }
            }
        }
        rows.finish()
    }
}

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

#[derive(Default)]
struct SketchRows {
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
    fn push(
        &mut self,
        project: &str,
        key: &GroupKey,
        value: &str,
        metric: Metric,
        sketch: &QuantileSketch,
    ) {
        let (population, minute_s, kind) = (key.population, key.minute_s, key.kind);
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
        self.min.push(sketch.min);
        self.max.push(sketch.max);
        self.zero_count.push(sketch.zero_count());
    }

    fn finish(mut self) -> Result<RecordBatch> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64: a deterministic generator, so the tests need no crate.
    struct Rng(u64);
    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in (0, 1).
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
    }

    /// The exact order statistic with ClickHouse's quantileExact rank.
    fn exact(sorted: &[f64], q: f64) -> f64 {
        let n = sorted.len();
        let rank = if q < 1.0 {
            ((q * n as f64) as usize).min(n - 1)
        } else {
            n - 1
        };
        sorted[rank]
    }

    const LEVELS: [f64; 9] = [0.0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0];

    fn check(name: &str, values: &[f64]) {
        let mut sketch = QuantileSketch::new();
        for &v in values {
            sketch.add(v).unwrap();
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        for q in LEVELS {
            let want = exact(&sorted, q);
            let got = sketch.quantile(q).unwrap().unwrap();
            let err = if want == 0.0 {
                got.abs()
            } else {
                (got - want).abs() / want
            };
            assert!(
                err <= RELATIVE_ACCURACY * (1.0 + 1e-9),
                "{name}: q={q} got {got} want {want} (rel err {err})"
            );
        }
    }

    #[test]
    fn ln_gamma_literal_matches() {
        assert!((LN_GAMMA - GAMMA.ln()).abs() <= f64::EPSILON * LN_GAMMA);
        assert_eq!(bucket_of(1.0).unwrap(), Bucket::Key(0));
        assert_eq!(bucket_of(GAMMA * 1.000001).unwrap(), Bucket::Key(2));
        assert!(matches!(bucket_of(MIN_POSITIVE).unwrap(), Bucket::Key(k) if k > MIN_KEY));
        assert!(matches!(bucket_of(MAX_VALUE).unwrap(), Bucket::Key(k) if k < MAX_KEY));
    }

    #[test]
    fn every_bucket_value_is_within_accuracy_of_its_range() {
        for k in [-32000i16, -5000, -1, 0, 1, 77, 5000, 32000] {
            let v = bucket_value(k);
            let hi = (f64::from(k) * LN_GAMMA).exp();
            let lo = hi / GAMMA;
            assert!((v - hi).abs() / hi <= RELATIVE_ACCURACY * (1.0 + 1e-9));
            assert!((v - lo).abs() / lo <= RELATIVE_ACCURACY * (1.0 + 1e-9));
            assert_eq!(bucket_of(v).unwrap(), Bucket::Key(k));
        }
    }

    #[test]
    fn refuses_what_it_cannot_represent() {
        let mut s = QuantileSketch::new();
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e141] {
            assert!(s.add(bad).is_err(), "{bad}");
        }
        assert!(s.is_empty());
        assert!(s.quantile(0.5).unwrap().is_none());
        assert!(s.quantile(1.5).is_err());
        assert!(s.quantile(f64::NAN).is_err());
    }

    #[test]
    fn quantiles_match_exact_order_statistics() {
        let mut rng = Rng(7);
        let lognormal: Vec<f64> = (0..100_000)
            .map(|_| (18.0 + 1.5 * rng.normal()).exp())
            .collect();
        check("lognormal latency", &lognormal);
        let pareto: Vec<f64> = (0..100_000)
            .map(|_| 1e-4 * rng.uniform().powf(-1.0 / 1.1))
            .collect();
        check("pareto cost", &pareto);
        let bimodal: Vec<f64> = (0..20_000)
            .map(|i| {
                let centre = if i % 3 == 0 { 2e9 } else { 5e7 };
                centre * (0.2 * rng.normal()).exp()
            })
            .collect();
        check("bimodal", &bimodal);
        let duplicates: Vec<f64> = (0..50_000).map(|i| [1.0, 10.0, 250.0][i % 3]).collect();
        check("duplicates", &duplicates);
        let with_zeros: Vec<f64> = (0..1000)
            .map(|i| if i % 4 == 0 { 0.0 } else { i as f64 })
            .collect();
        check("zeros", &with_zeros);
        check("tiny", &[1e-139, 3e-12, 5e-9, 1e-9, 2e-9]);
        check("huge", &[1e139, 3e120, 9.2e18]);
        for n in 1..=10 {
            let few: Vec<f64> = (0..n).map(|_| rng.uniform() * 1000.0).collect();
            check("few", &few);
        }
    }

    #[test]
    fn merge_equals_adding_everything_to_one() {
        let mut rng = Rng(11);
        let values: Vec<f64> = (0..30_000)
            .map(|_| (10.0 + 3.0 * rng.normal()).exp())
            .collect();
        let mut whole = QuantileSketch::new();
        let mut parts = vec![QuantileSketch::new(); 7];
        for (i, &v) in values.iter().enumerate() {
            whole.add(v).unwrap();
            parts[(i * 31) % 7].add(v).unwrap();
        }
        let mut merged = QuantileSketch::new();
        for p in &parts {
            merged.merge(p);
        }
        assert_eq!(merged.to_buckets(), whole.to_buckets());
        assert_eq!(merged.count(), whole.count());
        assert_eq!(merged.min(), whole.min());
        assert_eq!(merged.max(), whole.max());
        for q in LEVELS {
            assert_eq!(merged.quantile(q).unwrap(), whole.quantile(q).unwrap());
        }
    }

    #[test]
    fn buckets_round_trip() {
        let mut s = QuantileSketch::new();
        for v in [0.0, 1e-150, 3.0, 3.0, 1e6, 42.5] {
            s.add(v).unwrap();
        }
        let buckets: Vec<(i32, u64)> = s
            .to_buckets()
            .into_iter()
            .map(|(k, c)| (i32::from(k), c))
            .collect();
        let back = QuantileSketch::from_buckets(
            buckets,
            s.zero_count(),
            s.sum(),
            s.min().unwrap(),
            s.max().unwrap(),
        )
        .unwrap();
        assert_eq!(back.to_buckets(), s.to_buckets());
        assert_eq!(back.count(), 6);
        assert_eq!(back.zero_count(), 2);
        for q in LEVELS {
            assert_eq!(back.quantile(q).unwrap(), s.quantile(q).unwrap());
        }
        assert!(QuantileSketch::from_buckets([(40_000, 1)], 0, 1.0, 1.0, 1.0).is_err());
        assert!(QuantileSketch::from_buckets([(0, 1)], 0, 1.0, 2.0, 1.0).is_err());
        let empty = QuantileSketch::from_buckets([(5, 0)], 0, 0.0, f64::INFINITY, 0.0).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn accumulator_groups_rows_and_skips_empty_values() {
        let minute = minute_of_ns(1_700_000_123_000_000_000);
        let next = minute + 60;
        let cols = SpanColumns {
            project: &["p", "p", "p", "q"],
            start_minute_s: &[minute, minute, next, minute],
            chain: &["c1", "c1", "", ""],
            agent: &["", "", "", ""],
            user: &["u", "", "", ""],
            environment: &["prod", "prod", "prod", ""],
            model: &["gpt-4o", "gpt-4o-mini", "", "gpt-4o"],
            latency_ns: &[100, 300, 500, 700],
            total_tokens: &[Some(10), None, Some(0), None],
            cost_usd: &[Some(0.001), None, None, Some(-1.0)],
        };
        let mut acc = SketchAccumulator::new();
        acc.add_columns(Population::Llm, &cols).unwrap();
        let batch = acc.finish().unwrap();
        assert!(acc.is_empty());
        assert_eq!(batch.schema(), sketch_delta_schema());
        let text = |name: &str| -> Vec<String> {
            let a = batch.column_by_name(name).unwrap();
            let a = a.as_any().downcast_ref::<StringArray>().unwrap();
            a.iter().map(|v| v.unwrap().to_owned()).collect()
        };
        let counts = batch.column_by_name("count").unwrap();
        let counts = counts.as_any().downcast_ref::<UInt64Array>().unwrap();
        let rows: Vec<String> = (0..batch.num_rows())
            .map(|i| {
                format!(
                    "{} {}={} {} n={}",
                    text("project")[i],
                    text("group_kind")[i],
                    text("group_value")[i],
                    text("metric")[i],
                    counts.value(i)
                )
            })
            .collect();
        let expect = [
            // project p, first minute: rows 0 and 1
            "p all= latency_ns n=2",
            "p all= total_tokens n=1",
            "p all= cost_usd n=1",
            "p chain=c1 latency_ns n=2",
            "p chain=c1 total_tokens n=1",
            "p chain=c1 cost_usd n=1",
            "p user=u latency_ns n=1",
            "p user=u total_tokens n=1",
            "p user=u cost_usd n=1",
            "p environment=prod latency_ns n=2",
            "p environment=prod total_tokens n=1",
            "p environment=prod cost_usd n=1",
            "p model=gpt-4o latency_ns n=1",
            "p model=gpt-4o total_tokens n=1",
            "p model=gpt-4o cost_usd n=1",
            "p model=gpt-4o-mini latency_ns n=1",
            // project p, next minute: row 2 (0 tokens go to the zero bucket)
            "p all= latency_ns n=1",
            "p all= total_tokens n=1",
            "p environment=prod latency_ns n=1",
            "p environment=prod total_tokens n=1",
            // project q: the negative cost is left out
            "q all= latency_ns n=1",
            "q model=gpt-4o latency_ns n=1",
        ];
        assert_eq!(rows, expect);
        let zero = batch.column_by_name("zero_count").unwrap();
        let zero = zero.as_any().downcast_ref::<UInt64Array>().unwrap();
        assert_eq!(zero.value(17), 1);
        let minutes = batch.column_by_name("minute").unwrap();
        let minutes = minutes
            .as_any()
            .downcast_ref::<TimestampSecondArray>()
            .unwrap();
        assert_eq!(minutes.value(0), minute);
        assert_eq!(minutes.value(16), next);
        assert_eq!(minute % 60, 0);
    }

    #[test]
    fn accumulator_rows_rebuild_the_sketch_of_each_group() {
        let mut rng = Rng(3);
        let n = 5000;
        let models = ["a", "b", "c"];
        let project = vec!["p"; n];
        let minutes = vec![600i64; n];
        let empty = vec![""; n];
        let model: Vec<&str> = (0..n).map(|i| models[(i * 7) % 3]).collect();
        let latency: Vec<i64> = (0..n).map(|_| (15.0 + rng.normal()).exp() as i64).collect();
        let tokens: Vec<Option<u32>> = (0..n).map(|i| Some(i as u32 % 900)).collect();
        let cost: Vec<Option<f64>> = (0..n).map(|_| Some(rng.uniform() * 1e-3)).collect();
        let cols = SpanColumns {
            project: &project,
            start_minute_s: &minutes,
            chain: &empty,
            agent: &empty,
            user: &empty,
            environment: &empty,
            model: &model,
            latency_ns: &latency,
            total_tokens: &tokens,
            cost_usd: &cost,
        };
        let mut acc = SketchAccumulator::new();
        // Two calls: the second batch adds to the same cells.
        acc.add_columns(Population::Llm, &cols).unwrap();
        acc.add_columns(Population::Llm, &cols).unwrap();
        let batch = acc.finish().unwrap();
        assert_eq!(batch.num_rows(), 4 * 3);
        let buckets = batch.column_by_name("buckets").unwrap();
        let buckets = buckets.as_any().downcast_ref::<MapArray>().unwrap();
        let f64s = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .clone()
        };
        let (sum, min, max) = (f64s("sum"), f64s("min"), f64s("max"));
        let zero = batch.column_by_name("zero_count").unwrap();
        let zero = zero.as_any().downcast_ref::<UInt64Array>().unwrap();
        let group = batch.column_by_name("group_value").unwrap();
        let group = group.as_any().downcast_ref::<StringArray>().unwrap();
        let metric = batch.column_by_name("metric").unwrap();
        let metric = metric.as_any().downcast_ref::<StringArray>().unwrap();
        for row in 0..batch.num_rows() {
            let entries = buckets.value(row);
            let keys = entries
                .column(0)
                .as_any()
                .downcast_ref::<Int16Array>()
                .unwrap();
            let counts = entries
                .column(1)
                .as_any()
                .downcast_ref::<UInt64Array>()
                .unwrap();
            let pairs = keys
                .values()
                .iter()
                .zip(counts.values())
                .map(|(&k, &c)| (i32::from(k), c));
            let sketch = QuantileSketch::from_buckets(
                pairs,
                zero.value(row),
                sum.value(row),
                min.value(row),
                max.value(row),
            )
            .unwrap();
            let in_group = |i: usize| group.value(row).is_empty() || model[i] == group.value(row);
            let mut exact_values: Vec<f64> = (0..n)
                .filter(|&i| in_group(i))
                .map(|i| match metric.value(row) {
                    "latency_ns" => latency[i] as f64,
                    "total_tokens" => f64::from(tokens[i].unwrap()),
                    _ => cost[i].unwrap(),
                })
                .flat_map(|v| [v, v])
                .collect();
            exact_values.sort_by(f64::total_cmp);
            assert_eq!(sketch.count(), exact_values.len() as u64);
            for q in LEVELS {
                let want = exact(&exact_values, q);
                let got = sketch.quantile(q).unwrap().unwrap();
                let err = if want == 0.0 {
                    got
                } else {
                    (got - want).abs() / want
                };
                assert!(
                    err <= RELATIVE_ACCURACY * (1.0 + 1e-9),
                    "row {row} q {q}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn accumulator_refuses_ragged_columns() {
        let cols = SpanColumns {
            project: &["p", "p"],
            start_minute_s: &[0],
            chain: &["", ""],
            agent: &["", ""],
            user: &["", ""],
            environment: &["", ""],
            model: &["", ""],
            latency_ns: &[1, 2],
            total_tokens: &[None, None],
            cost_usd: &[None, None],
        };
        assert!(SketchAccumulator::new()
            .add_columns(Population::Llm, &cols)
            .is_err());
    }
}
