"""What tests share besides their fixtures and the driver: a TCP proxy to cut a connection, a live server for the
browser, the dashboard's cases and figures, the fuzzers' seed and row counts. No test module imports another."""
