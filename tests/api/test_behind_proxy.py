"""A browser signs in through the LA's TLS proxy, with the forwarded-header trust the deployments configure.

TLS ends at the proxy, so the API itself is reached over plain HTTP from the proxy's address. Uvicorn
believes X-Forwarded-Proto only from FORWARDED_ALLOW_IPS: deploy/k8s/api.yaml and deploy/compose.yaml set
it, and these tests run uvicorn's own wrapping (its Config, with that value) around the real app. Without
it, a browser's `Origin: https://…` never matches the `http` the API sees, so sign-in answered 403, and the
cookie would have gone out without `Secure`.
"""

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml
from starlette.types import ASGIApp

from api.auth import Role, issue_token
from api.main import create_app
from core.config import Settings
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PUBLIC = "send.example.gov.uk"


def kubernetes_trust() -> str:
    api = next(yaml.safe_load_all((DEPLOY / "k8s" / "api.yaml").read_text()))
    container = api["spec"]["template"]["spec"]["containers"][0]
    return next(env["value"] for env in container["env"] if env["name"] == "FORWARDED_ALLOW_IPS")


def compose_trust() -> str:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    setting = compose["services"]["api"]["environment"]["FORWARDED_ALLOW_IPS"]
    variable = re.fullmatch(r"\$\{(\w+):-[^}]*\}", setting)
    assert variable, setting
    example = (DEPLOY / "compose.env.example").read_text()
    found = re.search(rf"^{variable.group(1)}=(.*)$", example, re.MULTILINE)
    assert found, variable.group(1)
    return found.group(1)


def served(trusted: str | None) -> ASGIApp:
    """The app as uvicorn serves it with FORWARDED_ALLOW_IPS=trusted (None: uvicorn's loopback-only default)."""
    settings = Settings(auth_jwt_secret=TEST_SECRET, payload_keys=TEST_PAYLOAD_KEYS)
    app = create_app(settings)
    app.state.settings = settings
    config = uvicorn.Config(app, proxy_headers=True, forwarded_allow_ips=trusted, log_config=None)
    config.load()
    return config.loaded_app


def browser_via(app: ASGIApp, peer: str) -> httpx.AsyncClient:
    """A browser at https://PUBLIC, whose requests reach the API from the proxy's address `peer`."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(peer, 41000)),
        base_url="http://api:8000",
        headers={
            "Host": PUBLIC,
            "Origin": f"https://{PUBLIC}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.20",
        },
    )


async def sign_in(browser: httpx.AsyncClient) -> httpx.Response:
    token = issue_token(Settings(auth_jwt_secret=TEST_SECRET), "manager.one", Role.MANAGER, ["202"])
    return await browser.post(
        "/sign-in", content=f"token={token}", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


@pytest.mark.parametrize(
    ("trust", "proxy"),
    [(kubernetes_trust, "10.244.3.17"), (compose_trust, "172.18.0.1")],
    ids=["kubernetes ingress pod", "compose bridge gateway"],
)
async def test_a_browser_signs_in_through_the_proxy_with_a_secure_cookie(trust: Callable[[], str], proxy: str) -> None:
    async with browser_via(served(trust()), proxy) as browser:
        answer = await sign_in(browser)
        assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/page")
        cookie = answer.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie

        out = await browser.post("/sign-out")
        assert out.status_code == 303 and "secure" in out.headers["set-cookie"].lower()


async def test_forwarded_headers_from_anywhere_else_are_not_believed() -> None:
    """A client outside the trusted range cannot claim HTTPS: its forged header changes nothing."""
    async with browser_via(served(kubernetes_trust()), "203.0.113.9") as browser:
        answer = await sign_in(browser)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers


async def test_without_the_setting_the_proxied_sign_in_is_refused() -> None:
    """The finding itself: uvicorn's default trusts loopback only, and the proxy is not on loopback."""
    async with browser_via(served(None), "10.244.3.17") as browser:
        answer = await sign_in(browser)
        assert answer.status_code == 403
