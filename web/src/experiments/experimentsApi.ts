// The experiments API (api/openapi.yaml, "experiments"): a project's or a dataset's
// experiments, one's results and aggregates, and a comparison of two or more.
import { withQuery } from "../api";
import { call, projectPath } from "../datasets/datasetsApi";
import type { components } from "../generated/openapi";

type Schemas = components["schemas"];
export type Experiment = Schemas["Experiment"];
export type ExperimentResult = Schemas["ExperimentResult"];
export type ExperimentResultPage = Schemas["ExperimentResultPage"];
export type ExperimentAggregates = Schemas["ExperimentAggregates"];
export type ExperimentSpread = Schemas["ExperimentSpread"];
export type ExperimentOutputDiff = Schemas["ExperimentOutputDiff"];
export type ExperimentScore = Schemas["ExperimentScore"];
export type ExperimentComparison = Schemas["ExperimentComparison"];
export type ExperimentPairedTest = Schemas["ExperimentPairedTest"];
export type ExperimentComparisonItem = ExperimentComparison["items"][number];

const experimentPath = (project: string, id: string) => `${projectPath(project)}/experiments/${encodeURIComponent(id)}`;

/** Newest first; with a dataset, that dataset's (its Test Results tab). */
export const listExperiments = async (project: string, dataset?: string, signal?: AbortSignal) =>
  (
    await call<{ experiments: Experiment[] }>(
      withQuery(`${projectPath(project)}/experiments`, { dataset, limit: "500" }),
      { signal },
    )
  ).experiments;

export const getExperiment = (project: string, id: string, signal?: AbortSignal) =>
  call<Experiment>(experimentPath(project, id), { signal });

export const getAggregates = (project: string, id: string, signal?: AbortSignal) =>
  call<ExperimentAggregates>(`${experimentPath(project, id)}/aggregates`, { signal });

export const listResults = (project: string, id: string, cursor: string | undefined, signal?: AbortSignal) =>
  call<ExperimentResultPage>(withQuery(`${experimentPath(project, id)}/results`, { cursor, limit: "100" }), {
    signal,
  });

/** The first id is the baseline. */
export const compareExperiments = (project: string, ids: string[], cursor: string | undefined, signal?: AbortSignal) =>
  call<ExperimentComparison>(
    withQuery(`${projectPath(project)}/experiments/compare`, { experiments: ids.join(","), cursor, limit: "100" }),
    { signal },
  );
