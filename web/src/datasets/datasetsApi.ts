// The datasets API (api/openapi.yaml, "datasets"): datasets, a version's items, versions,
// diffs, tags, uploads as jobs, items from spans. Types are the generated ones. Reads
// ask without the trace list's max-age (api.ts readHeaders): a person's own change is
// read back at once, not from an answer shared from before it.
import { ApiError, withQuery } from "../api";
import type { components } from "../generated/openapi";

type Schemas = components["schemas"];
export type Dataset = Schemas["Dataset"];
export type DatasetItem = Schemas["DatasetItem"];
export type DatasetItemPage = Schemas["DatasetItemPage"];
export type DatasetVersion = Schemas["DatasetVersion"];
export type DatasetDiff = Schemas["DatasetDiff"];
export type DatasetDiffChange = DatasetDiff["changes"][number];
export type DatasetJob = Schemas["DatasetJob"];
export type DatasetTagList = Schemas["DatasetTagList"];
export type DatasetItemInput = Schemas["DatasetItemInput"];
export type DatasetItemPatch = Schemas["DatasetItemPatch"];

export const projectPath = (project: string) => `/api/v1/projects/${encodeURIComponent(project)}`;
const datasetPath = (project: string, dataset: string) =>
  `${projectPath(project)}/datasets/${encodeURIComponent(dataset)}`;

/** A fetch that raises the API's {"error": {"code", "message"}} as ApiError; null for a 204. */
export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const resp = await fetch(path, { ...init, headers: { Accept: "application/json", ...init.headers } });
  if (!resp.ok) {
    let code = "http_error";
    let message = `${resp.status} ${resp.statusText}`;
    try {
      const body = await resp.json();
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(resp.status, code, message);
  }
  return (resp.status === 204 ? null : await resp.json()) as T;
}

const sendJson = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

export const listDatasets = async (project: string, signal?: AbortSignal) =>
  (await call<{ datasets: Dataset[] }>(`${projectPath(project)}/datasets`, { signal })).datasets;

export const getDataset = (project: string, dataset: string, signal?: AbortSignal) =>
  call<Dataset>(datasetPath(project, dataset), { signal });

export const createDataset = (project: string, body: { name: string; description?: string }) =>
  call<Dataset>(`${projectPath(project)}/datasets`, sendJson("POST", body));

export const editDataset = (project: string, dataset: string, body: { name?: string; description?: string }) =>
  call<Dataset>(datasetPath(project, dataset), sendJson("PATCH", body));

export const deleteDataset = (project: string, dataset: string) =>
  call<null>(datasetPath(project, dataset), { method: "DELETE" });

/** A version's items, a page at a time; `version` empty: the latest. */
export const listItems = (
  project: string,
  dataset: string,
  params: { version?: string; split?: string; search?: string; cursor?: string; limit?: string },
  signal?: AbortSignal,
) => call<DatasetItemPage>(withQuery(`${datasetPath(project, dataset)}/items`, params), { signal });

export const addItems = (project: string, dataset: string, items: DatasetItemInput[], description?: string | null) =>
  call<DatasetVersion>(`${datasetPath(project, dataset)}/items`, sendJson("POST", { items, description }));

export const patchItem = (project: string, dataset: string, itemId: string, patch: DatasetItemPatch) =>
  call<DatasetVersion>(`${datasetPath(project, dataset)}/items/${encodeURIComponent(itemId)}`, sendJson("PATCH", patch));

export const deleteItem = (project: string, dataset: string, itemId: string) =>
  call<DatasetVersion>(`${datasetPath(project, dataset)}/items/${encodeURIComponent(itemId)}`, { method: "DELETE" });

export const listVersions = async (project: string, dataset: string, signal?: AbortSignal) =>
  (await call<{ versions: DatasetVersion[] }>(`${datasetPath(project, dataset)}/versions`, { signal })).versions;

export const diffVersions = (
  project: string,
  dataset: string,
  from: string,
  to: string,
  cursor?: string,
  signal?: AbortSignal,
) => call<DatasetDiff>(withQuery(`${datasetPath(project, dataset)}/diff`, { from, to, cursor, limit: "100" }), { signal });

export const listTags = (project: string, dataset: string, signal?: AbortSignal) =>
  call<DatasetTagList>(`${datasetPath(project, dataset)}/tags`, { signal });

export const putTag = (project: string, dataset: string, tag: string, version: number) =>
  call<unknown>(`${datasetPath(project, dataset)}/tags/${encodeURIComponent(tag)}`, sendJson("PUT", { version }));

export const exportUrl = (project: string, dataset: string, version: number, format: "csv" | "jsonl" | "parquet") =>
  withQuery(`${datasetPath(project, dataset)}/export`, { version: String(version), format });

/** The mapping's query parameters (comma-separated column lists). */
export type UploadMapping = Record<
  "input_columns" | "expected_columns" | "metadata_columns" | "split_column" | "id_column" | "json_columns",
  string
>;

/** Sends the file as the body; the answer is its job. XMLHttpRequest rather than fetch:
 * it tells how much of the body has gone (`onSent`, 0-1), which for a large file is
 * most of the wait before the job exists. */
export function uploadFile(
  project: string,
  dataset: string,
  file: Blob,
  format: "csv" | "jsonl" | "parquet",
  mapping: Partial<UploadMapping>,
  onSent: (share: number) => void = () => {},
): Promise<DatasetJob> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", withQuery(`${datasetPath(project, dataset)}/uploads`, { format, ...mapping }));
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = (e) => e.lengthComputable && onSent(e.loaded / e.total);
    request.onerror = () => reject(new ApiError(0, "network_error", "The file could not be sent."));
    request.onload = () => {
      let body: { error?: { code?: string; message?: string } } & Partial<DatasetJob> = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // not JSON: the status line says what happened
      }
      if (request.status >= 200 && request.status < 300) resolve(body as DatasetJob);
      else
        reject(
          new ApiError(
            request.status,
            body.error?.code ?? "http_error",
            body.error?.message ?? `${request.status} ${request.statusText}`,
          ),
        );
    };
    request.send(file);
  });
}

export const getJob = (project: string, jobId: string, signal?: AbortSignal) =>
  call<DatasetJob>(`${projectPath(project)}/dataset-jobs/${encodeURIComponent(jobId)}`, { signal });

/** Stops a queued or running upload; what it wrote is removed. */
export const cancelJob = (project: string, jobId: string) =>
  call<DatasetJob>(`${projectPath(project)}/dataset-jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" });

export const listJobs = async (project: string, dataset: string, signal?: AbortSignal) =>
  (await call<{ jobs: DatasetJob[] }>(`${datasetPath(project, dataset)}/jobs`, { signal })).jobs;

/** The span's input and output become an item's (the trace's root span when no span is named). */
export const addItemsFromSpans = (
  project: string,
  dataset: string,
  spans: { trace_id: string; span_id?: string | null }[],
  split?: string,
) =>
  call<DatasetVersion>(`${datasetPath(project, dataset)}/from-spans`, sendJson("POST", { spans, split: split || null }));
