"""Requests to the experiments API checked against api/openapi.yaml."""

from __future__ import annotations

import json
from typing import Any

import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from openapi_check import openapi


def call(
    method: str,
    base: str,
    path: str,
    expect: int,
    *,
    json_body: Any = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """The request, its status asserted, the answer (and the request when it is
    meant to succeed) validated against the spec; the JSON answer."""
    data = None if json_body is None else json.dumps(json_body).encode()
    headers = {} if data is None else {"Content-Type": "application/json"}
    resp = requests.request(
        method, base + path, data=data, headers=headers, params=params, timeout=120
    )
    assert resp.status_code == expect, resp.text
    prepared = requests.Request(
        method, "http://127.0.0.1:6006" + path, data=data, headers=headers, params=params
    ).prepare()
    spec = openapi()
    if 200 <= expect < 300:
        spec.validate_request(RequestsOpenAPIRequest(prepared))
    spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json() if resp.content else None
