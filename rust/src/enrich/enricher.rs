//! What enrichment knows: prices, impact data, and each project's rules
//! (carbon zone, rate card), shared by every decode thread.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::energy::ImpactModel;
use crate::errors::{Error, Result};
use crate::pricing::PriceBook;

/// Non-LLM prices of a project: infrastructure and data processing.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateCard {
    #[serde(default)]
    pub cpu_second_usd: Option<f64>,
    #[serde(default)]
    pub gpu_second_usd: Option<f64>,
    #[serde(default)]
    pub gb_read_usd: Option<f64>,
    #[serde(default)]
    pub tool_call_usd: HashMap<String, f64>,
}

/// What enrichment knows of one project.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRules {
    #[serde(default)]
    pub carbon_zone: Option<String>,
    #[serde(default)]
    pub rate_card: RateCard,
}

/// Prices, impact data and per-project rules; shared by every decode thread.
pub struct Enricher {
    pub(super) prices: Arc<PriceBook>,
    pub(super) impacts: Arc<ImpactModel>,
    projects: HashMap<String, ProjectRules>,
    default_zone: String,
    /// Token counts of system prompts by content hash (`system_tokens.rs`).
    pub(super) system_tokens: Mutex<HashMap<u64, u32>>,
}

impl std::fmt::Debug for Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enricher")
            .field("projects", &self.projects.len())
            .field("default_zone", &self.default_zone)
            .finish_non_exhaustive()
    }
}

impl Enricher {
    /// `projects_json`: `{"<project>": {"carbon_zone": "FRA", "rate_card": {...}}}`.
    /// Zones must be known to the impact data (else an error naming it).
    pub fn new(
        prices: Arc<PriceBook>,
        impacts: Arc<ImpactModel>,
        projects_json: &str,
        default_zone: &str,
    ) -> Result<Enricher> {
        let projects: HashMap<String, ProjectRules> = serde_json::from_str(projects_json)
            .map_err(|e| Error::InvalidArgument(format!("invalid project rules: {e}")))?;
        let known = |zone: &str| impacts.canonical_zone(zone).map(str::to_owned);
        let default_zone = known(default_zone).ok_or_else(|| {
            Error::InvalidArgument(format!("unknown carbon zone {default_zone:?}"))
        })?;
        let mut checked = HashMap::with_capacity(projects.len());
        for (name, mut rules) in projects {
            if let Some(zone) = &rules.carbon_zone {
                rules.carbon_zone = Some(known(zone).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "unknown carbon zone {zone:?} for project {name:?}"
                    ))
                })?);
            }
            checked.insert(name, rules);
        }
        Ok(Enricher {
            prices,
            impacts,
            projects: checked,
            default_zone,
            system_tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn prices(&self) -> &PriceBook {
        &self.prices
    }

    pub fn impacts(&self) -> &ImpactModel {
        &self.impacts
    }

    pub(super) fn rules(&self, project: &str) -> Option<&ProjectRules> {
        self.projects.get(project)
    }

    pub(super) fn zone_default<'a>(&'a self, rules: Option<&'a ProjectRules>) -> &'a str {
        rules
            .and_then(|r| r.carbon_zone.as_deref())
            .unwrap_or(&self.default_zone)
    }
}
