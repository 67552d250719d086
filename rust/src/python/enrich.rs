//! Python bindings of `crate::enrich`: `Enricher`, passed to `decode_traces`.

use std::sync::Arc;

use pyo3::prelude::*;

use super::energy::PyImpactModel;
use super::pricing::PyPriceBook;
use crate::enrich;

/// Prices + impact data + per-project rules: what `decode_traces(enricher=...)`
/// computes cost, energy, carbon and data quality with. Immutable: a change
/// of project settings builds a new one.
#[pyclass(frozen, name = "Enricher", module = "gls_engine._core")]
pub struct PyEnricher {
    pub(crate) inner: Arc<enrich::Enricher>,
}

#[pymethods]
impl PyEnricher {
    /// `projects_json`: `{"<project>": {"carbon_zone": "FRA", "rate_card": {...}}}`.
    /// Raises CoreError naming an unknown zone or a malformed rule.
    #[new]
    #[pyo3(signature = (price_book, impact_model, projects_json="{}", default_zone="WOR"))]
    fn new(
        price_book: &PyPriceBook,
        impact_model: &PyImpactModel,
        projects_json: &str,
        default_zone: &str,
    ) -> PyResult<Self> {
        let inner = enrich::Enricher::new(
            price_book.book.clone(),
            impact_model.model.clone(),
            projects_json,
            default_zone,
        )?;
        Ok(PyEnricher {
            inner: Arc::new(inner),
        })
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<Vec<&'static str>> {
    m.add_class::<PyEnricher>()?;
    Ok(vec!["Enricher"])
}
