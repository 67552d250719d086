//! Python bindings of `crate::sketch` (quantile sketches, sketch delta rows)
//! and `crate::tokens` (token estimates).

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::sketch::{self as core, bucket_of, SketchAccumulator};
use crate::tokens;

/// A mergeable quantile sketch of non-negative values (0.5% relative accuracy).
#[pyclass(module = "gls_engine._core", name = "QuantileSketch")]
#[derive(Default)]
pub struct QuantileSketch {
    inner: core::QuantileSketch,
}

/// The values of a float64/int64 buffer (numpy array) or any sequence of numbers.
fn float_values(values: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let py = values.py();
    if let Ok(buffer) = PyBuffer::<f64>::get(values) {
        return buffer.to_vec(py);
    }
    if let Ok(buffer) = PyBuffer::<i64>::get(values) {
        return Ok(buffer.to_vec(py)?.into_iter().map(|v| v as f64).collect());
    }
    values.extract::<Vec<f64>>()
}

#[pymethods]
impl QuantileSketch {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Relative accuracy of every quantile (0.005).
    #[classattr]
    const RELATIVE_ACCURACY: f64 = core::RELATIVE_ACCURACY;
    /// Positive values below this count as zero.
    #[classattr]
    const MIN_POSITIVE: f64 = core::MIN_POSITIVE;
    /// Largest value accepted.
    #[classattr]
    const MAX_VALUE: f64 = core::MAX_VALUE;

    fn add(&mut self, value: f64) -> PyResult<()> {
        Ok(self.inner.add(value)?)
    }

    /// Adds every value (a numpy array or a sequence); adds none if one is refused.
    fn add_many(&mut self, py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let values = float_values(values)?;
        let sketch = &mut self.inner;
        py.detach(|| -> crate::Result<()> {
            let buckets = values
                .iter()
                .map(|&v| bucket_of(v))
                .collect::<crate::Result<Vec<_>>>()?;
            for (&v, b) in values.iter().zip(buckets) {
                sketch.add_bucketed(v, b);
            }
            Ok(())
        })?;
        Ok(())
    }

    fn merge(&mut self, other: &QuantileSketch) {
        self.inner.merge(&other.inner);
    }

    /// The q-quantile (ClickHouse quantileExact's rank); None when empty.
    fn quantile(&self, q: f64) -> PyResult<Option<f64>> {
        Ok(self.inner.quantile(q)?)
    }

    fn quantiles(&self, qs: Vec<f64>) -> PyResult<Vec<Option<f64>>> {
        Ok(self.inner.quantiles(&qs)?)
    }

    /// The non-empty buckets, key -> count, ascending by key.
    fn to_buckets(&self) -> BTreeMap<i16, u64> {
        self.inner.to_buckets().into_iter().collect()
    }

    /// The distribution on `bins` equal-ratio bins: [(lower, upper, count)],
    /// a (0, 0, zeros) bin first when there are zeros.
    #[pyo3(signature = (bins=30))]
    fn log_histogram(&self, bins: usize) -> Vec<(f64, f64, u64)> {
        self.inner.log_histogram(bins)
    }

    /// A sketch from its persisted form (e.g. a row merged by ClickHouse).
    #[staticmethod]
    #[pyo3(signature = (buckets, *, zero_count=0, sum=0.0, min=0.0, max=0.0))]
    fn from_buckets(
        buckets: BTreeMap<i32, u64>,
        zero_count: u64,
        sum: f64,
        min: f64,
        max: f64,
    ) -> PyResult<Self> {
        let inner = core::QuantileSketch::from_buckets(buckets, zero_count, sum, min, max)?;
        Ok(QuantileSketch { inner })
    }

    #[getter]
    fn count(&self) -> u64 {
        self.inner.count()
    }
    #[getter]
    fn sum(&self) -> f64 {
        self.inner.sum()
    }
    #[getter]
    fn min(&self) -> Option<f64> {
        self.inner.min()
    }
    #[getter]
    fn max(&self) -> Option<f64> {
        self.inner.max()
    }
    #[getter]
    fn zero_count(&self) -> u64 {
        self.inner.zero_count()
    }

    fn __len__(&self) -> usize {
        self.inner.count() as usize
    }

    fn __repr__(&self) -> String {
        format!(
            "QuantileSketch(count={}, min={:?}, max={:?}, buckets={})",
            self.inner.count(),
            self.inner.min(),
            self.inner.max(),
            self.inner.to_buckets().len()
        )
    }
}

/// The sketch delta rows of a span batch (span schema column names; an
/// optional float64 `cost_usd`), as a pyarrow RecordBatch.
///
/// `spans` may also be a list of batches (e.g. the requests of one group
/// commit): their rows are accumulated together, so a (project, minute,
/// group, metric) gets one row for the whole list, not one per batch.
#[pyfunction]
fn sketch_rows<'py>(py: Python<'py>, spans: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let batches: Vec<RecordBatch> = match spans.cast::<PyList>() {
        Ok(list) => list
            .iter()
            .map(|b| RecordBatch::from_pyarrow_bound(&b))
            .collect::<PyResult<_>>()?,
        Err(_) => vec![RecordBatch::from_pyarrow_bound(spans)?],
    };
    let rows = py.detach(|| {
        let mut accumulator = SketchAccumulator::new();
        for batch in &batches {
            accumulator.add_span_batch(batch)?;
        }
        accumulator.finish()
    })?;
    rows.to_pyarrow(py)
}

/// The Arrow schema of `sketch_rows()`.
#[pyfunction]
fn sketch_delta_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    core::sketch_delta_schema().as_ref().to_pyarrow(py)
}

/// Estimated prompt tokens of `text` for `model`: (tokens, system_tokens).
#[pyfunction]
fn estimate_tokens(py: Python<'_>, model: &str, text: &str) -> PyResult<(u32, u32)> {
    let estimate = py.detach(|| tokens::estimate_tokens(model, text))?;
    Ok((estimate.tokens, estimate.system_tokens))
}

/// Estimated completion tokens of `text` produced by `model`.
#[pyfunction]
fn estimate_completion_tokens(py: Python<'_>, model: &str, text: &str) -> PyResult<u32> {
    Ok(py.detach(|| tokens::estimate_completion_tokens(model, text))?)
}

/// The tiktoken encoding used for `model` ("o200k_base" or "cl100k_base").
#[pyfunction]
fn token_encoding_for_model(model: &str) -> &'static str {
    tokens::encoding_for_model(model).name()
}

/// Adds this concept's classes and functions to `_core`; returns their names for `__all__`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<Vec<&'static str>> {
    m.add_class::<QuantileSketch>()?;
    m.add_function(wrap_pyfunction!(sketch_rows, m)?)?;
    m.add_function(wrap_pyfunction!(sketch_delta_schema, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_completion_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(token_encoding_for_model, m)?)?;
    Ok(vec![
        "QuantileSketch",
        "sketch_rows",
        "sketch_delta_schema",
        "estimate_tokens",
        "estimate_completion_tokens",
        "token_encoding_for_model",
    ])
}
