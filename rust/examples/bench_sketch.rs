//! Timing loops (no criterion) for the per-span work of `sketch` and `tokens`:
//! `cargo run --release --example bench_sketch [TEXT_FILE...]`
//!
//! 1. add() of our `QuantileSketch` against the `sketches-ddsketch` crate,
//!    on log-normal latencies (1M values, best of 5 rounds).
//! 2. `SketchAccumulator` spans/s on a batch shaped like real traffic.
//! 3. Token estimate throughput (MB/s) on the text files given (default:
//!    the repository's Markdown docs), as plain text and as chat messages.
use std::hint::black_box;
use std::time::{Duration, Instant};

use _core::sketch::{minute_of_ns, Population, QuantileSketch, SketchAccumulator, SpanColumns};
use _core::tokens::{estimate_tokens, Encoding};

struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

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
    let mut rng = Rng(42);
    let n = 1_000_000;
    let values: Vec<f64> = (0..n).map(|_| (18.0 + 1.5 * rng.normal()).exp()).collect();

    let ours = best_of(5, || {
        let mut s = QuantileSketch::new();
        for &v in &values {
            s.add(v).unwrap();
        }
        black_box(s.quantile(0.99).unwrap());
    });
    let theirs = best_of(5, || {
        let config = sketches_ddsketch::Config::new(0.005, 4096, 1e-9);
        let mut s = sketches_ddsketch::DDSketch::new(config);
        for &v in &values {
            s.add(v);
        }
        black_box(s.quantile(0.99).unwrap());
    });
    let per = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;
    println!(
        "add(): QuantileSketch {:.1} ns/value, sketches-ddsketch {:.1} ns/value",
        per(ours),
        per(theirs)
    );

    // A batch of 5000 spans: 1 project, 2 minutes, 20 chains, 10 agents,
    // 500 users, 2 environments, 6 models; tokens and cost on 60% of spans.
    let spans = 5000;
    let names = |prefix: &str, k: usize| -> Vec<String> {
        (0..k).map(|i| format!("{prefix}-{i}")).collect()
    };
    let (chains, agents, users) = (names("chain", 20), names("agent", 10), names("user", 500));
    let (envs, models) = (names("env", 2), names("model", 6));
    let pick =
        |v: &Vec<String>, rng: &mut Rng| -> usize { (rng.next_u64() % v.len() as u64) as usize };
    let mut cols: [Vec<&str>; 6] = Default::default();
    let mut minutes = Vec::new();
    let mut latency = Vec::new();
    let mut tokens = Vec::new();
    let mut cost = Vec::new();
    let t0 = 1_700_000_000_000_000_000i64;
    for i in 0..spans {
        // Spans of one trace (10 in a row) share chain, agent, user, env.
        let trace = i / 10;
        let mut trng = Rng(trace as u64);
        cols[0].push("project-a");
        cols[1].push(&chains[pick(&chains, &mut trng)]);
        cols[2].push(&agents[pick(&agents, &mut trng)]);
        cols[3].push(&users[pick(&users, &mut trng)]);
        cols[4].push(&envs[pick(&envs, &mut trng)]);
        let llm = rng.uniform() < 0.6;
        cols[5].push(if llm {
            &models[pick(&models, &mut rng)]
        } else {
            ""
        });
        minutes.push(minute_of_ns(t0 + (i as i64) * 20_000_000));
        latency.push((16.0 + 1.5 * rng.normal()).exp() as i64);
        tokens.push(llm.then(|| (6.0 + rng.normal()).exp() as u32));
        cost.push(llm.then(|| (-8.0 + 1.2 * rng.normal()).exp()));
    }
    let columns = SpanColumns {
        project: &cols[0],
        start_minute_s: &minutes,
        chain: &cols[1],
        agent: &cols[2],
        user: &cols[3],
        environment: &cols[4],
        model: &cols[5],
        latency_ns: &latency,
        total_tokens: &tokens,
        cost_usd: &cost,
    };
    let mut rows = 0;
    let accumulate = best_of(20, || {
        let mut acc = SketchAccumulator::new();
        acc.add_columns(Population::Llm, &columns).unwrap();
        let batch = acc.finish().unwrap();
        rows = batch.num_rows();
    });
    let add_only = best_of(20, || {
        let mut acc = SketchAccumulator::new();
        acc.add_columns(Population::Llm, &columns).unwrap();
        black_box(acc.len());
    });
    println!(
        "SketchAccumulator: {spans} spans -> {rows} rows in {:.2} ms ({:.0} ns/span; add_columns alone {:.0} ns/span)",
        accumulate.as_secs_f64() * 1e3,
        accumulate.as_secs_f64() * 1e9 / spans as f64,
        add_only.as_secs_f64() * 1e9 / spans as f64
    );

    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        paths = ["README.md", "BENCHMARKS.md", "docs/span-schema.md"]
            .iter()
            .map(|p| format!("{root}/{p}"))
            .collect();
    }
    let text: String = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let t = Instant::now();
    _core::tokens::count_text_tokens(Encoding::O200kBase, "warm up").unwrap();
    _core::tokens::count_text_tokens(Encoding::Cl100kBase, "warm up").unwrap();
    println!(
        "encoder load (o200k_base + cl100k_base): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mb = text.len() as f64 / 1e6;
    for model in ["gpt-4o", "gpt-4"] {
        let mut n = 0;
        let d = best_of(3, || n = estimate_tokens(model, &text).unwrap().tokens);
        println!(
            "tokens ({model}, plain text, {:.2} MB): {n} tokens, {:.1} MB/s",
            mb,
            mb / d.as_secs_f64()
        );
    }
    // The same text as a chat transcript: paragraphs as alternating messages.
    let messages: Vec<serde_json::Value> = text
        .split("\n\n")
        .enumerate()
        .map(|(i, p)| serde_json::json!({"role": if i == 0 { "system" } else if i % 2 == 1 { "user" } else { "assistant" }, "content": p}))
        .collect();
    let transcript = serde_json::Value::Array(messages).to_string();
    let mb = transcript.len() as f64 / 1e6;
    let mut n = 0;
    let d = best_of(3, || {
        n = estimate_tokens("gpt-4o", &transcript).unwrap().tokens
    });
    println!(
        "tokens (gpt-4o, messages JSON, {:.2} MB): {n} tokens, {:.1} MB/s",
        mb,
        mb / d.as_secs_f64()
    );
    // A short prompt, the common case per span.
    let short = &text[..text.char_indices().nth(2000).map_or(text.len(), |(i, _)| i)];
    let d = best_of(3, || {
        for _ in 0..200 {
            black_box(estimate_tokens("gpt-4o", short).unwrap());
        }
    });
    println!(
        "tokens (gpt-4o, 2000-char prompt): {:.1} us each",
        d.as_secs_f64() * 1e6 / 200.0
    );
    // Pathological: one long run of spaces (regex look-ahead territory).
    for len in [10_000usize, 100_000] {
        let spaces = format!("a{}b", " ".repeat(len));
        let t = Instant::now();
        let r = estimate_tokens("gpt-4o", &spaces);
        println!(
            "tokens ({len} spaces): {:?} in {:.1} ms",
            r.map(|e| e.tokens),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
