"""The command-line tools, each run as `python -m cli.<name>` (README, "Command-line tools")."""
