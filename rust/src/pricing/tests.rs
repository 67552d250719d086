//! Unit tests on a small hand-written data set; every expected cost is the
//! arithmetic of its prices. The agreement with genai-prices itself, on the
//! real data, is tested in tests/costs/test_prices.py.

use super::dates::{parse_date, parse_utc_time_of_day};
use super::*;

const DAY_NS: i64 = 86_400 * 1_000_000_000;
/// 2025-06-01T00:00:00Z.
const JUNE_2025: i64 = 20_240 * DAY_NS;

fn units_json() -> &'static str {
    r#"{
      "input_tokens": {"per": 1000000, "price_key": "input_mtok", "dimensions": {"family": "tokens", "direction": "input"}},
      "output_tokens": {"per": 1000000, "price_key": "output_mtok", "dimensions": {"family": "tokens", "direction": "output"}},
      "cache_read_tokens": {"per": 1000000, "price_key": "cache_read_mtok", "dimensions": {"family": "tokens", "direction": "input", "token_type": "cache_read"}},
      "cache_write_tokens": {"per": 1000000, "price_key": "cache_write_mtok", "dimensions": {"family": "tokens", "direction": "input", "token_type": "cache_write"}},
      "cache_write_1h_tokens": {"per": 1000000, "price_key": "cache_write_1h_mtok", "dimensions": {"family": "tokens", "direction": "input", "token_type": "cache_write", "cache_ttl": "1h"}},
      "output_reasoning_tokens": {"per": 1000000, "price_key": "output_reasoning_mtok", "dimensions": {"family": "tokens", "direction": "output", "token_type": "reasoning"}},
      "requests": {"per": 1000, "price_key": "requests_kcount", "dimensions": {"family": "requests"}}
    }"#
}

fn book_json() -> String {
    format!(
        r#"{{
      "format": 1, "genai_prices_version": "9.9.9", "data_digest": "abc",
      "units": {units},
      "providers": [
        {{"id": "acme", "name": "Acme", "api_pattern": "x",
          "model_match": {{"starts_with": "acme-"}},
          "provider_match": {{"or": [{{"contains": "acme"}}, {{"equals": "a.c.m.e"}}]}},
          "models": [
            {{"id": "acme-1", "name": "Acme One", "match": {{"equals": "acme-1"}},
              "prices": {{"input_mtok": "2", "output_mtok": "8", "cache_read_mtok": "0.5", "cache_write_mtok": "2.5",
                          "future_unit_mtok": "100"}},
              "price_variants": [
                {{"when": {{"service_tier": "flex"}}, "prices": {{"input_mtok": "1"}}}},
                {{"when": {{"service_tier": "flex"}}, "prices": {{"input_mtok": "7", "output_mtok": "4"}}}}
              ]}},
            {{"id": "acme-big", "match": {{"regex": "^acme-big(?!-mini)"}},
              "prices": {{"input_mtok": {{"base": "1", "tiers": [{{"start": 1000, "price": "3"}}, {{"start": 500, "price": "2"}}]}},
                          "output_mtok": {{"base": "10", "tiers": [{{"start": 500, "price": "20"}}]}}}}}},
            {{"id": "acme-dated", "match": {{"starts_with": "acme-dated-2025-01-02"}},
              "prices": [
                {{"prices": {{"input_mtok": "1", "output_mtok": "1"}}}},
                {{"constraint": {{"start_date": "2025-06-01"}}, "prices": {{"input_mtok": "3", "output_mtok": "3"}}}}
              ]}},
            {{"id": "acme-offpeak", "match": {{"equals": "acme-offpeak"}},
              "prices": [
                {{"prices": {{"input_mtok": "1"}}}},
                {{"constraint": {{"start_time": "08:30:00+08:00", "end_time": "16:30:00Z"}}, "prices": {{"input_mtok": "4"}}}}
              ]}},
            {{"id": "acme-think", "match": {{"and": [{{"starts_with": "acme-think"}}, {{"ends_with": "-r"}}]}},
              "prices": {{"input_mtok": "1", "output_mtok": "10", "output_reasoning_mtok": "5", "requests_kcount": "3",
                          "cache_write_mtok": "2", "cache_write_1h_mtok": "4"}}}}
          ]}},
        {{"id": "cloud", "name": "Cloud", "api_pattern": "y",
          "fallback_model_providers": ["nowhere", "acme"],
          "models": [
            {{"id": "cloud-1", "match": {{"ends_with": "cloud-1"}}, "prices": {{"input_mtok": "5"}}}}
          ]}}
      ]
    }}"#,
        units = units_json()
    )
}

fn book() -> PriceBook {
    PriceBook::from_json(&book_json()).expect("fixture loads")
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        ..Usage::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-12)
}

fn assert_cost(cost: Option<Cost>, total: f64) -> Cost {
    let cost = cost.expect("priced");
    assert!(close(cost.total, total), "total {} != {total}", cost.total);
    cost
}

#[test]
fn version_and_names() {
    let b = book();
    assert_eq!(b.data_version().genai_prices_version, "9.9.9");
    assert_eq!(b.data_version().data_digest, "abc");
    let id = b.resolve("acme", "ACME-1").unwrap();
    let r = b.model_ref(id);
    assert_eq!(
        (r.provider_id, r.model_id, r.name),
        ("acme", "acme-1", Some("Acme One"))
    );
}

#[test]
fn provider_by_id_clause_or_model() {
    let b = book();
    let one = b.resolve("acme", "acme-1");
    assert!(one.is_some());
    assert_eq!(b.resolve("  Acme  ", "acme-1"), one);
    assert_eq!(
        b.resolve("my-acme-proxy", "acme-1"),
        one,
        "provider_match contains"
    );
    assert_eq!(b.resolve("a.c.m.e", "acme-1"), one, "provider_match equals");
    assert_eq!(b.resolve("", "acme-1"), one, "no provider: model_match");
    assert_eq!(
        b.resolve("unknown", "acme-1"),
        None,
        "a named unknown provider prices nothing"
    );
    assert_eq!(b.resolve("", "other-1"), None);
    assert_eq!(b.resolve("acme", "acme-2"), None, "unknown model");
}

#[test]
fn model_clauses() {
    let b = book();
    let big = |m: &str| b.resolve("acme", m).map(|id| b.model_ref(id).model_id);
    assert_eq!(big("acme-big"), Some("acme-big"));
    assert_eq!(big("acme-big-2"), Some("acme-big"));
    assert_eq!(big("acme-big-mini"), None, "negative look-ahead");
    assert_eq!(big("acme-think-r"), Some("acme-think"), "and + ends_with");
    assert_eq!(big("acme-think"), None);
    assert_eq!(big("acme-dated-2025-01-02"), Some("acme-dated"));
}

#[test]
fn compact_date_is_retried_dashed() {
    let b = book();
    let id = b.resolve("acme", "acme-dated-20250102").unwrap();
    assert_eq!(b.model_ref(id).model_id, "acme-dated");
    assert_eq!(b.resolve("acme", "acme-dated-20250132"), None, "not a date");
    assert_eq!(
        normalize_compact_date("x-20240229-20230229:y-20251301").as_deref(),
        Some("x-2024-02-29-20230229:y-20251301")
    );
    assert_eq!(
        normalize_compact_date("gpt-20250101x"),
        None,
        "needs a boundary after"
    );
    assert_eq!(
        normalize_compact_date("gpt-19990101"),
        None,
        "years 20xx only"
    );
}

#[test]
fn fallback_provider_and_litellm() {
    let b = book();
    let id = b.resolve("cloud", "acme-1").unwrap();
    let r = b.model_ref(id);
    assert_eq!((r.provider_id, r.model_id), ("cloud", "acme-1"));
    assert_eq!(
        b.resolve("cloud", "my-cloud-1")
            .map(|i| b.model_ref(i).model_id),
        Some("cloud-1")
    );
    // litellm: `provider/model` when the prefix is a provider...
    let id = b.resolve("litellm", "cloud/my-cloud-1").unwrap();
    assert_eq!(b.model_ref(id).provider_id, "cloud");
    // ... else the whole ref, found by the providers' model_match.
    let id = b.resolve("LiteLLM", "acme-1").unwrap();
    assert_eq!(b.model_ref(id).provider_id, "acme");
    assert_eq!(b.resolve("litellm", "nope/acme-1"), None);
}

#[test]
fn otel_provider_names() {
    let b = book();
    assert_eq!(otel_provider_alias("x_ai"), Some("x-ai"));
    assert_eq!(otel_provider_alias("azure.ai.openai"), Some("azure"));
    assert_eq!(otel_provider_alias("openai"), None);
    // Not in this fixture: an alias to a missing provider prices nothing.
    assert_eq!(b.resolve("x_ai", "acme-1"), None);
}

#[test]
fn cache_tokens_are_parts_of_input() {
    let b = book();
    let id = b.resolve("acme", "acme-1").unwrap();
    let u = Usage {
        input_tokens: Some(1_000_000),
        output_tokens: Some(100_000),
        cache_read_tokens: Some(400_000),
        cache_write_tokens: Some(100_000),
        reasoning_tokens: Some(50_000), // no reasoning price: stays in output
    };
    // input leaf 500K * 2 + 400K * 0.5 + 100K * 2.5 + 100K * 8, per 1M.
    let c = assert_cost(b.cost(id, JUNE_2025, &u), 1.0 + 0.2 + 0.25 + 0.8);
    assert!(close(c.input, 1.0) && close(c.cache_read, 0.2) && close(c.cache_write, 0.25));
    assert!(close(c.output, 0.8) && c.reasoning == 0.0);
    assert!(close(c.input_total(), 1.45) && close(c.output_total(), 0.8));
}

#[test]
fn inconsistent_usage_is_unpriced() {
    let b = book();
    let id = b.resolve("acme", "acme-1").unwrap();
    let more_cache_than_input = Usage {
        input_tokens: Some(10),
        cache_read_tokens: Some(11),
        ..Usage::default()
    };
    assert_eq!(b.cost(id, JUNE_2025, &more_cache_than_input), None);
    let part_without_whole = Usage {
        cache_read_tokens: Some(5),
        ..Usage::default()
    };
    assert_eq!(b.cost(id, JUNE_2025, &part_without_whole), None);
    // A part reported as 0 without its whole is fine.
    let zero_part = Usage {
        cache_read_tokens: Some(0),
        output_tokens: Some(1_000_000),
        ..Usage::default()
    };
    assert_cost(b.cost(id, JUNE_2025, &zero_part), 8.0);
    assert_cost(b.cost(id, JUNE_2025, &Usage::default()), 0.0);
}

#[test]
fn from_span_repairs_input_without_cache() {
    let anthropic_raw = Usage::from_span(Some(10), Some(5), Some(100), Some(20), None);
    assert_eq!(anthropic_raw.input_tokens, Some(130));
    let semconv = Usage::from_span(Some(130), Some(5), Some(100), Some(20), None);
    assert_eq!(semconv.input_tokens, Some(130));
    assert_eq!(
        Usage::from_span(None, None, Some(3), None, None).input_tokens,
        None
    );
}

#[test]
fn tiers_on_total_input() {
    let b = book();
    let id = b.resolve("acme", "acme-big").unwrap();
    // At the tier start itself the lower rate still applies (start is exclusive).
    assert_cost(
        b.cost(id, JUNE_2025, &usage(500, 1_000)),
        (500.0 * 1.0 + 1_000.0 * 10.0) / 1e6,
    );
    assert_cost(
        b.cost(id, JUNE_2025, &usage(501, 1_000)),
        (501.0 * 2.0 + 1_000.0 * 20.0) / 1e6,
    );
    assert_cost(b.cost(id, JUNE_2025, &usage(1_001, 0)), 1_001.0 * 3.0 / 1e6);
    // Tiers read input_tokens, so a cache part without it is unpriceable.
    let u = Usage {
        cache_read_tokens: Some(1),
        output_tokens: Some(1),
        ..Usage::default()
    };
    assert_eq!(b.cost(id, JUNE_2025, &u), None);
}

#[test]
fn price_changes_over_time() {
    let b = book();
    let id = b.resolve("acme", "acme-dated-2025-01-02").unwrap();
    let u = usage(1_000_000, 1_000_000);
    assert_cost(b.cost(id, JUNE_2025 - 1, &u), 2.0);
    assert_cost(b.cost(id, JUNE_2025, &u), 6.0);
    assert_cost(b.cost(id, JUNE_2025 + 200 * DAY_NS, &u), 6.0);
}

#[test]
fn time_of_day_window_in_utc() {
    let b = book();
    let id = b.resolve("acme", "acme-offpeak").unwrap();
    let u = usage(1_000_000, 0);
    let at = |h: i64, m: i64| JUNE_2025 + (h * 3600 + m * 60) * 1_000_000_000;
    // 08:30+08:00 is 00:30 UTC; the window is [00:30, 16:30) UTC.
    assert_cost(b.cost(id, at(0, 29), &u), 1.0);
    assert_cost(b.cost(id, at(0, 30), &u), 4.0);
    assert_cost(b.cost(id, at(16, 29), &u), 4.0);
    assert_cost(b.cost(id, at(16, 30), &u), 1.0);
    assert_cost(b.cost(id, at(23, 59) - 400 * DAY_NS, &u), 1.0);
}

#[test]
fn reasoning_request_fee_and_nested_cache_write() {
    let b = book();
    let id = b.resolve("acme", "acme-think-r").unwrap();
    let u = Usage {
        input_tokens: Some(1_000_000),
        cache_write_tokens: Some(500_000),
        output_tokens: Some(1_000_000),
        reasoning_tokens: Some(400_000),
        ..Usage::default()
    };
    // cache_write_1h is not reported: 0 of it; all 500K writes at 2.
    let c = assert_cost(
        b.cost(id, JUNE_2025, &u),
        0.5 + 1.0 + 6.0 + 2.0 + 3.0 / 1000.0,
    );
    assert!(close(c.reasoning, 2.0) && close(c.output, 6.0) && close(c.other, 0.003));
    assert!(close(c.cache_write, 1.0) && close(c.input, 0.5));
    let too_much_reasoning = Usage {
        output_tokens: Some(1),
        reasoning_tokens: Some(2),
        ..Usage::default()
    };
    assert_eq!(b.cost(id, JUNE_2025, &too_much_reasoning), None);
}

#[test]
fn price_variants_first_match_per_key() {
    let b = book();
    let id = b.resolve("acme", "acme-1").unwrap();
    let u = usage(1_000_000, 1_000_000);
    assert_cost(b.cost(id, JUNE_2025, &u), 10.0);
    let flex = [("service_tier", "flex")];
    // input from the first flex variant (1), output from the second (4).
    assert_cost(b.cost_with_context(id, JUNE_2025, &u, &flex), 5.0);
    assert_cost(
        b.cost_with_context(id, JUNE_2025, &u, &[("service_tier", "Flex")]),
        10.0,
    );
    // Through a fallback provider, variants do not apply.
    let via_cloud = b.resolve("cloud", "acme-1").unwrap();
    assert_cost(b.cost_with_context(via_cloud, JUNE_2025, &u, &flex), 10.0);
}

#[test]
fn overrides_come_first_in_their_project() {
    let b = book()
        .with_overrides(vec![
            PriceOverride {
                project: "p1".into(),
                model_pattern: "acme-*".into(),
                input_per_mtok: 1.0,
                output_per_mtok: 2.0,
                cache_read_per_mtok: Some(0.1),
                cache_write_per_mtok: None,
            },
            PriceOverride {
                project: "p1".into(),
                model_pattern: "ACME-1".into(),
                input_per_mtok: 3.0,
                output_per_mtok: 3.0,
                cache_read_per_mtok: None,
                cache_write_per_mtok: None,
            },
            PriceOverride {
                project: "p1".into(),
                model_pattern: "my-llama*".into(),
                input_per_mtok: 0.5,
                output_per_mtok: 0.5,
                cache_read_per_mtok: None,
                cache_write_per_mtok: None,
            },
        ])
        .unwrap();
    let u = Usage {
        input_tokens: Some(1_000_000),
        output_tokens: Some(1_000_000),
        cache_read_tokens: Some(500_000),
        cache_write_tokens: Some(100_000),
        reasoning_tokens: None,
    };
    // Exact name beats the prefix; no cache prices: cache at the input price.
    let exact = b.resolve_for_project("p1", "acme", "acme-1").unwrap();
    assert_eq!(b.model_ref(exact).override_project, Some("p1"));
    assert_cost(b.cost(exact, JUNE_2025, &u), 6.0);
    // Prefix: 500K cache reads at 0.1; the 100K cache writes (no price)
    // stay in the 500K input leaf at 1.
    let prefix = b.resolve_for_project("p1", "", "acme-big").unwrap();
    assert_eq!(b.model_ref(prefix).model_id, "acme-*");
    assert_cost(b.cost(prefix, JUNE_2025, &u), 0.5 + 0.05 + 2.0);
    // A model genai-prices does not know, priced by its override.
    let own = b
        .resolve_for_project("p1", "vllm", "my-llama-3-ft")
        .unwrap();
    assert_cost(b.cost(own, JUNE_2025, &u), 1.0);
    // Other projects see genai-prices.
    let data = b.resolve_for_project("p2", "acme", "acme-1").unwrap();
    assert_eq!(b.model_ref(data).override_project, None);
    assert_eq!(b.resolve_for_project("p2", "vllm", "my-llama-3-ft"), None);
}

#[test]
fn bad_overrides_are_refused() {
    let o = |pattern: &str, input: f64| PriceOverride {
        project: "p".into(),
        model_pattern: pattern.into(),
        input_per_mtok: input,
        output_per_mtok: 1.0,
        cache_read_per_mtok: None,
        cache_write_per_mtok: None,
    };
    assert!(book().with_overrides(vec![o("a*b", 1.0)]).is_err());
    assert!(book().with_overrides(vec![o("", 1.0)]).is_err());
    assert!(book().with_overrides(vec![o("x", -1.0)]).is_err());
    assert!(book().with_overrides(vec![o("x", f64::NAN)]).is_err());
    assert!(
        book().with_overrides(vec![o("*", 1.0)]).is_ok(),
        "`*` alone: every model"
    );
}

#[test]
fn resolve_is_cached_and_stable() {
    let b = book();
    let first = b.resolve("Acme", "acme-1");
    assert_eq!(b.resolve("Acme", "acme-1"), first);
    assert_eq!(b.resolve("Acme", "nope"), None);
    assert_eq!(b.resolve("Acme", "nope"), None);
    assert_eq!(b.cache.read().unwrap().1, 2);
}

#[test]
fn bad_data_is_an_error() {
    assert!(matches!(
        PriceBook::from_json("{"),
        Err(Error::InvalidPriceData(_))
    ));
    let wrong_format = book_json().replace("\"format\": 1", "\"format\": 2");
    assert!(PriceBook::from_json(&wrong_format).is_err());
    let bad_regex = book_json().replace("^acme-big(?!-mini)", "(unclosed");
    assert!(PriceBook::from_json(&bad_regex).is_err());
    let negative = book_json().replace("\"input_mtok\": \"5\"", "\"input_mtok\": \"-5\"");
    assert!(PriceBook::from_json(&negative).is_err());
}

#[test]
fn dates_and_times() {
    assert_eq!(parse_date("1970-01-01"), Some(0));
    assert_eq!(parse_date("2025-06-01"), Some(20_240));
    assert_eq!(parse_date("2024-02-29"), Some(19_782));
    assert_eq!(parse_date("2023-02-29"), None);
    assert_eq!(parse_utc_time_of_day("16:30:00"), Some(59_400_000_000));
    assert_eq!(
        parse_utc_time_of_day("16:30:00+00:00"),
        Some(59_400_000_000)
    );
    assert_eq!(
        parse_utc_time_of_day("00:30:00.5+01:00"),
        Some(84_600_500_000)
    );
    assert_eq!(parse_utc_time_of_day("23:00-02:00"), Some(3_600_000_000));
    assert_eq!(parse_utc_time_of_day("25:00:00"), None);
}

/// A measurement, not a test: ns per cached `resolve` and per `cost` on the
/// real data. Run with the exported data:
/// `GLS_PRICES_JSON=prices.json cargo test --release -p gls-core measure_pricing -- --ignored --nocapture`
#[test]
#[ignore]
fn measure_pricing() {
    use std::hint::black_box;
    use std::time::Instant;

    let Ok(path) = std::env::var("GLS_PRICES_JSON") else {
        eprintln!("set GLS_PRICES_JSON to an exported prices.json");
        return;
    };
    let json = std::fs::read_to_string(path).expect("readable prices.json");
    let started = Instant::now();
    let b = PriceBook::from_json(&json).expect("loads");
    eprintln!("load: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    let calls = [
        ("openai", "gpt-4o-2024-08-06"),
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-3-5-sonnet-20241022"),
        ("anthropic", "claude-sonnet-4-5"),
        ("google", "gemini-2.5-pro"),
        ("gcp.vertex_ai", "gemini-2.5-flash"),
        ("mistral", "mistral-large-latest"),
        ("groq", "llama-3.3-70b-versatile"),
        ("deepseek", "deepseek-chat"),
        ("", "gpt-4.1"),
        ("azure", "gpt-4o"),
        ("aws.bedrock", "global.anthropic.claude-haiku-5-5"),
    ];
    let started = Instant::now();
    for (p, m) in calls {
        black_box(b.resolve_uncached(p, m));
    }
    let cold = started.elapsed().as_nanos() as f64 / calls.len() as f64;
    let n = 2_000_000;
    let started = Instant::now();
    for i in 0..n {
        let (p, m) = calls[i % calls.len()];
        black_box(b.resolve(black_box(p), black_box(m)));
    }
    let hit = started.elapsed().as_nanos() as f64 / n as f64;
    let ids: Vec<ModelId> = calls.iter().filter_map(|(p, m)| b.resolve(p, m)).collect();
    assert_eq!(ids.len(), calls.len());
    let at = 20_332 * DAY_NS + 3_600 * 1_000_000_000; // 2025-09-01T01:00Z
    let started = Instant::now();
    let mut total = 0.0;
    for i in 0..n {
        let u = Usage {
            input_tokens: Some(1_000 + (i as u64 % 300_000)),
            output_tokens: Some(500),
            cache_read_tokens: Some(i as u64 % 1_000),
            cache_write_tokens: None,
            reasoning_tokens: Some(100),
        };
        total += b
            .cost(ids[i % ids.len()], black_box(at), black_box(&u))
            .map_or(0.0, |c| c.total);
    }
    let cost = started.elapsed().as_nanos() as f64 / n as f64;
    black_box(total);
    eprintln!("resolve miss (clause matching): {cold:.0} ns/call");
    eprintln!("resolve hit (cache): {hit:.1} ns/call; cost: {cost:.1} ns/call");
}
