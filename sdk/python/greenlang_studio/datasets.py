"""A dataset of the client's project: its items (added as a new version), versions,
and the items of any version, paged through as an iterator."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from greenlang_studio.errors import StudioError
from greenlang_studio.http import Api, segment

PAGE = 1000
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
}
ENDED = ("succeeded", "failed", "cancelled")


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

    def upload(
        self,
        path: str | Path,
        *,
        input_columns: Iterable[str] | None = None,
        expected_columns: Iterable[str] | None = None,
        metadata_columns: Iterable[str] | None = None,
        split_column: str | None = None,
        id_column: str | None = None,
        wait: bool = True,
        timeout: float = 3600.0,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Uploads a CSV, JSON Lines or Parquet file (by its suffix) as a new version,
        streamed; the Studio parses it as a background job, which this waits for
        (`wait`) and answers. `on_progress` is called with the job (state, rows_read,
        bytes_read, bytes_total) each time it is read while waiting. A failed job
        raises StudioError naming its row and column."""
        path = Path(path)
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            raise ValueError(f"upload a .csv, .jsonl or .parquet file, not {path.name}")
        params: dict[str, str] = {}
        for name, columns in (
            ("input_columns", input_columns),
            ("expected_columns", expected_columns),
            ("metadata_columns", metadata_columns),
        ):
            if columns is not None:
                params[name] = ",".join(columns)
        if split_column is not None:
            params["split_column"] = split_column
        if id_column is not None:
            params["id_column"] = id_column
        with path.open("rb") as body:
            job = self._api.request(
                "POST", self._path + "/uploads", data=body, params=params, content_type=media_type
            )
        deadline = time.monotonic() + timeout
        job_path = f"{self._api.project_path}/dataset-jobs/{job['id']}"
        while wait and job["state"] not in ENDED:
            if on_progress is not None:
                on_progress(job)
            if time.monotonic() > deadline:
                raise TimeoutError(f"upload job {job['id']} still {job['state']}")
            time.sleep(0.25)
            job = self._api.get(job_path)
        if wait and on_progress is not None:
            on_progress(job)
        if job["state"] == "failed":
            error = job.get("error") or {}
            where = f" (row {error.get('row')}, column {error.get('column')})"
            raise StudioError(400, "upload_failed", f"{error.get('message')}{where}")
        self.refresh()
        return job

    def change(
        self,
        *,
        add: Iterable[dict[str, Any]] = (),
        patch: Iterable[dict[str, Any]] = (),
        delete: Iterable[str] = (),
        description: str = "",
    ) -> dict[str, Any]:
        """Adds, patches ({"id", and the fields that change}) and deletes items as one
        new version; answers the version."""
        version = self._api.post(
            self._path + "/versions",
            {
                "description": description,
                "add": list(add),
                "patch": list(patch),
                "delete": list(delete),
            },
        )
        self.refresh()
        return version

    def tag(self, name: str, version: int) -> dict[str, Any]:
        """Names a version (a tag moves when set again); experiments may name it."""
        return self._api.request(
            "PUT", f"{self._path}/tags/{segment(name)}", json={"version": version}
        )

    def diff(self, from_version: int | str, to_version: int | str) -> Iterator[dict[str, Any]]:
        """The items that changed between two versions: {"id", "change", "before", "after"}."""
        cursor = None
        while True:
            page = self._api.get(
                self._path + "/diff",
                **{"from": str(from_version), "to": str(to_version)},
                limit=PAGE,
                cursor=cursor,
            )
            yield from page["changes"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

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
