// A diff of two texts by line (definitions) or by word (outputs): the longest common
// subsequence, as parts kept, deleted and inserted. Texts past LIMIT tokens are compared
// by their common start and end only (the middle shown as replaced), so a very long
// output never costs the page quadratic time.

export interface DiffPart {
  op: "equal" | "delete" | "insert";
  text: string;
}

const LIMIT = 2000;

function tokens(text: string, by: "line" | "word"): string[] {
  return by === "line" ? text.split(/(?<=\n)/) : text.split(/(\s+)/).filter((t) => t !== "");
}

function push(parts: DiffPart[], op: DiffPart["op"], text: string) {
  const last = parts[parts.length - 1];
  if (last && last.op === op) last.text += text;
  else parts.push({ op, text });
}

export function diffTexts(before: string, after: string, by: "line" | "word"): DiffPart[] {
  const a = tokens(before, by);
  const b = tokens(after, by);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const parts: DiffPart[] = [];
  if (start) push(parts, "equal", a.slice(0, start).join(""));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > LIMIT * LIMIT) {
    if (midA.length) push(parts, "delete", midA.join(""));
    if (midB.length) push(parts, "insert", midB.join(""));
  } else {
    // lengths of the longest common subsequence of the suffixes
    const n = midA.length;
    const m = midB.length;
    const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        table[i][j] = midA[i] === midB[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        push(parts, "equal", midA[i]);
        i++;
        j++;
      } else if (i < n && (j === m || table[i + 1][j] >= table[i][j + 1])) {
        // on a tie, what went before what came (a change reads old, then new)
        push(parts, "delete", midA[i++]);
      } else {
        push(parts, "insert", midB[j++]);
      }
    }
  }
  if (endA < a.length) push(parts, "equal", a.slice(endA).join(""));
  return parts;
}

/** Any value as the text a diff compares: strings as they are, the rest as indented JSON. */
export const diffText = (value: unknown) =>
  typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value, null, 2);
