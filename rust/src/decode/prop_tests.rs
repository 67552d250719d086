//! Property test: the wire reader (`otlp_views.rs` + `arrow_batch::build_proto`)
//! gives the same result as the prost test oracle (`oracle/`) on many
//! randomized protobuf requests: every AnyValue type, nested arrays/kvlists,
//! events, links, status, unknown fields of every wire type (groups too),
//! empty and absent fields, repeated keys, fields in any order, scalar
//! fields seen twice (last wins), non-repeated messages seen twice (merged),
//! resource/scope attributes, invalid UTF-8, truncated/corrupted bodies.
//!
//! The generator writes protobuf bytes directly (not via prost structs) so
//! that it can produce what an encoder never would; both decoders then read
//! the same bytes.

use crate::decode::oracle::decode_traces_prost;
use crate::errors::Error;
use crate::{decode_traces, BodyFormat, DecodeOptions, Decoded};

const NOW: i64 = 1_700_000_000_000_000_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'x, T>(&mut self, xs: &'x [T]) -> &'x T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}
fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, ((field as u64) << 3) | wire as u64);
}
fn f_varint(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, 0);
    varint(out, v);
}
fn f_fixed64(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, 1);
    out.extend_from_slice(&v.to_le_bytes());
}
fn f_fixed32(out: &mut Vec<u8>, field: u32, v: u32) {
    key(out, field, 5);
    out.extend_from_slice(&v.to_le_bytes());
}
fn f_bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    key(out, field, 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

const KEYS: &[&str] = &[
    "gls.span.type",
    "openinference.span.kind",
    "traceloop.span.kind",
    "gen_ai.operation.name",
    "llm.request.type",
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "gen_ai.provider.name",
    "gen_ai.system",
    "llm.provider",
    "gen_ai.usage.input_tokens",
    "llm.token_count.prompt",
    "gen_ai.usage.output_tokens",
    "llm.token_count.completion",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.total",
    "gls.chain",
    "traceloop.workflow.name",
    "gls.agent",
    "agent.name",
    "user.id",
    "enduser.id",
    "session.id",
    "gen_ai.conversation.id",
    "gls.environment",
    "deployment.environment",
    "tag.tags",
    "gls.tags",
    "input.value",
    "gen_ai.input.messages",
    "output.value",
    "gen_ai.completion",
    "gen_ai.prompt.0.role",
    "gen_ai.prompt.0.content",
    "gen_ai.prompt.1.content",
    "gen_ai.prompt.10.role",
    "gen_ai.completion.0.content",
    "gen_ai.completion.0.role",
    "gen_ai.prompt.x.role",
    "a",
    "b",
    "zz",
    "",
    "héllo",
    "k\"q\\",
];

const RES_KEYS: &[&str] = &[
    "service.name",
    "gls.project",
    "openinference.project.name",
    "gls.environment",
    "deployment.environment.name",
    "deployment.environment",
    "telemetry.sdk.name",
    "x",
];

const STRS: &[&str] = &[
    "",
    "LLM",
    "chain",
    "TOOL",
    "workflow",
    "task",
    "chat",
    "embeddings",
    "execute_tool",
    "completion",
    "Retrieval-Custom",
    "ÉTÉ",
    "gpt-4o",
    "openai",
    "42",
    " 7 ",
    "+4",
    "99999999999",
    "[\"x\",\"y\"]",
    "[not json",
    "prod",
    "my-proj",
    "bad project",
    "héllo \u{1F600}",
    "line\nbreak \"quoted\" \\ \u{1}",
    "{\"messages\": []}",
];

struct Gen {
    rng: Rng,
    /// percent of messages that get unknown fields / duplicates
    noise: u64,
}

impl Gen {
    fn string(&mut self) -> Vec<u8> {
        if self.rng.below(1000) < 4 {
            return b"bad\xff\xfeutf8".to_vec();
        }
        if self.rng.chance(5) {
            let n = 60 + self.rng.below(200) as usize;
            return (0..n).map(|i| b'a' + (i % 26) as u8).collect();
        }
        self.rng.pick(STRS).as_bytes().to_vec()
    }

    fn unknown(&mut self, out: &mut Vec<u8>, first_unknown: u32) {
        let field = first_unknown + self.rng.below(5) as u32;
        match self.rng.below(9) {
            0 | 1 => f_varint(out, field, self.rng.next() >> self.rng.below(64)),
            2 => f_fixed64(out, field, self.rng.next()),
            3 => f_fixed32(out, field, self.rng.next() as u32),
            4 => {
                // a group with some content (and a nested group)
                key(out, field, 3);
                f_varint(out, 1, 5);
                key(out, 2, 3);
                f_bytes(out, 3, b"in");
                key(out, 2, 4);
                key(out, field, 4);
            }
            _ => {
                let s = self.string();
                f_bytes(out, field, &s)
            }
        }
    }

    /// Emits `fields` (closures writing one field each) in a random order,
    /// with unknown fields mixed in.
    fn message(&mut self, mut parts: Vec<Vec<u8>>, first_unknown: u32) -> Vec<u8> {
        if self.rng.chance(self.noise) {
            let n = self.rng.below(3);
            for _ in 0..n {
                let mut u = Vec::new();
                self.unknown(&mut u, first_unknown);
                let at = self.rng.below(parts.len() as u64 + 1) as usize;
                parts.insert(at, u);
            }
        }
        if self.rng.chance(self.noise) && parts.len() > 1 {
            // swap two fields (order of repeated items changes too: fine,
            // both decoders see the same bytes)
            let i = self.rng.below(parts.len() as u64) as usize;
            let j = self.rng.below(parts.len() as u64) as usize;
            parts.swap(i, j);
        }
        parts.concat()
    }

    fn any_value(&mut self, depth: usize) -> Vec<u8> {
        let mut parts = Vec::new();
        let n = if self.rng.chance(self.noise) { 2 } else { 1 };
        for _ in 0..n {
            let mut p = Vec::new();
            let choice = if depth >= 4 {
                self.rng.below(5)
            } else {
                self.rng.below(8)
            };
            match choice {
                0 => {
                    let s = self.string();
                    f_bytes(&mut p, 1, &s)
                }
                1 => f_varint(&mut p, 2, self.rng.below(3)),
                2 => {
                    let v: i64 =
                        *self
                            .rng
                            .pick(&[0, 5, -5, 4_294_967_296, i64::MIN, i64::MAX, 1234]);
                    f_varint(&mut p, 3, v as u64)
                }
                3 => {
                    let d: f64 = *self.rng.pick(&[
                        0.0,
                        -0.0,
                        3.0,
                        2.5,
                        f64::NAN,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        1e300,
                        5e-324,
                    ]);
                    f_fixed64(&mut p, 4, d.to_bits())
                }
                4 => {
                    let b: Vec<u8> = (0..self.rng.below(6))
                        .map(|_| self.rng.next() as u8)
                        .collect();
                    f_bytes(&mut p, 7, &b)
                }
                5 | 6 => {
                    let arr = self.array(depth + 1);
                    f_bytes(&mut p, 5, &arr)
                }
                _ => {
                    let kvl = self.kvlist(depth + 1);
                    f_bytes(&mut p, 6, &kvl)
                }
            }
            parts.push(p);
        }
        self.message(parts, 8)
    }

    fn array(&mut self, depth: usize) -> Vec<u8> {
        let mut parts = Vec::new();
        for _ in 0..self.rng.below(4) {
            let v = self.any_value(depth);
            let mut p = Vec::new();
            f_bytes(&mut p, 1, &v);
            parts.push(p);
        }
        self.message(parts, 2)
    }

    fn kvlist(&mut self, depth: usize) -> Vec<u8> {
        let mut parts = Vec::new();
        for _ in 0..self.rng.below(4) {
            let kv = self.key_value(KEYS, depth);
            let mut p = Vec::new();
            f_bytes(&mut p, 1, &kv);
            parts.push(p);
        }
        self.message(parts, 2)
    }

    fn key_value(&mut self, keys: &[&str], depth: usize) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut k = Vec::new();
        let key_bytes: Vec<u8> = if self.rng.below(1000) < 2 {
            b"\xc3\x28".to_vec()
        } else {
            self.rng.pick(keys).as_bytes().to_vec()
        };
        f_bytes(&mut k, 1, &key_bytes);
        parts.push(k);
        if !self.rng.chance(5) {
            let n = if self.rng.chance(self.noise) { 2 } else { 1 };
            for _ in 0..n {
                let v = if self.rng.chance(3) {
                    Vec::new()
                } else {
                    self.any_value(depth)
                };
                let mut p = Vec::new();
                f_bytes(&mut p, 2, &v);
                parts.push(p);
            }
        }
        self.message(parts, 3)
    }

    fn attrs(&mut self, field: u32, keys: &[&str], max: u64, parts: &mut Vec<Vec<u8>>) {
        for _ in 0..self.rng.below(max + 1) {
            let kv = self.key_value(keys, 1);
            let mut p = Vec::new();
            f_bytes(&mut p, field, &kv);
            parts.push(p);
        }
    }

    fn id(&mut self, n: usize) -> Vec<u8> {
        if self.rng.chance(3) {
            let bad = [0usize, 1, 7, 9, 16];
            let m = *self.rng.pick(&bad);
            return vec![if self.rng.chance(50) { 0 } else { 1 }; m];
        }
        (0..n).map(|_| self.rng.next() as u8 | 1).collect()
    }

    fn event(&mut self) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut p = Vec::new();
        f_fixed64(&mut p, 1, self.rng.next() >> 2);
        parts.push(p);
        let mut p = Vec::new();
        let s = self.string();
        f_bytes(&mut p, 2, &s);
        parts.push(p);
        self.attrs(3, KEYS, 2, &mut parts);
        if self.rng.chance(30) {
            let mut p = Vec::new();
            f_varint(&mut p, 4, self.rng.below(4));
            parts.push(p);
        }
        self.message(parts, 5)
    }

    fn link(&mut self) -> Vec<u8> {
        let mut parts = Vec::new();
        for (f, n) in [(1u32, 16usize), (2, 8)] {
            let mut p = Vec::new();
            let id = self.id(n);
            f_bytes(&mut p, f, &id);
            parts.push(p);
        }
        if self.rng.chance(40) {
            let mut p = Vec::new();
            let s = self.string();
            f_bytes(&mut p, 3, &s);
            parts.push(p);
        }
        self.attrs(4, KEYS, 2, &mut parts);
        if self.rng.chance(30) {
            let mut p = Vec::new();
            f_varint(&mut p, 5, self.rng.below(4));
            parts.push(p);
        }
        if self.rng.chance(30) {
            let mut p = Vec::new();
            f_fixed32(&mut p, 6, self.rng.below(300) as u32);
            parts.push(p);
        }
        self.message(parts, 7)
    }

    fn status(&mut self) -> Vec<u8> {
        let mut parts = Vec::new();
        if self.rng.chance(60) {
            let mut p = Vec::new();
            let s = self.string();
            f_bytes(&mut p, 2, &s);
            parts.push(p);
        }
        if self.rng.chance(80) {
            let mut p = Vec::new();
            f_varint(&mut p, 3, *self.rng.pick(&[0u64, 1, 2, 300, u64::MAX]));
            parts.push(p);
        }
        self.message(parts, 4)
    }

    fn span(&mut self) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut p = Vec::new();
        let tid = self.id(16);
        f_bytes(&mut p, 1, &tid);
        parts.push(p);
        let mut p = Vec::new();
        let sid = self.id(8);
        f_bytes(&mut p, 2, &sid);
        parts.push(p);
        if self.rng.chance(50) {
            let mut p = Vec::new();
            let par = if self.rng.chance(50) {
                Vec::new()
            } else {
                self.id(8)
            };
            f_bytes(&mut p, 4, &par);
            parts.push(p);
        }
        if self.rng.chance(20) {
            let mut p = Vec::new();
            let s = self.string();
            f_bytes(&mut p, 3, &s);
            parts.push(p);
        }
        let mut p = Vec::new();
        let name = self.string();
        f_bytes(&mut p, 5, &name);
        parts.push(p);
        if self.rng.chance(70) {
            let mut p = Vec::new();
            f_varint(&mut p, 6, *self.rng.pick(&[0u64, 1, 3, 5, 300, u64::MAX]));
            parts.push(p);
        }
        let start = if self.rng.chance(3) {
            0
        } else {
            NOW as u64 - self.rng.below(1_000_000_000_000)
        };
        let end = if self.rng.chance(3) {
            start.wrapping_sub(1)
        } else {
            start + self.rng.below(10_000_000_000)
        };
        let mut p = Vec::new();
        f_fixed64(&mut p, 7, start);
        parts.push(p);
        let mut p = Vec::new();
        f_fixed64(&mut p, 8, end);
        parts.push(p);
        self.attrs(9, KEYS, 12, &mut parts);
        for (field, max) in [(10u32, 3u64), (12, 2), (14, 2)] {
            if self.rng.chance(20) {
                let mut p = Vec::new();
                f_varint(&mut p, field, self.rng.below(max + 1));
                parts.push(p);
            }
        }
        for _ in 0..self.rng.below(3) {
            if self.rng.chance(40) {
                let e = self.event();
                let mut p = Vec::new();
                f_bytes(&mut p, 11, &e);
                parts.push(p);
            }
        }
        for _ in 0..self.rng.below(3) {
            if self.rng.chance(30) {
                let l = self.link();
                let mut p = Vec::new();
                f_bytes(&mut p, 13, &l);
                parts.push(p);
            }
        }
        let n_status = *self.rng.pick(&[0, 1, 1, 2]);
        for _ in 0..n_status {
            let s = self.status();
            let mut p = Vec::new();
            f_bytes(&mut p, 15, &s);
            parts.push(p);
        }
        if self.rng.chance(40) {
            let mut p = Vec::new();
            f_fixed32(&mut p, 16, self.rng.below(1000) as u32);
            parts.push(p);
        }
        // scalar fields seen twice: an earlier value that must lose
        if self.rng.chance(self.noise) {
            let mut p = Vec::new();
            f_bytes(&mut p, 5, b"overwritten");
            parts.insert(0, p);
        }
        self.message(parts, 17)
    }

    fn scope_spans(&mut self) -> Vec<u8> {
        let mut parts = Vec::new();
        let n_scope = *self.rng.pick(&[0, 1, 1, 2]);
        for _ in 0..n_scope {
            let mut sp = Vec::new();
            if self.rng.chance(80) {
                let mut p = Vec::new();
                let s = self.string();
                f_bytes(&mut p, 1, &s);
                sp.push(p);
            }
            if self.rng.chance(50) {
                let mut p = Vec::new();
                let s = self.string();
                f_bytes(&mut p, 2, &s);
                sp.push(p);
            }
            self.attrs(3, KEYS, 2, &mut sp);
            if self.rng.chance(20) {
                let mut p = Vec::new();
                f_varint(&mut p, 4, 1);
                sp.push(p);
            }
            let scope = self.message(sp, 5);
            let mut p = Vec::new();
            f_bytes(&mut p, 1, &scope);
            parts.push(p);
        }
        for _ in 0..self.rng.below(7) {
            let s = self.span();
            let mut p = Vec::new();
            f_bytes(&mut p, 2, &s);
            parts.push(p);
        }
        self.message(parts, 3)
    }

    fn request(&mut self) -> Vec<u8> {
        let mut parts = Vec::new();
        for _ in 0..1 + self.rng.below(3) {
            let mut rs = Vec::new();
            let n_res = *self.rng.pick(&[0, 1, 1, 1, 2]);
            for _ in 0..n_res {
                let mut r = Vec::new();
                self.attrs(1, RES_KEYS, 4, &mut r);
                if self.rng.chance(20) {
                    let mut p = Vec::new();
                    f_varint(&mut p, 2, 3);
                    r.push(p);
                }
                let res = self.message(r, 3);
                let mut p = Vec::new();
                f_bytes(&mut p, 1, &res);
                rs.push(p);
            }
            for _ in 0..self.rng.below(3) {
                let ss = self.scope_spans();
                let mut p = Vec::new();
                f_bytes(&mut p, 2, &ss);
                rs.push(p);
            }
            let rs = self.message(rs, 3);
            let mut p = Vec::new();
            f_bytes(&mut p, 1, &rs);
            parts.push(p);
        }
        self.message(parts, 2)
    }
}

fn opts(over: Option<&str>) -> DecodeOptions {
    DecodeOptions {
        default_project: "default".into(),
        project_override: over.map(str::to_owned),
        received_ns: NOW,
        oldest_start_ns: 0,
        enricher: None,
    }
}

fn new_path(body: &[u8], o: &DecodeOptions) -> Result<Decoded, Error> {
    let f = BodyFormat {
        json: false,
        gzip: false,
        max_body_bytes: usize::MAX,
    };
    decode_traces(body, f, o)
}

/// Asserts both paths agree (protobuf error texts may differ).
fn assert_same(body: &[u8], o: &DecodeOptions, case: &str) -> bool {
    let old = decode_traces_prost(body, o);
    let new = new_path(body, o);
    match (&old, &new) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.batch.schema(), b.batch.schema(), "{case}");
            for (i, (x, y)) in a.batch.columns().iter().zip(b.batch.columns()).enumerate() {
                assert_eq!(
                    x.to_data(),
                    y.to_data(),
                    "{case}: column {} differs",
                    a.batch.schema().field(i).name()
                );
            }
            assert_eq!(a.batch, b.batch, "{case}");
            assert_eq!(
                (
                    a.accepted_spans,
                    a.rejected_spans,
                    &a.rejection_message,
                    &a.projects
                ),
                (
                    b.accepted_spans,
                    b.rejected_spans,
                    &b.rejection_message,
                    &b.projects
                ),
                "{case}"
            );
            true
        }
        (Err(Error::InvalidProtobuf(_)), Err(Error::InvalidProtobuf(_))) => false,
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "{case}");
            false
        }
        _ => panic!("{case}: reference {old:?}\n new {new:?}"),
    }
}

#[test]
fn wire_reader_matches_prost_reference() {
    let mut ok = 0u64;
    let mut errors = 0;
    let mut spans = 0;
    // GLS_PROP_CASES=100000 cargo test --release prop_tests  (more cases)
    let cases: u64 = std::env::var("GLS_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    for seed in 1..=cases {
        let mut g = Gen {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            noise: [0, 10, 40][(seed % 3) as usize],
        };
        let body = g.request();
        let over = match seed % 7 {
            0 => Some("override"),
            1 => Some("bad override"),
            _ => None,
        };
        let o = opts(over);
        let case = format!("seed {seed}");
        if assert_same(&body, &o, &case) {
            ok += 1;
            spans += new_path(&body, &o).unwrap().accepted_spans;
        } else {
            errors += 1;
        }
        // truncated and corrupted variants
        if !body.is_empty() {
            let cut = 1 + g.rng.below(body.len() as u64) as usize;
            assert_same(&body[..body.len() - cut], &o, &format!("{case} cut {cut}"));
            let mut bad = body.clone();
            let at = g.rng.below(bad.len() as u64) as usize;
            bad[at] ^= 1 << g.rng.below(8);
            assert_same(&bad, &o, &format!("{case} flip {at}"));
        }
    }
    // the generator must mostly produce decodable requests with spans
    eprintln!("ok {ok} errors {errors} spans {spans}");
    assert!(
        ok * 3 > cases * 2 && spans as u64 > cases * 2,
        "ok {ok} errors {errors} spans {spans}"
    );
}

#[test]
fn json_path_matches_reference() {
    use crate::decode::otlp_json;
    let bodies = [
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}},{"key":"gls.project","value":{"stringValue":"p1"}}]},
          "scopeSpans":[{"scope":{"name":"sc","version":"1","attributes":[{"key":"a","value":{"intValue":"3"}}]},
          "spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","parentSpanId":"",
            "name":"op","kind":3,"startTimeUnixNano":"1699999990000000000","endTimeUnixNano":1699999995000000000,
            "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"m"}},
              {"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"x"},{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":"NaN"}}]}}]}}},
              {"key":"b","value":{"bytesValue":"AP8="}},{"key":"e","value":{}}],
            "events":[{"timeUnixNano":"1","name":"ev","attributes":[{"key":"x","value":{"boolValue":true}}],"droppedAttributesCount":2}],
            "links":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","traceState":"t","flags":1}],
            "status":{"code":2,"message":"boom"}}]}]}]}"#,
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000000","spanId":"0102030405060708","name":"rejected","startTimeUnixNano":"1"}]}]}]}"#,
        r#"{}"#,
    ];
    let f = BodyFormat {
        json: true,
        gzip: false,
        max_body_bytes: usize::MAX,
    };
    for body in bodies {
        let o = opts(None);
        let req = otlp_json::decode_request(body.as_bytes()).unwrap();
        let old = crate::decode::oracle::build(&req, &o, body.len()).unwrap();
        let new = decode_traces(body.as_bytes(), f, &o).unwrap();
        assert_eq!(old.batch, new.batch);
        assert_eq!(
            (
                old.accepted_spans,
                old.rejected_spans,
                old.rejection_message
            ),
            (
                new.accepted_spans,
                new.rejected_spans,
                new.rejection_message
            )
        );
    }
}

/// `levels` nested AnyValues (array in array ... in a string), built
/// without quadratic copying.
pub(crate) fn nested_any(levels: usize) -> Vec<u8> {
    let leaf = {
        let mut v = Vec::new();
        f_bytes(&mut v, 1, b"leaf");
        v
    };
    let vlen = |n: u64| {
        let mut b = Vec::new();
        varint(&mut b, n);
        b.len() as u64
    };
    // sizes[i]: encoded size of the AnyValue at level levels - i
    let mut sizes = vec![leaf.len() as u64];
    for _ in 1..levels {
        let inner = *sizes.last().unwrap();
        let arr = 1 + vlen(inner) + inner;
        sizes.push(1 + vlen(arr) + arr);
    }
    let mut out = Vec::with_capacity(*sizes.last().unwrap() as usize);
    for i in (1..levels).rev() {
        let inner = sizes[i - 1];
        let arr = 1 + vlen(inner) + inner;
        key(&mut out, 5, 2);
        varint(&mut out, arr);
        key(&mut out, 1, 2);
        varint(&mut out, inner);
    }
    out.extend_from_slice(&leaf);
    out
}

fn request_with_attr(value: &[u8]) -> Vec<u8> {
    let mut kv = Vec::new();
    f_bytes(&mut kv, 1, b"deep");
    f_bytes(&mut kv, 2, value);
    let mut span = Vec::new();
    f_bytes(&mut span, 1, &[1; 16]);
    f_bytes(&mut span, 2, &[1; 8]);
    f_fixed64(&mut span, 7, NOW as u64 - 10);
    f_fixed64(&mut span, 8, NOW as u64 - 5);
    f_bytes(&mut span, 9, &kv);
    let mut ss = Vec::new();
    f_bytes(&mut ss, 2, &span);
    let mut rs = Vec::new();
    f_bytes(&mut rs, 2, &ss);
    let mut req = Vec::new();
    f_bytes(&mut req, 1, &rs);
    req
}

#[test]
fn nesting_limit_replaces_recursion_limit() {
    let o = opts(None);
    let d = new_path(&request_with_attr(&nested_any(64)), &o).unwrap();
    assert_eq!(d.accepted_spans, 1);
    for levels in [65, 1000, 100_000] {
        let e = new_path(&request_with_attr(&nested_any(levels)), &o).unwrap_err();
        assert_eq!(e, Error::NestingTooDeep, "{levels}");
        assert_eq!(
            e.to_string(),
            "attribute value nested deeper than 64 levels"
        );
    }
    // also in a span that is rejected, and before an invalid UTF-8 name
    let mut body = request_with_attr(&nested_any(70));
    body.extend_from_slice(&request_with_attr(b"\x0a\x01\xff"));
    assert_eq!(new_path(&body, &o).unwrap_err(), Error::NestingTooDeep);
}

#[test]
fn structural_errors_win_over_utf8_errors() {
    let o = opts(None);
    // span 1: invalid UTF-8 value; then a truncated request part
    let mut body = request_with_attr(b"\x0a\x01\xff");
    let e = new_path(&body, &o).unwrap_err();
    assert_eq!(e, Error::InvalidUtf8("attribute value"));
    body.extend_from_slice(b"\x0a\x05\x12");
    let e = new_path(&body, &o).unwrap_err();
    assert!(matches!(e, Error::InvalidProtobuf(_)), "{e}");
    assert!(matches!(
        decode_traces_prost(&body, &o).unwrap_err(),
        Error::InvalidProtobuf(_)
    ));
}

#[test]
fn merges_of_non_repeated_messages() {
    // KeyValue.value seen twice, each an array: one array of both items
    let mut a1 = Vec::new();
    let mut arr = Vec::new();
    f_bytes(&mut arr, 1, b"\x0a\x01x");
    f_bytes(&mut a1, 5, &arr);
    let mut kv = Vec::new();
    f_bytes(&mut kv, 1, b"k");
    f_bytes(&mut kv, 2, &a1);
    f_bytes(&mut kv, 2, &a1);
    let mut span = Vec::new();
    f_bytes(&mut span, 1, &[1; 16]);
    f_bytes(&mut span, 2, &[1; 8]);
    f_fixed64(&mut span, 7, NOW as u64 - 10);
    f_fixed64(&mut span, 8, NOW as u64 - 5);
    f_bytes(&mut span, 9, &kv);
    // status seen twice: message from the first, code from the second
    f_bytes(&mut span, 15, b"\x12\x02hi");
    f_bytes(&mut span, 15, b"\x18\x02");
    let mut ss = Vec::new();
    f_bytes(&mut ss, 2, &span);
    let mut rs = Vec::new();
    // resource seen twice: attributes of both
    f_bytes(
        &mut rs,
        1,
        b"\x0a\x15\x0a\x0cservice.name\x12\x05\x0a\x03svc",
    );
    f_bytes(&mut rs, 1, b"\x0a\x0e\x0a\x01z\x12\x09\x0a\x07project");
    f_bytes(&mut rs, 2, &ss);
    let mut body = Vec::new();
    f_bytes(&mut body, 1, &rs);
    let o = opts(None);
    assert!(assert_same(&body, &o, "merge"));
    let d = new_path(&body, &o).unwrap();
    let col = |name: &str| {
        d.batch
            .column_by_name(name)
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap()
            .value(0)
            .to_owned()
    };
    assert_eq!(col("service_name"), "svc");
    assert_eq!(col("status_message"), "hi");
    assert!(col("resource_attributes").contains("\"z\""));
    let m = d
        .batch
        .column_by_name("attributes")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::MapArray>()
        .unwrap()
        .value(0);
    let vals = m
        .column(1)
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap()
        .value(0)
        .to_owned();
    assert_eq!(
        vals,
        r#"{"values":[{"stringValue":"x"},{"stringValue":"x"}]}"#
    );
}
