//! genai-prices' match clauses (`types.py` `Clause*`): the boolean logic that
//! picks a provider by its id or a model by the name used in a request.

use serde_json::Value;

use super::json_fields::{field_str, invalid};
use crate::errors::Result;

/// One match clause. The text matched is already lower-cased by the caller
/// (genai-prices lower-cases model refs and provider ids before matching);
/// literal patterns are lower-cased once here, as `is_match` does per call
/// in Python. A regex is used as written (Python `re.search`, not anchored).
#[derive(Debug)]
pub(crate) enum Clause {
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Regex(Box<fancy_regex::Regex>),
    Or(Vec<Clause>),
    And(Vec<Clause>),
}

impl Clause {
    /// `{"equals": "..."}`, `{"or": [...]}`, ...: the first key names the clause,
    /// as pydantic's discriminator in genai-prices does.
    pub(crate) fn from_json(value: &Value, context: &str) -> Result<Clause> {
        let obj = value
            .as_object()
            .ok_or_else(|| invalid(format!("{context}: a match clause must be an object")))?;
        let (kind, arg) = obj
            .iter()
            .next()
            .ok_or_else(|| invalid(format!("{context}: empty match clause")))?;
        let text = |name: &str| -> Result<String> {
            arg.as_str()
                .map(str::to_lowercase)
                .ok_or_else(|| invalid(format!("{context}: `{name}` needs a string")))
        };
        let list = |name: &str| -> Result<Vec<Clause>> {
            arg.as_array()
                .ok_or_else(|| invalid(format!("{context}: `{name}` needs a list")))?
                .iter()
                .map(|c| Clause::from_json(c, context))
                .collect()
        };
        Ok(match kind.as_str() {
            "equals" => Clause::Equals(text(kind)?),
            "starts_with" => Clause::StartsWith(text(kind)?),
            "ends_with" => Clause::EndsWith(text(kind)?),
            "contains" => Clause::Contains(text(kind)?),
            "regex" => {
                let pattern = field_str(obj, "regex", context)?;
                let regex = fancy_regex::Regex::new(pattern)
                    .map_err(|e| invalid(format!("{context}: regex {pattern:?}: {e}")))?;
                Clause::Regex(Box::new(regex))
            }
            "or" => Clause::Or(list(kind)?),
            "and" => Clause::And(list(kind)?),
            other => {
                return Err(invalid(format!(
                    "{context}: unknown match clause `{other}`"
                )))
            }
        })
    }

    /// Does the (lower-cased) text match? A regex that gives up (fancy-regex's
    /// backtrack limit) counts as no match.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            Clause::Equals(s) => text == s,
            Clause::StartsWith(s) => text.starts_with(s.as_str()),
            Clause::EndsWith(s) => text.ends_with(s.as_str()),
            Clause::Contains(s) => text.contains(s.as_str()),
            Clause::Regex(r) => r.is_match(text).unwrap_or(false),
            Clause::Or(cs) => cs.iter().any(|c| c.is_match(text)),
            Clause::And(cs) => cs.iter().all(|c| c.is_match(text)),
        }
    }
}
