"""`python -m cli.tokens`: the token it prints is one the API takes, and it issues none the API would refuse."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.auth import Role, verify
from core.config import LOCAL_ENV, Settings
from tests.factories import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


def tokens(*arguments: str, secret: str | None = TEST_SECRET) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTH_JWT_SECRET"}
    if secret is not None:
        env["AUTH_JWT_SECRET"] = secret
    return subprocess.run(
        [sys.executable, "-m", "cli.tokens", *arguments], cwd=ROOT, env=env, capture_output=True, text=True
    )


async def test_the_printed_token_is_verified_as_the_user_it_names() -> None:
    issued = tokens("--role", "manager", "--la", "202", "--la", "330", "--sub", "manager.one", "--hours", "2")
    assert issued.returncode == 0, issued.stderr
    user = await verify(Settings(auth_jwt_secret=TEST_SECRET), issued.stdout.strip())
    assert (user.sub, user.role, user.la_codes) == ("manager.one", Role.MANAGER, frozenset({"202", "330"}))


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--role", "manager", "--la", "202", "--sub", "a.b", "--hours", "0"], "between 0 and"),
        (["--role", "manager", "--la", "202", "--sub", "a.b", "--hours", "3000"], "between 0 and"),
        (["--role", "manager", "--la", "two-oh-two", "--sub", "a.b"], "an LA code is"),
        (["--role", "manager", "--la", "202", "--sub", "<script>"], "a staff id is"),
        (["--role", "owner", "--la", "202", "--sub", "a.b"], "invalid choice"),
    ],
)
def test_a_token_the_api_would_refuse_is_not_issued(arguments: list[str], says: str) -> None:
    refused = tokens(*arguments)
    assert refused.returncode == 2 and says in refused.stderr and not refused.stdout
    assert "<script>" not in refused.stderr


def test_without_a_shared_secret_it_says_where_tokens_come_from() -> None:
    if LOCAL_ENV.exists():
        pytest.skip("this checkout keeps a secret in data/local.env (`make run`), which the command reads")
    refused = tokens("--role", "ops", "--la", "202", "--sub", "ops.one", secret=None)
    assert refused.returncode == 2 and "AUTH_JWT_SECRET" in refused.stderr and not refused.stdout
