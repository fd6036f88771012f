"""The count of each client's portal codes and sign-ins (api/client_limits.py), on a clock the test moves."""

from starlette.requests import Request

from api.client_limits import ClientLimit, Verdict, client_of
from tests.support.portal import Clock


def test_a_client_gets_its_limit_in_a_window_then_waits_for_the_window_to_end() -> None:
    clock = Clock()
    limit = ClientLimit(2, 900, clock=clock)
    assert [limit.hit("a"), limit.hit("a")] == [Verdict(allowed=True)] * 2
    clock.now += 100
    assert limit.hit("a") == Verdict(allowed=False, first_refusal=True, retry_after=800)
    clock.now += 799.5
    assert limit.hit("a") == Verdict(allowed=False, first_refusal=False, retry_after=1)  # a part of a second: 1
    assert limit.hit("b") == Verdict(allowed=True)  # another client counts on its own
    clock.now += 0.5
    assert limit.hit("a") == Verdict(allowed=True)  # a new window


def test_memory_is_bounded_old_windows_dropped_first() -> None:
    clock = Clock()
    limit = ClientLimit(1, 900, clock=clock, max_clients=3)
    for client in "abc":
        limit.hit(client)
        clock.now += 10
    assert not limit.hit("a").allowed
    limit.hit("d")  # a fourth client: the oldest window, a's, goes
    assert len(limit) == 3
    assert limit.hit("a").allowed
    clock.now += 900  # every window over: each is dropped as the next request comes
    limit.hit("e")
    assert len(limit) == 1


def request_from(host: str) -> Request:
    return Request({"type": "http", "method": "POST", "path": "/", "headers": [], "client": (host, 50000)})


def test_a_client_is_its_address_and_an_ipv6_client_its_64() -> None:
    assert client_of(request_from("203.0.113.7")) == "203.0.113.7"
    assert client_of(request_from("::ffff:203.0.113.7")) == "203.0.113.7"
    one, other = request_from("2001:db8:1:2::1"), request_from("2001:db8:1:2:ffff::9")
    assert client_of(one) == client_of(other) == "2001:db8:1:2::/64"
    assert client_of(request_from("2001:db8:1:3::1")) == "2001:db8:1:3::/64"
    assert client_of(request_from("testclient")) == "testclient"
