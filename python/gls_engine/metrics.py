"""Counters every component bumps; served as Prometheus text on /metrics.

Every span that does not end up stored is counted under a reason. Each count
is also kept per minute for a week (in memory, since the process started), so
the notification centre can say what happened in a period.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict

MINUTE_NS = 60 * 10**9
HISTORY_MINUTES = 7 * 24 * 60

CounterKey = tuple[str, tuple[tuple[str, str], ...]]


def _label_text(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    suffix = ",".join(f"{k}={v}" for k, v in labels)
    return f"{name}{{{suffix}}}" if suffix else name


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[CounterKey, float] = defaultdict(float)
        self._gauges: dict[str, float] = {}
        self._minutes: OrderedDict[int, dict[CounterKey, float]] = OrderedDict()
        self.started_ns = time.time_ns()

    def add(self, name: str, value: float = 1, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        minute = time.time_ns() // MINUTE_NS
        with self._lock:
            self._values[key] += value
            bucket = self._minutes.get(minute)
            if bucket is None:
                bucket = self._minutes[minute] = defaultdict(float)
                while len(self._minutes) > HISTORY_MINUTES:
                    self._minutes.popitem(last=False)
            bucket[key] += value

    def added_between(self, start_ns: int, end_ns: int) -> dict[str, float]:
        """What was added in the minutes overlapping [start_ns, end_ns), keyed as
        snapshot() keys them (whole minutes: a count's time is its minute)."""
        first, last = start_ns // MINUTE_NS, (end_ns - 1) // MINUTE_NS
        totals: dict[str, float] = defaultdict(float)
        with self._lock:
            for minute, bucket in self._minutes.items():
                if first <= minute <= last:
                    for (name, labels), value in bucket.items():
                        totals[_label_text(name, labels)] += value
        return dict(totals)

    def set_gauge(self, name: str, value: float) -> None:
        self._gauges[name] = value

    def get(self, name: str, **labels: str) -> float:
        return self._values.get((name, tuple(sorted(labels.items()))), 0.0)

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            out = {}
            for (name, labels), value in self._values.items():
                out[_label_text(name, labels)] = value
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
