"""JSON over HTTP to one Studio project's API, errors raised as StudioError."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import requests

from greenlang_studio.errors import StudioError

DEFAULT_TIMEOUT_S = 60.0
RETRIES = 4
MAX_WAIT_S = 10.0


def segment(value: str) -> str:
    """A name as one path segment (a dataset named 'a/b?' stays one)."""
    return quote(value, safe="")


class Api:
    def __init__(self, url: str, project: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.timeout = timeout
        self.session = requests.Session()

    @property
    def project_path(self) -> str:
        return f"/api/v1/projects/{segment(self.project)}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        data: Any = None,
        content_type: str | None = None,
    ) -> Any:
        headers = {"Content-Type": content_type} if content_type else None
        for attempt in range(RETRIES + 1):
            response = self.session.request(
                method,
                self.url + path,
                json=json,
                params=params,
                data=data,
                headers=headers,
                timeout=self.timeout,
            )
            # busy (429) or briefly unavailable (503): the Studio says when to retry;
            # a streamed body (an upload) cannot be sent twice
            if response.status_code not in (429, 503) or attempt == RETRIES or data is not None:
                break
            time.sleep(min(float(response.headers.get("Retry-After") or 1), MAX_WAIT_S))
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                code, message = error.get("code", ""), error.get("message", response.text)
            except (ValueError, KeyError, TypeError):
                code, message = "", response.text
            raise StudioError(response.status_code, code, message)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, document: Any) -> Any:
        return self.request("POST", path, json=document)

    def close(self) -> None:
        self.session.close()
