"""Alembic migrations of the metadata database (env.py, versions/NNNN_name.py)."""
