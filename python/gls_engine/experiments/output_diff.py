"""A run's output against the item's expected output.

Text (both strings): difflib's opcodes over words, so the UI marks what was added
and removed inline. Objects and arrays: the JSON Patch (RFC 6902, the jsonpatch
library) that turns the expected document into the output, each change with its
path. Anything else, or mixed kinds: equal or not. Long texts are cut first, so a
diff stays cheap whatever a task returns.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import jsonpatch

MAX_DIFF_CHARS = 20_000
MAX_PATCH_OPS = 500
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def _words(text: str) -> list[str]:
    return _TOKENS.findall(text[:MAX_DIFF_CHARS])


def text_diff(expected: str, output: str) -> dict[str, Any]:
    old, new = _words(expected), _words(output)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    parts = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append({"op": "equal", "text": "".join(old[i1:i2])})
            continue
        if i2 > i1:
            parts.append({"op": "delete", "text": "".join(old[i1:i2])})
        if j2 > j1:
            parts.append({"op": "insert", "text": "".join(new[j1:j2])})
    return {
        "kind": "text",
        "equal": expected == output,
        "similarity": round(matcher.ratio(), 6),
        "parts": parts,
        "truncated": max(len(expected), len(output)) > MAX_DIFF_CHARS,
    }


def output_diff(expected: Any, output: Any) -> dict[str, Any] | None:
    """None when the item has no expected output."""
    if expected is None:
        return None
    if isinstance(expected, str) and isinstance(output, str):
        return text_diff(expected, output)
    if isinstance(expected, (dict, list)) and isinstance(output, (dict, list)):
        patch = jsonpatch.make_patch(expected, output).patch
        return {
            "kind": "json",
            "equal": not patch,
            "patch": patch[:MAX_PATCH_OPS],
            "truncated": len(patch) > MAX_PATCH_OPS,
        }
    return {"kind": "value", "equal": expected == output}
