"""An application paused at a breakpoint goes on when its Studio goes away: a
debugger that stopped answering never keeps the application stopped."""

from __future__ import annotations

import pytest
from greenlang_studio.debug import enable_debugging
from opentelemetry.sdk.trace import TracerProvider
from test_app_debug import PROJECT, held_by, in_thread, next_pause, set_breakpoints

from inprocess_studio import InProcessStudio


def test_a_paused_application_goes_on_when_the_studio_stops(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    studio = InProcessStudio(tmp_path_factory.mktemp("app-debug-gone") / "data").start()
    provider = TracerProvider()
    try:
        debugger = enable_debugging(provider, studio.api, PROJECT)
        assert debugger is not None and debugger.wait_connected(10)
        held_by(debugger, set_breakpoints(studio, [{"span_name": "wait-here"}]))
        tracer = provider.get_tracer("shop")
        thread, result = in_thread(lambda: tracer.start_span("wait-here").end() or "went on")
        next_pause(studio, set())
        assert thread.is_alive()  # paused
    finally:
        studio.stop()
    thread.join(30)
    assert result == {"value": "went on"}
    provider.shutdown()
