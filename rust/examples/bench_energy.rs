//! Timing loop (no criterion) of the per-LLM-span carbon work:
//! `cargo run --release --example bench_energy -- DATA_JSON` where DATA_JSON
//! is a file holding `gls_engine.carbon.data.impact_data_json()`
//! (benches/bench_energy.py writes it and runs this).
//!
//! Per call: `resolve(provider, model)` (a cache hit after the first) +
//! `llm_impacts(..)` in the provider's zone, over a mix of models (range
//! and fixed parameter counts) and one unknown model; also resolve alone,
//! llm_impacts alone and zone resolution from attributes. Best of 5 rounds.
use std::hint::black_box;
use std::time::{Duration, Instant};

use _core::energy::{ImpactModel, ZoneHints};

const SPANS: [(&str, &str); 8] = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini-2024-07-18"),
    ("anthropic", "claude-sonnet-4-5"),
    ("gcp.gemini", "gemini-2.5-flash"),
    ("mistral_ai", "mistral-small-2603"),
    ("cohere", "command-a-03-2025"),
    ("huggingface", "meta-llama/Meta-Llama-3.1-70B"),
    ("openai", "my-fine-tune"),
];

fn best_of<F: FnMut()>(rounds: usize, mut f: F) -> Duration {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: bench_energy DATA_JSON");
    let json = std::fs::read_to_string(&path).expect("read the data file");
    let t = Instant::now();
    let model = ImpactModel::from_json(&json).expect("load the data");
    println!(
        "load: {:.1} ms ({} models)",
        t.elapsed().as_secs_f64() * 1e3,
        model.model_count()
    );

    let n = 1_000_000usize;
    let per = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;

    let both = best_of(5, || {
        for i in 0..n {
            let (provider, name) = SPANS[i % SPANS.len()];
            if let Some(r) = model.resolve(black_box(provider), black_box(name)) {
                black_box(model.llm_impacts(r, black_box(100 + (i % 900) as u64), 2.5, None));
            }
        }
    });
    let resolve = best_of(5, || {
        for i in 0..n {
            let (provider, name) = SPANS[i % SPANS.len()];
            black_box(model.resolve(black_box(provider), black_box(name)));
        }
    });
    let refs: Vec<_> = SPANS
        .iter()
        .filter_map(|(p, m)| model.resolve(p, m))
        .collect();
    let impacts = best_of(5, || {
        for i in 0..n {
            let r = refs[i % refs.len()];
            black_box(model.llm_impacts(r, black_box(100 + (i % 900) as u64), 2.5, Some("FRA")));
        }
    });
    let hints = ZoneHints {
        cloud_provider: Some("aws"),
        cloud_region: Some("eu-west-3"),
        llm_provider: Some("openai"),
        ..Default::default()
    };
    let zone = best_of(5, || {
        for _ in 0..n {
            black_box(model.resolve_zone(black_box(&hints), "WOR"));
        }
    });
    println!("resolve + llm_impacts: {:.1} ns/call", per(both));
    println!("resolve (cache hit):   {:.1} ns/call", per(resolve));
    println!("llm_impacts:           {:.1} ns/call", per(impacts));
    println!("resolve_zone (region): {:.1} ns/call", per(zone));
}
