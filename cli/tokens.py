"""Issue a bearer token for local use: `python -m cli.tokens --role manager --la 202 --sub alice`.

It signs with the configured shared secret (AUTH_JWT_SECRET, which `make run` keeps in data/local.env),
so it works against the embedded stack and test deployments. A deployment behind an OIDC provider
gets its tokens from the provider instead, with the same `role` and `la_codes` claims.
"""

import argparse
import sys
from datetime import timedelta

from api.auth import MAX_TOKEN_LIFETIME, STAFF, Role, issue_token
from cli.arguments import matching
from core.config import get_settings
from intake.fields import LA_CODE, MAX_STAFF_ID, STAFF_ID

# The API will take these as a token's la_codes and sub: a token it would refuse is not issued.
_LA_CODE = matching(LA_CODE, "an LA code is 3 to 9 capitals or digits, e.g. 202", 9)
_STAFF_ID = matching(STAFF_ID, f"a staff id is at most {MAX_STAFF_ID} letters, digits and . _ @ | : + -", MAX_STAFF_ID)


def _hours(value: str) -> float:
    """The API refuses a token that lasts longer than MAX_TOKEN_LIFETIME, so none is issued."""
    hours = float(value)
    if not 0 < hours <= MAX_TOKEN_LIFETIME.total_seconds() / 3600:
        raise argparse.ArgumentTypeError(f"between 0 and {MAX_TOKEN_LIFETIME.total_seconds() / 3600:.0f} hours")
    return hours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.tokens", description=__doc__.splitlines()[0])
    parser.add_argument("--role", required=True, choices=sorted(r.value for r in STAFF))
    parser.add_argument(
        "--la", action="append", required=True, dest="la_codes", type=_LA_CODE, help="an LA code; repeat for more"
    )
    parser.add_argument(
        "--sub", required=True, type=_STAFF_ID, help="the user's staff id (recorded as the actor); not an email"
    )
    parser.add_argument(
        "--hours",
        type=_hours,
        default=8.0,
        help=f"lifetime (default 8 hours, one working day; at most {MAX_TOKEN_LIFETIME.total_seconds() / 3600:.0f})",
    )
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
