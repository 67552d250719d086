"""Checks real requests and responses against api/openapi.yaml."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPEC = Path(__file__).resolve().parents[1] / "api" / "openapi.yaml"


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC))


def checked_get(base: str, path: str, expect: int = 200, **params: Any) -> Any:
    """GET, then validate request and response against the spec; return the JSON body."""
    resp = requests.get(base + path, params=params, timeout=60)
    assert resp.status_code == expect, resp.text
    spec = openapi()
    # The spec's server is 127.0.0.1:6006; validate against it whatever port the test used.
    prepared = requests.Request("GET", "http://127.0.0.1:6006" + path, params=params).prepare()
    spec.validate_request(RequestsOpenAPIRequest(prepared))
    spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json()


def checked_put(
    base: str,
    path: str,
    document: Any = None,
    expect: int = 200,
    *,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> Any:
    """PUT a JSON document (or raw `body` bytes), then validate against the spec: the
    response always, the request only when it is meant to succeed (a request
    the spec forbids is what error tests send). Returns the JSON body."""
    data = body if body is not None else json.dumps(document).encode()
    headers = {"Content-Type": content_type}
    resp = requests.put(base + path, data=data, headers=headers, timeout=60)
    assert resp.status_code == expect, resp.text
    spec = openapi()
    prepared = requests.Request(
        "PUT", "http://127.0.0.1:6006" + path, data=data, headers=headers
    ).prepare()
    if 200 <= expect < 300:
        spec.validate_request(RequestsOpenAPIRequest(prepared))
    spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json()
