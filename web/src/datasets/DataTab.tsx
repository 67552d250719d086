// A version's items, paged and windowed as the list scrolls, searched and filtered by split;
// an item opened shows its input, expected output and metadata as foldable JSON, and on the
// latest version can be edited or deleted (each a new version); items can be added.
import { useEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { count } from "../format";
import { navigate, ViewState } from "../route";
import { JsonTree } from "../trace/JsonTree";
import { Button } from "../ui/Button";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { useItems, useVersions } from "./datasetQueries";
import { Dataset, DatasetItem } from "./datasetsApi";
import { ErrorText } from "./Dialog";
import { ItemEditor } from "./ItemEditor";
import { previewText } from "./itemText";
import { splitOptions } from "./splitCounts";

const ROW_PX = 44;

export function DataTab({ state, project, dataset }: { state: ViewState; project: string; dataset: Dataset }) {
  const versions = useVersions(project, dataset.name);
  const filters = { version: state.version, split: state.split, search: state.q };
  const pages = useItems(project, dataset.name, filters);
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const shownVersion = pages.data?.pages[0]?.version;
  const latest = state.version === "" || Number(state.version) === dataset.latest_version;
  const chosenVersion = state.version === "" ? dataset.latest_version : Number(state.version);
  const splitCounts = versions.data?.find((v) => v.version === chosenVersion)?.split_counts ?? [];
  const [editing, setEditing] = useState<DatasetItem | "new" | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => box.current,
    estimateSize: () => ROW_PX,
    overscan: 10,
  });
  const rows = virtualizer.getVirtualItems();
  const lastRow = rows[rows.length - 1]?.index ?? -1;
  useEffect(() => {
    // the next page is asked as the list's end comes into view
    if (lastRow >= items.length - 5 && pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage();
  }, [lastRow, items.length, pages]);
  const opened = items.find((i) => i.id === state.item) ?? null;

  if (dataset.latest_version === null)
    return (
      <div className="text-sm text-zinc-500">
        No items yet: upload a file, add items from spans in the trace view, or
        <Button size="sm" className="ml-2" onClick={() => setEditing("new")}>
          Add an item
        </Button>
        {editing && <ItemEditor project={project} dataset={dataset.name} item={null} onClose={() => setEditing(null)} />}
      </div>
    );
  return (
    <div data-testid="dataset-data">
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <Select
          label="version"
          value={state.version}
          options={[
            { value: "", label: `Latest (v${dataset.latest_version})` },
            ...(versions.data ?? []).map((v) => ({ value: String(v.version), label: `v${v.version}` })),
          ]}
          onValueChange={(version) => navigate({ version, item: null })}
        />
        <Input
          aria-label="search items"
          placeholder="Search input, expected, metadata"
          defaultValue={state.q}
          onChange={(e) => navigate({ q: e.target.value, item: null })}
          className="w-72"
        />
        <Select
          label="split"
          value={state.split}
          options={splitOptions(splitCounts, state.split)}
          onValueChange={(split) => navigate({ split, item: null })}
        />
        <span className="text-xs text-zinc-500" data-testid="items-shown">
          {count(items.length)}
          {pages.hasNextPage ? "+" : ""} items{shownVersion ? ` of v${shownVersion}` : ""}
        </span>
        {latest && (
          <Button size="sm" className="ml-auto" onClick={() => setEditing("new")}>
            Add an item
          </Button>
        )}
      </div>
      <ErrorText error={pages.error} />
      <div className="flex gap-4">
        <div ref={box} className="h-[60vh] min-w-0 flex-1 overflow-auto rounded border border-zinc-200 dark:border-zinc-800" role="list" aria-label="items">
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {rows.map((row) => {
              const item = items[row.index];
              return (
                <button
                  type="button"
                  role="listitem"
                  key={item.id}
                  className={
                    "dataset-item absolute inset-x-0 flex flex-col border-b border-zinc-100 px-3 py-1 text-left text-xs hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800/50 " +
                    (item.id === state.item ? "bg-brand-50 dark:bg-brand-950" : "")
                  }
                  style={{ top: row.start, height: ROW_PX }}
                  onClick={() => navigate({ item: item.id })}
                >
                  <span className="flex gap-2">
                    <span className="item-id font-mono text-zinc-500">{item.id}</span>
                    {item.split && <span className="item-split text-zinc-400">{item.split}</span>}
                  </span>
                  <span className="flex min-w-0 gap-2">
                    <span className="item-input truncate">{previewText(item.input)}</span>
                    {item.expected !== null && (
                      <span className="item-expected min-w-0 shrink-0 truncate text-zinc-500 max-w-[40%]">→ {previewText(item.expected)}</span>
                    )}
                  </span>
                </button>
              );
            })}
          </div>
          {!pages.hasNextPage && pages.data && items.length === 0 && (
            <p className="p-4 text-sm text-zinc-500">No items match.</p>
          )}
          {pages.data && pages.hasNextPage && items.length === 0 && !pages.isFetching && (
            <Button size="sm" className="m-3" onClick={() => void pages.fetchNextPage()}>
              Search further
            </Button>
          )}
        </div>
        {opened && (
          <aside className="w-[45%] min-w-0 overflow-auto" data-testid="item-detail" aria-label="item">
            <div className="mb-2 flex items-center gap-2">
              <h3 className="min-w-0 flex-1 truncate font-mono text-sm">{opened.id}</h3>
              {latest && (
                <Button size="sm" onClick={() => setEditing(opened)}>
                  Edit
                </Button>
              )}
              <Button size="sm" variant="ghost" onClick={() => navigate({ item: null })}>
                Close
              </Button>
            </div>
            <p className="mb-2 text-xs text-zinc-500">
              Split {opened.split ?? "none"} · last changed in v{opened.revision.version} ({opened.revision.kind})
              {opened.source_trace_id && ` · from trace ${opened.source_trace_id}`}
            </p>
            <ItemSection title="Input" value={opened.input} testId="item-input" />
            <ItemSection title="Expected" value={opened.expected} testId="item-expected" />
            <ItemSection title="Metadata" value={opened.metadata} testId="item-metadata" />
          </aside>
        )}
      </div>
      {editing && (
        <ItemEditor
          project={project}
          dataset={dataset.name}
          item={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function ItemSection({ title, value, testId }: { title: string; value: unknown; testId: string }) {
  return (
    <section className="mb-3">
      <h4 className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">{title}</h4>
      {value === null || value === undefined ? (
        <span className="text-sm text-zinc-400">none</span>
      ) : (
        <JsonTree value={value} testId={testId} />
      )}
    </section>
  );
}
