"""Experiments whose runs the server makes itself (a task run over every item),
as a protocol the experiments API calls: the package that runs tasks (chains)
depends on experiments, not the other way round."""

from __future__ import annotations

from typing import Any, Protocol

from gls_engine.experiments.definition import ExperimentDefinition


class ExperimentTasks(Protocol):
    async def create(
        self, project: str, definition: ExperimentDefinition, task: Any
    ) -> dict[str, Any]:
        """The experiment created with `task` checked first (a 4xx naming `task.<field>`,
        nothing written), its runs started; the experiment as created, with `task`."""
        ...
