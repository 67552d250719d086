//! Python bindings of `crate::pricing`: `PriceBook`.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::pricing::{self, ModelId, PriceOverride, Usage};

/// The genai-prices data (JSON from `gls_engine.costs.prices`), with optional
/// per-project overrides.
#[pyclass(frozen, name = "PriceBook", module = "gls_engine._core")]
pub struct PyPriceBook {
    /// Shared with the `Enricher`s built from this book.
    pub(crate) book: std::sync::Arc<pricing::PriceBook>,
}

const OVERRIDE_KEYS: [&str; 6] = [
    "project",
    "model_pattern",
    "input_per_mtok",
    "output_per_mtok",
    "cache_read_per_mtok",
    "cache_write_per_mtok",
];

fn price_override(d: &Bound<'_, PyDict>) -> PyResult<PriceOverride> {
    for key in d.keys() {
        let key: String = key.extract()?;
        if !OVERRIDE_KEYS.contains(&key.as_str()) {
            return Err(PyValueError::new_err(format!(
                "unknown price override key {key:?} (expected {OVERRIDE_KEYS:?})"
            )));
        }
    }
    let required = |key: &str| -> PyResult<Bound<'_, PyAny>> {
        d.get_item(key)?
            .ok_or_else(|| PyValueError::new_err(format!("price override without {key:?}")))
    };
    let optional = |key: &str| -> PyResult<Option<f64>> {
        match d.get_item(key)? {
            Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
            _ => Ok(None),
        }
    };
    Ok(PriceOverride {
        project: required("project")?.extract()?,
        model_pattern: required("model_pattern")?.extract()?,
        input_per_mtok: required("input_per_mtok")?.extract()?,
        output_per_mtok: required("output_per_mtok")?.extract()?,
        cache_read_per_mtok: optional("cache_read_per_mtok")?,
        cache_write_per_mtok: optional("cache_write_per_mtok")?,
    })
}

impl PyPriceBook {
    fn lookup(&self, provider: &str, model: &str, project: Option<&str>) -> Option<ModelId> {
        match project {
            Some(project) => self.book.resolve_for_project(project, provider, model),
            None => self.book.resolve(provider, model),
        }
    }
}

#[pymethods]
impl PyPriceBook {
    #[new]
    #[pyo3(signature = (data_json, overrides=None))]
    fn new(data_json: &str, overrides: Option<Vec<Bound<'_, PyDict>>>) -> PyResult<Self> {
        let mut book = pricing::PriceBook::from_json(data_json)?;
        if let Some(list) = overrides {
            let list = list
                .iter()
                .map(price_override)
                .collect::<PyResult<Vec<_>>>()?;
            book = book.with_overrides(list)?;
        }
        Ok(PyPriceBook {
            book: std::sync::Arc::new(book),
        })
    }

    /// The genai-prices package version the data was exported from.
    #[getter]
    fn data_version(&self) -> &str {
        &self.book.data_version().genai_prices_version
    }

    /// sha256 of the exported data.
    #[getter]
    fn data_digest(&self) -> &str {
        &self.book.data_version().data_digest
    }

    /// The genai-prices model id (or override pattern) that prices `model`
    /// called through `provider` ("" when unknown), or None.
    #[pyo3(signature = (provider, model, project=None))]
    fn resolve(&self, provider: &str, model: &str, project: Option<&str>) -> Option<String> {
        let id = self.lookup(provider, model, project)?;
        Some(self.book.model_ref(id).model_id.to_owned())
    }

    /// The cost in USD, by component, or None when the model is unknown or
    /// the usage inconsistent (a part larger than its whole).
    #[pyo3(signature = (provider, model, at_unix_ns, *, input_tokens=None, output_tokens=None,
                        cache_read_tokens=None, cache_write_tokens=None, reasoning_tokens=None,
                        project=None, price_context=None))]
    #[allow(clippy::too_many_arguments)]
    fn cost<'py>(
        &self,
        py: Python<'py>,
        provider: &str,
        model: &str,
        at_unix_ns: i64,
        input_tokens: Option<u64>,
        output_tokens: Option<u64>,
        cache_read_tokens: Option<u64>,
        cache_write_tokens: Option<u64>,
        reasoning_tokens: Option<u64>,
        project: Option<&str>,
        price_context: Option<HashMap<String, String>>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(id) = self.lookup(provider, model, project) else {
            return Ok(None);
        };
        let usage = Usage {
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            reasoning_tokens,
        };
        let cost = match &price_context {
            Some(pairs) if !pairs.is_empty() => {
                let context: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                self.book
                    .cost_with_context(id, at_unix_ns, &usage, &context)
            }
            _ => self.book.cost(id, at_unix_ns, &usage),
        };
        let Some(cost) = cost else {
            return Ok(None);
        };
        let names = self.book.model_ref(id);
        let d = PyDict::new(py);
        d.set_item("provider", names.provider_id)?;
        d.set_item("model", names.model_id)?;
        d.set_item(
            "source",
            if names.override_project.is_some() {
                "override"
            } else {
                "genai-prices"
            },
        )?;
        d.set_item("input", cost.input)?;
        d.set_item("cache_read", cost.cache_read)?;
        d.set_item("cache_write", cost.cache_write)?;
        d.set_item("output", cost.output)?;
        d.set_item("reasoning", cost.reasoning)?;
        d.set_item("other", cost.other)?;
        d.set_item("input_total", cost.input_total())?;
        d.set_item("output_total", cost.output_total())?;
        d.set_item("total", cost.total)?;
        Ok(Some(d))
    }

    fn __repr__(&self) -> String {
        let v = self.book.data_version();
        format!(
            "PriceBook(genai_prices={}, data={})",
            v.genai_prices_version,
            &v.data_digest[..v.data_digest.len().min(12)]
        )
    }
}

/// Adds this concept's classes and functions to `_core`; returns their names for `__all__`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<Vec<&'static str>> {
    m.add_class::<PyPriceBook>()?;
    Ok(vec!["PriceBook"])
}
