//! Energy and carbon of one span.
//!
//! LLM requests follow the EcoLogits methodology exactly as the `ecologits`
//! package computes it (`ecologits.impacts.llm.compute_llm_impacts`: same
//! constants, same formulas in the same floating-point order, same handling
//! of parameter ranges); other spans use the CPU/GPU power model of
//! [`compute`]. Carbon is energy x the grid intensity of the electricity zone
//! the work ran in, chosen by [`zones`]. All data comes from one JSON
//! document that `gls_engine.carbon.data` exports from the installed
//! ecologits package plus our region and power tables (docs/carbon.md).

mod compute;
mod matching;
mod zones;

use std::collections::HashMap;

use serde::Deserialize;

use crate::errors::{Error, Result};

pub use compute::{
    ComputeUsage, CPU_SECONDS_ATTRIBUTES, CPU_UTILIZATION_ATTRIBUTE, GPU_MODEL_ATTRIBUTE,
    GPU_SECONDS_ATTRIBUTE, GPU_UTILIZATION_ATTRIBUTE,
};
pub use matching::ModelRef;
pub use zones::{
    ResolvedZone, ZoneHints, ZoneSource, CLOUD_PROVIDER_ATTRIBUTE, CLOUD_REGION_ATTRIBUTE,
    LLM_PROVIDER_ATTRIBUTES, ZONE_ATTRIBUTE,
};

/// The data document format this code reads (`gls_engine.carbon.data.FORMAT_VERSION`).
pub const DATA_FORMAT_VERSION: u32 = 1;

/// ecologits' fallback zone when a provider has no data-centre location.
const WORLD_ZONE: &str = "WOR";

/// A quantity with its uncertainty range. `value` is the midpoint of
/// `[min, max]` (ecologits' `RangeValue.mean`); when the methodology gives a
/// single number, min = value = max.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub min: f64,
    pub max: f64,
}

impl Estimate {
    fn between(min: f64, max: f64) -> Self {
        // (x + x) / 2 == x, so a single number comes out exact too.
        Estimate {
            value: (min + max) / 2.0,
            min,
            max,
        }
    }

    fn exact(value: f64) -> Self {
        Estimate {
            value,
            min: value,
            max: value,
        }
    }
}

/// The environmental impacts of one span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impacts {
    /// Energy drawn from the grid, data-centre overhead (PUE) included, in kWh.
    pub energy_kwh: Estimate,
    /// Usage-phase global warming potential: energy x zone intensity, in kgCO2eq.
    pub usage_gwp_kgco2eq: Estimate,
    /// Embodied (manufacturing) GWP allocated to the request, in kgCO2eq;
    /// `None` where the methodology gives none (non-LLM spans).
    pub embodied_gwp_kgco2eq: Option<Estimate>,
}

/// What [`ImpactModel::model_info`] tells about a resolved model.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo<'a> {
    /// The ecologits provider (`openai`, `anthropic`, `huggingface_hub`, ...).
    pub provider: &'a str,
    /// The ecologits model name.
    pub name: &'a str,
    /// ecologits' warning codes of the model (e.g. `model-arch-not-released`).
    pub warnings: &'a [String],
    /// Found under the exact (provider, name) ecologits uses, not by the
    /// name normalisation of `matching`.
    pub exact_match: bool,
}

// ---- the data document -------------------------------------------------

#[derive(Deserialize)]
struct ImpactData {
    format_version: u32,
    ecologits_version: String,
    llm: LlmData,
    cloud_regions: HashMap<String, HashMap<String, String>>,
    power_model: compute::PowerModelData,
}

#[derive(Deserialize)]
struct LlmData {
    constants: LlmConstants,
    providers: HashMap<String, ProviderData>,
    models: Vec<ModelData>,
    electricity_mixes: Vec<MixData>,
}

/// The module constants of `ecologits.impacts.llm`, by their Python names.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct LlmConstants {
    model_quantization_bits: f64,
    gpu_energy_alpha: f64,
    gpu_energy_beta: f64,
    gpu_energy_gamma: f64,
    latency_alpha: f64,
    latency_beta: f64,
    latency_gamma: f64,
    gpu_memory: f64,
    gpu_embodied_impact_gwp: f64,
    server_gpus: f64,
    server_power: f64,
    server_embodied_impact_gwp: f64,
    hardware_lifespan: f64,
    batch_size: f64,
}

/// ecologits' `ValueOrRange`: a number or a `RangeValue` {min, max}.
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum ValueOrRange {
    Value(f64),
    Range { min: f64, max: f64 },
}

impl ValueOrRange {
    fn is_range(self) -> bool {
        matches!(self, ValueOrRange::Range { .. })
    }

    fn min(self) -> f64 {
        match self {
            ValueOrRange::Value(v) => v,
            ValueOrRange::Range { min, .. } => min,
        }
    }

    fn max(self) -> f64 {
        match self {
            ValueOrRange::Value(v) => v,
            ValueOrRange::Range { max, .. } => max,
        }
    }
}

#[derive(Deserialize)]
struct ProviderData {
    datacenter_location: Option<String>,
    datacenter_pue: ValueOrRange,
}

#[derive(Deserialize)]
struct ModelData {
    provider: String,
    name: String,
    architecture: ArchitectureData,
    #[serde(default)]
    warnings: Vec<String>,
    tps: Option<f64>,
    ttft: Option<f64>,
}

#[derive(Deserialize)]
struct ArchitectureData {
    parameters: ParametersData,
}

/// ecologits tells a mixture of experts by the shape of `parameters`
/// ({total, active}), not by the architecture type; so does this.
#[derive(Deserialize)]
#[serde(untagged)]
enum ParametersData {
    MixtureOfExperts {
        total: ValueOrRange,
        active: ValueOrRange,
    },
    Dense(ValueOrRange),
}

#[derive(Deserialize)]
struct MixData {
    zone: String,
    gwp: f64,
}

// ---- the compiled model -------------------------------------------------

struct Provider {
    name: String,
    /// Default electricity zone of the provider's data centres.
    zone: String,
    pue: ValueOrRange,
}

/// One evaluation of ecologits' DAG for fixed parameter counts, with every
/// term that does not depend on the request computed once, in ecologits'
/// order of operations (so results are bit-identical).
#[derive(Debug, Clone, Copy)]
struct Variant {
    gpu_count: f64,
    gpu_energy_per_token_kwh: f64,
    latency_per_token_s: f64,
    first_token_latency_s: f64,
    /// gpu_required_count / server_gpu_count
    server_share: f64,
    server_gpu_embodied_gwp: f64,
}

struct LlmModel {
    provider: usize,
    name: String,
    warnings: Vec<String>,
    /// At the minimum parameter counts (the only evaluation without a range).
    low: Variant,
    /// At the maximum parameter counts, for a model with a parameter range:
    /// ecologits then takes min from `low` and max from `high`.
    high: Option<Variant>,
}

/// Energy and carbon data and methodology, loaded once; cheap to query from
/// many threads (`resolve` caches behind a read-write lock).
pub struct ImpactModel {
    ecologits_version: String,
    server_power_kw: f64,
    inverse_batch_size: f64,
    lifespan_times_batch: f64,
    providers: Vec<Provider>,
    models: Vec<LlmModel>,
    /// zone -> kgCO2eq/kWh
    zone_gwp: HashMap<String, f64>,
    index: matching::ModelIndex,
    cache: matching::ResolveCache,
    regions: zones::RegionTable,
    power: compute::PowerModel,
}

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("invalid impact data: {message}"))
}

impl Variant {
    /// `None` when the model needs no GPU at all (ecologits' `log2(0)` fails there).
    fn new(
        c: &LlmConstants,
        active_params: f64,
        total_params: f64,
        tps: Option<f64>,
        ttft: Option<f64>,
    ) -> Option<Self> {
        // gpu_energy: alpha * exp(beta * batch) * P + gamma, per token, in Wh -> kWh.
        let per_token_wh =
            c.gpu_energy_alpha * (c.gpu_energy_beta * c.batch_size).exp() * active_params
                + c.gpu_energy_gamma;
        let latency_per_token_s = match tps {
            Some(tps) => 1.0 / tps,
            None => {
                c.latency_alpha * active_params + c.latency_beta * c.batch_size + c.latency_gamma
            }
        };
        // model_required_memory and gpu_required_count (rounded up to a power of two).
        let memory_gb = 1.2 * total_params * c.model_quantization_bits / 8.0;
        let gpus_needed = (memory_gb / c.gpu_memory).ceil();
        if !(1.0..=f64::from(u32::MAX)).contains(&gpus_needed) {
            return None;
        }
        let gpu_count = (gpus_needed as u64).next_power_of_two() as f64;
        let server_share = gpu_count / c.server_gpus;
        Some(Variant {
            gpu_count,
            gpu_energy_per_token_kwh: per_token_wh / 1000.0,
            latency_per_token_s,
            first_token_latency_s: ttft.unwrap_or(0.0),
            server_share,
            server_gpu_embodied_gwp: server_share * c.server_embodied_impact_gwp
                + gpu_count * c.gpu_embodied_impact_gwp,
        })
    }
}

impl ImpactModel {
    /// Loads the document `gls_engine.carbon.data.impact_data_json()` makes.
    pub fn from_json(json: &str) -> Result<Self> {
        let data: ImpactData = serde_json::from_str(json).map_err(invalid)?;
        if data.format_version != DATA_FORMAT_VERSION {
            return Err(invalid(format_args!(
                "format_version {} (this core reads {DATA_FORMAT_VERSION})",
                data.format_version
            )));
        }
        let c = data.llm.constants;

        let mut zone_gwp = HashMap::with_capacity(data.llm.electricity_mixes.len());
        for mix in data.llm.electricity_mixes {
            zone_gwp.insert(mix.zone, mix.gwp);
        }

        let mut provider_names: Vec<&String> = data.llm.providers.keys().collect();
        provider_names.sort();
        let providers: Vec<Provider> = provider_names
            .into_iter()
            .map(|name| {
                let p = &data.llm.providers[name];
                Provider {
                    name: name.clone(),
                    zone: p
                        .datacenter_location
                        .clone()
                        .unwrap_or_else(|| WORLD_ZONE.to_owned()),
                    pue: p.datacenter_pue,
                }
            })
            .collect();
        let provider_id: HashMap<&str, usize> = providers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.as_str(), i))
            .collect();

        let mut models = Vec::with_capacity(data.llm.models.len());
        for m in data.llm.models {
            // ecologits has no provider config for such a model and fails on it.
            let Some(&provider) = provider_id.get(m.provider.as_str()) else {
                continue;
            };
            let (total, active) = match m.architecture.parameters {
                ParametersData::MixtureOfExperts { total, active } => (total, active),
                ParametersData::Dense(p) => (p, p),
            };
            let low = Variant::new(&c, active.min(), total.min(), m.tps, m.ttft);
            let high = if total.is_range() || active.is_range() {
                Variant::new(&c, active.max(), total.max(), m.tps, m.ttft).map(Some)
            } else {
                Some(None)
            };
            // A model whose parameters make ecologits fail stays unknown.
            let (Some(low), Some(high)) = (low, high) else {
                continue;
            };
            models.push(LlmModel {
                provider,
                name: m.name,
                warnings: m.warnings,
                low,
                high,
            });
        }
        if models.len() > u32::MAX as usize {
            return Err(invalid("too many models"));
        }

        let index = matching::ModelIndex::new(
            providers.iter().map(|p| p.name.as_str()),
            models.iter().map(|m| (m.provider, m.name.as_str())),
        );
        let regions = zones::RegionTable::new(&data.cloud_regions, &zone_gwp)?;
        let power = compute::PowerModel::new(data.power_model)?;
        Ok(ImpactModel {
            ecologits_version: data.ecologits_version,
            server_power_kw: c.server_power,
            inverse_batch_size: 1.0 / c.batch_size,
            lifespan_times_batch: c.hardware_lifespan * c.batch_size,
            providers,
            models,
            zone_gwp,
            index,
            cache: matching::ResolveCache::default(),
            regions,
            power,
        })
    }

    /// Version of the ecologits package the data was exported from.
    pub fn ecologits_version(&self) -> &str {
        &self.ecologits_version
    }

    /// Number of LLM models known (ecologits' models and aliases).
    pub fn model_count(&self) -> usize {
        self.models.len()
    }

    /// The ecologits model a span's provider and model name stand for
    /// (cached: meant for the ingest hot path). Provider names may be the
    /// OpenTelemetry / OpenInference ones (`gcp.gemini`, `mistral_ai`, ...);
    /// see `matching` for the normalisation beyond ecologits' exact lookup.
    pub fn resolve(&self, provider: &str, model: &str) -> Option<ModelRef> {
        if let Some(hit) = self.cache.get(provider, model) {
            return hit;
        }
        let found = self.index.find(provider, model);
        self.cache.insert(provider, model, found);
        found
    }

    pub fn model_info(&self, model: ModelRef) -> ModelInfo<'_> {
        let m = &self.models[model.index()];
        ModelInfo {
            provider: &self.providers[m.provider].name,
            name: &m.name,
            warnings: &m.warnings,
            exact_match: model.is_exact(),
        }
    }

    /// Grid carbon intensity of an ecologits zone (ISO 3166-1 alpha-3 code,
    /// or `WOR` for the world average), in kgCO2eq/kWh.
    pub fn zone_intensity(&self, zone: &str) -> Option<f64> {
        self.zone_gwp.get(zone).copied()
    }

    /// Default zone of the model provider's data centres (ecologits' `datacenter_location`).
    pub fn provider_zone(&self, model: ModelRef) -> &str {
        &self.providers[self.models[model.index()].provider].zone
    }

    /// Impacts of one LLM request, as ecologits' `llm_impacts` computes them:
    /// `latency_s` is the measured request latency (`f64::INFINITY` when
    /// unknown, as ecologits does for `None`), `zone` the electricity zone
    /// (`None`: the provider's data-centre zone). `None` for an unknown zone
    /// or a latency that is NaN or negative.
    pub fn llm_impacts(
        &self,
        model: ModelRef,
        output_tokens: u64,
        latency_s: f64,
        zone: Option<&str>,
    ) -> Option<Impacts> {
        if latency_s.is_nan() || latency_s < 0.0 {
            return None;
        }
        let m = &self.models[model.index()];
        let provider = &self.providers[m.provider];
        let gwp = self.zone_intensity(zone.unwrap_or(&provider.zone))?;
        let tokens = output_tokens as f64;

        let (low_it_kwh, low_embodied) = self.evaluate(&m.low, tokens, latency_s);
        let (high_it_kwh, high_embodied) = match &m.high {
            Some(high) => self.evaluate(high, tokens, latency_s),
            None => (low_it_kwh, low_embodied),
        };
        // request_energy = PUE x IT energy; with a PUE range, min x low and max x high.
        let energy_min = provider.pue.min() * low_it_kwh;
        let energy_max = provider.pue.max() * high_it_kwh;
        Some(Impacts {
            energy_kwh: Estimate::between(energy_min, energy_max),
            usage_gwp_kgco2eq: Estimate::between(energy_min * gwp, energy_max * gwp),
            embodied_gwp_kgco2eq: Some(Estimate::between(low_embodied, high_embodied)),
        })
    }

    /// ecologits' DAG for one variant: (request IT energy in kWh, embodied GWP in kgCO2eq).
    fn evaluate(&self, v: &Variant, tokens: f64, request_latency_s: f64) -> (f64, f64) {
        let gpu_energy = tokens * v.gpu_energy_per_token_kwh;
        let gpu_latency = tokens * v.latency_per_token_s + v.first_token_latency_s;
        // generation_latency: the measured latency caps the modelled one.
        let generation_latency = if request_latency_s < gpu_latency {
            request_latency_s
        } else {
            gpu_latency
        };
        let server_energy = generation_latency / 3600.0
            * self.server_power_kw
            * v.server_share
            * self.inverse_batch_size;
        let it_energy = server_energy + v.gpu_count * gpu_energy;
        let embodied = generation_latency * v.server_gpu_embodied_gwp / self.lifespan_times_batch;
        (it_energy, embodied)
    }
}

#[cfg(test)]
mod tests;
