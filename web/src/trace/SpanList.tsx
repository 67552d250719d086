import { memo, useRef } from "react";
import { count, duration, usd } from "../format";
import { Badge, SpanTypeBadge } from "../ui/Badge";
import { cn } from "../ui/cn";
import { spanAt, SpanTree } from "./spanTree";
import { useWindowedRows } from "./useWindowedRows";

const ROW_PX = 28;

export interface TreeProps {
  tree: SpanTree;
  /** The span positions shown, in tree order (visibleRows). */
  rows: Int32Array;
  collapsed: ReadonlySet<string>;
  onToggle: (spanId: string) => void;
  selected: string | null;
  onSelect: (spanId: string) => void;
}

/** The span tree as a table: a subtree folds at its toggle; name, type, tokens, cost, duration. */
export function SpanList({ tree, rows, collapsed, onToggle, selected, onSelect }: TreeProps) {
  const ids = tree.outline.spans.span_id;
  const box = useRef<HTMLDivElement>(null);
  const { windowed, items, totalPx } = useWindowedRows(rows.length, box, ROW_PX);
  const before = windowed && items.length ? items[0].start : 0;
  const after = windowed && items.length ? totalPx - items[items.length - 1].start - ROW_PX : 0;
  return (
    <div className="span-scroll max-h-[70vh] overflow-auto" data-testid="span-scroll" ref={box}>
      <table className={cn("spans w-full table-fixed border-collapse text-sm", windowed && "windowed")} data-rows={rows.length}>
        <thead className="sticky top-0 z-10 bg-zinc-50 text-[11px] text-zinc-500 dark:bg-zinc-900">
          <tr className="h-7 border-b border-zinc-200 dark:border-zinc-800">
            <th className="pl-3 text-left font-medium tracking-wide uppercase">Span</th>
            <th className="w-24 text-left font-medium tracking-wide uppercase">Type</th>
            <th className="hidden w-20 pr-3 text-right font-medium tracking-wide uppercase @lg:table-cell">Tokens</th>
            <th className="hidden w-20 pr-3 text-right font-medium tracking-wide uppercase @lg:table-cell">Cost</th>
            <th className="w-20 pr-3 text-right font-medium tracking-wide uppercase">Duration</th>
          </tr>
        </thead>
        <tbody>
          {before > 0 && <tr style={{ height: before }} aria-hidden="true" />}
          {items.map(({ index }) => (
            <SpanRow
              key={ids[rows[index]]}
              tree={tree}
              position={rows[index]}
              folded={collapsed.has(ids[rows[index]])}
              selected={ids[rows[index]] === selected}
              onToggle={onToggle}
              onSelect={onSelect}
            />
          ))}
          {after > 0 && <tr style={{ height: after }} aria-hidden="true" />}
        </tbody>
      </table>
    </div>
  );
}

/** One row; memoised, so scrolling draws only the rows that come into view. */
const SpanRow = memo(function SpanRow(props: {
  tree: SpanTree;
  position: number;
  folded: boolean;
  selected: boolean;
  onToggle: (spanId: string) => void;
  onSelect: (spanId: string) => void;
}) {
  const { tree, position, folded, selected, onToggle, onSelect } = props;
  const s = spanAt(tree, position);
  const depth = tree.depth[position];
  const descendants = tree.descendants[position];
  return (
    <tr
      data-span-id={s.spanId}
      aria-selected={selected}
      className={cn(
        "h-7 cursor-pointer border-b focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-500 border-zinc-100 dark:border-zinc-800/70",
        selected
          ? "selected bg-brand-50 dark:bg-brand-900/40"
          : "hover:bg-zinc-50 dark:hover:bg-zinc-800/40",
        s.failed && "failed",
      )}
      onClick={() => onSelect(s.spanId)}
      tabIndex={0}
      onKeyDown={(event) => {
        // Enter selects; the arrows fold and unfold, as in a file tree
        if (event.key === "Enter") onSelect(s.spanId);
        else if ((event.key === "ArrowLeft" && !folded) || (event.key === "ArrowRight" && folded)) {
          if (descendants) onToggle(s.spanId);
        } else return;
        event.preventDefault();
      }}
    >
      <td className="name py-0 pr-2" style={{ paddingLeft: `${0.25 + depth * 1.1}em` }}>
        <span className="flex min-w-0 items-center">
          <Toggle descendants={descendants} folded={folded} onToggle={() => onToggle(s.spanId)} />
          <span className={cn("truncate", s.failed && "text-red-600 dark:text-red-400")}>
            {s.name}
          </span>
          {folded && <span className="ml-1.5 text-xs text-zinc-400">+{count(descendants)}</span>}
          {s.parentMissing && <Badge className="badge ml-1.5">parent missing</Badge>}
          {s.parentLoop && (
            <Badge tone="red" className="badge error ml-1.5">
              parent loop
            </Badge>
          )}
        </span>
      </td>
      <td className="py-0">
        <SpanTypeBadge type={s.spanType} />
      </td>
      <td className="hidden py-0 pr-3 text-right text-xs text-zinc-500 tabular-nums @lg:table-cell">
        {s.totalTokens === null ? "" : count(s.totalTokens)}
      </td>
      <td className="hidden py-0 pr-3 text-right text-xs text-zinc-500 tabular-nums @lg:table-cell">
        {s.costStatus === "not_llm" ? "" : usd(s.costStatus === "unpriced" ? null : s.costUsd)}
      </td>
      <td className="py-0 pr-3 text-right text-xs whitespace-nowrap text-zinc-500 tabular-nums">
        {duration(s.durationMs)}
      </td>
    </tr>
  );
});

/** The fold toggle of a span with children; a leaf keeps its place so names line up. */
export function Toggle({ descendants, folded, onToggle }: { descendants: number; folded: boolean; onToggle: () => void }) {
  if (!descendants) return <span className="inline-block w-5 shrink-0" />;
  return (
    <button
      type="button"
      className="toggle mr-0.5 inline-flex h-5 w-5 shrink-0 items-center justify-center rounded text-zinc-500 hover:bg-zinc-200 dark:hover:bg-zinc-700"
      aria-expanded={!folded}
      aria-label={folded ? "Expand" : "Collapse"}
      onClick={(event) => {
        event.stopPropagation(); // folding is not selecting
        onToggle();
      }}
    >
      <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" className={cn("transition-transform", !folded && "rotate-90")}>
        <path d="M3 1.5 7 5 3 8.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      </svg>
    </button>
  );
}
