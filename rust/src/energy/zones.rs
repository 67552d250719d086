//! The electricity zone a span's work ran in (carbon = energy x the zone's
//! grid intensity). First match wins:
//!
//! 1. `gls.carbon.zone`: an explicit ecologits zone code (`FRA`, `USA`,
//!    `WOR`; case-insensitive; an unknown code is skipped);
//! 2. `cloud.region` (with `cloud.provider` when present) through our table
//!    of the main AWS / GCP / Azure regions (`cloud_regions.json`);
//! 3. the LLM provider's own data-centre zone as ecologits defines it
//!    (`gen_ai.provider.name`, `gen_ai.system`, `llm.provider`, `llm.system`);
//! 4. the project's default zone.
//!
//! The caller picks which attributes it passes: span attributes over
//! resource attributes. For an LLM call, a resource's `cloud.region` is where
//! the calling app runs, not where the model does; docs/carbon.md says more.

use std::collections::HashMap;

use super::matching::PROVIDER_ALIASES;
use super::{invalid, ImpactModel};
use crate::errors::Result;

pub const ZONE_ATTRIBUTE: &str = "gls.carbon.zone";
pub const CLOUD_REGION_ATTRIBUTE: &str = "cloud.region";
pub const CLOUD_PROVIDER_ATTRIBUTE: &str = "cloud.provider";
/// The LLM provider attributes, in the order span normalisation reads them.
pub const LLM_PROVIDER_ATTRIBUTES: [&str; 4] = [
    "gen_ai.provider.name",
    "gen_ai.system",
    "llm.provider",
    "llm.system",
];

/// The attribute values the zone depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZoneHints<'a> {
    pub explicit_zone: Option<&'a str>,
    pub cloud_provider: Option<&'a str>,
    pub cloud_region: Option<&'a str>,
    pub llm_provider: Option<&'a str>,
}

impl<'a> ZoneHints<'a> {
    /// Reads the hints with `get(attribute name)`.
    pub fn from_attributes(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        ZoneHints {
            explicit_zone: get(ZONE_ATTRIBUTE),
            cloud_provider: get(CLOUD_PROVIDER_ATTRIBUTE),
            cloud_region: get(CLOUD_REGION_ATTRIBUTE),
            llm_provider: LLM_PROVIDER_ATTRIBUTES.iter().find_map(|key| get(key)),
        }
    }
}

/// Which rule chose the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSource {
    Explicit,
    CloudRegion,
    LlmProvider,
    ProjectDefault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedZone<'a> {
    pub zone: &'a str,
    pub source: ZoneSource,
}

/// Normalised region -> zone: lower case, spaces dropped.
type Regions = HashMap<String, String>;

pub(super) struct RegionTable {
    by_provider: HashMap<String, Regions>,
    /// For spans without `cloud.provider`: regions whose name means one zone
    /// whichever provider has it (`None` when providers disagree).
    any_provider: HashMap<String, Option<String>>,
}

/// Longest region or zone text looked up; longer input matches nothing.
const MAX_KEY_LEN: usize = 64;

/// `f` of the bytes of `text` kept by `keep` and mapped by `map`, on the
/// stack (this runs per span).
fn with_normalised<R>(
    text: &str,
    keep: impl Fn(u8) -> bool,
    map: impl Fn(u8) -> u8,
    f: impl FnOnce(&str) -> Option<R>,
) -> Option<R> {
    let text = text.trim();
    let mut buf = [0u8; MAX_KEY_LEN];
    let mut n = 0;
    for b in text.bytes().filter(|&b| keep(b)) {
        *buf.get_mut(n)? = map(b);
        n += 1;
    }
    // Only ASCII bytes were changed or dropped, so this is still UTF-8.
    f(std::str::from_utf8(&buf[..n]).ok()?)
}

fn region_key(region: &str) -> Option<String> {
    with_normalised(
        region,
        |b| b != b' ',
        |b| b.to_ascii_lowercase(),
        |s| Some(s.to_owned()),
    )
}

impl RegionTable {
    pub(super) fn new(
        table: &HashMap<String, HashMap<String, String>>,
        zones: &HashMap<String, f64>,
    ) -> Result<Self> {
        let mut by_provider = HashMap::new();
        let mut any_provider: HashMap<String, Option<String>> = HashMap::new();
        for (provider, regions) in table {
            let mut normalised = Regions::new();
            for (region, zone) in regions {
                if !zones.contains_key(zone) {
                    return Err(invalid(format_args!(
                        "cloud region {provider}/{region}: unknown zone {zone}"
                    )));
                }
                let key =
                    region_key(region).ok_or_else(|| invalid(format_args!("region {region}")))?;
                any_provider
                    .entry(key.clone())
                    .and_modify(|z| {
                        if z.as_deref() != Some(zone) {
                            *z = None;
                        }
                    })
                    .or_insert_with(|| Some(zone.clone()));
                normalised.insert(key, zone.clone());
            }
            by_provider.insert(provider.to_ascii_lowercase(), normalised);
        }
        Ok(RegionTable {
            by_provider,
            any_provider,
        })
    }

    fn zone_of(&self, provider: Option<&str>, region: &str) -> Option<&str> {
        with_normalised(
            region,
            |b| b != b' ',
            |b| b.to_ascii_lowercase(),
            |key| {
                let regions = provider.and_then(|p| {
                    with_normalised(
                        p,
                        |_| true,
                        |b| b.to_ascii_lowercase(),
                        |p| self.by_provider.get(p),
                    )
                });
                match regions {
                    Some(regions) => regions.get(key).map(String::as_str),
                    None => self.any_provider.get(key)?.as_deref(),
                }
            },
        )
    }
}

impl ImpactModel {
    /// The zone code as the electricity mixes spell it (`fra` -> `FRA`).
    pub fn canonical_zone(&self, zone: &str) -> Option<&str> {
        with_normalised(
            zone,
            |_| true,
            |b| b.to_ascii_uppercase(),
            |z| self.zone_gwp.get_key_value(z).map(|(k, _)| k.as_str()),
        )
    }

    /// Zone of a cloud region (`cloud.provider` optional), from our region table.
    pub fn cloud_region_zone(&self, cloud_provider: Option<&str>, region: &str) -> Option<&str> {
        self.regions.zone_of(cloud_provider, region)
    }

    /// Default data-centre zone of an LLM provider named as spans name it.
    pub fn llm_provider_zone(&self, provider: &str) -> Option<&str> {
        let name = with_normalised(
            provider,
            |_| true,
            |b| b.to_ascii_lowercase(),
            |p| {
                PROVIDER_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == p)
                    .map(|(_, name)| *name)
            },
        )?;
        self.providers
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.zone.as_str())
    }

    /// The zone of a span's work, by the rules of this module. The project
    /// default comes back canonical when it is a known zone, else as given.
    pub fn resolve_zone<'a>(
        &'a self,
        hints: &ZoneHints<'_>,
        project_default: &'a str,
    ) -> ResolvedZone<'a> {
        let found = |zone: Option<&'a str>, source| zone.map(|zone| ResolvedZone { zone, source });
        found(
            hints.explicit_zone.and_then(|z| self.canonical_zone(z)),
            ZoneSource::Explicit,
        )
        .or_else(|| {
            found(
                hints
                    .cloud_region
                    .and_then(|r| self.cloud_region_zone(hints.cloud_provider, r)),
                ZoneSource::CloudRegion,
            )
        })
        .or_else(|| {
            found(
                hints.llm_provider.and_then(|p| self.llm_provider_zone(p)),
                ZoneSource::LlmProvider,
            )
        })
        .unwrap_or_else(|| ResolvedZone {
            zone: self
                .canonical_zone(project_default)
                .unwrap_or(project_default),
            source: ZoneSource::ProjectDefault,
        })
    }
}
