"""`python -m cli.init_local`: a signing secret and payload keys for this machine (`make run` calls it).

The file, data/local.env, is read by the settings of every process `make run` starts; it is git-ignored.
"""

import os
import secrets
import sys
from pathlib import Path

from core.config import LOCAL_ENV
from core.payload_codec import new_key_entry


def init_local(path: Path = LOCAL_ENV) -> bool:
    """Write a signing secret and payload keys for this machine, once: an existing file is never touched,
    since replacing the keys would leave the cases already in data/ unreadable. True if it wrote the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w") as file:
        file.write(
            "# Made by `python -m cli.init_local` for this machine only: never commit or copy it.\n"
            f"AUTH_JWT_SECRET={secrets.token_urlsafe(48)}\n"
            f"PAYLOAD_KEYS={new_key_entry('local1')}\n"
        )
    return True


if __name__ == "__main__":
    if sys.argv[1:]:
        sys.exit("usage: python -m cli.init_local")
    sys.stdout.write(f"{'wrote' if init_local() else 'kept the existing'} {LOCAL_ENV}\n")
