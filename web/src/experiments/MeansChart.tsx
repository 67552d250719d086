// Each experiment's mean of a score as a bar, the axis from zero (uPlot, as the analytics
// pages' charts; theirs fit the axis to the values, which would make a small difference
// look large here).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { PALETTE } from "../analytics/Charts";
import { useDark } from "../theme";
import { plainNumber } from "./comparisonText";

export function MeansChart(props: { testId: string; label: string; names: string[]; means: number[] }) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useDark();
  // drawn again when the values change, not on every render (the arrays are made anew)
  const values = JSON.stringify([props.names, props.means, props.label]);
  useEffect(() => {
    if (!box.current || props.means.length === 0) return;
    const ink = dark ? "#a1a1aa" : "#52525b";
    const grid = { stroke: dark ? "#27272a" : "#f4f4f5" };
    const xs = props.means.map((_, i) => i);
    const top = Math.max(...props.means, 0) || 1;
    const chart = new uPlot(
      {
        width: (box.current.clientWidth || 400) - 16,
        height: 180,
        scales: { x: { time: false, range: [-0.5, props.means.length - 0.5] }, y: { range: [Math.min(0, ...props.means), top * 1.1] } },
        legend: { show: false },
        series: [
          {},
          {
            label: props.label,
            stroke: PALETTE[1],
            fill: PALETTE[1] + "99",
            paths: uPlot.paths.bars!({ size: [0.6, 80] }),
            points: { show: false },
          },
        ],
        axes: [
          { stroke: ink, grid: { show: false }, ticks: grid, splits: () => xs, values: (_u, ticks) => ticks.map((t) => props.names[t] ?? "") },
          { stroke: ink, grid, ticks: grid, size: 50, values: (_u, ticks) => ticks.map(plainNumber) },
        ],
      },
      [xs, props.means] as uPlot.AlignedData,
      box.current,
    );
    return () => chart.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [values, dark]);
  return <div className="chart px-2 pt-2" ref={box} data-testid={props.testId} />;
}
