import { memo, useEffect, useMemo, useRef, useState } from "react";
import { duration } from "../format";
import { spanTypeColour, FAILURE_COLOUR } from "../explorer/spanTypeColours";
import { Button } from "../ui/Button";
import { cn } from "../ui/cn";
import { Toggle, TreeProps } from "./SpanList";
import { spanAt, SpanTree } from "./spanTree";
import { barPlacement, ticks, TimeWindow, windowBetween, zoomAround } from "./timeWindow";
import { useWindowedRows } from "./useWindowedRows";

const ROW_PX = 26;
/** A drag shorter than this is a click (selects the span under it), not a zoom. */
const DRAG_PX = 4;
const WHEEL_STEP = 1.2;

const LABELS = "w-[38%] max-w-72 shrink-0";

/** The spans as bars on the trace's time axis, in tree order. Zoom: drag across the
 * bars or the axis to a time window, wheel over the axis (or Ctrl + wheel over the bars)
 * around the pointer; the ticks follow. Rows past WINDOW_FROM are drawn as they scroll into view. */
export function Waterfall(props: TreeProps & { totalMs: number }) {
  const { tree, rows, collapsed, onToggle, selected, onSelect, totalMs } = props;
  const ids = tree.outline.spans.span_id;
  const full = useMemo(() => ({ from: 0, to: totalMs }), [totalMs]);
  const [view, setView] = useState<TimeWindow>(full);
  useEffect(() => setView(full), [full]);
  const [brush, setBrush] = useState<{ a: number; b: number } | null>(null);
  const axis = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const dragged = useRef(false);

  const { items, totalPx: height } = useWindowedRows(rows.length, box, ROW_PX);

  /** Where a pointer is across the time axis, 0..1 (outside: clamped), or null left of it. */
  const fraction = (clientX: number, outside: "clamp" | "null" = "clamp") => {
    const r = axis.current?.getBoundingClientRect();
    if (!r || r.width === 0) return null;
    if (outside === "null" && clientX < r.left) return null;
    return Math.min(Math.max((clientX - r.left) / r.width, 0), 1);
  };

  const onPointerDown = (event: React.PointerEvent) => {
    if (event.button !== 0) return;
    const at = fraction(event.clientX, "null");
    if (at === null) return;
    dragged.current = false;
    const startX = event.clientX;
    const move = (e: PointerEvent) => {
      if (Math.abs(e.clientX - startX) < DRAG_PX) return;
      dragged.current = true;
      setBrush({ a: at, b: fraction(e.clientX)! });
    };
    const up = (e: PointerEvent) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      setBrush(null);
      if (dragged.current) setView((w) => windowBetween(w, at, fraction(e.clientX)!, totalMs));
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };

  // wheel listeners that may cancel scrolling must not be passive: React's are
  const zoomByWheel = (el: HTMLElement | null, always: boolean) => {
    if (!el) return;
    const wheel = (event: WheelEvent) => {
      if (!always && !event.ctrlKey && !event.metaKey) return; // a plain wheel scrolls the rows
      const at = fraction(event.clientX, "null");
      if (at === null) return;
      event.preventDefault();
      setView((w) => zoomAround(w, at, event.deltaY < 0 ? 1 / WHEEL_STEP : WHEEL_STEP, totalMs));
    };
    el.addEventListener("wheel", wheel, { passive: false });
    return () => el.removeEventListener("wheel", wheel);
  };
  useEffect(() => zoomByWheel(axis.current?.parentElement ?? null, true));
  useEffect(() => zoomByWheel(box.current, false));

  const zoomed = view.from > 0 || view.to < totalMs;
  const axisTicks = ticks(view, 6);
  const width = view.to - view.from;
  return (
    <div className="waterfall flex flex-col" data-testid="waterfall" data-from={view.from} data-to={view.to}>
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-3 py-1.5 text-xs text-zinc-500 dark:border-zinc-800">
        <span data-testid="waterfall-window" className="tabular-nums">
          {zoomed ? `${duration(view.from)} – ${duration(view.to)} of ${duration(totalMs)}` : `all ${duration(totalMs)}`}
        </span>
        <span className="hidden @xl:inline">· drag across the bars to zoom in, wheel over the axis</span>
        <Button size="sm" variant="ghost" className="ml-auto" disabled={!zoomed} onClick={() => setView(full)}>
          Reset zoom
        </Button>
      </div>
      <div className="flex h-7 items-stretch border-b border-zinc-200 bg-zinc-50 text-[11px] text-zinc-500 select-none dark:border-zinc-800 dark:bg-zinc-900">
        <div className={cn(LABELS, "flex items-center pl-3 font-medium tracking-wide uppercase")}>Span</div>
        <div className="relative mr-3 flex-1 cursor-crosshair" ref={axis} onPointerDown={onPointerDown} data-testid="waterfall-axis">
          {axisTicks.map((t) => (
            <span
              key={t}
              className="tick absolute top-0 flex h-full items-center border-l border-zinc-300 pl-1 whitespace-nowrap tabular-nums dark:border-zinc-700"
              style={{ left: `${((t - view.from) / width) * 100}%` }}
            >
              {t === 0 ? "0" : duration(t)}
            </span>
          ))}
          {brush && <Brush {...brush} />}
        </div>
      </div>
      <div
        className="max-h-[70vh] overflow-auto"
        ref={box}
        onPointerDown={onPointerDown}
        onClickCapture={(event) => {
          if (dragged.current) event.stopPropagation(); // the end of a drag is not a click on a span
          dragged.current = false;
        }}
        data-testid="waterfall-scroll"
      >
        <div className="relative" style={{ height }}>
          {items.map(({ index, start }) => (
            <WaterfallRow
              key={ids[rows[index]]}
              tree={tree}
              position={rows[index]}
              top={start}
              folded={collapsed.has(ids[rows[index]])}
              onToggle={onToggle}
              selected={ids[rows[index]] === selected}
              onSelect={onSelect}
              view={view}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function Brush({ a, b }: { a: number; b: number }) {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return (
    <div
      className="brush pointer-events-none absolute top-0 h-full bg-brand-500/25 ring-1 ring-brand-500"
      style={{ left: `${lo * 100}%`, width: `${(hi - lo) * 100}%` }}
    />
  );
}

/** One row; memoised, so scrolling draws only the rows that come into view. */
const WaterfallRow = memo(function WaterfallRow(props: {
  tree: SpanTree;
  position: number;
  top: number;
  folded: boolean;
  onToggle: (spanId: string) => void;
  selected: boolean;
  onSelect: (spanId: string) => void;
  view: TimeWindow;
}) {
  const { tree, position } = props;
  const s = spanAt(tree, position);
  const depth = tree.depth[position];
  const descendants = tree.descendants[position];
  const bar = barPlacement(s.startMs, s.startMs + s.durationMs, props.view);
  const failed = s.failed;
  return (
    <div
      data-span-id={s.spanId}
      aria-selected={props.selected}
      className={cn(
        "absolute left-0 flex w-full cursor-pointer items-center border-b border-zinc-100 text-sm dark:border-zinc-800/70",
        props.selected ? "selected bg-brand-50 dark:bg-brand-900/40" : "hover:bg-zinc-50 dark:hover:bg-zinc-800/40",
        failed && "failed",
      )}
      style={{ top: props.top, height: ROW_PX }}
      onClick={() => props.onSelect(s.spanId)}
    >
      <div className={cn(LABELS, "flex min-w-0 items-center pr-2")} style={{ paddingLeft: `${0.25 + depth * 1.1}em` }}>
        <Toggle descendants={descendants} folded={props.folded} onToggle={() => props.onToggle(s.spanId)} />
        <span className={cn("name truncate", failed && "text-red-600 dark:text-red-400")} title={s.name}>
          {s.name}
        </span>
      </div>
      <div className="relative mr-3 h-full flex-1">
        {bar && (
          <div
            className="bar absolute top-1/2 flex h-3 -translate-y-1/2 items-center rounded-sm"
            style={{
              left: `${bar.left}%`,
              width: `${bar.width}%`,
              backgroundColor: failed ? FAILURE_COLOUR : spanTypeColour(s.spanType),
            }}
          >
            <span
              className={cn(
                "absolute top-1/2 -translate-y-1/2 px-1 text-[11px] whitespace-nowrap tabular-nums",
                // inside a wide bar, else beside it where there is room
                bar.width > 15 ? "left-0 text-white" : bar.left + bar.width > 80 ? "right-full text-zinc-500" : "left-full text-zinc-500",
              )}
            >
              {duration(s.durationMs)}
            </span>
          </div>
        )}
      </div>
    </div>
  );
});
