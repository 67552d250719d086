"""The client's project's chains (docs/chains.md): a version fetched by label or
number to run or inspect, the list, new chains and versions, labels moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from greenlang_studio.http import Api, segment


@dataclass(frozen=True)
class Chain:
    """One version of a chain: its canonical definition and the labels naming it."""

    name: str
    version: int
    definition: dict[str, Any]
    labels: list[str] = field(default_factory=list)
    description: str = ""
    message: str = ""
    created_at: str | None = None

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Chain:
        return cls(
            name=document["chain"],
            version=document["version"],
            definition=document["definition"],
            labels=list(document.get("labels", [])),
            description=document.get("description", ""),
            message=document.get("message", ""),
            created_at=document.get("created_at"),
        )


class Chains:
    def __init__(self, api: Api) -> None:
        self._api = api

    def _path(self, name: str | None = None) -> str:
        base = f"{self._api.project_path}/chains"
        return base if name is None else f"{base}/{segment(name)}"

    def get(self, name: str, *, label: str | None = None, version: int | None = None) -> Chain:
        """The version `version`, else the one `label` names, else the latest."""
        if label is not None and version is not None:
            raise ValueError("give label or version, not both")
        if label is None and version is None:
            version = self.describe(name)["latest_version"]  # versions never change
        return Chain.from_json(self._api.get(self._path(name), label=label, version=version))

    def describe(self, name: str) -> dict[str, Any]:
        """The chain with its versions (number, message, created_at) and labels."""
        return self._api.get(self._path(name))

    def list(self) -> list[dict[str, Any]]:
        """Each chain's name, description, latest_version, labels ({label: version})."""
        return self._api.get(self._path())["chains"]

    def create(
        self,
        name: str,
        definition: dict[str, Any],
        *,
        description: str = "",
        message: str = "",
    ) -> Chain:
        """A new chain; `definition` is version 1."""
        document = {
            "name": name,
            "description": description,
            "definition": definition,
            "message": message,
        }
        return Chain.from_json(self._api.post(self._path(), document))

    def push_version(self, name: str, definition: dict[str, Any], *, message: str = "") -> Chain:
        """A new version of the chain (the next number)."""
        document = {"definition": definition, "message": message}
        return Chain.from_json(self._api.post(self._path(name) + "/versions", document))

    def validate(self, definition: dict[str, Any], *, name: str | None = None) -> dict[str, Any]:
        """The canonical definition, checked as a save (of a new version of `name`)
        would check it; StudioError (400) naming the step and field otherwise."""
        document = {"definition": definition, "name": name}
        return self._api.post(self._path() + "/validate", document)["definition"]

    def set_label(self, name: str, label: str, version: int) -> dict[str, Any]:
        """Points `label` at `version` (or moves it there)."""
        return self._api.request(
            "PUT", f"{self._path(name)}/labels/{segment(label)}", json={"version": version}
        )

    def remove_label(self, name: str, label: str) -> None:
        self._api.request("DELETE", f"{self._path(name)}/labels/{segment(label)}")

    def label_history(self, name: str, label: str) -> dict[str, Any]:
        return self._api.get(f"{self._path(name)}/labels/{segment(label)}/history")

    def delete(self, name: str) -> None:
        self._api.request("DELETE", self._path(name))

    def run(
        self,
        name: str,
        inputs: dict[str, Any],
        *,
        label: str | None = None,
        version: int | None = None,
        environment: str | None = None,
    ) -> dict[str, Any]:
        """Runs the chain on the Studio (its version `version`, else `label`'s, else the
        latest) and answers the finished run: status, output, error, each step's
        latency, tokens, cost, energy and carbon, and the trace id. A failed step is
        the run's `status` and `error`, not an exception; a bad input is a
        StudioError (400) naming the field."""
        document: dict[str, Any] = {"chain": name, "inputs": inputs, "wait": True}
        if label is not None:
            document["label"] = label
        if version is not None:
            document["version"] = version
        if environment is not None:
            document["environment"] = environment
        runs = self._api.post(f"{self._api.project_path}/chain-runs", document)["runs"]
        run: dict[str, Any] = runs[0]
        return run
