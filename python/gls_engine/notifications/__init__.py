"""The notification centre: what went wrong in a period, each with where to look."""
