"""The Rust ImpactModel against ecologits' own functions, on the installed data.

Every LLM figure (energy, usage GWP, embodied GWP: value, min and max) must be
exactly what ecologits computes for the same inputs: the Rust code mirrors
its formulas in the same floating-point order, so the comparison is `==`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pytest
from ecologits.electricity_mix_repository import electricity_mixes
from ecologits.impacts.llm import compute_llm_impacts
from ecologits.model_repository import ParametersMoE, models
from ecologits.tracers.utils import PROVIDER_CONFIG_MAP, llm_impacts
from ecologits.utils.range_value import RangeValue

from gls_engine.carbon import (
    ImpactModel,
    default_impact_model,
    ecologits_version,
    export_impact_data,
)
from gls_engine.carbon.data import CLOUD_REGIONS_PATH

from carbon.ccf_published import CPU, GPU_WATTS, REGION_COUNTRY, UNKNOWN_PROVIDER, ccf_kwh


@pytest.fixture(scope="module")
def impact_model() -> ImpactModel:
    return default_impact_model()


def triple(v: float | RangeValue) -> tuple[float, float, float]:
    """(value, min, max) as our Estimate states an ecologits number or range."""
    if isinstance(v, RangeValue):
        return (v.mean, v.min, v.max)
    return (v, v, v)


def ours(e: Mapping[str, Any]) -> tuple[float, float, float]:
    return (e["value"], e["min"], e["max"])


def assert_same(got: Mapping[str, Any], impacts: Any) -> None:
    """`impacts`: an ecologits ImpactsOutput or Impacts."""
    assert ours(got["energy_kwh"]) == triple(impacts.energy.value)
    assert ours(got["usage_gwp_kgco2eq"]) == triple(impacts.usage.gwp.value)
    assert ours(got["embodied_gwp_kgco2eq"]) == triple(impacts.embodied.gwp.value)


# (provider, model, output tokens, request latency s, zone or None for the provider's)
CASES = [
    # MoE with an active-parameter range, tps/ttft deployment data
    ("openai", "gpt-4o", 250, 3.2, None),
    ("openai", "gpt-4o", 4096, 20.0, "FRA"),
    ("openai", "gpt-4o-mini", 57, 0.9, "DEU"),
    ("openai", "gpt-4.1-nano", 1, 0.4, None),
    ("openai", "o3-mini", 2000, 600.0, "IND"),
    ("openai", "gpt-5", 12000, 90.0, "USA"),
    # ecologits alias (gpt-35-turbo -> gpt-3.5-turbo)
    ("openai", "gpt-35-turbo", 300, 2.0, None),
    ("google_genai", "gemini-2.5-flash", 800, 7.5, None),
    ("google_genai", "gemini-2.5-pro", 3000, 45.0, "CHN"),
    # ttft without tps: latency from the regression
    ("google_genai", "gemini-2.5-flash-image", 1290, 30.0, None),
    # dense with a parameter range
    ("google_genai", "gemini-2.5-flash-lite", 150, 1.1, "SWE"),
    ("anthropic", "claude-haiku-4-5-20251001", 800, 12.0, "FRA"),
    ("anthropic", "claude-haiku-4-5", 20, 0.3, None),
    ("anthropic", "claude-sonnet-4-5", 1500, 40.0, "WOR"),
    ("anthropic", "claude-opus-4-6", 5000, 150.0, None),
    ("mistralai", "magistral-medium-latest", 700, 9.0, None),
    ("mistralai", "mistral-medium-latest", 700, 1e6, "BRA"),
    # MoE with fixed counts
    ("mistralai", "mistral-small-2603", 100, 0.5, None),
    ("mistralai", "mistral-large-2512", 2500, 50.0, "FRA"),
    ("mistralai", "glm-5-2", 400, 6.0, None),
    ("mistralai", "zai-glm-5", 400, 6.0, "USA"),
    ("cohere", "command-a-plus-05-2026", 640, 5.0, None),
    ("huggingface_hub", "mistralai/Mixtral-8x22B-Instruct-v0.1", 512, 14.0, None),
    ("huggingface_hub", "databricks/dbrx-instruct", 512, 0.2, "GBR"),
    # dense with fixed counts, with and without deployment data
    ("cohere", "command-a-03-2025", 0, 2.0, "SWE"),
    ("cohere", "command-r-plus-08-2024", 90, 16.0, None),
    ("cohere", "c4ai-aya-expanse-32b", 333, 3.3, "JPN"),
    ("mistralai", "codestral-2508", 60, 0.0, None),
    ("mistralai", "ministral-3b-latest", 10000, 30.0, "IRL"),
    ("huggingface_hub", "meta-llama/Meta-Llama-3.1-70B", 500, 1e9, "WOR"),
    ("huggingface_hub", "meta-llama/Meta-Llama-3.1-405B-Instruct", 64, 8.0, None),
    ("huggingface_hub", "meta-llama/Prompt-Guard-86M", 3, 0.05, "AUS"),
    ("google_genai", "gemma-4-26b-a4b-it", 256, 12.0, None),
]


@pytest.mark.parametrize(("provider", "model", "tokens", "latency", "zone"), CASES)
def test_llm_impacts_equal_ecologits(
    impact_model: ImpactModel,
    provider: str,
    model: str,
    tokens: int,
    latency: float,
    zone: str | None,
) -> None:
    expected = llm_impacts(provider, model, tokens, latency, zone)
    assert not expected.has_errors
    got = impact_model.llm_impacts(provider, model, tokens, latency, zone)
    assert got is not None
    assert_same(got, expected)
    assert (got["provider"], got["model"], got["exact_match"]) == (provider, model, True)
    assert got["zone"] == (zone or PROVIDER_CONFIG_MAP[provider].datacenter_location)
    found = models.find_model(provider, model)
    assert found is not None
    assert got["warnings"] == [w.code for w in found.warnings]


def _params(provider: str, model: str) -> tuple[Any, Any, Any]:
    """(total, active, deployment) of an ecologits model."""
    m = models.find_model(provider, model)
    assert m is not None
    p = m.architecture.parameters
    if isinstance(p, ParametersMoE):
        return p.total, p.active, m.deployment
    return p, p, m.deployment


@pytest.mark.parametrize(
    ("provider", "model", "tokens", "zone"),
    [
        ("openai", "gpt-4o", 800, "USA"),
        ("anthropic", "claude-haiku-4-5", 120, "FRA"),
        ("huggingface_hub", "meta-llama/Meta-Llama-3.1-8B", 2048, "WOR"),
        ("mistralai", "zai-glm-5", 64, "SWE"),
    ],
)
def test_unknown_latency_equals_ecologits_none(
    impact_model: ImpactModel, provider: str, model: str, tokens: int, zone: str
) -> None:
    # ecologits' compute_llm_impacts takes request_latency=None as unbounded.
    total, active, deployment = _params(provider, model)
    config = PROVIDER_CONFIG_MAP[provider]
    mix = electricity_mixes.find_electricity_mix(zone)
    assert mix is not None
    expected = compute_llm_impacts(
        model_active_parameter_count=active,
        model_total_parameter_count=total,
        output_token_count=tokens,
        if_electricity_mix_adpe=mix.adpe,
        if_electricity_mix_pe=mix.pe,
        if_electricity_mix_gwp=mix.gwp,
        if_electricity_mix_wue=mix.wue,
        datacenter_pue=config.datacenter_pue,
        datacenter_wue=config.datacenter_wue,
        request_latency=None,
        tps=deployment.tps if deployment else None,
        ttft=deployment.ttft if deployment else None,
    )
    got = impact_model.llm_impacts(provider, model, tokens, None, zone)
    assert got is not None
    assert_same(got, expected)


def test_every_model_equals_ecologits(impact_model: ImpactModel) -> None:
    """The whole installed model list, at a short and a long request."""
    checked = 0
    for m in models.list_models():
        provider = m.provider.value
        for tokens, latency, zone in [(37, 0.8, None), (3000, 120.0, "FRA")]:
            expected = llm_impacts(provider, m.name, tokens, latency, zone)
            got = impact_model.llm_impacts(provider, m.name, tokens, latency, zone)
            assert got is not None, m.name
            assert_same(got, expected)
            checked += 1
    assert checked == 2 * len(models.list_models()) > 600


def test_usage_gwp_is_energy_times_intensity(impact_model: ImpactModel) -> None:
    for zone in ["USA", "FRA", "SWE", "CHN", "WOR"]:
        got = impact_model.llm_impacts("openai", "gpt-4o", 500, 6.0, zone)
        assert got is not None
        intensity = impact_model.zone_intensity(zone)
        mix = electricity_mixes.find_electricity_mix(zone)
        assert mix is not None and intensity == mix.gwp
        assert got["usage_gwp_kgco2eq"]["min"] == got["energy_kwh"]["min"] * intensity
        assert got["usage_gwp_kgco2eq"]["max"] == got["energy_kwh"]["max"] * intensity


def test_unknowns_are_none(impact_model: ImpactModel) -> None:
    assert llm_impacts("openai", "gpt-unknown", 10, 1.0).has_errors
    assert impact_model.llm_impacts("openai", "gpt-unknown", 10, 1.0) is None
    assert impact_model.llm_impacts("", "", 10, 1.0) is None
    assert llm_impacts("openai", "gpt-4o", 10, 1.0, "XXX").has_errors
    assert impact_model.llm_impacts("openai", "gpt-4o", 10, 1.0, "XXX") is None
    assert impact_model.llm_impacts("openai", "gpt-4o", 10, -1.0) is None
    assert impact_model.llm_impacts("openai", "gpt-4o", 10, math.nan) is None
    assert impact_model.zone_intensity("XXX") is None


@pytest.mark.parametrize(
    ("provider", "model", "ecologits_key"),
    [
        ("gcp.gemini", "models/gemini-2.5-flash", ("google_genai", "gemini-2.5-flash")),
        ("gcp.vertex_ai", "gemini-2.5-pro", ("google_genai", "gemini-2.5-pro")),
        ("mistral_ai", "mistral-small-2603", ("mistralai", "mistral-small-2603")),
        ("azure.ai.openai", "gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("OpenAI", "GPT-4o", ("openai", "gpt-4o")),
        ("openai", "gpt-4.1-2099-01-01", ("openai", "gpt-4.1")),
        ("litellm", "anthropic/claude-opus-4-6", ("anthropic", "claude-opus-4-6")),
        (
            "aws.bedrock",
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            ("anthropic", "claude-sonnet-4-5-20250929"),
        ),
        ("gcp.vertex_ai", "claude-haiku-4-5@20251001", ("anthropic", "claude-haiku-4-5")),
        ("", "meta-llama/Meta-Llama-3.1-8B-Instruct", None),
        ("openai", "meta-llama/Meta-Llama-3.1-8B-Instruct", None),
    ],
)
def test_names_as_spans_carry_them(
    impact_model: ImpactModel,
    provider: str,
    model: str,
    ecologits_key: tuple[str, str] | None,
) -> None:
    key = ecologits_key or ("huggingface_hub", model)
    resolved = impact_model.resolve_model(provider, model)
    assert resolved is not None and resolved[:2] == key
    # The impacts are ecologits' for the model matched (zone: its provider's).
    got = impact_model.llm_impacts(provider, model, 300, 4.0)
    assert got is not None
    assert_same(got, llm_impacts(key[0], key[1], 300, 4.0))


def test_data_document() -> None:
    data = export_impact_data()
    assert data["ecologits_version"] == ecologits_version()
    assert len(data["llm"]["models"]) == len(models.list_models())
    assert len(data["llm"]["electricity_mixes"]) == len(electricity_mixes.list_electricity_mixes())
    assert set(data["llm"]["providers"]) == set(PROVIDER_CONFIG_MAP)
    # Every zone of our region table is an ecologits zone.
    regions = json.loads(CLOUD_REGIONS_PATH.read_text())["regions"]
    for table in regions.values():
        for zone in table.values():
            assert electricity_mixes.find_electricity_mix(zone) is not None, zone


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        # 1. explicit zone (any case)
        ({"gls.carbon.zone": "fra", "cloud.region": "us-east-1"}, "FRA"),
        ({"gls.carbon.zone": "SWE", "gen_ai.system": "openai"}, "SWE"),
        # an unknown explicit zone falls through
        ({"gls.carbon.zone": "ATLANTIS", "cloud.region": "eu-west-1"}, "IRL"),
        # 2. cloud region, with or without cloud.provider
        # (zones: the regions' countries as published, see ccf_published.REGION_COUNTRY)
        ({"cloud.provider": "aws", "cloud.region": "eu-central-1"}, "DEU"),
        ({"cloud.provider": "gcp", "cloud.region": "europe-north1"}, "FIN"),
        ({"cloud.provider": "azure", "cloud.region": "francecentral"}, "FRA"),
        ({"cloud.region": "West Europe"}, "NLD"),
        ({"cloud.region": "asia-northeast1", "gen_ai.system": "openai"}, "JPN"),
        # 3. the LLM provider's data centres, as ecologits places them
        (
            {"gen_ai.provider.name": "mistral_ai"},
            PROVIDER_CONFIG_MAP["mistralai"].datacenter_location,
        ),
        ({"gen_ai.system": "openai"}, PROVIDER_CONFIG_MAP["openai"].datacenter_location),
        ({"llm.provider": "anthropic"}, PROVIDER_CONFIG_MAP["anthropic"].datacenter_location),
        (
            {"cloud.region": "mars-1", "gen_ai.system": "cohere"},
            PROVIDER_CONFIG_MAP["cohere"].datacenter_location,
        ),
        # 4. project default
        ({}, "DEU"),
        ({"gen_ai.system": "self-hosted", "cloud.region": 7}, "DEU"),
    ],
)
def test_zone_resolution(
    impact_model: ImpactModel, attributes: dict[str, object], expected: str
) -> None:
    assert impact_model.resolve_zone(attributes, "DEU") == expected


def test_project_default_is_canonical(impact_model: ImpactModel) -> None:
    assert impact_model.resolve_zone({}, "fra") == "FRA"
    assert impact_model.resolve_zone({}, "nowhere") == "nowhere"


@pytest.mark.parametrize(
    ("provider", "region"),
    [(provider, region) for provider, table in REGION_COUNTRY.items() for region in table],
)
def test_every_region_is_in_its_published_country(
    impact_model: ImpactModel, provider: str, region: str
) -> None:
    country = REGION_COUNTRY[provider][region]
    assert impact_model.resolve_zone(
        {"cloud.provider": provider, "cloud.region": region}, "WOR"
    ) == (country)


def test_region_table_has_only_published_regions() -> None:
    """A region added to the table needs its published country in ccf_published."""
    regions = json.loads(CLOUD_REGIONS_PATH.read_text())["regions"]
    assert {p: set(t) for p, t in regions.items()} == {p: set(t) for p, t in REGION_COUNTRY.items()}


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure", None])
@pytest.mark.parametrize("utilization", [None, 0.3, 1.0])
def test_cpu_energy_follows_ccf_published_coefficients(
    impact_model: ImpactModel, provider: str | None, utilization: float | None
) -> None:
    coefficients = CPU[provider] if provider else UNKNOWN_PROVIDER
    intensity = impact_model.zone_intensity("FRA")
    assert intensity is not None
    # 900 s of busy CPU time: 1800 vCPU-seconds allocated at the default 50%.
    got = impact_model.compute_impacts(
        zone="FRA", cpu_seconds=900.0, cpu_utilization=utilization, cloud_provider=provider
    )
    if utilization is None:
        expected = ccf_kwh(coefficients, cpu_seconds=900.0)
    else:
        expected = ccf_kwh(coefficients, cpu_seconds=900.0, cpu_utilization=utilization)
    assert got is not None
    assert got["energy_kwh"]["value"] == pytest.approx(expected, rel=1e-12)
    assert got["usage_gwp_kgco2eq"]["value"] == pytest.approx(expected * intensity, rel=1e-12)
    assert got["embodied_gwp_kgco2eq"] is None


def test_ccf_oracle_by_hand() -> None:
    """The oracle itself, worked by hand from CCF's figures: AWS, 1 vCPU-hour at 50%:
    (0.74 + 0.5 x (3.5 - 0.74)) W x 1 h x 1.135 = 2.4062 Wh."""
    assert ccf_kwh(CPU["aws"], cpu_seconds=1800.0) == pytest.approx(2.4062e-3, rel=1e-12)


@pytest.mark.parametrize(
    ("gpu_model", "table_key"),
    [
        ("NVIDIA Tesla T4", "t4"),
        ("NVIDIA A100-SXM4-80GB", "a100"),
        ("NVIDIA A10G", "a10g"),
        ("Tesla V100-SXM2-16GB", "v100"),
        ("Tesla P100", "p100"),
        ("Tesla P40", "p40"),
        ("Tesla P4", "p4"),
        ("Tesla K80", "k80"),
        ("Tesla M60", "m60"),
        ("GRID K520", "k520"),
        ("AMD Radeon Pro V520", "v520"),
        ("Xilinx Alveo U250", "u250"),
        # not in CCF's table: counted as an A100 (docs/carbon.md)
        ("B200", "a100"),
        (None, "a100"),
    ],
)
def test_gpu_energy_follows_ccf_appendix_iii(
    impact_model: ImpactModel, gpu_model: str | None, table_key: str
) -> None:
    assert table_key in GPU_WATTS
    got = impact_model.compute_impacts(
        zone="FRA", gpu_seconds=1800.0, gpu_model=gpu_model, cloud_provider="gcp"
    )
    assert got is not None
    expected = ccf_kwh(CPU["gcp"], gpu_seconds=1800.0, gpu=table_key)
    assert got["energy_kwh"]["value"] == pytest.approx(expected, rel=1e-12)


def test_cpu_and_gpu_add_up(impact_model: ImpactModel) -> None:
    got = impact_model.compute_impacts(
        zone="FRA", cpu_seconds=36.0, gpu_seconds=36.0, gpu_model="T4", gpu_utilization=0.8
    )
    expected = ccf_kwh(
        UNKNOWN_PROVIDER, cpu_seconds=36.0, gpu_seconds=36.0, gpu="t4", gpu_utilization=0.8
    )
    assert got is not None
    assert got["energy_kwh"]["value"] == pytest.approx(expected, rel=1e-12)


def test_compute_without_usage_is_unknown(impact_model: ImpactModel) -> None:
    assert impact_model.compute_impacts(zone="FRA") is None
    assert impact_model.compute_impacts(zone="FRA", cpu_seconds=-3.0) is None
    assert impact_model.compute_impacts(zone="XXX", cpu_seconds=3.0) is None
    zero = impact_model.compute_impacts(zone="FRA", cpu_seconds=0.0)
    assert zero is not None and zero["energy_kwh"]["value"] == 0.0


def test_bad_document_is_core_error() -> None:
    from gls_engine._core import CoreError

    with pytest.raises(CoreError, match="invalid impact data"):
        ImpactModel("{}")
