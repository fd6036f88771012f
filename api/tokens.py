"""Issue a bearer token for local use: `python -m api.tokens --role manager --la 202 --sub alice`.

It signs with the configured shared secret (AUTH_JWT_SECRET, which `make run` keeps in data/local.env),
so it works against the embedded stack and test deployments. A deployment behind an OIDC provider
gets its tokens from the provider instead, with the same `role` and `la_codes` claims.
"""

import argparse
import sys
from datetime import timedelta

from api.auth import Role, issue_token
from core.config import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.tokens", description=__doc__.splitlines()[0])
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--la", action="append", required=True, dest="la_codes", help="an LA code; repeat for more")
    parser.add_argument("--sub", required=True, help="the user's staff id (recorded as the actor); not an email")
    parser.add_argument("--hours", type=float, default=8.0, help="lifetime (default 8 hours, one working day)")
    args = parser.parse_args(argv)
    try:
        token = issue_token(
            get_settings(), args.sub, Role(args.role), args.la_codes, lifetime=timedelta(hours=args.hours)
        )
    except RuntimeError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
