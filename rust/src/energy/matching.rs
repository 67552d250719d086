//! Which ecologits model a span's (provider, model) names.
//!
//! ecologits itself looks a model up by its exact (provider, name). Spans
//! name providers the OpenTelemetry / OpenInference way and models the way
//! each client library reports them, so after the exact lookup this tries,
//! first match wins, case-insensitively:
//!
//! 1. the name under the span's provider (mapped by [`PROVIDER_ALIASES`]);
//! 2. without Google's `models/` prefix;
//! 3. a `vendor/name` id (LiteLLM, OpenRouter) under the vendor's provider;
//! 4. a Bedrock id `[geo.]vendor.name[-vN[:M]]` under the vendor's provider;
//! 5. each of the above without a trailing date (`-2024-08-06`, `-20250929`,
//!    `@20250929`);
//! 6. any of these names when exactly one provider has it (spans without a
//!    provider, OpenAI-compatible servers of open models).
//!
//! Results (misses too) are cached per (provider, model) string pair.

use std::collections::HashMap;
use std::sync::RwLock;

/// A resolved model: an index into the model's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelRef {
    index: u32,
    exact: bool,
}

impl ModelRef {
    pub(super) fn index(self) -> usize {
        self.index as usize
    }

    /// Found by ecologits' own exact (provider, name) lookup.
    pub fn is_exact(self) -> bool {
        self.exact
    }
}

/// Provider names as spans carry them (`gen_ai.provider.name` /
/// `gen_ai.system` well-known values, OpenInference `llm.provider`, common
/// client spellings), lower case -> ecologits provider.
pub const PROVIDER_ALIASES: &[(&str, &str)] = &[
    ("openai", "openai"),
    ("azure.ai.openai", "openai"),
    ("azure_openai", "openai"),
    ("azure", "openai"),
    ("anthropic", "anthropic"),
    ("cohere", "cohere"),
    ("mistral_ai", "mistralai"),
    ("mistralai", "mistralai"),
    ("mistral", "mistralai"),
    ("google_genai", "google_genai"),
    ("gcp.gemini", "google_genai"),
    ("gcp.gen_ai", "google_genai"),
    ("gcp.vertex_ai", "google_genai"),
    ("google", "google_genai"),
    ("gemini", "google_genai"),
    ("vertex_ai", "google_genai"),
    ("vertexai", "google_genai"),
    ("huggingface_hub", "huggingface_hub"),
    ("huggingface", "huggingface_hub"),
    ("hugging_face", "huggingface_hub"),
];

/// Lower-cased name -> model, `None` when two models share it.
type FoldedNames = HashMap<String, Option<u32>>;

pub(super) struct ModelIndex {
    provider_by_alias: HashMap<&'static str, usize>,
    /// Per provider: ecologits' exact names.
    exact: Vec<HashMap<String, u32>>,
    /// Per provider: lower-cased names.
    folded: Vec<FoldedNames>,
    /// Lower-cased names over all providers.
    anywhere: FoldedNames,
}

fn add_folded(map: &mut FoldedNames, name: &str, index: u32) {
    map.entry(name.to_ascii_lowercase())
        .and_modify(|found| {
            if *found != Some(index) {
                *found = None;
            }
        })
        .or_insert(Some(index));
}

impl ModelIndex {
    pub(super) fn new<'a>(
        providers: impl Iterator<Item = &'a str>,
        models: impl Iterator<Item = (usize, &'a str)>,
    ) -> Self {
        let providers: Vec<&str> = providers.collect();
        let provider_by_alias = PROVIDER_ALIASES
            .iter()
            .filter_map(|&(alias, name)| {
                let id = providers.iter().position(|p| *p == name)?;
                Some((alias, id))
            })
            .collect();
        let mut exact = vec![HashMap::new(); providers.len()];
        let mut folded = vec![FoldedNames::new(); providers.len()];
        let mut anywhere = FoldedNames::new();
        for (i, (provider, name)) in models.enumerate() {
            // The caller checked that the count fits u32.
            let i = i as u32;
            exact[provider].insert(name.to_owned(), i);
            add_folded(&mut folded[provider], name, i);
            add_folded(&mut anywhere, name, i);
        }
        ModelIndex {
            provider_by_alias,
            exact,
            folded,
            anywhere,
        }
    }

    fn provider_id(&self, provider: &str) -> Option<usize> {
        let provider = provider.trim();
        if let Some(&id) = self.provider_by_alias.get(provider) {
            return Some(id);
        }
        self.provider_by_alias
            .get(provider.to_ascii_lowercase().as_str())
            .copied()
    }

    pub(super) fn find(&self, provider: &str, model: &str) -> Option<ModelRef> {
        let model = model.trim();
        if model.is_empty() {
            return None;
        }
        let provider = self.provider_id(provider);
        if let Some(p) = provider {
            if let Some(&index) = self.exact[p].get(model) {
                return Some(ModelRef { index, exact: true });
            }
        }
        let candidates = self.name_candidates(model);
        let found = candidates
            .iter()
            .find_map(|(vendor, name)| {
                let p = vendor.or(provider)?;
                self.folded[p].get(name).copied().flatten()
            })
            .or_else(|| {
                candidates
                    .iter()
                    .find_map(|(_, name)| self.anywhere.get(name).copied().flatten())
            })?;
        Some(ModelRef {
            index: found,
            exact: false,
        })
    }

    /// (provider implied by a vendor prefix, lower-cased name), in the order tried.
    fn name_candidates(&self, model: &str) -> Vec<(Option<usize>, String)> {
        let lower = model.to_ascii_lowercase();
        let mut out: Vec<(Option<usize>, String)> = vec![(None, lower.clone())];
        if let Some(rest) = lower.strip_prefix("models/") {
            out.push((None, rest.to_owned()));
        }
        if let Some((vendor, rest)) = lower.split_once('/') {
            if let Some(p) = self.provider_by_alias.get(vendor) {
                out.push((Some(*p), rest.to_owned()));
            }
        }
        if let Some((p, rest)) = self.bedrock_parts(&lower) {
            out.push((Some(p), rest.to_owned()));
        }
        let undated: Vec<_> = out
            .iter()
            .filter_map(|(p, name)| Some((*p, without_date_suffix(name)?.to_owned())))
            .collect();
        out.extend(undated);
        out
    }

    /// `us.anthropic.claude-x-v1:0` -> (anthropic, `claude-x`).
    fn bedrock_parts<'n>(&self, name: &'n str) -> Option<(usize, &'n str)> {
        let mut rest = name;
        // An optional geography prefix of a cross-region inference profile, then the vendor.
        for _ in 0..2 {
            let (head, tail) = rest.split_once('.')?;
            if let Some(&p) = self.provider_by_alias.get(head) {
                return Some((p, without_version_suffix(tail)));
            }
            rest = tail;
        }
        None
    }
}

/// `claude-x-v2:0` -> `claude-x`; `claude-x-v1` -> `claude-x`.
fn without_version_suffix(name: &str) -> &str {
    let base = match name.rsplit_once(':') {
        Some((base, minor)) if is_digits(minor) => base,
        _ => name,
    };
    match base.rsplit_once("-v") {
        Some((stem, major)) if is_digits(major) => stem,
        _ => name,
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `gpt-4o-2024-08-06` -> `gpt-4o`; `claude-x-20250929` or `claude-x@20250929` -> `claude-x`.
fn without_date_suffix(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let n = b.len();
    if n > 11
        && b[n - 11] == b'-'
        && digits(n - 10..n - 6)
        && b[n - 6] == b'-'
        && digits(n - 5..n - 3)
        && b[n - 3] == b'-'
        && digits(n - 2..n)
    {
        return Some(&name[..n - 11]);
    }
    if n > 9 && matches!(b[n - 9], b'-' | b'@') && b[n - 8..n - 6] == *b"20" && digits(n - 6..n) {
        return Some(&name[..n - 9]);
    }
    None
}

/// Most distinct (provider, model) pairs kept; a full cache starts over
/// (clients can send any strings, memory must stay bounded).
const CACHE_CAPACITY: usize = 4096;

#[derive(Default)]
struct CacheMap {
    // ahash: faster than SipHash on short names, seeded per process (names
    // come from senders).
    by_provider:
        HashMap<String, HashMap<String, Option<ModelRef>, ahash::RandomState>, ahash::RandomState>,
    entries: usize,
}

#[derive(Default)]
pub(super) struct ResolveCache {
    map: RwLock<CacheMap>,
}

impl ResolveCache {
    pub(super) fn get(&self, provider: &str, model: &str) -> Option<Option<ModelRef>> {
        // A panic while holding the lock cannot leave the map half-updated
        // in a way that matters: entries are inserted whole.
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.by_provider.get(provider)?.get(model).copied()
    }

    pub(super) fn insert(&self, provider: &str, model: &str, found: Option<ModelRef>) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.entries >= CACHE_CAPACITY {
            map.by_provider.clear();
            map.entries = 0;
        }
        let models = map.by_provider.entry(provider.to_owned()).or_default();
        if models.insert(model.to_owned(), found).is_none() {
            map.entries += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_suffixes() {
        assert_eq!(without_date_suffix("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(without_date_suffix("claude-x-20250929"), Some("claude-x"));
        assert_eq!(without_date_suffix("claude-x@20250929"), Some("claude-x"));
        assert_eq!(without_date_suffix("gpt-4-0613"), None);
        assert_eq!(without_date_suffix("command-r-08-2024"), None);
        assert_eq!(without_date_suffix("x-19991231"), None);
        assert_eq!(without_date_suffix("-2024-08-06"), None);
    }

    #[test]
    fn version_suffixes() {
        assert_eq!(without_version_suffix("claude-x-v2:0"), "claude-x");
        assert_eq!(without_version_suffix("claude-x-v1"), "claude-x");
        assert_eq!(without_version_suffix("claude-x"), "claude-x");
        assert_eq!(without_version_suffix("model-vx:0"), "model-vx:0");
    }

    fn index() -> ModelIndex {
        let providers = ["anthropic", "huggingface_hub", "openai"];
        let models = [
            (2, "gpt-4o"),
            (2, "gpt-4o-2024-08-06"),
            (0, "claude-sonnet-4-5-20250929"),
            (1, "mistralai/Mistral-7B-v0.1"),
            (1, "shared-name"),
            (2, "shared-name"),
        ];
        ModelIndex::new(providers.into_iter(), models.into_iter())
    }

    fn find(ix: &ModelIndex, provider: &str, model: &str) -> Option<(u32, bool)> {
        ix.find(provider, model).map(|r| (r.index, r.exact))
    }

    #[test]
    fn exact_then_normalised() {
        let ix = index();
        assert_eq!(find(&ix, "openai", "gpt-4o"), Some((0, true)));
        assert_eq!(find(&ix, "openai", "gpt-4o-2024-08-06"), Some((1, true)));
        assert_eq!(find(&ix, "OpenAI", "GPT-4o"), Some((0, false)));
        assert_eq!(find(&ix, "azure.ai.openai", "gpt-4o"), Some((0, true)));
        assert_eq!(find(&ix, "openai", "gpt-4o-2099-01-01"), Some((0, false)));
        assert_eq!(find(&ix, "litellm", "openai/gpt-4o"), Some((0, false)));
        assert_eq!(
            find(
                &ix,
                "aws.bedrock",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
            ),
            Some((2, false))
        );
        assert_eq!(find(&ix, "", "mistralai/mistral-7b-v0.1"), Some((3, false)));
        assert_eq!(
            find(&ix, "", "claude-sonnet-4-5-20250929"),
            Some((2, false))
        );
    }

    #[test]
    fn misses() {
        let ix = index();
        assert_eq!(find(&ix, "openai", ""), None);
        assert_eq!(find(&ix, "openai", "gpt-99"), None);
        // The same name under two providers is ambiguous without a provider.
        assert_eq!(find(&ix, "", "shared-name"), None);
        assert_eq!(find(&ix, "huggingface", "shared-name"), Some((4, true)));
    }

    #[test]
    fn cache_is_bounded() {
        let cache = ResolveCache::default();
        for i in 0..CACHE_CAPACITY + 10 {
            cache.insert("p", &i.to_string(), None);
        }
        let map = cache.map.read().unwrap();
        assert!(map.entries <= CACHE_CAPACITY);
        assert_eq!(cache_len(&map), map.entries);
    }

    fn cache_len(map: &CacheMap) -> usize {
        map.by_provider.values().map(HashMap::len).sum()
    }
}
