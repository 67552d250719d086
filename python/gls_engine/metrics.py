"""Counters every component bumps; served as Prometheus text on /metrics.

Every span that does not end up stored is counted under a reason.
"""

from __future__ import annotations

import threading
from collections import defaultdict


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
        self._gauges: dict[str, float] = {}

    def add(self, name: str, value: float = 1, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._values[key] += value

    def set_gauge(self, name: str, value: float) -> None:
        self._gauges[name] = value

    def get(self, name: str, **labels: str) -> float:
        return self._values.get((name, tuple(sorted(labels.items()))), 0.0)

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            out = {}
            for (name, labels), value in self._values.items():
                suffix = ",".join(f"{k}={v}" for k, v in labels)
                out[f"{name}{{{suffix}}}" if suffix else name] = value
        out.update(self._gauges)
        return out

    def prometheus_text(self) -> str:
        lines = []
        with self._lock:
            items = sorted(self._values.items())
        for (name, labels), value in items:
            label_text = ",".join(f'{k}="{v}"' for k, v in labels)
            lines.append(f"gls_{name}{{{label_text}}} {value:g}")
        for name, value in sorted(self._gauges.items()):
            lines.append(f"gls_{name} {value:g}")
        return "\n".join(lines) + "\n"
