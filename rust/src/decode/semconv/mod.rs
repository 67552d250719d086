//! Semantic conventions -> the typed, normalised columns.
//!
//! One pass over a span's attributes ([`Found::scan`]) classifies each key
//! (a `match` on the key bytes) and keeps, per normalised column, the index of
//! the best-ranked attribute whose value qualifies; the values are then
//! written straight into the column buffers by `arrow_batch.rs`. "First match wins"
//! in the schema doc is the rank order here. A value qualifies when it is
//! not empty (strings), is a valid count (token columns: int, integral double
//! or decimal string, 0..=u32::MAX) or maps to a known span type; a value
//! that does not qualify falls through to the next key.

use crate::decode::attr_text::{utf8, write_value_text, write_value_text_checked};
use crate::decode::otlp_views::{for_each_item, has_items, resolve_any, Kv, Val};
use crate::errors::Result;

pub mod keys;

pub use keys::{classify, Col, Part, NCOLS};
use keys::{map_span_type, parse_part};

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
    /// Bit i: the string value of attribute i (< 64) is known valid UTF-8.
    checked: u64,
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
            checked: 0,
        }
    }
}

#[inline]
fn str_value<'v>(v: &'v Val) -> Option<&'v [u8]> {
    match v {
        Val::Str(s) => Some(s),
        _ => None,
    }
}

/// A count from an int, an integral double or a decimal string.
pub fn token_count(v: &Val) -> Option<u32> {
    match v {
        Val::Int(i) => u32::try_from(*i).ok(),
        Val::Double(d) => {
            (d.fract() == 0.0 && *d >= 0.0 && *d <= u32::MAX as f64).then_some(*d as u32)
        }
        Val::Str(s) => {
            let s = simdutf8::basic::from_utf8(s).ok()?.trim();
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
fn non_empty(v: &Val) -> bool {
    match v {
        Val::Empty => false,
        Val::Str(s) | Val::Bytes(s) => !s.is_empty(),
        Val::Array(a) | Val::Kvlist(a) => has_items(a),
        _ => true,
    }
}

impl Found {
    pub fn reset(&mut self) {
        self.rank = [NONE; NCOLS];
        self.span_type = "";
        self.llm_hint = false;
        self.parts.clear();
        self.checked = 0;
    }

    /// One pass over the attributes. With duplicate keys the last one wins.
    pub fn scan(&mut self, attrs: &[Kv]) {
        self.reset();
        for (i, kv) in attrs.iter().enumerate() {
            let v = &kv.val;
            let Some((col, rank)) = classify(kv.key) else {
                if kv.key.starts_with(b"gen_ai.") {
                    if let Some(p) = parse_part(kv.key, i as u32) {
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

    /// The index of the attribute chosen for `col`, if any.
    #[inline]
    pub fn chosen(&self, col: Col) -> Option<usize> {
        let c = col as usize;
        (self.rank[c] != NONE).then_some(self.idx[c] as usize)
    }

    /// The attribute whose string value is, verbatim, the text of `col`
    /// (input / output): the chosen one when it is a string. Such an
    /// attribute is stored once, in the column (see `input_key`).
    #[inline]
    pub fn verbatim(&self, col: Col, attrs: &[Kv]) -> Option<usize> {
        self.chosen(col)
            .filter(|&i| matches!(attrs[i].val, Val::Str(_)))
    }

    /// The attribute chosen for `col`, if any.
    #[inline]
    pub fn attr<'k, 'a>(&self, col: Col, attrs: &'k [Kv<'a>]) -> Option<&'k Kv<'a>> {
        self.chosen(col).map(|i| &attrs[i])
    }

    /// Appends the text of attribute `i`'s value; its UTF-8 is checked once
    /// per span however many columns it feeds. Always inlined: once per
    /// attribute, from `arrow_batch`.
    #[inline(always)]
    pub fn value_text(&mut self, i: usize, attrs: &[Kv], out: &mut Vec<u8>) -> Result<u8> {
        let bit = if i < 64 { 1u64 << i } else { 0 };
        let code = write_value_text_checked(out, &attrs[i].val, self.checked & bit != 0)?;
        self.checked |= bit;
        Ok(code)
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
    pub fn write_span_type(&mut self, out: &mut Vec<u8>, attrs: &[Kv]) -> Result<()> {
        match self.rank[Col::SpanType as usize] {
            0 => {
                let i = self.idx[Col::SpanType as usize] as usize;
                let mut tmp = Vec::new();
                self.value_text(i, attrs, &mut tmp)?;
                let s = std::str::from_utf8(&tmp).expect("validated");
                if s.is_ascii() {
                    out.extend(tmp.iter().map(u8::to_ascii_lowercase));
                } else {
                    out.extend_from_slice(s.to_lowercase().as_bytes());
                }
            }
            NONE => out.extend_from_slice(if self.llm_hint { b"llm" } else { b"span" }),
            _ => out.extend_from_slice(self.span_type.as_bytes()),
        }
        Ok(())
    }

    /// Appends the text of the chosen attribute for a text column; false when none.
    /// Always inlined: once per text column of every span, from `arrow_batch`.
    #[inline(always)]
    pub fn write_text(&mut self, col: Col, attrs: &[Kv], out: &mut Vec<u8>) -> Result<bool> {
        match self.chosen(col) {
            Some(i) => {
                self.value_text(i, attrs, out)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// input / output: the chosen attribute, else the `gen_ai.prompt.{i}.*`
    /// (`gen_ai.completion.{i}.*`) parts as `[{"role":..,"content":..},..]`.
    pub fn write_io(&mut self, output: bool, attrs: &[Kv], out: &mut Vec<u8>) -> Result<()> {
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
            self.json_text(out, role, attrs)?;
            out.extend_from_slice(b",\"content\":");
            self.json_text(out, content, attrs)?;
            out.push(b'}');
        }
        out.push(b']');
        Ok(())
    }

    /// The text form of an attribute as a JSON string ("" when absent).
    fn json_text(&mut self, out: &mut Vec<u8>, attr: Option<u32>, attrs: &[Kv]) -> Result<()> {
        let mut tmp = Vec::new();
        if let Some(a) = attr {
            self.value_text(a as usize, attrs, &mut tmp)?;
        }
        crate::decode::attr_text::write_json_utf8(out, &tmp);
        Ok(())
    }
}

/// Tags from a `tag.tags`-like value: an array (each item's text), or a string
/// holding a JSON array of strings, or else the string itself as one tag.
pub fn tags(kv: &Kv) -> Result<Vec<String>> {
    match &kv.val {
        Val::Array(a) => {
            let mut tags = Vec::new();
            for_each_item(a, |item| {
                let mut t = Vec::new();
                write_value_text(&mut t, &resolve_any(item, 2, false)?)?;
                tags.push(String::from_utf8(t).expect("validated"));
                Ok(())
            })?;
            Ok(tags)
        }
        Val::Str(s) => {
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

pub fn resource_info(attrs: &[Kv]) -> Result<ResourceInfo> {
    let mut info = ResourceInfo::default();
    let (mut proj_rank, mut env_rank) = (NONE, NONE);
    for kv in attrs {
        let v = &kv.val;
        let text = || -> Result<String> {
            let mut t = Vec::new();
            write_value_text(&mut t, v)?;
            Ok(String::from_utf8(t).expect("validated"))
        };
        let (slot, rank) = match kv.key {
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

/// 1-128 characters of `[A-Za-z0-9._-]`.
pub fn valid_project(p: &str) -> bool {
    (1..=128).contains(&p.len())
        && p.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}
