import { describe, expect, it } from "vitest";
import { attributeText, count, duration, grams, kwh, plural, time, usd, UNKNOWN } from "./format";

describe("duration", () => {
  it("picks the unit a person reads at each size", () => {
    expect(duration(0.25)).toBe("250 µs");
    expect(duration(4.56)).toBe("4.6 ms");
    expect(duration(250.4)).toBe("250 ms");
    expect(duration(1500)).toBe("1.50 s");
    expect(duration(90_000)).toBe("1.5 min");
  });
});

describe("usd", () => {
  it("keeps unknown visibly unknown, never $0", () => {
    expect(usd(null)).toBe(UNKNOWN);
    expect(usd(undefined)).toBe(UNKNOWN);
    expect(usd(0)).toBe("$0");
  });
  it("shows a fraction of a cent in two significant digits, not as $0.00 or 4.4e-3", () => {
    expect(usd(0.004375)).toBe("$0.0044");
    expect(usd(0.000012)).toBe("$0.000012");
  });
  it("shows cents from a cent up", () => {
    expect(usd(0.01)).toBe("$0.01");
    expect(usd(1234.5)).toBe("$1234.50");
  });
});

describe("grams", () => {
  it("scales from micrograms to kilograms in three significant digits", () => {
    expect(grams(0.0000005)).toBe("0.5 µg");
    expect(grams(0.1792403295369051)).toBe("179 mg");
    expect(grams(12.345)).toBe("12.3 g");
    expect(grams(1500)).toBe("1.5 kg");
  });
  it("keeps 0 and unknown apart", () => {
    expect(grams(0)).toBe("0 g");
    expect(grams(null)).toBe(UNKNOWN);
  });
});

describe("kwh", () => {
  it("scales from milliwatt-hours to kilowatt-hours", () => {
    expect(kwh(0.00046628597694304137)).toBe("466 mWh");
    expect(kwh(0.5)).toBe("500 Wh");
    expect(kwh(2.25)).toBe("2.25 kWh");
    expect(kwh(undefined)).toBe(UNKNOWN);
  });
});

describe("count and plural", () => {
  it("groups thousands", () => {
    expect(count(1_234_567)).toBe("1,234,567");
    expect(count(0)).toBe("0");
    expect(count(null)).toBe(UNKNOWN);
  });
  it("says one thing in the singular only", () => {
    expect(plural(1, "span")).toBe("1 span");
    expect(plural(0, "error")).toBe("0 errors");
    expect(plural(1500, "span")).toBe("1,500 spans");
  });
});

describe("time", () => {
  it("shows epoch nanoseconds as UTC to the millisecond", () => {
    expect(time(1796576182358639259)).toBe("2026-12-06 16:56:22.358");
  });
});

describe("attributeText", () => {
  it("shows strings as they are and other values as JSON", () => {
    expect(attributeText("a \"quoted\" text")).toBe('a "quoted" text');
    expect(attributeText(42)).toBe("42");
    expect(attributeText(true)).toBe("true");
    expect(attributeText(["a", 1])).toBe('["a",1]');
    expect(attributeText({ k: null })).toBe('{"k":null}');
  });
});
