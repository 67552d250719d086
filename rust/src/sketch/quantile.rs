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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::test_values::{exact, Rng, LEVELS};

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
}
