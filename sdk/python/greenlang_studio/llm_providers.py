"""The client's project's LLM providers, by name: the endpoints its chains' LLM steps
call. A key is sent once and sealed by the Studio; answers carry only its hint."""

from __future__ import annotations

from typing import Any

from greenlang_studio.http import Api, segment

_KEEP: Any = object()


class LlmProviders:
    def __init__(self, api: Api) -> None:
        self._api = api

    def _path(self, name: str | None = None) -> str:
        base = f"{self._api.project_path}/llm-providers"
        return base if name is None else f"{base}/{segment(name)}"

    def create(
        self, name: str, base_url: str, *, api_key: str | None = None, kind: str = "openai"
    ) -> dict[str, Any]:
        """A new provider (StudioError 409 when the name is taken). `kind` openai: any
        OpenAI-compatible chat-completions endpoint."""
        document: dict[str, Any] = {"name": name, "kind": kind, "base_url": base_url}
        if api_key is not None:
            document["api_key"] = api_key
        return self._api.post(self._path(), document)

    def replace(
        self, name: str, base_url: str, *, api_key: Any = _KEEP, kind: str = "openai"
    ) -> dict[str, Any]:
        """Replaces (or creates) the provider; `api_key` left out keeps the stored key,
        None removes it."""
        document: dict[str, Any] = {"kind": kind, "base_url": base_url}
        if api_key is not _KEEP:
            document["api_key"] = api_key
        return self._api.request("PUT", self._path(name), json=document)

    def get(self, name: str) -> dict[str, Any]:
        return self._api.get(self._path(name))

    def list(self) -> list[dict[str, Any]]:
        return self._api.get(self._path())["providers"]

    def delete(self, name: str) -> None:
        self._api.request("DELETE", self._path(name))
