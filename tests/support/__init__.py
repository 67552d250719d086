"""Test helpers shared by several test packages (real servers the tests start)."""
