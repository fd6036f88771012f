"""Temporal workflows: one module per statutory process, deterministic and free of I/O."""
