// A dataset at a glance: its description, items by split, its tags and its latest change.
import { useQuery } from "@tanstack/react-query";
import { count, plural } from "../format";
import { Badge } from "../ui/Badge";
import { datasetKeys, useTags, useVersions } from "./datasetQueries";
import { Dataset, DatasetItem, listItems } from "./datasetsApi";
import { splitCounts } from "./splitCounts";
import { when } from "./when";

/** The API has no counts by split: they are counted from the latest version's items, up to
 * this many (a larger dataset says of how many). */
const COUNTED_ITEMS = 5000;

export function OverviewTab({ project, dataset }: { project: string; dataset: Dataset }) {
  const versions = useVersions(project, dataset.name);
  const tags = useTags(project, dataset.name);
  const items = useQuery({
    queryKey: datasetKeys.items(project, dataset.name, { counted: dataset.latest_version }),
    enabled: dataset.latest_version !== null,
    queryFn: async ({ signal }) => {
      const read: DatasetItem[] = [];
      let cursor: string | undefined;
      do {
        const page = await listItems(project, dataset.name, { cursor, limit: "1000" }, signal);
        read.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && read.length < COUNTED_ITEMS);
      return { items: read, whole: !cursor };
    },
  });
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
              {splitCounts(items.data?.items ?? []).map((s) => (
                <tr key={s.split}>
                  <td className="pr-6">{s.split}</td>
                  <td className="text-right tabular-nums">{count(s.items)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {items.data && !items.data.whole && (
          <p className="mt-1 text-xs text-zinc-500">Counted over the first {count(items.data.items.length)} items.</p>
        )}
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
