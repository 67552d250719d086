// The trace list's rows, virtualised (@tanstack/react-virtual): only the rows in
// view and a margin are in the DOM, so 100K loaded traces scroll like 50. Rows
// have one fixed height, so nothing is measured and a row's place is its index.
// Pages are asked for as the rows drawn near the end of what is loaded; rows
// inserted above the view (a live refresh) move the scroll position by their
// height, so what the person is reading stays where it is.
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, RefObject, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { TraceSummary } from "../api";
import { count, duration, grams, plural, time, usd } from "../format";
import { PAGE_SIZE } from "../queries";
import { selectedTraceHref, ViewState } from "../route";
import { ScoreSummaryCell } from "../scores/ScoreChips";
import { Badge } from "../ui/Badge";
import { cn } from "../ui/cn";
import { Tooltip } from "../ui/Tooltip";
import { anchoredScrollTop, movedIndex, wantsNextPage } from "./listScroll";

export const ROW_PX = 40;
const OVERSCAN_ROWS = 10;
/** The next page is asked for when the rows in view come this close to the last
 * loaded: within the first page (50 rows) near enough to be there before they are
 * reached and far enough that the first page alone fills a screen without asking
 * for the second; past it (pages of 200) a fast scroll's second or so ahead. */
const LOAD_AHEAD_ROWS = { firstPage: 15, later: 80 };
/** With a trace open, the detail follows the keyboard once the key rests this long
 * (holding the arrow down does not ask the server for every trace passed). */
const FOLLOW_AFTER_MS = 200;

/** The columns: the split view (a trace open beside the list) has the start time
 * under the name and leaves out spans and models. */
const COLUMNS = {
  wide: "5.5rem 12rem minmax(10rem,1fr) 6rem 4.5rem 5.5rem 5.5rem 5.5rem minmax(6rem,0.6fr) minmax(6rem,0.6fr)",
  split: "5.5rem minmax(9rem,1fr) 6rem 5.5rem 5rem 5rem",
};

export interface TraceTableProps {
  state: ViewState;
  traces: TraceSummary[];
  /** the trace whose detail is open beside the list */
  selectedId: string | null;
  split: boolean;
  hasNextPage: boolean;
  fetching: boolean;
  /** the rows are the previous filters' while the new ones load */
  dimmed: boolean;
  loadMore: () => void;
  /** a trace chosen by click or key: "push" a history entry (a click) or "replace" it (keys) */
  onOpen: (trace: TraceSummary | null, how: "push" | "replace") => void;
  /** the scrolling element, for the list's live updates (at the top or not) */
  scrollerRef: RefObject<HTMLDivElement | null>;
  /** changes when the list is another one (project, range, filters): back to its top */
  listKey: string;
}

export function TraceTable(props: TraceTableProps) {
  const { state, traces, selectedId, split, hasNextPage, fetching, dimmed, loadMore, onOpen, scrollerRef, listKey } = props;
  // A new getItemKey makes the virtualizer lay every row out again (100K rows on each
  // scroll frame took ~80 ms): it changes only with the rows.
  const getItemKey = useCallback((index: number) => traces[index].trace_id, [traces]);
  const virtualizer = useVirtualizer({
    count: traces.length,
    getScrollElement: () => scrollerRef.current,
    estimateSize: rowSize,
    overscan: OVERSCAN_ROWS,
    getItemKey,
  });
  const items = virtualizer.getVirtualItems();
  const lastInView = virtualizer.range?.endIndex ?? -1;

  useEffect(() => {
    const ahead = traces.length > PAGE_SIZE ? LOAD_AHEAD_ROWS.later : LOAD_AHEAD_ROWS.firstPage;
    if (wantsNextPage(lastInView, traces.length, ahead, hasNextPage, fetching)) loadMore();
  }, [lastInView, traces.length, hasNextPage, fetching, loadMore]);

  // Keep the row at the top of the view in place when rows come in above it.
  const previousIds = useRef<string[]>([]);
  const ids = useMemo(() => traces.map((t) => t.trace_id), [traces]);
  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    if (scroller) {
      const top = anchoredScrollTop(previousIds.current, ids, scroller.scrollTop, ROW_PX);
      if (top !== scroller.scrollTop) scroller.scrollTop = top;
    }
    previousIds.current = ids;
  }, [ids, scrollerRef]);

  // Another list (filters, range, project) starts at its top.
  const firstKey = useRef(listKey);
  useLayoutEffect(() => {
    if (firstKey.current === listKey) return;
    firstKey.current = listKey;
    previousIds.current = [];
    if (scrollerRef.current) scrollerRef.current.scrollTop = 0;
  }, [listKey, scrollerRef]);

  // The keyboard's row: the open trace's, moved by the arrow keys; Enter opens it.
  const [activeId, setActiveId] = useState<string | null>(selectedId);
  useEffect(() => setActiveId(selectedId), [selectedId]);
  const activeIndex = useMemo(() => (activeId ? ids.indexOf(activeId) : -1), [ids, activeId]);
  const follow = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(follow.current), []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "Enter" || event.key === " ") {
      if (activeIndex < 0) return;
      event.preventDefault();
      clearTimeout(follow.current);
      onOpen(traces[activeIndex], "push");
      return;
    }
    if (event.key === "Escape" && selectedId) {
      event.preventDefault();
      onOpen(null, "push");
      return;
    }
    const pageRows = Math.max(1, Math.floor((scrollerRef.current?.clientHeight ?? ROW_PX * 10) / ROW_PX) - 1);
    const next = movedIndex(event.key, activeIndex, traces.length, pageRows);
    if (next === null) return;
    event.preventDefault();
    const trace = traces[next];
    setActiveId(trace.trace_id);
    virtualizer.scrollToIndex(next, { align: "auto" });
    if (selectedId) {
      clearTimeout(follow.current);
      follow.current = setTimeout(() => onOpen(trace, "replace"), FOLLOW_AFTER_MS);
    }
  };

  // one callback for every row, so a row whose trace, place and state are unchanged is
  // not drawn again on each scroll frame (memo below)
  const openRef = useRef(onOpen);
  openRef.current = onOpen;
  const choose = useCallback((trace: TraceSummary) => {
    setActiveId(trace.trace_id);
    openRef.current(trace, "push");
  }, []);

  const columns = split ? COLUMNS.split : COLUMNS.wide;
  return (
    <table
      role="grid"
      aria-label="traces"
      aria-rowcount={traces.length}
      aria-activedescendant={activeIndex >= 0 ? rowId(activeId!) : undefined}
      tabIndex={0}
      data-rows={traces.length}
      aria-busy={dimmed}
      onKeyDown={onKeyDown}
      className={cn(
        "traces grid w-full text-sm outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-inset",
        split ? "min-w-[36rem]" : "min-w-[64rem]",
        dimmed && "opacity-60",
      )}
    >
      <thead role="rowgroup" className="sticky top-0 z-10 grid bg-zinc-50 dark:bg-zinc-900">
        <tr
          role="row"
          className="grid border-b border-zinc-200 text-left text-[11px] font-medium tracking-wide text-zinc-500 uppercase dark:border-zinc-800 dark:text-zinc-400"
          style={{ gridTemplateColumns: columns }}
        >
          <Th>Status</Th>
          {!split && <Th>Started (UTC)</Th>}
          <Th>Name</Th>
          <Th right>Duration</Th>
          {!split && <Th right>Spans</Th>}
          <Th right>Tokens</Th>
          <Th right>Cost</Th>
          <Th right>Carbon</Th>
          {!split && <Th>Models</Th>}
          {!split && <Th>Scores</Th>}
        </tr>
      </thead>
      <tbody role="rowgroup" className="relative grid" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const t = traces[item.index];
          return (
            <TraceRow
              key={item.key}
              trace={t}
              index={item.index}
              top={item.start}
              selected={t.trace_id === selectedId}
              active={t.trace_id === activeId}
              split={split}
              columns={columns}
              href={selectedTraceHref(state, t.trace_id, t.start_time_unix_nano, t.end_time_unix_nano)}
              onChoose={choose}
            />
          );
        })}
      </tbody>
    </table>
  );
}

interface TraceRowProps {
  trace: TraceSummary;
  index: number;
  top: number;
  selected: boolean;
  active: boolean;
  split: boolean;
  columns: string;
  href: string;
  onChoose: (trace: TraceSummary) => void;
}

/** One row; memoised: a fast scroll re-renders the table on every frame, and only
 * the rows that came into view (or changed) are drawn again. */
const TraceRow = memo(function TraceRow({ trace: t, index, top, selected, active, split, columns, href, onChoose }: TraceRowProps) {
  return (
    <tr
      id={rowId(t.trace_id)}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={selected}
      data-trace-id={t.trace_id}
      className={cn(
        "absolute left-0 grid w-full cursor-pointer items-center border-b border-zinc-100 dark:border-zinc-800/70",
        t.status === "error" && "failed",
        selected
          ? "selected bg-brand-50 shadow-[inset_3px_0_0] shadow-brand-600 dark:bg-brand-900/40"
          : "hover:bg-zinc-50 dark:hover:bg-zinc-800/40",
        active && !selected && "active bg-zinc-100 dark:bg-zinc-800/70",
      )}
      style={{ height: ROW_PX, transform: `translateY(${top}px)`, gridTemplateColumns: columns }}
      onClick={(event) => {
        // the name is a link (a new tab opens the same view); a plain click on the row selects
        if ((event.target as HTMLElement).closest("a") || event.metaKey || event.ctrlKey || event.shiftKey) return;
        onChoose(t);
      }}
    >
      <Td className="status">
        {t.error_count > 0 ? (
          <Badge tone="red" className="badge error">
            {plural(t.error_count, "error")}
          </Badge>
        ) : (
          <Badge tone="green" className="badge ok">
            ok
          </Badge>
        )}
      </Td>
      {!split && <Td className="started font-mono text-xs text-zinc-500">{time(t.start_time_unix_nano)}</Td>}
      <Td className="name">
        <a
          className="block truncate font-medium text-zinc-900 hover:text-brand-600 hover:underline dark:text-zinc-100 dark:hover:text-brand-500"
          href={href}
          tabIndex={-1}
          title={t.name || undefined}
        >
          {t.name || "(root not received)"}
        </a>
        {split && (
          // month, day and time (UTC): the year is in the title
          <span className="started block truncate font-mono text-[11px] leading-tight text-zinc-500" title={`${time(t.start_time_unix_nano)} UTC`}>
            {time(t.start_time_unix_nano).slice(5, 19)}
          </span>
        )}
      </Td>
      <Td className="duration text-right tabular-nums">{duration(t.duration_ms)}</Td>
      {!split && <Td className="spans text-right tabular-nums">{t.span_count}</Td>}
      <Td className="tokens text-right tabular-nums">{count(t.total_tokens)}</Td>
      <Td className="cost text-right tabular-nums">
        {usd(t.cost.total_usd)}
        {t.cost.unpriced_llm_calls > 0 && (
          <Tooltip content={`${plural(t.cost.unpriced_llm_calls, "LLM call")} could not be priced: the cost is at least this`}>
            <span className="cursor-help text-amber-600">*</span>
          </Tooltip>
        )}
      </Td>
      <Td className="carbon text-right tabular-nums">{grams(t.carbon.carbon_g)}</Td>
      {!split && <Td className="models text-xs text-zinc-500">{t.models.join(", ")}</Td>}
      {!split && (
        <Td className="scores">
          <ScoreSummaryCell scores={t.scores} />
        </Td>
      )}
    </tr>
  );
});

const rowId = (traceId: string) => `trace-row-${traceId}`;
const rowSize = () => ROW_PX;

function Th({ children, right }: { children: React.ReactNode; right?: boolean }) {
  return (
    <th role="columnheader" className={cn("truncate px-3 py-2 font-medium", right && "text-right")}>
      {children}
    </th>
  );
}

function Td({ className, children, title }: { className?: string; children: React.ReactNode; title?: string }) {
  return (
    <td role="gridcell" className={cn("truncate px-3", className)} title={title}>
      {children}
    </td>
  );
}
