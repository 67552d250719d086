//! Times decode_traces on length-prefixed protobuf bodies (u32 LE length +
//! body, repeated), for profiling:
//! `cargo run --release --example profile_decode -- FILE [ROUNDS]`
//!
//! `PHASE=baseline` (needs `--features baseline`) times the old prost-based
//! path (`_core::decode::oracle`) on the same bodies, for before/after numbers.
//! `JSON=1` reads the bodies as OTLP/JSON.
//! `ENRICH=PRICES_JSON:IMPACTS_JSON` decodes with cost/carbon enrichment
//! (the JSON `gls_engine.costs.prices` and `gls_engine.carbon.data` export);
//! one warm-up pass over the bodies fills the lookup caches first.
use std::sync::Arc;
use std::time::Instant;

use _core::decode::{decode_traces, BodyFormat};
use _core::energy::ImpactModel;
use _core::enrich::Enricher;
use _core::pricing::PriceBook;
use _core::DecodeOptions;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: profile_decode FILE [ROUNDS]");
    let rounds: usize = args.next().map(|r| r.parse().unwrap()).unwrap_or(5);
    let data = std::fs::read(path).unwrap();
    let mut bodies = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let n = u32::from_le_bytes(data[i..i + 4].try_into().unwrap()) as usize;
        bodies.push(data[i + 4..i + 4 + n].to_vec());
        i += 4 + n;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let enricher = std::env::var("ENRICH").ok().map(|paths| {
        let (prices, impacts) = paths.split_once(':').expect("ENRICH=PRICES:IMPACTS");
        let read = |p: &str| std::fs::read_to_string(p).unwrap();
        let book = PriceBook::from_json(&read(prices)).unwrap();
        let model = ImpactModel::from_json(&read(impacts)).unwrap();
        Arc::new(Enricher::new(Arc::new(book), Arc::new(model), "{}", "WOR").unwrap())
    });
    let opts = DecodeOptions {
        default_project: "default".into(),
        project_override: None,
        received_ns: now,
        oldest_start_ns: 0,
        enricher,
    };
    let fmt = BodyFormat {
        // JSON=1: the bodies are OTLP/JSON.
        json: std::env::var("JSON").is_ok_and(|v| v == "1"),
        gzip: false,
        max_body_bytes: usize::MAX,
    };
    let phase = std::env::var("PHASE").unwrap_or_default();
    if opts.enricher.is_some() {
        for b in &bodies {
            decode_traces(b, fmt, &opts).unwrap();
        }
    }
    let t = Instant::now();
    let mut spans = 0usize;
    for _ in 0..rounds {
        for b in &bodies {
            spans += match phase.as_str() {
                #[cfg(feature = "baseline")]
                "baseline" => {
                    _core::decode::oracle::decode_traces_prost(b, &opts)
                        .unwrap()
                        .accepted_spans
                }
                "" => decode_traces(b, fmt, &opts).unwrap().accepted_spans,
                other => panic!("unknown PHASE {other:?}"),
            };
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{phase:>8}: {spans} spans in {s:.3}s = {:.0} spans/s",
        spans as f64 / s
    );
}
