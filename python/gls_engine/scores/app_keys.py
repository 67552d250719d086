"""The application key the scores handlers find their store under."""

from __future__ import annotations

from aiohttp import web

from gls_engine.scores.score_store import ScoreStore

SCORES_KEY = web.AppKey("score_store", ScoreStore)
