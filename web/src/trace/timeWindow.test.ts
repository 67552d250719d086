import { describe, expect, it } from "vitest";
import { barPlacement, clampWindow, MIN_WINDOW_MS, ticks, windowBetween, zoomAround } from "./timeWindow";

describe("time window", () => {
  it("ticks fall on round values that follow the zoom", () => {
    expect(ticks({ from: 0, to: 1000 })).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(ticks({ from: 0, to: 94.6 })).toEqual([0, 20, 40, 60, 80]);
    expect(ticks({ from: 120, to: 180 })).toEqual([120, 130, 140, 150, 160, 170, 180]);
    expect(ticks({ from: 0.1, to: 0.4 })).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]);
  });

  it("zooming in around a point keeps that point where it is", () => {
    const w = zoomAround({ from: 0, to: 100 }, 0.25, 0.5, 100);
    expect(w).toEqual({ from: 12.5, to: 62.5 });
    // zooming out never leaves the trace
    expect(zoomAround({ from: 80, to: 100 }, 1, 4, 100)).toEqual({ from: 20, to: 100 });
    expect(zoomAround({ from: 0, to: 100 }, 0.5, 10, 100)).toEqual({ from: 0, to: 100 });
  });

  it("a drag selects the window between its ends, in either direction, never narrower than the minimum", () => {
    expect(windowBetween({ from: 100, to: 200 }, 0.6, 0.2, 1000)).toEqual({ from: 120, to: 160 });
    const tiny = windowBetween({ from: 0, to: 1 }, 0.5, 0.5, 1);
    expect(tiny.to - tiny.from).toBeCloseTo(MIN_WINDOW_MS);
    expect(clampWindow({ from: -5, to: 10 }, 8)).toEqual({ from: 0, to: 8 });
  });

  it("bars are placed in the window, clipped at its edges, left out when outside", () => {
    expect(barPlacement(25, 75, { from: 0, to: 100 })).toEqual({ left: 25, width: 50 });
    expect(barPlacement(0, 100, { from: 50, to: 100 })).toEqual({ left: 0, width: 100 });
    expect(barPlacement(0, 10, { from: 50, to: 100 })).toBeNull();
  });
});
