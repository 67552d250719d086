"""The Rust PriceBook against genai-prices' own `calc_price`, on the real data.

Every expected figure comes from genai-prices (the installed package) for the
same provider, model, time and token counts; nothing here is a number our
code produced.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from genai_prices import Usage, calc_price
from genai_prices import types as gp_types
from genai_prices.data import providers as gp_providers

from gls_engine._core import CoreError, PriceBook
from gls_engine.cli import main as gls_main
from gls_engine.costs import export_price_data, load_or_export, load_price_data, prices_path

UTC = dt.UTC
REL = 1e-9
# Our Usage field -> genai-prices' usage key.
GENAI_KEYS = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "cache_read_tokens": "cache_read_tokens",
    "cache_write_tokens": "cache_write_tokens",
    "reasoning_tokens": "output_reasoning_tokens",
}


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook(export_price_data().json)


def ns(t: dt.datetime) -> int:
    return (t - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1) * 1000


@dataclass(frozen=True)
class Case:
    provider: str
    model: str
    at: dt.datetime
    tokens: dict[str, int] = field(default_factory=dict)
    context: dict[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.provider or '-'}:{self.model}@{self.at:%Y-%m-%dT%H:%M}"


def reference(case: Case, provider_id: str | None = None) -> gp_types.PriceCalculation | None:
    """genai-prices' answer; None where it raises (unknown model or provider,
    inconsistent usage)."""
    usage = Usage(**{GENAI_KEYS[k]: v for k, v in case.tokens.items()})
    pid = provider_id if provider_id is not None else (case.provider or None)
    try:
        return calc_price(
            usage,
            case.model,
            provider_id=pid,
            genai_request_timestamp=case.at,
            price_context=case.context,
        )
    except (LookupError, ValueError):
        return None


def ours(book: PriceBook, case: Case) -> dict | None:
    return book.cost(
        case.provider, case.model, ns(case.at), price_context=case.context, **case.tokens
    )


def assert_agrees(book: PriceBook, case: Case, provider_id: str | None = None) -> dict | None:
    expected = reference(case, provider_id)
    got = ours(book, case)
    if expected is None:
        assert got is None, f"{case}: genai-prices cannot price it, we gave {got}"
        return None
    assert got is not None, f"{case}: genai-prices priced {expected}, we gave None"
    assert (got["provider"], got["model"]) == (expected.provider.id, expected.model.id), case
    for ours_key, theirs in (
        ("total", expected.total_price),
        ("input_total", expected.input_price),
        ("output_total", expected.output_price),
    ):
        assert math.isclose(got[ours_key], float(theirs), rel_tol=REL, abs_tol=1e-15), (
            f"{case} {ours_key}: {got[ours_key]} != {theirs}"
        )
    parts = sum(
        got[k] for k in ("input", "cache_read", "cache_write", "output", "reasoning", "other")
    )
    assert math.isclose(parts, got["total"], rel_tol=REL, abs_tol=1e-15)
    return got


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


PLAIN = {"input_tokens": 12_345, "output_tokens": 678}
CACHED = {"input_tokens": 50_000, "output_tokens": 2_000, "cache_read_tokens": 30_000}
CACHE_RW = {
    "input_tokens": 80_000,
    "output_tokens": 1_500,
    "cache_read_tokens": 40_000,
    "cache_write_tokens": 20_000,
}
REASONING = {"input_tokens": 9_000, "output_tokens": 5_000, "reasoning_tokens": 4_000}
LONG = {"input_tokens": 300_000, "output_tokens": 4_000, "cache_read_tokens": 100_000}
JUST_BELOW_200K = {"input_tokens": 200_000, "output_tokens": 1_000}
JUST_ABOVE_200K = {"input_tokens": 200_001, "output_tokens": 1_000}
T0 = at(2025, 9, 1, 12)

CASES = [
    # OpenAI
    Case("openai", "gpt-4o", T0, PLAIN),
    Case("openai", "gpt-4o-2024-08-06", T0, CACHED),
    Case("openai", "gpt-4o-mini", T0, CACHED),
    Case("openai", "GPT-4.1", T0, CACHED),
    Case("openai", "o1", T0, REASONING),
    Case("openai", "o3", at(2025, 6, 9, 23, 59), REASONING),  # price cut on 2025-06-10
    Case("openai", "o3", at(2025, 6, 10), REASONING),
    Case("openai", "gpt-5.4", T0, {"input_tokens": 272_000, "output_tokens": 100}),  # tier edge
    Case("openai", "gpt-5.4", T0, {"input_tokens": 272_001, "output_tokens": 100}),
    Case("openai", "gpt-5.6-sol", at(2026, 8, 20), CACHE_RW),  # changes 2026-08-21
    Case("openai", "gpt-5.6-sol", at(2026, 8, 21), CACHE_RW),
    Case("openai", "gpt-4o-mini", T0, PLAIN, {"processing": "batch"}),
    Case("openai", "gpt-3.5-turbo", at(2026, 11, 1), PLAIN, {"processing": "batch"}),
    Case("openai", "gpt-5.5-20260101", T0, PLAIN),  # compact date retried as -2026-01-01
    # Anthropic
    Case("anthropic", "claude-3-5-sonnet-20241022", T0, CACHE_RW),
    Case("anthropic", "claude-3-haiku-20240307", T0, CACHE_RW),
    Case("anthropic", "claude-3-7-sonnet-latest", T0, PLAIN),
    Case("anthropic", "claude-sonnet-4-5", T0, JUST_BELOW_200K),  # tiered at 200K
    Case("anthropic", "claude-sonnet-4-5", T0, JUST_ABOVE_200K),
    Case("anthropic", "claude-opus-4-6", at(2026, 3, 12), LONG),  # changes 2026-03-13
    Case("anthropic", "claude-opus-4-6", at(2026, 3, 13), LONG),
    Case("anthropic", "claude-fable-5-2", at(2026, 10, 1), CACHE_RW, {"processing": "batch"}),
    # Google
    Case("google", "gemini-2.5-pro", T0, JUST_BELOW_200K),
    Case("google", "gemini-2.5-pro", T0, JUST_ABOVE_200K),
    Case("google", "gemini-1.5-flash", T0, {"input_tokens": 150_000, "output_tokens": 10}),
    Case("google", "gemini-2.5-flash", T0, CACHED),
    Case("google", "gemini-2.5-flash", T0, CACHED, {"processing": "batch"}),
    Case("google", "gemini-3-pro-preview", at(2026, 1, 4), LONG),  # changes 2026-01-05
    Case("google", "gemini-3-pro-preview", at(2026, 1, 5), LONG),
    Case("google", "claude-3-5-sonnet", T0, CACHE_RW),  # Google's own Claude price
    # Mistral
    Case("mistral", "mistral-large-latest", T0, PLAIN),
    Case("mistral", "mistral-small-latest", at(2026, 3, 15), PLAIN),  # changes 2026-03-16
    Case("mistral", "mistral-small-latest", at(2026, 3, 16), PLAIN),
    Case("mistral", "codestral", T0, PLAIN, {"processing": "batch"}),
    Case("mistral", "ministral-8b-latest", at(2025, 12, 2), PLAIN),
    # Groq, DeepSeek (time-of-day prices), xAI, others
    Case("groq", "llama-3.3-70b-versatile", T0, PLAIN),
    Case("groq", "openai/gpt-oss-120b", T0, PLAIN, {"processing": "batch"}),
    Case("deepseek", "deepseek-chat", at(2025, 9, 1, 0, 29), CACHED),  # off-peak until 00:30
    Case("deepseek", "deepseek-chat", at(2025, 9, 1, 0, 30), CACHED),
    Case("deepseek", "deepseek-reasoner", at(2025, 9, 1, 16, 30), REASONING),
    Case("x-ai", "grok-4.20", at(2026, 4, 29), LONG),  # tiered, changes 2026-04-30
    Case("x-ai", "grok-4.20", at(2026, 4, 30), LONG),
    Case("cohere", "command-r-plus", T0, PLAIN),
    Case("perplexity", "sonar-deep-research", T0, REASONING),  # reasoning priced apart
    Case("aws", "global.anthropic.claude-haiku-5-5", T0, LONG),
    Case("azure", "gpt-4o", T0, CACHED),  # Azure falls back to OpenAI's models
    Case("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", T0, PLAIN),
    Case("openrouter", "anthropic/claude-3.5-sonnet", T0, PLAIN),
    # Provider named differently, or left out
    Case("Bedrock", "global.anthropic.claude-haiku-5-5", T0, PLAIN),  # provider_match
    Case("gcp.vertex_ai", "gemini-2.5-flash", T0, PLAIN),
    Case("mistral_ai", "mistral-large-latest", T0, PLAIN),
    Case("", "gpt-4o", T0, PLAIN),  # provider from the model's name
    Case("", "claude-3-5-haiku-latest", T0, CACHE_RW),
    Case("litellm", "anthropic/claude-3-haiku-20240307", T0, PLAIN),
    # Nothing to price
    Case("openai", "no-such-model", T0, PLAIN),
    Case("no-such-provider", "gpt-4o", T0, PLAIN),
    Case("", "my-own-llm", T0, PLAIN),
    # Inconsistent usage: genai-prices raises, we price nothing
    Case("openai", "gpt-4o", T0, {"input_tokens": 10, "cache_read_tokens": 11}),
    Case("anthropic", "claude-3-haiku", T0, {"cache_write_tokens": 5, "output_tokens": 1}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_table_agrees_with_genai_prices(book: PriceBook, case: Case) -> None:
    assert_agrees(book, case)


def test_table_covers_what_it_claims(book: PriceBook) -> None:
    """The table is not vacuous: most cases are priced, and the ones meant to
    differ by time, tier or context do give different prices."""
    priced = [c for c in CASES if reference(c) is not None]
    assert len(priced) >= 50
    assert len({c.provider for c in priced}) >= 12
    pairs = [
        (CASES[5], CASES[6]),
        (CASES[7], CASES[8]),
        (CASES[17], CASES[18]),
        (CASES[19], CASES[20]),
        (CASES[37], CASES[38]),
    ]
    for before, after in pairs:
        a, b = ours(book, before), ours(book, after)
        assert a is not None and b is not None and a["total"] != b["total"], (before, after)


def _every_model() -> Iterator[tuple[gp_types.Provider, gp_types.ModelInfo]]:
    for provider in gp_providers:
        for model in provider.models:
            yield provider, model


def _price_sets(model: gp_types.ModelInfo) -> list[gp_types.ModelPrice]:
    if isinstance(model.prices, list):
        return [c.prices for c in model.prices]
    return [model.prices]


def test_every_model_of_the_data(book: PriceBook) -> None:
    """Each model, called by its id through its provider, in two usages."""
    checked = 0
    for provider, model in _every_model():
        for tokens in (CACHE_RW, REASONING):
            assert_agrees(book, Case(provider.id, model.id, T0, tokens))
            checked += 1
    assert checked > 4000


def test_every_price_change_before_and_after(book: PriceBook) -> None:
    """Each start-date change: the instant before its UTC day and the start
    of it; each time-of-day window: either side of both edges."""
    seen = 0
    for provider, model in _every_model():
        if not isinstance(model.prices, list):
            continue
        for conditional in model.prices:
            c = conditional.constraint
            if isinstance(c, gp_types.StartDateConstraint):
                day = dt.datetime.combine(c.start_date, dt.time(), tzinfo=UTC)
                instants = [day - dt.timedelta(microseconds=1), day]
            elif isinstance(c, gp_types.TimeOfDateConstraint):
                instants = []
                for edge in (c.start_time, c.end_time):
                    edge_at = dt.datetime.combine(dt.date(2026, 5, 4), edge)
                    if edge_at.tzinfo is None:
                        edge_at = edge_at.replace(tzinfo=UTC)
                    instants += [edge_at - dt.timedelta(microseconds=1), edge_at]
            else:
                continue
            for instant in instants:
                assert_agrees(book, Case(provider.id, model.id, instant, CACHE_RW))
                seen += 1
    assert seen > 300


def test_every_tier_edge(book: PriceBook) -> None:
    """Each tier start: input tokens at it (base price) and one above."""
    seen = 0
    for provider, model in _every_model():
        starts = {
            tier.start
            for prices in _price_sets(model)
            for value in vars(prices).values()
            if isinstance(value, gp_types.TieredPrices)
            for tier in value.tiers
        }
        for start in sorted(starts):
            for input_tokens in (start, start + 1):
                tokens = {"input_tokens": input_tokens, "output_tokens": 1_000}
                assert_agrees(book, Case(provider.id, model.id, T0, tokens))
                seen += 1
    assert seen > 100


@pytest.mark.parametrize("tier", ["priority", "flex", "default", "fast"])
def test_service_tier_variants(book: PriceBook, tier: str) -> None:
    seen = 0
    for provider, model in _every_model():
        whens = [v.when for v in model.price_variants or ()]
        if {"service_tier": tier} in whens:
            assert_agrees(
                book, Case(provider.id, model.id, at(2026, 11, 1), CACHED, {"service_tier": tier})
            )
            seen += 1
    assert seen > 0


@pytest.mark.parametrize(
    ("otel_name", "genai_id", "model"),
    [
        ("x_ai", "x-ai", "grok-4.20"),
        ("gcp.gen_ai", "google", "gemini-2.5-pro"),
        ("azure.ai.openai", "azure", "gpt-4o"),
        ("az.ai.inference", "azure", "gpt-4o-mini"),
    ],
)
def test_otel_provider_names(book: PriceBook, otel_name: str, genai_id: str, model: str) -> None:
    """OTel semconv provider names genai-prices does not know are priced as
    the provider they name."""
    case = Case(otel_name, model, T0, CACHED)
    got = assert_agrees(book, case, provider_id=genai_id)
    assert got is not None and got["provider"] == genai_id


def test_resolve_names_the_genai_model(book: PriceBook) -> None:
    for provider, model in [
        ("openai", "gpt-4o-2024-08-06"),
        ("anthropic", "claude-3-5-sonnet-20241022"),
        ("", "gemini-2.5-flash"),
        ("azure", "gpt-4o-mini"),
        ("openai", "nope"),
    ]:
        ref = reference(Case(provider, model, T0, PLAIN))
        assert book.resolve(provider, model) == (ref.model.id if ref is not None else None)


def _override_reference(
    input_mtok: str, output_mtok: str, cache_read_mtok: str | None, tokens: dict[str, int]
) -> Decimal:
    """genai-prices' own calculation for a ModelPrice with the override's prices."""
    prices = gp_types.ModelPrice(
        input_mtok=Decimal(input_mtok),
        output_mtok=Decimal(output_mtok),
        cache_read_mtok=None if cache_read_mtok is None else Decimal(cache_read_mtok),
    )
    usage = Usage(**{GENAI_KEYS[k]: v for k, v in tokens.items()})
    return prices.calc_price(usage)["total_price"]


def test_project_overrides() -> None:
    data = export_price_data()
    overrides = [
        {
            "project": "lab",
            "model_pattern": "llama-3-ft-*",
            "input_per_mtok": 0.2,
            "output_per_mtok": 0.6,
        },
        {
            "project": "lab",
            "model_pattern": "gpt-4o",
            "input_per_mtok": 1.5,
            "output_per_mtok": 6.0,
            "cache_read_per_mtok": 0.3,
        },
    ]
    book = PriceBook(data.json, overrides=overrides)
    own = book.cost("vllm", "llama-3-ft-v2", ns(T0), project="lab", **CACHED)
    assert own is not None and own["source"] == "override" and own["provider"] == ""
    assert math.isclose(
        own["total"], float(_override_reference("0.2", "0.6", None, CACHED)), rel_tol=REL
    )
    fine = book.cost("openai", "GPT-4o", ns(T0), project="lab", **CACHED)
    assert fine is not None and fine["model"] == "gpt-4o" and fine["source"] == "override"
    assert math.isclose(
        fine["total"], float(_override_reference("1.5", "6", "0.3", CACHED)), rel_tol=REL
    )
    # Elsewhere: genai-prices, and nothing for the self-hosted model.
    assert_agrees(book, Case("openai", "gpt-4o", T0, CACHED))
    assert book.cost("vllm", "llama-3-ft-v2", ns(T0), project="other", **CACHED) is None
    assert book.resolve("vllm", "llama-3-ft-v2", project="lab") == "llama-3-ft-*"
    with pytest.raises(ValueError, match="unknown price override key"):
        PriceBook(data.json, overrides=[{**overrides[0], "inptu_per_mtok": 1.0}])
    with pytest.raises(CoreError, match="finite"):
        PriceBook(data.json, overrides=[{**overrides[0], "input_per_mtok": -1.0}])


def test_unreadable_data_is_refused() -> None:
    with pytest.raises(CoreError, match="invalid price data"):
        PriceBook("{}")
    doc = orjson.loads(export_price_data().json)
    doc["format"] = 99
    with pytest.raises(CoreError, match="format 99"):
        PriceBook(orjson.dumps(doc).decode())


def test_export_is_stable_and_versioned() -> None:
    import genai_prices

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = export_price_data(), export_price_data()
    assert a == b
    assert a.version == genai_prices.__version__
    doc = orjson.loads(a.json)
    assert len(doc["providers"]) == len(gp_providers)
    assert sum(len(p["models"]) for p in doc["providers"]) == sum(
        len(p.models) for p in gp_providers
    )


def test_cli_refresh_then_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import genai_prices

    data_dir = tmp_path / "data"
    assert gls_main(["prices", "show", "--data-dir", str(data_dir)]) == 0
    assert "no price data saved" in capsys.readouterr().out

    assert gls_main(["prices", "refresh", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    path = prices_path(data_dir)
    assert path.is_file() and str(path) in out
    saved = load_price_data(data_dir)
    assert saved is not None and saved == export_price_data()
    assert PriceBook(saved.json).data_version == genai_prices.__version__

    assert gls_main(["prices", "show", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"in use: genai-prices {genai_prices.__version__} (data {saved.digest[:12]})" in out
    assert "differs" not in out

    # A copy from another export is reported as differing, and kept until refreshed.
    doc = orjson.loads(path.read_text())
    doc["data_digest"] = "0" * 64
    path.write_bytes(orjson.dumps(doc))
    assert gls_main(["prices", "show", "--data-dir", str(data_dir)]) == 0
    assert "differs from the data in use" in capsys.readouterr().out
    assert load_or_export(data_dir).digest == "0" * 64
    assert gls_main(["prices", "refresh", "--data-dir", str(data_dir)]) == 0
    assert "replaced" in capsys.readouterr().out
    assert load_or_export(data_dir).digest == saved.digest


def test_load_or_export_saves_on_first_use(tmp_path: Path) -> None:
    data = load_or_export(tmp_path)
    assert prices_path(tmp_path).is_file()
    assert load_price_data(tmp_path) == data
