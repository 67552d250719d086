"""Checks real requests and responses against api/openapi.yaml."""

from __future__ import annotations

import json
import re
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


def checked_request(
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
