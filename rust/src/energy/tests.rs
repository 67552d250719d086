//! Tests of the energy model on a small excerpt of the exported data (the
//! full comparison with ecologits, over the whole installed data set, is
//! tests/carbon/test_energy.py).

use serde_json::json;

use super::*;

/// An excerpt of `gls_engine.carbon.data.export_impact_data()` with
/// ecologits 0.11.3: one model of each shape (MoE with an active-parameter
/// range, dense range and its alias, MoE, dense without deployment data,
/// dense with) and one ecologits could not evaluate.
fn data() -> serde_json::Value {
    json!({
        "format_version": 1,
        "ecologits_version": "0.11.3",
        "llm": {
            "constants": {
                "MODEL_QUANTIZATION_BITS": 16,
                "GPU_ENERGY_ALPHA": 1.1665273170451914e-06,
                "GPU_ENERGY_BETA": -0.011205921025579175,
                "GPU_ENERGY_GAMMA": 4.052928146734005e-05,
                "LATENCY_ALPHA": 0.0006785088094353663,
                "LATENCY_BETA": 0.0003119310311688259,
                "LATENCY_GAMMA": 0.019473717579473387,
                "GPU_MEMORY": 80,
                "GPU_EMBODIED_IMPACT_GWP": 273,
                "SERVER_GPUS": 8,
                "SERVER_POWER": 1.2,
                "SERVER_EMBODIED_IMPACT_GWP": 5700,
                "HARDWARE_LIFESPAN": 94608000,
                "BATCH_SIZE": 64
            },
            "providers": {
                "anthropic": {"datacenter_location": "USA",
                              "datacenter_pue": {"min": 1.09, "max": 1.14},
                              "datacenter_wue": {"min": 0.13, "max": 0.999}},
                "cohere": {"datacenter_location": "USA", "datacenter_pue": 1.09, "datacenter_wue": 0.999},
                "huggingface_hub": {"datacenter_location": "USA",
                                    "datacenter_pue": {"min": 1.09, "max": 1.14},
                                    "datacenter_wue": {"min": 0.13, "max": 0.99}},
                "mistralai": {"datacenter_location": "SWE", "datacenter_pue": 1.16, "datacenter_wue": 0.09},
                "openai": {"datacenter_location": "USA", "datacenter_pue": 1.2, "datacenter_wue": 0.569}
            },
            "models": [
                {"provider": "openai", "name": "gpt-4o",
                 "architecture": {"type": "moe", "parameters": {"total": 440, "active": {"min": 44, "max": 132}}},
                 "warnings": ["model-arch-not-released", "model-arch-multimodal"], "tps": 74.0, "ttft": 0.61},
                {"provider": "anthropic", "name": "claude-haiku-4-5-20251001",
                 "architecture": {"type": "dense", "parameters": {"min": 10, "max": 35}},
                 "warnings": ["model-arch-not-released"], "tps": 79.0, "ttft": 0.5},
                {"provider": "anthropic", "name": "claude-haiku-4-5",
                 "architecture": {"type": "dense", "parameters": {"min": 10, "max": 35}},
                 "warnings": ["model-arch-not-released"], "tps": 79.0, "ttft": 0.5},
                {"provider": "mistralai", "name": "mistral-small-2603",
                 "architecture": {"type": "moe", "parameters": {"total": 119, "active": 8}},
                 "warnings": [], "tps": 110.2, "ttft": 0.44},
                {"provider": "huggingface_hub", "name": "meta-llama/Meta-Llama-3.1-70B",
                 "architecture": {"type": "dense", "parameters": 70.55},
                 "warnings": [], "tps": null, "ttft": null},
                {"provider": "cohere", "name": "command-a-03-2025",
                 "architecture": {"type": "dense", "parameters": 111},
                 "warnings": [], "tps": 51.5, "ttft": 0.32},
                {"provider": "cohere", "name": "no-gpu-at-all",
                 "architecture": {"type": "dense", "parameters": 0},
                 "warnings": [], "tps": null, "ttft": null}
            ],
            "electricity_mixes": [
                {"zone": "FRA", "gwp": 0.04144},
                {"zone": "SWE", "gwp": 0.03526},
                {"zone": "USA", "gwp": 0.3844},
                {"zone": "WOR", "gwp": 0.45829}
            ]
        },
        "cloud_regions": {
            "aws": {"us-east-1": "USA", "eu-west-3": "FRA"},
            "gcp": {"europe-west9": "FRA", "europe-north1": "SWE"},
            "azure": {"francecentral": "FRA"}
        },
        "power_model": {
            "default_cpu_utilization": 0.5,
            "default_gpu_utilization": 0.5,
            "providers": {
                "aws": {"cpu_min_watts": 0.74, "cpu_max_watts": 3.5, "pue": 1.135}
            },
            "unknown_provider": {"cpu_min_watts": 0.74, "cpu_max_watts": 3.76, "pue": 1.58},
            "gpus": {
                "a100": {"min_watts": 46, "max_watts": 407},
                "p4": {"min_watts": 9, "max_watts": 76.5},
                "p40": {"min_watts": 30, "max_watts": 255}
            },
            "default_gpu": "a100"
        }
    })
}

fn model() -> ImpactModel {
    ImpactModel::from_json(&data().to_string()).expect("fixture loads")
}

/// (min, max) of energy, usage GWP and embodied GWP as ecologits 0.11.3's
/// `ecologits.tracers.utils.llm_impacts` returned them for these inputs.
/// (provider, model, output tokens, latency s, zone, [(min, max); 3])
type Case = (
    &'static str,
    &'static str,
    u64,
    f64,
    Option<&'static str>,
    [(f64, f64); 3],
);

const ECOLOGITS_RESULTS: &[Case] = &[
    (
        "openai",
        "gpt-4o",
        250,
        3.2,
        None,
        [
            (0.00035480076399313677, 0.000595321189892946),
            (0.0001363854136789618, 0.00022884146539484845),
            (8.333333333333334e-06, 8.333333333333334e-06),
        ],
    ),
    (
        "anthropic",
        "claude-haiku-4-5-20251001",
        800,
        12.0,
        Some("FRA"),
        [
            (4.784782167773317e-05, 0.0001260506250168151),
            (1.9828137303252623e-06, 5.2235379006968175e-06),
            (1.7295869593881858e-06, 3.4591739187763717e-06),
        ],
    ),
    (
        "mistralai",
        "mistral-small-2603",
        100,
        0.5,
        None,
        [
            (2.2429667616328948e-05, 2.2429667616328948e-05),
            (7.908700801517587e-07, 7.908700801517587e-07),
            (3.255208333333333e-07, 3.255208333333333e-07),
        ],
    ),
    (
        "huggingface_hub",
        "meta-llama/Meta-Llama-3.1-70B",
        500,
        1e9,
        Some("WOR"),
        [
            (0.0002998401214323496, 0.0003135942554430078),
            (0.00013741372925123147, 0.00014371711132697603),
            (2.841995445310655e-05, 2.841995445310655e-05),
        ],
    ),
    (
        "cohere",
        "command-a-03-2025",
        0,
        2.0,
        Some("SWE"),
        [
            (9.083333333333334e-07, 9.083333333333334e-07),
            (3.2027833333333336e-08, 3.2027833333333336e-08),
            (2.0833333333333333e-07, 2.0833333333333333e-07),
        ],
    ),
];

#[test]
fn agrees_with_ecologits_bit_for_bit() {
    let m = model();
    for &(provider, name, tokens, latency, zone, expected) in ECOLOGITS_RESULTS {
        let r = m.resolve(provider, name).expect("model known");
        assert!(r.is_exact(), "{name}");
        let got = m.llm_impacts(r, tokens, latency, zone).expect("impacts");
        let embodied = got.embodied_gwp_kgco2eq.expect("embodied");
        for (estimate, (min, max)) in [got.energy_kwh, got.usage_gwp_kgco2eq, embodied]
            .into_iter()
            .zip(expected)
        {
            assert_eq!((estimate.min, estimate.max), (min, max), "{name}");
            assert_eq!(estimate.value, (min + max) / 2.0, "{name}");
        }
    }
}

#[test]
fn usage_gwp_is_energy_times_zone_intensity() {
    let m = model();
    let r = m.resolve("openai", "gpt-4o").unwrap();
    for zone in ["FRA", "USA", "WOR"] {
        let got = m.llm_impacts(r, 400, 5.0, Some(zone)).unwrap();
        let gwp = m.zone_intensity(zone).unwrap();
        assert_eq!(got.usage_gwp_kgco2eq.min, got.energy_kwh.min * gwp);
        assert_eq!(got.usage_gwp_kgco2eq.max, got.energy_kwh.max * gwp);
    }
    // No zone: the provider's data centres (USA for openai).
    assert_eq!(
        m.llm_impacts(r, 400, 5.0, None),
        m.llm_impacts(r, 400, 5.0, Some("USA"))
    );
}

#[test]
fn measured_latency_caps_generation_time() {
    let m = model();
    let r = m.resolve("cohere", "command-a-03-2025").unwrap();
    // 1000 tokens at 51.5 tokens/s take ~19.7 s; a 1 s request uses 1 s.
    let short = m.llm_impacts(r, 1000, 1.0, None).unwrap();
    let long = m.llm_impacts(r, 1000, 100.0, None).unwrap();
    let unknown = m.llm_impacts(r, 1000, f64::INFINITY, None).unwrap();
    assert!(short.energy_kwh.value < long.energy_kwh.value);
    assert_eq!(long, unknown);
}

#[test]
fn unknowns_are_none() {
    let m = model();
    assert_eq!(m.resolve("openai", "gpt-99"), None);
    assert_eq!(
        m.resolve("nobody", "gpt-4o").map(ModelRef::is_exact),
        Some(false)
    );
    // A model ecologits cannot evaluate (no GPU needed: log2(0)) is unknown.
    assert_eq!(m.resolve("cohere", "no-gpu-at-all"), None);
    let r = m.resolve("openai", "gpt-4o").unwrap();
    assert_eq!(m.llm_impacts(r, 10, 1.0, Some("XXX")), None);
    assert_eq!(m.llm_impacts(r, 10, f64::NAN, None), None);
    assert_eq!(m.llm_impacts(r, 10, -1.0, None), None);
    assert_eq!(m.zone_intensity("usa"), None);
}

#[test]
fn resolve_is_cached_and_stable() {
    let m = model();
    let first = m.resolve("gcp.vertex_ai", "claude-haiku-4-5@20251001");
    assert_eq!(
        first,
        m.resolve("gcp.vertex_ai", "claude-haiku-4-5@20251001")
    );
    let info = m.model_info(first.expect("found across providers"));
    assert_eq!(
        (info.provider, info.name),
        ("anthropic", "claude-haiku-4-5")
    );
    assert!(!info.exact_match);
    assert_eq!(info.warnings, ["model-arch-not-released"]);
}

#[test]
fn bad_documents_are_errors() {
    assert!(ImpactModel::from_json("{}").is_err());
    let mut d = data();
    d["format_version"] = json!(2);
    assert!(ImpactModel::from_json(&d.to_string()).is_err());
    let mut d = data();
    d["cloud_regions"]["aws"]["us-east-1"] = json!("ATLANTIS");
    let e = ImpactModel::from_json(&d.to_string()).err().unwrap();
    assert!(e.to_string().contains("unknown zone ATLANTIS"), "{e}");
    let mut d = data();
    d["power_model"]["default_gpu"] = json!("h100");
    assert!(ImpactModel::from_json(&d.to_string()).is_err());
}

fn zone_of(m: &ImpactModel, attributes: &[(&str, &str)]) -> (String, ZoneSource) {
    let hints = ZoneHints::from_attributes(|key| {
        attributes.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    });
    let z = m.resolve_zone(&hints, "WOR");
    (z.zone.to_owned(), z.source)
}

#[test]
fn zone_order() {
    let m = model();
    let all = [
        ("gls.carbon.zone", "fra"),
        ("cloud.provider", "gcp"),
        ("cloud.region", "europe-north1"),
        ("gen_ai.system", "mistral_ai"),
    ];
    assert_eq!(zone_of(&m, &all), ("FRA".into(), ZoneSource::Explicit));
    assert_eq!(
        zone_of(&m, &all[1..]),
        ("SWE".into(), ZoneSource::CloudRegion)
    );
    assert_eq!(
        zone_of(&m, &all[3..]),
        ("SWE".into(), ZoneSource::LlmProvider)
    );
    assert_eq!(zone_of(&m, &[]), ("WOR".into(), ZoneSource::ProjectDefault));
    // An unknown explicit zone or region falls through to the next rule.
    let unknown = [
        ("gls.carbon.zone", "ATLANTIS"),
        ("cloud.region", "mars-north-1"),
        ("gen_ai.provider.name", "openai"),
    ];
    assert_eq!(
        zone_of(&m, &unknown),
        ("USA".into(), ZoneSource::LlmProvider)
    );
}

#[test]
fn cloud_regions() {
    let m = model();
    assert_eq!(m.cloud_region_zone(Some("aws"), "eu-west-3"), Some("FRA"));
    assert_eq!(m.cloud_region_zone(None, "eu-west-3"), Some("FRA"));
    assert_eq!(
        m.cloud_region_zone(Some("AZURE"), "France Central"),
        Some("FRA")
    );
    // A region of another provider than the one named does not match.
    assert_eq!(m.cloud_region_zone(Some("aws"), "europe-west9"), None);
    assert_eq!(m.cloud_region_zone(None, &"x".repeat(200)), None);
}

#[test]
fn compute_power_model() {
    let m = model();
    let kwh =
        |usage: ComputeUsage<'_>| m.compute_impacts(&usage, "FRA").map(|i| i.energy_kwh.value);
    assert_eq!(kwh(ComputeUsage::default()), None);
    // 3600 CPU-seconds at 50%: 7200 vCPU-seconds at 0.74 + 0.5 x (3.76 - 0.74) W, x PUE 1.58.
    let expected = 7200.0 * (0.74 + 0.5 * (3.76 - 0.74)) * 1.58 / 3_600_000.0;
    let cpu = ComputeUsage {
        cpu_seconds: Some(3600.0),
        ..Default::default()
    };
    assert_eq!(kwh(cpu), Some(expected));
    // Known provider: its watts and PUE; full utilisation: max watts.
    let aws = ComputeUsage {
        cpu_seconds: Some(3600.0),
        cpu_utilization: Some(1.0),
        cloud_provider: Some("aws"),
        ..Default::default()
    };
    assert_eq!(kwh(aws), Some(3600.0 * 3.5 * 1.135 / 3_600_000.0));
    // GPU model by substring, longest key first (P40, not P4); unknown -> default (A100).
    let gpu = |model| ComputeUsage {
        gpu_seconds: Some(100.0),
        gpu_model: model,
        ..Default::default()
    };
    let gpu_kwh = |min: f64, max: f64| 100.0 * (min + 0.5 * (max - min)) * 1.58 / 3_600_000.0;
    assert_eq!(kwh(gpu(Some("Tesla P40"))), Some(gpu_kwh(30.0, 255.0)));
    assert_eq!(kwh(gpu(Some("NVIDIA Tesla P4"))), Some(gpu_kwh(9.0, 76.5)));
    assert_eq!(kwh(gpu(Some("H100 80GB"))), Some(gpu_kwh(46.0, 407.0)));
    assert_eq!(kwh(gpu(None)), Some(gpu_kwh(46.0, 407.0)));
    // Invalid numbers count as absent.
    let bad = ComputeUsage {
        cpu_seconds: Some(-1.0),
        gpu_seconds: Some(f64::NAN),
        ..Default::default()
    };
    assert_eq!(kwh(bad), None);
    assert_eq!(m.compute_impacts(&cpu, "XXX"), None);
    let i = m.compute_impacts(&cpu, "FRA").unwrap();
    assert_eq!(i.usage_gwp_kgco2eq.value, expected * 0.04144);
    assert_eq!(i.embodied_gwp_kgco2eq, None);
}

#[test]
fn compute_usage_from_attributes() {
    let attrs = [
        ("process.cpu.time", "12.5"),
        ("gls.cpu.utilization", "0.25"),
        ("gls.gpu.seconds", "oops"),
        ("gls.gpu.model", "T4"),
    ];
    let u = ComputeUsage::from_attributes(|k| attrs.iter().find(|(a, _)| *a == k).map(|(_, v)| *v));
    assert_eq!(u.cpu_seconds, Some(12.5));
    assert_eq!(u.cpu_utilization, Some(0.25));
    assert_eq!(u.gpu_seconds, None);
    assert_eq!(u.gpu_model, Some("T4"));
    assert_eq!(u.cloud_provider, None);
}
