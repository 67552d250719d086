//! Python bindings of `crate::energy`: `ImpactModel`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::energy::{self, ComputeUsage, Estimate, Impacts, ZoneHints};

/// Energy and carbon per span (EcoLogits for LLM requests, a CPU/GPU power
/// model for the rest), from the JSON of `gls_engine.carbon.data`.
#[pyclass(frozen, name = "ImpactModel", module = "gls_engine._core")]
pub struct PyImpactModel {
    /// Shared with the `Enricher`s built from this model.
    pub(crate) model: std::sync::Arc<energy::ImpactModel>,
}

fn estimate<'py>(py: Python<'py>, e: Estimate) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("value", e.value)?;
    d.set_item("min", e.min)?;
    d.set_item("max", e.max)?;
    Ok(d)
}

fn impacts_dict<'py>(py: Python<'py>, zone: &str, i: &Impacts) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("zone", zone)?;
    d.set_item("energy_kwh", estimate(py, i.energy_kwh)?)?;
    d.set_item("usage_gwp_kgco2eq", estimate(py, i.usage_gwp_kgco2eq)?)?;
    match i.embodied_gwp_kgco2eq {
        Some(e) => d.set_item("embodied_gwp_kgco2eq", estimate(py, e)?)?,
        None => d.set_item("embodied_gwp_kgco2eq", py.None())?,
    }
    Ok(d)
}

/// The string value of `key` in `attributes` (other types are ignored).
fn text_attribute(attributes: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<String>> {
    Ok(match attributes.get_item(key)? {
        Some(v) => v.extract::<String>().ok(),
        None => None,
    })
}

#[pymethods]
impl PyImpactModel {
    #[new]
    fn new(data_json: &str) -> PyResult<Self> {
        Ok(PyImpactModel {
            model: std::sync::Arc::new(energy::ImpactModel::from_json(data_json)?),
        })
    }

    /// Version of the ecologits package the data was exported from.
    #[getter]
    fn ecologits_version(&self) -> &str {
        self.model.ecologits_version()
    }

    /// (ecologits provider, ecologits model name, exact match) or None.
    fn resolve_model(&self, provider: &str, model: &str) -> Option<(String, String, bool)> {
        let r = self.model.resolve(provider, model)?;
        let info = self.model.model_info(r);
        Some((
            info.provider.to_owned(),
            info.name.to_owned(),
            info.exact_match,
        ))
    }

    /// Impacts of one LLM request (see the stub), or None when the model or
    /// zone is unknown.
    #[pyo3(signature = (provider, model, output_tokens, latency_s, zone=None))]
    fn llm_impacts<'py>(
        &self,
        py: Python<'py>,
        provider: &str,
        model: &str,
        output_tokens: u64,
        latency_s: Option<f64>,
        zone: Option<&str>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(r) = self.model.resolve(provider, model) else {
            return Ok(None);
        };
        let latency_s = latency_s.unwrap_or(f64::INFINITY);
        let Some(impacts) = self.model.llm_impacts(r, output_tokens, latency_s, zone) else {
            return Ok(None);
        };
        let info = self.model.model_info(r);
        let d = impacts_dict(py, zone.unwrap_or(self.model.provider_zone(r)), &impacts)?;
        d.set_item("provider", info.provider)?;
        d.set_item("model", info.name)?;
        d.set_item("exact_match", info.exact_match)?;
        d.set_item("warnings", info.warnings)?;
        Ok(Some(d))
    }

    /// Grid intensity of an ecologits zone in kgCO2eq/kWh, or None.
    fn zone_intensity(&self, zone: &str) -> Option<f64> {
        self.model.zone_intensity(zone)
    }

    /// The zone of a span's work from its attributes (span over resource,
    /// merged by the caller), else `project_default`.
    fn resolve_zone(
        &self,
        attributes: &Bound<'_, PyDict>,
        project_default: &str,
    ) -> PyResult<String> {
        let get = |key: &str| text_attribute(attributes, key);
        let explicit_zone = get(energy::ZONE_ATTRIBUTE)?;
        let cloud_provider = get(energy::CLOUD_PROVIDER_ATTRIBUTE)?;
        let cloud_region = get(energy::CLOUD_REGION_ATTRIBUTE)?;
        let mut llm_provider = None;
        for key in energy::LLM_PROVIDER_ATTRIBUTES {
            llm_provider = get(key)?;
            if llm_provider.is_some() {
                break;
            }
        }
        let hints = ZoneHints {
            explicit_zone: explicit_zone.as_deref(),
            cloud_provider: cloud_provider.as_deref(),
            cloud_region: cloud_region.as_deref(),
            llm_provider: llm_provider.as_deref(),
        };
        Ok(self
            .model
            .resolve_zone(&hints, project_default)
            .zone
            .to_owned())
    }

    /// Impacts of a non-LLM span from its CPU/GPU time (see the stub), or
    /// None when it reports neither or the zone is unknown.
    #[pyo3(signature = (*, zone, cpu_seconds=None, gpu_seconds=None, cpu_utilization=None,
                        gpu_utilization=None, gpu_model=None, cloud_provider=None))]
    #[allow(clippy::too_many_arguments)]
    fn compute_impacts<'py>(
        &self,
        py: Python<'py>,
        zone: &str,
        cpu_seconds: Option<f64>,
        gpu_seconds: Option<f64>,
        cpu_utilization: Option<f64>,
        gpu_utilization: Option<f64>,
        gpu_model: Option<&str>,
        cloud_provider: Option<&str>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let usage = ComputeUsage {
            cpu_seconds,
            cpu_utilization,
            gpu_seconds,
            gpu_utilization,
            gpu_model,
            cloud_provider,
        };
        match self.model.compute_impacts(&usage, zone) {
            Some(impacts) => Ok(Some(impacts_dict(py, zone, &impacts)?)),
            None => Ok(None),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "ImpactModel(ecologits_version={:?}, models={})",
            self.model.ecologits_version(),
            self.model.model_count()
        )
    }
}

/// Adds this concept's classes and functions to `_core`; returns their names for `__all__`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<Vec<&'static str>> {
    m.add_class::<PyImpactModel>()?;
    Ok(vec!["ImpactModel"])
}
