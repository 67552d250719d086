//! genai-prices' unit registry (`data_units.py`, `units.py`, `decompose.py`)
//! and the price of one usage under one set of prices.
//!
//! A unit (e.g. `cache_read_tokens`, priced by `cache_read_mtok` per 1M) has
//! dimensions; a unit whose dimensions include another's is a part of it
//! (`cache_read_tokens` is part of `input_tokens`, `output_reasoning_tokens`
//! of `output_tokens`). Each priced unit pays for its "leaf": its count less
//! the leaves of its priced parts. So input tokens INCLUDE cache tokens, and
//! a model without a cache-read price charges cache reads at the input price.

use serde_json::{Map, Value};

use super::json_fields::{field_str, field_u64, invalid};
use super::{Cost, Usage};
use crate::errors::Result;

/// More units than this (58 in genai-prices 0.2.3) is refused at load, so a
/// set of parts fits a `u128` and per-call scratch space fits the stack.
pub(crate) const MAX_UNITS: usize = 128;

/// Where a unit's price goes in [`Cost`], from its dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Component {
    Input,
    CacheRead,
    CacheWrite,
    Output,
    Reasoning,
    /// No direction (per-request fees, tool calls): only in the total, as in
    /// genai-prices' `total_price`.
    Other,
}

/// The token counts of [`Usage`] that a unit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UsageField {
    Input,
    Output,
    CacheRead,
    CacheWrite,
    Reasoning,
}

impl UsageField {
    const ALL: [(UsageField, &'static str); 5] = [
        (UsageField::Input, "input_tokens"),
        (UsageField::Output, "output_tokens"),
        (UsageField::CacheRead, "cache_read_tokens"),
        (UsageField::CacheWrite, "cache_write_tokens"),
        (UsageField::Reasoning, "output_reasoning_tokens"),
    ];

    fn bit(self) -> u8 {
        1 << self as u8
    }

    fn get(self, usage: &Usage) -> Option<u64> {
        match self {
            UsageField::Input => usage.input_tokens,
            UsageField::Output => usage.output_tokens,
            UsageField::CacheRead => usage.cache_read_tokens,
            UsageField::CacheWrite => usage.cache_write_tokens,
            UsageField::Reasoning => usage.reasoning_tokens,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Unit {
    pub(crate) usage_key: String,
    pub(crate) price_key: String,
    per: f64,
    dimensions: Vec<(String, String)>,
    component: Component,
    field: Option<UsageField>,
    /// Usage fields that are strict parts of this unit: reporting one of them
    /// (> 0) without this unit's own count is an error in genai-prices.
    part_fields: u8,
    /// Units that are strict parts of this one (bit = unit index).
    parts: u128,
    /// `requests` is counted as 1 per call, not read from usage.
    per_request: bool,
}

/// The registry: units in genai-prices' leaf order (more dimensions first,
/// then by usage key), so a unit's parts come before it.
#[derive(Debug)]
pub(crate) struct UnitTable {
    units: Vec<Unit>,
    input_unit: usize,
}

impl UnitTable {
    pub(crate) fn from_json(units: &Map<String, Value>) -> Result<UnitTable> {
        if units.len() > MAX_UNITS {
            return Err(invalid(format!(
                "{} units: at most {MAX_UNITS} are supported",
                units.len()
            )));
        }
        let mut list = Vec::with_capacity(units.len());
        for (usage_key, raw) in units {
            let ctx = format!("unit {usage_key}");
            let obj = raw
                .as_object()
                .ok_or_else(|| invalid(format!("{ctx}: not an object")))?;
            let per = field_u64(obj, "per", &ctx)?;
            if per == 0 {
                return Err(invalid(format!("{ctx}: per must be positive")));
            }
            let price_key = match obj.get("price_key") {
                Some(_) => field_str(obj, "price_key", &ctx)?.to_owned(),
                None => usage_key.clone(),
            };
            let mut dimensions = Vec::new();
            if let Some(dims) = obj.get("dimensions") {
                let dims = dims
                    .as_object()
                    .ok_or_else(|| invalid(format!("{ctx}: dimensions must be an object")))?;
                for (k, v) in dims {
                    let v = v
                        .as_str()
                        .ok_or_else(|| invalid(format!("{ctx}: dimension {k} is not a string")))?;
                    dimensions.push((k.clone(), v.to_owned()));
                }
            }
            dimensions.sort();
            let component = component_of(&dimensions);
            let field = UsageField::ALL
                .iter()
                .find(|(_, key)| key == usage_key)
                .map(|(f, _)| *f);
            list.push(Unit {
                usage_key: usage_key.clone(),
                price_key,
                per: per as f64,
                dimensions,
                component,
                field,
                part_fields: 0,
                parts: 0,
                per_request: usage_key == "requests",
            });
        }
        list.sort_by(|a, b| {
            b.dimensions
                .len()
                .cmp(&a.dimensions.len())
                .then_with(|| a.usage_key.cmp(&b.usage_key))
        });
        for (_, name) in UsageField::ALL {
            if !list.iter().any(|u| u.usage_key == name) {
                return Err(invalid(format!("the unit registry has no `{name}`")));
            }
        }
        let is_part = |whole: &Unit, part: &Unit| {
            part.dimensions.len() > whole.dimensions.len()
                && whole.dimensions.iter().all(|d| part.dimensions.contains(d))
        };
        for i in 0..list.len() {
            let (mut parts, mut part_fields) = (0u128, 0u8);
            for (j, other) in list.iter().enumerate() {
                if is_part(&list[i], other) {
                    parts |= 1 << j;
                    if let Some(f) = other.field {
                        part_fields |= f.bit();
                    }
                }
            }
            list[i].parts = parts;
            list[i].part_fields = part_fields;
        }
        let input_unit = list
            .iter()
            .position(|u| u.usage_key == "input_tokens")
            .ok_or_else(|| invalid("the unit registry has no `input_tokens`".into()))?;
        Ok(UnitTable {
            units: list,
            input_unit,
        })
    }

    pub(crate) fn by_price_key(&self, price_key: &str) -> Option<usize> {
        self.units.iter().position(|u| u.price_key == price_key)
    }

    pub(crate) fn by_usage_key(&self, usage_key: &str) -> Option<usize> {
        self.units.iter().position(|u| u.usage_key == usage_key)
    }

    /// The count genai-prices' `Usage` gives for a unit: the reported value;
    /// else 0, unless a part of it was reported (> 0), which is an error
    /// (`None`): a part cannot be priced without its whole.
    fn count(&self, unit: usize, usage: &Usage) -> Option<u64> {
        let u = &self.units[unit];
        if let Some(v) = u.field.and_then(|f| f.get(usage)) {
            return Some(v);
        }
        let reported_part = UsageField::ALL
            .iter()
            .any(|(f, _)| u.part_fields & f.bit() != 0 && f.get(usage).is_some_and(|v| v > 0));
        (!reported_part).then_some(0)
    }

    /// The price of `usage` under the priced units `entries` (sorted by unit
    /// index, i.e. in leaf order). `None` when the usage is inconsistent in
    /// the ways genai-prices raises for: a part larger than its whole
    /// (e.g. cache reads above input tokens), or a part without its whole.
    pub(crate) fn cost<'a>(
        &self,
        entries: impl Iterator<Item = (usize, &'a Price)> + Clone,
        usage: &Usage,
    ) -> Option<Cost> {
        let total_input = if entries.clone().any(|(_, p)| matches!(p, Price::Tiered(_))) {
            self.count(self.input_unit, usage)?
        } else {
            0
        };
        // Leaf counts of the units priced so far, by unit index.
        let mut leaves = [0u64; MAX_UNITS];
        let mut priced: u128 = 0;
        let mut cost = Cost::default();
        for (unit, price) in entries {
            let u = &self.units[unit];
            let count = if u.per_request {
                1
            } else {
                let mut leaf = i128::from(self.count(unit, usage)?);
                let mut parts = u.parts & priced;
                while parts != 0 {
                    let j = parts.trailing_zeros() as usize;
                    leaf -= i128::from(leaves[j]);
                    parts &= parts - 1;
                }
                u64::try_from(leaf).ok()?
            };
            if !u.per_request {
                leaves[unit] = count;
                priced |= 1 << unit;
            }
            let value = price.per_unit(total_input) * count as f64 / u.per;
            match u.component {
                Component::Input => cost.input += value,
                Component::CacheRead => cost.cache_read += value,
                Component::CacheWrite => cost.cache_write += value,
                Component::Output => cost.output += value,
                Component::Reasoning => cost.reasoning += value,
                Component::Other => cost.other += value,
            }
            cost.total += value;
        }
        Some(cost)
    }
}

fn component_of(dimensions: &[(String, String)]) -> Component {
    let get = |key: &str| {
        dimensions
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    match (get("direction"), get("token_type")) {
        (Some("input"), Some("cache_read")) => Component::CacheRead,
        (Some("input"), Some("cache_write")) => Component::CacheWrite,
        (Some("input"), _) => Component::Input,
        (Some("output"), Some("reasoning")) => Component::Reasoning,
        (Some("output"), _) => Component::Output,
        _ => Component::Other,
    }
}

/// A price in USD per `unit.per` units: flat, or tiered on total input tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Price {
    Flat(f64),
    Tiered(Box<Tiered>),
}

/// genai-prices' `TieredPrices`: the "cliff" model, where crossing a tier
/// (total input tokens strictly above its start) prices ALL units at its rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tiered {
    pub(crate) base: f64,
    /// (start, price), ascending by start.
    pub(crate) tiers: Vec<(u64, f64)>,
}

impl Price {
    fn per_unit(&self, total_input_tokens: u64) -> f64 {
        match self {
            Price::Flat(p) => *p,
            Price::Tiered(t) => t
                .tiers
                .iter()
                .rev()
                .find(|(start, _)| total_input_tokens > *start)
                .map_or(t.base, |(_, price)| *price),
        }
    }
}

/// The prices of one `ModelPrice`: (unit index, price), sorted by unit index.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PriceSet {
    pub(crate) entries: Vec<(usize, Price)>,
}

impl PriceSet {
    pub(crate) fn new(mut entries: Vec<(usize, Price)>) -> PriceSet {
        entries.sort_by_key(|(unit, _)| *unit);
        PriceSet { entries }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Price)> + Clone {
        self.entries.iter().map(|(u, p)| (*u, p))
    }
}
