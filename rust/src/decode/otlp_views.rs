//! OTLP trace messages read straight from the protobuf wire format, as
//! borrowed views of the request body (see `protobuf_wire.rs`): no per-field
//! allocation, strings are `&[u8]` sub-slices whose UTF-8 is checked once,
//! where the text is used (`arrow_batch.rs`, `attr_text.rs`).
//!
//! Semantics are prost's (the test oracle, `oracle/`, decodes with prost):
//! the last value of a scalar field seen twice wins; a non-repeated message
//! field seen twice is merged (= the concatenation of its encodings, which
//! we then read as one message: this only allocates in that rare case);
//! `AnyValue` is a oneof: the last member wins, except that the same message
//! member (array/kvlist) seen again is merged into the current one. Unknown
//! fields are skipped. Unlike prost there is no recursion limit; instead
//! AnyValues nested deeper than [`MAX_ANYVALUE_DEPTH`] are refused
//! ([`Error::NestingTooDeep`], as for OTLP/JSON), the check running before
//! each level is entered, so hostile nesting errors cleanly.

use std::borrow::Cow;

use crate::decode::protobuf_wire::Reader;
use crate::errors::{Error, Result, MAX_ANYVALUE_DEPTH};

/// A resolved `AnyValue`. Array and kvlist values stay raw (the encoded
/// `ArrayValue` / `KeyValueList`, already validated) and are walked when
/// written. `Cow::Owned` only for values merged from several encodings.
#[derive(Clone, Debug)]
pub enum Val<'a> {
    Empty,
    Str(Cow<'a, [u8]>),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(Cow<'a, [u8]>),
    Array(Cow<'a, [u8]>),
    Kvlist(Cow<'a, [u8]>),
}

impl Val<'_> {
    pub fn into_owned(self) -> Val<'static> {
        let o = |c: Cow<'_, [u8]>| Cow::Owned(c.into_owned());
        match self {
            Val::Empty => Val::Empty,
            Val::Str(s) => Val::Str(o(s)),
            Val::Bool(b) => Val::Bool(b),
            Val::Int(i) => Val::Int(i),
            Val::Double(d) => Val::Double(d),
            Val::Bytes(b) => Val::Bytes(o(b)),
            Val::Array(a) => Val::Array(o(a)),
            Val::Kvlist(k) => Val::Kvlist(o(k)),
        }
    }
}

/// A `KeyValue` view: the key (UTF-8 not yet checked) and its value.
#[derive(Clone, Debug)]
pub struct Kv<'a> {
    pub key: &'a [u8],
    pub val: Val<'a>,
}

/// Encodings of one non-repeated message field, merged by concatenation.
/// prost reads each encoding within its own length, so a broken one must
/// not be mended by the next: the caller checks each encoding on its own
/// (`check`) once there are two or more, before using the concatenation.
#[derive(Default)]
pub struct Merged<'a> {
    first: Option<&'a [u8]>,
    more: Option<Vec<u8>>,
}

impl<'a> Merged<'a> {
    #[inline]
    pub fn add(&mut self, seg: &'a [u8], check: impl Fn(&[u8]) -> Result<()>) -> Result<()> {
        match (self.first, &mut self.more) {
            (None, _) => self.first = Some(seg),
            (Some(first), None) => {
                check(first)?;
                check(seg)?;
                let mut v = first.to_vec();
                v.extend_from_slice(seg);
                self.more = Some(v);
            }
            (Some(_), Some(v)) => {
                check(seg)?;
                v.extend_from_slice(seg);
            }
        }
        Ok(())
    }
    pub fn get(self) -> Option<Cow<'a, [u8]>> {
        match self.more {
            Some(v) => Some(Cow::Owned(v)),
            None => self.first.map(Cow::Borrowed),
        }
    }
}

// ------------------------------------------------------------- AnyValue

#[inline]
fn extend(cur: &mut Cow<'_, [u8]>, seg: &[u8]) {
    cur.to_mut().extend_from_slice(seg)
}

/// Resolves an encoded `AnyValue` at nesting level `depth` (a top-level
/// attribute value is 1). With `validate`, nested arrays/kvlists are checked
/// in full (structure and depth); writers resolve already-checked values.
pub fn resolve_any(b: &[u8], depth: usize, validate: bool) -> Result<Val<'_>> {
    if depth > MAX_ANYVALUE_DEPTH {
        return Err(Error::NestingTooDeep);
    }
    let mut r = Reader::new(b);
    let mut v = Val::Empty;
    while let Some((tag, f)) = r.next()? {
        match tag {
            1 => v = Val::Str(Cow::Borrowed(f.bytes()?)),
            2 => v = Val::Bool(f.varint()? != 0),
            3 => v = Val::Int(f.varint()? as i64),
            4 => v = Val::Double(f64::from_bits(f.fixed64()?)),
            7 => v = Val::Bytes(Cow::Borrowed(f.bytes()?)),
            5 => {
                let seg = f.bytes()?;
                if validate {
                    validate_array(seg, depth + 1)?;
                }
                match &mut v {
                    Val::Array(cur) => extend(cur, seg),
                    _ => v = Val::Array(Cow::Borrowed(seg)),
                }
            }
            6 => {
                let seg = f.bytes()?;
                if validate {
                    validate_kvlist(seg, depth + 1)?;
                }
                match &mut v {
                    Val::Kvlist(cur) => extend(cur, seg),
                    _ => v = Val::Kvlist(Cow::Borrowed(seg)),
                }
            }
            _ => {}
        }
    }
    Ok(v)
}

/// A length prefix of 1 or 2 bytes at the start of `b`: (length, rest).
#[inline(always)]
fn short_len(b: &[u8]) -> Option<(usize, &[u8])> {
    match b {
        [l, rest @ ..] if *l < 0x80 => Some((*l as usize, rest)),
        [l0, l1, rest @ ..] if *l1 < 0x80 => {
            Some(((*l0 as usize & 0x7f) | (*l1 as usize) << 7, rest))
        }
        _ => None,
    }
}

/// `KeyValue` in the shape every encoder writes: key (field 1), then one
/// value (field 2) holding one string/bool/int/double field, lengths below
/// 16 KiB. Anything else (`None`) goes the general way; for what it
/// accepts, both give the same result.
#[inline(always)]
fn scan_kv_fast(b: &[u8]) -> Option<Kv<'_>> {
    let rest = b.strip_prefix(&[0x0a])?;
    let (klen, rest) = short_len(rest)?;
    let (key, rest) = (rest.get(..klen)?, rest.get(klen..)?);
    let rest = rest.strip_prefix(&[0x12])?;
    let (vlen, rest) = short_len(rest)?;
    if rest.len() != vlen {
        return None;
    }
    let val = match rest {
        [] => Val::Empty,
        [0x0a, v @ ..] => {
            let (n, s) = short_len(v)?;
            if s.len() != n {
                return None;
            }
            Val::Str(Cow::Borrowed(s))
        }
        [0x10, x] if *x < 0x80 => Val::Bool(*x != 0),
        [0x18, v @ ..] => {
            // up to 9 varint bytes: at most 63 bits, no overflow check needed
            let mut x = 0u64;
            for (i, &c) in v.iter().enumerate() {
                if i >= 9 {
                    return None;
                }
                x |= u64::from(c & 0x7f) << (7 * i);
                if c < 0x80 {
                    if i + 1 != v.len() {
                        return None;
                    }
                    return Some(Kv {
                        key,
                        val: Val::Int(x as i64),
                    });
                }
            }
            return None;
        }
        [0x21, v @ ..] if v.len() == 8 => {
            Val::Double(f64::from_bits(u64::from_le_bytes(v.try_into().ok()?)))
        }
        _ => return None,
    };
    Some(Kv { key, val })
}

/// Reads an encoded `KeyValue` whose value is at level `depth`.
#[inline]
pub fn scan_kv(b: &[u8], depth: usize, validate: bool) -> Result<Kv<'_>> {
    if let Some(kv) = scan_kv_fast(b) {
        return Ok(kv);
    }
    scan_kv_general(b, depth, validate)
}

#[inline(never)]
fn scan_kv_general(b: &[u8], depth: usize, validate: bool) -> Result<Kv<'_>> {
    let mut r = Reader::new(b);
    let mut key: &[u8] = b"";
    let mut val = Merged::default();
    while let Some((tag, f)) = r.next()? {
        match tag {
            1 => key = f.bytes()?,
            2 => val.add(f.bytes()?, |seg| validate_any(seg, depth))?,
            _ => {}
        }
    }
    let val = match val.get() {
        None => Val::Empty,
        Some(Cow::Borrowed(v)) => resolve_any(v, depth, validate)?,
        Some(Cow::Owned(v)) => resolve_any(&v, depth, validate)?.into_owned(),
    };
    Ok(Kv { key, val })
}

/// Structure and depth of an encoded `AnyValue` at level `depth`.
pub fn validate_any(b: &[u8], depth: usize) -> Result<()> {
    if depth > MAX_ANYVALUE_DEPTH {
        return Err(Error::NestingTooDeep);
    }
    let mut r = Reader::new(b);
    while let Some((tag, f)) = r.next()? {
        match tag {
            1 | 7 => {
                f.bytes()?;
            }
            2 | 3 => {
                f.varint()?;
            }
            4 => {
                f.fixed64()?;
            }
            5 => validate_array(f.bytes()?, depth + 1)?,
            6 => validate_kvlist(f.bytes()?, depth + 1)?,
            _ => {}
        }
    }
    Ok(())
}

/// An encoded `ArrayValue` whose items are at level `depth`.
pub fn validate_array(b: &[u8], depth: usize) -> Result<()> {
    let mut r = Reader::new(b);
    while let Some((tag, f)) = r.next()? {
        if tag == 1 {
            validate_any(f.bytes()?, depth)?;
        }
    }
    Ok(())
}

/// An encoded `KeyValueList` whose values are at level `depth`.
pub fn validate_kvlist(b: &[u8], depth: usize) -> Result<()> {
    let mut r = Reader::new(b);
    while let Some((tag, f)) = r.next()? {
        if tag == 1 {
            let mut kv = Reader::new(f.bytes()?);
            while let Some((tag, f)) = kv.next()? {
                match tag {
                    1 => {
                        f.bytes()?;
                    }
                    2 => validate_any(f.bytes()?, depth)?,
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Has this encoded `ArrayValue` / `KeyValueList` at least one item?
pub fn has_items(b: &[u8]) -> bool {
    let mut r = Reader::new(b);
    while let Ok(Some((tag, _))) = r.next() {
        if tag == 1 {
            return true;
        }
    }
    false
}

/// Calls `f` with each item (field 1) of an encoded `ArrayValue` /
/// `KeyValueList` (already validated).
#[inline]
pub fn for_each_item<'a>(b: &'a [u8], mut f: impl FnMut(&'a [u8]) -> Result<()>) -> Result<()> {
    let mut r = Reader::new(b);
    while let Some((tag, x)) = r.next()? {
        if tag == 1 {
            f(x.bytes()?)?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------ messages

/// Attributes of a (merged) `Resource`.
pub fn scan_resource<'a>(b: &'a [u8], out: &mut Vec<Kv<'a>>) -> Result<()> {
    let mut r = Reader::new(b);
    while let Some((tag, f)) = r.next()? {
        match tag {
            1 => out.push(scan_kv(f.bytes()?, 1, true)?),
            2 => {
                f.varint()?; // dropped_attributes_count
            }
            _ => {}
        }
    }
    Ok(())
}

/// `InstrumentationScope`: name, version (last wins), attributes.
pub struct Scope<'a> {
    pub name: &'a [u8],
    pub version: &'a [u8],
    pub attrs: Vec<Kv<'a>>,
}

pub fn scan_scope(b: &[u8]) -> Result<Scope<'_>> {
    let mut s = Scope {
        name: b"",
        version: b"",
        attrs: Vec::new(),
    };
    let mut r = Reader::new(b);
    while let Some((tag, f)) = r.next()? {
        match tag {
            1 => s.name = f.bytes()?,
            2 => s.version = f.bytes()?,
            3 => s.attrs.push(scan_kv(f.bytes()?, 1, true)?),
            4 => {
                f.varint()?;
            }
            _ => {}
        }
    }
    Ok(s)
}

/// A `Span`, read field by field; events and links stay encoded.
#[derive(Default)]
pub struct SpanView<'a> {
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub trace_state: &'a [u8],
    pub parent_span_id: &'a [u8],
    pub flags: u32,
    pub name: &'a [u8],
    pub kind: i32,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    pub attrs: Vec<Kv<'a>>,
    pub dropped_attributes_count: u32,
    pub events: Vec<&'a [u8]>,
    pub dropped_events_count: u32,
    pub links: Vec<&'a [u8]>,
    pub dropped_links_count: u32,
    /// (message, code) when a status is present.
    pub status: Option<(&'a [u8], i32)>,
}

impl<'a> SpanView<'a> {
    /// Reads `b` into `self` (the vectors are reused).
    pub fn scan(&mut self, b: &'a [u8]) -> Result<()> {
        self.trace_id = b"";
        self.span_id = b"";
        self.trace_state = b"";
        self.parent_span_id = b"";
        self.flags = 0;
        self.name = b"";
        self.kind = 0;
        self.start_time_unix_nano = 0;
        self.end_time_unix_nano = 0;
        self.attrs.clear();
        self.dropped_attributes_count = 0;
        self.events.clear();
        self.dropped_events_count = 0;
        self.links.clear();
        self.dropped_links_count = 0;
        self.status = None;
        let mut r = Reader::new(b);
        while let Some((tag, f)) = r.next()? {
            match tag {
                1 => self.trace_id = f.bytes()?,
                2 => self.span_id = f.bytes()?,
                3 => self.trace_state = f.bytes()?,
                4 => self.parent_span_id = f.bytes()?,
                5 => self.name = f.bytes()?,
                6 => self.kind = f.varint()? as i32,
                7 => self.start_time_unix_nano = f.fixed64()?,
                8 => self.end_time_unix_nano = f.fixed64()?,
                9 => self.attrs.push(scan_kv(f.bytes()?, 1, true)?),
                10 => self.dropped_attributes_count = f.varint()? as u32,
                11 => self.events.push(f.bytes()?),
                12 => self.dropped_events_count = f.varint()? as u32,
                13 => self.links.push(f.bytes()?),
                14 => self.dropped_links_count = f.varint()? as u32,
                15 => {
                    // merged: each field of each occurrence, last wins
                    let (mut msg, mut code) = self.status.unwrap_or((b"", 0));
                    let mut s = Reader::new(f.bytes()?);
                    while let Some((tag, f)) = s.next()? {
                        match tag {
                            2 => msg = f.bytes()?,
                            3 => code = f.varint()? as i32,
                            _ => {}
                        }
                    }
                    self.status = Some((msg, code));
                }
                16 => self.flags = f.fixed32()?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks the structure of the events and links (done by writing them
    /// for accepted spans).
    pub fn validate_events_links(&self) -> Result<()> {
        for e in &self.events {
            Event::scan(e)?;
        }
        for l in &self.links {
            Link::scan(l)?;
        }
        Ok(())
    }
}

/// `Span.Event`
pub struct Event<'a> {
    pub time_unix_nano: u64,
    pub name: &'a [u8],
    pub attrs: Vec<Kv<'a>>,
    pub dropped_attributes_count: u32,
}

impl<'a> Event<'a> {
    pub fn scan(b: &'a [u8]) -> Result<Self> {
        let mut e = Event {
            time_unix_nano: 0,
            name: b"",
            attrs: Vec::new(),
            dropped_attributes_count: 0,
        };
        let mut r = Reader::new(b);
        while let Some((tag, f)) = r.next()? {
            match tag {
                1 => e.time_unix_nano = f.fixed64()?,
                2 => e.name = f.bytes()?,
                3 => e.attrs.push(scan_kv(f.bytes()?, 1, true)?),
                4 => e.dropped_attributes_count = f.varint()? as u32,
                _ => {}
            }
        }
        Ok(e)
    }
}

/// `Span.Link`
pub struct Link<'a> {
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub trace_state: &'a [u8],
    pub attrs: Vec<Kv<'a>>,
    pub dropped_attributes_count: u32,
    pub flags: u32,
}

impl<'a> Link<'a> {
    pub fn scan(b: &'a [u8]) -> Result<Self> {
        let mut l = Link {
            trace_id: b"",
            span_id: b"",
            trace_state: b"",
            attrs: Vec::new(),
            dropped_attributes_count: 0,
            flags: 0,
        };
        let mut r = Reader::new(b);
        while let Some((tag, f)) = r.next()? {
            match tag {
                1 => l.trace_id = f.bytes()?,
                2 => l.span_id = f.bytes()?,
                3 => l.trace_state = f.bytes()?,
                4 => l.attrs.push(scan_kv(f.bytes()?, 1, true)?),
                5 => l.dropped_attributes_count = f.varint()? as u32,
                6 => l.flags = f.fixed32()?,
                _ => {}
            }
        }
        Ok(l)
    }
}

/// A (merged) `Resource` or scope, and its range of scopes or spans.
pub type Part<'a> = (Option<Cow<'a, [u8]>>, std::ops::Range<usize>);

/// The outline of a request: resources, scopes and spans (still encoded).
#[derive(Default)]
pub struct Outline<'a> {
    /// Per `ResourceSpans`: the (merged) `Resource` and its range of `scopes`.
    pub resources: Vec<Part<'a>>,
    /// Per `ScopeSpans`: the (merged) scope and its range of `spans`.
    pub scopes: Vec<Part<'a>>,
    pub spans: Vec<&'a [u8]>,
}

impl<'a> Outline<'a> {
    pub fn scan(body: &'a [u8]) -> Result<Self> {
        let mut o = Outline::default();
        let mut req = Reader::new(body);
        while let Some((tag, f)) = req.next()? {
            if tag != 1 {
                continue;
            }
            let mut rs = Reader::new(f.bytes()?);
            let mut resource = Merged::default();
            let first_scope = o.scopes.len();
            while let Some((tag, f)) = rs.next()? {
                match tag {
                    1 => resource.add(f.bytes()?, |seg| scan_resource(seg, &mut Vec::new()))?,
                    2 => {
                        let mut ss = Reader::new(f.bytes()?);
                        let mut scope = Merged::default();
                        let first_span = o.spans.len();
                        while let Some((tag, f)) = ss.next()? {
                            match tag {
                                1 => scope.add(f.bytes()?, |seg| scan_scope(seg).map(drop))?,
                                2 => {
                                    let span = f.bytes()?;
                                    crate::decode::protobuf_wire::prefetch(span);
                                    o.spans.push(span)
                                }
                                _ => {}
                            }
                        }
                        o.scopes.push((scope.get(), first_span..o.spans.len()));
                    }
                    _ => {}
                }
            }
            o.resources
                .push((resource.get(), first_scope..o.scopes.len()));
        }
        Ok(o)
    }
}

/// Checks a whole request (structure, AnyValue depth) in document order;
/// the first error is the request's protobuf error.
pub fn validate_request(body: &[u8]) -> Result<()> {
    let o = Outline::scan(body)?;
    let mut kvs = Vec::new();
    let mut span = SpanView::default();
    for (res, scopes) in &o.resources {
        if let Some(r) = res {
            kvs.clear();
            scan_resource(r, &mut kvs)?;
        }
        for (scope, spans) in &o.scopes[scopes.clone()] {
            if let Some(s) = scope {
                scan_scope(s)?;
            }
            for b in &o.spans[spans.clone()] {
                span.scan(b)?;
                span.validate_events_links()?;
            }
        }
    }
    Ok(())
}
