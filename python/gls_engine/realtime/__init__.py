"""Live fan-out of newly stored traces to WebSocket subscribers."""
