"""Commands for developers, run as `python -m tests.tools.<name>`: replay histories and the dashboard screenshot."""
