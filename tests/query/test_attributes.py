"""The keys an attribute filter tests against `input` / `output` are exactly the
ones the decoder may store there verbatim (the Input / Output rows of its key
table): a key missing here would make `attribute=k=v` miss spans whose value
was moved out of the map."""

from __future__ import annotations

import re
from pathlib import Path

from gls_engine.query.attributes import VERBATIM_INPUT_KEYS, VERBATIM_OUTPUT_KEYS

KEYS_RS = Path(__file__).resolve().parents[2] / "rust/src/decode/semconv/keys.rs"


def _keys_of(column: str) -> set[str]:
    text = KEYS_RS.read_text()
    return set(re.findall(rf'b"([^"]+)" => \({column}, \d+\)', text))


def test_verbatim_keys_match_the_decoder_table() -> None:
    assert _keys_of("Input") == VERBATIM_INPUT_KEYS
    assert _keys_of("Output") == VERBATIM_OUTPUT_KEYS
