"""Requests to the datasets API checked against api/openapi.yaml (any method, JSON or
raw bodies, query parameters): openapi_check.checked_request."""

from __future__ import annotations

from openapi_check import checked_request as checked

__all__ = ["checked"]
