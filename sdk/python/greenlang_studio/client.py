"""Client(url, project): one Studio project's datasets, experiments, scores, chains
(`client.chains`) and LLM providers (`client.llm_providers`), and
the OpenTelemetry tracer provider experiments trace through."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from opentelemetry.trace import Tracer

from greenlang_studio.chains import Chains
from greenlang_studio.datasets import Dataset
from greenlang_studio.evaluation import split_evaluators
from greenlang_studio.experiments import ExperimentResult, ExperimentRunner
from greenlang_studio.http import DEFAULT_TIMEOUT_S, Api, segment
from greenlang_studio.llm_providers import LlmProviders
from greenlang_studio.tracing import studio_tracer_provider


class Client:
    def __init__(
        self,
        url: str = "http://127.0.0.1:6006",
        project: str = "default",
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        set_global_tracer_provider: bool = False,
    ) -> None:
        """`set_global_tracer_provider`: make this client's provider OpenTelemetry's
        global one, so an instrumented application's spans (LLM calls inside a task)
        reach the Studio in the run's trace without other set-up."""
        self._api = Api(url, project, timeout)
        self.project = project
        self.chains = Chains(self._api)
        self.llm_providers = LlmProviders(self._api)
        self.tracer_provider = studio_tracer_provider(url, project, set_global_tracer_provider)

    @property
    def tracer(self) -> Tracer:
        """A tracer whose spans go to the Studio (inside a task: children of the run)."""
        return self.tracer_provider.get_tracer("greenlang_studio")

    def close(self) -> None:
        self.tracer_provider.shutdown()
        self._api.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- datasets ------------------------------------------------------------------
    def create_dataset(
        self, name: str, description: str = "", metadata: dict[str, Any] | None = None
    ) -> Dataset:
        document = self._api.post(
            f"{self._api.project_path}/datasets",
            {"name": name, "description": description, "metadata": metadata or {}},
        )
        return Dataset(self._api, document)

    def get_dataset(self, name: str) -> Dataset:
        return Dataset(
            self._api, self._api.get(f"{self._api.project_path}/datasets/{segment(name)}")
        )

    def datasets(self) -> list[dict[str, Any]]:
        return self._api.get(f"{self._api.project_path}/datasets")["datasets"]

    # --- experiments ---------------------------------------------------------------
    def run_experiment(
        self,
        dataset: str | Dataset,
        task: Callable[..., Any],
        evaluators: Iterable[Any] | None = None,
        *,
        repetitions: int = 1,
        max_concurrency: int = 4,
        name: str | None = None,
        description: str = "",
        metadata: dict[str, Any] | None = None,
        version: int | str | None = None,
    ) -> ExperimentResult:
        """Creates an experiment over the dataset's version (the latest by default) and
        runs `task(input)` (or `task(input, item)`) on every item `repetitions` times,
        `max_concurrency` at once; answers the experiment as it ended."""
        builtins, local = split_evaluators(evaluators)
        document: dict[str, Any] = {
            "dataset": dataset.name if isinstance(dataset, Dataset) else dataset,
            "repetitions": repetitions,
            "evaluators": builtins,
            "description": description,
            "metadata": metadata or {},
        }
        if name is not None:
            document["name"] = name
        if version is not None:
            document["version"] = str(version)
        experiment = self._api.post(f"{self._api.project_path}/experiments", document)
        return self._run(experiment, task, local, max_concurrency)

    def resume_experiment(
        self,
        experiment_id: str,
        task: Callable[..., Any],
        evaluators: Iterable[Callable[..., Any]] | None = None,
        *,
        max_concurrency: int = 4,
    ) -> ExperimentResult:
        """Runs only the experiment's missing and failed (item, repetition) pairs; the
        built-in evaluators it was created with score them on the Studio, the Python
        `evaluators` given here score them here."""
        experiment = self.get_experiment(experiment_id).experiment
        _, local = split_evaluators(evaluators)
        return self._run(experiment, task, local, max_concurrency)

    def _run(
        self,
        experiment: dict[str, Any],
        task: Callable[..., Any],
        local: list[tuple[str, Callable[..., Any]]],
        max_concurrency: int,
    ) -> ExperimentResult:
        result = ExperimentResult(self._api, experiment)
        runner = ExperimentRunner(
            self._api, self.tracer_provider, experiment, task, local, max_concurrency
        )

        def pairs() -> Iterator[tuple[dict[str, Any], int]]:
            for entry in list(result.incomplete()):
                for repetition in entry["repetitions"]:
                    yield entry["item"], repetition

        runner.run(pairs())
        return result.refresh()

    def get_experiment(self, experiment_id: str) -> ExperimentResult:
        path = f"{self._api.project_path}/experiments/{segment(experiment_id)}"
        return ExperimentResult(self._api, self._api.get(path))

    def experiments(self, dataset: str | None = None) -> list[dict[str, Any]]:
        return self._api.get(f"{self._api.project_path}/experiments", dataset=dataset)[
            "experiments"
        ]

    def compare(
        self, experiment_ids: Sequence[str], limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        """The first experiment is the baseline: paired tests per metric and score, and
        a page of items side by side."""
        return self._api.get(
            f"{self._api.project_path}/experiments/compare",
            experiments=",".join(experiment_ids),
            limit=limit,
            cursor=cursor,
        )

    def delete_experiment(self, experiment_id: str) -> None:
        self._api.request(
            "DELETE", f"{self._api.project_path}/experiments/{segment(experiment_id)}"
        )

    # --- scores --------------------------------------------------------------------
    def score(
        self,
        trace_id: str,
        name: str,
        value: float | bool | str,
        *,
        span_id: str | None = None,
        comment: str | None = None,
        data_type: str | None = None,
        score_id: str | None = None,
    ) -> dict[str, Any]:
        """A score on a production trace (user feedback: thumbs up as True, a rating, a
        label); sending the same `score_id` again updates it."""
        document: dict[str, Any] = {"trace_id": trace_id, "name": name, "value": value}
        for key, given in (
            ("span_id", span_id),
            ("comment", comment),
            ("data_type", data_type),
            ("id", score_id),
        ):
            if given is not None:
                document[key] = given
        return self._api.post(f"{self._api.project_path}/scores", document)
