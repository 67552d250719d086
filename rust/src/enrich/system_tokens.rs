//! Tokens of the system (and developer) messages of a prompt recorded as
//! messages, counted once per distinct system text (they repeat, one per
//! agent, while whole prompts do not).

use std::hash::Hasher;
use std::sync::PoisonError;

use super::Enricher;
use crate::tokens;

/// System prompts repeat (one per agent), so their token counts are cached
/// by content hash; the cache is dropped whole when it fills.
const SYSTEM_TOKEN_CACHE: usize = 8192;

impl Enricher {
    /// Content tokens of the system (and developer) messages of a prompt
    /// recorded as messages (an array, or `{"messages": [...]}`); None for
    /// plain text. System prompts
    /// repeat (one per agent) while whole prompts do not, so the count is
    /// cached by the system text's hash and only a miss runs the tokenizer.
    pub(super) fn system_tokens(&self, model: &str, prompt: &str) -> Option<u32> {
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
