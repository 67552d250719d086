// A dataset's versions, newest first, with their descriptions, tags and changes; each can
// be exported or tagged, and any two diffed (the pair in the URL).
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { count } from "../format";
import { navigate, ViewState } from "../route";
import { JsonTree } from "../trace/JsonTree";
import { Badge } from "../ui/Badge";
import { Button } from "../ui/Button";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { datasetKeys, useVersions } from "./datasetQueries";
import { DatasetDiffChange, diffVersions, putTag } from "./datasetsApi";
import { ErrorText } from "./Dialog";
import { ExportLinks } from "./ExportLinks";
import { when } from "./when";

export function VersionsTab({ state, project, dataset }: { state: ViewState; project: string; dataset: string }) {
  const versions = useVersions(project, dataset);
  const list = versions.data ?? [];
  const options = list.map((v) => ({ value: String(v.version), label: `v${v.version}${v.tags.length ? ` (${v.tags.join(", ")})` : ""}` }));
  // by default the newest change: the version before the latest against the latest
  const to = state.diffTo || (list[0] ? String(list[0].version) : "");
  const from = state.diffFrom || (list[1] ? String(list[1].version) : "");
  return (
    <div data-testid="dataset-versions">
      <ErrorText error={versions.error} />
      <Table>
        <THead>
          <tr>
            <TH>Version</TH>
            <TH>Description</TH>
            <TH>Tags</TH>
            <TH className="text-right">Items</TH>
            <TH>Change</TH>
            <TH>Made</TH>
            <TH>Export</TH>
          </tr>
        </THead>
        <tbody>
          {list.map((v) => (
            <TR key={v.version} className="version-row">
              <TD className="font-medium">v{v.version}</TD>
              <TD className="max-w-xs text-zinc-600 dark:text-zinc-300">{v.description}</TD>
              <TD>
                <div className="flex flex-wrap items-center gap-1">
                  {v.tags.map((t) => (
                    <Badge key={t} tone="blue">
                      {t}
                    </Badge>
                  ))}
                  <TagButton project={project} dataset={dataset} version={v.version} />
                </div>
              </TD>
              <TD className="text-right tabular-nums">{count(v.item_count)}</TD>
              <TD className="text-xs whitespace-nowrap">
                <span className="text-emerald-700 dark:text-emerald-400">+{count(v.added)}</span>{" "}
                <span className="text-amber-700 dark:text-amber-400">~{count(v.changed)}</span>{" "}
                <span className="text-red-700 dark:text-red-400">−{count(v.removed)}</span>
              </TD>
              <TD className="whitespace-nowrap text-zinc-500">{when(v.created_at)}</TD>
              <TD>
                <ExportLinks project={project} dataset={dataset} version={v.version} />
              </TD>
            </TR>
          ))}
        </tbody>
      </Table>
      {list.length >= 2 && (
        <section className="mt-6">
          <div className="mb-2 flex items-center gap-2 text-sm">
            <h3 className="font-semibold">Diff</h3>
            <Select label="diff from" value={from} options={options} onValueChange={(v) => navigate({ diffFrom: v, diffTo: to })} />
            <span>→</span>
            <Select label="diff to" value={to} options={options} onValueChange={(v) => navigate({ diffTo: v, diffFrom: from })} />
          </div>
          {from && to && <VersionDiff project={project} dataset={dataset} from={from} to={to} />}
        </section>
      )}
    </div>
  );
}

function TagButton({ project, dataset, version }: { project: string; dataset: string; version: number }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  if (!open)
    return (
      <Button size="sm" variant="ghost" aria-label={`tag v${version}`} onClick={() => setOpen(true)}>
        + tag
      </Button>
    );
  return (
    <form
      className="flex items-center gap-1"
      aria-label={`tag v${version}`}
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await putTag(project, dataset, name, version);
          await client.invalidateQueries({ queryKey: datasetKeys.all(project) });
          setOpen(false);
          setName("");
        } catch (err) {
          setError(err);
        }
      }}
    >
      <Input aria-label="tag name" value={name} onChange={(e) => setName(e.target.value)} className="h-7 w-28 text-xs" autoFocus />
      <Button type="submit" size="sm">
        Set
      </Button>
      <ErrorText error={error} />
    </form>
  );
}

function VersionDiff({ project, dataset, from, to }: { project: string; dataset: string; from: string; to: string }) {
  const diff = useInfiniteQuery({
    queryKey: [...datasetKeys.all(project), "diff", dataset, from, to],
    queryFn: ({ pageParam, signal }) => diffVersions(project, dataset, from, to, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const changes = diff.data?.pages.flatMap((p) => p.changes) ?? [];
  return (
    <div data-testid="version-diff">
      <ErrorText error={diff.error} />
      {diff.data && changes.length === 0 && <p className="text-sm text-zinc-500">The two versions hold the same items.</p>}
      <ul className="flex flex-col gap-2">
        {changes.map((c) => (
          <DiffRow key={c.id} change={c} />
        ))}
      </ul>
      {diff.hasNextPage && (
        <Button size="sm" className="mt-2" onClick={() => void diff.fetchNextPage()}>
          More changes
        </Button>
      )}
    </div>
  );
}

const CHANGE_TONES = { added: "green", removed: "red", changed: "amber" } as const;

function DiffRow({ change }: { change: DatasetDiffChange }) {
  return (
    <li className={`diff-change ${change.change} rounded border border-zinc-200 p-2 dark:border-zinc-800`}>
      <div className="mb-1 flex items-center gap-2 text-xs">
        <Badge tone={CHANGE_TONES[change.change]}>{change.change}</Badge>
        <span className="font-mono">{change.id}</span>
      </div>
      <div className="grid grid-cols-2 gap-3">
        <div className="diff-before min-w-0">
          <div className="text-[11px] text-zinc-500 uppercase">Before</div>
          {change.before ? <ItemFields item={change.before} /> : <span className="text-xs text-zinc-400">—</span>}
        </div>
        <div className="diff-after min-w-0">
          <div className="text-[11px] text-zinc-500 uppercase">After</div>
          {change.after ? <ItemFields item={change.after} /> : <span className="text-xs text-zinc-400">—</span>}
        </div>
      </div>
    </li>
  );
}

function ItemFields({ item }: { item: NonNullable<DatasetDiffChange["before"]> }) {
  return (
    <JsonTree value={{ input: item.input, expected: item.expected, metadata: item.metadata, split: item.split }} />
  );
}
