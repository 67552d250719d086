"""POST requests to the Studio checked against api/openapi.yaml (openapi_check has GET
and PUT)."""

from __future__ import annotations

import json
from typing import Any

import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from openapi_check import openapi


def checked_post(base: str, path: str, document: Any, expect: int = 200, **kwargs: Any) -> Any:
    """POST JSON, then validate against the spec: the response always, the request when
    it is meant to succeed (error tests send what the spec forbids). The JSON body back."""
    data = kwargs.pop("body", None)
    data = json.dumps(document).encode() if data is None else data
    headers = {"Content-Type": kwargs.pop("content_type", "application/json")}
    resp = requests.post(base + path, data=data, headers=headers, timeout=60)
    assert resp.status_code == expect, resp.text
    prepared = requests.Request(
        "POST", "http://127.0.0.1:6006" + path, data=data, headers=headers
    ).prepare()
    if 200 <= expect < 300:
        openapi().validate_request(RequestsOpenAPIRequest(prepared))
    openapi().validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    return resp.json()
