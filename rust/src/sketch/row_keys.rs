//! What identifies a sketch row beside its project and minute: the group
//! kind, the metric and the population, with their column values (shared by
//! the accumulator that collects sketches and the delta rows that store them).

/// What a sketch row is grouped by. `All` is every span of the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKind {
    All,
    Chain,
    Agent,
    User,
    Environment,
    Model,
}

impl GroupKind {
    pub const EVERY: [GroupKind; 6] = [
        GroupKind::All,
        GroupKind::Chain,
        GroupKind::Agent,
        GroupKind::User,
        GroupKind::Environment,
        GroupKind::Model,
    ];

    /// The `group_kind` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::All => "all",
            GroupKind::Chain => "chain",
            GroupKind::Agent => "agent",
            GroupKind::User => "user",
            GroupKind::Environment => "environment",
            GroupKind::Model => "model",
        }
    }
}

/// The measured quantity of a sketch row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    LatencyNs,
    TotalTokens,
    CostUsd,
}

impl Metric {
    pub const EVERY: [Metric; 3] = [Metric::LatencyNs, Metric::TotalTokens, Metric::CostUsd];

    /// The `metric` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::LatencyNs => "latency_ns",
            Metric::TotalTokens => "total_tokens",
            Metric::CostUsd => "cost_usd",
        }
    }
}

/// Which spans a sketch row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Population {
    /// Root spans: a trace's own latency (tokens and cost of a trace are
    /// sums over its spans, which arrive over many requests: not sketched).
    Trace,
    /// LLM calls (span type `llm` or `embedding`): latency, tokens, cost.
    Llm,
}

impl Population {
    /// The `population` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Trace => "trace",
            Population::Llm => "llm",
        }
    }
}
