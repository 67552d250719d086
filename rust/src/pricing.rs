//! LLM cost from the genai-prices data: which model a span used
//! ([`PriceBook::resolve`]) and what its tokens cost at the time of the call
//! ([`PriceBook::cost`]), agreeing with `genai_prices.calc_price`.
//!
//! The data is the JSON that `gls_engine.costs.prices.export_price_data`
//! writes from the installed genai-prices package (providers, model-name
//! clauses, prices with tiers, changes over time and request variants, and the
//! unit registry). Rules followed (genai-prices 0.2.x `data_snapshot.py`,
//! `types.py`):
//!
//! - Provider: exact id, then the providers' `provider_match` clauses, in
//!   data order, on the trimmed lower-cased name. OTel semconv names that
//!   genai-prices does not know are mapped first ([`otel_provider_alias`]).
//!   `litellm` with `prefix/model` uses the prefix as provider when it is one.
//!   No provider (`""`): the first provider whose `model_match` matches the
//!   model. A provider that is named but unknown prices nothing (as
//!   genai-prices raises).
//! - Model: the provider's models in order, then those of its
//!   `fallback_model_providers` (one step); retried once with a compact date
//!   suffix (`-20251211`) rewritten to `-2025-12-11`.
//! - Price at a time: the last conditional price whose constraint holds
//!   (start date on the UTC day, or a daily UTC time window), else the first.
//! - Cost: see [`Usage`] for what the counts mean, and `units.rs` for how
//!   parts (cache, reasoning) are taken out of their wholes. Tiers apply to
//!   all tokens once total input tokens pass the tier start.
//!
//! Not covered: audio seconds / images / searches usage (no such counts come
//! in spans; their prices simply add nothing), and genai-prices' groq-whisper
//! 10-second minimum (audio only). Prices are f64 (genai-prices uses Decimal):
//! agreement is to ~1e-15 relative.
//!
//! Threading: a `PriceBook` is `Sync`. `resolve` keeps a shared cache of
//! (provider, model) -> result behind an `RwLock` (a hit takes the read lock
//! and two hash lookups on the borrowed strings, no allocation); `cost` takes
//! no lock and does not allocate.

mod clause;
mod dates;
mod json_fields;
mod load;
mod schedule;
mod units;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{PoisonError, RwLock};

use clause::Clause;
use schedule::{Resolved, Schedule, Variant};
use units::{Price, PriceSet, UnitTable};

use crate::errors::{Error, Result};

/// Cached (provider, model) pairs; past this, misses are computed and not
/// kept, so a client sending ever-new model names cannot grow memory.
const MAX_CACHED: usize = 65_536;

/// Token counts of one LLM call, with genai-prices' meaning:
///
/// - `input_tokens`: ALL input tokens, including cache reads and cache
///   writes. This is what the OTel GenAI semconv asks of
///   `gen_ai.usage.input_tokens` ("SHOULD include all types of input tokens,
///   including cached tokens") and what OpenAI reports as `prompt_tokens`.
///   Anthropic's API `input_tokens` EXCLUDES `cache_read_input_tokens` and
///   `cache_creation_input_tokens`; an instrumentation that copies it as is
///   gives an input smaller than its parts: see [`Usage::from_span`].
/// - `cache_read_tokens`: `gen_ai.usage.cache_read.input_tokens` (OpenAI
///   `prompt_tokens_details.cached_tokens`); part of input.
/// - `cache_write_tokens`: `gen_ai.usage.cache_creation.input_tokens`; part
///   of input.
/// - `output_tokens`: ALL output tokens, including reasoning tokens (OpenAI
///   `completion_tokens`).
/// - `reasoning_tokens`: `gen_ai.usage.reasoning.output_tokens`; part of
///   output, priced apart only where the data has a reasoning price.
///
/// `None` is "not reported" (genai-prices' missing key): it counts as 0,
/// except that reporting a part (> 0) without its whole makes the usage
/// unpriceable, as genai-prices raises for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    pub cache_write_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    /// Usage from a span's token attributes, repairing the one convention
    /// clash that can be told from the numbers: when cache reads plus cache
    /// writes exceed the input tokens, the input was reported WITHOUT them
    /// (Anthropic's API field copied as is), so they are added back. Input
    /// that includes them can never be smaller than their sum.
    pub fn from_span(
        input_tokens: Option<u64>,
        output_tokens: Option<u64>,
        cache_read_tokens: Option<u64>,
        cache_write_tokens: Option<u64>,
        reasoning_tokens: Option<u64>,
    ) -> Usage {
        let cache = cache_read_tokens
            .unwrap_or(0)
            .saturating_add(cache_write_tokens.unwrap_or(0));
        let input_tokens = match input_tokens {
            Some(input) if cache > input => Some(input.saturating_add(cache)),
            other => other,
        };
        Usage {
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            reasoning_tokens,
        }
    }
}

/// What one call cost, in USD, by component. `input + cache_read +
/// cache_write` is genai-prices' `input_price`, `output + reasoning` its
/// `output_price`, `total` its `total_price` (which also has `other`:
/// per-request fees).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    /// Input tokens not read from or written to the cache.
    pub input: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    /// Output tokens other than separately priced reasoning tokens.
    pub output: f64,
    pub reasoning: f64,
    pub other: f64,
    pub total: f64,
}

impl Cost {
    pub fn input_total(&self) -> f64 {
        self.input + self.cache_read + self.cache_write
    }

    pub fn output_total(&self) -> f64 {
        self.output + self.reasoning
    }
}

/// A resolved model: copyable, cheap to keep per span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelId {
    model: u32,
    /// The provider it was resolved through (`u32::MAX` for an override); it
    /// differs from the model's own provider after a fallback.
    provider: u32,
}

/// Names of a resolved model, for display and storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelRef<'a> {
    /// genai-prices' provider id the model was resolved through (`""` for an
    /// override).
    pub provider_id: &'a str,
    /// genai-prices' model id, or the override's model pattern.
    pub model_id: &'a str,
    pub name: Option<&'a str>,
    /// The project whose override priced it.
    pub override_project: Option<&'a str>,
}

/// Which price data a book holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVersion {
    /// The version of the genai-prices package the data was exported from.
    pub genai_prices_version: String,
    /// sha256 of the exported providers and units.
    pub data_digest: String,
}

/// A price for a self-hosted or fine-tuned model in one project, used before
/// genai-prices for that project. `model_pattern` is an exact model name or
/// a prefix ending in `*`, compared ASCII case-insensitively; an exact name
/// wins over prefixes, a longer prefix over a shorter. A missing cache price
/// charges those tokens at the input price (they are part of input).
#[derive(Debug, Clone, PartialEq)]
pub struct PriceOverride {
    pub project: String,
    pub model_pattern: String,
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    pub cache_read_per_mtok: Option<f64>,
    pub cache_write_per_mtok: Option<f64>,
}

#[derive(Debug)]
struct Provider {
    id: String,
    #[allow(dead_code)] // kept for display; genai-prices matches on id only
    name: String,
    model_match: Option<Clause>,
    provider_match: Option<Clause>,
    /// Providers whose models this one also serves (indices).
    fallback: Vec<usize>,
    models: Range<usize>,
}

#[derive(Debug)]
enum Origin {
    Data { provider: usize },
    Override { project: String },
}

#[derive(Debug)]
struct Model {
    origin: Origin,
    id: String,
    name: Option<String>,
    matcher: Option<Clause>,
    schedule: Schedule,
    variants: Vec<Variant>,
}

/// A project's override patterns, as indices into `PriceBook::models`.
#[derive(Debug, Default)]
struct ProjectOverrides {
    exact: Vec<(String, usize)>,
    /// Longest prefix first.
    prefixes: Vec<(String, usize)>,
}

// ahash: several times faster than SipHash on short names, and seeded per
// process, so model names a sender picks cannot be made to collide.
type ResolveCache =
    HashMap<Box<str>, HashMap<Box<str>, Option<ModelId>, ahash::RandomState>, ahash::RandomState>;

/// The genai-prices data, ready to price spans. See the module docs.
#[derive(Debug)]
pub struct PriceBook {
    version: DataVersion,
    units: UnitTable,
    providers: Vec<Provider>,
    /// Data models (grouped by provider), then override models.
    models: Vec<Model>,
    overrides: HashMap<String, ProjectOverrides>,
    cache: RwLock<(ResolveCache, usize)>,
}

/// OTel GenAI semconv provider names (`gen_ai.provider.name`, and the older
/// `gen_ai.system` values) that genai-prices' ids and `provider_match`
/// clauses do not already resolve to the right provider. The others
/// (`aws.bedrock`, `gcp.vertex_ai`, `gcp.gemini`, `mistral_ai`, ...) match
/// there.
pub fn otel_provider_alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "x_ai" => "x-ai",
        "gcp.gen_ai" => "google",
        // Without this `azure.ai.openai` would match OpenAI's "openai"
        // clause; Azure has its own prices and falls back to OpenAI's.
        "azure.ai.openai" | "az.ai.openai" | "azure.ai.inference" | "az.ai.inference" => "azure",
        _ => return None,
    })
}

impl PriceBook {
    /// Loads the exported price data.
    pub fn from_json(json: &str) -> Result<PriceBook> {
        let loaded = load::load(json)?;
        Ok(PriceBook {
            version: loaded.version,
            units: loaded.units,
            providers: loaded.providers,
            models: loaded.models,
            overrides: HashMap::new(),
            cache: RwLock::new((ResolveCache::default(), 0)),
        })
    }

    /// This book with per-project overrides added (checked before
    /// genai-prices by [`PriceBook::resolve_for_project`]).
    pub fn with_overrides(mut self, overrides: Vec<PriceOverride>) -> Result<PriceBook> {
        let unit = |key: &str| {
            self.units
                .by_usage_key(key)
                .ok_or_else(|| Error::InvalidPriceData(format!("the unit registry has no `{key}`")))
        };
        let (input, output) = (unit("input_tokens")?, unit("output_tokens")?);
        let (cache_read, cache_write) = (unit("cache_read_tokens")?, unit("cache_write_tokens")?);
        for o in overrides {
            let bad = |what: &str| {
                Error::InvalidArgument(format!(
                    "price override {:?} in project {:?}: {what}",
                    o.model_pattern, o.project
                ))
            };
            let prices = [
                (input, Some(o.input_per_mtok)),
                (output, Some(o.output_per_mtok)),
                (cache_read, o.cache_read_per_mtok),
                (cache_write, o.cache_write_per_mtok),
            ];
            if prices
                .iter()
                .any(|(_, p)| p.is_some_and(|p| !p.is_finite() || p < 0.0))
            {
                return Err(bad("prices must be finite and >= 0"));
            }
            let (pattern, is_prefix) = match o.model_pattern.strip_suffix('*') {
                Some(prefix) => (prefix.to_ascii_lowercase(), true),
                None => (o.model_pattern.to_ascii_lowercase(), false),
            };
            if pattern.contains('*') || (!is_prefix && pattern.is_empty()) {
                return Err(bad(
                    "the pattern is an exact name or a prefix ending in `*`",
                ));
            }
            let index = self.models.len();
            let entries = prices
                .iter()
                .filter_map(|(unit, p)| p.map(|p| (*unit, Price::Flat(p))))
                .collect();
            self.models.push(Model {
                origin: Origin::Override {
                    project: o.project.clone(),
                },
                id: o.model_pattern.clone(),
                name: None,
                matcher: None,
                schedule: Schedule {
                    entries: vec![(None, PriceSet::new(entries))],
                },
                variants: Vec::new(),
            });
            let project = self.overrides.entry(o.project).or_default();
            let list = if is_prefix {
                &mut project.prefixes
            } else {
                &mut project.exact
            };
            match list.iter_mut().find(|(p, _)| *p == pattern) {
                Some(existing) => existing.1 = index, // the later one wins
                None => list.push((pattern, index)),
            }
            project
                .prefixes
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        Ok(self)
    }

    pub fn data_version(&self) -> &DataVersion {
        &self.version
    }

    /// The model a call to `model` through `provider` (`""` when unknown)
    /// used, or `None` when genai-prices cannot price it. Cached.
    pub fn resolve(&self, provider: &str, model: &str) -> Option<ModelId> {
        {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(hit) = cache.0.get(provider).and_then(|m| m.get(model)) {
                return *hit;
            }
        }
        let found = self.resolve_uncached(provider, model);
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        let (map, len) = &mut *cache;
        if *len < MAX_CACHED {
            let by_model = map.entry(provider.into()).or_default();
            if by_model.insert(model.into(), found).is_none() {
                *len += 1;
            }
        }
        found
    }

    /// [`PriceBook::resolve`], after the project's overrides.
    pub fn resolve_for_project(
        &self,
        project: &str,
        provider: &str,
        model: &str,
    ) -> Option<ModelId> {
        if !self.overrides.is_empty() {
            if let Some(index) = self.overrides.get(project).and_then(|o| o.find(model)) {
                return Some(ModelId {
                    model: index as u32,
                    provider: u32::MAX,
                });
            }
        }
        self.resolve(provider, model)
    }

    /// Names of a resolved model.
    pub fn model_ref(&self, id: ModelId) -> ModelRef<'_> {
        let model = &self.models[id.model as usize];
        let (provider_id, override_project) = match &model.origin {
            Origin::Data { .. } => (self.providers[id.provider as usize].id.as_str(), None),
            Origin::Override { project } => ("", Some(project.as_str())),
        };
        ModelRef {
            provider_id,
            model_id: &model.id,
            name: model.name.as_deref(),
            override_project,
        }
    }

    /// The cost of `usage` on `model` for a call at `at_unix_ns` (UTC), at
    /// the standard prices. `None` when the usage is inconsistent (see
    /// [`Usage`]) or the model has no prices. No allocation, no lock.
    pub fn cost(&self, model: ModelId, at_unix_ns: i64, usage: &Usage) -> Option<Cost> {
        let prices = self.models[model.model as usize].schedule.at(at_unix_ns)?;
        self.units.cost(prices.iter(), usage)
    }

    /// [`PriceBook::cost`] with genai-prices' price context: request facts
    /// such as `("service_tier", "flex")` or `("processing", "batch")` that
    /// select price variants. As in genai-prices, variants apply only to a
    /// provider's own models, not to those reached through a fallback.
    pub fn cost_with_context(
        &self,
        model: ModelId,
        at_unix_ns: i64,
        usage: &Usage,
        context: &[(&str, &str)],
    ) -> Option<Cost> {
        let m = &self.models[model.model as usize];
        let own =
            matches!(m.origin, Origin::Data { provider } if provider as u32 == model.provider);
        if context.is_empty() || m.variants.is_empty() || !own {
            return self.cost(model, at_unix_ns, usage);
        }
        let standard = m.schedule.at(at_unix_ns)?;
        let resolved = Resolved::new(standard, &m.variants, at_unix_ns, context);
        self.units.cost(resolved.iter(), usage)
    }

    fn resolve_uncached(&self, provider: &str, model: &str) -> Option<ModelId> {
        let mut model_ref = model.to_lowercase();
        let mut name = provider.trim().to_lowercase();
        if let Some(alias) = otel_provider_alias(&name) {
            name = alias.to_owned();
        }
        if name == "litellm" {
            if let Some((prefix, rest)) = model_ref.split_once('/') {
                if !prefix.is_empty() && self.provider_by_name(prefix).is_some() {
                    name = prefix.to_owned();
                    model_ref = rest.to_owned();
                }
            }
        }
        let provider_index = if name.is_empty() {
            self.provider_by_model(&model_ref)?
        } else {
            match self.provider_by_name(&name) {
                Some(p) => p,
                None if name == "litellm" => self.provider_by_model(&model_ref)?,
                None => return None,
            }
        };
        let index = self.find_model(provider_index, &model_ref)?;
        Some(ModelId {
            model: index as u32,
            provider: provider_index as u32,
        })
    }

    /// genai-prices' `find_provider_by_id` (the name is trimmed, lower-case).
    fn provider_by_name(&self, name: &str) -> Option<usize> {
        self.providers
            .iter()
            .position(|p| p.id == name)
            .or_else(|| {
                self.providers
                    .iter()
                    .position(|p| p.provider_match.as_ref().is_some_and(|c| c.is_match(name)))
            })
    }

    fn provider_by_model(&self, model_ref: &str) -> Option<usize> {
        if model_ref.is_empty() {
            return None;
        }
        self.providers.iter().position(|p| {
            p.model_match
                .as_ref()
                .is_some_and(|c| c.is_match(model_ref))
        })
    }

    /// genai-prices' `Provider.find_model` on a lower-cased model ref.
    fn find_model(&self, provider: usize, model_ref: &str) -> Option<usize> {
        self.match_model(provider, model_ref, true).or_else(|| {
            let normalized = normalize_compact_date(model_ref)?;
            self.match_model(provider, &normalized, true)
        })
    }

    fn match_model(&self, provider: usize, model_ref: &str, with_fallback: bool) -> Option<usize> {
        let p = &self.providers[provider];
        let own = p.models.clone().find(|&i| {
            self.models[i]
                .matcher
                .as_ref()
                .is_some_and(|c| c.is_match(model_ref))
        });
        if own.is_some() || !with_fallback {
            return own;
        }
        // One step only: a fallback provider's own fallbacks are not followed.
        p.fallback
            .iter()
            .find_map(|&f| self.match_model(f, model_ref, false))
    }
}

impl ProjectOverrides {
    fn find(&self, model: &str) -> Option<usize> {
        self.exact
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(model))
            .or_else(|| {
                self.prefixes.iter().find(|(prefix, _)| {
                    model
                        .get(..prefix.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
                })
            })
            .map(|(_, index)| *index)
    }
}

/// genai-prices' `_normalize_compact_dated_ref`: every `-YYYYMMDD` (year
/// 20xx, a real date) followed by `-`, `:` or the end becomes `-YYYY-MM-DD`.
/// `None` when nothing changes.
fn normalize_compact_date(model_ref: &str) -> Option<String> {
    let b = model_ref.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i + 9 <= b.len() {
        let digits = &b[i + 1..i + 9];
        let boundary = b.get(i + 9).is_none_or(|c| *c == b'-' || *c == b':');
        if b[i] == b'-'
            && boundary
            && digits.iter().all(u8::is_ascii_digit)
            && digits[..2] == *b"20"
        {
            let num = |r: Range<usize>| {
                digits[r]
                    .iter()
                    .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
            };
            let (year, month, day) = (num(0..4), num(4..6), num(6..8));
            if (1..=12).contains(&month) && (1..=31).contains(&day) {
                // A match that is not a real date (e.g. -20250231) is kept
                // as written; either way the search goes on after it, as
                // `re.sub` does.
                if day <= dates::days_in_month(year, month) {
                    let s = out.get_or_insert_with(|| String::with_capacity(model_ref.len() + 2));
                    s.push_str(&model_ref[copied..i]);
                    s.push_str(&format!("-{year:04}-{month:02}-{day:02}"));
                    copied = i + 9;
                }
                i += 9;
                continue;
            }
        }
        i += 1;
    }
    out.map(|mut s| {
        s.push_str(&model_ref[copied..]);
        s
    })
}
