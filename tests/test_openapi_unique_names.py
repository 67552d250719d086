"""api/openapi.yaml names each path, parameter and schema once: YAML keeps the last
of two equal keys silently, so a second `DebugPause` replaced the first and
answers were checked against the wrong schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

SPEC = Path(__file__).resolve().parents[1] / "api" / "openapi.yaml"


def test_no_key_is_given_twice_in_one_mapping() -> None:
    twice: list[tuple[Any, int]] = []

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                twice.append((key, key_node.start_mark.line + 1))
            seen.add(key)
        return SafeConstructor.construct_mapping(loader, node, deep)

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(SPEC.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - SafeLoader's subclass
    assert twice == []
