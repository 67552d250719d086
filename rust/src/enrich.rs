//! Cost, energy, carbon and data quality of every span, computed from the
//! columns of a decoded batch (docs/span-schema.md "Cost, energy, carbon").
//!
//! Runs once per request right after the batch is built, in the decode
//! thread: a pass over a few columns, with the attribute map of a span read
//! by binary search (its keys are sorted) and resource attributes parsed
//! once per distinct resource. Unknown stays unknown: an LLM call whose model
//! cannot be priced gets a NULL cost and `cost_status` UNPRICED, never 0.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::builder::{Float64Builder, StringBuilder, UInt32Builder, UInt8Builder};
use arrow_array::{
    Array, ArrayRef, Int64Array, MapArray, StringArray, TimestampNanosecondArray, UInt32Array,
};
use arrow_schema::{DataType, Field};

use crate::energy::{
    ComputeUsage, ImpactModel, Impacts, ZoneHints, ZoneSource, CLOUD_PROVIDER_ATTRIBUTE,
    CLOUD_REGION_ATTRIBUTE, CPU_SECONDS_ATTRIBUTES, CPU_UTILIZATION_ATTRIBUTE, GPU_MODEL_ATTRIBUTE,
    GPU_SECONDS_ATTRIBUTE, GPU_UTILIZATION_ATTRIBUTE, LLM_PROVIDER_ATTRIBUTES, ZONE_ATTRIBUTE,
};
use crate::errors::{Error, Result};
use crate::pricing::{PriceBook, Usage};
use crate::tokens;

/// `cost_status`: how the LLM cost of a span is known.
pub const COST_NOT_LLM: u8 = 0;
pub const COST_PRICED: u8 = 1;
pub const COST_OVERRIDE: u8 = 2;
pub const COST_UNPRICED: u8 = 3;

/// `token_estimate` bits: the count was estimated with a tokenizer.
pub const ESTIMATED_INPUT: u8 = 1;
pub const ESTIMATED_OUTPUT: u8 = 2;

/// `energy_source`.
pub const ENERGY_UNKNOWN: u8 = 0;
pub const ENERGY_LLM: u8 = 1;
pub const ENERGY_COMPUTE: u8 = 2;

/// `quality_checks` / `quality_passed` bits (docs/span-schema.md "Data quality").
pub const Q_MODEL: u8 = 1;
pub const Q_TOKENS: u8 = 2;
pub const Q_COST: u8 = 4;
pub const Q_CARBON: u8 = 8;
pub const Q_VALID: u8 = 16;

/// Span attributes the rate card reads.
pub const TOOL_NAME_ATTRIBUTES: [&str; 2] = ["gen_ai.tool.name", "tool.name"];
pub const BYTES_READ_ATTRIBUTE: &str = "gls.data.bytes_read";

/// System prompts repeat (one per agent), so their token counts are cached
/// by content hash; the cache is dropped whole when it fills.
const SYSTEM_TOKEN_CACHE: usize = 8192;

/// The columns enrichment adds, in order, after the decoder's own.
pub fn enrichment_fields() -> Vec<Field> {
    use DataType::*;
    let opt = |name: &str| Field::new(name, Float64, true);
    vec![
        opt("llm_cost_usd"),
        opt("llm_input_cost_usd"),
        opt("llm_output_cost_usd"),
        Field::new("cost_status", UInt8, false),
        opt("infra_cost_usd"),
        opt("data_cost_usd"),
        Field::new("cost_usd", Float64, false),
        Field::new("system_tokens", UInt32, true),
        Field::new("token_estimate", UInt8, false),
        opt("energy_kwh"),
        opt("energy_kwh_min"),
        opt("energy_kwh_max"),
        opt("carbon_g"),
        opt("carbon_g_min"),
        opt("carbon_g_max"),
        opt("embodied_carbon_g"),
        opt("embodied_carbon_g_min"),
        opt("embodied_carbon_g_max"),
        Field::new("energy_source", UInt8, false),
        Field::new("carbon_zone", Utf8, false),
        Field::new("quality_passed", UInt8, false),
        Field::new("quality_checks", UInt8, false),
    ]
}

/// Non-LLM prices of a project: infrastructure and data processing.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateCard {
    #[serde(default)]
    pub cpu_second_usd: Option<f64>,
    #[serde(default)]
    pub gpu_second_usd: Option<f64>,
    #[serde(default)]
    pub gb_read_usd: Option<f64>,
    #[serde(default)]
    pub tool_call_usd: HashMap<String, f64>,
}

/// What enrichment knows of one project.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRules {
    #[serde(default)]
    pub carbon_zone: Option<String>,
    #[serde(default)]
    pub rate_card: RateCard,
}

/// Prices, impact data and per-project rules; shared by every decode thread.
pub struct Enricher {
    prices: Arc<PriceBook>,
    impacts: Arc<ImpactModel>,
    projects: HashMap<String, ProjectRules>,
    default_zone: String,
    system_tokens: Mutex<HashMap<u64, u32>>,
}

impl std::fmt::Debug for Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enricher")
            .field("projects", &self.projects.len())
            .field("default_zone", &self.default_zone)
            .finish_non_exhaustive()
    }
}

impl Enricher {
    /// `projects_json`: `{"<project>": {"carbon_zone": "FRA", "rate_card": {...}}}`.
    /// Zones must be known to the impact data (else an error naming it).
    pub fn new(
        prices: Arc<PriceBook>,
        impacts: Arc<ImpactModel>,
        projects_json: &str,
        default_zone: &str,
    ) -> Result<Enricher> {
        let projects: HashMap<String, ProjectRules> = serde_json::from_str(projects_json)
            .map_err(|e| Error::InvalidArgument(format!("invalid project rules: {e}")))?;
        let known = |zone: &str| impacts.canonical_zone(zone).map(str::to_owned);
        let default_zone = known(default_zone).ok_or_else(|| {
            Error::InvalidArgument(format!("unknown carbon zone {default_zone:?}"))
        })?;
        let mut checked = HashMap::with_capacity(projects.len());
        for (name, mut rules) in projects {
            if let Some(zone) = &rules.carbon_zone {
                rules.carbon_zone = Some(known(zone).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "unknown carbon zone {zone:?} for project {name:?}"
                    ))
                })?);
            }
            checked.insert(name, rules);
        }
        Ok(Enricher {
            prices,
            impacts,
            projects: checked,
            default_zone,
            system_tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn prices(&self) -> &PriceBook {
        &self.prices
    }

    pub fn impacts(&self) -> &ImpactModel {
        &self.impacts
    }

    fn rules(&self, project: &str) -> Option<&ProjectRules> {
        self.projects.get(project)
    }

    fn zone_default<'a>(&'a self, rules: Option<&'a ProjectRules>) -> &'a str {
        rules
            .and_then(|r| r.carbon_zone.as_deref())
            .unwrap_or(&self.default_zone)
    }

    /// Content tokens of the system (and developer) messages of a prompt
    /// recorded as messages (an array, or `{"messages": [...]}`); None for
    /// plain text. System prompts
    /// repeat (one per agent) while whole prompts do not, so the count is
    /// cached by the system text's hash and only a miss runs the tokenizer.
    fn system_tokens(&self, model: &str, prompt: &str) -> Option<u32> {
        // A message array, or an object carrying one under `messages` (as
        // LangChain records prompts; tokens::estimate_tokens reads both).
        // memchr's SIMD substring search with searchers built once: std's
        // `contains` was 3% of the instructions of decode + enrichment.
        use memchr::memmem::Finder;
        use std::sync::LazyLock;
        static MESSAGES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\"messages\""));
        static SYSTEM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\"system\""));
        static DEVELOPER: LazyLock<Finder<'static>> =
            LazyLock::new(|| Finder::new("\"developer\""));
        let has = |finder: &Finder| finder.find(prompt.as_bytes()).is_some();
        let wrapped = match prompt.trim_start().as_bytes().first() {
            Some(b'[') => false,
            Some(b'{') if has(&MESSAGES) => true,
            _ => return None,
        };
        if !has(&SYSTEM) && !has(&DEVELOPER) {
            return Some(0);
        }
        use serde_json::value::RawValue;
        use serde_json::Value;
        // Messages borrowed from the prompt: only a system message's content
        // is parsed into values (a full Value tree of every message was most
        // of this function's cost).
        #[derive(serde::Deserialize)]
        struct Message<'p> {
            #[serde(default, borrow)]
            role: Option<std::borrow::Cow<'p, str>>,
            // OpenAI's `content`, or OpenTelemetry GenAI's `parts`
            // (gen_ai.input.messages), as tokens::estimate_tokens reads them.
            #[serde(default, borrow)]
            content: Option<&'p RawValue>,
            #[serde(default, borrow)]
            parts: Option<&'p RawValue>,
        }
        #[derive(serde::Deserialize)]
        struct Wrapped<'p> {
            #[serde(borrow)]
            messages: Vec<Message<'p>>,
        }
        let messages: Vec<Message> = if wrapped {
            serde_json::from_str::<Wrapped>(prompt).ok()?.messages
        } else {
            serde_json::from_str(prompt).ok()?
        };
        let encoding = tokens::encoding_for_model(model);
        let mut total = 0u32;
        for m in &messages {
            if !matches!(m.role.as_deref(), Some("system" | "developer")) {
                continue;
            }
            let mut count = |text: &str| -> Option<()> {
                total = total.saturating_add(self.cached_count(encoding, text)?);
                Some(())
            };
            for raw in [m.content, m.parts].into_iter().flatten() {
                let value: Value = serde_json::from_str(raw.get()).ok()?;
                match &value {
                    Value::String(text) => count(text)?,
                    Value::Array(parts) => {
                        for part in parts {
                            // The text parts tokens::estimate_tokens counts.
                            let text = match part {
                                Value::String(s) => Some(s.as_str()),
                                Value::Object(p) => {
                                    p.get("text").and_then(Value::as_str).or_else(|| {
                                        let is_text =
                                            p.get("type").and_then(Value::as_str) == Some("text");
                                        p.get("content").and_then(Value::as_str).filter(|_| is_text)
                                    })
                                }
                                _ => None,
                            };
                            if let Some(text) = text {
                                count(text)?;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(total)
    }

    fn cached_count(&self, encoding: tokens::Encoding, text: &str) -> Option<u32> {
        // FxHash: fixed seed (the same text hashes alike on every call) and
        // several times faster than SipHash over a long system prompt.
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(encoding.name().as_bytes());
        hasher.write_u8(0);
        hasher.write(text.as_bytes());
        let key = hasher.finish();
        let cache = || {
            self.system_tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(&n) = cache().get(&key) {
            return Some(n);
        }
        let n = tokens::count_text_tokens(encoding, text).ok()?;
        let mut cache = cache();
        if cache.len() >= SYSTEM_TOKEN_CACHE {
            cache.clear();
        }
        cache.insert(key, n);
        Some(n)
    }
}

/// The decoder's columns enrichment reads (by position in the span schema).
pub(crate) struct SpanInputs<'a> {
    pub project: &'a StringArray,
    pub span_type: &'a StringArray,
    pub name: &'a StringArray,
    pub start_time: &'a TimestampNanosecondArray,
    pub duration_ns: &'a Int64Array,
    pub model: &'a StringArray,
    pub provider: &'a StringArray,
    pub input_tokens: &'a UInt32Array,
    pub output_tokens: &'a UInt32Array,
    pub cached_tokens: &'a UInt32Array,
    pub reasoning_tokens: &'a UInt32Array,
    pub total_tokens: &'a UInt32Array,
    pub input: &'a StringArray,
    pub output: &'a StringArray,
    pub attributes: &'a MapArray,
    pub resource_attributes: &'a StringArray,
}

/// What enrichment gives back: new columns, and token columns that gained estimates.
pub(crate) struct Enriched {
    pub columns: Vec<ArrayRef>,
    pub input_tokens: Option<ArrayRef>,
    pub output_tokens: Option<ArrayRef>,
    pub total_tokens: Option<ArrayRef>,
}

/// Every attribute enrichment reads: zone hints, compute usage, rate-card
/// inputs. A span's other keys are skipped by length before any compare.
const READ_KEYS: [&str; 17] = [
    ZONE_ATTRIBUTE,
    CLOUD_PROVIDER_ATTRIBUTE,
    CLOUD_REGION_ATTRIBUTE,
    LLM_PROVIDER_ATTRIBUTES[0],
    LLM_PROVIDER_ATTRIBUTES[1],
    LLM_PROVIDER_ATTRIBUTES[2],
    LLM_PROVIDER_ATTRIBUTES[3],
    CPU_SECONDS_ATTRIBUTES[0],
    CPU_SECONDS_ATTRIBUTES[1],
    CPU_UTILIZATION_ATTRIBUTE,
    GPU_SECONDS_ATTRIBUTE,
    GPU_UTILIZATION_ATTRIBUTE,
    GPU_MODEL_ATTRIBUTE,
    TOOL_NAME_ATTRIBUTES[0],
    TOOL_NAME_ATTRIBUTES[1],
    BYTES_READ_ATTRIBUTE,
    "",
];

/// Bit `n` set when some key of READ_KEYS is `n` bytes long.
const READ_KEY_LENGTHS: u64 = {
    let mut mask = 0u64;
    let mut i = 0;
    while i < READ_KEYS.len() {
        if READ_KEYS[i].len() < 64 {
            mask |= 1 << READ_KEYS[i].len();
        }
        i += 1;
    }
    mask & !1 // the "" filler matches nothing
};

fn is_read_key(key: &str) -> bool {
    let n = key.len();
    n < 64 && (READ_KEY_LENGTHS >> n) & 1 == 1 && READ_KEYS.contains(&key)
}

/// The attributes of a span enrichment reads, span first then resource.
/// Gathered in one pass over the span's keys (a length check each) instead of
/// ~14 binary searches plus resource scans per span, which were most of
/// enrichment's instructions (callgrind, BENCHMARKS.md).
struct AttrLookup<'s, 'a> {
    span: &'s [(&'a str, &'a str)],
    resource: &'a [(String, String)],
}

/// The span attributes of `range` (one span's map entries) enrichment reads.
fn gather_read_keys<'a>(
    keys: &'a StringArray,
    values: &'a StringArray,
    range: std::ops::Range<usize>,
    out: &mut Vec<(&'a str, &'a str)>,
) {
    out.clear();
    for j in range {
        let key = keys.value(j);
        if is_read_key(key) {
            out.push((key, values.value(j)));
        }
    }
}

impl<'a> AttrLookup<'_, 'a> {
    fn span(&self, key: &str) -> Option<&'a str> {
        self.span.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn resource(&self, key: &str) -> Option<&'a str> {
        self.resource
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn any(&self, key: &str) -> Option<&'a str> {
        self.span(key).or_else(|| self.resource(key))
    }
}

/// String-valued attributes of an OTLP/JSON KeyValue array (resource attributes).
fn resource_strings(json: &str) -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Kv {
        key: String,
        #[serde(default)]
        value: serde_json::Value,
    }
    let Ok(kvs) = serde_json::from_str::<Vec<Kv>>(json) else {
        return Vec::new();
    };
    kvs.into_iter()
        .filter(|kv| is_read_key(&kv.key))
        .filter_map(|kv| {
            let v = kv.value.get("stringValue")?.as_str()?.to_owned();
            Some((kv.key, v))
        })
        .collect()
}

fn opt_u32(a: &UInt32Array, i: usize) -> Option<u32> {
    a.is_valid(i).then(|| a.value(i))
}

/// An LLM call: what a provider bills. A chain or agent span that names a
/// model is not one (its LLM child is; counting both would bill twice).
fn is_llm_span(span_type: &str) -> bool {
    matches!(span_type, "llm" | "embedding")
}

/// Enriches the spans of one batch. `enricher` None: every figure unknown.
pub(crate) fn enrich(cols: &SpanInputs<'_>, enricher: Option<&Enricher>) -> Result<Enriched> {
    let n = cols.project.len();
    let mut llm_cost = Float64Builder::with_capacity(n);
    let mut llm_input_cost = Float64Builder::with_capacity(n);
    let mut llm_output_cost = Float64Builder::with_capacity(n);
    let mut cost_status = UInt8Builder::with_capacity(n);
    let mut infra_cost = Float64Builder::with_capacity(n);
    let mut data_cost = Float64Builder::with_capacity(n);
    let mut cost_total = Float64Builder::with_capacity(n);
    let mut system_tokens = UInt32Builder::with_capacity(n);
    let mut token_estimate = UInt8Builder::with_capacity(n);
    let mut energy = [
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    ];
    let mut carbon = [
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    ];
    let mut embodied = [
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    ];
    let mut energy_source = UInt8Builder::with_capacity(n);
    let mut carbon_zone = StringBuilder::with_capacity(n, n * 3);
    let mut quality_passed = UInt8Builder::with_capacity(n);
    let mut quality_checks = UInt8Builder::with_capacity(n);
    // Token columns, rebuilt only when some count was estimated.
    let mut new_input: Option<Vec<Option<u32>>> = None;
    let mut new_output: Option<Vec<Option<u32>>> = None;
    let mut new_total: Option<Vec<Option<u32>>> = None;

    let entries = cols.attributes.entries();
    let keys = entries
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| Error::InvalidArgument("attribute keys are not utf8".into()))?;
    let values = entries
        .column(1)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| Error::InvalidArgument("attribute values are not utf8".into()))?;
    let offsets = cols.attributes.value_offsets();
    let mut resource: Vec<(String, String)> = Vec::new();
    let mut resource_text: Option<&str> = None;
    let mut span_attrs: Vec<(&str, &str)> = Vec::with_capacity(8);

    for i in 0..n {
        let res_json = cols.resource_attributes.value(i);
        if resource_text != Some(res_json) {
            resource = resource_strings(res_json);
            resource_text = Some(res_json);
        }
        gather_read_keys(
            keys,
            values,
            offsets[i] as usize..offsets[i + 1] as usize,
            &mut span_attrs,
        );
        let attrs = AttrLookup {
            span: &span_attrs,
            resource: &resource,
        };
        let span_type = cols.span_type.value(i);
        let model = cols.model.value(i);
        let provider = cols.provider.value(i);
        let llm = is_llm_span(span_type);
        let mut input_tokens = opt_u32(cols.input_tokens, i);
        let mut output_tokens = opt_u32(cols.output_tokens, i);
        let reported_tokens = input_tokens.is_some() && output_tokens.is_some();

        let Some(e) = enricher else {
            for b in [&mut llm_cost, &mut llm_input_cost, &mut llm_output_cost] {
                b.append_null();
            }
            cost_status.append_value(if llm { COST_UNPRICED } else { COST_NOT_LLM });
            infra_cost.append_null();
            data_cost.append_null();
            cost_total.append_value(0.0);
            system_tokens.append_null();
            token_estimate.append_value(0);
            for b in energy.iter_mut().chain(&mut carbon).chain(&mut embodied) {
                b.append_null();
            }
            energy_source.append_value(ENERGY_UNKNOWN);
            carbon_zone.append_value("");
            let checks = Q_VALID
                | if llm {
                    Q_MODEL | Q_TOKENS | Q_COST | Q_CARBON
                } else {
                    0
                };
            let mut passed = Q_VALID;
            if llm && !model.is_empty() {
                passed |= Q_MODEL;
            }
            if llm && reported_tokens {
                passed |= Q_TOKENS;
            }
            quality_checks.append_value(checks);
            quality_passed.append_value(passed & checks);
            continue;
        };
        let project = cols.project.value(i);
        let rules = e.rules(project);

        // Tokens: estimate what is missing from the text, mark it.
        let mut estimated = 0u8;
        let mut system = None;
        if llm && !model.is_empty() {
            let prompt = cols.input.value(i);
            if input_tokens.is_none() && !prompt.is_empty() {
                if let Ok(est) = tokens::estimate_tokens(model, prompt) {
                    input_tokens = Some(est.tokens);
                    estimated |= ESTIMATED_INPUT;
                }
            }
            // Same rule whether or not the count was estimated: NULL when the
            // prompt is not a message array (the estimate says 0 for plain text).
            if !prompt.is_empty() {
                system = e.system_tokens(model, prompt);
            }
            let completion = cols.output.value(i);
            if output_tokens.is_none() && !completion.is_empty() {
                if let Ok(est) = tokens::estimate_completion_tokens(model, completion) {
                    output_tokens = Some(est);
                    estimated |= ESTIMATED_OUTPUT;
                }
            }
        }
        if estimated != 0 {
            let fill = |slot: &mut Option<Vec<Option<u32>>>, col: &UInt32Array| {
                slot.get_or_insert_with(|| (0..n).map(|j| opt_u32(col, j)).collect());
            };
            fill(&mut new_input, cols.input_tokens);
            fill(&mut new_output, cols.output_tokens);
            fill(&mut new_total, cols.total_tokens);
            if let Some(v) = new_input.as_mut() {
                v[i] = input_tokens;
            }
            if let Some(v) = new_output.as_mut() {
                v[i] = output_tokens;
            }
            if let Some(v) = new_total.as_mut() {
                if v[i].is_none() {
                    v[i] = match (input_tokens, output_tokens) {
                        (Some(a), Some(b)) => Some(a.saturating_add(b)),
                        _ => None,
                    };
                }
            }
        }
        system_tokens.append_option(system);
        token_estimate.append_value(estimated);

        // LLM cost.
        let start_ns = cols.start_time.value(i);
        let mut status = COST_NOT_LLM;
        let mut llm_total = None;
        if llm {
            status = COST_UNPRICED;
            let id = (!model.is_empty())
                .then(|| e.prices.resolve_for_project(project, provider, model))
                .flatten();
            let has_tokens = input_tokens.is_some() || output_tokens.is_some();
            if let (Some(id), true) = (id, has_tokens) {
                let usage = Usage::from_span(
                    input_tokens.map(u64::from),
                    output_tokens.map(u64::from),
                    opt_u32(cols.cached_tokens, i).map(u64::from),
                    None,
                    opt_u32(cols.reasoning_tokens, i).map(u64::from),
                );
                // A cost too large for f64 is not a price: unpriced, never inf.
                let cost = e.prices.cost(id, start_ns, &usage);
                if let Some(c) = cost.filter(|c| c.total.is_finite()) {
                    status = if e.prices.model_ref(id).override_project.is_some() {
                        COST_OVERRIDE
                    } else {
                        COST_PRICED
                    };
                    llm_total = Some(c.total);
                    llm_input_cost.append_value(c.input_total());
                    llm_output_cost.append_value(c.output_total());
                }
            }
        }
        if llm_total.is_none() {
            llm_input_cost.append_null();
            llm_output_cost.append_null();
        }
        llm_cost.append_option(llm_total);
        cost_status.append_value(status);

        // Non-LLM cost from the project's rate card. Times as the power
        // model reads them: negative, NaN or infinite is not reported.
        let usage = ComputeUsage::from_attributes(|k| attrs.any(k));
        let seconds = |s: Option<f64>| s.filter(|s| s.is_finite() && *s >= 0.0);
        let card = rules.map(|r| &r.rate_card);
        let mut infra = None;
        if let Some(card) = card {
            let add = |acc: &mut Option<f64>, v: f64| *acc = Some(acc.unwrap_or(0.0) + v);
            if let (Some(rate), Some(s)) = (card.cpu_second_usd, seconds(usage.cpu_seconds)) {
                add(&mut infra, rate * s);
            }
            if let (Some(rate), Some(s)) = (card.gpu_second_usd, seconds(usage.gpu_seconds)) {
                add(&mut infra, rate * s);
            }
            if span_type == "tool" && !card.tool_call_usd.is_empty() {
                let tool = TOOL_NAME_ATTRIBUTES
                    .iter()
                    .find_map(|k| attrs.span(k))
                    .unwrap_or_else(|| cols.name.value(i));
                if let Some(&price) = card.tool_call_usd.get(tool) {
                    add(&mut infra, price);
                }
            }
        }
        let data = card.and_then(|card| {
            let rate = card.gb_read_usd?;
            let bytes: f64 = attrs.span(BYTES_READ_ATTRIBUTE)?.trim().parse().ok()?;
            (bytes.is_finite() && bytes >= 0.0).then(|| rate * bytes / 1e9)
        });
        // A figure too large for f64 is unknown, never inf (JSON has no inf).
        let infra = infra.filter(|v| v.is_finite());
        let data = data.filter(|v| v.is_finite());
        infra_cost.append_option(infra);
        data_cost.append_option(data);
        cost_total
            .append_value(llm_total.unwrap_or(0.0) + infra.unwrap_or(0.0) + data.unwrap_or(0.0));

        // Energy and carbon.
        let project_zone = e.zone_default(rules);
        let (impacts, source, zone): (Option<Impacts>, u8, &str) = if llm {
            // The LLM ran at its provider's data centre: the app's own
            // resource (cloud.region of the service) does not say where.
            let hints = ZoneHints::from_attributes(|k| attrs.span(k));
            let model_ref = (!model.is_empty())
                .then(|| e.impacts.resolve(provider, model))
                .flatten();
            match (model_ref, output_tokens) {
                (Some(m), Some(out)) => {
                    // Only the span's own zone or a region our table knows
                    // say where it ran; else the matched model's provider
                    // (not the project default an unknown region falls to).
                    let resolved = e.impacts.resolve_zone(&hints, project_zone);
                    let zone = match resolved.source {
                        ZoneSource::Explicit | ZoneSource::CloudRegion => resolved.zone,
                        ZoneSource::LlmProvider | ZoneSource::ProjectDefault => {
                            e.impacts.provider_zone(m)
                        }
                    };
                    let latency_s = cols.duration_ns.value(i).max(0) as f64 / 1e9;
                    let imp = e
                        .impacts
                        .llm_impacts(m, u64::from(out), latency_s, Some(zone));
                    (imp, ENERGY_LLM, zone)
                }
                _ => (None, ENERGY_UNKNOWN, ""),
            }
        } else {
            // An agent or tool naming its LLM provider still runs where the
            // app runs: the provider's data centre is for LLM calls only.
            let hints = ZoneHints {
                llm_provider: None,
                ..ZoneHints::from_attributes(|k| attrs.any(k))
            };
            let zone = e.impacts.resolve_zone(&hints, project_zone).zone;
            match e.impacts.compute_impacts(&usage, zone) {
                Some(imp) => (Some(imp), ENERGY_COMPUTE, zone),
                None => (None, ENERGY_UNKNOWN, ""),
            }
        };
        let impacts = impacts.filter(impacts_are_finite);
        match impacts {
            Some(imp) => {
                let en = imp.energy_kwh;
                let co = imp.usage_gwp_kgco2eq;
                for (b, v) in energy.iter_mut().zip([en.value, en.min, en.max]) {
                    b.append_value(v);
                }
                for (b, v) in carbon.iter_mut().zip([co.value, co.min, co.max]) {
                    b.append_value(v * 1000.0);
                }
                match imp.embodied_gwp_kgco2eq {
                    Some(em) => {
                        for (b, v) in embodied.iter_mut().zip([em.value, em.min, em.max]) {
                            b.append_value(v * 1000.0);
                        }
                    }
                    None => embodied.iter_mut().for_each(|b| b.append_null()),
                }
                energy_source.append_value(source);
                carbon_zone.append_value(zone);
            }
            None => {
                for b in energy.iter_mut().chain(&mut carbon).chain(&mut embodied) {
                    b.append_null();
                }
                energy_source.append_value(ENERGY_UNKNOWN);
                carbon_zone.append_value("");
            }
        }

        // Data quality.
        let compute_reported = usage.cpu_seconds.is_some() || usage.gpu_seconds.is_some();
        let mut checks = Q_VALID;
        let mut passed = 0u8;
        if llm {
            checks |= Q_MODEL | Q_TOKENS | Q_COST;
            if !model.is_empty() {
                passed |= Q_MODEL;
            }
            if reported_tokens {
                passed |= Q_TOKENS;
            }
            if matches!(status, COST_PRICED | COST_OVERRIDE) {
                passed |= Q_COST;
            }
        }
        if llm || compute_reported {
            checks |= Q_CARBON;
            if impacts.is_some() {
                passed |= Q_CARBON;
            }
        }
        if span_is_valid(cols, i, llm) {
            passed |= Q_VALID;
        }
        quality_checks.append_value(checks);
        quality_passed.append_value(passed);
    }

    let [e0, e1, e2] = energy;
    let [c0, c1, c2] = carbon;
    let [m0, m1, m2] = embodied;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(llm_cost.finish()),
        Arc::new(llm_input_cost.finish()),
        Arc::new(llm_output_cost.finish()),
        Arc::new(cost_status.finish()),
        Arc::new(infra_cost.finish()),
        Arc::new(data_cost.finish()),
        Arc::new(cost_total.finish()),
        Arc::new(system_tokens.finish()),
        Arc::new(token_estimate.finish()),
        Arc::new({ e0 }.finish()),
        Arc::new({ e1 }.finish()),
        Arc::new({ e2 }.finish()),
        Arc::new({ c0 }.finish()),
        Arc::new({ c1 }.finish()),
        Arc::new({ c2 }.finish()),
        Arc::new({ m0 }.finish()),
        Arc::new({ m1 }.finish()),
        Arc::new({ m2 }.finish()),
        Arc::new(energy_source.finish()),
        Arc::new(carbon_zone.finish()),
        Arc::new(quality_passed.finish()),
        Arc::new(quality_checks.finish()),
    ];
    let tokens_col = |v: Option<Vec<Option<u32>>>| -> Option<ArrayRef> {
        v.map(|v| Arc::new(UInt32Array::from(v)) as ArrayRef)
    };
    Ok(Enriched {
        columns,
        input_tokens: tokens_col(new_input),
        output_tokens: tokens_col(new_output),
        total_tokens: tokens_col(new_total),
    })
}

/// Every figure is a number: an overflow (1e308 CPU seconds, say) is unknown.
fn impacts_are_finite(imp: &Impacts) -> bool {
    [imp.energy_kwh, imp.usage_gwp_kgco2eq]
        .iter()
        .chain(imp.embodied_gwp_kgco2eq.iter())
        .all(|e| e.value.is_finite() && e.min.is_finite() && e.max.is_finite())
}

/// The span's own figures hold together: a name, and for an LLM call a
/// reported total that is not below input + output.
fn span_is_valid(cols: &SpanInputs<'_>, i: usize, llm: bool) -> bool {
    if cols.name.value(i).is_empty() {
        return false;
    }
    if llm {
        if let (Some(inp), Some(out), Some(total)) = (
            opt_u32(cols.input_tokens, i),
            opt_u32(cols.output_tokens, i),
            opt_u32(cols.total_tokens, i),
        ) {
            return u64::from(total) >= u64::from(inp) + u64::from(out);
        }
    }
    true
}
