"""The HTTP API case officers and managers use: FastAPI over Temporal and the read model."""
