"""The Enricher ingest decodes with: prices, impact data and project settings.

Built once at start-up (the saved price data of the data directory, the
installed ecologits data, every project's settings) and rebuilt whole when a
project's settings change; decode threads read `current` without a lock (a
reference swap is atomic).
"""

from __future__ import annotations

import logging
import time

import orjson

from gls_engine import _core
from gls_engine.carbon import default_impact_model
from gls_engine.config import Settings
from gls_engine.costs.prices import PriceData, load_or_export
from gls_engine.metadata.project_settings import ProjectSettings, SettingsValidationError

log = logging.getLogger(__name__)


def _overrides(all_settings: list[ProjectSettings]) -> list[dict]:
    return [
        {
            "project": s.project,
            "model_pattern": o.model,
            "input_per_mtok": o.input_per_mtok,
            "output_per_mtok": o.output_per_mtok,
            "cache_read_per_mtok": o.cache_read_per_mtok,
            "cache_write_per_mtok": o.cache_write_per_mtok,
        }
        for s in all_settings
        for o in s.price_overrides
    ]


def _rules_json(all_settings: list[ProjectSettings]) -> str:
    return orjson.dumps(
        {
            s.project: {"carbon_zone": s.carbon_zone, "rate_card": s.rate_card.to_json()}
            for s in all_settings
        }
    ).decode()


class Enrichment:
    def __init__(self, settings: Settings, price_data: PriceData) -> None:
        self.settings = settings
        self.price_data = price_data
        self.impact_model = default_impact_model()
        # The prices with every project's overrides, as the current Enricher has them.
        self.price_book, self.current = self._build([])

    @classmethod
    def load(cls, settings: Settings) -> Enrichment:
        return cls(settings, load_or_export(settings.data_path))

    def _build(self, all_settings: list[ProjectSettings]) -> tuple[_core.PriceBook, _core.Enricher]:
        started = time.perf_counter()
        try:
            book = _core.PriceBook(self.price_data.json, _overrides(all_settings) or None)
            enricher = _core.Enricher(
                book,
                self.impact_model,
                _rules_json(all_settings),
                self.settings.default_carbon_zone,
            )
        except (_core.CoreError, ValueError) as exc:
            raise SettingsValidationError(str(exc)) from None
        log.debug("enricher built in %.1f ms", (time.perf_counter() - started) * 1000)
        return book, enricher

    def validate(self, settings: ProjectSettings) -> None:
        """Refuses settings the data cannot honour (an unknown zone, say)."""
        zone = settings.carbon_zone
        if zone is not None and self.impact_model.zone_intensity(zone) is None:
            raise SettingsValidationError(
                f"carbon_zone {zone!r} is not a zone of the electricity-mix data"
                " (ISO 3166-1 alpha-3 country codes such as FRA or USA, or WOR for the world)"
            )

    def apply(self, all_settings: list[ProjectSettings]) -> None:
        self.price_book, self.current = self._build(all_settings)
