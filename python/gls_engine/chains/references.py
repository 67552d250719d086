"""What a chain definition names in the store, checked inside the transaction that
saves it: every LLM step's provider exists in the project, every sub-chain step's
chain (and the version or label it names) exists, and no sub-chain cycle.

A cycle is looked for in the graph of versions: a sub-chain step leads to the
version its reference resolves to (its version, else its label's version, else
the chain's latest), as the store will be once the save is done (the new version
is its chain's latest; a moved label names its new version). Any new cycle goes
through the version being saved (or the one a label now names), so a path from
it back to itself is the only thing to look for. The path is named in the 400:
`steps[2] (more).chain: a cycle: a -> b -> a`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gls_engine.chains.definition import ChainDefinition, ChainStep, LlmStep
from gls_engine.errors import InvalidParameterError
from gls_engine.metadata.models.chains import (
    ChainLabelRow,
    ChainRow,
    ChainVersionRow,
    LlmProviderRow,
)

Node = tuple[str, int]  # (chain name, version number)


@dataclass(frozen=True)
class Reference:
    chain: str
    version: int | None
    label: str | None


@dataclass(frozen=True)
class PendingSave:
    """The store as it will be after the save: `node` is the version being saved (a
    new version: its chain's latest) or the version a label is moved to."""

    node: Node
    new_version: bool
    moved_label: str | None = None


class ReferenceChecker:
    """Reads the project's chains through `session` (one transaction), each row once."""

    def __init__(self, session: AsyncSession, project: str, pending: PendingSave) -> None:
        self._session = session
        self._project = project
        self._pending = pending
        self._chains: dict[str, ChainRow | None] = {}
        self._labels: dict[tuple[int, str], int | None] = {}
        self._references: dict[Node, list[Reference]] = {}

    # --- the store as it will be ---------------------------------------------------
    async def _chain(self, name: str) -> ChainRow | None:
        if name not in self._chains:
            self._chains[name] = await self._session.scalar(
                select(ChainRow).where(ChainRow.project == self._project, ChainRow.name == name)
            )
        return self._chains[name]

    async def _label(self, chain: ChainRow, label: str) -> int | None:
        key = (chain.id, label)
        if key not in self._labels:
            self._labels[key] = await self._session.scalar(
                select(ChainLabelRow.version).where(
                    ChainLabelRow.chain_id == chain.id, ChainLabelRow.label == label
                )
            )
        return self._labels[key]

    def _latest(self, name: str, row: ChainRow | None) -> int | None:
        pending_name, pending_number = self._pending.node
        if name == pending_name and self._pending.new_version:
            return pending_number
        return None if row is None else row.latest_version

    async def resolve(self, reference: Reference) -> Node | str:
        """The version the reference leads to, or why it leads nowhere."""
        row = await self._chain(reference.chain)
        latest = self._latest(reference.chain, row)
        if latest is None:
            return f"no chain {reference.chain!r} in project {self._project}"
        if reference.version is not None:
            if reference.version > latest:
                return f"chain {reference.chain!r} has no version {reference.version} (latest: {latest})"
            return (reference.chain, reference.version)
        if reference.label is not None:
            pending_name, pending_number = self._pending.node
            if reference.chain == pending_name and reference.label == self._pending.moved_label:
                return (reference.chain, pending_number)
            number = None if row is None else await self._label(row, reference.label)
            if number is None:
                return f"chain {reference.chain!r} has no label {reference.label!r}"
            return (reference.chain, number)
        return (reference.chain, latest)

    async def _references_of(self, node: Node) -> list[Reference]:
        """A stored version's sub-chain references, read from its JSON (no need to
        parse templates to follow the graph)."""
        if node not in self._references:
            row = await self._chain(node[0])
            definition: Any = None
            if row is not None:
                definition = await self._session.scalar(
                    select(ChainVersionRow.definition).where(
                        ChainVersionRow.chain_id == row.id, ChainVersionRow.number == node[1]
                    )
                )
            steps = definition.get("steps") if isinstance(definition, dict) else None
            self._references[node] = [
                Reference(step.get("chain", ""), step.get("version"), step.get("label"))
                for step in steps or []
                if isinstance(step, dict) and step.get("type") == "chain"
            ]
        return self._references[node]

    # --- checks --------------------------------------------------------------------
    async def check(self, definition: ChainDefinition, *, check_providers: bool = True) -> None:
        """400 naming the step and field of the first reference that fails."""
        providers: set[str] | None = None
        for index, step in enumerate(definition.steps):
            where = f"steps[{index}] ({step.id})"
            if isinstance(step, LlmStep) and check_providers:
                if providers is None:
                    providers = set(
                        await self._session.scalars(
                            select(LlmProviderRow.name).where(
                                LlmProviderRow.project == self._project
                            )
                        )
                    )
                if step.provider not in providers:
                    raise InvalidParameterError(
                        f"{where}.provider: no LLM provider {step.provider!r} in project "
                        f"{self._project}"
                    )
            if isinstance(step, ChainStep):
                await self._check_sub_chain(step, where)

    async def _check_sub_chain(self, step: ChainStep, where: str) -> None:
        target = await self.resolve(Reference(step.chain, step.version, step.label))
        if isinstance(target, str):
            field = "version" if step.version is not None else "label" if step.label else "chain"
            if target.startswith("no chain"):
                field = "chain"
            raise InvalidParameterError(f"{where}.{field}: {target}")
        path = await self._path_back(target)
        if path is not None:
            names = " -> ".join(name for name, _ in [self._pending.node, *path])
            raise InvalidParameterError(f"{where}.chain: a cycle: {names}")

    async def _path_back(self, first: Node) -> list[Node] | None:
        """The shortest path of versions from `first` to the pending node (both
        included), or None when there is none."""
        start = self._pending.node
        parents: dict[Node, Node | None] = {first: None}
        queue = deque([first])
        while queue:
            node = queue.popleft()
            if node == start:
                path = [node]
                while (parent := parents[path[-1]]) is not None:
                    path.append(parent)
                return path[::-1]
            for reference in await self._references_of(node):
                target = await self.resolve(reference)
                if isinstance(target, str) or target in parents:
                    continue  # a dangling reference of a stored version leads nowhere
                parents[target] = node
                queue.append(target)
        return None

    async def check_stored(self, node: Node) -> None:
        """For a label moved to a stored version: no cycle through it."""
        for reference in await self._references_of(node):
            target = await self.resolve(reference)
            if isinstance(target, str):
                continue
            path = await self._path_back(target)
            if path is not None:
                names = " -> ".join(name for name, _ in [node, *path])
                raise InvalidParameterError(
                    f"version: label {self._pending.moved_label!r} on version {node[1]} of "
                    f"chain {node[0]!r} makes a sub-chain cycle: {names}"
                )
