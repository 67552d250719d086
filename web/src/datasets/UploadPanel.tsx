// A file added to a dataset as a new version: the column mapping is shown from the file's
// header before anything is sent (each column's role, the server's defaults first), then
// the upload job's progress is followed until it ends; a failure names the row and column.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { count } from "../format";
import { Button } from "../ui/Button";
import { Select } from "../ui/Select";
import { cancelJob, DatasetJob, getJob, uploadFile } from "./datasetsApi";
import { ErrorText } from "./Dialog";
import {
  csvHeader,
  defaultRoles,
  formatOf,
  jobErrorText,
  jobProgress,
  jsonlHeader,
  mappingParams,
  mappingProblem,
  Role,
  ROLES,
  UploadFormat,
} from "./uploadMapping";

/** Enough of the file for a header whose cells hold long quoted text. */
const HEADER_BYTES = 256 * 1024;
const ENDED = ["succeeded", "failed", "cancelled"];

export function UploadPanel(props: {
  project: string;
  dataset: string;
  onDone: (job: DatasetJob) => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<UploadFormat | null>(null);
  const [columns, setColumns] = useState<string[] | null>(null);
  const [roles, setRoles] = useState<Record<string, Role>>({});
  const [json, setJson] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState(0);
  const [sendError, setSendError] = useState<unknown>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  const job = useQuery({
    queryKey: ["datasets", props.project, "job", jobId],
    queryFn: ({ signal }) => getJob(props.project, jobId!, signal),
    enabled: jobId !== null,
    staleTime: 0,
    refetchInterval: (q) => (q.state.data && ENDED.includes(q.state.data.state) ? false : 400),
  });

  async function choose(picked: File | null) {
    setFile(picked);
    setColumns(null);
    setProblem(null);
    setJobId(null);
    setSendError(null);
    if (!picked) return;
    const kind = formatOf(picked.name);
    setFormat(kind);
    if (kind === null) return setProblem("Choose a .csv, .jsonl or .parquet file.");
    if (kind === "parquet") return; // its schema is read by the server; the job shows the mapping used
    const head = await picked.slice(0, HEADER_BYTES).text();
    const header = kind === "csv" ? csvHeader(head) : jsonlHeader(head);
    if (!header || header.length === 0)
      return setProblem(kind === "csv" ? "The file has no header line." : "The first line is not a JSON object.");
    setColumns(header);
    setRoles(defaultRoles(header));
    // JSON Lines cells are JSON already; CSV cells are text unless named
    setJson(kind === "csv" ? header.filter((c) => c === "metadata") : []);
  }

  async function send() {
    if (!file || !format) return;
    setSending(true);
    setSendError(null);
    try {
      const params = columns ? mappingParams(roles, json) : {};
      setSent(0);
      const started = await uploadFile(props.project, props.dataset, file, format, params, setSent);
      setJobId(started.id);
    } catch (e) {
      setSendError(e);
    } finally {
      setSending(false);
    }
  }

  const current = job.data;
  const ended = current && ENDED.includes(current.state);
  const mappingError = columns ? mappingProblem(roles) : null;
  return (
    <div data-testid="upload" className="text-sm">
      <label className="flex flex-col gap-1">
        <span className="font-medium text-zinc-600 dark:text-zinc-300">File (CSV, JSON Lines or Parquet)</span>
        <input
          type="file"
          aria-label="file"
          accept=".csv,.jsonl,.ndjson,.parquet"
          disabled={jobId !== null && !ended}
          onChange={(e) => choose(e.target.files?.[0] ?? null)}
        />
      </label>
      {problem && <p role="alert" className="mt-2 text-red-600">{problem}</p>}
      {format === "parquet" && (
        <p className="mt-2 text-zinc-500">
          Parquet columns are mapped by their names (input, expected, metadata, split, id); the job shows the mapping it used.
        </p>
      )}
      {columns && (
        <table className="mt-3 w-full text-sm" aria-label="column mapping">
          <thead className="text-left text-[11px] tracking-wide text-zinc-500 uppercase">
            <tr>
              <th className="py-1">Column</th>
              <th className="py-1">Becomes</th>
              <th className="py-1">Holds JSON</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c} className="mapping-row border-t border-zinc-100 dark:border-zinc-800">
                <td className="py-1 font-mono text-xs">{c}</td>
                <td className="py-1">
                  <Select
                    label={`role of ${c}`}
                    value={roles[c]}
                    options={ROLES.map((r) => ({ value: r, label: r }))}
                    onValueChange={(r) => setRoles({ ...roles, [c]: r as Role })}
                    triggerClassName="h-7 text-xs"
                  />
                </td>
                <td className="py-1">
                  <input
                    type="checkbox"
                    aria-label={`${c} holds JSON`}
                    checked={json.includes(c)}
                    disabled={format !== "csv"}
                    onChange={(e) => setJson(e.target.checked ? [...json, c] : json.filter((j) => j !== c))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {mappingError && <p className="mt-2 text-amber-700">{mappingError}</p>}
      <div className="mt-3 flex items-center gap-2">
        <Button
          variant="primary"
          disabled={!file || !format || !!problem || !!mappingError || sending || (jobId !== null && !ended)}
          onClick={send}
        >
          {sending ? `Sending the file: ${Math.round(sent * 100)}%` : "Upload"}
        </Button>
        {current && !ended && (
          <Button onClick={() => void cancelJob(props.project, current.id).then(() => job.refetch(), setSendError)}>
            Cancel the upload
          </Button>
        )}
      </div>
      <ErrorText error={sendError ?? job.error} />
      {current && <JobProgress job={current} onDone={props.onDone} />}
    </div>
  );
}

function JobProgress({ job, onDone }: { job: DatasetJob; onDone: (job: DatasetJob) => void }) {
  const share = jobProgress(job);
  const told = useRef(false);
  useEffect(() => {
    if (job.state === "succeeded" && !told.current) {
      told.current = true;
      onDone(job);
    }
  }, [job, onDone]);
  return (
    <div className="mt-3" data-testid="upload-job" data-state={job.state}>
      <div
        role="progressbar"
        aria-label="upload progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
        className="h-2 overflow-hidden rounded bg-zinc-100 dark:bg-zinc-800"
      >
        <div
          className={job.state === "failed" ? "h-full bg-red-500" : "h-full bg-brand-600 transition-[width]"}
          style={{ width: `${Math.round(share * 100)}%` }}
        />
      </div>
      <p className="mt-1 text-xs text-zinc-500" data-testid="upload-status">
        {job.state === "succeeded"
          ? `Done: ${count(job.rows_read)} rows as version ${job.version}.`
          : job.state === "failed"
            ? "Failed; nothing was kept."
            : job.state === "cancelled"
              ? "Cancelled; nothing was kept."
              : `${job.state === "queued" ? "Queued" : "Reading"}: ${count(job.rows_read)} rows, ${Math.round(share * 100)}%`}
      </p>
      {job.error && (
        <p role="alert" className="mt-1 text-sm text-red-600" data-testid="upload-error">
          {jobErrorText(job.error)}
        </p>
      )}
    </div>
  );
}
