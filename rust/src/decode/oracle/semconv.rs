//! TEST ORACLE (prost structs; tests and the `baseline` feature only): the
//! semantic-convention normalisation over prost `KeyValue`s, written apart
//! from the production scan (`decode::semconv::Found`, over wire views). It
//! reads the same key table (`semconv::keys`: which key feeds which column at
//! which rank, the span-type values, the prompt-part key grammar): the table
//! is data, checked by its own golden cases; what the property tests check
//! here is the decoding and the rules applied to the values.
//!
//! One pass over a span's attributes ([`Found::scan`]) classifies each key
//! and keeps, per normalised column, the index of the best-ranked attribute
//! whose value qualifies. A value qualifies when it is not empty (strings),
//! is a valid count (token columns: int, integral double or decimal string,
//! 0..=u32::MAX) or maps to a known span type; a value that does not qualify
//! falls through to the next key.

use super::attr_text::{utf8, write_value_text};
use crate::decode::otlp_messages::any_value::Value;
use crate::decode::otlp_messages::KeyValue;
use crate::decode::semconv::keys::{classify, map_span_type, parse_part, Col, Part, NCOLS};
use crate::errors::Result;

/// The rank of a column no attribute was found for.
const NONE: u8 = u8::MAX;

/// What the scan of one span's attributes found.
pub struct Found {
    rank: [u8; NCOLS],
    idx: [u32; NCOLS],
    /// Mapped span type for ranks 1..=4 (rank 0 is lower-cased at write time).
    span_type: &'static str,
    /// `gen_ai.request.model`, `gen_ai.system` or `llm.model_name` present.
    llm_hint: bool,
    /// Parsed token counts for the chosen attributes.
    tokens: [u32; 5],
    pub parts: Vec<Part>,
}

impl Default for Found {
    fn default() -> Self {
        Found {
            rank: [NONE; NCOLS],
            idx: [0; NCOLS],
            span_type: "",
            llm_hint: false,
            tokens: [0; 5],
            parts: Vec::new(),
        }
    }
}

#[inline]
fn str_value(v: Option<&Value>) -> Option<&[u8]> {
    match v {
        Some(Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// A count from an int, an integral double or a decimal string.
pub fn token_count(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::IntValue(i) => u32::try_from(*i).ok(),
        Value::DoubleValue(d) => {
            (d.fract() == 0.0 && *d >= 0.0 && *d <= u32::MAX as f64).then_some(*d as u32)
        }
        Value::StringValue(s) => {
            let s = std::str::from_utf8(s).ok()?.trim();
            if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse::<u32>().ok()
        }
        _ => None,
    }
}

/// Is this value non-empty (a match for a text column)?
#[inline]
fn non_empty(v: Option<&Value>) -> bool {
    match v {
        None => false,
        Some(Value::StringValue(s)) | Some(Value::BytesValue(s)) => !s.is_empty(),
        Some(Value::ArrayValue(a)) => !a.values.is_empty(),
        Some(Value::KvlistValue(kv)) => !kv.values.is_empty(),
        Some(_) => true,
    }
}

impl Found {
    pub fn reset(&mut self) {
        self.rank = [NONE; NCOLS];
        self.span_type = "";
        self.llm_hint = false;
        self.parts.clear();
    }

    /// One pass over the attributes. With duplicate keys the last one wins.
    pub fn scan(&mut self, attrs: &[KeyValue]) {
        self.reset();
        for (i, kv) in attrs.iter().enumerate() {
            let v = kv.value.as_ref().and_then(|v| v.value.as_ref());
            let Some((col, rank)) = classify(&kv.key) else {
                if kv.key.starts_with(b"gen_ai.") {
                    if let Some(p) = parse_part(&kv.key, i as u32) {
                        self.parts.push(p);
                    }
                }
                continue;
            };
            let c = col as usize;
            match col {
                Col::Model | Col::Provider
                    if ((col == Col::Model && (rank == 1 || rank == 2))
                        || (col == Col::Provider && rank == 1)) =>
                {
                    self.llm_hint = true;
                }
                _ => {}
            }
            if rank > self.rank[c] {
                continue;
            }
            match col {
                Col::SpanType => {
                    if rank == 0 {
                        if !non_empty(v) {
                            continue;
                        }
                    } else {
                        match str_value(v).and_then(|s| map_span_type(rank, s)) {
                            Some(t) => self.span_type = t,
                            None => continue,
                        }
                    }
                }
                Col::InputTokens
                | Col::OutputTokens
                | Col::CachedTokens
                | Col::ReasoningTokens
                | Col::TotalTokens => match token_count(v) {
                    Some(n) => self.tokens[c - Col::InputTokens as usize] = n,
                    None => continue,
                },
                _ => {
                    if !non_empty(v) {
                        continue;
                    }
                }
            }
            self.rank[c] = rank;
            self.idx[c] = i as u32;
        }
    }

    /// The index of the chosen attribute of `col` when its value is a string
    /// (its text is then the column's text verbatim).
    pub fn verbatim(&self, col: Col, attrs: &[KeyValue]) -> Option<usize> {
        let c = col as usize;
        let i = self.idx[c] as usize;
        (self.rank[c] != NONE
            && matches!(
                attrs[i].value.as_ref().and_then(|v| v.value.as_ref()),
                Some(Value::StringValue(_))
            ))
        .then_some(i)
    }

    /// The attribute chosen for `col`, if any.
    #[inline]
    pub fn attr<'a>(&self, col: Col, attrs: &'a [KeyValue]) -> Option<&'a KeyValue> {
        let c = col as usize;
        (self.rank[c] != NONE).then(|| &attrs[self.idx[c] as usize])
    }

    /// Token column value (input, output, cached, reasoning, total).
    pub fn tokens(&self, col: Col) -> Option<u32> {
        let c = col as usize;
        if self.rank[c] != NONE {
            return Some(self.tokens[c - Col::InputTokens as usize]);
        }
        if col == Col::TotalTokens {
            let i = self.tokens(Col::InputTokens)?;
            let o = self.tokens(Col::OutputTokens)?;
            return i.checked_add(o);
        }
        None
    }

    /// Appends the span type (lower case) to `out`.
    pub fn write_span_type(&self, out: &mut Vec<u8>, attrs: &[KeyValue]) -> Result<()> {
        match self.rank[Col::SpanType as usize] {
            0 => {
                let kv = &attrs[self.idx[Col::SpanType as usize] as usize];
                let mut tmp = Vec::new();
                write_value_text(&mut tmp, kv.value.as_ref().and_then(|v| v.value.as_ref()))?;
                let s = std::str::from_utf8(&tmp).expect("validated");
                out.extend_from_slice(s.to_lowercase().as_bytes());
            }
            NONE => out.extend_from_slice(if self.llm_hint { b"llm" } else { b"span" }),
            _ => out.extend_from_slice(self.span_type.as_bytes()),
        }
        Ok(())
    }

    /// Appends the text of the chosen attribute for a text column; false when none.
    #[inline]
    pub fn write_text(&self, col: Col, attrs: &[KeyValue], out: &mut Vec<u8>) -> Result<bool> {
        match self.attr(col, attrs) {
            Some(kv) => {
                write_value_text(out, kv.value.as_ref().and_then(|v| v.value.as_ref()))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// input / output: the chosen attribute, else the `gen_ai.prompt.{i}.*`
    /// (`gen_ai.completion.{i}.*`) parts as `[{"role":..,"content":..},..]`.
    pub fn write_io(&mut self, output: bool, attrs: &[KeyValue], out: &mut Vec<u8>) -> Result<()> {
        let col = if output { Col::Output } else { Col::Input };
        if self.write_text(col, attrs, out)? || self.parts.is_empty() {
            return Ok(());
        }
        let mut parts: Vec<Part> = self
            .parts
            .iter()
            .copied()
            .filter(|p| p.output == output)
            .collect();
        if parts.is_empty() {
            return Ok(());
        }
        parts.sort_by_key(|p| (p.index, p.attr));
        out.push(b'[');
        let mut i = 0;
        let mut first = true;
        while i < parts.len() {
            let index = parts[i].index;
            let (mut role, mut content) = (None, None);
            while i < parts.len() && parts[i].index == index {
                let p = parts[i];
                if p.content {
                    content = Some(p.attr);
                } else {
                    role = Some(p.attr);
                }
                i += 1;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(b"{\"role\":");
            json_text(out, role.map(|a| &attrs[a as usize]))?;
            out.extend_from_slice(b",\"content\":");
            json_text(out, content.map(|a| &attrs[a as usize]))?;
            out.push(b'}');
        }
        out.push(b']');
        Ok(())
    }
}

/// The text form of an attribute as a JSON string ("" when absent).
fn json_text(out: &mut Vec<u8>, kv: Option<&KeyValue>) -> Result<()> {
    let mut tmp = Vec::new();
    if let Some(kv) = kv {
        write_value_text(&mut tmp, kv.value.as_ref().and_then(|v| v.value.as_ref()))?;
    }
    crate::decode::attr_text::write_json_str(out, std::str::from_utf8(&tmp).expect("validated"));
    Ok(())
}

/// Tags from a `tag.tags`-like value: an array (each item's text), or a string
/// holding a JSON array of strings, or else the string itself as one tag.
pub fn tags(kv: &KeyValue) -> Result<Vec<String>> {
    match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::ArrayValue(a)) => {
            let mut tags = Vec::with_capacity(a.values.len());
            for item in &a.values {
                let mut t = Vec::new();
                write_value_text(&mut t, item.value.as_ref())?;
                tags.push(String::from_utf8(t).expect("validated"));
            }
            Ok(tags)
        }
        Some(Value::StringValue(s)) => {
            let s = utf8(s, "attribute value")?;
            if s.trim_start().starts_with('[') {
                if let Ok(v) = serde_json::from_str::<Vec<String>>(s) {
                    return Ok(v);
                }
            }
            Ok(if s.is_empty() {
                vec![]
            } else {
                vec![s.to_owned()]
            })
        }
        other => {
            let mut t = Vec::new();
            write_value_text(&mut t, other)?;
            Ok(if t.is_empty() {
                vec![]
            } else {
                vec![String::from_utf8(t).expect("validated")]
            })
        }
    }
}

// ------------------------------------------------------------------ resource

/// What a resource contributes to its spans.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ResourceInfo {
    pub service_name: String,
    /// `gls.project`, else `openinference.project.name` (non-empty text).
    pub project: Option<String>,
    pub environment: Option<String>,
}

pub fn resource_info(attrs: &[KeyValue]) -> Result<ResourceInfo> {
    let mut info = ResourceInfo::default();
    let (mut proj_rank, mut env_rank) = (NONE, NONE);
    for kv in attrs {
        let v = kv.value.as_ref().and_then(|v| v.value.as_ref());
        let text = || -> Result<String> {
            let mut t = Vec::new();
            write_value_text(&mut t, v)?;
            Ok(String::from_utf8(t).expect("validated"))
        };
        let (slot, rank) = match kv.key.as_ref() {
            b"service.name" => {
                info.service_name = text()?;
                continue;
            }
            b"gls.project" => (0, 0),
            b"openinference.project.name" => (0, 1),
            b"gls.environment" => (1, 0),
            b"deployment.environment.name" => (1, 1),
            b"deployment.environment" => (1, 2),
            _ => continue,
        };
        if !non_empty(v) {
            continue;
        }
        let cur = if slot == 0 {
            &mut proj_rank
        } else {
            &mut env_rank
        };
        if rank <= *cur {
            *cur = rank;
            let t = text()?;
            if slot == 0 {
                info.project = Some(t);
            } else {
                info.environment = Some(t);
            }
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::otlp_messages::{AnyValue, ArrayValue};
    use crate::decode::semconv::valid_project;
    use bytes::Bytes;

    fn kv(k: &str, v: Value) -> KeyValue {
        KeyValue {
            key: Bytes::copy_from_slice(k.as_bytes()),
            value: Some(AnyValue { value: Some(v) }),
        }
    }
    fn s(k: &str, v: &str) -> KeyValue {
        kv(k, Value::StringValue(Bytes::copy_from_slice(v.as_bytes())))
    }
    fn i(k: &str, v: i64) -> KeyValue {
        kv(k, Value::IntValue(v))
    }

    struct R {
        f: Found,
        attrs: Vec<KeyValue>,
    }
    impl R {
        fn new(attrs: Vec<KeyValue>) -> R {
            let mut f = Found::default();
            f.scan(&attrs);
            R { f, attrs }
        }
        fn text(&self, col: Col) -> Option<String> {
            let mut out = Vec::new();
            self.f
                .write_text(col, &self.attrs, &mut out)
                .unwrap()
                .then(|| String::from_utf8(out).unwrap())
        }
        fn span_type(&self) -> String {
            let mut out = Vec::new();
            self.f.write_span_type(&mut out, &self.attrs).unwrap();
            String::from_utf8(out).unwrap()
        }
        fn io(&mut self, output: bool) -> String {
            let mut out = Vec::new();
            self.f.write_io(output, &self.attrs, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        }
    }

    #[test]
    fn openinference() {
        let mut r = R::new(vec![
            s("openinference.span.kind", "LLM"),
            s("llm.model_name", "gpt-4o-mini"),
            s("llm.provider", "openai"),
            s("llm.system", "openai-sys"),
            i("llm.token_count.prompt", 120),
            i("llm.token_count.completion", 30),
            i("llm.token_count.total", 150),
            i("llm.token_count.prompt_details.cache_read", 100),
            i("llm.token_count.completion_details.reasoning", 7),
            s("input.value", "{\"messages\": []}"),
            s("output.value", "hi there"),
            s("session.id", "sess-1"),
            s("user.id", "u-1"),
            kv(
                "tag.tags",
                Value::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Value::StringValue(Bytes::from_static(b"a"))),
                    }],
                }),
            ),
        ]);
        assert_eq!(r.span_type(), "llm");
        assert_eq!(r.text(Col::Model).as_deref(), Some("gpt-4o-mini"));
        assert_eq!(r.text(Col::Provider).as_deref(), Some("openai"));
        assert_eq!(r.f.tokens(Col::InputTokens), Some(120));
        assert_eq!(r.f.tokens(Col::OutputTokens), Some(30));
        assert_eq!(r.f.tokens(Col::TotalTokens), Some(150));
        assert_eq!(r.f.tokens(Col::CachedTokens), Some(100));
        assert_eq!(r.f.tokens(Col::ReasoningTokens), Some(7));
        assert_eq!(r.io(false), "{\"messages\": []}");
        assert_eq!(r.io(true), "hi there");
        assert_eq!(r.text(Col::SessionId).as_deref(), Some("sess-1"));
        assert_eq!(r.text(Col::UserId).as_deref(), Some("u-1"));
        assert_eq!(
            tags(r.f.attr(Col::Tags, &r.attrs).unwrap()).unwrap(),
            vec!["a"]
        );
        for (kind, t) in [
            ("CHAIN", "chain"),
            ("retriever", "retriever"),
            ("GUARDRAIL", "guardrail"),
            ("PROMPT", "prompt"),
        ] {
            assert_eq!(
                R::new(vec![s("openinference.span.kind", kind)]).span_type(),
                t
            );
        }
        // unknown kind falls through
        assert_eq!(
            R::new(vec![s("openinference.span.kind", "WHATEVER")]).span_type(),
            "span"
        );
    }

    #[test]
    fn openllmetry() {
        let mut r = R::new(vec![
            s("traceloop.span.kind", "workflow"),
            s("traceloop.workflow.name", "rag"),
            s("llm.request.type", "chat"),
            s("gen_ai.system", "Anthropic"),
            s("gen_ai.request.model", "claude-3"),
            s("gen_ai.response.model", "claude-3-20240229"),
            i("gen_ai.usage.prompt_tokens", 10),
            kv("gen_ai.usage.completion_tokens", Value::DoubleValue(5.0)),
            s("gen_ai.prompt.1.role", "user"),
            s("gen_ai.prompt.0.content", "be nice"),
            s("gen_ai.prompt.0.role", "system"),
            s("gen_ai.prompt.1.content", "hi \"there\""),
            s("gen_ai.completion.0.role", "assistant"),
            s("gen_ai.completion.0.content", "hello"),
            s("gen_ai.completion.0.finish_reason", "stop"),
            s("traceloop.association.properties.user_id", "u9"),
        ]);
        assert_eq!(r.span_type(), "chain");
        assert_eq!(r.text(Col::Chain).as_deref(), Some("rag"));
        assert_eq!(r.text(Col::Model).as_deref(), Some("claude-3-20240229"));
        assert_eq!(r.text(Col::Provider).as_deref(), Some("Anthropic"));
        assert_eq!(r.f.tokens(Col::InputTokens), Some(10));
        assert_eq!(r.f.tokens(Col::OutputTokens), Some(5));
        assert_eq!(r.f.tokens(Col::TotalTokens), Some(15));
        assert_eq!(r.f.tokens(Col::CachedTokens), None);
        assert_eq!(
            r.io(false),
            r#"[{"role":"system","content":"be nice"},{"role":"user","content":"hi \"there\""}]"#
        );
        assert_eq!(r.io(true), r#"[{"role":"assistant","content":"hello"}]"#);
        assert_eq!(r.text(Col::UserId).as_deref(), Some("u9"));
        assert_eq!(
            R::new(vec![s("traceloop.span.kind", "task")]).span_type(),
            "chain"
        );
        assert_eq!(
            R::new(vec![s("traceloop.span.kind", "tool")]).span_type(),
            "tool"
        );
        assert_eq!(
            R::new(vec![s("llm.request.type", "embedding")]).span_type(),
            "embedding"
        );
        assert_eq!(
            R::new(vec![s("llm.request.type", "completion")]).span_type(),
            "llm"
        );
    }

    #[test]
    fn genai_semconv() {
        let mut r = R::new(vec![
            s("gen_ai.operation.name", "chat"),
            s("gen_ai.provider.name", "openai"),
            s("gen_ai.system", "legacy"),
            s("gen_ai.request.model", "gpt-4o"),
            i("gen_ai.usage.input_tokens", 100),
            i("gen_ai.usage.output_tokens", 20),
            s("gen_ai.usage.cache_read.input_tokens", "64"),
            i("gen_ai.usage.reasoning.output_tokens", 3),
            s("gen_ai.input.messages", "[{\"role\":\"user\"}]"),
            s("gen_ai.output.messages", "[{\"role\":\"assistant\"}]"),
            s("gen_ai.conversation.id", "conv"),
            s("gen_ai.agent.name", "planner"),
        ]);
        assert_eq!(r.span_type(), "llm");
        assert_eq!(r.text(Col::Provider).as_deref(), Some("openai"));
        assert_eq!(r.text(Col::Model).as_deref(), Some("gpt-4o"));
        assert_eq!(r.f.tokens(Col::CachedTokens), Some(64));
        assert_eq!(r.f.tokens(Col::ReasoningTokens), Some(3));
        assert_eq!(r.f.tokens(Col::TotalTokens), Some(120));
        assert_eq!(r.io(false), "[{\"role\":\"user\"}]");
        assert_eq!(r.io(true), "[{\"role\":\"assistant\"}]");
        assert_eq!(r.text(Col::SessionId).as_deref(), Some("conv"));
        assert_eq!(r.text(Col::Agent).as_deref(), Some("planner"));
        for (op, t) in [
            ("text_completion", "llm"),
            ("generate_content", "llm"),
            ("embeddings", "embedding"),
            ("execute_tool", "tool"),
            ("invoke_agent", "agent"),
            ("create_agent", "agent"),
        ] {
            assert_eq!(R::new(vec![s("gen_ai.operation.name", op)]).span_type(), t);
        }
        // presence of a model key -> llm
        assert_eq!(
            R::new(vec![s("gen_ai.system", "openai")]).span_type(),
            "llm"
        );
        assert_eq!(R::new(vec![s("llm.model_name", "m")]).span_type(), "llm");
        assert_eq!(
            R::new(vec![s("llm.response.model", "m")]).span_type(),
            "span"
        );
        assert_eq!(R::new(vec![]).span_type(), "span");
    }

    #[test]
    fn precedence_and_gls_keys() {
        let r = R::new(vec![
            s("openinference.span.kind", "TOOL"),
            s("gls.span.type", "Retrieval-Custom"),
            s("agent.name", "a2"),
            s("gls.agent", "a1"),
            s("greenlang.chain", "c2"),
            s("gls.chain", ""), // empty does not match
            s("enduser.id", "e"),
            s("langfuse.user.id", "l"),
            i("gls.user", 7), // non-string values use their text
        ]);
        assert_eq!(r.span_type(), "retrieval-custom");
        assert_eq!(r.text(Col::Agent).as_deref(), Some("a1"));
        assert_eq!(r.text(Col::Chain).as_deref(), Some("c2"));
        assert_eq!(r.text(Col::UserId).as_deref(), Some("e"));
        let r = R::new(vec![i("gls.user", 7)]);
        assert_eq!(r.text(Col::UserId).as_deref(), Some("7"));
        // duplicate key: last wins
        let r = R::new(vec![s("gls.agent", "first"), s("gls.agent", "second")]);
        assert_eq!(r.text(Col::Agent).as_deref(), Some("second"));
    }

    #[test]
    fn token_rules() {
        let r = R::new(vec![
            i("gen_ai.usage.input_tokens", -5),
            s("gen_ai.usage.output_tokens", "abc"),
            kv("llm.token_count.total", Value::DoubleValue(1.5)),
        ]);
        assert_eq!(r.f.tokens(Col::InputTokens), None);
        assert_eq!(r.f.tokens(Col::OutputTokens), None);
        assert_eq!(r.f.tokens(Col::TotalTokens), None);
        // an invalid value falls through to the next key
        let r = R::new(vec![
            i("gen_ai.usage.input_tokens", -5),
            i("llm.token_count.prompt", 9),
            i("gen_ai.usage.output_tokens", 1),
        ]);
        assert_eq!(r.f.tokens(Col::InputTokens), Some(9));
        assert_eq!(r.f.tokens(Col::TotalTokens), Some(10));
        assert_eq!(
            token_count(Some(&Value::IntValue(u32::MAX as i64 + 1))),
            None
        );
        assert_eq!(
            token_count(Some(&Value::StringValue(Bytes::from_static(b" 42 ")))),
            Some(42)
        );
        assert_eq!(
            token_count(Some(&Value::StringValue(Bytes::from_static(b"+4")))),
            None
        );
        assert_eq!(token_count(Some(&Value::BoolValue(true))), None);
        let r = R::new(vec![
            i("llm.usage.total_tokens", 99),
            i("gen_ai.usage.input_tokens", 1),
            i("gen_ai.usage.output_tokens", 1),
        ]);
        assert_eq!(r.f.tokens(Col::TotalTokens), Some(99));
        let r = R::new(vec![
            i("gen_ai.usage.input_tokens", u32::MAX as i64),
            i("gen_ai.usage.output_tokens", 1),
        ]);
        assert_eq!(r.f.tokens(Col::TotalTokens), None);
    }

    #[test]
    fn tag_forms() {
        assert_eq!(
            tags(&s("gls.tags", "[\"x\", \"y\"]")).unwrap(),
            vec!["x", "y"]
        );
        assert_eq!(tags(&s("gls.tags", "prod")).unwrap(), vec!["prod"]);
        assert_eq!(
            tags(&s("gls.tags", "[not json")).unwrap(),
            vec!["[not json"]
        );
        let r = R::new(vec![
            s("langfuse.trace.tags", "[\"l\"]"),
            s("gls.tags", "g"),
        ]);
        assert_eq!(
            tags(r.f.attr(Col::Tags, &r.attrs).unwrap()).unwrap(),
            vec!["g"]
        );
    }

    #[test]
    fn resource_rules() {
        let info = resource_info(&[
            s("service.name", "api"),
            s("openinference.project.name", "phoenix-proj"),
            s("gls.project", "gls-proj"),
            s("deployment.environment", "staging"),
            s("deployment.environment.name", "prod"),
        ])
        .unwrap();
        assert_eq!(info.service_name, "api");
        assert_eq!(info.project.as_deref(), Some("gls-proj"));
        assert_eq!(info.environment.as_deref(), Some("prod"));
        let info = resource_info(&[
            s("openinference.project.name", "phoenix-proj"),
            s("gls.project", ""),
        ])
        .unwrap();
        assert_eq!(info.project.as_deref(), Some("phoenix-proj"));
        assert!(valid_project("a.B_c-9"));
        assert!(valid_project(&"x".repeat(128)));
        assert!(!valid_project(&"x".repeat(129)));
        assert!(!valid_project(""));
        assert!(!valid_project("has space"));
        assert!(!valid_project("é"));
    }
}
