// uPlot charts for the analytics pages: lines (optionally stacked or banded) over
// time, and bars for histograms. uPlot draws on canvas; redrawn on theme change.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useDark } from "../theme";

export const PALETTE = ["#059669", "#2563eb", "#d97706", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626", "#4b5563", "#ca8a04"];

export interface Line {
  label: string;
  values: (number | null)[];
  color?: string;
  /** fill down to the next series (a band) or the axis */
  fill?: string;
  format: (v: number) => string;
}

function axisColours(dark: boolean) {
  const grid = { stroke: dark ? "#27272a" : "#f4f4f5" };
  return { ink: dark ? "#a1a1aa" : "#52525b", grid };
}

function useChart(build: (width: number, dark: boolean) => { opts: uPlot.Options; data: uPlot.AlignedData } | null, deps: unknown[]) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useDark();
  useEffect(() => {
    if (!box.current) return;
    const made = build((box.current.clientWidth || 800) - 16, dark);
    if (!made) return;
    const chart = new uPlot(made.opts, made.data, box.current);
    return () => chart.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, dark]);
  return box;
}

/** Series over time; `times` in epoch seconds. `bands` pairs series indexes (1-based) to fill between. */
export function TimeChart(props: {
  testId: string;
  times: number[];
  lines: Line[];
  axisFormat: (v: number) => string;
  height?: number;
  bands?: [number, number][];
  /** the window asked for (epoch seconds): the axis spans it even where points are missing */
  xRange: [number, number];
}) {
  const box = useChart(
    (width, dark) => {
      if (props.times.length === 0) return null;
      const { ink, grid } = axisColours(dark);
      return {
        opts: {
          width,
          height: props.height ?? 240,
          scales: { x: { time: true, range: () => props.xRange } },
          bands: props.bands?.map(([a, b]) => ({ series: [a, b] as [number, number], fill: "rgba(217,119,6,0.15)" })),
          series: [
            {},
            ...props.lines.map((l, i) => ({
              label: l.label,
              stroke: l.color ?? PALETTE[i % PALETTE.length],
              fill: l.fill,
              width: 2,
              points: { size: 5 },
              value: (_u: uPlot, v: number | null) => (v === null ? "—" : l.format(v)),
            })),
          ],
          axes: [
            { stroke: ink, grid, ticks: grid },
            { stroke: ink, grid, ticks: grid, size: 80, values: (_u, ticks) => ticks.map(props.axisFormat) },
          ],
        },
        data: [props.times, ...props.lines.map((l) => l.values)] as uPlot.AlignedData,
      };
    },
    [props.times, props.lines, props.xRange[0], props.xRange[1]],
  );
  return <div className="chart px-2 pt-2" ref={box} data-testid={props.testId} />;
}

/** Bars, one per bin, labelled by the bins' bounds. */
export function BarChart(props: { testId: string; labels: string[]; counts: number[]; label: string; color?: string }) {
  const box = useChart(
    (width, dark) => {
      if (props.counts.length === 0) return null;
      const { ink, grid } = axisColours(dark);
      const xs = props.counts.map((_, i) => i);
      return {
        opts: {
          width,
          height: 220,
          scales: {
            x: { time: false, range: [-0.5, props.counts.length - 0.5] },
            // bars are read by their height: the axis starts at zero (uPlot fits it to the values)
            y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.05 : 1] },
          },
          series: [
            { label: "bin", value: (_u: uPlot, v: number | null) => (v === null ? "" : (props.labels[v] ?? "")) },
            {
              label: props.label,
              stroke: props.color ?? PALETTE[1],
              fill: (props.color ?? PALETTE[1]) + "99",
              paths: uPlot.paths.bars!({ size: [0.85, 60] }),
              points: { show: false },
            },
          ],
          axes: [
            {
              stroke: ink,
              grid: { show: false },
              ticks: grid,
              splits: () => xs.filter((i) => i % Math.max(1, Math.ceil(xs.length / 8)) === 0),
              values: (_u, ticks) => ticks.map((t) => props.labels[t] ?? ""),
            },
            { stroke: ink, grid, ticks: grid, size: 60 },
          ],
        },
        data: [xs, props.counts] as uPlot.AlignedData,
      };
    },
    [props.labels, props.counts],
  );
  return <div className="chart px-2 pt-2" ref={box} data-testid={props.testId} />;
}
