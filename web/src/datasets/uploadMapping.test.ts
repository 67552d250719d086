import { describe, expect, it } from "vitest";
import { csvHeader, defaultRoles, formatOf, jobErrorText, jobProgress, jsonlHeader, mappingParams, mappingProblem } from "./uploadMapping";

describe("the upload's header", () => {
  it("reads a CSV's first record with quotes, commas and newlines in cells, a BOM dropped", () => {
    expect(csvHeader('\uFEFFquestion,"a, b","say ""hi""","two\nlines"\r\n1,2,3,4')).toEqual([
      "question",
      "a, b",
      'say "hi"',
      "two\nlines",
    ]);
  });
  it("has no header without a whole first line", () => {
    expect(csvHeader('a,"b')).toBeNull();
  });
  it("reads the keys of the first JSON Lines object only", () => {
    expect(jsonlHeader('{"input": 1, "expected": 2}\n{"other": 3}')).toEqual(["input", "expected"]);
    expect(jsonlHeader("[1, 2]\n")).toBeNull();
    expect(jsonlHeader("not json\n")).toBeNull();
  });
  it("knows the formats by name", () => {
    expect([formatOf("a.CSV"), formatOf("b.ndjson"), formatOf("c.parquet"), formatOf("d.txt")]).toEqual(["csv", "jsonl", "parquet", null]);
  });
});

describe("the mapping", () => {
  it("gives the server's defaults: input the column input, expected the first of its names", () => {
    expect(defaultRoles(["id", "input", "output", "expected", "split", "metadata", "note"])).toEqual({
      id: "id",
      input: "input",
      output: "ignore",
      expected: "expected",
      split: "split",
      metadata: "metadata",
      note: "ignore",
    });
  });
  it("makes every column no other role takes an input when there is no input column", () => {
    expect(defaultRoles(["question", "context", "expected_output"])).toEqual({
      question: "input",
      context: "input",
      expected_output: "expected",
    });
  });
  it("sends each role's columns, JSON only for kept columns", () => {
    expect(
      mappingParams({ q: "input", c: "input", a: "expected", m: "metadata", s: "split", x: "ignore" }, ["m", "x"]),
    ).toEqual({
      input_columns: "q,c",
      expected_columns: "a",
      metadata_columns: "m",
      split_column: "s",
      json_columns: "m",
    });
  });
  it("says what is wrong before sending", () => {
    expect(mappingProblem({ a: "expected" })).toMatch(/input/);
    expect(mappingProblem({ a: "input", b: "split", c: "split" })).toMatch(/split/);
    expect(mappingProblem({ a: "input" })).toBeNull();
  });
});

describe("the job", () => {
  it("shows progress by bytes, whole when done", () => {
    expect(jobProgress({ bytes_read: 50, bytes_total: 200, state: "running" })).toBe(0.25);
    expect(jobProgress({ bytes_read: 0, bytes_total: 0, state: "queued" })).toBe(0);
    expect(jobProgress({ bytes_read: 10, bytes_total: 200, state: "succeeded" })).toBe(1);
  });
  it("names the row and column of a failure first", () => {
    expect(jobErrorText({ message: "not JSON", row: 2400, column: "metadata" })).toBe('row 2,400, column "metadata": not JSON');
    expect(jobErrorText({ message: "empty file", row: null, column: null })).toBe("empty file");
  });
});
