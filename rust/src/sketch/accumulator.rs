//! Per (project, minute, group, metric) sketches collected from span batches,
//! handed out as delta rows to insert beside the spans.

use arrow_array::{
    Array, FixedSizeBinaryArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampNanosecondArray, UInt32Array,
};
use rustc_hash::FxHashMap as HashMap;

use crate::errors::{Error, Result};
use crate::sketch::delta_rows::SketchRows;
use crate::sketch::quantile::{bucket_of, QuantileSketch};
use crate::sketch::row_keys::{GroupKind, Metric, Population};

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
                    rows.push(
                        name(key.project),
                        key.population,
                        key.minute_s,
                        key.kind,
                        name(key.value),
                        metric,
                        sketch,
                    );
                }
            }
        }
        rows.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int16Array, MapArray, TimestampSecondArray, UInt64Array};

    use crate::sketch::delta_rows::sketch_delta_schema;
    use crate::sketch::quantile::RELATIVE_ACCURACY;
    use crate::sketch::test_values::{exact, Rng, LEVELS};

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
