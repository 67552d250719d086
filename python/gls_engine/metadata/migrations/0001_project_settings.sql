-- Per-project settings people edit: where the project's work runs (the grid
-- zone its carbon is computed for), price overrides for self-hosted or
-- fine-tuned models, and the rate card of non-LLM costs. JSON texts are
-- validated by gls_engine.metadata.project_settings before they are stored.
CREATE TABLE IF NOT EXISTS project_settings (
    project TEXT PRIMARY KEY,
    carbon_zone TEXT,
    price_overrides TEXT NOT NULL DEFAULT '[]',
    rate_card TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
