// A dataset at a glance: its description, the latest version's exact items by split (stored
// with the version), its tags and its latest change.
import { count, plural } from "../format";
import { Badge } from "../ui/Badge";
import { useTags, useVersions } from "./datasetQueries";
import { Dataset } from "./datasetsApi";
import { splitRows } from "./splitCounts";
import { when } from "./when";

export function OverviewTab({ project, dataset }: { project: string; dataset: Dataset }) {
  const versions = useVersions(project, dataset.name);
  const tags = useTags(project, dataset.name);
  const latest = versions.data?.[0];
  return (
    <div className="grid gap-6 md:grid-cols-2" data-testid="dataset-overview">
      <section>
        <h3 className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">Description</h3>
        <p className="text-sm whitespace-pre-wrap" data-testid="dataset-description">
          {dataset.description || <span className="text-zinc-400">No description.</span>}
        </p>
        <h3 className="mt-4 mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">Tags</h3>
        <div className="flex flex-wrap gap-1">
          {(tags.data?.tags ?? []).length === 0 && <span className="text-sm text-zinc-400">No tags.</span>}
          {tags.data?.tags.map((t) => (
            <Badge key={t.name} tone="blue">
              {t.name} → v{t.version}
            </Badge>
          ))}
        </div>
      </section>
      <section>
        <h3 className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">Items by split</h3>
        {dataset.latest_version === null ? (
          <p className="text-sm text-zinc-400">No items yet.</p>
        ) : (
          <table className="text-sm" data-testid="split-counts">
            <tbody>
              {splitRows(latest?.split_counts ?? []).map((s) => (
                <tr key={s.split}>
                  <td className="pr-6">{s.split}</td>
                  <td className="text-right tabular-nums">{count(s.items)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {latest && <p className="mt-1 text-xs text-zinc-500">Version {latest.version}: {plural(latest.item_count, "item")}.</p>}
        <h3 className="mt-4 mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">Latest change</h3>
        {latest ? (
          <p className="text-sm" data-testid="latest-change">
            Version {latest.version}, {when(latest.created_at)}: {plural(latest.added, "item")} added,{" "}
            {count(latest.changed)} changed, {count(latest.removed)} removed
            {latest.description && <span className="block text-zinc-500">{latest.description}</span>}
          </p>
        ) : (
          <p className="text-sm text-zinc-400">None yet.</p>
        )}
      </section>
    </div>
  );
}
