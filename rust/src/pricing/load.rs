//! The price-data JSON (written by `gls_engine.costs.prices.export_price_data`
//! from the installed genai-prices package) -> providers, models and prices.

use serde_json::Value;

use super::clause::Clause;
use super::dates::{parse_date, parse_utc_time_of_day};
use super::json_fields::{array, field_str, field_u64, invalid, object};
use super::schedule::{Constraint, Schedule, Variant};
use super::units::{Price, PriceSet, Tiered, UnitTable};
use super::{DataVersion, Model, Origin, Provider};
use crate::errors::Result;

/// The layout version this reader understands (`FORMAT` in prices.py).
const FORMAT: u64 = 1;

pub(crate) struct Loaded {
    pub(crate) version: DataVersion,
    pub(crate) units: UnitTable,
    pub(crate) providers: Vec<Provider>,
    pub(crate) models: Vec<Model>,
}

pub(crate) fn load(json: &str) -> Result<Loaded> {
    let doc: Value = serde_json::from_str(json).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let doc = object(&doc, "price data")?;
    let format = field_u64(doc, "format", "price data")?;
    if format != FORMAT {
        return Err(invalid(format!(
            "price data format {format}, this core reads format {FORMAT}: re-export it (`gls prices refresh`)"
        )));
    }
    let version = DataVersion {
        genai_prices_version: field_str(doc, "genai_prices_version", "price data")?.to_owned(),
        data_digest: field_str(doc, "data_digest", "price data")?.to_owned(),
    };
    let units = UnitTable::from_json(object(doc.get("units").unwrap_or(&Value::Null), "units")?)?;
    let raw_providers = array(doc.get("providers").unwrap_or(&Value::Null), "providers")?;

    let mut providers = Vec::with_capacity(raw_providers.len());
    let mut fallback_ids = Vec::with_capacity(raw_providers.len());
    let mut models = Vec::new();
    for raw in raw_providers {
        let obj = object(raw, "provider")?;
        let id = field_str(obj, "id", "provider")?.to_owned();
        let ctx = format!("provider {id}");
        let clause = |key: &str| -> Result<Option<Clause>> {
            obj.get(key)
                .map(|c| Clause::from_json(c, &format!("{ctx} {key}")))
                .transpose()
        };
        let model_match = clause("model_match")?;
        let provider_match = clause("provider_match")?;
        let fallback: Vec<String> = match obj.get("fallback_model_providers") {
            Some(v) => array(v, &ctx)?
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| invalid(format!("{ctx}: fallback_model_providers: strings")))?,
            None => Vec::new(),
        };
        let index = providers.len();
        let first = models.len();
        if let Some(raw_models) = obj.get("models") {
            for raw_model in array(raw_models, &ctx)? {
                models.push(model(raw_model, index, &units, &ctx)?);
            }
        }
        providers.push(Provider {
            id,
            name: field_str(obj, "name", &ctx)?.to_owned(),
            model_match,
            provider_match,
            fallback: Vec::new(),
            models: first..models.len(),
        });
        fallback_ids.push(fallback);
    }
    // genai-prices looks fallback providers up by id and skips unknown ones.
    for (i, ids) in fallback_ids.iter().enumerate() {
        providers[i].fallback = ids
            .iter()
            .filter_map(|id| providers.iter().position(|p| &p.id == id))
            .collect();
    }
    Ok(Loaded {
        version,
        units,
        providers,
        models,
    })
}

fn model(raw: &Value, provider: usize, units: &UnitTable, provider_ctx: &str) -> Result<Model> {
    let obj = object(raw, provider_ctx)?;
    let id = field_str(obj, "id", provider_ctx)?.to_owned();
    let ctx = format!("{provider_ctx} model {id}");
    let matcher = Clause::from_json(obj.get("match").unwrap_or(&Value::Null), &ctx)?;
    let schedule = match obj.get("prices") {
        None => Schedule::default(),
        Some(Value::Array(list)) => {
            let mut entries = Vec::with_capacity(list.len());
            for item in list {
                let item = object(item, &ctx)?;
                let constraint = item
                    .get("constraint")
                    .map(|c| constraint(c, &ctx))
                    .transpose()?;
                let prices = price_set(item.get("prices").unwrap_or(&Value::Null), units, &ctx)?;
                entries.push((constraint, prices));
            }
            Schedule { entries }
        }
        Some(prices) => Schedule {
            entries: vec![(None, price_set(prices, units, &ctx)?)],
        },
    };
    let mut variants = Vec::new();
    if let Some(raw_variants) = obj.get("price_variants") {
        for raw_variant in array(raw_variants, &ctx)? {
            let v = object(raw_variant, &ctx)?;
            let when = object(v.get("when").unwrap_or(&Value::Null), &ctx)?
                .iter()
                .map(|(k, val)| val.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid(format!("{ctx}: variant `when` values must be strings")))?;
            variants.push(Variant {
                when,
                prices: price_set(v.get("prices").unwrap_or(&Value::Null), units, &ctx)?,
                constraint: v
                    .get("constraint")
                    .map(|c| constraint(c, &ctx))
                    .transpose()?,
            });
        }
    }
    Ok(Model {
        origin: Origin::Data { provider },
        name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
        id,
        matcher: Some(matcher),
        schedule,
        variants,
    })
}

/// A `ModelPrice`: price key -> price. Keys outside the unit registry are
/// skipped, as genai-prices skips them (with a warning) when calculating.
fn price_set(raw: &Value, units: &UnitTable, ctx: &str) -> Result<PriceSet> {
    let mut entries = Vec::new();
    for (key, value) in object(raw, ctx)? {
        if let Some(unit) = units.by_price_key(key) {
            entries.push((unit, price(value, &format!("{ctx} {key}"))?));
        }
    }
    Ok(PriceSet::new(entries))
}

fn price(raw: &Value, ctx: &str) -> Result<Price> {
    match raw {
        Value::Object(obj) => {
            let base = decimal(obj.get("base").unwrap_or(&Value::Null), ctx)?;
            let mut tiers = Vec::new();
            for tier in array(obj.get("tiers").unwrap_or(&Value::Null), ctx)? {
                let tier = object(tier, ctx)?;
                tiers.push((
                    field_u64(tier, "start", ctx)?,
                    decimal(tier.get("price").unwrap_or(&Value::Null), ctx)?,
                ));
            }
            tiers.sort_by_key(|(start, _)| *start);
            Ok(Price::Tiered(Box::new(Tiered { base, tiers })))
        }
        other => Ok(Price::Flat(decimal(other, ctx)?)),
    }
}

/// A price: genai-prices' Decimal, exported as its exact string.
fn decimal(raw: &Value, ctx: &str) -> Result<f64> {
    let value = match raw {
        Value::String(s) => s.parse::<f64>().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    value.filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| {
        invalid(format!(
            "{ctx}: price {raw} is not a finite non-negative number"
        ))
    })
}

fn constraint(raw: &Value, ctx: &str) -> Result<Constraint> {
    let obj = object(raw, ctx)?;
    if obj.contains_key("start_date") {
        let text = field_str(obj, "start_date", ctx)?;
        let day = parse_date(text)
            .ok_or_else(|| invalid(format!("{ctx}: start_date {text:?} is not YYYY-MM-DD")))?;
        return Ok(Constraint::StartDate { day });
    }
    let time = |key: &str| -> Result<i64> {
        let text = field_str(obj, key, ctx)?;
        parse_utc_time_of_day(text)
            .ok_or_else(|| invalid(format!("{ctx}: {key} {text:?} is not an ISO time")))
    };
    Ok(Constraint::TimeOfDay {
        start_us: time("start_time")?,
        end_us: time("end_time")?,
    })
}
