"""Requests to the datasets API checked against api/openapi.yaml (any method, JSON or
raw bodies, query parameters)."""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from openapi_check import openapi


def checked(
    method: str,
    base: str,
    path: str,
    expect: int,
    *,
    json_body: Any = None,
    data: bytes | None = None,
    content_type: str | None = None,
    params: dict[str, Any] | None = None,
    validate_request: bool | None = None,
) -> requests.Response:
    """The request, its status asserted, and the answer (and, for requests meant to
    succeed, the request) validated against the spec."""
    headers = {}
    if json_body is not None:
        data = json.dumps(json_body).encode()
        content_type = "application/json"
    if content_type is not None:
        headers["Content-Type"] = content_type
    resp = requests.request(
        method, base + path, data=data, headers=headers, params=params, timeout=120
    )
    assert resp.status_code == expect, resp.text
    prepared = requests.Request(
        method, "http://127.0.0.1:6006" + path, data=data, headers=headers, params=params
    ).prepare()
    spec = openapi()
    operation = spec.spec / "paths" / _template(path) / method.lower()
    if validate_request if validate_request is not None else 200 <= expect < 300:
        if data is None or content_type == "application/json":
            spec.validate_request(RequestsOpenAPIRequest(prepared))
        else:  # a file: openapi-core validates bodies as text; its media type must be listed
            assert content_type in set((operation / "requestBody" / "content").keys())
    if resp.headers.get("Content-Type", "").startswith("application/json"):
        spec.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(resp))
    elif resp.content:
        listed = set((operation / "responses" / str(expect) / "content").keys())
        assert resp.headers["Content-Type"].split(";")[0] in listed, resp.headers
    return resp


def _template(path: str) -> str:
    """The spec's path template `path` matches."""
    for template in sorted((openapi().spec / "paths").keys(), key=lambda t: t.count("{")):
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path.split("?")[0]):
            return template
    raise AssertionError(f"{path} is not in the spec")
