"""The platform under the engine: configuration, logging, the Temporal connection and its payload codec."""
