//! When a price applies (genai-prices `ConditionalPrice`, `PriceVariant`,
//! `StartDateConstraint`, `TimeOfDateConstraint`), for a request at a UTC
//! instant in nanoseconds.

use super::units::{Price, PriceSet, MAX_UNITS};

const NS_PER_US: i64 = 1_000;
const NS_PER_DAY: i64 = 86_400 * 1_000_000_000;
pub(crate) const US_PER_DAY: i64 = 86_400 * 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Constraint {
    /// From this UTC day on (days since 1970-01-01), as genai-prices compares
    /// the request's UTC date with `start_date`.
    StartDate { day: i64 },
    /// A daily UTC interval [start, end) in microseconds of the day, wrapping
    /// past midnight when end < start (deepseek's off-peak hours).
    TimeOfDay { start_us: i64, end_us: i64 },
}

impl Constraint {
    pub(crate) fn is_active(self, at_unix_ns: i64) -> bool {
        match self {
            Constraint::StartDate { day } => at_unix_ns.div_euclid(NS_PER_DAY) >= day,
            Constraint::TimeOfDay { start_us, end_us } => {
                // Python datetimes have microsecond resolution.
                let t = at_unix_ns.div_euclid(NS_PER_US).rem_euclid(US_PER_DAY);
                if end_us < start_us {
                    t >= start_us || t < end_us
                } else {
                    start_us <= t && t < end_us
                }
            }
        }
    }
}

/// A model's prices over time: the last entry whose constraint holds wins;
/// when none holds, the first. A model with one unconditional `ModelPrice`
/// has one entry without a constraint.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    pub(crate) entries: Vec<(Option<Constraint>, PriceSet)>,
}

impl Schedule {
    pub(crate) fn at(&self, at_unix_ns: i64) -> Option<&PriceSet> {
        self.entries
            .iter()
            .rev()
            .find(|(c, _)| c.is_none_or(|c| c.is_active(at_unix_ns)))
            .or(self.entries.first())
            .map(|(_, prices)| prices)
    }
}

/// Prices that replace the standard ones, key by key, when every `when`
/// pair equals the request's price context (e.g. `service_tier=flex`,
/// `processing=batch`) and the constraint holds.
#[derive(Debug)]
pub(crate) struct Variant {
    pub(crate) when: Vec<(String, String)>,
    pub(crate) prices: PriceSet,
    pub(crate) constraint: Option<Constraint>,
}

impl Variant {
    fn applies(&self, at_unix_ns: i64, context: &[(&str, &str)]) -> bool {
        self.constraint.is_none_or(|c| c.is_active(at_unix_ns))
            && self.when.iter().all(|(key, value)| {
                context
                    .iter()
                    .find(|(k, _)| k == key)
                    .is_some_and(|(_, v)| v == value)
            })
    }
}

/// The standard prices with the matching variants laid over them: for each
/// unit, the first matching variant that prices it wins (genai-prices'
/// `get_prices`). Built on the stack, indexed by unit.
pub(crate) struct Resolved<'a> {
    slots: [Option<&'a Price>; MAX_UNITS],
}

impl<'a> Resolved<'a> {
    pub(crate) fn new(
        standard: &'a PriceSet,
        variants: &'a [Variant],
        at_unix_ns: i64,
        context: &[(&str, &str)],
    ) -> Resolved<'a> {
        let mut slots = [None; MAX_UNITS];
        for (unit, price) in standard.iter() {
            slots[unit] = Some(price);
        }
        let mut overridden: u128 = 0;
        for variant in variants.iter().filter(|v| v.applies(at_unix_ns, context)) {
            for (unit, price) in variant.prices.iter() {
                if overridden & (1 << unit) == 0 {
                    overridden |= 1 << unit;
                    slots[unit] = Some(price);
                }
            }
        }
        Resolved { slots }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &'a Price)> + Clone + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(unit, p)| p.map(|p| (unit, p)))
    }
}
