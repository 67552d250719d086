//! Token count estimates for spans that carry text but no token counts.
//!
//! Counts come from OpenAI's BPE encodings through the `tiktoken-rs` crate,
//! whose rank files are compiled into the binary (`include_str!` of the
//! crate's `assets/*.tiktoken`): nothing is fetched at run time, unlike the
//! Python `tiktoken` package. Each encoder is parsed once, on first use
//! (~0.1-0.3 s), and shared by every thread.
//!
//! # Which encoding
//! OpenAI model names map as tiktoken's own `encoding_for_model` does
//! (o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4, gpt-oss;
//! cl100k_base for gpt-4, gpt-3.5, the embedding models), after dropping a
//! provider prefix (`openai/gpt-4o`) and a fine-tune wrapper (`ft:...`).
//! Everything else, other vendors' models included, is counted with
//! cl100k_base: their tokenizers are not public or not shipped, and
//! cl100k_base is a documented, stable approximation (Claude, Llama and
//! Mistral text usually lands within ~10-20% of it). The few legacy
//! completion models on p50k/r50k are counted with cl100k_base too.
//!
//! # Messages
//! When the text is a JSON array of chat messages (`[{"role", "content"}]`,
//! as the `input`/`output` columns carry them; also `{"messages": [...]}`),
//! a prompt is counted as OpenAI's cookbook "How to count tokens with
//! tiktoken" does for current chat models: every message costs 3 tokens of
//! framing plus the tokens of each of its string fields (role, content,
//! name, ...), a `name` one more, and the reply is primed with 3 more
//! (`<|start|>assistant<|message|>`). Content given as parts counts its
//! text parts (`{"type": "text", "text"}` or OpenTelemetry's `{"type":
//! "text", "content"}`); images and other media are not estimated. Tool
//! calls count their function name and arguments. A completion
//! ([`estimate_completion_tokens`]) is the content alone, with no framing.
//! Any other text is counted as plain text.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use serde_json::{Map, Value};
use tiktoken_rs::tokenizer::{get_tokenizer, Tokenizer};
use tiktoken_rs::CoreBPE;

use crate::errors::{Error, Result};

/// Framing tokens of each chat message (cookbook, current models).
pub const TOKENS_PER_MESSAGE: u32 = 3;
/// Extra token when a message has a `name`.
pub const TOKENS_PER_NAME: u32 = 1;
/// Tokens that prime the reply (`<|start|>assistant<|message|>`), once per prompt.
pub const REPLY_PRIMING_TOKENS: u32 = 3;

/// A BPE encoding the estimates can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    O200kBase,
    Cl100kBase,
}

impl Encoding {
    /// tiktoken's name of the encoding.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::O200kBase => "o200k_base",
            Encoding::Cl100kBase => "cl100k_base",
        }
    }
}

/// The encoding used to count tokens for `model` (module doc).
pub fn encoding_for_model(model: &str) -> Encoding {
    let name = model.trim().to_ascii_lowercase();
    // "openai/gpt-4o", "azure/openai/gpt-4o-mini": the model is the last part.
    let name = name.rsplit('/').next().unwrap_or(&name);
    match get_tokenizer(name) {
        Some(Tokenizer::O200kBase | Tokenizer::O200kHarmony) => Encoding::O200kBase,
        Some(_) => Encoding::Cl100kBase,
        None => {
            // Names tiktoken's table does not list yet but whose family is known.
            let o_series =
                name.len() > 1 && name.starts_with('o') && name.as_bytes()[1].is_ascii_digit();
            let o200k_family = ["gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss"];
            if o_series || o200k_family.iter().any(|f| name.contains(f)) {
                Encoding::O200kBase
            } else {
                Encoding::Cl100kBase
            }
        }
    }
}

/// The encoder of `encoding`, parsed on first use.
fn encoder(encoding: Encoding) -> Result<&'static CoreBPE> {
    static O200K: OnceLock<Result<CoreBPE, String>> = OnceLock::new();
    static CL100K: OnceLock<Result<CoreBPE, String>> = OnceLock::new();
    let cell = match encoding {
        Encoding::O200kBase => &O200K,
        Encoding::Cl100kBase => &CL100K,
    };
    cell.get_or_init(|| {
        let loaded = match encoding {
            Encoding::O200kBase => tiktoken_rs::o200k_base(),
            Encoding::Cl100kBase => tiktoken_rs::cl100k_base(),
        };
        loaded.map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| {
        Error::InvalidArgument(format!("cannot load the {} encoding: {e}", encoding.name()))
    })
}

/// Number of tokens of `text` as ordinary text (special-token markers such
/// as `<|endoftext|>` count as the text they are, as tiktoken's
/// `encode_ordinary` does).
pub fn count_text_tokens(encoding: Encoding, text: &str) -> Result<u32> {
    let bpe = encoder(encoding)?;
    count_with(bpe, text)
}

fn count_with(bpe: &CoreBPE, text: &str) -> Result<u32> {
    if text.is_empty() {
        return Ok(0);
    }
    // tiktoken unwraps the regex match, which fails (panics) if fancy-regex
    // gives up backtracking on some pathological input: refuse that text
    // instead of taking the ingest thread down.
    let n = catch_unwind(AssertUnwindSafe(|| bpe.encode_ordinary(text).len())).map_err(|_| {
        Error::InvalidArgument("text could not be tokenized (tokenizer gave up)".into())
    })?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// A token estimate of a prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenEstimate {
    /// Every token of the prompt, message framing included.
    pub tokens: u32,
    /// Content tokens of the system (and `developer`) messages; 0 for plain text.
    pub system_tokens: u32,
}

/// Estimates the prompt tokens of `text` sent to `model` (module doc).
pub fn estimate_tokens(model: &str, text: &str) -> Result<TokenEstimate> {
    let bpe = encoder(encoding_for_model(model))?;
    let Some(messages) = chat_messages(text) else {
        return Ok(TokenEstimate {
            tokens: count_with(bpe, text)?,
            system_tokens: 0,
        });
    };
    let mut tokens = REPLY_PRIMING_TOKENS;
    let mut system_tokens = 0u32;
    for message in &messages {
        let counted = count_message(bpe, message)?;
        tokens = tokens
            .saturating_add(TOKENS_PER_MESSAGE)
            .saturating_add(counted.fields)
            .saturating_add(counted.content);
        let role = message.get("role").and_then(Value::as_str);
        if matches!(role, Some("system" | "developer")) {
            system_tokens = system_tokens.saturating_add(counted.content);
        }
    }
    Ok(TokenEstimate {
        tokens,
        system_tokens,
    })
}

/// Estimates the completion tokens of `text` produced by `model`: the
/// content of the messages (no framing), or the plain text.
pub fn estimate_completion_tokens(model: &str, text: &str) -> Result<u32> {
    let bpe = encoder(encoding_for_model(model))?;
    let Some(messages) = chat_messages(text) else {
        return count_with(bpe, text);
    };
    let mut tokens = 0u32;
    for message in &messages {
        let counted = count_message(bpe, message)?;
        tokens = tokens
            .saturating_add(counted.content)
            .saturating_add(counted.tool_calls);
    }
    Ok(tokens)
}

/// The messages of a chat transcript, or None if `text` is not one (every
/// element must be an object with a string `role`).
fn chat_messages(text: &str) -> Option<Vec<Map<String, Value>>> {
    let start = text.trim_start().as_bytes().first()?;
    if *start != b'[' && *start != b'{' {
        return None;
    }
    let list = match serde_json::from_str::<Value>(text).ok()? {
        Value::Array(list) => list,
        Value::Object(mut object) => match object.remove("messages") {
            Some(Value::Array(list)) => list,
            _ => return None,
        },
        _ => return None,
    };
    if list.is_empty() {
        return None;
    }
    list.into_iter()
        .map(|m| match m {
            Value::Object(m) if m.get("role").is_some_and(Value::is_string) => Some(m),
            _ => None,
        })
        .collect()
}

/// The tokens of one message, split as the estimates need them.
#[derive(Default)]
struct MessageTokens {
    /// `content` / `parts` text.
    content: u32,
    /// Function names and arguments of `tool_calls` / `function_call`.
    tool_calls: u32,
    /// Everything counted but the content: the other string fields, tool
    /// calls and the name token.
    fields: u32,
}

fn count_message(bpe: &CoreBPE, message: &Map<String, Value>) -> Result<MessageTokens> {
    let mut counted = MessageTokens::default();
    for (key, value) in message {
        match (key.as_str(), value) {
            ("content" | "parts", value) => {
                counted.content = counted.content.saturating_add(count_parts(bpe, value)?);
            }
            ("tool_calls", Value::Array(calls)) => {
                for call in calls {
                    let function = call.get("function").unwrap_or(call);
                    let n = count_function(bpe, function)?;
                    counted.tool_calls = counted.tool_calls.saturating_add(n);
                }
            }
            ("function_call", function @ Value::Object(_)) => {
                let n = count_function(bpe, function)?;
                counted.tool_calls = counted.tool_calls.saturating_add(n);
            }
            (key, Value::String(s)) => {
                counted.fields = counted.fields.saturating_add(count_with(bpe, s)?);
                if key == "name" {
                    counted.fields = counted.fields.saturating_add(TOKENS_PER_NAME);
                }
            }
            _ => {}
        }
    }
    counted.fields = counted.fields.saturating_add(counted.tool_calls);
    Ok(counted)
}

/// Text of a `content` value: a string, or a list of parts whose text counts.
fn count_parts(bpe: &CoreBPE, value: &Value) -> Result<u32> {
    match value {
        Value::String(s) => count_with(bpe, s),
        Value::Array(parts) => {
            let mut n = 0u32;
            for part in parts {
                let text = match part {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(p) => p.get("text").and_then(Value::as_str).or_else(|| {
                        let is_text = p.get("type").and_then(Value::as_str) == Some("text");
                        p.get("content").and_then(Value::as_str).filter(|_| is_text)
                    }),
                    _ => None,
                };
                if let Some(text) = text {
                    n = n.saturating_add(count_with(bpe, text)?);
                }
            }
            Ok(n)
        }
        _ => Ok(0),
    }
}

fn count_function(bpe: &CoreBPE, function: &Value) -> Result<u32> {
    let mut n = 0u32;
    for key in ["name", "arguments"] {
        match function.get(key) {
            Some(Value::String(s)) => n = n.saturating_add(count_with(bpe, s)?),
            // Arguments recorded as an object rather than a JSON string.
            Some(v @ Value::Object(_)) => n = n.saturating_add(count_with(bpe, &v.to_string())?),
            _ => {}
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_families() {
        for model in [
            "gpt-4o",
            "gpt-4o-mini-2024-07-18",
            "openai/gpt-4.1-mini",
            "GPT-5",
            "gpt-5.1-codex",
            "o1",
            "o3-mini",
            "o4-mini",
            "o5-preview",
            "ft:gpt-4o-mini-2024-07-18:acme::abc123",
            "chatgpt-4o-latest",
            "gpt-oss-120b",
        ] {
            assert_eq!(encoding_for_model(model), Encoding::O200kBase, "{model}");
        }
        for model in [
            "gpt-4",
            "gpt-4-turbo",
            "gpt-3.5-turbo-0125",
            "text-embedding-3-small",
            "claude-3-5-sonnet-20241022",
            "anthropic/claude-sonnet-4",
            "llama-3.1-70b",
            "",
            "omni-moderation",
        ] {
            assert_eq!(encoding_for_model(model), Encoding::Cl100kBase, "{model}");
        }
    }

    #[test]
    fn plain_text_counts_with_the_model_encoding() {
        // The cookbook's example string: 6 tokens in both encodings, tiktoken's docs.
        let text = "tiktoken is great!";
        assert_eq!(count_text_tokens(Encoding::Cl100kBase, text).unwrap(), 6);
        assert_eq!(count_text_tokens(Encoding::O200kBase, text).unwrap(), 6);
        let e = estimate_tokens("gpt-4o", text).unwrap();
        assert_eq!(
            e,
            TokenEstimate {
                tokens: 6,
                system_tokens: 0
            }
        );
        assert_eq!(estimate_tokens("gpt-4o", "").unwrap().tokens, 0);
        // Special-token markers are text, not control tokens.
        assert!(count_text_tokens(Encoding::O200kBase, "<|endoftext|>").unwrap() > 1);
    }

    #[test]
    fn messages_add_framing_and_split_out_system_tokens() {
        let count = |s: &str| count_text_tokens(Encoding::O200kBase, s).unwrap();
        let text = r#"[{"role":"system","content":"You are terse."},
                       {"role":"user","name":"ann","content":[{"type":"text","text":"Hi there"},
                                                             {"type":"image_url","image_url":{"url":"x"}}]}]"#;
        let e = estimate_tokens("gpt-4o", text).unwrap();
        let want = REPLY_PRIMING_TOKENS
            + 2 * TOKENS_PER_MESSAGE
            + count("system")
            + count("You are terse.")
            + count("user")
            + count("ann")
            + TOKENS_PER_NAME
            + count("Hi there");
        assert_eq!(e.tokens, want);
        assert_eq!(e.system_tokens, count("You are terse."));
        let completion = r#"[{"role":"assistant","content":"Hello!"}]"#;
        assert_eq!(
            estimate_completion_tokens("gpt-4o", completion).unwrap(),
            count("Hello!")
        );
        // Not a transcript: counted as the text it is.
        let not_messages = r#"[{"content":"no role"}]"#;
        assert_eq!(
            estimate_tokens("gpt-4o", not_messages).unwrap().tokens,
            count(not_messages)
        );
    }

    #[test]
    fn opentelemetry_parts_and_tool_calls_count() {
        let count = |s: &str| count_text_tokens(Encoding::Cl100kBase, s).unwrap();
        let text = r#"{"messages":[{"role":"assistant","parts":[{"type":"text","content":"Let me check."}],
                      "tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}]}"#;
        let e = estimate_completion_tokens("claude-3-haiku", text).unwrap();
        assert_eq!(
            e,
            count("Let me check.") + count("get_weather") + count(r#"{"city":"Oslo"}"#)
        );
    }
}
