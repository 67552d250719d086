// A version's export in each format the API writes, as plain download links.
import { exportUrl } from "./datasetsApi";

const FORMATS = ["csv", "jsonl", "parquet"] as const;

export function ExportLinks({ project, dataset, version }: { project: string; dataset: string; version: number }) {
  return (
    <span className="inline-flex items-center gap-1 text-xs" aria-label={`export version ${version}`}>
      <span className="text-zinc-500">Export</span>
      {FORMATS.map((f) => (
        <a
          key={f}
          className="rounded border border-zinc-200 px-1.5 py-0.5 font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
          href={exportUrl(project, dataset, version, f)}
          download={`${dataset}.v${version}.${f}`}
        >
          {f.toUpperCase()}
        </a>
      ))}
    </span>
  );
}
