//! Energy of non-LLM spans (agents, tools) from the CPU and GPU time they
//! report, with the Cloud Carbon Footprint compute formula:
//!
//! average watts = min watts + utilisation x (max watts - min watts)
//!
//! per vCPU (CPU time is busy time, so the vCPU time allocated is
//! CPU seconds / utilisation) and per GPU (GPU seconds are device-seconds
//! held), then x PUE of the cloud provider. The coefficients are in
//! `power_model.json` (docs/carbon.md cites them). A span reporting neither
//! CPU nor GPU time has unknown energy (`None`), never zero.

use std::collections::HashMap;

use serde::Deserialize;

use super::{invalid, Estimate, ImpactModel, Impacts};
use crate::errors::Result;

/// CPU time of the span in seconds (first present wins).
pub const CPU_SECONDS_ATTRIBUTES: [&str; 2] = ["gls.cpu.seconds", "process.cpu.time"];
/// Share of the allocated vCPUs kept busy, in (0, 1].
pub const CPU_UTILIZATION_ATTRIBUTE: &str = "gls.cpu.utilization";
/// GPU device-seconds the span held (summed over devices).
pub const GPU_SECONDS_ATTRIBUTE: &str = "gls.gpu.seconds";
/// Average utilisation of those GPUs, in (0, 1].
pub const GPU_UTILIZATION_ATTRIBUTE: &str = "gls.gpu.utilization";
/// GPU model name, e.g. `NVIDIA A100-SXM4-80GB`, `Tesla T4`.
pub const GPU_MODEL_ATTRIBUTE: &str = "gls.gpu.model";

const CLOUD_PROVIDER_ATTRIBUTE: &str = super::zones::CLOUD_PROVIDER_ATTRIBUTE;

const WATT_SECONDS_PER_KWH: f64 = 3_600_000.0;

#[derive(Deserialize, Clone, Copy)]
struct CpuCoefficients {
    cpu_min_watts: f64,
    cpu_max_watts: f64,
    pue: f64,
}

#[derive(Deserialize, Clone, Copy)]
struct GpuCoefficients {
    min_watts: f64,
    max_watts: f64,
}

#[derive(Deserialize)]
pub(super) struct PowerModelData {
    default_cpu_utilization: f64,
    default_gpu_utilization: f64,
    providers: HashMap<String, CpuCoefficients>,
    unknown_provider: CpuCoefficients,
    gpus: HashMap<String, GpuCoefficients>,
    default_gpu: String,
}

pub(super) struct PowerModel {
    default_cpu_utilization: f64,
    default_gpu_utilization: f64,
    providers: HashMap<String, CpuCoefficients>,
    unknown_provider: CpuCoefficients,
    /// (key, watts), longest key first: `p40` must win over `p4`.
    gpus: Vec<(String, GpuCoefficients)>,
    default_gpu: GpuCoefficients,
}

impl PowerModel {
    pub(super) fn new(data: PowerModelData) -> Result<Self> {
        let default_gpu = *data
            .gpus
            .get(&data.default_gpu)
            .ok_or_else(|| invalid(format_args!("default_gpu {} not in gpus", data.default_gpu)))?;
        for u in [data.default_cpu_utilization, data.default_gpu_utilization] {
            if !is_utilization(u) {
                return Err(invalid(format_args!("default utilisation {u}")));
            }
        }
        let mut gpus: Vec<_> = data
            .gpus
            .into_iter()
            .map(|(key, watts)| (key.to_ascii_lowercase(), watts))
            .collect();
        gpus.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Ok(PowerModel {
            default_cpu_utilization: data.default_cpu_utilization,
            default_gpu_utilization: data.default_gpu_utilization,
            providers: data
                .providers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            unknown_provider: data.unknown_provider,
            gpus,
            default_gpu,
        })
    }

    fn cpu_coefficients(&self, cloud_provider: Option<&str>) -> CpuCoefficients {
        cloud_provider
            .and_then(|p| self.providers.get(p.trim().to_ascii_lowercase().as_str()))
            .copied()
            .unwrap_or(self.unknown_provider)
    }

    /// The table entry whose key is in the model name (letters and digits only).
    fn gpu_coefficients(&self, gpu_model: Option<&str>) -> GpuCoefficients {
        let Some(model) = gpu_model else {
            return self.default_gpu;
        };
        let squeezed: String = model
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        self.gpus
            .iter()
            .find(|(key, _)| squeezed.contains(key.as_str()))
            .map_or(self.default_gpu, |(_, watts)| *watts)
    }
}

fn is_seconds(s: f64) -> bool {
    s.is_finite() && s >= 0.0
}

fn is_utilization(u: f64) -> bool {
    u > 0.0 && u <= 1.0
}

/// What a non-LLM span reports about its compute. Invalid numbers (negative,
/// NaN, infinite; a utilisation outside (0, 1]) count as absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComputeUsage<'a> {
    pub cpu_seconds: Option<f64>,
    pub cpu_utilization: Option<f64>,
    pub gpu_seconds: Option<f64>,
    pub gpu_utilization: Option<f64>,
    pub gpu_model: Option<&'a str>,
    /// `cloud.provider` (`aws`, `gcp`, `azure`): picks CPU watts and PUE.
    pub cloud_provider: Option<&'a str>,
}

impl<'a> ComputeUsage<'a> {
    /// Reads the usage with `get(attribute name)` (values as text, as the
    /// span batch stores them).
    pub fn from_attributes(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let number = |key: &str| get(key).and_then(|v| v.trim().parse::<f64>().ok());
        ComputeUsage {
            cpu_seconds: CPU_SECONDS_ATTRIBUTES.iter().find_map(|key| number(key)),
            cpu_utilization: number(CPU_UTILIZATION_ATTRIBUTE),
            gpu_seconds: number(GPU_SECONDS_ATTRIBUTE),
            gpu_utilization: number(GPU_UTILIZATION_ATTRIBUTE),
            gpu_model: get(GPU_MODEL_ATTRIBUTE),
            cloud_provider: get(CLOUD_PROVIDER_ATTRIBUTE),
        }
    }
}

impl ImpactModel {
    /// Energy and usage carbon of a non-LLM span in `zone`; `None` when it
    /// reports no CPU or GPU time or the zone is unknown. Point estimates
    /// (min = value = max), no embodied share.
    pub fn compute_impacts(&self, usage: &ComputeUsage<'_>, zone: &str) -> Option<Impacts> {
        let gwp = self.zone_intensity(zone)?;
        let cpu_seconds = usage.cpu_seconds.filter(|&s| is_seconds(s));
        let gpu_seconds = usage.gpu_seconds.filter(|&s| is_seconds(s));
        if cpu_seconds.is_none() && gpu_seconds.is_none() {
            return None;
        }
        let power = &self.power;
        let cpu = power.cpu_coefficients(usage.cloud_provider);
        let mut watt_seconds = 0.0;
        if let Some(busy) = cpu_seconds {
            let u = usage
                .cpu_utilization
                .filter(|&u| is_utilization(u))
                .unwrap_or(power.default_cpu_utilization);
            let allocated = busy / u;
            watt_seconds +=
                allocated * (cpu.cpu_min_watts + u * (cpu.cpu_max_watts - cpu.cpu_min_watts));
        }
        if let Some(held) = gpu_seconds {
            let gpu = power.gpu_coefficients(usage.gpu_model);
            let u = usage
                .gpu_utilization
                .filter(|&u| is_utilization(u))
                .unwrap_or(power.default_gpu_utilization);
            watt_seconds += held * (gpu.min_watts + u * (gpu.max_watts - gpu.min_watts));
        }
        let energy_kwh = watt_seconds * cpu.pue / WATT_SECONDS_PER_KWH;
        Some(Impacts {
            energy_kwh: Estimate::exact(energy_kwh),
            usage_gwp_kgco2eq: Estimate::exact(energy_kwh * gwp),
            embodied_gwp_kgco2eq: None,
        })
    }
}
