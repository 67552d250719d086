//! Times decode_traces on length-prefixed protobuf bodies (u32 LE length +
//! body, repeated), for profiling:
//! `cargo run --release --example profile_decode -- FILE [ROUNDS]`
//!
//! `PHASE=baseline` (needs `--features baseline`) times the old prost-based
//! path (`_core::reference`) on the same bodies, for before/after numbers.
use std::time::Instant;

use _core::batch::DecodeOptions;
use _core::decode::{decode_traces, BodyFormat};

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
    let opts = DecodeOptions {
        default_project: "default".into(),
        project_override: None,
        received_ns: now,
        enricher: None,
    };
    let fmt = BodyFormat {
        json: false,
        gzip: false,
        max_body_bytes: usize::MAX,
    };
    let phase = std::env::var("PHASE").unwrap_or_default();
    let t = Instant::now();
    let mut spans = 0usize;
    for _ in 0..rounds {
        for b in &bodies {
            spans += match phase.as_str() {
                #[cfg(feature = "baseline")]
                "baseline" => {
                    _core::reference::decode_traces_prost(b, &opts)
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
