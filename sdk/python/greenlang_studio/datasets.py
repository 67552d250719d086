"""A dataset of the client's project: its items (added as a new version), versions,
and the items of any version, paged through as an iterator."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from greenlang_studio.http import Api, segment

PAGE = 1000


class Dataset:
    def __init__(self, api: Api, document: dict[str, Any]) -> None:
        self._api = api
        self.name: str = document["name"]
        self.document = document

    @property
    def _path(self) -> str:
        return f"{self._api.project_path}/datasets/{segment(self.name)}"

    @property
    def latest_version(self) -> int | None:
        return self.document.get("latest_version")

    def refresh(self) -> Dataset:
        self.document = self._api.get(self._path)
        return self

    def add_items(self, items: Iterable[dict[str, Any]], description: str = "") -> dict[str, Any]:
        """Adds items ({"id"?, "input", "expected"?, "metadata"?, "split"?}) as one new
        version; answers the version."""
        version = self._api.post(
            self._path + "/items", {"items": list(items), "description": description}
        )
        self.refresh()
        return version

    def versions(self) -> list[dict[str, Any]]:
        return self._api.get(self._path + "/versions")["versions"]

    def items(
        self, version: int | str | None = None, split: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a version (the latest by default), in item order."""
        cursor = None
        while True:
            page = self._api.get(
                self._path + "/items",
                version=None if version is None else str(version),
                split=split,
                limit=PAGE,
                cursor=cursor,
            )
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def experiments(self) -> list[dict[str, Any]]:
        return self._api.get(f"{self._api.project_path}/experiments", dataset=self.name)[
            "experiments"
        ]
