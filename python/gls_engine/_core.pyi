"""Type stub of the Rust extension `gls_engine._core`, written by hand from
its bindings in rust/src/python/ (mod.rs, pricing.rs, energy.rs, enrich.rs,
sketch.rs) and checked against the built module by mypy's stubtest
(scripts/test.sh). The batch columns are in docs/span-schema.md.

The classes are PyO3 classes: built by `__new__`, and not subclassable
(`final`)."""

from typing import Any, Literal, Self, TypedDict, final

import pyarrow

__all__ = [
    "CoreError",
    "DecodeError",
    "BodyTooLargeError",
    "DecodedBatch",
    "decode_traces",
    "encode_export_response",
    "span_schema",
    "__version__",
    "PriceBook",
    "ImpactModel",
    "Enricher",
    "QuantileSketch",
    "sketch_rows",
    "sketch_delta_schema",
    "estimate_tokens",
    "estimate_completion_tokens",
    "token_encoding_for_model",
]

__version__: str

class CoreError(Exception):
    """Base class of every error raised by the core. Raised as such (not as
    DecodeError) only for server-side mistakes, e.g. an invalid default_project."""

class DecodeError(CoreError, ValueError):
    """The request cannot be decoded at all (HTTP 400 / gRPC INVALID_ARGUMENT).
    The message names what was wrong: "invalid protobuf: ...", "invalid JSON at
    line L column C: ...", "invalid gzip stream: ...", "string field is not
    valid UTF-8 (...)", "attribute value nested deeper than 64 levels"."""

class BodyTooLargeError(DecodeError):
    """The (inflated) body is larger than max_body_bytes (HTTP 413)."""

@final
class DecodedBatch:
    """The accepted spans of one request, as one Arrow record batch."""

    @property
    def accepted_spans(self) -> int: ...
    @property
    def rejected_spans(self) -> int: ...
    @property
    def rejection_message(self) -> str:
        """ "" when nothing was rejected, else e.g. "rejected 3 of 10 spans:
        2 invalid trace_id (must be 16 bytes, not all zero); 1 end_time before start_time"."""
    @property
    def projects(self) -> list[str]:
        """Distinct projects of the accepted spans, in order of appearance."""
    def record_batch(self) -> pyarrow.RecordBatch:
        """The spans (schema == span_schema()); zero-copy, callable more than once."""
    def __len__(self) -> int:
        """accepted_spans"""

def decode_traces(
    body: bytes,
    *,
    json: bool = False,
    gzip: bool = False,
    max_body_bytes: int = 20 * 1024 * 1024,
    default_project: str = "default",
    project_override: str | None = None,
    received_ns: int,
    oldest_start_ns: int = 0,
    enricher: Enricher | None = None,
) -> DecodedBatch:
    """Decodes an OTLP ExportTraceServiceRequest (protobuf, or OTLP/JSON with
    json=True; gzip-compressed with gzip=True). Releases the GIL while working.
    Spans starting before oldest_start_ns (the retention cutoff; 0: none) are
    rejected as past the retention.

    Raises DecodeError (BodyTooLargeError when the body, inflated, passes
    max_body_bytes); CoreError when default_project is not a valid project name.
    Spans breaking the rules of the schema doc are rejected, not raised."""

def encode_export_response(
    rejected_spans: int = 0, error_message: str = "", *, json: bool = False
) -> bytes:
    """An ExportTraceServiceResponse; partial_success only when rejected_spans > 0
    or error_message. JSON: {} or {"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}}."""

def span_schema() -> pyarrow.Schema:
    """The Arrow schema of every DecodedBatch.record_batch()."""

# --- pricing (rust/src/python/pricing.rs) ---

class _Cost(TypedDict):
    provider: str  # genai-prices provider id resolved through ("" for an override)
    model: str  # genai-prices model id, or the override's model pattern
    source: Literal["genai-prices", "override"]
    input: float  # USD: input tokens not read from / written to the cache
    cache_read: float
    cache_write: float
    output: float  # output tokens other than separately priced reasoning
    reasoning: float
    other: float  # per-request fees
    input_total: float  # genai-prices' input_price
    output_total: float  # genai-prices' output_price
    total: float  # genai-prices' total_price

@final
class PriceBook:
    """LLM prices from the genai-prices data (JSON of
    gls_engine.costs.export_price_data), agreeing with genai_prices.calc_price.
    Raises CoreError for data it cannot read or an invalid override.

    overrides: per-project prices checked before genai-prices for that project,
    each a dict with project, model_pattern (exact name, or a prefix ending in
    "*"), input_per_mtok, output_per_mtok, and optional cache_read_per_mtok /
    cache_write_per_mtok (missing or None: those tokens at the input price).
    An unknown key raises ValueError."""

    def __new__(cls, data_json: str, overrides: list[dict[str, Any]] | None = None) -> Self: ...
    @property
    def data_version(self) -> str:
        """The genai-prices package version the data was exported from."""
    @property
    def data_digest(self) -> str:
        """sha256 of the exported data."""
    def resolve(self, provider: str, model: str, project: str | None = None) -> str | None:
        """The model id pricing `model` through `provider` ("" when unknown: found
        from the model name); None when it cannot be priced. Cached."""
    def cost(
        self,
        provider: str,
        model: str,
        at_unix_ns: int,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        project: str | None = None,
        price_context: dict[str, str] | None = None,
    ) -> _Cost | None:
        """Cost of one call at at_unix_ns (UTC). input_tokens INCLUDES cache reads
        and writes, output_tokens includes reasoning (genai-prices' and the OTel
        semconv's meaning); None = not reported. price_context selects variants
        (e.g. {"service_tier": "flex"}, {"processing": "batch"}). None when the
        model is unknown or the usage inconsistent (a part above its whole)."""

# ---- energy and carbon (rust/src/python/energy.rs; docs/carbon.md) ----

class _Estimate(TypedDict):
    value: float
    """midpoint of [min, max] (ecologits' RangeValue.mean); == min == max when exact"""
    min: float
    max: float

class _Impacts(TypedDict):
    zone: str
    """electricity zone used (ecologits code: ISO 3166-1 alpha-3, or WOR)"""
    energy_kwh: _Estimate
    usage_gwp_kgco2eq: _Estimate
    """energy x zone grid intensity"""
    embodied_gwp_kgco2eq: _Estimate | None
    """manufacturing share of the hardware; None for non-LLM spans"""

class _LlmImpacts(_Impacts):
    provider: str
    """ecologits provider of the matched model"""
    model: str
    """ecologits name of the matched model"""
    exact_match: bool
    """found by ecologits' exact (provider, name), not by name normalisation"""
    warnings: list[str]
    """ecologits warning codes of the model (e.g. model-arch-not-released)"""

@final
class ImpactModel:
    """Energy and carbon per span: LLM requests exactly as ecologits computes
    them, other spans by the CPU/GPU power model. Thread-safe."""

    def __new__(cls, data_json: str) -> Self:
        """data_json: gls_engine.carbon.data.impact_data_json(). Raises CoreError
        when the document is not valid."""
    @property
    def ecologits_version(self) -> str: ...
    def resolve_model(self, provider: str, model: str) -> tuple[str, str, bool] | None:
        """(ecologits provider, ecologits model name, exact match) that a span's
        provider / model names stand for, or None (cached)."""
    def llm_impacts(
        self,
        provider: str,
        model: str,
        output_tokens: int,
        latency_s: float | None,
        zone: str | None = None,
    ) -> _LlmImpacts | None:
        """Impacts of one LLM request. latency_s: measured request latency
        (None: unknown); zone: None for the provider's data-centre zone. None
        when the model or zone is unknown, or latency_s is negative or NaN."""
    def zone_intensity(self, zone: str) -> float | None:
        """Grid intensity of an ecologits zone (exact code), kgCO2eq/kWh."""
    def resolve_zone(self, attributes: dict[str, object], project_default: str) -> str:
        """Zone of a span's work, first match wins: gls.carbon.zone, cloud.region
        (+ cloud.provider), the LLM provider's data-centre zone
        (gen_ai.provider.name, gen_ai.system, llm.provider, llm.system), else
        project_default. Only str values are read."""
    def compute_impacts(
        self,
        *,
        zone: str,
        cpu_seconds: float | None = None,
        gpu_seconds: float | None = None,
        cpu_utilization: float | None = None,
        gpu_utilization: float | None = None,
        gpu_model: str | None = None,
        cloud_provider: str | None = None,
    ) -> _Impacts | None:
        """Impacts of a non-LLM span: cpu_seconds is busy CPU time, gpu_seconds
        GPU device-seconds held; utilisations in (0, 1] (default 0.5). None when
        neither time is given (unknown, not zero) or the zone is unknown."""

@final
class Enricher:
    """Prices + impact data + per-project rules that decode_traces computes cost,
    energy, carbon and data quality with (docs/span-schema.md). Immutable."""

    def __new__(
        cls,
        price_book: PriceBook,
        impact_model: ImpactModel,
        projects_json: str = "{}",
        default_zone: str = "WOR",
    ) -> Self:
        """projects_json: {"<project>": {"carbon_zone": "FRA", "rate_card": {...}}}.
        Raises CoreError for an unknown zone or a malformed rule."""

# ---- streaming percentiles and token estimates (rust/src/python/sketch.rs) ----

@final
class QuantileSketch:
    """Mergeable quantile sketch of non-negative values (DDSketch-style log
    buckets, key = ceil(ln(x) / ln(gamma)), gamma = 1.005 / 0.995): every
    quantile is within 0.5% of the exact value of the same rank. Rank of q
    over n values: min(floor(q * n), n - 1), ClickHouse quantileExact's.
    Persisted as (buckets Map(Int16, UInt64), count, sum, min, max,
    zero_count); merging is adding buckets and counts, min of min, max of max."""

    RELATIVE_ACCURACY: float
    MIN_POSITIVE: float
    """positive values below this count in zero_count (1e-140)"""
    MAX_VALUE: float
    """largest value accepted (1e140)"""

    def __new__(cls) -> Self: ...
    def add(self, value: float) -> None:
        """Raises CoreError for a negative, NaN, infinite or too large value."""
    def add_many(self, values: object) -> None:
        """values: a float64/int64 numpy array or a sequence of numbers; adds
        none if one is refused (CoreError)."""
    def merge(self, other: QuantileSketch) -> None: ...
    def quantile(self, q: float) -> float | None:
        """None when empty; CoreError unless 0 <= q <= 1."""
    def quantiles(self, qs: list[float]) -> list[float | None]: ...
    def log_histogram(self, bins: int = 30) -> list[tuple[float, float, int]]:
        """The distribution on `bins` equal-ratio bins from the smallest to the
        largest positive value: [(lower, upper, count)], a (0, 0, zeros) bin
        first when there are zeros."""
    def to_buckets(self) -> dict[int, int]:
        """Non-empty buckets, key -> count, ascending by key."""
    @staticmethod
    def from_buckets(
        buckets: dict[int, int],
        *,
        zero_count: int = 0,
        sum: float = 0.0,
        min: float = 0.0,
        max: float = 0.0,
    ) -> QuantileSketch:
        """A sketch from its persisted form (a ClickHouse row after sumMap /
        sum / min / max). CoreError for keys outside [-32300, 32300] or
        min/max/sum that cannot be (min, max ignored when the count is 0)."""
    @property
    def count(self) -> int: ...
    @property
    def sum(self) -> float: ...
    @property
    def min(self) -> float | None: ...
    @property
    def max(self) -> float | None: ...
    @property
    def zero_count(self) -> int: ...
    def __len__(self) -> int: ...

def sketch_rows(spans: pyarrow.RecordBatch | list[pyarrow.RecordBatch]) -> pyarrow.RecordBatch:
    """Sketch delta rows (schema sketch_delta_schema()) of a span batch, or of a
    list of batches accumulated together (one group commit): one row
    per (project, minute, population, group_kind, group_value, metric) with a
    value. Reads the span schema columns project, start_time, parent_span_id,
    span_type, chain, agent, user_id, environment, model, duration_ns,
    total_tokens and, when present, a float64 llm_cost_usd. population is
    "trace" (root spans: latency only) or "llm" (LLM calls: latency, tokens,
    cost); group_kind is "all" (group_value "") or one of chain, agent, user,
    environment, model (spans with "" there are in no group of that kind);
    metric is latency_ns, total_tokens or cost_usd."""

def sketch_delta_schema() -> pyarrow.Schema:
    """project, minute (timestamp[s, UTC]), group_kind, group_value, metric,
    buckets map<int16, uint64>, count uint64, sum, min, max float64, zero_count uint64."""

def estimate_tokens(model: str, text: str) -> tuple[int, int]:
    """(tokens, system_tokens) of a prompt, with tiktoken's encoding for the model
    (o200k_base for gpt-4o/4.1/4.5/5 and o-series, else cl100k_base). A JSON
    chat transcript ([{"role", "content"}, ...]) is counted as OpenAI's cookbook
    does: 3 per message + its string fields + 1 per name + 3 reply priming;
    system_tokens are the content tokens of system/developer messages."""

def estimate_completion_tokens(model: str, text: str) -> int:
    """Tokens of a completion: the message content (and tool calls) of a JSON
    transcript without framing, else the plain text."""

def token_encoding_for_model(model: str) -> str:
    """The tiktoken encoding estimates use for the model: "o200k_base" or "cl100k_base"."""
